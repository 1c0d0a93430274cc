"""The pieces of the planning summary (``notebooks/planning_summary.ipynb``).

- ``objectives_frame``: objectives with their current value, progress and status (pure);
- ``load_calendar``: the calendar's occurrences in a period as a frame (series expanded by
  ``commbook.calendar``), with segment names;
- ``coverage`` and ``workload``: counts per channel / content type / segment, and items per
  owner per week (pure, vectorised);
- ``progress_chart``, ``coverage_chart``, ``workload_chart``: Altair charts, each with a
  description that reads its numbers (the report's alt text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from commbook import planning, progress
from commbook.charts import ACCENT, FONT, MUTED, WIDTH

NO_SEGMENT = "No segment"
CALENDAR_COLUMNS = ("item_id", "title", "content_type", "channel", "owner", "status", "start")
STATUS_COLORS = {
    "achieved": "#17b26a",
    "on_track": "#2e90fa",
    "at_risk": "#f79009",
    "off_track": "#f04438",
    "missed": "#b42318",
    "no_data": "#98a2b3",
}


def objectives_frame(
    objectives: Sequence[Any], values: Sequence[float | None], as_of: dt.date
) -> pd.DataFrame:
    """One row per objective: title, metric label, owner, baseline, target, unit, value,
    percent, expected, status key and label (``commbook.progress`` rules on ``as_of``)."""
    rows = []
    for o, value in zip(objectives, values, strict=True):
        p = progress.objective_progress(o, value, as_of)
        metric = planning.METRICS.get(o.metric)
        rows.append(
            {
                "title": o.title,
                "metric": metric.label if metric else f"{o.metric} (not in the catalog)",
                "owner": o.owner,
                "baseline": float(o.baseline),
                "target": float(o.target),
                "unit": o.unit or "",
                "value": p.value,
                "percent": p.percent,
                "expected": p.expected,
                "status": p.status,
                "status_label": p.label,
                "due_date": o.due_date,
            }
        )
    columns = [
        "title", "metric", "owner", "baseline", "target", "unit", "value", "percent",
        "expected", "status", "status_label", "due_date",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("value", "percent", "expected", "baseline", "target"):
        frame[name] = frame[name].astype("float64")
    return frame


def load_calendar(url: str | None, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Calendar occurrences in ``[start, end)``: ``CALENDAR_COLUMNS`` plus ``segments`` (a
    tuple of segment names per row). Recurring series give one row per occurrence."""
    from commbook import calendar, segments

    names = {s.id: s.name for s in segments.list_segments(url)}
    rows = [
        {
            "item_id": o.item_id,
            "title": o.title,
            "content_type": o.content_type,
            "channel": o.channel or "(no channel)",
            "owner": o.owner or "(unassigned)",
            "status": o.status,
            "start": o.start,
            "segments": tuple(names.get(i, f"#{i}") for i in o.segment_ids),
        }
        for o in calendar.occurrences(start, end, url=url)
    ]
    frame = pd.DataFrame(rows, columns=[*CALENDAR_COLUMNS, "segments"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    return frame


def coverage(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Items per value of ``by`` (``channel``, ``content_type`` or ``segment``), most first.

    Cancelled items are left out. For ``segment`` an item aimed at two segments counts for
    both, and items without a segment count as ``NO_SEGMENT``. Columns: ``by``, ``items``,
    ``share`` (of the items counted, 0–1).
    """
    live = frame[frame["status"] != "cancelled"]
    if by == "segment":
        values = live["segments"].map(lambda s: list(s) or [NO_SEGMENT]).explode()
    else:
        values = live[by]
    counts = values.value_counts().rename_axis(by).reset_index(name="items")
    counts = counts.sort_values(["items", by], ascending=[False, True], ignore_index=True)
    total = int(counts["items"].sum())
    counts["share"] = counts["items"] / total if total else 0.0
    counts["items"] = counts["items"].astype("int64")
    return counts


def workload(frame: pd.DataFrame, tz: dt.tzinfo | str = "UTC") -> pd.DataFrame:
    """Items per owner per week (weeks start on Monday, local to ``tz``); cancelled items
    left out. Columns: ``owner``, ``week_start`` (date), ``items``; by week then owner."""
    live = frame[(frame["status"] != "cancelled") & frame["start"].notna()]
    local = live["start"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    week = (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    out = (
        pd.DataFrame({"owner": live["owner"], "week_start": week})
        .groupby(["week_start", "owner"], sort=True)
        .size()
        .reset_index(name="items")
    )
    out["items"] = out["items"].astype("int64")
    return out[["owner", "week_start", "items"]]


def _style(chart: alt.Chart) -> alt.Chart:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_title(anchor="start", fontSize=15, subtitleColor=MUTED, subtitleFontSize=12)
        .configure_axis(labelFontSize=11, titleFontSize=12, titleColor=MUTED, labelColor=MUTED)
    )


def progress_chart(objectives: pd.DataFrame) -> alt.Chart:
    """Bars of progress (% of the way to target) per objective, coloured by status, with a
    tick where each should be by now. Objectives without a percent are left out."""
    columns = ["title", "percent", "expected", "status_label"]
    data = objectives.loc[objectives["percent"].notna(), columns].copy()
    data["shown"] = data["percent"].clip(-20, 150)
    parts = [
        f"{t}: {p:.0f} % of the way (expected {e:.0f} %), {s}"
        for t, p, e, s in zip(
            data["title"], data["percent"], data["expected"], data["status_label"], strict=True
        )
    ]
    description = "Bar chart of progress towards each objective's target. " + (
        "; ".join(parts) + "." if parts else "No objective has a measured value yet."
    )
    base = alt.Chart(data, width=WIDTH - 80, height=max(60, 34 * len(data)))
    y = alt.Y("title:N", sort=None, title=None, axis=alt.Axis(labelLimit=240))
    x = alt.X(
        "shown:Q",
        title="Progress from baseline to target (%)",
        scale=alt.Scale(domain=[min(0, float(data["shown"].min() if len(data) else 0)), 150]),
        axis=alt.Axis(grid=True, gridColor="#edf2f7", values=[0, 25, 50, 75, 100, 125, 150]),
    )
    color = alt.Color(
        "status_label:N",
        title="Status",
        scale=alt.Scale(
            domain=[progress.STATUSES[k] for k in STATUS_COLORS],
            range=list(STATUS_COLORS.values()),
        ),
    )
    bars = base.mark_bar(cornerRadiusEnd=2, height=18).encode(x=x, y=y, color=color)
    ticks = base.mark_tick(color="#344054", thickness=2, size=26).encode(x=alt.X("expected:Q"), y=y)
    labels = base.mark_text(align="left", dx=4, color=MUTED, fontSize=11).encode(
        x=x, y=y, text=alt.Text("percent:Q", format=".0f")
    )
    chart = alt.layer(bars, ticks, labels).properties(
        title=alt.Title(
            "Progress towards targets",
            subtitle="Bar: how far from baseline to target; dark tick: where it should be by now",
        ),
        description=description,
    )
    return _style(chart)


def coverage_chart(table: pd.DataFrame, by: str, title: str) -> alt.Chart:
    """Horizontal bars of a ``coverage`` table."""
    parts = [f"{k}: {n}" for k, n in zip(table[by], table["items"], strict=True)]
    description = f"Bar chart of planned items by {title.lower()}. " + (
        "; ".join(parts) + "." if parts else "No items in this period."
    )
    base = alt.Chart(table, width=WIDTH - 120, height=max(60, 26 * len(table)))
    y = alt.Y(f"{by}:N", sort="-x", title=None)
    x = alt.X("items:Q", title="Items", axis=alt.Axis(format=",d", tickMinStep=1, grid=True))
    bars = base.mark_bar(color=ACCENT, cornerRadiusEnd=2).encode(x=x, y=y)
    labels = base.mark_text(align="left", dx=4, color=MUTED, fontSize=11).encode(
        x=x, y=y, text="items:Q"
    )
    chart = alt.layer(bars, labels).properties(
        title=alt.Title(f"Items by {title.lower()}"), description=description
    )
    return _style(chart)


def workload_chart(table: pd.DataFrame) -> alt.Chart:
    """Stacked bars: items per week, one colour per owner."""
    data = table.assign(week=[f"{d.day} {d:%b}" for d in table["week_start"]])
    data = data[["owner", "week", "items"]]
    per_owner = data.groupby("owner")["items"].sum().sort_values(ascending=False)
    parts = [f"{owner}: {n} items" for owner, n in per_owner.items()]
    description = "Stacked bar chart of planned items per week by owner. " + (
        "; ".join(parts) + "." if parts else "No items in this period."
    )
    chart = (
        alt.Chart(data, width=WIDTH, height=220)
        .mark_bar()
        .encode(
            x=alt.X(
                "week:O", sort=None, title="Week starting (Monday)", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("items:Q", title="Items", axis=alt.Axis(format=",d", tickMinStep=1, grid=True)),
            color=alt.Color("owner:N", title="Owner"),
            order=alt.Order("owner:N"),
        )
        .properties(
            title=alt.Title("Workload per owner", subtitle="Planned items per week"),
            description=description,
        )
    )
    return _style(chart)


def number(value: object) -> str:
    """``1234.5`` → ``1,234.5``; ``0.123456`` → ``0.1235``; missing → ``—``."""
    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def points(value: object) -> str:
    """A share of the way expressed in percent points: ``62.4`` → ``62 %``; missing → ``—``."""
    return "—" if value is None or pd.isna(value) else f"{float(value):.0f} %"
