"""Everything the stakeholder report reads from the store, loaded once per run.

:func:`load_report_data` is the report's only I/O: it resolves the period, the previous
and the next period, loads only the columns and time ranges the sections need, applies
the ``channel`` and ``segment`` filters, and returns a :class:`ReportData` of plain
DataFrames. The sections (``commbook.reports.sections``) are pure functions of it.

Time ranges loaded (local days of the report's timezone):

- activity events (``member_id``, ``kind``, ``occurred_at``, ``channel``) and
  conversation events (posts, replies, comments with thread ids): from ``TREND_MONTHS``
  months before the period's end (monthly trends and the same month a year before;
  retention cohorts need ``RETENTION_MONTHS``), or from the previous period's start if
  earlier, with ``LOOKBACK_DAYS`` more for trailing MAU; conversations run on to
  ``FOLLOW_UP_DAYS`` after the end (late answers to the period's threads);
- content published from ``TREND_MONTHS`` months before the end (or the previous
  period's start if earlier) — the ranking needs at least ``RANKING_MONTHS`` of items —
  and content scheduled in the next period (the calendar preview);
- survey responses of the last ``FEEDBACK_MONTHS`` months (NPS comes in quarterly waves);
- triage items received before the end and not resolved before the history start (the
  trends' first month), and moderation actions taken from then to the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, or_, select

from commbook import clock, frames
from commbook.errors import NotFound, ValidationError
from commbook.metrics.activity import ACTIVE_KINDS
from commbook.metrics.compare import previous_window
from commbook.metrics.conversations import FOLLOW_UP_DAYS
from commbook.reports.periods import Period
from commbook.store import get_engine

RETENTION_MONTHS = 6
RANKING_MONTHS = 6
TREND_MONTHS = 13  # twelve months of trend and the same month a year before
FEEDBACK_MONTHS = 12
LOOKBACK_DAYS = 29  # trailing 30-day MAU
RECENT_DAYS = 35  # conversations reach back at least this far (objective windows: 28 days)
DETAILS = ("summary", "full")

TRIAGE_COLUMNS = (
    "item_id",
    "category",
    "urgency",
    "status",
    "channel",
    "member_id",
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalation_level",
    "closed_loop",
)


@dataclass(frozen=True)
class ReportData:
    """The frames of one report run (see the module docstring for their time ranges).

    ``previous`` and ``next`` are ``(start, end)`` aware timestamps; ``segment`` and
    ``channel`` are the filters applied (empty: none); ``objectives`` are the stored
    objectives (any objects with the ``commbook.progress.ObjectiveLike`` attributes).
    ``moderation``: moderation actions (``at``, ``action``, ``channel``, ``member_id``;
    ``None``: none recorded); ``member_roles``: ``member_id`` → ``role`` of every member,
    before the segment filter (who answered questions; ``None``: use ``members``).
    """

    period: Period
    previous: tuple[pd.Timestamp, pd.Timestamp]
    next: tuple[pd.Timestamp, pd.Timestamp]
    activity: pd.DataFrame
    conversations: pd.DataFrame
    members: pd.DataFrame
    content: pd.DataFrame
    upcoming: pd.DataFrame
    responses: pd.DataFrame
    triage: pd.DataFrame
    objectives: list[Any] = field(default_factory=list)
    segment: str = ""
    channel: str = ""
    segment_sizes: dict[str, int] = field(default_factory=dict)
    member_segments: pd.Series | None = None  # member_id → segment name (first match)
    objective_values: list[float | None] = field(default_factory=list)
    moderation: pd.DataFrame | None = None
    member_roles: pd.DataFrame | None = None
    # the local day of the store's latest activity event (None: no event at all, or not
    # known — the frames are then taken as complete)
    data_ends: dt.date | None = None
    data_starts: dt.date | None = None  # the local day of the store's first activity event
    as_of: dt.date | None = None  # objectives are judged on this day (see commbook.clock)
    notes: tuple[str, ...] = ()  # what the report says at the top (commbook.clock)
    unsized_segments: tuple[str, ...] = ()  # stored segments without a member rule
    invalid_segments: tuple[str, ...] = ()  # "name: problem" of rules that cannot be applied
    # NPS responses of every wave answered in the responses' window, read whole (None:
    # take the waves from ``responses``)
    wave_responses: pd.DataFrame | None = None
    # frame name → the first instant it was loaded from (members: loaded whole)
    loaded_from: dict[str, pd.Timestamp] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        """Whether the data reaches into the period (``False`` only when it is known to
        end before the period starts)."""
        return self.data_ends is None or self.data_ends >= self.period.first_day

    @property
    def known_until(self) -> pd.Timestamp | None:
        """The instant the data stops when that falls inside the period (the start of
        the day after ``data_ends``), else ``None``: the whole period is known, or none."""
        return self.known_end if self.has_data and self.known_end < self.end else None

    @property
    def known_end(self) -> pd.Timestamp:
        """The period's end, or the start of the day after ``data_ends`` if earlier: what
        is after it is not known."""
        if self.data_ends is None or self.data_ends >= self.period.last_day:
            return self.end
        return pd.Timestamp(clock.known_until(self.data_ends, self.tz))

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.end)

    @property
    def tz(self) -> dt.tzinfo:
        return self.period.tz


def next_window(
    start: pd.Timestamp, end: pd.Timestamp, tz: dt.tzinfo
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period just after ``[start, end)`` of the same calendar length: whole months
    step forward by the same number of months, anything else by its own length."""
    s = start.tz_convert(tz).tz_localize(None)
    e = end.tz_convert(tz).tz_localize(None)
    if s == s.normalize() and e == e.normalize() and s.day == 1 and e.day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month
        after = e + pd.DateOffset(months=months)
    else:
        after = e + (e - s)
    return end, after.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def _months_before(end: pd.Timestamp, months: int, tz: dt.tzinfo) -> pd.Timestamp:
    local = end.tz_convert(tz).tz_localize(None)
    first = (local - pd.Timedelta(microseconds=1)).normalize().replace(day=1)
    return (first - pd.DateOffset(months=months - 1)).tz_localize(
        tz, ambiguous=True, nonexistent="shift_forward"
    )


