"""``commbook calendar``: export the content calendar (ICS, CSV) and import a calendar CSV."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from commbook.calendar import ics
from commbook.calendar.model import STATUSES
from commbook.calendar.recurrence import occurrences
from commbook.calendar.service import Filters, items_in_range
from commbook.config import get_settings
from commbook.errors import CommbookError, ImportRejected

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.group("calendar")
def command() -> None:
    """The content calendar: export it to ICS or CSV, import a calendar CSV.

    See docs/calendar.md for the fields, statuses and file formats.
    """


def _day(value: dt.date | None, tz: str) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.combine(value, dt.time(), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


@command.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["ics", "csv"]), required=True, help="File format."
)
@click.option("--out", "out", type=_FILE, required=True, help="File to write.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included.")
@click.option("--channel", help="Only this channel (key).")
@click.option("--owner", help="Only this owner.")
@click.option("--status", type=click.Choice(list(STATUSES)), help="Only this status.")
@click.option("--campaign", help="Only items with this campaign / tag.")
def export(
    fmt: str,
    out: Path,
    start: dt.datetime | None,
    end: dt.datetime | None,
    channel: str | None,
    owner: str | None,
    status: str | None,
    campaign: str | None,
) -> None:
    """Export calendar items to an .ics calendar or a spreadsheet-safe CSV.

    Dates are days in the configured timezone (COMMBOOK_TIMEZONE); without --from/--to
    every item is exported (CSV: unscheduled ideas too). A series is one event/row with its
    repeat rule.

    \b
    Examples:
      commbook calendar export --format ics --out calendar.ics
      commbook calendar export --format csv --from 2026-03-01 --to 2026-03-31 \\
          --channel newsletter --out march.csv
    """
    tz = get_settings().timezone
    if (start is None) != (end is None):
        raise CommbookError("give both --from and --to, or neither")
    low = _day(start.date() if start else None, tz)
    high = _day(end.date() + dt.timedelta(days=1) if end else None, tz)
    if low is not None and high is not None and high <= low:
        raise CommbookError("--to must not be before --from")
    filters = Filters(channel=channel, owner=owner, status=status, campaign=campaign)
    items = items_in_range(low, high, filters, include_unscheduled=fmt == "csv" and low is None)
    if low is not None and high is not None:
        items = [
            i
            for i in items
            if i.scheduled_at is not None
            and occurrences(i.scheduled_at, i.timezone or "UTC", i.rrule, low, high)
        ]
    if fmt == "csv":
        from commbook.calendar.csvio import write_csv  # pandas: only for this command

        write_csv(items, out)
    else:
        _write_bytes(out, ics.to_ics(items))
    click.echo(f"{len(items):,} item(s) written to {out}")


def _write_bytes(path: Path, data: bytes) -> None:
    """Write atomically: a failure never leaves half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@command.command("import")
@click.argument("path", type=_FILE, metavar="FILE.csv")
@click.option("--timezone", help="IANA timezone of scheduled_at values without an offset.")
def import_(path: Path, timezone: str | None) -> None:
    """Import a calendar CSV (the export's format): all rows or none.

    Rows are matched on (source, content_id): existing items are updated, new ones created,
    every change is audited. Segments and objectives are matched by name/title.

    \b
    Example:
      commbook calendar import march.csv
    """
    from commbook.calendar.csvio import import_csv  # pandas: only for this command

    try:
        result = import_csv(path, timezone=timezone)
    except ImportRejected as exc:
        shown = "\n  ".join(str(e) for e in exc.errors[:10])
        more = f"\n  … and {len(exc.errors) - 10} more" if len(exc.errors) > 10 else ""
        raise CommbookError(
            f"{len(exc.errors)} invalid row(s); nothing was imported:\n  {shown}{more}"
        ) from exc
    click.echo(result.summary())
