"""Content engagement, effectiveness ranking and recommendations against hand-made examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commbook import metrics
from commbook.errors import ValidationError

CONTENT = pd.DataFrame(
    {
        "content_id": [1, 2, 3, 4],
        "content_type": ["video", "poll", "poll", "article"],
        "channel": ["blog", "forum", "forum", None],
        "campaign": ["launch", "launch", None, "launch"],
        "published_at": pd.to_datetime(
            [
                "2026-10-05T16:30Z",  # Mon 18:30 Paris
                "2026-10-06T16:10Z",  # Tue 18:10 Paris
                "2026-10-06T22:30Z",  # Wed 00:30 Paris (Tue 22:30 UTC)
                "2026-10-07T08:00Z",  # Wed 10:00 Paris
            ],
            utc=True,
        ),
        "reach": [1000, 200, None, None],
        "views": [None, 900, 400, None],
        "likes": [50, 30, 10, 3],
        "comments": [10, 6, 10, 1],
        "shares": [5, 0, None, 0],
    }
)


def test_engagement_items_per_item() -> None:
    items = metrics.engagement_items(CONTENT)
    assert items["interactions"].tolist() == [65, 36, 20, 4]
    assert items["audience"].tolist()[:3] == [1000, 200, 400]  # reach, else views
    assert items["engagement_rate"].tolist()[:3] == pytest.approx([0.065, 0.18, 0.05])
    assert math.isnan(items["engagement_rate"].iloc[3])


def test_engagement_by_channel_campaign_and_local_weekday_hour() -> None:
    by_channel = metrics.engagement_by(CONTENT, "channel").set_index("channel")
    # forum: (36 + 20) / (200 + 400)
    assert by_channel.loc["forum", "engagement_rate"] == pytest.approx(56 / 600)
    assert by_channel.loc["forum", "items"] == 2
    assert by_channel.loc["unspecified", "interactions"] == 4
    by_campaign = metrics.engagement_by(CONTENT, "campaign").set_index("campaign")
    assert by_campaign.loc["launch", "engagement_rate"] == pytest.approx((65 + 36) / 1200)
    paris = metrics.engagement_by(CONTENT, ["weekday", "hour"], tz="Europe/Paris")
    cells = {(str(r.weekday), r.hour): r.items for r in paris.itertuples()}
    assert cells == {("Mon", 18): 1, ("Tue", 18): 1, ("Wed", 0): 1, ("Wed", 10): 1}
    utc = metrics.engagement_by(CONTENT, "weekday", tz="UTC").set_index("weekday")
    assert utc.loc["Tue", "items"] == 2
    assert list(paris.columns[:2]) == ["weekday", "hour"]


def test_engagement_by_content_segment_mapping() -> None:
    out = metrics.engagement_by(CONTENT, "segment", segments={1: "pros", 2: "pros", 3: "new"})
    out = out.set_index("segment")
    assert out.loc["pros", "engagement_rate"] == pytest.approx((65 + 36) / 1200)
    assert out.loc["unspecified", "items"] == 1  # item 4 has no segment
    with pytest.raises(ValidationError, match="segment"):
        metrics.engagement_by(CONTENT, "segment")


def test_engagement_by_member_segment() -> None:
    events = pd.DataFrame(
        {
            "member_id": pd.array([1, 1, 2, 3, 3, 4, None], dtype="Int64"),
            "kind": ["reaction", "view", "comment", "share", "reply", "reaction", "reaction"],
        }
    )
    out = metrics.engagement_by_member_segment(events, {1: "EU", 2: "EU", 3: "NA", 5: "NA"})
    out = out.set_index("segment")
    assert out.loc["EU"].to_dict() == {
        "members": 2,
        "active_members": 2,
        "views": 1,
        "reactions": 1,
        "comments": 1,
        "shares": 0,
        "interactions": 2,
        "interactions_per_member": 1.0,
    }
    assert (out.loc["NA", "comments"], out.loc["NA", "shares"]) == (1, 1)  # reply + share
    assert out.loc["NA", "active_members"] == 1  # member 5 did nothing


def test_engagement_by_type_is_unchanged_for_existing_callers() -> None:
    out = metrics.engagement_by_type(CONTENT)
    assert list(out.columns) == [
        "content_type",
        "items",
        "reach",
        "interactions",
        "engagement_rate",
    ]
    assert out["content_type"].tolist() == ["poll", "video", "article"]


def _items(content_type: str, comments: list[int], channel: str = "forum") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "content_type": content_type,
            "channel": channel,
            "reach": 100,
            "views": None,
            "likes": 0,
            "comments": comments,
            "shares": 0,
        }
    )


def test_rank_shrinks_group_means_by_hand() -> None:
    content = pd.concat(
        [_items("a", [0, 2]), _items("b", [2, 4, 2, 4]), _items("c", [5, 7])], ignore_index=True
    )
    out = metrics.rank(content, "content_type", "comments", min_items=2)
    # grand mean 26/8 = 3.25; pooled within variance (2 + 3·4/3 + 2) / 5 = 1.6;
    # between: (Σ n(m − 3.25)² − 2 · 1.6) / (8 − 24/8) = (25.5 − 3.2) / 5 = 4.46
    w2, w4 = 4.46 / (4.46 + 0.8), 4.46 / (4.46 + 0.4)
    assert out["content_type"].tolist() == ["c", "b", "a"]
    assert out["estimate"].tolist() == pytest.approx(
        [3.25 + 2.75 * w2, 3.25 - 0.25 * w4, 3.25 - 2.25 * w2]
    )
    assert out["mean"].tolist() == pytest.approx([6, 3, 1])
    assert (out["low"] < out["estimate"]).all() and (out["estimate"] < out["high"]).all()
    assert out["rank"].tolist() == [1, 2, 3]


def test_two_lucky_posts_do_not_top_the_ranking() -> None:
    content = pd.concat(
        [
            _items("poll", [9, 10, 11, 9, 10, 11]),
            _items("article", [4, 5, 6, 5, 4, 6, 5, 5]),
            _items("video", [50, 60]),
        ],
        ignore_index=True,
    )
    out = metrics.rank(content, "content_type", "comments")
    assert out["content_type"].tolist() == ["poll", "article", "video"]
    assert out["rank"].tolist() == [1, 2, pd.NA]
    assert out["enough_data"].tolist() == [True, True, False]

    found = metrics.recommendations(content, "content_type", ["comments", "engagement_rate"])
    assert [f.text for f in found] == [
        "Polls get 2.0× the comments of articles (based on 6 vs 8 items).",
        "Polls get 2.0× the engagement rate of articles (based on 6 vs 8 items).",
    ]
    assert found[0].kind == "difference" and found[0].ratio == pytest.approx(2.0)


def test_recommendations_never_claim_without_enough_data_or_a_clear_difference() -> None:
    few = pd.concat([_items("poll", [9, 10]), _items("article", [1, 2, 3, 4, 5])])
    (finding,) = metrics.recommendations(few, metrics=["comments"])
    assert finding.kind == "insufficient"
    assert finding.text.startswith("Not enough data to compare comments by content type")
    same = pd.concat(
        [
            _items("poll", [4, 6, 5, 9, 1], channel="forum"),
            _items("article", [5, 5, 4, 6, 5, 5], channel="blog"),
        ]
    )
    (finding,) = metrics.recommendations(same, "channel", ["comments"])
    assert finding.kind == "no_difference"
    assert finding.text == (
        "No clear difference in comments between items on blog and items on forum "
        "(based on 6 vs 5 items)."
    )
    with pytest.raises(ValidationError, match="metric"):
        metrics.rank(same, metric="bounce_rate")


def test_type_label_writes_acronyms_and_plurals_as_people_do() -> None:
    from commbook.metrics.content import type_label

    assert type_label("ama", plural=True, capital=True) == "AMAs"
    assert type_label("ama") == "AMA"
    assert type_label("poll", plural=True) == "polls"
    assert type_label("newsletter", capital=True) == "Newsletter"
    assert type_label("story", plural=True) == "stories"
