"""Conversations: threads, replies, how fast and how well members get answered.

Input ``events`` — conversation events (see ``commbook.frames.load_events``; other kinds
are ignored):

| column | type | meaning |
|---|---|---|
| ``kind`` | str | ``post`` starts a thread; ``reply`` (an answer) and ``comment`` respond |
| ``occurred_at`` | datetime64, tz-aware | when |
| ``member_id`` | nullable | author; missing = anonymous / deleted account |
| ``source_id`` | str | the event's id in its source system |
| ``thread_id`` | str, nullable | ``source_id`` of the thread's post (a post's own id) |
| ``parent_id`` | str, nullable | ``source_id`` of the post / reply responded to |
| ``source`` | str, optional | source system; ids are matched within their source |
| ``is_accepted`` | bool, optional | the reply is the accepted answer |
| ``channel``, ``category`` | str, optional | carried onto the thread for breakdowns |

Definitions (formulas in ``docs/metrics.md``): the **first response** to a thread is its
first *reply* by someone other than the thread's author (a comment is not an answer);
the **first touch** is its first reply *or comment* by someone else. An anonymous author
or responder counts as "someone else".

**Late answers and the cut-off.** A thread started in a period keeps getting answers after
the period ends. So that a period's figures stop moving and every surface (report,
dashboard, planning app, notebooks, ``commbook metrics``) shows the same number, responses
count when they come before the period's end plus :data:`FOLLOW_UP_DAYS` days — "answers
counted until 30 Nov + 30 days". :func:`answers_counted_until` gives that instant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, TIMESTAMP, require
from commbook.metrics._time import Instant, window
from commbook.metrics.prepared import EventsLike, PreparedEvents, between, prepare_events

CONVERSATION_KINDS: frozenset[str] = frozenset({"post", "reply", "comment"})
EVENTS = {
    "kind": ANY,
    "occurred_at": TIMESTAMP,
    "member_id": ANY,
    "source_id": ANY,
    "thread_id": ANY,
    "parent_id": ANY,
}
OPTIONAL = ("channel", "category")
#: Responses to a period's threads count until this many days after the period's end.
FOLLOW_UP_DAYS = 30
HOUR_NS = 3_600_000_000_000
_NO_TIME = np.iinfo("int64").max


def _keys(conv: pd.DataFrame, column: str, prefix: pd.Series | None) -> pd.Series:
    keys = conv[column]
    if prefix is not None or not pd.api.types.is_string_dtype(keys.dtype) or keys.dtype == object:
        keys = keys.astype("string")  # ids compared as text: 42 and "42" are the same id
    return keys if prefix is None else prefix + keys


def _key_codes(
    conv: pd.DataFrame, prefix: pd.Series | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer codes of ``source_id``, ``parent_id`` and ``thread_id`` in one numbering
    (−1 = missing), so threads and chains are matched on integers, not strings."""
    parts = [_keys(conv, c, prefix) for c in ("source_id", "parent_id", "thread_id")]
    codes, _ = pd.factorize(pd.concat(parts, ignore_index=True), use_na_sentinel=True)
    codes = codes.astype("int64", copy=False)
    n = len(conv)
    return codes[:n], codes[n : 2 * n], codes[2 * n :]