def load_report_data(
    period: str,
    *,
    url: str | None = None,
    tz: str | dt.tzinfo | None = None,
    segment: str = "",
    channel: str = "",
    today: dt.date | None = None,
) -> ReportData:
    """Load the report's frames for ``period`` (any spec of ``resolve_period``).

    ``channel``: keep only events, content and triage items of that channel key.
    ``segment``: the name of a stored audience segment with a rule; keep only its members
    (as of the period's end) and their events. An unknown channel or segment raises
    ``NotFound`` naming the known ones.
    """
    from commbook.config import get_settings

    settings = get_settings()
    today = today or clock.today(tz or settings.timezone)
    choice = clock.choose_period(period, url, on=today, tz=tz or settings.timezone)
    p = choice.period
    tzinfo = p.tz
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    prev = previous_window(start, end, tzinfo)
    nxt = next_window(start, end, tzinfo)
    if channel:
        _check_channel(channel, url)

    history_start = min(_months_before(end, max(TREND_MONTHS, RETENTION_MONTHS), tzinfo), prev[0])
    first_activity = history_start - pd.Timedelta(days=LOOKBACK_DAYS)
    activity = frames.load_events(
        url,
        first_activity,
        end,
        columns=("member_id", "kind", "occurred_at", "channel"),
        kinds=sorted(ACTIVE_KINDS),
    )
    conversation_start = min(history_start, end - pd.Timedelta(days=RECENT_DAYS))
    conversations = frames.load_events(
        url,
        conversation_start,
        end + pd.Timedelta(days=FOLLOW_UP_DAYS),
        columns=(
            "member_id",
            "kind",
            "occurred_at",
            "channel",
            "source",
            "source_id",
            "thread_id",
            "parent_id",
            "is_accepted",
            "category",
        ),
        kinds=("post", "reply", "comment"),
    )
    members = frames.load_members(
        url,
        None,
        end,
        columns=(
            "member_id",
            "joined_at",
            "left_at",
            "region",
            "country",
            "language",
            "age_band",
            "role",
        ),
    )
    content_start = min(history_start, _months_before(end, RANKING_MONTHS, tzinfo))
    content = frames.load_content(url, content_start, end)
    upcoming = _upcoming(url, *nxt)
    responses_start = _months_before(end, FEEDBACK_MONTHS, tzinfo)
    responses = _responses(url, responses_start, end)
    wave_responses = _responses(url, responses_start, end, whole_waves=True)
    triage = _triage(url, history_start, end)
    moderation = frames.load_moderation(
        url, history_start, end, columns=("at", "action", "channel", "member_id")
    )
    member_roles = members[["member_id", "role"]].reset_index(drop=True)

    unfiltered = {
        "activity": (activity, first_activity),
        "conversations": (conversations, conversation_start),
        "members": (members, pd.Timestamp.min.tz_localize("UTC")),
        "content": (content, content_start),
        "responses": (responses, responses_start),
    }
    if channel:
        activity = activity[activity["channel"] == channel]
        conversations = conversations[conversations["channel"] == channel]
        content = content[content["channel"] == channel]
        upcoming = upcoming[upcoming["channel"] == channel]
        triage = triage[triage["channel"] == channel]
        moderation = moderation[moderation["channel"] == channel]

    segments = _segments(url, members, activity, end, segment)
    sizes, member_segments, chosen, unsized, invalid = segments
    if segment:
        ids = chosen
        members = members[members["member_id"].isin(ids)]
        activity = activity[activity["member_id"].isin(ids)]
        # threads started by the segment's members, with every response to them
        posts = conversations[
            (conversations["kind"] == "post") & conversations["member_id"].isin(ids)
        ]
        conversations = conversations[
            conversations["thread_id"].isin(posts["thread_id"].dropna())
            | conversations.index.isin(posts.index)
        ]
        responses = responses[responses["member_id"].isin(ids)]
        wave_responses = wave_responses[wave_responses["member_id"].isin(ids)]
        triage = triage[triage["member_id"].isin(ids)]
        moderation = moderation[moderation["member_id"].isin(ids)]

    from commbook.planning import list_objectives

    objectives = [o for o in list_objectives(url) if o.status == "active"]
    as_of = min(p.last_day, today, choice.data_ends or today)
    return ReportData(
        period=p,
        previous=prev,
        next=nxt,
        activity=activity.reset_index(drop=True),
        conversations=conversations.reset_index(drop=True),
        members=members.reset_index(drop=True),
        content=content.reset_index(drop=True),
        upcoming=upcoming.reset_index(drop=True),
        responses=responses.reset_index(drop=True),
        wave_responses=wave_responses.reset_index(drop=True),
        triage=triage.reset_index(drop=True),
        objectives=objectives,
        objective_values=objective_values(objectives, url, as_of, tzinfo, unfiltered),
        segment=segment,
        channel=channel,
        segment_sizes=sizes,
        member_segments=member_segments,
        moderation=moderation.reset_index(drop=True),
        member_roles=member_roles,
        unsized_segments=tuple(unsized),
        invalid_segments=tuple(invalid),
        data_ends=choice.data_ends,
        data_starts=choice.data_starts,
        as_of=as_of,
        notes=tuple(choice.notes),
        loaded_from={
            "activity": first_activity,
            "conversations": conversation_start,
            "members": pd.Timestamp.min.tz_localize("UTC"),
            "content": content_start,
            "responses": responses_start,
            "triage": history_start,
            "moderation": history_start,
        },
    )


