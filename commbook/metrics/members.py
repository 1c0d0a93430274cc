"""Membership metrics: how many members there are, and how many joined.

Input ``members`` — one row per member (see ``commbook.frames.load_members``):

| column | type | meaning |
|---|---|---|
| ``joined_at`` | datetime64, tz-aware, nullable | when they joined (missing: long ago) |
| ``left_at`` | datetime64, tz-aware, nullable | when they left (missing: still a member) |
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import TIMESTAMP, require
from commbook.metrics._time import Instant, bound, zone

MEMBERS = {"joined_at": TIMESTAMP, "left_at": TIMESTAMP}


def member_count(members: pd.DataFrame, at: Instant, tz: str | dt.tzinfo = "UTC") -> int:
    """Members at instant ``at``: joined before it (or join date unknown), not yet left."""
    require(members, MEMBERS, name="members")
    when = bound(at, zone(tz), "at")
    joined = members["joined_at"].isna() | (members["joined_at"] < when)
    staying = members["left_at"].isna() | (members["left_at"] >= when)
    return int((joined & staying).sum())


def new_members(
    members: pd.DataFrame, start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
) -> int:
    """Members who joined in ``[start, end)``."""
    require(members, {"joined_at": TIMESTAMP}, name="members")
    tzinfo = zone(tz)
    lo, hi = bound(start, tzinfo, "start"), bound(end, tzinfo, "end")
    if hi <= lo:
        raise ValidationError(f"end ({hi}) must be after start ({lo})", field="end")
    joined = members["joined_at"]
    return int(((joined >= lo) & (joined < hi)).sum())
