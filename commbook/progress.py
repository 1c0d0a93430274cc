"""Objective progress: where an objective stands between its baseline and its target.

``objective_progress(objective, value, today)`` is a pure function (rule in
``docs/planning.md``): the share of the way from baseline to target, the share expected by
``today`` on a straight line from the start date to the due date, and a status:

- **achieved** — the target is reached (for "maintain": on the due date or after, the value
  is within the tolerance band around the target);
- **missed** — the due date has passed and the target was not reached;
- **on track** — progress ≥ expected − 10 points ("maintain": within the band);
- **at risk** — progress ≥ expected − 25 points ("maintain": within twice the band);
- **off track** — further behind;
- **no data** — there is no current value yet.

``current_value(objective, url, as_of)`` is the one place that finds the value to judge:
the stored ``current_value`` for "manual" objectives, else the metric of
``commbook.metrics.catalog.CATALOG`` over the objective's recent window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

ON_TRACK_POINTS = 10.0
AT_RISK_POINTS = 25.0
#: "maintain" objectives: on track while within this share of the target (5 %).
MAINTAIN_TOLERANCE = 0.05
#: The current value of a metric is measured over the last N days of the objective's window.
RECENT_DAYS = 28
#: Metrics measured rarely look further back (NPS surveys come in quarterly waves).
RECENT_DAYS_BY_METRIC: dict[str, int] = {"nps": 91}

STATUSES: dict[str, str] = {
    "achieved": "Achieved",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "missed": "Missed",
    "no_data": "No data",
}


class ObjectiveLike(Protocol):
    """What progress needs of an objective (a stored ``Objective`` has all of it)."""

    metric: str
    baseline: float
    target: float
    direction: str
    start_date: dt.date
    due_date: dt.date


@dataclass(frozen=True)
class Progress:
    """Where an objective stands on ``today``.

    ``percent``: how far from baseline to target the value is (0 = baseline, 100 = target;
    can be below 0 or above 100; ``None`` without a value or for "maintain").
    ``expected``: how far it should be by ``today`` (0–100, linear from start to due).
    ``expected_value``: the value on the straight line baseline → target for ``today``.
    """

    value: float | None
    percent: float | None
    expected: float
    expected_value: float
    status: str
    today: dt.date

    @property
    def label(self) -> str:
        return STATUSES[self.status]

    @property
    def gap(self) -> float | None:
        """Points behind the expected progress (negative when ahead)."""
        return None if self.percent is None else self.expected - self.percent


def _elapsed(start: dt.date, due: dt.date, today: dt.date) -> float:
    """Share of the time from start to due that has passed on ``today`` (0–1)."""
    total = (due - start).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (today - start).days / total))


def objective_progress(objective: ObjectiveLike, value: float | None, today: dt.date) -> Progress:
    """Judge ``value`` for ``objective`` on ``today`` (see the module docstring)."""
    baseline, target = float(objective.baseline), float(objective.target)
    elapsed = _elapsed(objective.start_date, objective.due_date, today)
    expected = 100.0 * elapsed
    expected_value = baseline + (target - baseline) * elapsed
    past_due = today > objective.due_date
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Progress(None, None, expected, expected_value, "no_data", today)
    value = float(value)
    if objective.direction == "maintain":
        band = MAINTAIN_TOLERANCE * abs(target) or MAINTAIN_TOLERANCE
        off = abs(value - target)
        if today >= objective.due_date:
            status = "achieved" if off <= band else "missed"
        else:
            status = "on_track" if off <= band else "at_risk" if off <= 2 * band else "off_track"
        return Progress(value, None, expected, target, status, today)

    span = target - baseline
    percent = 100.0 * (value - baseline) / span if span else (100.0 if value == target else 0.0)
    reached = value >= target if span >= 0 else value <= target
    if reached:
        status = "achieved"
    elif past_due:
        status = "missed"
    elif percent >= expected - ON_TRACK_POINTS:
        status = "on_track"
    elif percent >= expected - AT_RISK_POINTS:
        status = "at_risk"
    else:
        status = "off_track"
    return Progress(value, percent, expected, expected_value, status, today)


# --- the current value ---------------------------------------------------------------------


def recent_window(objective: ObjectiveLike, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """``[first, last]`` days over which the metric is measured on ``as_of`` (``None``
    before the objective starts): the last ``RECENT_DAYS`` (per metric) up to ``as_of`` or
    the due date, whichever is first, never before the start date."""
    last = min(as_of, objective.due_date)
    if last < objective.start_date:
        return None
    days = RECENT_DAYS_BY_METRIC.get(objective.metric, RECENT_DAYS)
    first = max(objective.start_date, last - dt.timedelta(days=days - 1))
    return first, last


def current_value(
    objective: Any, url: str | None = None, as_of: dt.date | None = None
) -> float | None:
    """The value to judge ``objective`` by on ``as_of`` (default: today).

    "manual": the stored ``current_value``. A catalog metric: its value over
    ``recent_window`` (``None`` if undefined there, the metric is unknown, the window has
    not started, or the store has no activity data from the window on).
    """
    return current_values([objective], url, as_of)[0]


def current_values(
    objectives: Iterable[Any], url: str | None = None, as_of: dt.date | None = None
) -> list[float | None]:
    """``current_value`` for many objectives; frames are loaded once for all of them."""
    from commbook.config import get_settings
    from commbook.metrics.catalog import CATALOG

    objectives = list(objectives)
    if as_of is None:
        from commbook import clock

        as_of = clock.today()
    tz = get_settings().tz
    measured = [o for o in objectives if o.metric in CATALOG]
    latest = data_as_of(url) if measured else None
    windows = {}
    for i, o in enumerate(objectives):
        metric = CATALOG.get(o.metric)
        window = recent_window(o, as_of) if metric else None
        # no activity data reaching the window: nothing was measured (not "zero members")
        if window is not None and latest is not None and latest >= window[0]:
            windows[i] = (metric, *window)
    inputs = _load_inputs(windows.values(), url, tz) if windows else None
    measured_values: dict[tuple[str, dt.date, dt.date], float] = {}  # once per metric/window
    out: list[float | None] = []
    for i, o in enumerate(objectives):
        if o.metric == "manual":
            out.append(None if o.current_value is None else float(o.current_value))
        elif i not in windows:
            out.append(None)
        else:
            metric, first, last = windows[i]
            key = (metric.key, first, last)
            if key not in measured_values:
                measured_values[key] = metric.value(inputs, first, last + dt.timedelta(days=1), tz)
            value = measured_values[key]
            out.append(None if math.isnan(value) else value)
    return out


def _load_inputs(windows: Iterable[tuple[Any, dt.date, dt.date]], url: str | None, tz: Any):
    """The frames the metrics need, over the union of their windows (and look-backs)."""
    from commbook import frames
    from commbook.metrics import prepare_events
    from commbook.metrics.catalog import Inputs

    windows = list(windows)
    columns: dict[str, set[str]] = {}
    for metric, _, _ in windows:
        for frame, cols in metric.needs.items():
            columns.setdefault(frame, set()).update(cols)
    first = min(w[1] - dt.timedelta(days=w[0].lookback_days) for w in windows)
    last = max(w[2] for w in windows)
    end = last + dt.timedelta(days=1)
    follow = any(w[0].follow_up for w in windows)
    loaded: dict[str, Any] = {}
    if "events" in columns:
        cols = [c for c in frames.EVENT_COLUMNS if c in columns["events"]]
        events = frames.load_events(url, first, None if follow else end, columns=cols)
        loaded["events"] = prepare_events(events)  # shared by every metric and window
    if "members" in columns:
        cols = [c for c in frames.MEMBER_COLUMNS if c in columns["members"] | {"member_id"}]
        loaded["members"] = frames.load_members(url, columns=cols)
    if "content" in columns:
        cols = [c for c in frames.CONTENT_COLUMNS if c in columns["content"]]
        loaded["content"] = frames.load_content(url, first, end, columns=cols)
    if "responses" in columns:
        loaded["responses"] = load_responses(url, first, end, tz)
    if "triage" in columns:
        cols = [c for c in frames.TRIAGE_COLUMNS if c in columns["triage"]]
        loaded["triage"] = frames.load_triage(url, first, end, columns=cols)
    if "moderation" in columns:
        cols = [c for c in frames.MODERATION_COLUMNS if c in columns["moderation"]]
        loaded["moderation"] = frames.load_moderation(url, first, end, columns=cols)
    return Inputs(**loaded)


def load_responses(url: str | None, first: dt.date, end: dt.date, tz: Any) -> pd.DataFrame:
    """Survey responses submitted in ``[first, end)`` (local days): ``submitted_at``,
    ``score`` and ``survey_kind``."""
    import pandas as pd
    from sqlalchemy import select

    from commbook.store import Survey, SurveyResponse, get_engine

    lo = dt.datetime.combine(first, dt.time(), tz)
    hi = dt.datetime.combine(end, dt.time(), tz)
    stmt = (
        select(SurveyResponse.submitted_at, SurveyResponse.score, Survey.kind)
        .join(Survey, SurveyResponse.survey_id == Survey.id)
        .where(SurveyResponse.submitted_at >= lo, SurveyResponse.submitted_at < hi)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(rows, columns=["submitted_at", "score", "survey_kind"])
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
    frame["score"] = frame["score"].astype("float64")
    frame["survey_kind"] = frame["survey_kind"].astype("str")
    return frame


def data_as_of(url: str | None = None) -> dt.date | None:
    """The local day of the latest activity event in the store (``None`` when empty).

    Apps judge objectives on ``min(today, data_as_of)`` so that a store whose last import is
    a few weeks old is not shown as collapsing (``commbook.clock.as_of``).
    """
    from commbook import clock

    return clock.data_ends(url)