def objective_values(
    objectives: list[Any],
    url: str | None,
    as_of: dt.date,
    tz: dt.tzinfo,
    loaded: dict[str, tuple[pd.DataFrame, pd.Timestamp]] | None = None,
) -> list[float | None]:
    """The current value of each objective on ``as_of``, community-wide.

    The value is the one ``commbook.progress.current_values`` defines: the stored value
    of a "manual" objective, else the catalog metric over ``progress.recent_window``.
    ``loaded`` maps a frame name (``activity``, ``conversations``, ``members``,
    ``content``, ``responses``) to a frame already loaded *without filters* and the first
    instant it covers: a metric whose window (and look-back) it covers is computed from
    it; any other (manual values, triage metrics, unknown metrics) goes through
    ``progress.current_values``, which loads what it needs.
    """
    from commbook import progress
    from commbook.metrics.catalog import CATALOG, Inputs

    values: list[float | None] = [None] * len(objectives)
    slow: list[int] = []
    for i, o in enumerate(objectives):
        window = progress.recent_window(o, as_of)
        lo = hi = None
        if window is not None:
            lo = pd.Timestamp(window[0]).tz_localize(tz)
            hi = pd.Timestamp(window[1] + dt.timedelta(days=1)).tz_localize(tz)
        if o.metric not in CATALOG:  # "manual", or a metric progress may know
            slow.append(i)
        elif lo is None:
            continue
        else:
            metric = CATALOG[o.metric]
            frames_needed = {
                ("conversations" if f == "events" and "thread_id" in cols else
                 "activity" if f == "events" else f): f
                for f, cols in metric.needs.items()
            }  # fmt: skip
            need_from = lo - pd.Timedelta(days=metric.lookback_days)
            if loaded is None or any(
                name not in loaded or loaded[name][1] > need_from for name in frames_needed
            ):
                slow.append(i)
                continue
            inputs = Inputs(**{f: loaded[name][0] for name, f in frames_needed.items()})
            value = metric.value(inputs, lo, hi, tz)
            values[i] = None if np.isnan(value) else value
    if slow:
        found = progress.current_values([objectives[i] for i in slow], url, as_of)
        for i, value in zip(slow, found, strict=True):
            values[i] = value
    return values


