"""``commbook report``: run report notebooks and publish HTML/PDF."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("report")
def command() -> None:
    """Run parameterized report notebooks and publish them as HTML and PDF."""


@command.command("run")
@click.argument("notebook")
@click.option(
    "--period",
    "-p",
    required=True,
    help="2026-10, 2026-W41, 2026-Q4, 2026, 2026-10-01..2026-10-15, last_month, last_week…",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A notebook parameter (repeatable); converted to the type the notebook declares.",
)
@click.option(
    "--format",
    "formats",
    default="html",
    show_default=True,
    help="Comma-separated outputs: html, pdf (the executed .ipynb is always kept).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Reports folder (default: COMMBOOK_REPORTS_DIR, or ./reports).",
)
def run(notebook: str, period: str, params: tuple[str, ...], formats: str, out_dir: Path | None):
    """Run NOTEBOOK for a period; write <reports>/<notebook>/<period>/report.*.

    NOTEBOOK is a path, or the name of a notebook in the notebooks folder. A failed run
    keeps the previous report and saves report.failed.ipynb next to it.

    \b
    Examples:
      commbook report run report --period last_month --format html,pdf
      commbook report run report -p 2026-10 --param title="October review"
    """
    # imported here: papermill and nbformat take ~2 s, which every other command would pay
    from commbook.reports.parameters import declared_parameters, parse_parameter_pairs
    from commbook.reports.periods import is_relative
    from commbook.reports.runner import resolve_notebook, run_report

    path = resolve_notebook(notebook)
    values = parse_parameter_pairs(declared_parameters(path), params, notebook=path.name)
    result = run_report(
        path, period=period, params=values, formats=formats.split(","), out_dir=out_dir
    )
    from commbook import clock

    for note in clock.choose_period(period).notes if is_relative(period) else []:
        click.echo(note)  # e.g. "November 2026 has no data yet, so this shows October 2026."
    click.echo(
        f"report {path.stem} for {result.period.title} ({result.seconds:.1f} s, run "
        f"#{result.run_id}):"
    )
    for kind, output in result.outputs.items():
        click.echo(f"  {kind:5} {output}")
