"""The trends section: twelve months of the headline metrics, the same period a year
before, and each objective's progress against its expected path.

Every number is a catalog metric (``commbook.metrics.catalog.CATALOG[key].value``) over a
window of the frames in :class:`ReportData`, so a month here is the figure ``commbook
metrics`` gives for that month, and an objective's last point is its current value in the
summary (``commbook.progress.recent_window`` + the catalog metric).

What is drawn, and what is not:

- a month (a week, for objectives) is only drawn when the frames the metric reads were
  loaded for its whole window, look-back included, and the store's data had started by
  then — no month before the data starts is drawn;
- a month with no data for a metric (no activity that month, no thread started, no
  content reached anyone) is a gap in the line, never a zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from commbook import charts, formatting
from commbook.metrics import prepare_events
from commbook.metrics.catalog import CATALOG, CatalogMetric, Inputs
from commbook.progress import STATUSES, objective_progress, recent_window
from commbook.reports import blocks
from commbook.reports.data import (
    FEEDBACK_MONTHS,
    LOOKBACK_DAYS,
    RANKING_MONTHS,
    RECENT_DAYS,
    RETENTION_MONTHS,
    TREND_MONTHS,
    ReportData,
    _months_before,
)
from commbook.reports.sections._common import Section, format_value, period_name

#: The headline metrics drawn month by month (catalog keys) and their panel titles.
TREND_KEYS: dict[str, str] = {
    "active_members": "Active members",
    "new_members": "New members",
    "answered_rate": "Threads answered",
    "median_first_response_hours": "Median first reply",
    "engagement_rate": "Content engagement rate",
}
#: Months drawn, ending with the report period's last whole month.
MONTHS = 12
#: Days between two points of an objective's progress.
STEP_DAYS = 7

#: The time column of each frame, to find where its data starts.
_TIME_COLUMNS = {
    "activity": "occurred_at",
    "conversations": "occurred_at",
    "members": "joined_at",
    "content": "published_at",
    "responses": "submitted_at",
    "triage": "received_at",
    "moderation": "at",
}


# --- what was loaded, and from when ----------------------------------------------------------


def loaded_from(data: ReportData) -> dict[str, pd.Timestamp]:
    """The first instant each frame of ``data`` was loaded from (the ranges of
    ``commbook.reports.data.load_report_data``, which records them in
    ``data.loaded_from``); ``members`` are loaded whole."""
    if data.loaded_from:
        return dict(data.loaded_from)
    end, tz = data.end, data.tz
    history = min(_months_before(end, max(TREND_MONTHS, RETENTION_MONTHS), tz), data.previous[0])
    return {
        "activity": history - pd.Timedelta(days=LOOKBACK_DAYS),
        "conversations": min(history, end - pd.Timedelta(days=RECENT_DAYS)),
        "members": pd.Timestamp.min.tz_localize("UTC"),
        "content": min(history, _months_before(end, RANKING_MONTHS, tz)),
        "responses": _months_before(end, FEEDBACK_MONTHS, tz),
        "triage": data.previous[0],
        "moderation": data.previous[0],
    }


def _frame_names(metric: CatalogMetric) -> dict[str, str]:
    """``Inputs`` field → ReportData frame for a metric (events with thread columns are
    the conversations)."""
    names = {}
    for field, columns in metric.needs.items():
        if field == "events":
            names[field] = "conversations" if "thread_id" in columns else "activity"
        else:
            names[field] = field
    return names


def _frame(data: ReportData, name: str) -> pd.DataFrame | None:
    return getattr(data, name, None)


def _first_day(data: ReportData, name: str) -> pd.Timestamp | None:
    """Local midnight of the day the frame's data starts (``None``: no rows)."""
    frame = _frame(data, name)
    column = _TIME_COLUMNS[name]
    if frame is None or column not in frame.columns or frame[column].notna().sum() == 0:
        return None
    first = frame[column].min().tz_convert(data.tz).tz_localize(None).normalize()
    return first.tz_localize(data.tz, ambiguous=True, nonexistent="shift_forward")


