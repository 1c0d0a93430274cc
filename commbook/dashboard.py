"""Data behind the managers' dashboard (and the monitoring notebook's filters).

The dashboard app only displays; everything it shows is computed here:

- :func:`period_for` turns a preset ("last_month", "last_30_days", a custom range …) into a
  :class:`~commbook.reports.periods.Period`;
- :func:`load_period` reads the frames a period needs **once** (only the columns used):
  events from 29 days before the previous period (trailing MAU windows) to the end plus the
  replies and comments that came later (late answers), members, content of both periods
  and the titles of the period's threads;
- :func:`apply_filters` narrows them in memory by channel, member segment and content type
  (pure, fast: a filter change never goes back to the store);
- :func:`kpis` computes the headline tiles with :func:`commbook.metrics.compare` — the
  same elapsed time of the previous period when the period is still running — and
  :func:`workflow_kpis` the community workflow tiles (triage, moderation, who answers);
- :func:`content_table`, :func:`thread_table`, :func:`paginate` and :func:`csv_data_uri`
  make the drill-down table and its CSV export.

**Segments** are specs on member attributes: ``region:EU``, ``role:staff``,
``age_band:25-34``, ``language:de``, or ``tenure:new`` (joined in the 90 days before the
period ends) and ``tenure:established``. A segment narrows the *people*: activity counts
only its members; thread metrics count the threads its members started, with every
answer they got (from anyone). Content is not made by members, so a segment leaves
content metrics unchanged; the content type filter applies to content metrics only.
Triage items and moderation actions follow the channel (of the item) and the segment (the
member who raised the item / was moderated).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from commbook import clock, formatting, metrics
from commbook import frames as loaders
from commbook.csvsafe import safe_frame
from commbook.errors import ValidationError
from commbook.metrics.catalog import CONVERSATION_COLUMNS, Inputs
from commbook.reports.periods import Period, resolve_period, short_day
from commbook.triage.sla import SLAPolicy, load_sla

NEW_MEMBER_DAYS = 90
SEGMENT_ATTRIBUTES = {
    "region": "Region",
    "role": "Role",
    "age_band": "Age",
    "language": "Language",
}
TENURE = {"new": "New members (< 90 days)", "established": "Established members"}
MEMBER_COLUMNS = ("member_id", "joined_at", "left_at", *SEGMENT_ATTRIBUTES)
CONTENT_COLUMNS = (
    "content_id",
    "title",
    "content_type",
    "channel",
    "published_at",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
)
EVENT_COLUMNS = CONVERSATION_COLUMNS
TRIAGE_COLUMNS = (
    "category",
    "urgency",
    "channel",
    "member_id",
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalation_level",
    "closed_loop",
)
MODERATION_COLUMNS = ("at", "action", "channel", "member_id")

#: Period presets offered by the dashboard, in menu order: key → label.
PRESETS: dict[str, str] = {
    "last_month": "Last month",
    "this_month": "This month",
    "last_week": "Last week",
    "this_week": "This week",
    "last_30_days": "Last 30 days",
    "last_quarter": "Last quarter",
    "this_quarter": "This quarter",
    "custom": "Custom range",
}

#: The KPI tiles, in display order (keys of ``commbook.metrics.CATALOG``).
ACTIVITY_KPIS = ("active_members", "new_members", "stickiness", "contribution_rate")
CONVERSATION_KPIS = ("threads", "answered_rate", "median_first_response_hours")
CONTENT_KPIS = ("engagement_rate",)
KPI_KEYS = (*ACTIVITY_KPIS, *CONVERSATION_KPIS, *CONTENT_KPIS)
#: The "Community workflow" tiles, in display order (keys of the catalog as well).
TRIAGE_KPIS = (
    "sla_first_response_within",
    "triage_first_response_hours",
    "open_backlog",
    "stale_backlog",
    "escalations",
    "closed_loop_rate",
)
MODERATION_KPIS = ("moderation_per_1000_posts",)
ANSWER_KPIS = ("community_answer_share",)
WORKFLOW_KPIS = (*TRIAGE_KPIS, *MODERATION_KPIS, *ANSWER_KPIS)
SHORT_LABELS = {
    "active_members": "Active members",
    "new_members": "New members",
    "stickiness": "Stickiness",
    "contribution_rate": "Contribution rate",
    "threads": "Threads started",
    "answered_rate": "Answered rate",
    "median_first_response_hours": "Median first reply",
    "engagement_rate": "Content engagement",
    # triage items are not forum threads: "Triage:" keeps their first response apart from
    # the threads' first reply
    "sla_first_response_within": "Triage: first response in SLA",
    "triage_first_response_hours": "Triage: median first response",
    "open_backlog": "Triage: open backlog",
    "stale_backlog": "Triage: open over 7 days",
    "escalations": "Triage: escalations",
    "closed_loop_rate": "Triage: closed-loop rate",
    "moderation_per_1000_posts": "Moderation / 1,000 posts",
    "community_answer_share": "Answered by community",
}
#: Tile descriptions that say in words what the catalog's says with a file path.
DESCRIPTIONS = {
    "sla_first_response_within": (
        "Share of triage items received in the period whose first response came within the "
        "target time the team set for their category and urgency (the SLA); items still "
        "inside their target at the end of the period are not counted."
    ),
}


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice(clock.PeriodChoice):
    """:class:`commbook.clock.PeriodChoice` with the dashboard's ``preset``: "Last 30 days"
    that moves to the data says so in its own words."""

    preset: str = ""

    @property
    def moved_note(self) -> str | None:
        if not self.moved or self.preset != "last_30_days" or self.data_ends is None:
            return super().moved_note
        to = short_day(self.period.last_day)
        if self.data_ends < self.asked.first_day:
            return f"The last 30 days have no data yet, so this shows the 30 days to {to}."
        return f"The data ends {to}, so this shows the 30 days to {to}."


def choose_period(
    preset: str,
    tz: str | dt.tzinfo = "UTC",
    *,
    today: dt.date | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    url: str | None = None,
) -> PeriodChoice:
    """:func:`period_for`, resolved against the data of the store at ``url`` as every
    surface does (``commbook.clock``): a relative preset with no data because the data ends
    before it moves back to the data, and the choice says so; ``last_30_days`` ends on the
    data's last day if that is before today (and says so too)."""
    ends = clock.data_ends(url, tz)
    starts = clock.data_starts(url, tz)
    day = today or clock.today(tz)
    asked = period_for(preset, tz, today=day, first=first, last=last)
    if preset == "custom":
        return PeriodChoice(asked, asked, ends, starts, preset=preset)
    if preset == "last_30_days":
        shown = asked
        if ends is not None and ends < day:
            shown = period_for(preset, tz, today=ends)
        return PeriodChoice(shown, asked, ends, starts, preset=preset)
    choice = clock.choose_period(preset, url, on=day, tz=tz, ends=ends)
    return PeriodChoice(choice.period, choice.asked, ends, starts, preset=preset)