def _first_of_each(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative ``codes`` and the position of each one's first occurrence."""
    valid = np.flatnonzero(codes >= 0)
    unique, first = np.unique(codes[valid], return_index=True)
    return unique, valid[first]


def _depths(is_post: np.ndarray, own: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Replies/comments in the chain from each event up to its thread's post.

    ``own`` / ``parent``: integer key codes (−1 = missing); a parent is the first event
    with that key. Pointer jumping (list ranking): ``log2(depth)`` vectorised passes
    instead of walking each chain. A chain that loops back on itself counts 1 per event.
    """
    unique, first = _first_of_each(own)
    position = np.full(int(max(own.max(initial=-1), parent.max(initial=-1))) + 1, -1, "int64")
    position[unique] = first
    found = np.where(parent >= 0, position[np.maximum(parent, 0)], -1) if len(position) else parent
    nxt = np.where((found >= 0) & ~is_post, found, -1)
    weight = (~is_post).astype("int64")
    value = weight.copy()
    for _ in range(64):
        live = nxt >= 0
        if not live.any():
            break
        target = np.maximum(nxt, 0)
        value, nxt = (
            value + np.where(live, value[target], 0),
            np.where(live, nxt[target], -1),
        )
    looping = nxt >= 0
    value[looping] = weight[looping]
    return value


@dataclass(frozen=True)
class ConversationRows:
    """The posts, replies and comments of an events frame (those with a time), with what
    :func:`threads` needs for any window. Arrays are aligned: one entry per such row.

    ``own`` / ``parent`` are integer codes of ``source_id`` / ``parent_id`` and ``thread``
    the thread's key (``thread_id``, else a post's own id or a response's parent), all in
    one numbering, −1 = missing; ``author`` is the member code (−1 = anonymous); ``depth``
    the replies/comments from the row up to its thread's post; ``accepted`` is
    ``is_accepted`` (missing = False), ``None`` without that column.
    """

    rows: np.ndarray  # positions in the frame, in frame order
    is_post: np.ndarray
    is_reply: np.ndarray
    own: np.ndarray
    parent: np.ndarray
    thread: np.ndarray
    times: np.ndarray  # int64 ns, UTC
    author: np.ndarray
    depth: np.ndarray
    accepted: np.ndarray | None


def conversation_rows(events: PreparedEvents) -> ConversationRows:
    """The conversation rows of prepared ``events`` (``PreparedEvents.conversations``)."""
    frame = events.frame
    rows = np.flatnonzero(events.kind_mask(CONVERSATION_KINDS) & events.has_time)
    ids = ["source_id", "parent_id", "thread_id"]
    conv = frame[[*ids, *(["source"] if "source" in frame.columns else [])]].take(rows)
    prefix = None
    if "source" in conv.columns and conv["source"].nunique(dropna=True) > 1:
        prefix = conv["source"].astype("string").fillna("") + "\x1f"
    own, parent, thread_id = _key_codes(conv, prefix)
    is_post = events.kind_mask({"post"})[rows]
    accepted = None
    if "is_accepted" in frame.columns:
        accepted = frame["is_accepted"].take(rows).fillna(False).to_numpy(dtype=bool)
    arrays = ConversationRows(
        rows=rows,
        is_post=is_post,
        is_reply=events.kind_mask({"reply"})[rows],
        own=own,
        parent=parent,
        thread=np.where(thread_id >= 0, thread_id, np.where(is_post, own, parent)),
        times=events.times[rows],
        author=events.member_codes[rows],
        depth=_depths(is_post, own, parent),
        accepted=accepted,
    )
    for array in vars(arrays).values():
        if array is not None:
            array.flags.writeable = False
    return arrays


def answers_counted_until(
    end: Instant | None, follow_up_days: int | None = FOLLOW_UP_DAYS
) -> pd.Timestamp | None:
    """The instant before which responses to threads started before ``end`` count:
    ``end`` plus ``follow_up_days`` calendar days in ``end``'s own timezone (local
    midnight stays local midnight across a DST change; ``None`` when either is ``None``)."""
    if end is None or follow_up_days is None:
        return None
    stamp = pd.Timestamp(end)
    if stamp.tzinfo is None:
        return stamp + pd.Timedelta(days=follow_up_days)
    local = stamp.tz_localize(None) + pd.Timedelta(days=follow_up_days)
    return local.tz_localize(stamp.tzinfo, ambiguous=True, nonexistent="shift_forward")


def answers_last_day(
    end: Instant, tz: str | dt.tzinfo, follow_up_days: int = FOLLOW_UP_DAYS
) -> dt.date:
    """The last local day (in ``tz``) whose answers count for the threads of a period
    ending at ``end`` — the cut-off in words: "answers counted until 30 Dec 2026"."""
    tzinfo = window(None, end, tz)[0]
    local_end = pd.Timestamp(end).tz_convert(tzinfo)
    cut = answers_counted_until(local_end, follow_up_days)
    return (cut - pd.Timedelta(microseconds=1)).tz_convert(tzinfo).date()


def threads(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    members: pd.DataFrame | None = None,
    responder_roles: Sequence[str] | None = None,
    follow_up_days: int | None = FOLLOW_UP_DAYS,
) -> pd.DataFrame:
    """One row per thread started (``kind == "post"``) in ``[start, end)``.

    Responses are matched to threads by ``thread_id`` (or ``parent_id`` when it is
    missing) and counted until ``follow_up_days`` days after ``end`` (the cut-off of
    :func:`answers_counted_until`; ``None``, or no ``end``: whenever they happened), as
    far as ``events`` reaches — pass events after ``end`` to see late answers. With
    ``responder_roles`` (e.g. ``("staff", "moderator")``) only replies by members with those roles
    (``members.role``) count as responses.

    Columns: ``thread_id``, ``started_at``, ``member_id`` (author), ``channel`` and
    ``category`` (when in ``events``), ``replies``, ``comments``, ``depth`` (longest
    chain of replies/comments under the post; 0 without responses),
    ``first_response_at`` / ``first_touch_at`` (``NaT`` without one),
    ``first_response_hours`` / ``first_touch_hours`` (negative delays — answers dated
    before their question, as in merged questions — count as 0), ``answered`` (a reply by
    someone else), ``accepted`` (an accepted reply; ``<NA>`` when ``is_accepted`` is not
    in ``events``) and ``unanswered`` (no reply and no comment by anyone else).
    """
    events = prepare_events(events)
    frame = events.frame
    require(frame, EVENTS, name="events")
    tzinfo, lo, hi = window(start, end, tz)
    conv = events.conversations
    thread = conv.thread

    post_rows = np.flatnonzero(conv.is_post & between(conv.times, lo, hi) & (thread >= 0))
    post_keys, first = _first_of_each(thread[post_rows])
    order = np.argsort(first, kind="stable")  # threads in frame order
    post_rows, post_keys = post_rows[first[order]], post_keys[order]
    n = len(post_rows)
    slot = np.full(int(thread.max(initial=-1)) + 1, -1, dtype="int64")
    slot[post_keys] = np.arange(n)

    responding = ~conv.is_post & (thread >= 0)
    local_end = hi.tz_convert(tzinfo) if hi is not None else None  # days counted locally
    cutoff = answers_counted_until(local_end, follow_up_days)
    if cutoff is not None:
        responding &= between(conv.times, None, cutoff)
    resp_rows = np.flatnonzero(responding)
    thread_of = slot[thread[resp_rows]] if n else np.full(len(resp_rows), -1)
    matched = thread_of >= 0
    resp_rows, thread_of = resp_rows[matched], thread_of[matched]
    is_reply = conv.is_reply[resp_rows]

    author = conv.author[post_rows][thread_of]
    responder = conv.author[resp_rows]
    by_other = (author < 0) | (responder < 0) | (author != responder)
    counts_as_response = by_other & is_reply
    if responder_roles is not None:
        counts_as_response &= _has_role(
            frame["member_id"].take(conv.rows[resp_rows]), members, tuple(responder_roles)
        )

    started = conv.times[post_rows]
    at = np.maximum(conv.times[resp_rows], started[thread_of])  # merged questions: clip to 0
    first_response = _first(at, thread_of, counts_as_response, n)
    first_touch = _first(at, thread_of, by_other, n)

    carried = [c for c in OPTIONAL if c in frame.columns]
    posts = frame[["thread_id", "source_id", "occurred_at", "member_id", *carried]]
    posts = posts.take(conv.rows[post_rows])
    out = pd.DataFrame(
        {
            "thread_id": posts["thread_id"]
            .astype("string")
            .fillna(posts["source_id"].astype("string")),
            "started_at": posts["occurred_at"].dt.tz_convert(tzinfo),
            "member_id": posts["member_id"],
        }
    ).reset_index(drop=True)
    for column in carried:
        out[column] = posts[column].reset_index(drop=True)
    out["replies"] = np.bincount(thread_of[is_reply], minlength=n).astype("int64")
    out["comments"] = np.bincount(thread_of[~is_reply], minlength=n).astype("int64")
    depth = np.zeros(n, dtype="int64")
    if len(resp_rows):
        np.maximum.at(depth, thread_of, conv.depth[resp_rows])
    out["depth"] = depth
    for name, values in (("first_response", first_response), ("first_touch", first_touch)):
        known = values != _NO_TIME
        ns = np.where(known, values, 0).view("datetime64[ns]")  # not ints: a slow path
        stamp = pd.DatetimeIndex(ns).tz_localize("UTC").tz_convert(tzinfo)
        out[f"{name}_at"] = stamp.where(known)
        out[f"{name}_hours"] = np.where(known, (values - started) / HOUR_NS, np.nan)
    out["answered"] = first_response != _NO_TIME
    out["unanswered"] = first_touch == _NO_TIME
    if conv.accepted is not None:
        accepted = conv.accepted[resp_rows]
        out["accepted"] = pd.array(
            np.bincount(thread_of[accepted & is_reply], minlength=n) > 0, dtype="boolean"
        )
    else:
        out["accepted"] = pd.array([pd.NA] * n, dtype="boolean")
    return out


def _first(at: np.ndarray, thread_of: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    firsts = np.full(n, _NO_TIME, dtype="int64")
    if mask.any():
        np.minimum.at(firsts, thread_of[mask], at[mask])
    return firsts


def _has_role(
    member_ids: pd.Series, members: pd.DataFrame | None, roles: tuple[str, ...]
) -> np.ndarray:
    if members is None:
        raise ValidationError("responder_roles needs the members frame", field="members")
    require(members, {"member_id": ANY, "role": ANY}, name="members")
    with_role = members.loc[members["role"].isin(roles), "member_id"].dropna()
    return member_ids.isin(with_role).to_numpy(dtype=bool, na_value=False, copy=True)


def _quantile(hours: pd.Series, q: float) -> float:
    known = hours.dropna()
    return float(known.quantile(q)) if len(known) else math.nan


def conversation_summary(thread_table: pd.DataFrame) -> dict[str, float]:
    """Summary of a :func:`threads` table.

    Keys: ``threads``; ``replies_per_thread`` (mean replies); ``max_depth``;
    ``answered_rate``, ``accepted_rate``, ``unanswered_rate`` (shares of threads; ``NaN``
    without threads, ``accepted_rate`` also without ``is_accepted``);
    ``median_first_response_hours`` / ``p90_first_response_hours`` and the same for
    ``first_touch`` — over the threads that got one (linear-interpolated quantiles).
    """
    require(thread_table, _TABLE, name="threads")
    n = len(thread_table)
    accepted = thread_table["accepted"]
    nan = math.nan
    return {
        "threads": n,
        "replies_per_thread": float(thread_table["replies"].mean()) if n else nan,
        "max_depth": int(thread_table["depth"].max()) if n else 0,
        "answered_rate": float(thread_table["answered"].mean()) if n else nan,
        "accepted_rate": float(accepted.mean()) if n and accepted.notna().all() else nan,
        "unanswered_rate": float(thread_table["unanswered"].mean()) if n else nan,
        "median_first_response_hours": _quantile(thread_table["first_response_hours"], 0.5),
        "p90_first_response_hours": _quantile(thread_table["first_response_hours"], 0.9),
        "median_first_touch_hours": _quantile(thread_table["first_touch_hours"], 0.5),
        "p90_first_touch_hours": _quantile(thread_table["first_touch_hours"], 0.9),
    }


_TABLE = {
    "replies": ANY,
    "depth": ANY,
    "answered": ANY,
    "accepted": ANY,
    "unanswered": ANY,
    "first_response_hours": ANY,
    "first_touch_hours": ANY,
}


def response_times(
    thread_table: pd.DataFrame, by: str | Sequence[str] = "category"
) -> pd.DataFrame:
    """:func:`conversation_summary` per group of a :func:`threads` table (e.g. by
    ``"category"``, ``"channel"`` or both). A missing group value shows as
    ``"unspecified"``. Sorted by the group columns."""
    columns = [by] if isinstance(by, str) else list(by)
    require(thread_table, _TABLE | dict.fromkeys(columns, ANY), name="threads")
    table = thread_table.assign(
        **{c: thread_table[c].astype("string").fillna("unspecified") for c in columns},
        accepted=thread_table["accepted"].astype("Float64"),
        answered=thread_table["answered"].astype("float64"),
        unanswered=thread_table["unanswered"].astype("float64"),
    )
    grouped = table.groupby(columns, sort=True, observed=True)
    out = grouped.agg(
        threads=("replies", "size"),
        replies_per_thread=("replies", "mean"),
        max_depth=("depth", "max"),
        answered_rate=("answered", "mean"),
        accepted_rate=("accepted", "mean"),
        unanswered_rate=("unanswered", "mean"),
    )
    if table["accepted"].isna().any():  # unknown for some threads: unknown for the group
        has_na = table["accepted"].isna().groupby([table[c] for c in columns]).any()
        out["accepted_rate"] = out["accepted_rate"].where(~has_na.reindex(out.index))
    for name in ("first_response", "first_touch"):
        hours = grouped[f"{name}_hours"]
        out[f"median_{name}_hours"] = hours.quantile(0.5)
        out[f"p90_{name}_hours"] = hours.quantile(0.9)
    out["accepted_rate"] = out["accepted_rate"].astype("float64")
    return out.reset_index()
