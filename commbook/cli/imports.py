"""``commbook import KIND PATH``: load members, events, content, surveys… into the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from commbook.config import get_settings
from commbook.errors import CommbookError, ImportRejected
from commbook.ingest import KINDS, import_file


def _mapping(pairs: tuple[str, ...], mapping_file: Path | None) -> dict[str, str]:
    """Their column -> our field, from ``--mapping FILE.yml`` then ``--map`` (which wins)."""
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        try:
            loaded = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CommbookError(f"{mapping_file}: not a readable YAML file ({exc})") from exc
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise CommbookError(
                f"{mapping_file}: expected a YAML mapping of their column to our field, "
                "e.g. 'Created: occurred_at'"
            )
        mapping.update(loaded)
    for pair in pairs:
        theirs, sep, ours = pair.rpartition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise CommbookError(f'--map {pair!r}: expected "Their column=our_field"')
        mapping[theirs.strip()] = ours.strip()
    return mapping


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.argument("path", type=click.Path(path_type=Path), metavar="PATH")
@click.option(
    "--source", default="csv", show_default=True, help="Name of the system the ids come from."
)
@click.option(
    "--quarantine",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Import the good rows; write bad rows to this CSV (with _row and _error).",
)
@click.option("--timezone", help="IANA timezone of timestamps without a UTC offset.")
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar='"THEIRS=OURS"',
    help="Rename a column before validation (repeatable).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file: their column -> our field.",
)
@click.option("--survey", help="Survey id for response rows without a survey_id column.")
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def command(
    kind: str,
    path: Path,
    source: str,
    quarantine: Path | None,
    timezone: str | None,
    pairs: tuple[str, ...],
    mapping_file: Path | None,
    survey: str | None,
    no_progress: bool,
) -> None:
    """Import a file of KIND into the store (a folder for stackexchange).

    \b
    KIND is one of:
      members        people: member_id, joined_at, region, role, …
      events         activity: posts, replies, comments, reactions, views…
      content        content items / calendar with reach, likes, shares…
      surveys        survey definitions (NPS, CSAT, Likert, poll)
      responses      survey responses (score, comment)
      triage         triage queue items (category, urgency, SLA times)
      objectives     objectives with baseline and target (matched by title)
      segments       audience segments, JSON only (matched by name)
      stackexchange  a Stack Exchange data dump folder (Users/Posts/Comments/Votes.xml)

    Files are CSV, JSON or JSON Lines, optionally gzipped (.csv.gz). Columns are listed in
    docs/data-formats.md. A file with any bad row imports nothing unless --quarantine is
    given; importing the same file again changes nothing.

    \b
    Examples:
      commbook import members members.csv --source discourse
      commbook import events events.jsonl.gz --source discourse --quarantine bad.csv
      commbook import events export.csv --map "Created=occurred_at" --timezone Europe/Paris
      commbook import stackexchange ./cooking.stackexchange.com
    """
    mapping = _mapping(pairs, mapping_file)
    try:
        result = import_file(
            kind,
            path,
            url=get_settings().database_url,
            source=source,
            quarantine=quarantine,
            timezone=timezone,
            mapping=mapping or None,
            survey=survey,
            progress=not no_progress and sys.stderr.isatty(),
        )
    except ImportRejected as exc:
        if len(exc.errors) == 1:  # one line says it all
            raise CommbookError(
                f"{exc.errors[0]} — nothing was imported "
                "(use --quarantine FILE to import the good rows)"
            ) from exc
        raise
    click.echo(result.summary())