def period_for(
    preset: str,
    tz: str | dt.tzinfo = "UTC",
    *,
    today: dt.date | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Period:
    """The period a preset names (``PRESETS``); ``custom`` uses ``first``..``last`` (both
    included). ``last_30_days`` is the 30 days ending today (today included)."""
    if preset not in PRESETS:
        raise ValidationError(
            f"unknown period preset {preset!r} (known: {', '.join(PRESETS)})", field="period"
        )
    if preset == "custom":
        if first is None or last is None:
            raise ValidationError("choose the first and the last day", field="period")
        return resolve_period(f"{first.isoformat()}..{last.isoformat()}", tz=tz)
    if preset == "last_30_days":
        day = today or clock.today(tz)
        spec = f"{(day - dt.timedelta(days=29)).isoformat()}..{day.isoformat()}"
        return resolve_period(spec, tz=tz)
    return resolve_period(preset, today=today, tz=tz)


# --- frames ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFrames:
    """Frames for one period and the one before it (see :func:`load_period`).

    ``events``: :data:`EVENT_COLUMNS`, from ``lookback`` to the end, plus replies and
    comments after the end; ``members``: :data:`MEMBER_COLUMNS`; ``content``:
    :data:`CONTENT_COLUMNS`, published in ``[previous_start, end)``; ``titles``:
    ``thread_id`` → ``title`` of the posts started in the period; ``triage``:
    :data:`TRIAGE_COLUMNS` of the items in the queue at some time in ``[previous_start,
    end)``; ``moderation``: :data:`MODERATION_COLUMNS`, actions taken in ``[previous_start,
    end)``. Without them there are no workflow tiles.
    """

    period: Period
    previous_start: pd.Timestamp
    events: pd.DataFrame
    members: pd.DataFrame
    content: pd.DataFrame
    titles: pd.DataFrame
    triage: pd.DataFrame | None = None
    moderation: pd.DataFrame | None = None

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.end)

    @property
    def tz(self) -> dt.tzinfo:
        return self.period.tz


