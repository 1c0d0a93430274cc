"""The content effectiveness section."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from commbook import charts, metrics
from commbook.metrics.effectiveness import CONFIDENCE, interval_text, value_text
from commbook.reports import blocks
from commbook.reports.data import RANKING_MONTHS, ReportData, _months_before
from commbook.reports.sections._common import (
    Section,
    _type_name,
    metrics_in,
    nothing_known,
    period_name,
    type_title,
)

MIN_AUDIENCE = 50  # items reaching fewer people are left out of best / weakest items
RANKED_METRICS = ("engagement_rate", "comments", "shares")


def ranking_window(
    start: pd.Timestamp, end: pd.Timestamp, tz: dt.tzinfo
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The items the ranking covers: the period itself when it spans at least
    ``RANKING_MONTHS`` calendar months (a half-year, a year), else the last
    ``RANKING_MONTHS`` months ending at the period's end (so each type has enough items).
    Either way the window contains the whole period."""
    months = _months_before(end, RANKING_MONTHS, tz)
    return (start, end) if start <= months else (months, end)


def content_section(data: ReportData) -> Section:
    """Content effectiveness: engagement by type over exactly the period, the ranking
    with uncertainty and the recommendations over :func:`ranking_window` (named with its
    dates), and the period's best and weakest items."""
    s = Section("content", "Content effectiveness")
    s.add(
        blocks.section_title(
            "Content effectiveness",
            "The engagement rate is likes, comments and shares per person reached (per view "
            "where reach is unknown). Use it to compare formats and topics.",
        )
    )
    period = data.content[metrics_in(data.content["published_at"], data.start, data.end)]
    engagement = metrics.engagement_by_type(period)
    s.facts["items"] = len(period)
    s.facts["engagement_by_type"] = engagement
    if period.empty:
        s.add(
            nothing_known(data)
            or blocks.notice(f"No content was published in {data.period.title}.")
        )
    else:
        s.add(blocks.subtitle(f"Engagement by content type, {data.period.title}"))
        if engagement["engagement_rate"].notna().any():
            s.add(charts.engagement_by_type_chart(engagement))
        s.add(
            blocks.table(
                engagement.assign(content_type=engagement["content_type"].map(type_title)),
                {"content_type": "Content type", "items": "Items", "reach": "Reach",
                 "interactions": "Interactions", "engagement_rate": "Engagement rate"},
                {"items": blocks.integer, "reach": blocks.integer,
                 "interactions": blocks.integer, "engagement_rate": blocks.percent},
            )
        )  # fmt: skip
    _ranking(s, data, period)
    _best_and_weakest(s, period)
    return s


def _ranking(s: Section, data: ReportData, period: pd.DataFrame) -> None:
    """The ranking, the recommendations and the window they cover."""
    lo, hi = ranking_window(data.start, data.end, data.tz)
    label = period_name(lo, hi, data.tz)
    s.facts["ranking_window"] = (lo, hi)
    s.facts["ranking_window_label"] = label
    if (lo, hi) == (data.start, data.end):
        where = f"Ranked over the period itself, {label}."
    else:
        where = f"Ranked over {label} so each type has enough items."
    s.add(
        blocks.subtitle(
            "What worked, what did not",
            f"{where} The estimated rate is a typical item's rate (each item counts once, "
            "unlike an overall rate, where items that reach more people weigh more), "
            "pulled toward the average when a type has few or very spread-out items. Types "
            f"with fewer than {metrics.effectiveness.MIN_ITEMS} items are not ranked; equal "
            "estimates share a rank.",
        )
    )
    window = data.content[metrics_in(data.content["published_at"], lo, hi)]
    if window.empty:
        s.add(blocks.notice(f"No content was published in {label}."))
        s.facts["ranking"] = pd.DataFrame()
        s.facts["recommendations"] = []
        return
    in_period = period["content_type"].astype("string").fillna("unspecified").value_counts()
    ranking = metrics.rank(window, "content_type", "engagement_rate", data.tz)
    ranking = ranking.assign(
        window=label,
        period_items=ranking["content_type"].map(in_period).fillna(0).astype("int64"),
    )
    recs = [
        replace(r, window=label, period_items=len(period))
        for r in metrics.recommendations(window, "content_type", RANKED_METRICS, data.tz)
    ]
    s.facts["ranking"] = ranking
    s.facts["recommendations"] = recs
    s.add(blocks.bullets(r.text for r in recs))
    s.add(
        blocks.rich_table(
            ["Rank", "Content type", "Items", "Estimated rate", f"{CONFIDENCE:.0%} interval"],
            [
                [
                    "—" if pd.isna(r.rank) else int(r.rank),
                    type_title(r.content_type),
                    f"{r.items:,}",
                    value_text(r.estimate, "engagement_rate"),
                    interval_text(r.low, r.high, "engagement_rate"),
                ]
                for r in ranking.itertuples()
            ],
            numeric=(0, 2, 3, 4),
        )
    )


def _best_and_weakest(s: Section, period: pd.DataFrame) -> None:
    """This period's three best and three weakest items (enough audience to judge)."""
    if period.empty:
        return
    items = metrics.engagement_items(period)
    known = items[items["audience"] >= MIN_AUDIENCE].sort_values("engagement_rate", ascending=False)
    if len(known) >= 4:
        s.add(blocks.subtitle("Best and weakest items this period"))
        picks = pd.concat([known.head(3), known.tail(3)]).drop_duplicates("content_id")
        s.add(
            blocks.rich_table(
                ["", "Title", "Type", "Channel", "Engagement"],
                [
                    [
                        "Best" if i < min(3, len(known) - 3) else "Weakest",
                        r.title,
                        _type_name(r.content_type),
                        r.channel or "",
                        f"{r.engagement_rate:.1%}",
                    ]
                    for i, r in enumerate(picks.itertuples())
                ],
                numeric=(4,),
            )
        )
        s.facts["best_item"] = known.iloc[0]["title"]
