"""``commbook metrics``: the headline metrics of a period, from the configured store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
import pandas as pd
from sqlalchemy import select

from commbook import clock, frames
from commbook.config import get_settings
from commbook.errors import ValidationError
from commbook.metrics import MAU_DAYS, answers_last_day, headline
from commbook.metrics._time import zone
from commbook.metrics.catalog import CONVERSATION_COLUMNS
from commbook.store import Channel, get_engine

CONTENT_COLUMNS = (
    "content_type",
    "channel",
    "published_at",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
)
MEMBER_COLUMNS = ("member_id", "joined_at", "left_at")
DATE = click.DateTime(["%Y-%m-%d"])


@click.command("metrics")
@click.option("--from", "first", type=DATE, help="First day (default: the first event's day).")
@click.option("--to", "last", type=DATE, help="Last day, included (default: today).")
@click.option("--channel", help="Only events and content of this channel key (e.g. forum).")
@click.option("--tz", help="IANA timezone for days (default: COMMBOOK_TIMEZONE).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON for programs.",
)
def command(
    first: dt.datetime | None,
    last: dt.datetime | None,
    channel: str | None,
    tz: str | None,
    fmt: str,
) -> None:
    """Print the headline metrics of a period: members, activity, answers, engagement.

    Days are calendar days in the timezone; both --from and --to are included. Threads
    started in the period count the answers they got until 30 days after its end (the
    cut-off every report, dashboard and app uses); --to defaults to the day the data ends
    if that is before today. JSON keys (stable, see docs/metrics.md): from, to, tz,
    channel, answers_counted_until, data_ends, members,
    active_members, dau, wau, mau,
    stickiness, contribution_rate, threads, answered_rate, accepted_rate,
    median_first_response_hours, p90_first_response_hours, engagement_by_type. Rates are
    fractions; undefined values are null.

    \b
    Example:
      commbook metrics --from 2026-10-01 --to 2026-10-31 --channel forum --format json
    """
    settings = get_settings()
    url = settings.database_url
    tzinfo = zone(tz or settings.timezone)
    today = pd.Timestamp(clock.today(tzinfo))  # COMMBOOK_TODAY when the clock is fixed
    ends = clock.data_ends(url, tzinfo)
    # by default up to the data's last day: the days after it are not known, not zeros
    last_day = pd.Timestamp(last) if last is not None else min(today, pd.Timestamp(ends or today))
    if first is not None and pd.Timestamp(first) > last_day:
        raise ValidationError(f"--to ({last_day:%Y-%m-%d}) is before --from", field="to")
    end = _at_midnight(last_day + pd.Timedelta(days=1), tzinfo)
    start = _at_midnight(pd.Timestamp(first), tzinfo) if first is not None else None
    if channel is not None:
        _check_channel(url, channel)

    lookback = (
        _at_midnight(pd.Timestamp(first) - pd.Timedelta(days=MAU_DAYS - 1), tzinfo)
        if first is not None
        else None
    )
    events = frames.load_events(url, lookback, end, columns=CONVERSATION_COLUMNS)
    late = frames.load_events(url, end, None, CONVERSATION_COLUMNS, kinds=("reply", "comment"))
    if len(late):
        events = pd.concat([events, late], ignore_index=True)
    if start is None:
        start = (
            _at_midnight(events["occurred_at"].min().tz_convert(tzinfo).tz_localize(None), tzinfo)
            if len(events)
            else _at_midnight(last_day, tzinfo)
        )
    members = frames.load_members(url, None, end, columns=MEMBER_COLUMNS)
    content = frames.load_content(url, start, end, columns=CONTENT_COLUMNS)
    if channel is not None:
        events = events[(events["channel"] == channel).fillna(False).to_numpy(dtype=bool)]
        content = content[(content["channel"] == channel).fillna(False).to_numpy(dtype=bool)]

    numbers = headline(events, members, content, start, end, tzinfo)
    result = {
        "from": f"{start.tz_convert(tzinfo):%Y-%m-%d}",
        "to": f"{last_day:%Y-%m-%d}",
        "tz": str(tzinfo),
        "channel": channel,
        "answers_counted_until": answers_last_day(end, tzinfo).isoformat(),
        "data_ends": ends.isoformat() if ends else None,
        **numbers,
    }
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, allow_nan=False))
    else:
        click.echo(_table(result))


def _at_midnight(day: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return day.normalize().tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def _check_channel(url: str, channel: str) -> None:
    with get_engine(url).connect() as conn:
        keys = list(conn.execute(select(Channel.key).order_by(Channel.key)).scalars())
    if channel not in keys:
        known = ", ".join(keys) if keys else "none yet"
        raise ValidationError(f"unknown channel {channel!r} (known: {known})", field="channel")


def _fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "–"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "h":
        return f"{value:,.1f} h"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _table(r: dict[str, Any]) -> str:
    scope = f" · channel {r['channel']}" if r["channel"] else ""
    rows = [
        ("Period", f"{r['from']} to {r['to']} ({r['tz']}){scope}"),
        ("Members", _fmt(r["members"])),
        ("Active members", _fmt(r["active_members"])),
        ("DAU / WAU / MAU", " / ".join(_fmt(r[k]) for k in ("dau", "wau", "mau"))),
        ("Stickiness (DAU/MAU)", _fmt(r["stickiness"], "%")),
        ("Contribution rate", _fmt(r["contribution_rate"], "%")),
        ("Threads started", _fmt(r["threads"])),
        ("Answered rate", _fmt(r["answered_rate"], "%")),
        ("Answers counted until", r["answers_counted_until"]),
        ("Data ends", r["data_ends"] or "no events yet"),
        ("Accepted-answer rate", _fmt(r["accepted_rate"], "%")),
        ("First response, median", _fmt(r["median_first_response_hours"], "h")),
        ("First response, p90", _fmt(r["p90_first_response_hours"], "h")),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    engagement = r["engagement_by_type"]
    if engagement:
        lines += ["", "Engagement by content type"]
        header = f"  {'type':<14} {'items':>6} {'reach':>10} {'interactions':>13} {'rate':>7}"
        lines.append(header)
        for row in engagement:
            lines.append(
                f"  {row['content_type']:<14} {row['items']:>6,} {_fmt(row['reach']):>10} "
                f"{row['interactions']:>13,} {_fmt(row['engagement_rate'], '%'):>7}"
            )
    return "\n".join(lines)