def lookback_start(period: Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(previous_start, first event needed)``: the previous period's start and 29 days
    before it (for trailing 30-day windows)."""
    previous_start, _ = metrics.previous_window(period.start, period.end, period.tz)
    return previous_start, previous_start - pd.Timedelta(days=metrics.MAU_DAYS - 1)


def thread_titles(posts: pd.DataFrame, length: int = 80) -> pd.Series:
    """A post's title, or the start of its body (chat posts have no title), cut at a word
    boundary to about ``length`` characters with "…"."""
    body = posts["body"].astype(object).fillna("").astype(str).str.split().str.join(" ")
    short = body.str.slice(0, length).str.rsplit(" ", n=1).str[0] + "…"
    cut = body.where(body.str.len() <= length, short)
    title = posts["title"].astype(object)
    has_title = title.notna() & (title.astype(str).str.strip() != "")
    return title.where(has_title, cut).astype(object)


def load_period(url: str | None, period: Period) -> PeriodFrames:
    """Read the frames ``period`` (and its comparison) needs from the store, once."""
    previous_start, first = lookback_start(period)
    events = loaders.load_events(url, first, period.end, columns=EVENT_COLUMNS)
    late = loaders.load_events(url, period.end, None, EVENT_COLUMNS, kinds=("reply", "comment"))
    if len(late):
        events = pd.concat([events, late], ignore_index=True)
    members = loaders.load_members(url, None, period.end, columns=MEMBER_COLUMNS)
    content = loaders.load_content(url, previous_start, period.end, columns=CONTENT_COLUMNS)
    posts = loaders.load_events(
        url, period.start, period.end, columns=("source_id", "title", "body"), kinds=("post",)
    )
    titles = pd.DataFrame({"thread_id": posts["source_id"], "title": thread_titles(posts)})
    triage = loaders.load_triage(url, previous_start, period.end, columns=TRIAGE_COLUMNS)
    moderation = loaders.load_moderation(
        url, previous_start, period.end, columns=MODERATION_COLUMNS
    )
    return PeriodFrames(
        period, previous_start, events, members, content, titles, triage, moderation
    )


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; ``""`` means everything."""

    channel: str = ""
    segment: str = ""
    content_type: str = ""

    def describe(self) -> str:
        """E.g. "channel forum · Region: EU" (or "all channels, all members")."""
        parts = [
            f"channel {self.channel}" if self.channel else "all channels",
            segment_label(self.segment) if self.segment else "all members",
        ]
        if self.content_type:
            parts.append(f"{self.content_type} content")
        return " · ".join(parts)


def segment_label(spec: str) -> str:
    """``region:EU`` → ``Region: EU``; ``tenure:new`` → ``New members (< 90 days)``."""
    attribute, _, value = spec.partition(":")
    if attribute == "tenure":
        return TENURE.get(value, spec)
    return f"{SEGMENT_ATTRIBUTES.get(attribute, attribute)}: {value}"


def segment_options(members: pd.DataFrame, top_languages: int = 8) -> list[tuple[str, str]]:
    """``(label, spec)`` pairs for a segment menu, most common values first per attribute;
    the first is ``("All members", "")``."""
    options = [("All members", "")]
    options += [(label, f"tenure:{key}") for key, label in TENURE.items()]
    for attribute in SEGMENT_ATTRIBUTES:
        if attribute not in members.columns:
            continue
        counts = members[attribute].dropna().astype(str)
        counts = counts[counts != ""].value_counts(sort=False).sort_index()
        counts = counts.sort_values(ascending=False, kind="stable")
        if attribute == "language":
            counts = counts.head(top_languages)
        options += [(segment_label(f"{attribute}:{v}"), f"{attribute}:{v}") for v in counts.index]
    return options


def segment_mask(members: pd.DataFrame, spec: str, as_of: pd.Timestamp) -> np.ndarray:
    """Boolean array over ``members``: who belongs to segment ``spec`` (see the module
    docstring). ``as_of`` (usually the period end) anchors ``tenure:``."""
    attribute, sep, value = spec.partition(":")
    if not sep or not value:
        raise ValidationError(f"a segment looks like 'region:EU', got {spec!r}", field="segment")
    if attribute == "tenure":
        if value not in TENURE:
            raise ValidationError(
                f"unknown tenure {value!r} (known: {', '.join(TENURE)})", field="segment"
            )
        joined = members["joined_at"]
        recent = (joined >= as_of - pd.Timedelta(days=NEW_MEMBER_DAYS)).to_numpy(
            dtype=bool, na_value=False
        )
        return recent if value == "new" else ~recent
    if attribute not in SEGMENT_ATTRIBUTES:
        known = ", ".join([*SEGMENT_ATTRIBUTES, "tenure"])
        raise ValidationError(
            f"unknown segment attribute {attribute!r} (known: {known})", field="segment"
        )
    if attribute not in members.columns:
        raise ValidationError(f"members: no column {attribute!r}", field=attribute)
    return (members[attribute].astype(object) == value).to_numpy(dtype=bool, na_value=False)


def _is(series: pd.Series, value: str) -> np.ndarray:
    return (series.astype(object) == value).to_numpy(dtype=bool, na_value=False)


@dataclass(frozen=True)
class Filtered:
    """Frames after :func:`apply_filters`.

    ``events``: events of the channel by the segment's members (activity metrics);
    ``conversations``: events of the channel in threads the segment's members started,
    answers from anyone included (thread metrics); ``members``: the segment's members;
    ``content``: content of the channel and type; ``triage`` and ``moderation``: items and
    actions of the channel concerning the segment's members (``None`` when not loaded).
    """

    frames: PeriodFrames
    filters: Filters
    events: pd.DataFrame
    conversations: pd.DataFrame
    members: pd.DataFrame
    content: pd.DataFrame
    triage: pd.DataFrame | None = None
    moderation: pd.DataFrame | None = None


def filter_content(content: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Content of the filters' channel and content type (the segment does not apply)."""
    if filters.channel:
        content = content[_is(content["channel"], filters.channel)]
    if filters.content_type:
        content = content[_is(content["content_type"], filters.content_type)]
    return content


def filter_activity(
    events: pd.DataFrame, members: pd.DataFrame, filters: Filters, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(events, members)`` of the filters' channel and segment: events by the segment's
    members only (activity metrics), and the segment's members. ``as_of`` anchors
    ``tenure:`` segments."""
    if filters.channel:
        events = events[_is(events["channel"], filters.channel)]
    if filters.segment:
        members = members[segment_mask(members, filters.segment, as_of)]
        ids = members["member_id"].dropna().to_numpy()
        events = events[events["member_id"].isin(ids).to_numpy(dtype=bool, na_value=False)]
    return events, members


def apply_filters(data: PeriodFrames, filters: Filters) -> Filtered:
    """Narrow ``data`` by ``filters`` in memory (see :class:`Filtered`)."""
    events, members = filter_activity(data.events, data.members, filters, data.end)
    conversations = events
    if filters.segment:
        channel = data.events
        if filters.channel:
            channel = channel[_is(channel["channel"], filters.channel)]
        posts = events.loc[events["kind"].to_numpy() == "post", "source_id"].dropna().unique()
        responses = channel[
            channel["thread_id"].isin(posts).to_numpy(dtype=bool, na_value=False)
            & (channel["kind"].to_numpy() != "post")
        ]
        started = events[events["kind"].to_numpy() == "post"]
        conversations = pd.concat([started, responses]).sort_index()
    content = filter_content(data.content, filters)
    triage, moderation = (
        None if frame is None else filter_workflow(frame, filters, members)
        for frame in (data.triage, data.moderation)
    )
    return Filtered(data, filters, events, conversations, members, content, triage, moderation)


def filter_workflow(frame: pd.DataFrame, filters: Filters, members: pd.DataFrame) -> pd.DataFrame:
    """Triage items or moderation actions of the filters' channel and, with a segment, of
    its ``members`` (by ``member_id``: who raised the item, who was moderated)."""
    if filters.channel:
        frame = frame[_is(frame["channel"], filters.channel)]
    if filters.segment:
        ids = members["member_id"].dropna().to_numpy()
        frame = frame[frame["member_id"].isin(ids).to_numpy(dtype=bool, na_value=False)]
    return frame


def format_hours(value: object) -> str:
    """``3.25`` → ``3.2``; missing → ``—`` (for tables of hours)."""
    return "—" if pd.isna(value) else f"{float(value):,.1f}"


# --- KPI tiles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One tile: the value for the period, the previous period's and the change."""

    key: str
    label: str
    unit: str
    description: str
    direction: str
    value: float
    previous: float
    change: float
    change_pct: float
    verdict: str | None
    partial: bool

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def previous_text(self) -> str:
        return format_value(self.previous, self.unit)

    @property
    def arrow(self) -> str:
        """▲ up, ▼ down, ▬ unchanged, "" when the change is unknown."""
        if math.isnan(self.change):
            return ""
        return "▲" if self.change > 0 else "▼" if self.change < 0 else "▬"

    @property
    def change_words(self) -> str:
        """The change as the report writes it (``commbook.formatting.change_text``):
        ``"+6%"`` for counts, ``"-2.3 pts"`` for rates and NPS, ``"-0.8 h"`` for hours,
        ``"+4"`` for a count that was 0, ``"no change"``, ``"±0.0 pts"``, ``"—"``."""
        return formatting.change_text(self.change, self.change_pct, self.unit)

    @property
    def flat(self) -> bool:
        """Whether the change prints as nothing (``"no change"``, ``"±0…"``)."""
        return formatting.is_flat(self.change_words)

    @property
    def tone(self) -> str:
        """``better`` / ``worse`` for the tile's colour; ``""`` when the change prints as
        nothing or is unknown (the report's rule)."""
        return self.verdict if self.verdict in ("better", "worse") and not self.flat else ""

    @property
    def delta_text(self) -> str:
        """The report's change with an arrow: "▲ +6%", "▼ -2.3 pts", "▲ +4" (nothing
        before), "▬ no change", "▬ ±0.0 pts" (a change that rounds to zero), "—"
        (unknown)."""
        words = self.change_words
        if words == "—":
            return words
        return f"▬ {words}" if self.flat else f"{self.arrow} {words}"


def format_value(value: float, unit: str) -> str:
    """A KPI value for a tile, as the report writes it (``commbook.formatting``):
    ``1,234``, ``7.4``, ``12.5%``, ``3.4 h``, ``2.1 days``, ``—`` when unknown."""
    return formatting.value_text(value, unit)


def _now(data: PeriodFrames, as_of: dt.datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """``as_of`` when it falls inside the period (a running period), else ``None``."""
    if as_of is None:
        return None
    now = pd.Timestamp(as_of)
    if now <= data.start:
        raise ValidationError(
            f"{data.period.title} has not started yet: nothing to show", field="period"
        )
    return now if now < data.end else None


def _tiles(table: pd.DataFrame, keys: Sequence[str]) -> list[Kpi]:
    table = table.set_index("metric").loc[list(keys)]
    return [
        Kpi(
            key=key,
            label=SHORT_LABELS.get(key, str(row["label"])),
            unit=str(row["unit"]),
            description=DESCRIPTIONS.get(key, metrics.CATALOG[key].description),
            direction=str(row["direction"]),
            value=float(row["current"]),
            previous=float(row["previous"]),
            change=float(row["change"]),
            change_pct=float(row["change_pct"]),
            verdict=row["verdict"],
            partial=bool(row["partial"]),
        )
        for key, row in table.iterrows()
    ]


def kpis(
    filtered: Filtered,
    *,
    as_of: dt.datetime | pd.Timestamp | None = None,
    data_start: dt.datetime | pd.Timestamp | None = None,
) -> list[Kpi]:
    """The KPI tiles (:data:`KPI_KEYS`) for the filtered period against the previous one.

    ``as_of`` is "now": when it falls inside the period both windows are cut to the same
    elapsed time (``partial``); a period entirely in the future has nothing to show and is
    refused. ``data_start``: where the data starts — a previous window before it is "no
    data", not zeros (``metrics.compare``).
    """
    data = filtered.frames
    now = _now(data, as_of)
    period = (data.start, data.end, data.tz)
    # prepared once: the KPIs of a window share one activity and one conversation summary
    events = metrics.prepare_events(filtered.events)
    conversations = metrics.prepare_events(filtered.conversations)
    cut = {"as_of": now, "data_start": data_start}
    parts = [
        metrics.compare(
            ACTIVITY_KPIS, Inputs(events=events, members=filtered.members), *period, **cut
        ),
        metrics.compare(CONVERSATION_KPIS, Inputs(events=conversations), *period, **cut),
        metrics.compare(CONTENT_KPIS, Inputs(content=filtered.content), *period, **cut),
    ]
    return _tiles(pd.concat(parts, ignore_index=True), KPI_KEYS)


def workflow_kpis(
    filtered: Filtered,
    *,
    as_of: dt.datetime | pd.Timestamp | None = None,
    policy: SLAPolicy | None = None,
) -> list[Kpi]:
    """The "Community workflow" tiles (:data:`WORKFLOW_KPIS`), compared like :func:`kpis`.

    Triage tiles read the filtered triage items (SLA targets: ``policy``, default
    ``config/sla.yml``); moderation per 1,000 posts counts the filtered actions against
    the posts, replies and comments of the filtered events; the community's share of
    answers looks at the questions of the filtered conversations, the answerer's role
    coming from every member. Empty when the triage frames were not loaded.
    """
    data = filtered.frames
    if filtered.triage is None or filtered.moderation is None:
        return []
    now = _now(data, as_of)
    period = (data.start, data.end, data.tz)
    sla = policy or load_sla()
    parts = [
        metrics.compare(TRIAGE_KPIS, Inputs(triage=filtered.triage, sla=sla), *period, as_of=now),
        metrics.compare(
            MODERATION_KPIS,
            Inputs(moderation=filtered.moderation, events=filtered.events),
            *period,
            as_of=now,
        ),
        metrics.compare(
            ANSWER_KPIS,
            Inputs(events=filtered.conversations, members=data.members),
            *period,
            as_of=now,
        ),
    ]
    return _tiles(pd.concat(parts, ignore_index=True), WORKFLOW_KPIS)


def comparison_windows(
    data: PeriodFrames, as_of: dt.datetime | pd.Timestamp | None = None
) -> dict[str, pd.Timestamp | bool]:
    """The windows :func:`kpis` compares: ``current_start/end``, ``previous_start/end``
    and ``partial`` (same rules as :func:`commbook.metrics.compare`)."""
    row = metrics.compare(
        ["new_members"],
        Inputs(members=data.members.iloc[0:0]),
        data.start,
        data.end,
        data.tz,
        as_of=as_of if as_of is not None and pd.Timestamp(as_of) < data.end else None,
    ).iloc[0]
    keys = ("current_start", "current_end", "previous_start", "previous_end", "partial")
    return {k: row[k] for k in keys}


def day_count(days: float) -> str:
    """``3.0`` → ``"3 days"``, ``1`` → ``"1 day"``, ``3.5`` → ``"3.5 days"`` (whole days
    print without a decimal)."""
    whole = round(days)
    if abs(days - whole) < 0.05:
        return f"{whole:,} day" if whole == 1 else f"{whole:,} days"
    return f"{days:,.1f} days"


def comparison_note(
    data: PeriodFrames,
    as_of: dt.datetime | pd.Timestamp | None = None,
    data_ends: dt.date | None = None,
) -> str:
    """One sentence saying what the deltas compare, e.g. "Changes compare with the previous
    period: 1 Sep 2026 – 30 Sep 2026." or, for a running period, "Period in progress: 1 Nov
    2026 – 15 Nov 2026 so far, compared with the same 15 days of the previous period (…)".
    With ``data_ends`` (the data's last day), a period cut where the data stops says that
    instead, in the same sentence: "Data ends 3 Dec 2026 — the last import: figures for
    December 2026 cover 1 Dec 2026 – 3 Dec 2026 only, compared with the same 3 days of the
    previous period (1 Nov 2026 – 3 Nov 2026)." (it replaces ``clock.data_ends_note``)."""
    w = comparison_windows(data, as_of)
    tz = data.tz

    def span(lo: pd.Timestamp, hi: pd.Timestamp) -> str:
        first = lo.tz_convert(tz)
        last = (hi - pd.Timedelta(microseconds=1)).tz_convert(tz)
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"

    previous = span(w["previous_start"], w["previous_end"])
    if not w["partial"]:
        return f"Changes compare with the previous period: {previous}."
    days = (w["current_end"] - w["current_start"]) / pd.Timedelta(days=1)
    same = f"the same {day_count(days)} of the previous period ({previous})"
    current = span(w["current_start"], w["current_end"])
    stop = clock.known_until(data_ends, tz)
    if data_ends is not None and stop is not None and pd.Timestamp(stop) <= w["current_end"]:
        return (
            f"Data ends {short_day(data_ends)} — the last import: figures for "
            f"{data.period.title} cover {current} only, compared with {same}."
        )
    return f"Period in progress: {current} so far, compared with {same}."


def compare_as_of(choice: clock.PeriodChoice, now: dt.datetime | None = None) -> pd.Timestamp:
    """ "Now" for a comparison: ``now`` (default ``clock.now``), or the moment the data
    stops if earlier — a period the data covers in part is compared over the same days."""
    tz = choice.period.tz
    at = pd.Timestamp(now or clock.now(tz))
    stop = clock.known_until(choice.data_ends, tz)
    return min(at, pd.Timestamp(stop)) if stop is not None else at


def answers_note(data: PeriodFrames, data_ends: dt.date | None = None) -> str:
    """The late-answer cut-off every surface uses, in words; when the data (last day
    ``data_ends``) stops before it, that the answered rate and first reply count the
    answers so far (the report's "so far: the data ends …")."""
    last = metrics.answers_last_day(data.end, data.tz)
    text = (
        f"Answers to the period's threads count until {short_day(last)} "
        f"({metrics.FOLLOW_UP_DAYS} days after it)"
    )
    if data_ends is not None and data_ends < last:
        return (
            f"{text}; the data ends {short_day(data_ends)}, so the answered rate and first "
            "reply count the answers so far."
        )
    return f"{text}."


def context_notes(
    choice: clock.PeriodChoice,
    data: PeriodFrames,
    as_of: dt.datetime | pd.Timestamp | None = None,
) -> list[str]:
    """What the line under the filters says, one sentence each, none repeating another:
    why the period moved (if it did), what the changes compare (and where the data stops),
    and how far answers are counted."""
    notes = [choice.moved_note] if choice.moved_note else []
    notes.append(comparison_note(data, as_of, choice.data_ends))
    notes.append(answers_note(data, choice.data_ends))
    return notes


# --- charts' data -----------------------------------------------------------------------------


def series_end(data: PeriodFrames, until: dt.datetime | pd.Timestamp | None) -> pd.Timestamp:
    """Where a series of the period stops: its end, or ``until`` (where the data stops,
    ``compare_as_of``) if earlier — days after the data's last are not known, not 0."""
    if until is None:
        return data.end
    return min(data.end, pd.Timestamp(until))


def activity_series(
    filtered: Filtered, until: dt.datetime | pd.Timestamp | None = None
) -> pd.DataFrame:
    """DAU / WAU / MAU / stickiness per day of the period (``metrics.daily_active``), up
    to ``until`` (the comparison's "now", :func:`compare_as_of`): no rows for the days
    after the data stops, so a chart does not draw them as a fall to zero."""
    data = filtered.frames
    end = series_end(data, until)
    if end <= data.start:
        return metrics.daily_active(filtered.events.iloc[0:0], None, None, data.tz)
    return metrics.daily_active(filtered.events, data.start, end, data.tz)


def period_content(filtered: Filtered) -> pd.DataFrame:
    """Filtered content published in the period (not the previous one)."""
    data = filtered.frames
    published = filtered.content["published_at"]
    keep = ((published >= data.start) & (published < data.end)).to_numpy(dtype=bool, na_value=False)
    return filtered.content[keep]


# --- drill-down -------------------------------------------------------------------------------

CONTENT_TABLE = {
    "title": "Title",
    "content_type": "Type",
    "channel": "Channel",
    "published": "Published",
    "audience": "Reached",
    "interactions": "Interactions",
    "engagement_rate": "Engagement rate",
}
THREAD_TABLE = {
    "title": "Thread",
    "category": "Category",
    "channel": "Channel",
    "started": "Started",
    "replies": "Replies",
    "first_response_hours": "First reply (h)",
    "answered": "Answered",
    "accepted": "Accepted",
}
DRILLDOWNS = {"content": "Content items", "threads": "Threads"}


def content_table(filtered: Filtered) -> pd.DataFrame:
    """Content published in the period, best engagement rate first (unknown rates last).

    Columns: :data:`CONTENT_TABLE` keys; ``audience`` is reach, or views where reach is
    unknown; ``engagement_rate`` a fraction.
    """
    data = filtered.frames
    items = metrics.engagement_items(period_content(filtered))
    out = pd.DataFrame(
        {
            "title": items["title"].astype(object),
            "content_type": items["content_type"].astype(object),
            "channel": items["channel"].astype(object),
            "published": items["published_at"].dt.tz_convert(data.tz).dt.strftime("%Y-%m-%d"),
            "audience": items["audience"].astype("Int64"),
            "interactions": items["interactions"].astype("Int64"),
            "engagement_rate": items["engagement_rate"].round(6),
        }
    )
    out = out.sort_values(
        ["engagement_rate", "interactions", "title"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
    )
    return out.reset_index(drop=True)


def thread_table(filtered: Filtered) -> pd.DataFrame:
    """Threads started in the period, most replies first (then newest).

    Columns: :data:`THREAD_TABLE` keys; ``first_response_hours`` is empty for threads
    without a reply by someone else.
    """
    data = filtered.frames
    table = metrics.threads(filtered.conversations, data.start, data.end, data.tz)
    titles = data.titles.drop_duplicates("thread_id").set_index("thread_id")["title"]
    title = table["thread_id"].map(titles).astype(object).fillna("(untitled)")
    out = pd.DataFrame(
        {
            "title": title,
            "category": table["category"].astype(object),
            "channel": table["channel"].astype(object),
            "started": table["started_at"].dt.tz_convert(data.tz).dt.strftime("%Y-%m-%d %H:%M"),
            "replies": table["replies"].astype("Int64"),
            "first_response_hours": table["first_response_hours"].astype(float).round(2),
            "answered": table["answered"].map({True: "yes", False: "no"}),
            "accepted": table["accepted"].map({True: "yes", False: "no"}).astype(object),
        }
    )
    out = out.sort_values(["replies", "started"], ascending=[False, False], kind="stable")
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class PageOf:
    """One page of a table: ``rows``, the 1-based ``page``, ``pages`` and ``total`` rows;
    ``first``/``last`` are the 1-based row numbers shown (0, 0 when empty)."""

    rows: pd.DataFrame
    page: int
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return 0 if not self.total else self.first + len(self.rows) - 1


def paginate(frame: pd.DataFrame, page: int, size: int = 10) -> PageOf:
    """Rows of page ``page`` (1-based, clipped to the pages that exist)."""
    if size < 1:
        raise ValidationError("page size must be at least 1", field="size")
    total = len(frame)
    pages = max(1, math.ceil(total / size))
    page = min(max(1, int(page)), pages)
    return PageOf(frame.iloc[(page - 1) * size : page * size], page, pages, total, size)


def export_frame(table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A drill-down table with its display headings, ready for CSV (formula-safe)."""
    return safe_frame(table[list(columns)].rename(columns=columns))


def csv_data_uri(frame: pd.DataFrame) -> str:
    """``frame`` as a UTF-8 CSV in a ``data:`` URI (cells made formula-safe), for a download
    link that works offline."""
    text = safe_frame(frame).to_csv(index=False)
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"data:text/csv;charset=utf-8;base64,{payload}"


def export_name(kind: str, period: Period, filters: Filters) -> str:
    """A file name such as ``commbook-content-2026-10-forum.csv`` (safe characters only)."""
    parts = ["commbook", kind, period.label]
    parts += [p for p in (filters.channel, filters.segment, filters.content_type) if p]
    name = "-".join(parts)
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) + ".csv"


def with_changes(filters: Filters, **changes: str) -> Filters:
    """``filters`` with some fields replaced (for the widget's callbacks)."""
    return replace(filters, **changes)


def choices(values: Sequence[object]) -> list[str]:
    """Distinct non-empty values, sorted, as text (for a menu)."""
    seen = {str(v) for v in values if v is not None and not pd.isna(v) and str(v)}
    return sorted(seen)


def kpi_frame(items: Sequence[Kpi]) -> pd.DataFrame:
    """The KPI tiles as a table of text (``metric``, ``current``, ``previous``, ``change``,
    ``verdict``) for reports."""
    return pd.DataFrame(
        {
            "metric": [k.label for k in items],
            "current": [k.value_text for k in items],
            "previous": [k.previous_text for k in items],
            "change": [k.delta_text for k in items],
            "verdict": [k.verdict or "—" for k in items],
        }
    )


def history_start(period: Period, months: int = 12) -> pd.Timestamp:
    """The start of the ``months`` calendar months ending with the period's last month
    (for retention, growth and content rankings, which need more than one month)."""
    end = pd.Timestamp(period.end).tz_convert(period.tz)
    last_month = (end - pd.Timedelta(microseconds=1)).tz_localize(None).to_period("M")
    first = (last_month - (months - 1)).to_timestamp()
    return first.tz_localize(period.tz, ambiguous=True, nonexistent="shift_forward")