@dataclass
class _Measure:
    """Computes catalog metrics over windows of ``data``'s frames, sharing the work."""

    data: ReportData

    def __post_init__(self) -> None:
        self.since = loaded_from(self.data)
        self.starts = {name: _first_day(self.data, name) for name in _TIME_COLUMNS}
        known = [self.starts[n] for n in ("activity", "conversations", "content")]
        known = [k for k in known if k is not None]
        #: the first local day of the community's data (events or content) in the frames
        self.data_start = min(known) if known else None
        self._events = {
            name: prepare_events(getattr(self.data, name)) for name in ("activity", "conversations")
        }
        self._sla: Any = None  # the SLA policy, read once (triage metrics need it)

    def inputs(self, metric: CatalogMetric) -> Inputs:
        frames: dict[str, Any] = {}
        for field, name in _frame_names(metric).items():
            frames[field] = self._events[name] if field == "events" else _frame(self.data, name)
        if "triage" in metric.needs:
            if self._sla is None:
                from commbook.triage.sla import load_sla

                self._sla = load_sla()
            frames["sla"] = self._sla
        return Inputs(**frames)

    def covered(self, metric: CatalogMetric, lo: pd.Timestamp, data_start: bool = True) -> bool:
        """Were the metric's frames loaded for a window starting at ``lo`` (look-back
        included), and (``data_start``) had the community's data started by then?"""
        need = lo - pd.Timedelta(days=metric.lookback_days)
        for name in _frame_names(metric).values():
            if _frame(self.data, name) is None or need < self.since[name]:
                return False
        started = self.data_start is not None and need >= self.data_start
        return started or not data_start

    def value(self, key: str, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
        metric = CATALOG[key]
        return metric.value(self.inputs(metric), lo, hi, self.data.tz)


# --- twelve months of the headline metrics -------------------------------------------------


def _local(ts: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return ts.tz_convert(tz).tz_localize(None)


def _aware(naive: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def trend_months(data: ReportData) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The ``MONTHS`` calendar months (local ``[start, end)``) ending with the last whole
    month that ends by the period's end."""
    end = _local(data.end, data.tz)
    last = end.replace(day=1).normalize()  # the first month not wholly in the period
    firsts = [last - pd.DateOffset(months=n) for n in range(MONTHS, 0, -1)]
    return [(_aware(f, data.tz), _aware(f + pd.DateOffset(months=1), data.tz)) for f in firsts]


def _has_rows(data: ReportData, name: str, lo: pd.Timestamp, hi: pd.Timestamp) -> bool:
    frame = _frame(data, name)
    column = _TIME_COLUMNS[name]
    if frame is None or not len(frame):
        return False
    times = frame[column]
    return bool(((times >= lo) & (times < hi)).to_numpy(dtype=bool, na_value=False).any())


def _month_has_data(data: ReportData, key: str, lo: pd.Timestamp, hi: pd.Timestamp) -> bool:
    """A month has data for a metric when one of its frames has a row in it (members:
    when the community was active or someone joined that month)."""
    names = set(_frame_names(CATALOG[key]).values())
    if "members" in names:
        names = (names - {"members"}) | {"activity"}
        if _has_rows(data, "members", lo, hi):
            return True
    return any(_has_rows(data, name, lo, hi) for name in names)


def monthly_trends(data: ReportData, measure: _Measure | None = None) -> pd.DataFrame:
    """Each ``TREND_KEYS`` metric per month: ``metric``, ``label``, ``unit``, ``month``
    (aware local month start), ``end``, ``value`` (NaN: no data that month) and
    ``in_period``. Months before the data starts (or not loaded) are left out."""
    measure = measure or _Measure(data)
    months = trend_months(data)
    until = getattr(data, "known_until", None)  # the data stops inside the period
    drawn = [
        (lo, hi)
        for lo, hi in months
        if any(measure.covered(CATALOG[k], lo, data_start=False) for k in TREND_KEYS)
        and _data_started(measure, hi)
        and (until is None or lo < until)
    ]
    rows = []
    for key, label in TREND_KEYS.items():
        metric = CATALOG[key]
        for lo, hi in drawn:
            value = math.nan
            if measure.covered(metric, lo, data_start=False) and _month_has_data(data, key, lo, hi):
                value = measure.value(key, lo, hi)
            rows.append(
                {
                    "metric": key,
                    "label": label,
                    "unit": metric.unit,
                    "month": lo,
                    "end": hi,
                    "value": value,
                    "in_period": bool(lo >= data.start and hi <= data.end),
                }
            )
    columns = ["metric", "label", "unit", "month", "end", "value", "in_period"]
    return pd.DataFrame(rows, columns=columns)


def _data_started(measure: _Measure, hi: pd.Timestamp) -> bool:
    """The month ends after the community's data starts."""
    return measure.data_start is not None and measure.data_start < hi


def year_before(data: ReportData) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The same period a year before: whole months a year back, anything else 52 weeks
    back (the same weekdays)."""
    s, e = _local(data.start, data.tz), _local(data.end, data.tz)
    whole = s.day == 1 and e.day == 1 and s == s.normalize() and e == e.normalize()
    if whole:
        lo, hi = s - pd.DateOffset(years=1), e - pd.DateOffset(years=1)
    else:
        lo, hi = s - pd.Timedelta(weeks=52), e - pd.Timedelta(weeks=52)
    return _aware(lo, data.tz), _aware(hi, data.tz)


def year_over_year(data: ReportData, measure: _Measure | None = None) -> pd.DataFrame:
    """Each ``TREND_KEYS`` metric for the period and the same period a year before:
    ``metric``, ``label``, ``unit``, ``current``, ``year_before`` (NaN when the data does
    not reach it) and ``change`` (current − year before)."""
    measure = measure or _Measure(data)
    lo, hi = year_before(data)
    end = data.end
    if data.known_until is not None:  # the data ends inside the period: the same days
        end = data.known_until
        hi = min(hi, lo + (end - data.start))
    rows = []
    for key, label in TREND_KEYS.items():
        metric = CATALOG[key]
        current = measure.value(key, data.start, end) if data.has_data else math.nan
        before = math.nan
        if measure.covered(metric, lo) and _month_has_data(data, key, lo, hi):
            before = measure.value(key, lo, hi)
        rows.append(
            {
                "metric": key,
                "label": label,
                "unit": metric.unit,
                "current": current,
                "year_before": before,
                "change": current - before,
            }
        )
    return pd.DataFrame(rows, columns=["metric", "label", "unit", "current", "year_before",
                                       "change"])  # fmt: skip


# --- objectives over time -------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectivePath:
    """An objective's measured values at weekly points (``points``: ``day``, ``value``)
    and its expected path: baseline on ``start`` to target on ``due`` (a "maintain"
    objective: the target all along)."""

    title: str
    metric: str
    unit: str
    direction: str
    start: dt.date
    due: dt.date
    baseline: float
    target: float
    as_of: dt.date
    points: pd.DataFrame
    status: str
    note: str = ""

    @property
    def current(self) -> float | None:
        """The value at ``as_of`` (the objective's current value), if measured."""
        last = self.points[self.points["day"] == self.as_of]
        return None if last.empty else float(last["value"].iloc[0])


def _window(o: Any, day: dt.date, tz: dt.tzinfo) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    window = recent_window(o, day)
    if window is None:
        return None
    return (
        pd.Timestamp(window[0]).tz_localize(tz),
        pd.Timestamp(window[1] + dt.timedelta(days=1)).tz_localize(tz),
    )


def objective_path(o: Any, data: ReportData, as_of: dt.date, measure: _Measure) -> ObjectivePath:
    """``o``'s value every ``STEP_DAYS`` days back from ``as_of`` (or its due date) to its
    start, each over ``progress.recent_window`` of that day, where the loaded frames
    cover it."""
    last = min(as_of, o.due_date)
    days: list[dt.date] = []
    day = last
    while day >= o.start_date:
        days.append(day)
        day -= dt.timedelta(days=STEP_DAYS)
    metric = CATALOG.get(o.metric)
    note = ""
    values: list[tuple[dt.date, float]] = []
    if o.metric == "manual":
        note = "Measured by hand: only its current value is known."
        if o.current_value is not None:
            values.append((last, float(o.current_value)))
    elif metric is None:
        note = f"Its metric {o.metric!r} is not in the catalog."
    elif data.channel or data.segment:
        note = "Objectives are judged community-wide: see the report without filters."
    elif last < o.start_date:
        note = f"Starts on {o.start_date:%-d %b %Y}."
    else:
        for day in reversed(days):
            window = _window(o, day, data.tz)
            if window is None or not measure.covered(metric, window[0]):
                continue
            value = measure.value(o.metric, *window)
            if not math.isnan(value):
                values.append((day, value))
        if not values:
            note = "No measurement yet in the data the report loads."
    points = pd.DataFrame(values, columns=["day", "value"])
    current = None if points.empty or points["day"].iloc[-1] != last else points["value"].iloc[-1]
    status = objective_progress(o, current, as_of).status
    return ObjectivePath(
        title=o.title, metric=o.metric, unit=o.unit or "", direction=o.direction,
        start=o.start_date, due=o.due_date, baseline=float(o.baseline), target=float(o.target),
        as_of=last, points=points, status=status, note=note,
    )  # fmt: skip


def judged_on(data: ReportData, today: dt.date | None = None) -> dt.date:
    """The day objectives are judged, as ``build_report`` does: ``data.as_of`` (when the
    data ends earlier than the period) or the period's last day, never after ``today``."""
    day = getattr(data, "as_of", None) or data.period.last_day
    return min(day, today) if today is not None else day


# --- the section ------------------------------------------------------------------------------


def _month_name(ts: pd.Timestamp, tz: dt.tzinfo) -> str:
    return f"{_local(ts, tz):%B %Y}"


def _trend_note(rows: pd.DataFrame, unit: str, tz: dt.tzinfo) -> str:
    """The panel's subtitle: the last month drawn with its value."""
    known = rows[rows["value"].notna()]
    if known.empty:
        return "No data in these months"
    last = rows.iloc[-1]
    if pd.isna(last["value"]):
        return f"{_month_name(last['month'], tz)}: no data"
    return f"{_month_name(last['month'], tz)}: {format_value(last['value'], unit)}"


def _change(row: Mapping[str, Any]) -> str:
    if pd.isna(row["year_before"]) or pd.isna(row["current"]):
        return "—"
    before = row["year_before"]
    pct = 100 * row["change"] / abs(before) if before else math.nan
    return formatting.change_text(row["change"], pct, row["unit"])


def trends_section(data: ReportData, today: dt.date | None = None) -> Section:
    """Trends: the headline metrics over twelve months with the period highlighted, the
    same period a year before, and each active objective against its expected path
    (judged on the period's last day, or ``today`` if earlier)."""
    s = Section("trends", "Trends over twelve months")
    s.add(
        blocks.section_title(
            "Trends over twelve months",
            "The headline numbers month by month, the report period highlighted. Gaps are "
            "months without data; months before the data starts are not drawn.",
        )
    )
    measure = _Measure(data)
    trends = monthly_trends(data, measure)
    s.facts["months"] = trends
    drawn = trends.drop_duplicates("month")["month"].tolist()
    if trends["value"].notna().any():
        notes = {
            label: _trend_note(rows, rows["unit"].iloc[0], data.tz)
            for label, rows in trends.groupby("label", sort=False)
        }
        s.add(charts.monthly_trends_chart(trends, notes))
    else:
        s.add(blocks.notice("There is no data for the twelve months up to this period yet."))

    yoy = year_over_year(data, measure)
    s.facts["year_over_year"] = yoy
    lo, hi = year_before(data)
    before_name = period_name(lo, hi, data.tz)
    s.add(
        blocks.subtitle(
            "A year on",
            f"{data.period.title} against the same period a year before ({before_name}).",
        )
    )
    if yoy["year_before"].isna().all():
        first = measure.data_start
        loaded = lo - pd.Timedelta(days=LOOKBACK_DAYS) >= measure.since["activity"]
        if not loaded:
            why = " The report reads thirteen months of data, which does not reach it."
        elif first is not None:
            why = f" The data starts in {_month_name(first, data.tz)}."
        else:
            why = ""
        s.add(blocks.paragraph(f"There is no data for {before_name} to compare with.{why}"))
    s.add(
        blocks.rich_table(
            ["Metric", data.period.title, before_name, "Change"],
            [
                [
                    r["label"],
                    format_value(r["current"], r["unit"]),
                    format_value(r["year_before"], r["unit"]),
                    _change(r),
                ]
                for r in yoy.to_dict("records")
            ],
            numeric=(1, 2, 3),
            widths=(40, 20, 20, 20),
        )
    )

    as_of = judged_on(data, today)
    paths = [objective_path(o, data, as_of, measure) for o in data.objectives]
    s.facts["objectives"] = paths
    s.add(
        blocks.subtitle(
            "Objectives over time",
            "Each active objective's value every week (over the same recent window as its "
            "current value) against the straight line from its baseline at the start to "
            "its target on the due date.",
        )
    )
    if not paths:
        s.add(blocks.paragraph("No active objectives are recorded in the planning app."))
    drawn_paths = [p for p in paths if len(p.points)]  # no chart without a measurement
    for pair in range(0, len(drawn_paths), 2):
        s.add(charts.objective_paths_chart([_panel(p) for p in drawn_paths[pair : pair + 2]]))
    notes = [f"{p.title}: {p.note}" for p in paths if p.note]
    first_triage = _local(measure.since["triage"], data.tz).date()
    if any(CATALOG[p.metric].needs.keys() & {"triage", "moderation"} for p in paths
           if p.metric in CATALOG and not p.note and p.start < first_triage):  # fmt: skip
        since = f"{_local(measure.since['triage'], data.tz):%-d %b %Y}"
        notes.append(
            f"Triage and moderation objectives are drawn from {since}: the report reads "
            "triage items and moderation actions from then on."
        )
    if notes:
        s.add(blocks.bullets(notes))
    s.facts["drawn_months"] = drawn
    return s


def _panel(p: ObjectivePath) -> charts.ObjectivePanel:
    label = STATUSES[p.status]
    current = p.current
    now = "no value yet" if current is None else format_value(current, _catalog_unit(p))
    return charts.ObjectivePanel(
        title=p.title,
        subtitle=f"{label} · now {now}, target {format_value(p.target, _catalog_unit(p))} "
        f"by {p.due:%-d %b %Y}",
        unit=_catalog_unit(p),
        points=p.points,
        start=p.start,
        due=p.due,
        baseline=p.baseline,
        target=p.target,
        maintain=p.direction == "maintain",
        as_of=p.as_of,
    )


def _catalog_unit(p: ObjectivePath) -> str:
    metric = CATALOG.get(p.metric)
    return metric.unit if metric else p.unit


__all__ = [
    "MONTHS", "STEP_DAYS", "TREND_KEYS", "ObjectivePath", "loaded_from", "monthly_trends",
    "objective_path", "trend_months", "trends_section", "year_before", "year_over_year",
]  # fmt: skip
