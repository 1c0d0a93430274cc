"""Altair chart builders for reports and apps: titled, labelled, described, offline.

Each builder takes the DataFrame a metric returns and gives back an ``alt.Chart``. Every
chart carries a ``description`` that reads its numbers in words; the report renderer uses
it as the image's alt text. Call :func:`enable_offline` once before displaying charts in a
report so they are drawn to SVG locally (vl-convert) instead of by JavaScript from a CDN.
"""

from __future__ import annotations

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


def weekly_active_chart(df: pd.DataFrame) -> alt.Chart:
    """Bar chart of ``weekly_active_members`` output (``week_start``, ``active_members``)."""
    require(df, {"week_start": TIMESTAMP, "active_members": NUMBER}, name="weekly active")
    data = pd.DataFrame(
        {
            "week": [f"{ts.day} {ts:%b}" for ts in df["week_start"]],
            "active_members": df["active_members"].astype("int64"),
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
        x=x, y=y
    )
    labels = base.mark_text(dy=-6, color=MUTED, fontSize=11).encode(
        x=x, y=y, text=alt.Text("active_members:Q", format=",")
    )
    chart = alt.layer(bars, labels).properties(
        title=alt.Title(
            "Weekly active members",
            subtitle="Members who posted, replied, commented, reacted or shared that week",
        ),
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
