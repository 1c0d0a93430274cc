"""Content metrics: which content people engage with, per item and per group.

Input ``content`` — one row per published content item (see ``commbook.frames.load_content``):

| column | type | meaning |
|---|---|---|
| ``content_type`` | str | ``article``, ``video``, ``poll``, … |
| ``reach`` | number, nullable | unique people who saw it |
| ``views`` | number, nullable | views (used where reach is unknown) |
| ``likes``, ``comments``, ``shares`` | number, nullable | interactions (missing counts as 0) |
| ``published_at`` | datetime64, tz-aware | for the ``weekday`` / ``hour`` groupings |
| ``content_id`` | any | for a content → segment mapping |
| any other column | | e.g. ``channel``, ``campaign``: group by it |

An item's **audience** is its reach, or its views when reach is unknown; its
**interactions** are likes + comments + shares; its **engagement rate** is interactions ÷
audience (``NaN`` without a known, non-zero audience).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, NUMBER, TIMESTAMP, require
from commbook.metrics._time import zone
from commbook.metrics.prepared import EventsLike, events_frame

COUNTS = ("reach", "views", "likes", "comments", "shares")
CONTENT = {"content_type": ANY} | dict.fromkeys(COUNTS, NUMBER)
ITEM_COUNTS = dict.fromkeys(COUNTS, NUMBER)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Groupings computed from ``published_at`` in the timezone passed.
DERIVED = ("weekday", "hour")

Segments = Mapping[object, str] | pd.Series


#: Content types whose name is an acronym, written as people write them.
_ACRONYMS = {"ama": "AMA", "faq": "FAQ", "qa": "Q&A"}


def type_label(content_type: str, *, plural: bool = False, capital: bool = False) -> str:
    """A content type as prose: ``"ama"`` → ``"AMA"`` / ``"AMAs"``, ``"poll"`` → ``"polls"``."""
    word = _ACRONYMS.get(content_type.lower(), content_type)
    if plural:
        if word.isupper():
            word += "s"
        elif word.endswith(("s", "x", "ch", "sh")):
            word += "es"
        elif word.endswith("y") and word[-2:-1] not in "aeiou":
            word = word[:-1] + "ies"
        else:
            word += "s"
    return word[:1].upper() + word[1:] if capital else word


def engagement_items(content: pd.DataFrame) -> pd.DataFrame:
    """``content`` with three columns added: ``interactions``, ``audience`` and
    ``engagement_rate`` (floats; see the module docstring)."""
    require(content, ITEM_COUNTS, name="content")
    numbers = {col: pd.to_numeric(content[col]).astype("float64") for col in COUNTS}
    interactions = (
        numbers["likes"].fillna(0) + numbers["comments"].fillna(0) + numbers["shares"].fillna(0)
    )
    audience = numbers["reach"].fillna(numbers["views"])
    rate = (interactions / audience).where(audience > 0)
    return content.assign(interactions=interactions, audience=audience, engagement_rate=rate)


def group_columns(
    content: pd.DataFrame,
    by: str | Sequence[str],
    tz: str | dt.tzinfo = "UTC",
    segments: Segments | None = None,
) -> pd.DataFrame:
    """The grouping columns for ``by``, one row per item; missing values → ``"unspecified"``.

    ``"weekday"`` (``Mon`` … ``Sun``, ordered) and ``"hour"`` (0–23) come from
    ``published_at`` in ``tz``; ``"segment"`` maps ``content_id`` through ``segments``
    (a dict or Series content_id → segment) unless ``content`` has a ``segment`` column;
    any other name is a column of ``content``.
    """
    columns = [by] if isinstance(by, str) else list(by)
    if not columns:
        raise ValidationError("by: name at least one column to group by", field="by")
    out = {}
    for name in columns:
        if name in DERIVED:
            require(content, {"published_at": TIMESTAMP}, name="content")
            local = content["published_at"].dt.tz_convert(zone(tz))
            if name == "weekday":
                codes = local.dt.day_of_week.to_numpy(dtype="float64", na_value=np.nan)
                out[name] = pd.Categorical.from_codes(
                    np.nan_to_num(codes, nan=-1).astype("int64"), categories=WEEKDAYS, ordered=True
                )
            else:
                out[name] = local.dt.hour.astype("Int64")
        elif name == "segment" and "segment" not in content.columns:
            if segments is None:
                raise ValidationError(
                    "by 'segment' needs a segment column or a content_id → segment mapping",
                    field="segment",
                )
            require(content, {"content_id": ANY}, name="content")
            mapping = segments if isinstance(segments, pd.Series) else pd.Series(dict(segments))
            out[name] = content["content_id"].map(mapping).astype("string").fillna("unspecified")
        else:
            require(content, {name: ANY}, name="content")
            out[name] = content[name].astype("string").fillna("unspecified")
    return pd.DataFrame(out, index=content.index)


def engagement_by(
    content: pd.DataFrame,
    by: str | Sequence[str] = "content_type",
    tz: str | dt.tzinfo = "UTC",
    *,
    segments: Segments | None = None,
) -> pd.DataFrame:
    """Engagement per group of items (``by``: see :func:`group_columns`).

    Columns: the group columns, ``items``, ``reach``, ``views``, ``likes``, ``comments``,
    ``shares`` (sums of the known values), ``interactions`` and ``engagement_rate``
    (Σ interactions ÷ Σ audience over the items whose audience is known; ``NaN`` when none
    is). Sorted by ``engagement_rate`` (best first, ``NaN`` last), then the group columns.
    Groups are listed only when they have items.
    """
    items = engagement_items(content)
    keys = group_columns(content, by, tz, segments)
    names = list(keys.columns)
    frame = pd.concat(
        [
            keys,
            items[[*COUNTS, "interactions", "audience"]].astype("float64"),
        ],
        axis=1,
    )
    frame["rated"] = frame["interactions"].where(frame["audience"].notna())
    grouped = frame.groupby(names, sort=True, observed=True, dropna=False)
    sums = grouped[[*COUNTS, "interactions", "audience", "rated"]].sum(min_count=1)
    out = pd.DataFrame({"items": grouped.size().astype("int64")})
    for col in COUNTS:
        out[col] = sums[col].round().astype("Int64")
    out["interactions"] = sums["interactions"].fillna(0).round().astype("int64")
    audience = sums["audience"]
    out["engagement_rate"] = (sums["rated"].fillna(0) / audience).where(audience > 0)
    out = out.reset_index()
    return out.sort_values(
        ["engagement_rate", *names], ascending=[False] + [True] * len(names), na_position="last"
    ).reset_index(drop=True)


def engagement_by_type(content: pd.DataFrame) -> pd.DataFrame:
    """Interactions and engagement rate per content type, best rate first.

    Columns ``content_type``, ``items``, ``reach``, ``interactions``, ``engagement_rate`` —
    as :func:`engagement_by` with ``by="content_type"`` (missing type: ``unspecified``).
    """
    require(content, CONTENT, name="content")
    out = engagement_by(content, "content_type")
    out["content_type"] = out["content_type"].astype(str)
    return out[["content_type", "items", "reach", "interactions", "engagement_rate"]]


#: Event kinds counted by :func:`engagement_by_member_segment`.
SEGMENT_KINDS = {
    "views": ("view",),
    "reactions": ("reaction",),
    "comments": ("comment", "reply"),
    "shares": ("share",),
}


def engagement_by_member_segment(events: EventsLike, segments: Segments) -> pd.DataFrame:
    """Engagement per audience segment, from events and a member_id → segment mapping.

    Columns: ``segment``, ``members`` (members mapped to it), ``active_members`` (with a
    reaction, comment, reply or share), ``views``, ``reactions``, ``comments`` (comments
    and replies), ``shares``, ``interactions`` (reactions + comments + shares) and
    ``interactions_per_member`` (÷ ``members``). Events of unmapped or anonymous members
    are left out. Sorted by ``interactions_per_member``, best first.
    """
    events = events_frame(events)
    require(events, {"member_id": ANY, "kind": ANY}, name="events")
    mapping = segments if isinstance(segments, pd.Series) else pd.Series(dict(segments))
    mapping = mapping.dropna().astype("string")
    segment = events["member_id"].map(mapping)
    known = segment.notna().to_numpy()
    kind = events["kind"][known]
    frame = pd.DataFrame(
        {"segment": segment[known], "member_id": events["member_id"][known]}
        | {name: kind.isin(kinds).to_numpy() for name, kinds in SEGMENT_KINDS.items()}
    )
    grouped = frame.groupby("segment", sort=True)
    counts = grouped[list(SEGMENT_KINDS)].sum()
    interacting = frame[frame[["reactions", "comments", "shares"]].any(axis=1)]
    sizes = mapping.value_counts()
    out = pd.DataFrame(index=sizes.index.rename("segment").sort_values())
    out["members"] = sizes.reindex(out.index).astype("int64")
    out["active_members"] = (
        interacting.groupby("segment")["member_id"].nunique().reindex(out.index, fill_value=0)
    ).astype("int64")
    for name in SEGMENT_KINDS:
        out[name] = counts[name].reindex(out.index, fill_value=0).astype("int64")
    out["interactions"] = out["reactions"] + out["comments"] + out["shares"]
    out["interactions_per_member"] = out["interactions"] / out["members"]
    out = out.reset_index()
    out["segment"] = out["segment"].astype(str)
    return out.sort_values(
        ["interactions_per_member", "segment"], ascending=[False, True]
    ).reset_index(drop=True)
