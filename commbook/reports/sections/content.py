"""The content effectiveness section."""

from __future__ import annotations

import pandas as pd

from commbook import charts, metrics
from commbook.reports import blocks
from commbook.reports.data import RANKING_MONTHS, ReportData, _months_before
from commbook.reports.sections._common import Section, _type_name, metrics_in

MIN_AUDIENCE = 50  # items reaching fewer people are left out of best / weakest items


def content_section(data: ReportData) -> Section:
    """Content effectiveness: engagement by type this period, the ranking with
    uncertainty and the recommendations over the last months, best and weakest items."""
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
        s.add(blocks.notice(f"No content was published in {data.period.title}."))
    else:
        if engagement["engagement_rate"].notna().any():
            s.add(charts.engagement_by_type_chart(engagement))
        s.add(
            blocks.table(
                engagement.assign(content_type=engagement["content_type"].map(_type_name)),
                {"content_type": "Content type", "items": "Items", "reach": "Reach",
                 "interactions": "Interactions", "engagement_rate": "Engagement rate"},
                {"items": blocks.integer, "reach": blocks.integer,
                 "interactions": blocks.integer, "engagement_rate": blocks.percent},
            )
        )  # fmt: skip
    window = f"the last {RANKING_MONTHS} months"
    s.add(
        blocks.subtitle(
            "What worked, what did not",
            f"Over {window}, so that each type has enough items. Estimates are pulled "
            "toward the average when a type has few items; types with fewer than "
            f"{metrics.effectiveness.MIN_ITEMS} items are not ranked.",
        )
    )
    recent = data.content[
        metrics_in(
            data.content["published_at"],
            _months_before(data.end, RANKING_MONTHS, data.tz),
            data.end,
        )
    ]
    if recent.empty:
        s.add(blocks.notice(f"No content was published in {window}."))
        s.facts["ranking"] = pd.DataFrame()
        s.facts["recommendations"] = []
        _best_and_weakest(s, period)
        return s
    ranking = metrics.rank(recent, "content_type", "engagement_rate", data.tz)
    recs = metrics.recommendations(
        recent, "content_type", ("engagement_rate", "comments", "shares"), data.tz
    )
    s.facts["ranking"] = ranking
    s.facts["recommendations"] = recs
    s.add(blocks.bullets(r.text for r in recs))
    s.add(
        blocks.rich_table(
            ["Rank", "Content type", "Items", "Estimated rate", "90% interval"],
            [
                [
                    "—" if pd.isna(r.rank) else int(r.rank),
                    _type_name(r.content_type),
                    f"{r.items:,}",
                    f"{r.estimate:.1%}",
                    f"{max(r.low, 0):.1%} – {r.high:.1%}",
                ]
                for r in ranking.itertuples()
            ],
            numeric=(0, 2, 3, 4),
        )
    )
    _best_and_weakest(s, period)
    return s


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
