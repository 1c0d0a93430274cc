"""Altair chart builders for reports and apps: titled, labelled, described, offline.

Each builder takes the DataFrame a metric returns and gives back an ``alt.Chart``. Every
chart carries a ``description`` that reads its numbers in words; the report renderer uses
it as the image's alt text. Call :func:`enable_offline` once before displaying charts in a
report so they are drawn to SVG locally (vl-convert) instead of by JavaScript from a CDN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from commbook.metrics._schema import ANY, NUMBER, TIMESTAMP, require

RENDERER = "commbook-svg"
WIDTH = 560
ACCENT = "#2b6cb0"
MUTED = "#4a5568"
FONT = "Helvetica, Arial, sans-serif"


def _svg_with_alt(spec: dict[str, Any], **metadata: Any) -> tuple[dict, dict]:
    """Altair's SVG renderer, plus the chart description as the image's alt text."""
    from altair.vegalite.v6.display import svg_renderer

    bundle = svg_renderer(spec, **metadata)
    description = spec.get("description") or ""
    return bundle, {"image/svg+xml": {"alt": description}}


def enable_offline() -> None:
    """Render Altair charts as static SVG with no network access (for reports)."""
    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, _svg_with_alt)
    alt.renderers.enable(RENDERER)


def _style(chart: alt.Chart) -> alt.Chart:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_title(anchor="start", fontSize=15, subtitleColor=MUTED, subtitleFontSize=12)
        .configure_axis(
            labelFontSize=11, titleFontSize=12, titleColor=MUTED, labelColor=MUTED, grid=False
        )
    )


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%b %Y}"


#: Weeks covered in part are drawn pale (see :func:`weekly_active_chart`).
PART_OPACITY = alt.Opacity(
    "part:N",
    scale=alt.Scale(domain=["whole week", "part of the week"], range=[1.0, 0.4]),
    legend=None,
)


def _week_labels(starts: pd.Series, days: Sequence[int]) -> list[str]:
    """``"2 Nov"``, or ``"26 Oct (1 d)"`` for a week with fewer than 7 days covered."""
    return [
        f"{ts.day} {ts:%b}" + ("" if n >= 7 else f" ({n} d)")
        for ts, n in zip(starts, days, strict=True)
    ]


def _week_parts(days: Sequence[int]) -> list[str]:
    return ["whole week" if n >= 7 else "part of the week" for n in days]


def weekly_active_chart(df: pd.DataFrame, days: Sequence[int] | None = None) -> alt.Chart:
    """Bar chart of ``weekly_active_members`` output (``week_start``, ``active_members``).

    ``days``: how many days of each week the period (or the data) covers; a week with
    fewer than 7 is drawn lighter and labelled with its days, so that a short first or
    last week does not read as a drop.
    """
    require(df, {"week_start": TIMESTAMP, "active_members": NUMBER}, name="weekly active")
    days = list(days) if days is not None else [7] * len(df)
    data = pd.DataFrame(
        {
            "week": _week_labels(df["week_start"], days),
            "active_members": df["active_members"].astype("int64"),
            "part": _week_parts(days),
        }
    )
    if len(df):
        numbers = ", ".join(
            f"{_day(ts)}: {n}"
            for ts, n in zip(df["week_start"], data["active_members"], strict=True)
        )
        description = (
            f"Bar chart of weekly active members for {len(df)} weeks starting "
            f"{_day(df['week_start'].iloc[0])}. Members per week — {numbers}."
        )
    else:
        description = "Bar chart of weekly active members: no weeks in this period."
    base = alt.Chart(data, width=WIDTH, height=220)
    x = alt.X("week:O", sort=None, title="Week starting (Monday)", axis=alt.Axis(labelAngle=0))
    top = max(1, int(data["active_members"].max())) if len(data) else 1
    y = alt.Y(
        "active_members:Q",
        title="Active members (people)",
        scale=alt.Scale(domainMin=0, domainMax=top * 1.15, nice=False),
        axis=alt.Axis(format=",d", tickMinStep=1, grid=True, gridColor="#edf2f7"),
    )
    bars = base.mark_bar(color=ACCENT, cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
        x=x, y=y, opacity=PART_OPACITY
    )
    labels = base.mark_text(dy=-6, color=MUTED, fontSize=11).encode(
        x=x, y=y, text=alt.Text("active_members:Q", format=",")
    )
    short = [n for n in days if n < 7]
    subtitle = "Members who posted, replied, commented, reacted or shared that week"
    if short:
        subtitle = "Members active that week; pale bars: weeks partly in the period (days)"
        description += f" {len(short)} of the weeks are covered in part."
    chart = alt.layer(bars, labels).properties(
        title=alt.Title("Weekly active members", subtitle=subtitle),
        description=description,
    )
    return _style(chart)


def engagement_by_type_chart(df: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of ``engagement_by_type`` output: engagement rate per content type.

    Types whose rate is unknown (no reach or views) are left out and named in the
    description.
    """
    require(
        df,
        {"content_type": ANY, "items": NUMBER, "interactions": NUMBER, "engagement_rate": NUMBER},
        name="engagement by type",
    )
    known = df[df["engagement_rate"].notna()]
    data = pd.DataFrame(
        {
            "content_type": known["content_type"].astype(str).str.capitalize(),
            "engagement_rate": known["engagement_rate"].astype("float64"),
            "items": known["items"].astype("int64"),
        }
    )
    parts = [
        f"{t}: {r:.1%} ({n} items)"
        for t, r, n in zip(
            data["content_type"], data["engagement_rate"], data["items"], strict=True
        )
    ]
    description = "Bar chart of engagement rate by content type, highest first. " + (
        "; ".join(parts) + "." if parts else "No content type has a known reach or views."
    )
    unknown = df.loc[df["engagement_rate"].isna(), "content_type"].astype(str).tolist()
    if unknown:
        description += f" Not shown (reach and views unknown): {', '.join(unknown)}."
    height = max(90, 30 * len(data))
    base = alt.Chart(data, width=WIDTH - 60, height=height)
    top = float(data["engagement_rate"].max()) if len(data) else 0.0
    x = alt.X(
        "engagement_rate:Q",
        title="Engagement rate (interactions ÷ people reached, %)",
        scale=alt.Scale(domainMin=0, domainMax=max(top * 1.18, 0.01), nice=False),
        axis=alt.Axis(format=".0%", tickCount=5, grid=True, gridColor="#edf2f7"),
    )
    y = alt.Y("content_type:N", sort="-x", title="Content type")
    bars = base.mark_bar(color=ACCENT, cornerRadiusTopRight=2, cornerRadiusBottomRight=2).encode(
        x=x, y=y
    )
    labels = base.mark_text(align="left", dx=4, color=MUTED, fontSize=11).encode(
        x=x, y=y, text=alt.Text("engagement_rate:Q", format=".1%")
    )
    chart = alt.layer(bars, labels).properties(
        title=alt.Title(
            "Engagement rate by content type",
            subtitle="Likes, comments and shares per person reached (views where reach is unknown)",
        ),
        description=description,
    )
    return _style(chart)


