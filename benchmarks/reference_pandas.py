"""The full metric suite as an analyst would write it in plain pandas.

Deliberately straightforward, not deliberately bad: the code a competent analyst writes in
a notebook on the first day — a loop over the days for DAU/WAU/MAU (a boolean mask and a
``nunique`` per day and window), ``groupby().apply`` with a Python function per thread
and per content type, a loop over each cohort's members for retention, a Python ``sum``
for the Gini coefficient. Same definitions as ``docs/metrics.md``; same output shape as
``benchmarks.bench_metrics.commbook_suite``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from benchmarks.bench_metrics import MAX_MONTHS, QUARTER, TZ, YEAR, Frames

ACTIVE_KINDS = ["post", "reply", "comment", "reaction", "share"]
CONTRIBUTION_KINDS = ["post", "reply", "comment"]


def _none(value: Any) -> Any:
    return None if pd.isna(value) else value


def _bounds(start: str, end: str, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz)


def _local_day(times: pd.Series, tz: str) -> pd.Series:
    return times.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def daily_active(active: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, tz: str) -> pd.DataFrame:
    """DAU / WAU / MAU for each local day: one mask and one ``nunique`` per day and window."""
    active = active[active["occurred_at"] < hi]
    first = lo.tz_convert(tz).tz_localize(None).normalize()
    last = (hi - pd.Timedelta(1, "us")).tz_convert(tz).tz_localize(None).normalize()
    rows = []
    for day in pd.date_range(first, last, freq="D"):
        week = active[(active["day"] > day - pd.Timedelta(days=7)) & (active["day"] <= day)]
        month = active[(active["day"] > day - pd.Timedelta(days=30)) & (active["day"] <= day)]
        rows.append(
            {
                "day": day,
                "dau": active.loc[active["day"] == day, "member_id"].nunique(),
                "wau": week["member_id"].nunique(),
                "mau": month["member_id"].nunique(),
            }
        )
    return pd.DataFrame(rows)


def _in(frame: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["occurred_at"] >= lo) & (frame["occurred_at"] < hi)]


def _thread(group: pd.DataFrame) -> pd.Series:
    """One thread (its post and the responses to it) → its statistics."""
    post = group[group["kind"] == "post"].iloc[0]
    started, author = post["occurred_at"], post["member_id"]
    responses = group[group["kind"] != "post"]
    if pd.isna(author):
        by_others = responses
    else:
        by_others = responses[responses["member_id"].ne(author).fillna(True)]
    replies_by_others = by_others[by_others["kind"] == "reply"]

    def hours_after(times: pd.Series) -> float:
        if len(times) == 0:
            return math.nan
        first = max(times.min(), started)  # answers dated before the question count as 0
        return (first - started).total_seconds() / 3600

    replies = responses[responses["kind"] == "reply"]
    return pd.Series(
        {
            "replies": len(replies),
            "first_response_hours": hours_after(replies_by_others["occurred_at"]),
            "first_touch_hours": hours_after(by_others["occurred_at"]),
            "accepted": bool(replies["is_accepted"].fillna(False).any()),
        }
    )


def conversation_stats(events: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> dict:
    """Thread statistics of the threads started in ``[lo, hi)`` (groupby-apply per thread)."""
    columns = ["source_id", "kind", "occurred_at", "member_id", "thread_id", "parent_id"]
    conv = events.loc[events["kind"].isin(CONTRIBUTION_KINDS), [*columns, "is_accepted"]]
    is_post = conv["kind"] == "post"
    conv["thread"] = conv["thread_id"]
    conv.loc[is_post, "thread"] = conv.loc[is_post, "thread_id"].fillna(conv["source_id"])
    conv.loc[~is_post, "thread"] = conv.loc[~is_post, "thread_id"].fillna(conv["parent_id"])
    posts = _in(conv[is_post], lo, hi).dropna(subset=["thread"]).drop_duplicates("thread")
    responses = conv[~is_post & conv["thread"].isin(posts["thread"])]
    table = pd.concat([posts, responses]).groupby("thread", sort=False).apply(_thread)
    n = len(table)
    response, touch = table["first_response_hours"], table["first_touch_hours"]
    return {
        "threads": n,
        "replies_per_thread": table["replies"].mean() if n else math.nan,
        "answered_rate": response.notna().mean() if n else math.nan,
        "accepted_rate": table["accepted"].mean() if n else math.nan,
        "unanswered_rate": touch.isna().mean() if n else math.nan,
        "median_first_response_hours": response.quantile(0.5),
        "p90_first_response_hours": response.quantile(0.9),
        "median_first_touch_hours": touch.quantile(0.5),
        "p90_first_touch_hours": touch.quantile(0.9),
    }


def _type_row(group: pd.DataFrame) -> pd.Series:
    rated = group[group["audience"].notna()]
    audience = rated["audience"].sum()
    return pd.Series(
        {
            "items": len(group),
            "reach": group["reach"].sum() if group["reach"].notna().any() else None,
            "interactions": group["interactions"].sum(),
            "engagement_rate": rated["interactions"].sum() / audience if audience > 0 else None,
        }
    )


def engagement_by_type(content: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> list[dict]:
    """Interactions and rate per content type of the content published in ``[lo, hi)``."""
    published = content[(content["published_at"] >= lo) & (content["published_at"] < hi)].copy()
    published["interactions"] = published[["likes", "comments", "shares"]].fillna(0).sum(axis=1)
    published["audience"] = published["reach"].fillna(published["views"])
    published["content_type"] = published["content_type"].fillna("unspecified")
    table = published.groupby("content_type").apply(_type_row).reset_index()
    table = table.sort_values(
        ["engagement_rate", "content_type"], ascending=[False, True], na_position="last"
    )
    return [
        {
            "content_type": row["content_type"],
            "items": int(row["items"]),
            "reach": None if pd.isna(row["reach"]) else int(row["reach"]),
            "interactions": int(row["interactions"]),
            "engagement_rate": row["engagement_rate"],
        }
        for _, row in table.iterrows()
    ]


def inequality(contributions: pd.DataFrame) -> dict[str, Any]:
    """Top-1 % / top-10 % shares and Gini of contributions per contributor."""
    counts = contributions.groupby("member_id").size().sort_values(ascending=False)
    n, total = len(counts), int(counts.sum())
    out: dict[str, Any] = {"contributors": n, "contributions": total}
    for name, fraction in (("top_1pct_share", 0.01), ("top_10pct_share", 0.10)):
        top = max(1, math.ceil(round(fraction * n, 9)))
        out[name] = counts.head(top).sum() / total if n else math.nan
    ascending = sorted(counts.tolist())
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(ascending, start=1))
    out["gini"] = weighted / (n * total) if n and total else math.nan
    return out


def retention(
    active: pd.DataFrame, members: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, tz: str
) -> dict[str, Any]:
    """Cohort retention by join month: a loop over each cohort's members and months."""
    joined = members[(members["joined_at"] >= lo) & (members["joined_at"] < hi)].copy()
    joined = joined.dropna(subset=["member_id"])
    joined["cohort"] = joined["joined_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.to_period("M")
    seen = active[active["occurred_at"] < hi].copy()
    seen["month"] = seen["day"].dt.to_period("M")
    months_of = seen.groupby("member_id")["month"].apply(set).to_dict()
    last = (hi - pd.Timedelta(1, "us")).tz_convert(tz).tz_localize(None).to_period("M")
    out: dict[str, list] = {"cohort": [], "members": [], "shares": []}
    for cohort, group in joined.groupby("cohort"):
        shares = []
        for n in range(MAX_MONTHS + 1):
            month = cohort + n
            if month > last:
                shares.append(math.nan)
                continue
            retained = 0
            for member in group["member_id"]:
                if month in months_of.get(member, set()):
                    retained += 1
            shares.append(retained / len(group))
        out["cohort"].append(str(cohort))
        out["members"].append(len(group))
        out["shares"].append(shares)
    return out


def suite(
    frames: Frames,
    tz: str = TZ,
    year: tuple[str, str] = YEAR,
    quarter: tuple[str, str] = QUARTER,
) -> dict[str, Any]:
    """The full metric suite in naive pandas (see ``bench_metrics.commbook_suite``)."""
    events, members = frames.events, frames.members
    active = events[events["kind"].isin(ACTIVE_KINDS) & events["member_id"].notna()].copy()
    active["day"] = _local_day(active["occurred_at"], tz)
    contributions = active[active["kind"].isin(CONTRIBUTION_KINDS)]
    y_lo, y_hi = _bounds(*year, tz)
    q_lo, q_hi = _bounds(*quarter, tz)

    q_daily = daily_active(active, q_lo, q_hi, tz)
    q_active = _in(active, q_lo, q_hi)["member_id"].nunique()
    q_contributors = _in(contributions, q_lo, q_hi)["member_id"].nunique()
    q_conv = conversation_stats(events, q_lo, q_hi)
    in_members = (members["joined_at"].isna() | (members["joined_at"] < q_hi)) & (
        members["left_at"].isna() | (members["left_at"] >= q_hi)
    )
    dau, wau, mau = (q_daily[c].mean() for c in ("dau", "wau", "mau"))
    headline = {
        "members": int(in_members.sum()),
        "active_members": int(q_active),
        "dau": dau,
        "wau": wau,
        "mau": mau,
        "stickiness": dau / mau if mau else None,
        "contribution_rate": q_contributors / q_active if q_active else None,
        "threads": q_conv["threads"],
        "answered_rate": _none(q_conv["answered_rate"]),
        "accepted_rate": _none(q_conv["accepted_rate"]),
        "median_first_response_hours": _none(q_conv["median_first_response_hours"]),
        "p90_first_response_hours": _none(q_conv["p90_first_response_hours"]),
        "engagement_by_type": engagement_by_type(frames.content, q_lo, q_hi),
    }

    daily = daily_active(active, y_lo, y_hi, tz)
    y_active = _in(active, y_lo, y_hi)["member_id"].nunique()
    y_contributions = _in(contributions, y_lo, y_hi)
    return {
        "headline": headline,
        "daily": {
            "first_day": str(daily["day"].iloc[0].date()),
            **{c: daily[c].tolist() for c in ("dau", "wau", "mau")},
        },
        "contribution_rate": (
            y_contributions["member_id"].nunique() / y_active if y_active else math.nan
        ),
        "inequality": inequality(y_contributions),
        "retention": retention(active, members, y_lo, y_hi, tz),
        "conversations": conversation_stats(events, y_lo, y_hi),
        "engagement_by_type": engagement_by_type(frames.content, y_lo, y_hi),
    }
