"""Content metrics: which kinds of content people engage with.

Input ``content`` — one row per published content item (see ``commbook.frames.load_content``):

| column | type | meaning |
|---|---|---|
| ``content_type`` | str | ``article``, ``video``, ``poll``, … |
| ``reach`` | number, nullable | unique people who saw it |
| ``views`` | number, nullable | views (used where reach is unknown) |
| ``likes``, ``comments``, ``shares`` | number, nullable | interactions (missing counts as 0) |
"""

from __future__ import annotations

import pandas as pd

from commbook.metrics._schema import ANY, NUMBER, require

CONTENT = {
    "content_type": ANY,
    "reach": NUMBER,
    "views": NUMBER,
    "likes": NUMBER,
    "comments": NUMBER,
    "shares": NUMBER,
}


def engagement_by_type(content: pd.DataFrame) -> pd.DataFrame:
    """Interactions and engagement rate per content type, best rate first.

    - ``items``: number of items;
    - ``reach``: sum of known reach (``<NA>`` when no item of the type has one);
    - ``interactions``: likes + comments + shares (missing values count as 0);
    - ``engagement_rate``: Σ interactions / Σ audience over items whose audience is known,
      where an item's audience is its reach, or its views when reach is unknown. ``NaN``
      when no item of the type has a known, non-zero audience.

    Sorted by ``engagement_rate`` descending (``NaN`` last), then ``content_type``.
    """
    require(content, CONTENT, name="content")
    numbers = {
        col: pd.to_numeric(content[col]).astype("Float64")
        for col in ("reach", "views", "likes", "comments", "shares")
    }
    items = pd.DataFrame(
        {
            "content_type": content["content_type"].fillna("unspecified").astype(str),
            "reach": numbers["reach"],
            "interactions": (
                numbers["likes"].fillna(0)
                + numbers["comments"].fillna(0)
                + numbers["shares"].fillna(0)
            ),
        }
    )
    audience = numbers["reach"].fillna(numbers["views"])
    items["audience"] = audience
    items["rated_interactions"] = items["interactions"].where(audience.notna())

    grouped = items.groupby("content_type", sort=True)
    audience_sum = grouped["audience"].sum(min_count=1).astype("float64")
    rated = grouped["rated_interactions"].sum().astype("float64")
    rate = (rated / audience_sum).where(audience_sum > 0)
    out = pd.DataFrame(
        {
            "items": grouped.size().astype("int64"),
            "reach": grouped["reach"].sum(min_count=1).round().astype("Int64"),
            "interactions": grouped["interactions"].sum().round().astype("int64"),
            "engagement_rate": rate.astype("float64"),
        }
    ).reset_index()
    out = out.sort_values(
        ["engagement_rate", "content_type"], ascending=[False, True], na_position="last"
    )
    return out.reset_index(drop=True)