def _check_channel(channel: str, url: str | None) -> None:
    from commbook.store import Channel, session_scope

    with session_scope(url) as s:
        keys = list(s.scalars(select(Channel.key).order_by(Channel.key)))
    if channel not in keys:
        raise NotFound(f"unknown channel {channel!r} (known: {', '.join(keys) or 'none'})")


def _segments(
    url: str | None,
    members: pd.DataFrame,
    activity: pd.DataFrame,
    end: pd.Timestamp,
    wanted: str,
) -> tuple[dict[str, int], pd.Series, np.ndarray, list[str], list[str]]:
    """Sizes of the stored segments with a rule at ``end``, each member's first segment,
    the member ids of ``wanted``, the names of the segments without a rule, and
    "name: problem" of those whose rule cannot be applied (left out, not fatal)."""
    from commbook.segments import list_segments, segment_mask, validate_rule

    stored = list_segments(url)
    names = [s.name for s in stored]
    if wanted and wanted not in names:
        raise NotFound(f"unknown segment {wanted!r} (known: {', '.join(names) or 'none'})")
    at = end - pd.Timedelta(microseconds=1)
    sizes: dict[str, int] = {}
    label = pd.Series(pd.NA, index=members.index, dtype="object")
    chosen = np.array([], dtype="int64")
    unsized: list[str] = []
    invalid: list[str] = []
    for seg in stored:
        if not seg.rule:
            if seg.name == wanted:
                raise NotFound(f"segment {wanted!r} has no member rule, so it cannot filter")
            unsized.append(seg.name)
            continue
        try:
            rule = validate_rule(seg.rule)
        except ValidationError as exc:  # stored before rules were checked on import
            if seg.name == wanted:
                raise ValidationError(
                    f"segment {wanted!r} has a rule that cannot be applied: {exc.reason} "
                    "(fix it in the planning app's Audience tab)",
                    field="segment",
                ) from None
            invalid.append(f"{seg.name}: {exc.reason}")
            continue
        mask = segment_mask(rule, members, activity, at)
        sizes[seg.name] = int(mask.sum())
        label = label.where(label.notna() | ~mask, seg.name)
        if seg.name == wanted:
            chosen = members.loc[mask, "member_id"].to_numpy()
    by_member = pd.Series(label.to_numpy(), index=members["member_id"].to_numpy()).dropna()
    return sizes, by_member, chosen, unsized, invalid


