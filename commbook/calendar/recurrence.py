"""Recurring items: an iCalendar RRULE on the series item, expanded with ``dateutil.rrule``.

A series is one stored item whose ``rrule`` column holds the rule (RFC 5545 ``RRULE`` value,
e.g. ``FREQ=WEEKLY;BYDAY=MO``) and, on a second line, the local dates whose occurrence was
skipped or moved away: ``EXDATE:20260302,20260309``. Occurrences are computed in the item's
own timezone on wall-clock time, so a weekly 09:00 newsletter stays at 09:00 local across
daylight-saving changes (its UTC time moves). A wall-clock time that does not exist on a
given day (the hour skipped in spring) is read with the offset before the gap, as RFC 5545
says: 02:30 becomes 03:30.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from commbook.errors import CommbookError

FREQUENCIES = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
#: Rules a form offers by name; any other valid RRULE is "custom".
PRESETS: dict[str, str] = {
    "": "Does not repeat",
    "FREQ=DAILY": "Every day",
    "FREQ=WEEKLY": "Every week",
    "FREQ=WEEKLY;INTERVAL=2": "Every 2 weeks",
    "FREQ=MONTHLY": "Every month",
}
MAX_OCCURRENCES = 2000  # per expanded window: a daily series over five years
RULE_MAX = 300  # the store's rrule column
EXAMPLE = "FREQ=WEEKLY;BYDAY=MO"
_UNTIL = re.compile(r"UNTIL=([0-9T]+Z?)")


class RuleError(CommbookError):
    """A recurrence rule that cannot be used."""


def check_rule(text: str) -> str:
    """Normalise a user's RRULE (``rrule:freq=weekly`` → ``FREQ=WEEKLY``) or raise RuleError."""
    rule = "".join(text.split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    parts = dict(p.partition("=")[::2] for p in rule.split(";") if p)
    if "DTSTART" in rule or "EXDATE" in rule or ":" in rule:
        raise RuleError(f"Repeats must be a single RRULE like {EXAMPLE}")
    if parts.get("FREQ") not in FREQUENCIES:
        raise RuleError(
            f"Repeats needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (e.g. {EXAMPLE}), got {text!r}"
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("Repeats can end after a number of times (COUNT) or on a date, not both")
    try:
        found = next(iter(_rule(rule, dt.datetime(2026, 1, 5, 9), ZoneInfo("UTC"))), None)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise RuleError(f"Repeats: {text!r} is not a valid rule (e.g. {EXAMPLE})") from None
    if found is None:
        raise RuleError(f"Repeats: {text!r} never happens")
    return rule


def split_stored(stored: str | None) -> tuple[str, list[dt.date]]:
    """The stored ``rrule`` column → (rule, skipped local dates)."""
    if not stored:
        return "", []
    rule, _, rest = stored.partition("\n")
    skipped: list[dt.date] = []
    if rest.upper().startswith("EXDATE:"):
        for token in rest[len("EXDATE:") :].split(","):
            token = token.strip()
            if token:
                skipped.append(dt.datetime.strptime(token[:8], "%Y%m%d").date())
    return rule.strip(), sorted(set(skipped))


def join_stored(rule: str, skipped: list[dt.date] | tuple[dt.date, ...] = ()) -> str | None:
    """(rule, skipped dates) → the text stored in the ``rrule`` column (``None``: no rule)."""
    if not rule:
        return None
    if not skipped:
        return rule
    dates = ",".join(f"{d:%Y%m%d}" for d in sorted(set(skipped)))
    text = f"{rule}\nEXDATE:{dates}"
    if len(text) > RULE_MAX:
        raise RuleError(
            "This series has too many skipped or moved occurrences to store another one; "
            "end the series and start a new one instead"
        )
    return text


def _localized_until(rule: str, tz: ZoneInfo) -> str:
    """dateutil wants UNTIL in the same terms as the (naive, local) start: a UTC UNTIL is
    converted to local time, a date-only one means the end of that day."""

    def local(match: re.Match[str]) -> str:
        value = match.group(1)
        if "T" not in value:  # a date: until the end of that local day
            return f"UNTIL={value}T235959"
        if not value.endswith("Z"):
            return match.group(0)
        moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        return f"UNTIL={moment.astimezone(tz):%Y%m%dT%H%M%S}"

    return _UNTIL.sub(local, rule)


def _rule(rule: str, local_start: dt.datetime, tz: ZoneInfo) -> rrule:
    return rrulestr(_localized_until(rule, tz), dtstart=local_start, cache=False)  # type: ignore[return-value]


def occurrences(
    start: dt.datetime,
    timezone: str,
    stored: str | None,
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> list[dt.datetime]:
    """Aware UTC starts of an item in ``[window_start, window_end)``.

    ``start`` is the stored (aware) first start; ``stored`` the ``rrule`` column (``None``
    for a one-off item, which then has at most its own start).
    """
    if not stored:
        return [start] if window_start <= start < window_end else []
    tz = ZoneInfo(timezone)
    rule, skipped = split_stored(stored)
    local_start = start.astimezone(tz).replace(tzinfo=None)
    margin = dt.timedelta(days=1)  # window edges in local time, with room for any offset
    low = window_start.astimezone(tz).replace(tzinfo=None) - margin
    high = window_end.astimezone(tz).replace(tzinfo=None) + margin
    if high < local_start:
        return []
    skip = set(skipped)
    out: list[dt.datetime] = []
    for local in _rule(rule, local_start, tz).xafter(max(low, local_start), inc=True):
        if local > high or len(out) >= MAX_OCCURRENCES:
            break
        if local.date() in skip:
            continue
        moment = local.replace(tzinfo=tz).astimezone(dt.UTC)
        if window_start <= moment < window_end:
            out.append(moment)
    return out


def last_occurrence(start: dt.datetime, timezone: str, stored: str | None) -> dt.datetime | None:
    """The last start of a bounded series (COUNT/UNTIL); ``None`` when it never ends."""
    if not stored:
        return start
    rule, _ = split_stored(stored)
    if "COUNT=" not in rule and "UNTIL=" not in rule:
        return None
    tz = ZoneInfo(timezone)
    local = None
    for local in _rule(rule, start.astimezone(tz).replace(tzinfo=None), tz):  # noqa: B007
        pass
    return None if local is None else local.replace(tzinfo=tz).astimezone(dt.UTC)


def until_utc(rule: str, timezone: str) -> str:
    """The rule with UNTIL as a UTC date-time, as RFC 5545 wants next to a DTSTART with TZID.

    A date-only UNTIL means "until the end of that local day".
    """
    tz = ZoneInfo(timezone)

    def utc(match: re.Match[str]) -> str:
        value = match.group(1)
        if value.endswith("Z"):
            return match.group(0)
        if "T" in value:
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
        else:
            local = dt.datetime.combine(
                dt.datetime.strptime(value, "%Y%m%d").date(), dt.time(23, 59, 59)
            )
        return f"UNTIL={local.replace(tzinfo=tz).astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"

    return _UNTIL.sub(utc, rule)


def describe(stored: str | None) -> str:
    """Plain words for a rule: ``"Every 2 weeks on Mon, Thu, until 31 Dec 2026"``."""
    rule, skipped = split_stored(stored)
    if not rule:
        return "Does not repeat"
    parts = dict(p.partition("=")[::2] for p in rule.split(";") if p)
    unit = FREQUENCIES.get(parts.get("FREQ", ""), "time")
    interval = int(parts.get("INTERVAL", "1") or 1)
    text = f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"
    if "BYDAY" in parts:
        days = [DAYS.get(d, d) for d in parts["BYDAY"].split(",")]
        text += f" on {', '.join(days)}"
    if "BYMONTHDAY" in parts:
        text += f" on day {parts['BYMONTHDAY']}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        day = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        text += f", until {day:%d %b %Y}"
    if skipped:
        text += f" ({len(skipped)} skipped)"
    return text