def new_returning_chart(df: pd.DataFrame, days: Sequence[int] | None = None) -> alt.Chart:
    """Stacked weekly bars of ``new_vs_returning`` output (``period_start``, ``new``,
    ``returning``): active members who joined that week vs those who were already here.
    ``days``: as in :func:`weekly_active_chart` (weeks covered in part are pale)."""
    require(
        df, {"period_start": TIMESTAMP, "new": NUMBER, "returning": NUMBER}, name="new vs returning"
    )
    days = list(days) if days is not None else [7] * len(df)
    weeks = _week_labels(df["period_start"], days)
    data = pd.DataFrame(
        {
            "week": weeks * 2,
            "group": ["Returning"] * len(df) + ["New"] * len(df),
            "members": list(df["returning"].astype("int64")) + list(df["new"].astype("int64")),
            "order": [0] * len(df) + [1] * len(df),
            "part": _week_parts(days) * 2,
        }
    )
    parts = [
        f"{w}: {int(n)} new, {int(r)} returning"
        for w, n, r in zip(weeks, df["new"], df["returning"], strict=True)
    ]
    description = "Stacked bar chart of active members per week, new vs returning. " + (
        "; ".join(parts) + "." if parts else "No weeks in this period."
    )
    chart = (
        alt.Chart(data, width=WIDTH, height=200)
        .mark_bar()
        .encode(
            x=alt.X(
                "week:O", sort=None, title="Week starting (Monday)", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y(
                "members:Q",
                title="Active members (people)",
                stack="zero",
                axis=alt.Axis(format=",d", tickMinStep=1, grid=True, gridColor="#edf2f7"),
            ),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=["Returning", "New"], range=[ACCENT, "#68d391"]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("order:Q"),
            opacity=PART_OPACITY,
        )
        .properties(
            title=alt.Title(
                "New and returning active members",
                subtitle="New: joined the same week. Returning: joined before."
                + (
                    " Pale bars: weeks partly in the period (days)."
                    if min(days, default=7) < 7
                    else ""
                ),
            ),
            description=description,
        )
    )
    return _style(chart)


def nps_trend_chart(df: pd.DataFrame) -> alt.Chart:
    """NPS per survey wave with its 95 % interval: ``label`` (wave name, in time order),
    ``score``, ``ci_low``, ``ci_high``, ``n``."""
    require(
        df,
        {"label": ANY, "score": NUMBER, "ci_low": NUMBER, "ci_high": NUMBER, "n": NUMBER},
        name="nps trend",
    )
    data = df[["label", "score", "ci_low", "ci_high", "n"]].copy()
    data["label"] = data["label"].astype(str)
    parts = [
        f"{r.label}: {r.score:+.0f} (95% interval {r.ci_low:+.0f} to {r.ci_high:+.0f}, "
        f"{int(r.n)} answers)"
        for r in data.itertuples()
    ]
    description = "Chart of Net Promoter Score per survey wave with 95% intervals. " + (
        "; ".join(parts) + "." if parts else "No survey waves."
    )
    base = alt.Chart(data, width=WIDTH - 40, height=200)
    x = alt.X("label:N", sort=None, title="Survey wave", axis=alt.Axis(labelAngle=0))
    scale = alt.Scale(domain=[-100, 100])
    bars = base.mark_rule(color="#a0aec0", strokeWidth=2).encode(
        x=x, y=alt.Y("ci_low:Q", scale=scale), y2="ci_high:Q"
    )
    points = base.mark_circle(color=ACCENT, size=80, opacity=1).encode(
        x=x,
        y=alt.Y(
            "score:Q",
            title="NPS (points, −100 to 100)",
            scale=scale,
            axis=alt.Axis(grid=True, gridColor="#edf2f7", values=[-100, -50, 0, 50, 100]),
        ),
    )
    labels = base.mark_text(dx=16, align="left", color=MUTED, fontSize=11).encode(
        x=x, y="score:Q", text=alt.Text("score:Q", format="+.0f")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#cbd5e0").encode(y="y:Q")
    chart = alt.layer(zero, bars, points, labels).properties(
        title=alt.Title(
            "Net Promoter Score by survey wave",
            subtitle="Dot: score. Line: 95% interval (wider when fewer members answered).",
        ),
        description=description,
    )
    return _style(chart)


def response_time_chart(df: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of first-response p90 (hours) per triage category, with the SLA
    target as a tick: ``category``, ``p90_hours``, ``target_hours``."""
    require(
        df, {"category": ANY, "p90_hours": NUMBER, "target_hours": NUMBER}, name="response times"
    )
    data = df[["category", "p90_hours", "target_hours"]].dropna(subset=["p90_hours"]).copy()
    data["category"] = data["category"].astype(str).str.capitalize()
    data["over"] = data["p90_hours"] > data["target_hours"]
    parts = [
        f"{r.category}: {r.p90_hours:.1f} h against a {r.target_hours:.0f} h target"
        for r in data.itertuples()
    ]
    description = (
        "Bar chart of the time within which 9 in 10 triage items got a first response, "
        "per category, with the SLA target. "
        + ("; ".join(parts) + "." if parts else "No item got a response in this period.")
    )
    top = float(max(data["p90_hours"].max(), data["target_hours"].max())) if len(data) else 1.0
    base = alt.Chart(data, width=WIDTH - 80, height=max(90, 32 * len(data)))
    y = alt.Y("category:N", title="Category", sort=None)
    x = alt.X(
        "p90_hours:Q",
        title="First response, 90th percentile (hours)",
        scale=alt.Scale(domainMin=0, domainMax=top * 1.15, nice=False),
        axis=alt.Axis(grid=True, gridColor="#edf2f7"),
    )
    bars = base.mark_bar(height=16).encode(
        x=x,
        y=y,
        color=alt.Color(
            "over:N",
            scale=alt.Scale(domain=[False, True], range=[ACCENT, "#c53030"]),
            legend=None,
        ),
    )
    ticks = base.mark_tick(color="#1a202c", thickness=2, size=24).encode(
        x=alt.X("target_hours:Q"), y=y
    )
    chart = alt.layer(bars, ticks).properties(
        title=alt.Title(
            "First response time against the SLA",
            subtitle="Bar: 90th percentile (red when above target). Black tick: the target.",
        ),
        description=description,
    )
    return _style(chart)


# --- monitoring, dashboard and feedback charts ------------------------------------------------
# Each takes the frame a commbook function returns, as documented in its docstring.

GOOD = "#2f855a"
BAD = "#c53030"
LIGHT = "#a0aec0"
GRID = {"grid": True, "gridColor": "#edf2f7"}
SENTIMENT_COLORS = {"negative": BAD, "neutral": LIGHT, "positive": GOOD}


def _titled(chart: Any, title: str, subtitle: str, description: str) -> alt.Chart:
    return _style(
        chart.properties(title=alt.Title(title, subtitle=subtitle), description=description)
    )


def _list(parts: list[str], empty: str) -> str:
    return "; ".join(parts) + "." if parts else empty


def daily_active_chart(df: pd.DataFrame) -> alt.Chart:
    """Lines of ``metrics.daily_active`` output: DAU, trailing-7-day and trailing-30-day
    active members per day (``day``, ``dau``, ``wau``, ``mau``)."""
    require(
        df,
        {"day": TIMESTAMP, "dau": NUMBER, "wau": NUMBER, "mau": NUMBER},
        name="daily active",
    )
    names = {"dau": "Daily (DAU)", "wau": "7-day (WAU)", "mau": "30-day (MAU)"}
    long = df.assign(day=df["day"].dt.tz_localize(None)).melt(
        "day", list(names), var_name="measure", value_name="members"
    )
    long["measure"] = long["measure"].map(names)
    if len(df):
        last = df.iloc[-1]
        description = (
            f"Line chart of active members per day from {_day(df['day'].iloc[0])} to "
            f"{_day(df['day'].iloc[-1])}. Averages: DAU {df['dau'].mean():,.1f}, WAU "
            f"{df['wau'].mean():,.1f}, MAU {df['mau'].mean():,.1f}. On the last day: DAU "
            f"{int(last['dau'])}, WAU {int(last['wau'])}, MAU {int(last['mau'])}."
        )
    else:
        description = "Line chart of daily, weekly and monthly active members: no days."
    chart = (
        alt.Chart(long, width=WIDTH, height=220)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b", labelAngle=0)),
            y=alt.Y("members:Q", title="Active members (people)", axis=alt.Axis(**GRID)),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(range=[ACCENT, "#dd6b20", LIGHT]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("day:T", format="%a %d %b %Y"),
                "measure:N",
                alt.Tooltip("members:Q", format=",d"),
            ],
        )
    )
    return _titled(
        chart,
        "Active members per day",
        "Members active that day, in the last 7 days and in the last 30 days",
        description,
    )


def rate_by_chart(df: pd.DataFrame, by: str, label: str) -> alt.Chart:
    """Horizontal bars of ``metrics.engagement_by(content, by)`` output: engagement rate
    per value of ``by`` (e.g. ``channel``), ``label`` naming it on the axis."""
    require(df, {by: ANY, "items": NUMBER, "engagement_rate": NUMBER}, name=f"engagement by {by}")
    data = df[df["engagement_rate"].notna()].assign(**{by: lambda d: d[by].astype(str)})
    parts = [
        f"{g}: {r:.1%} ({int(n)} items)"
        for g, r, n in zip(data[by], data["engagement_rate"], data["items"], strict=True)
    ]
    top = float(data["engagement_rate"].max()) if len(data) else 0.0
    base = alt.Chart(data, width=WIDTH - 60, height=max(90, 30 * len(data)))
    x = alt.X(
        "engagement_rate:Q",
        title="Engagement rate (interactions ÷ people reached, %)",
        scale=alt.Scale(domainMin=0, domainMax=max(top * 1.18, 0.01), nice=False),
        axis=alt.Axis(format=".0%", tickCount=5, **GRID),
    )
    y = alt.Y(f"{by}:N", sort="-x", title=label)
    bars = base.mark_bar(color=ACCENT).encode(x=x, y=y, tooltip=[by, "items:Q"])
    text = base.mark_text(align="left", dx=4, color=MUTED).encode(
        x=x, y=y, text=alt.Text("engagement_rate:Q", format=".1%")
    )
    return _titled(
        alt.layer(bars, text),
        f"Engagement rate by {label.lower()}",
        "Likes, comments and shares per person reached",
        f"Bar chart of engagement rate by {label.lower()}, highest first. "
        + _list(parts, "No group has a known reach or views."),
    )


def activity_mix_chart(df: pd.DataFrame) -> alt.Chart:
    """Stacked bars of events per channel and kind (``channel``, ``kind``, ``events``) —
    e.g. ``events.groupby(["channel", "kind"]).size()`` as a frame."""
    require(df, {"channel": ANY, "kind": ANY, "events": NUMBER}, name="activity mix")
    data = df.assign(channel=df["channel"].astype(object).fillna("unspecified").astype(str))
    totals = data.groupby("channel")["events"].sum().sort_values(ascending=False)
    kinds = data.groupby("kind")["events"].sum().sort_values(ascending=False)
    description = (
        "Stacked bar chart of events by channel and kind. By channel: "
        + _list([f"{c}: {int(n):,}" for c, n in totals.items()], "no events.")
        + " By kind: "
        + _list([f"{k}: {int(n):,}" for k, n in kinds.items()], "no events.")
    )
    chart = (
        alt.Chart(data, width=WIDTH - 60, height=max(90, 32 * len(totals)))
        .mark_bar()
        .encode(
            x=alt.X("events:Q", title="Events (count)", stack="zero", axis=alt.Axis(**GRID)),
            y=alt.Y("channel:N", sort=list(totals.index), title="Channel"),
            color=alt.Color("kind:N", title="Kind", sort=list(kinds.index)),
            tooltip=["channel:N", "kind:N", alt.Tooltip("events:Q", format=",d")],
        )
    )
    return _titled(
        chart, "What members do, and where", "Events in the period by channel and kind", description
    )


def weekday_hour_chart(df: pd.DataFrame, tz: str = "UTC") -> alt.Chart:
    """Heatmap of ``metrics.engagement_by(content, ["weekday", "hour"], tz)``: engagement
    rate by publishing weekday and hour (``tz`` names the clock on the axis)."""
    require(
        df,
        {"weekday": ANY, "hour": NUMBER, "items": NUMBER, "engagement_rate": NUMBER},
        name="weekday × hour",
    )
    data = df[df["engagement_rate"].notna()].assign(weekday=lambda d: d["weekday"].astype(str))
    best = data.sort_values("engagement_rate", ascending=False).head(3)
    parts = [
        f"{w} {int(h):02d}:00 {r:.1%} ({int(n)} items)"
        for w, h, r, n in zip(
            best["weekday"], best["hour"], best["engagement_rate"], best["items"], strict=True
        )
    ]
    chart = (
        alt.Chart(data, width=WIDTH, height=200)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=f"Hour published ({tz})", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "weekday:O", title="Weekday", sort=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            ),
            color=alt.Color(
                "engagement_rate:Q",
                title="Engagement rate (%)",
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                "weekday:O",
                "hour:O",
                "items:Q",
                alt.Tooltip("engagement_rate:Q", format=".1%"),
            ],
        )
    )
    return _titled(
        chart,
        "When content engages",
        "Engagement rate by weekday and hour of publication; empty cells had no content",
        "Heatmap of engagement rate by publishing weekday and hour. Best slots: "
        + _list(parts, "none (no content with a known audience)."),
    )


def new_vs_returning_chart(df: pd.DataFrame) -> alt.Chart:
    """Stacked bars of ``metrics.new_vs_returning`` (``period_start``, ``new``,
    ``returning``) per week."""
    require(
        df, {"period_start": TIMESTAMP, "new": NUMBER, "returning": NUMBER}, name="new vs returning"
    )
    df = df.rename(columns={"period_start": "bucket"})
    long = df.assign(bucket=df["bucket"].dt.tz_localize(None)).melt(
        "bucket", ["returning", "new"], var_name="who", value_name="members"
    )
    parts = [
        f"{_day(b)}: {int(n)} new, {int(r)} returning"
        for b, n, r in zip(df["bucket"], df["new"], df["returning"], strict=True)
    ]
    chart = (
        alt.Chart(long, width=WIDTH, height=200)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(bucket):O",
                title="Week starting",
                axis=alt.Axis(format="%d %b", labelAngle=0),
            ),
            y=alt.Y(
                "members:Q", title="Active members (people)", stack="zero", axis=alt.Axis(**GRID)
            ),
            color=alt.Color(
                "who:N",
                title=None,
                sort=["new", "returning"],
                scale=alt.Scale(domain=["new", "returning"], range=["#dd6b20", ACCENT]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("who:N", sort="descending"),
            tooltip=["who:N", "members:Q"],
        )
    )
    return _titled(
        chart,
        "New and returning active members",
        "New = active in the week they joined",
        "Stacked bar chart of active members per week. " + _list(parts, "No weeks."),
    )


def retention_chart(df: pd.DataFrame, max_months: int = 12) -> alt.Chart:
    """Heatmap of ``metrics.cohort_retention``: share of each join-month cohort active N
    months later (``cohort``, ``members``, ``0`` … ``max_months``)."""
    require(df, {"cohort": ANY, "members": NUMBER}, name="cohort retention")
    months = [c for c in df.columns if str(c).isdigit() and int(c) <= max_months]
    long = df.melt(["cohort", "members"], months, var_name="month", value_name="retention")
    long = long.dropna(subset=["retention"]).assign(
        month=lambda d: d["month"].astype(int), label=lambda d: d["cohort"].astype(str)
    )
    long["label"] = long["label"] + " (" + long["members"].astype(int).astype(str) + ")"
    one = df[["cohort", "members", *[m for m in months if str(m) == "1"]]]
    parts = [
        f"{c} ({int(n)} members): {r:.0%} active the month after joining"
        for c, n, r in one.dropna().itertuples(index=False)
    ][-6:]
    base = alt.Chart(long, width=WIDTH - 80, height=max(120, 18 * len(df)))
    x = alt.X("month:O", title="Months after joining (0 = join month)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("label:N", title="Join month (members)", sort=None)
    cells = base.mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color(
            "retention:Q",
            title="Active (%)",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=["cohort:N", "members:Q", "month:O", alt.Tooltip("retention:Q", format=".0%")],
    )
    text = base.mark_text(fontSize=9).encode(
        x=x,
        y=y,
        text=alt.Text("retention:Q", format=".0%"),
        color=alt.condition("datum.retention > 0.5", alt.value("white"), alt.value("#1a202c")),
    )
    return _titled(
        alt.layer(cells, text),
        "Cohort retention",
        "Share of each join month's members active N months later",
        f"Heatmap of retention for {len(df)} join-month cohorts. Recent cohorts: "
        + _list(parts, "none with a month after joining yet."),
    )


def response_times_chart(df: pd.DataFrame, by: str = "category") -> alt.Chart:
    """Median and 90th-percentile first-reply time per group, from
    ``metrics.response_times(threads, by)``."""
    require(
        df,
        {by: ANY, "median_first_response_hours": NUMBER, "p90_first_response_hours": NUMBER},
        name="response times",
    )
    data = df.assign(**{by: df[by].astype(str)}).dropna(subset=["median_first_response_hours"])
    long = data.melt(
        by,
        ["median_first_response_hours", "p90_first_response_hours"],
        var_name="measure",
        value_name="hours",
    )
    long["measure"] = long["measure"].map(
        {"median_first_response_hours": "Median", "p90_first_response_hours": "90th percentile"}
    )
    parts = [
        f"{g}: median {m:.1f} h, 90th percentile {p:.1f} h"
        for g, m, p in zip(
            data[by],
            data["median_first_response_hours"],
            data["p90_first_response_hours"],
            strict=True,
        )
    ]
    chart = (
        alt.Chart(long, width=WIDTH - 80, height=max(90, 34 * len(data)))
        .mark_bar()
        .encode(
            x=alt.X("hours:Q", title="Time to first reply (hours)", axis=alt.Axis(**GRID)),
            y=alt.Y(f"{by}:N", title=by.replace("_", " ").capitalize()),
            yOffset=alt.YOffset("measure:N", sort=["Median", "90th percentile"]),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=["Median", "90th percentile"],
                scale=alt.Scale(range=[ACCENT, LIGHT]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[f"{by}:N", "measure:N", alt.Tooltip("hours:Q", format=".1f")],
        )
    )
    return _titled(
        chart,
        f"Time to first reply by {by.replace('_', ' ')}",
        "Half the answered threads got a reply within the median; 9 in 10 within the 90th",
        "Bar chart of first-reply times. " + _list(parts, "No answered threads."),
    )


def growth_chart(df: pd.DataFrame) -> alt.Chart:
    """Joins (up) and churned members (down) per month, from ``metrics.growth``
    (``period_start``, ``joins``, ``churned``)."""
    require(df, {"period_start": TIMESTAMP, "joins": NUMBER, "churned": NUMBER}, name="growth")
    df = df.rename(columns={"period_start": "bucket"})
    data = pd.DataFrame(
        {
            "bucket": df["bucket"].dt.tz_localize(None),
            "Joined": df["joins"].astype(int),
            "Left": -df["churned"].astype(int),
        }
    ).melt("bucket", var_name="change", value_name="members")
    parts = [
        f"{b:%b %Y}: {int(j)} joined, {int(c)} left"
        for b, j, c in zip(df["bucket"], df["joins"], df["churned"], strict=True)
    ]
    chart = (
        alt.Chart(data, width=WIDTH, height=200)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonth(bucket):O", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0)
            ),
            y=alt.Y("members:Q", title="Members joined (+) and left (−)", axis=alt.Axis(**GRID)),
            color=alt.Color(
                "change:N",
                title=None,
                scale=alt.Scale(domain=["Joined", "Left"], range=[GOOD, BAD]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["change:N", "members:Q"],
        )
    )
    return _titled(
        chart,
        "Members joining and leaving",
        "Leaving = account deleted or left the group; going quiet is not counted here",
        "Bar chart of joins and departures. " + _list(parts, "No months."),
    )


def rank_chart(
    df: pd.DataFrame, by: str = "content_type", metric_label: str = "Engagement rate"
) -> alt.Chart:
    """Estimates with intervals from ``metrics.rank(content, by)``; groups without enough
    items are drawn grey. Rates (``metric_label`` containing "rate") are shown in %."""
    require(
        df,
        {
            by: ANY,
            "items": NUMBER,
            "estimate": NUMBER,
            "low": NUMBER,
            "high": NUMBER,
            "enough_data": ANY,
        },
        name="ranking",
    )
    percent = "rate" in metric_label.lower()
    fmt = ".1%" if percent else ",.1f"
    data = df.assign(
        **{by: df[by].astype(str)},
        enough=df["enough_data"].map({True: "enough items", False: "too few items"}),
    )
    parts = [
        f"{g}: {format(e, fmt)} (interval {format(lo, fmt)}–{format(hi, fmt)}, {int(n)} items"
        + ("" if ok else ", too few to rank")
        + ")"
        for g, e, lo, hi, n, ok in zip(
            data[by],
            data["estimate"],
            data["low"],
            data["high"],
            data["items"],
            data["enough_data"],
            strict=True,
        )
    ]
    unit = " (%)" if percent else ""
    base = alt.Chart(data, width=WIDTH - 80, height=max(90, 30 * len(data)))
    y = alt.Y(f"{by}:N", sort=list(data[by]), title=by.replace("_", " ").capitalize())
    x_axis = alt.Axis(format=".0%" if percent else ",", **GRID)
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X(
            "low:Q", title=f"{metric_label} per item, estimate and 90% interval{unit}", axis=x_axis
        ),
        x2="high:Q",
        y=y,
        color=alt.Color(
            "enough:N",
            title=None,
            scale=alt.Scale(domain=["enough items", "too few items"], range=[ACCENT, LIGHT]),
            legend=alt.Legend(orient="top"),
        ),
    )
    point = base.mark_point(filled=True, size=70).encode(
        x="estimate:Q",
        y=y,
        color=alt.Color(
            "enough:N",
            legend=None,
            scale=alt.Scale(domain=["enough items", "too few items"], range=[ACCENT, LIGHT]),
        ),
        tooltip=[f"{by}:N", "items:Q", alt.Tooltip("estimate:Q", format=fmt)],
    )
    return _titled(
        alt.layer(rule, point),
        f"{metric_label} by {by.replace('_', ' ')}, with uncertainty",
        "Dots are estimates pulled toward the average when items are few; lines are intervals",
        "Ranking chart, best first. " + _list(parts, "No groups."),
    )


def score_trend_chart(
    df: pd.DataFrame, x: str, *, title: str, x_title: str, metric: str = "NPS"
) -> alt.Chart:
    """A score (NPS in points or CSAT in %) with its interval over waves or months, from
    ``commbook.feedback.breakdown`` (``x``, ``n``, ``score``, ``ci_low``, ``ci_high``)."""
    require(
        df, {x: ANY, "n": NUMBER, "score": NUMBER, "ci_low": NUMBER, "ci_high": NUMBER}, name=title
    )
    data = df[df["n"] > 0].copy()
    if isinstance(data[x].dtype, pd.DatetimeTZDtype):
        data[x] = data[x].dt.strftime("%b %Y")
    data[x] = data[x].astype(str)
    unit = "points" if metric == "NPS" else "%"
    parts = [
        f"{k}: {s:.0f} (interval {lo:.0f} to {hi:.0f}, {int(n)} answers)"
        for k, s, lo, hi, n in zip(
            data[x], data["score"], data["ci_low"], data["ci_high"], data["n"], strict=True
        )
    ]
    order = list(data[x])
    base = alt.Chart(data, width=WIDTH - 40, height=220)
    xx = alt.X(f"{x}:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0))
    band = base.mark_rule(color=LIGHT, strokeWidth=6, opacity=0.6).encode(
        x=xx,
        y=alt.Y("ci_low:Q", title=f"{metric} ({unit}), with 95% interval", axis=alt.Axis(**GRID)),
        y2="ci_high:Q",
    )
    line = base.mark_line(color=ACCENT, point=alt.OverlayMarkDef(color=ACCENT, size=60)).encode(
        x=xx, y="score:Q", tooltip=[f"{x}:N", "n:Q", alt.Tooltip("score:Q", format=".1f")]
    )
    text = base.mark_text(dy=-12, color=MUTED).encode(
        x=xx, y="score:Q", text=alt.Text("score:Q", format=".0f")
    )
    return _titled(
        alt.layer(band, line, text),
        title,
        "Grey bars: 95% interval — the fewer the answers, the longer the bar",
        f"Line chart of {metric}. " + _list(parts, "No answers."),
    )


def score_breakdown_chart(df: pd.DataFrame, by: str, *, metric: str = "NPS") -> alt.Chart:
    """Score with interval per group from ``commbook.feedback.breakdown(by=…)``; groups
    flagged ``small`` are drawn grey and named in the description."""
    require(
        df,
        {by: ANY, "n": NUMBER, "score": NUMBER, "ci_low": NUMBER, "ci_high": NUMBER, "small": ANY},
        name="breakdown",
    )
    data = df[df["n"] > 0].assign(
        **{by: lambda d: d[by].astype(str)},
        size=lambda d: d["small"].map({True: "small group", False: "enough answers"}),
    )
    unit = "points" if metric == "NPS" else "%"
    parts = [
        f"{g}: {s:.0f} ({int(n)} answers{', small group — read with care' if small else ''})"
        for g, s, n, small in zip(data[by], data["score"], data["n"], data["small"], strict=True)
    ]
    colors = alt.Scale(domain=["enough answers", "small group"], range=[ACCENT, LIGHT])
    base = alt.Chart(data, width=WIDTH - 100, height=max(90, 30 * len(data)))
    y = alt.Y(f"{by}:N", sort=list(data[by]), title=by.replace("_", " ").capitalize())
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=f"{metric} ({unit}), with 95% interval", axis=alt.Axis(**GRID)),
        x2="ci_high:Q",
        y=y,
        color=alt.Color("size:N", title=None, scale=colors, legend=alt.Legend(orient="top")),
    )
    dot = base.mark_point(filled=True, size=70).encode(
        x="score:Q",
        y=y,
        color=alt.Color("size:N", scale=colors, legend=None),
        tooltip=[f"{by}:N", "n:Q", alt.Tooltip("score:Q", format=".1f")],
    )
    return _titled(
        alt.layer(rule, dot),
        f"{metric} by {by.replace('_', ' ')}",
        "Grey: fewer answers than needed for a stable score",
        f"Dot chart of {metric} by {by.replace('_', ' ')}, largest group first. "
        + _list(parts, "No answers."),
    )


def likert_chart(distribution: pd.DataFrame, question: str = "") -> alt.Chart:
    """Stacked 100 % bar per question of ``likert_distribution(...).distribution``
    (``question``, ``level``, ``label``, ``share``)."""
    require(
        distribution,
        {"question": ANY, "level": NUMBER, "label": ANY, "share": NUMBER, "count": NUMBER},
        name="likert",
    )
    data = distribution.assign(question=distribution["question"].astype(str))
    labels = list(dict.fromkeys(data.sort_values("level")["label"].astype(str)))
    parts = [
        f"{lab}: {s:.0%} ({int(c)})"
        for lab, s, c in zip(data["label"], data["share"], data["count"], strict=True)
    ]
    palette = ["#c53030", "#fc8181", "#cbd5e0", "#90cdf4", "#2b6cb0"]
    if len(labels) != 5:
        palette = None
    chart = (
        alt.Chart(data, width=WIDTH - 60, height=max(60, 40 * data["question"].nunique()))
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                title="Share of answers (%)",
                stack="normalize",
                axis=alt.Axis(format=".0%"),
            ),
            y=alt.Y("question:N", title=None),
            color=alt.Color(
                "label:N",
                title=None,
                sort=labels,
                scale=alt.Scale(domain=labels, range=palette) if palette else alt.Undefined,
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("level:Q"),
            tooltip=["label:N", "count:Q", alt.Tooltip("share:Q", format=".0%")],
        )
    )
    return _titled(
        chart,
        "How members answered" + (f": {question}" if question else ""),
        "Share of answers at each level, disagree on the left",
        "Stacked bar of answers by level. " + _list(parts, "No answers."),
    )


def sentiment_chart(df: pd.DataFrame, x: str, x_title: str) -> alt.Chart:
    """Stacked 100 % bars of comment sentiment per ``x`` (``x``, ``label``, ``comments``),
    e.g. per survey wave."""
    require(df, {x: ANY, "label": ANY, "comments": NUMBER}, name="sentiment")
    data = df.assign(**{x: df[x].astype(str), "label": df["label"].astype(str)})
    totals = data.groupby(x, sort=False)["comments"].sum()
    parts = []
    for key, total in totals.items():
        rows = data[data[x] == key]
        shares = ", ".join(
            f"{lab} {c / total:.0%}"
            for lab, c in zip(rows["label"], rows["comments"], strict=True)
            if total
        )
        parts.append(f"{key}: {int(total)} comments ({shares})")
    order = ["negative", "neutral", "positive"]
    chart = (
        alt.Chart(data, width=WIDTH - 60, height=max(60, 32 * len(totals)))
        .mark_bar()
        .encode(
            x=alt.X(
                "comments:Q",
                stack="normalize",
                title="Share of comments (%)",
                axis=alt.Axis(format=".0%"),
            ),
            y=alt.Y(f"{x}:N", title=x_title, sort=list(totals.index)),
            color=alt.Color(
                "label:N",
                title=None,
                sort=order,
                scale=alt.Scale(domain=order, range=[SENTIMENT_COLORS[k] for k in order]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[f"{x}:N", "label:N", "comments:Q"],
        )
        .transform_calculate(order="indexof(['negative','neutral','positive'], datum.label)")
    )
    return _titled(
        chart,
        "Tone of the comments",
        "VADER sentiment of each free-text comment",
        "Stacked bar chart of comment sentiment. " + _list(parts, "No comments."),
    )


def themes_chart(df: pd.DataFrame) -> alt.Chart:
    """Bars of theme sizes coloured by mean sentiment, from ``ThemeModel.to_frame()``
    (``label``, ``size``, ``mean_sentiment``)."""
    require(df, {"label": ANY, "size": NUMBER, "mean_sentiment": NUMBER}, name="themes")
    data = df.assign(label=df["label"].astype(str))
    parts = [
        f"{lab}: {int(n)} comments, mean sentiment {s:+.2f}"
        for lab, n, s in zip(data["label"], data["size"], data["mean_sentiment"], strict=True)
    ]
    base = alt.Chart(data, width=WIDTH - 160, height=max(90, 30 * len(data)))
    y = alt.Y("label:N", sort="-x", title="Theme (top words)")
    x = alt.X("size:Q", title="Comments (count)", axis=alt.Axis(tickMinStep=1, **GRID))
    bars = base.mark_bar().encode(
        x=x,
        y=y,
        color=alt.Color(
            "mean_sentiment:Q",
            title="Mean sentiment (−1 to +1)",
            scale=alt.Scale(domain=[-1, 0, 1], range=[BAD, "#e2e8f0", GOOD]),
        ),
        tooltip=["label:N", "size:Q", alt.Tooltip("mean_sentiment:Q", format="+.2f")],
    )
    text = base.mark_text(align="left", dx=4, color=MUTED).encode(x=x, y=y, text="size:Q")
    return _titled(
        alt.layer(bars, text),
        "What members write about",
        "Themes found in the comments; red = mostly complaints, green = mostly praise",
        "Bar chart of comment themes, largest first. " + _list(parts, "No themes."),
    )


# --- trends in the stakeholder report ---------------------------------------------------------

TREND_HIGHLIGHT = "#e6effa"
PANEL_WIDTH = 255
PANEL_HEIGHT = 105
_UNIT_TITLES = {"members": "Members", "%": "Percent", "hours": "Hours", "points": "Points"}


def _unit_text(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def _runs(values: pd.Series) -> list[int]:
    """An id per run of consecutive known values, so lines break at every gap."""
    run, out, previous = 0, [], False
    for known in values.notna():
        if known and not previous:
            run += 1
        out.append(run if known else 0)
        previous = known
    return out


def _month_axis(months: list[pd.Timestamp]) -> tuple[list[str], dict[str, str]]:
    """Domain keys (``2026-10``) and tick labels: the month, with the year under each
    January and under the first month — unless a January follows within two months, where
    two years side by side would run together ("20252026")."""
    keys = [f"{m:%Y-%m}" for m in months]
    january_soon = any(m.month == 1 for m in months[1:3])

    def with_year(i: int, m: pd.Timestamp) -> bool:
        return m.month == 1 or (i == 0 and not january_soon)

    labels = {
        k: (f"{m:%b}|{m:%Y}" if with_year(i, m) else f"{m:%b}")
        for i, (k, m) in enumerate(zip(keys, months, strict=True))
    }
    return keys, labels


def _trend_panel(rows: pd.DataFrame, keys: list[str], labels: dict[str, str], title: str,
                 subtitle: str) -> alt.LayerChart:  # fmt: skip
    unit = str(rows["unit"].iloc[0])
    data = pd.DataFrame(
        {
            "month": keys,
            "value": rows["value"].astype("float64").to_numpy(),
            "in_period": rows["in_period"].astype(bool).to_numpy(),
        }
    )
    data["run"] = _runs(data["value"])
    data["shown"] = [_unit_text(v, unit) if pd.notna(v) else "no data" for v in data["value"]]
    expr = " : ".join(f"datum.value == '{k}' ? split('{labels[k]}', '|')" for k in keys)
    x = alt.X(
        "month:O",
        title=None,
        scale=alt.Scale(domain=keys, paddingInner=0.05),
        axis=alt.Axis(labelAngle=0, labelExpr=f"{expr} : datum.label", labelFontSize=9,
                      labelPadding=3, ticks=False),
    )  # fmt: skip
    top = float(data["value"].max()) if data["value"].notna().any() else 1.0
    y = alt.Y(
        "value:Q",
        title=_UNIT_TITLES.get(unit, unit.capitalize()),
        scale=alt.Scale(domainMin=0, domainMax=max(top * 1.15, 1e-9), nice=False),
        axis=alt.Axis(tickCount=4, format=".1~f" if unit == "hours" else ",.0f", **GRID),
    )
    base = alt.Chart(data, width=PANEL_WIDTH, height=PANEL_HEIGHT)
    band = base.transform_filter("datum.in_period").mark_rect(color=TREND_HIGHLIGHT).encode(x=x)
    known = base.transform_filter("isValid(datum.value)")
    line = known.mark_line(color=ACCENT, strokeWidth=2).encode(x=x, y=y, detail="run:N")
    dots = known.mark_circle(size=34, opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color(
            "in_period:N", scale=alt.Scale(domain=[False, True], range=[ACCENT, "#1a365d"]),
            legend=None,
        ),
        size=alt.Size("in_period:N", scale=alt.Scale(domain=[False, True], range=[28, 70]),
                      legend=None),
    )  # fmt: skip
    return alt.layer(band, line, dots).properties(title=alt.Title(title, subtitle=subtitle))


def monthly_trends_chart(
    trends: pd.DataFrame, notes: dict[str, str] | None = None, columns: int = 2
) -> alt.Chart:
    """Small multiples of monthly values, one panel per metric, the report period shaded.

    ``trends``: rows ``label`` (the panel's title, panels in order of appearance),
    ``unit`` (catalog unit), ``month`` (timestamp of the month's start, the same months
    for every metric), ``value`` (NaN: no data, drawn as a gap) and ``in_period``.
    ``notes``: a subtitle per label (e.g. the latest value).
    """
    require(
        trends,
        {"label": ANY, "unit": ANY, "month": TIMESTAMP, "value": NUMBER, "in_period": ANY},
        name="monthly trends",
    )
    notes = notes or {}
    labels_in_order = list(dict.fromkeys(trends["label"]))
    months = list(dict.fromkeys(trends["month"]))
    local = [m.tz_localize(None) if m.tzinfo else m for m in months]
    keys, tick_labels = _month_axis(local)
    panels, said = [], []
    for label in labels_in_order:
        rows = trends[trends["label"] == label]
        unit = str(rows["unit"].iloc[0])
        panels.append(_trend_panel(rows, keys, tick_labels, label, notes.get(label, "")))
        values = [
            f"{m:%b %Y} {_unit_text(v, unit) if pd.notna(v) else 'no data'}"
            for m, v in zip(local, rows["value"], strict=True)
        ]
        said.append(f"{label}: " + ", ".join(values))
    highlighted = [m for m, p in zip(local, trends.drop_duplicates("month")["in_period"],
                                     strict=True) if p]  # fmt: skip
    span = f"{local[0]:%b %Y} – {local[-1]:%b %Y}" if local else "no months"
    shaded = (
        f"shaded: {highlighted[0]:%b %Y}"
        + (f" – {highlighted[-1]:%b %Y}" if len(highlighted) > 1 else "")
        if highlighted
        else "the period is shorter than a month"
    )
    description = (
        f"Small line charts of {len(panels)} headline metrics per month, {span} "
        f"({shaded}); gaps are months without data. " + "; ".join(said) + "."
    )
    chart = alt.concat(*panels, columns=columns, spacing=26).properties(
        title=alt.Title("Headline metrics, month by month", subtitle=f"{span} · {shaded}"),
        description=description,
    )
    return (
        _style(chart)
        .configure_concat(spacing=26)
        .configure_title(anchor="start", fontSize=15, subtitleColor=MUTED, subtitleFontSize=11)
    )


@dataclass(frozen=True)
class ObjectivePanel:
    """One objective for :func:`objective_paths_chart`: its measured ``points`` (``day``
    as a date, ``value``) and the expected path — ``baseline`` on ``start`` to ``target``
    on ``due`` (``maintain``: the target, with a ±5 % band)."""

    title: str
    subtitle: str
    unit: str
    points: pd.DataFrame
    start: dt.date
    due: dt.date
    baseline: float
    target: float
    as_of: dt.date
    maintain: bool = False


def _objective_panel(p: ObjectivePanel) -> alt.LayerChart:
    require(p.points, {"day": ANY, "value": NUMBER}, name="objective points")
    points = pd.DataFrame(
        {"day": [f"{d:%Y-%m-%d}" for d in p.points["day"]], "value": p.points["value"]}
    )
    x = alt.X(
        "day:T",
        title=None,
        scale=alt.Scale(type="utc", domain=[f"{p.start:%Y-%m-%d}", f"{p.due:%Y-%m-%d}"]),
        axis=alt.Axis(
            tickCount=5,
            labelFontSize=9,
            labelFlush=True,
            labelExpr="[utcFormat(datum.value, '%b'), datum.index == 0 || "
            "utcFormat(datum.value, '%m') == '01' ? utcFormat(datum.value, '%Y') : '']",
        ),
    )
    y_title = _UNIT_TITLES.get(p.unit, p.unit.capitalize() or "Value")
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False, nice=True),
              axis=alt.Axis(tickCount=4, **GRID))  # fmt: skip
    layers: list[Any] = []
    if p.maintain:
        band = 0.05 * abs(p.target) or 0.05
        frame = pd.DataFrame(
            {"day": [f"{p.start:%Y-%m-%d}"], "end": [f"{p.due:%Y-%m-%d}"],
             "low": [p.target - band], "high": [p.target + band]}
        )  # fmt: skip
        layers.append(
            alt.Chart(frame).mark_rect(color=TREND_HIGHLIGHT)
            .encode(x=x, x2="end:T", y=alt.Y("low:Q", title=y_title), y2="high:Q")
        )  # fmt: skip
        expected = [(p.start, p.target), (p.due, p.target)]
    else:
        expected = [(p.start, p.baseline), (p.due, p.target)]
    path = pd.DataFrame(
        {"day": [f"{d:%Y-%m-%d}" for d, _ in expected], "value": [v for _, v in expected]}
    )
    layers.append(
        alt.Chart(path).mark_line(color=LIGHT, strokeDash=[5, 4], strokeWidth=2).encode(x=x, y=y)
    )
    today = pd.DataFrame({"day": [f"{p.as_of:%Y-%m-%d}"]})
    layers.append(alt.Chart(today).mark_rule(color="#cbd5e0").encode(x=x))
    if len(points):
        base = alt.Chart(points)
        layers.append(base.mark_line(color=ACCENT, strokeWidth=2).encode(x=x, y=y))
        layers.append(base.mark_circle(color=ACCENT, size=22, opacity=1).encode(x=x, y=y))
    return alt.layer(*layers).properties(
        width=PANEL_WIDTH, height=PANEL_HEIGHT + 15, title=alt.Title(p.title, subtitle=p.subtitle)
    )


def objective_paths_chart(panels: list[ObjectivePanel], columns: int = 2) -> alt.Chart:
    """Objectives side by side, each its weekly values (blue) against the expected path
    (grey dashes, baseline at the start to target on the due date); a light rule marks
    the day they are judged."""
    parts = []
    for p in panels:
        values = ", ".join(
            f"{d:%-d %b %Y} {_unit_text(v, p.unit)}"
            for d, v in zip(p.points["day"], p.points["value"], strict=True)
        )
        goal = (
            f"stay at {_unit_text(p.target, p.unit)} (±5%)"
            if p.maintain
            else f"go from {_unit_text(p.baseline, p.unit)} on {p.start:%-d %b %Y} to "
            f"{_unit_text(p.target, p.unit)} by {p.due:%-d %b %Y}"
        )
        parts.append(
            f"{p.title} ({p.subtitle}), expected to {goal}: " + (values or "no measured value yet")
        )
    description = (
        "Line charts of objectives' values every week against their expected path. "
        + _list(parts, "No objectives.")
    )
    chart = alt.concat(*[_objective_panel(p) for p in panels], columns=columns).properties(
        description=description
    )
    return (
        _style(chart)
        .configure_concat(spacing=26)
        .configure_title(anchor="start", fontSize=13, subtitleColor=MUTED, subtitleFontSize=10.5)
    )