def _upcoming(url: str | None, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """Content items of ``[lo, hi)`` that are not cancelled: one-off items scheduled in the
    window, and every recurring series begun before its end with its rule (``rrule``) and
    ``timezone`` — ``sections.calendar.expand_upcoming`` lists each occurrence."""
    from commbook.store import Channel, ContentItem

    one_off = and_(
        ContentItem.rrule.is_(None),
        ContentItem.scheduled_at >= lo.to_pydatetime(),
        ContentItem.scheduled_at < hi.to_pydatetime(),
    )
    series = and_(ContentItem.rrule.is_not(None), ContentItem.scheduled_at < hi.to_pydatetime())
    stmt = (
        select(
            ContentItem.scheduled_at,
            ContentItem.title,
            ContentItem.content_type,
            Channel.key,
            ContentItem.status,
            ContentItem.owner,
            ContentItem.campaign,
            ContentItem.rrule,
            ContentItem.timezone,
        )
        .outerjoin(Channel, ContentItem.channel_id == Channel.id)
        .where(or_(one_off, series), ContentItem.status != "cancelled")
        .order_by(ContentItem.scheduled_at, ContentItem.id)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    columns = [
        "scheduled_at", "title", "content_type", "channel", "status", "owner", "campaign",
        "rrule", "timezone",
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["scheduled_at"] = pd.to_datetime(frame["scheduled_at"], utc=True)
    for column in columns[1:]:
        frame[column] = frame[column].astype("object")
    return frame


def _responses(
    url: str | None, lo: pd.Timestamp, hi: pd.Timestamp, *, whole_waves: bool = False
) -> pd.DataFrame:
    """Survey responses submitted in ``[lo, hi)`` with their survey's kind and name.

    ``whole_waves``: only NPS responses, and every response (before ``hi``) of each NPS
    survey answered in the window — a wave that began before ``lo`` is read whole, so its
    score is the survey's, not the part inside the window's twelve months."""
    from commbook.store import Survey, SurveyResponse

    in_window = and_(
        SurveyResponse.submitted_at >= lo.to_pydatetime(),
        SurveyResponse.submitted_at < hi.to_pydatetime(),
    )
    if whole_waves:
        answered = select(SurveyResponse.survey_id).where(in_window)
        keep = and_(
            Survey.kind == "nps",
            SurveyResponse.survey_id.in_(answered),
            SurveyResponse.submitted_at < hi.to_pydatetime(),
        )
    else:
        keep = in_window

    stmt = (
        select(
            SurveyResponse.submitted_at,
            SurveyResponse.member_id,
            SurveyResponse.score,
            SurveyResponse.comment,
            Survey.kind,
            Survey.name,
            Survey.question,
            Survey.comment_question,
        )
        .join(Survey, SurveyResponse.survey_id == Survey.id)
        .where(keep)
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    columns = [
        "submitted_at", "member_id", "score", "comment", "survey_kind", "survey", "question",
        "comment_question",
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
    frame["member_id"] = frame["member_id"].astype("Int64")
    frame["score"] = frame["score"].astype("float64")
    for column in ("comment", "survey_kind", "survey", "question", "comment_question"):
        frame[column] = frame[column].astype("object")
    return frame


def _triage(url: str | None, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """Triage items received before ``hi`` that were still open at ``lo`` or later."""
    from commbook.store import Channel, TriageItem

    stmt = (
        select(
            TriageItem.id,
            TriageItem.category,
            TriageItem.urgency,
            TriageItem.status,
            Channel.key,
            TriageItem.member_id,
            TriageItem.received_at,
            TriageItem.first_response_at,
            TriageItem.resolved_at,
            TriageItem.escalation_level,
            TriageItem.closed_loop,
        )
        .outerjoin(Channel, TriageItem.channel_id == Channel.id)
        .where(
            TriageItem.received_at < hi.to_pydatetime(),
            or_(TriageItem.resolved_at.is_(None), TriageItem.resolved_at >= lo.to_pydatetime()),
        )
        .order_by(TriageItem.received_at, TriageItem.id)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(rows, columns=list(TRIAGE_COLUMNS))
    for column in ("received_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["member_id"] = frame["member_id"].astype("Int64")
    frame["closed_loop"] = frame["closed_loop"].astype("boolean")
    for column in ("category", "urgency", "status", "channel", "escalation_level"):
        frame[column] = frame[column].astype("object")
    return frame
