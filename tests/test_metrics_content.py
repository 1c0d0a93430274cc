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


def test_type_label_writes_acronyms_and_plurals_as_people_do() -> None:
    from commbook.metrics.content import type_label

    assert type_label("ama", plural=True, capital=True) == "AMAs"
    assert type_label("ama") == "AMA"
    assert type_label("poll", plural=True) == "polls"
    assert type_label("newsletter", capital=True) == "Newsletter"
    assert type_label("story", plural=True) == "stories"
