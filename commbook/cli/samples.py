"""``commbook samples``: generate the fictional sample community and load it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from commbook.config import get_settings
from commbook.samples import SampleSpec, generate_samples, load_samples
from commbook.samples.load import store_has_members

DEFAULTS = SampleSpec()


@click.group("samples")
def command() -> None:
    """Generate and load the sample community (the Tinkerers Guild, a maker community)."""


@command.command("generate")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the files to (created if missing).",
)
@click.option(
    "--members", type=int, default=DEFAULTS.members, show_default=True, help="Number of members."
)
@click.option(
    "--months",
    type=int,
    default=DEFAULTS.months,
    show_default=True,
    help="Length of the period, in calendar months.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULTS.seed,
    show_default=True,
    help="Random seed: the same seed gives byte-identical files.",
)
@click.option(
    "--end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=DEFAULTS.end.isoformat(),
    show_default=True,
    help="Last day of the period.",
)
@click.option(
    "--events",
    type=int,
    default=None,
    help="Aim for about this many events (default: the community's own pace).",
)
@click.option(
    "--gzip/--no-gzip",
    "compress",
    default=False,
    show_default=True,
    help="Write events.csv.gz instead of events.csv.",
)
def generate(
    out: Path,
    members: int,
    months: int,
    seed: int,
    end: dt.datetime,
    events: int | None,
    compress: bool,
) -> None:
    """Write a deterministic fictional community as import files (docs/data-formats.md).

    \b
    Examples:
      commbook samples generate --out data/samples          # the committed default set
      commbook samples generate --out /tmp/big --members 200000 --events 10000000 --gzip
    """
    spec = SampleSpec(
        members=members, months=months, seed=seed, end=end.date(), events=events, compress=compress
    )
    result = generate_samples(out, spec, progress=None)
    click.echo(result.summary())


@command.command("load")
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when the store already has members (used by `make run`).",
)
@click.option(
    "--ends",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Move the dates so the data ends on this day (default: yesterday).",
)
@click.option("--as-is", "as_is", is_flag=True, help="Load the files' own dates, unchanged.")
def load(folder: Path | None, if_empty: bool, ends: dt.datetime | None, as_is: bool) -> None:
    """Import a sample folder into the store (default: data/samples). Safe to run again:
    rows are matched by id, never duplicated.

    Every date is moved by the same number of days so that the data ends yesterday: the
    demo always has a complete last month, whatever today is (--as-is keeps the files'
    own dates; --ends picks another last day).

    \b
    Examples:
      commbook samples load
      commbook samples load --as-is
      commbook samples load /tmp/big --if-empty --ends 2026-10-31
    """
    from commbook import clock
    from commbook.errors import ValidationError
    from commbook.reports.periods import short_day

    if as_is and ends is not None:
        raise ValidationError("choose --ends or --as-is, not both", field="ends")
    settings = get_settings()
    folder = folder or settings.samples_dir
    url = settings.database_url
    if if_empty:
        from commbook.store import current_revision

        if current_revision(url) is not None and store_has_members(url):
            last = clock.data_ends(url)
            click.echo(
                "the store already has members; not loading the samples (--if-empty)"
                + (f"; its data ends on {short_day(last)}" if last else "")
            )
            return
    last_day = None if as_is else (ends.date() if ends else clock.today() - dt.timedelta(days=1))
    load_samples(folder, url, actor=settings.user, echo=click.echo, ends=last_day)
