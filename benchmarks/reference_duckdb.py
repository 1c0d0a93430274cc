"""The full metric suite as hand-written DuckDB SQL over the same pandas frames.

The reference for "how fast can this be on this machine": DuckDB (``SET threads TO 2``)
queries the DataFrames in place (replacement scans), first copying the rows and columns
it needs into two temporary tables (active events with their local day; conversation
events with their thread key), then one query per metric. The SQL is what an engineer
fluent in SQL would write, tuned where it matters: the trailing windows (WAU/MAU) as a
running sum over ``lead()`` gaps, window functions for Gini and the top shares,
``FILTER`` aggregates for the threads.
Same definitions as ``docs/metrics.md``; same output shape as
``benchmarks.bench_metrics.commbook_suite``.
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from benchmarks.bench_metrics import (
    CONVERSATION_KEYS,
    INEQUALITY_KEYS,
    MAX_MONTHS,
    QUARTER,
    TZ,
    YEAR,
    Frames,
)

ACTIVE = "('post', 'reply', 'comment', 'reaction', 'share')"
CONTRIBUTIONS = "('post', 'reply', 'comment')"


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def _num(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


class _Window:
    """Bounds of a period: aware instants and the local first / last day."""

    def __init__(self, start: str, end: str, tz: str) -> None:
        self.lo, self.hi = pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz)
        self.first = self.lo.tz_convert(tz).date()
        self.last = (self.hi - pd.Timedelta(1, "us")).tz_convert(tz).date()


def _setup(con: duckdb.DuckDBPyConnection, frames: Frames, tz: str) -> None:
    ZoneInfo(tz)  # a valid IANA name: safe to put in SQL
    con.execute("SET threads TO 2")
    con.execute(f"SET TimeZone = '{tz}'")
    con.register("events_df", frames.events)
    con.register("members_df", frames.members)
    con.register("content_df", frames.content)
    con.execute(
        f"""
        CREATE TEMP TABLE active AS
        SELECT member_id, occurred_at, timezone('{tz}', occurred_at)::DATE AS day,
               kind IN {CONTRIBUTIONS} AS contribution
        FROM events_df
        WHERE kind IN {ACTIVE} AND member_id IS NOT NULL AND occurred_at IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE conv AS
        SELECT kind, occurred_at, member_id, coalesce(is_accepted, false) AS is_accepted,
               CASE WHEN kind = 'post' THEN coalesce(thread_id, source_id)
                    ELSE coalesce(thread_id, parent_id) END AS tkey
        FROM events_df
        WHERE kind IN {CONTRIBUTIONS} AND occurred_at IS NOT NULL
        """
    )


def _daily(con: duckdb.DuckDBPyConnection, w: _Window) -> pd.DataFrame:
    """DAU/WAU/MAU per day. Each distinct member-day counts the member on the days up to
    ``width − 1`` later, cut short at their next active day (``lead``), so coverages never
    overlap and a running sum of +1/−1 deltas is the distinct count. (The textbook
    ``COUNT(DISTINCT …)`` over a range join gives the same numbers 60× slower.)"""
    return con.execute(
        """
        WITH md AS (
            SELECT DISTINCT member_id, day FROM active
            WHERE occurred_at < $hi AND day >= $first::DATE - 29
        ), spans AS (
            SELECT day, lead(day) OVER (PARTITION BY member_id ORDER BY day) AS next_day
            FROM md
        ), deltas AS (
            SELECT day AS d, 1 AS dau, 1 AS wau, 1 AS mau FROM spans
            UNION ALL SELECT least(day + 1, coalesce(next_day, day + 1)), -1, 0, 0 FROM spans
            UNION ALL SELECT least(day + 7, coalesce(next_day, day + 7)), 0, -1, 0 FROM spans
            UNION ALL SELECT least(day + 30, coalesce(next_day, day + 30)), 0, 0, -1 FROM spans
        ), per_day AS (
            SELECT d, sum(dau) AS dau, sum(wau) AS wau, sum(mau) AS mau FROM deltas GROUP BY d
        ), days AS (
            SELECT CAST(generate_series AS DATE) AS day
            FROM generate_series(($first::DATE - 30)::TIMESTAMP, $last::TIMESTAMP,
                                 INTERVAL 1 DAY)
        ), running AS (
            SELECT day, sum(coalesce(p.dau, 0)) OVER w AS dau,
                   sum(coalesce(p.wau, 0)) OVER w AS wau, sum(coalesce(p.mau, 0)) OVER w AS mau
            FROM days LEFT JOIN per_day p ON p.d = days.day
            WINDOW w AS (ORDER BY day)
        )
        SELECT day, dau, wau, mau FROM running WHERE day >= $first ORDER BY day
        """,
        {"hi": w.hi, "first": w.first, "last": w.last},
    ).df()


def _participation(con: duckdb.DuckDBPyConnection, w: _Window) -> tuple[int, float]:
    active, contributors = con.execute(
        """
        SELECT count(DISTINCT member_id), count(DISTINCT member_id) FILTER (WHERE contribution)
        FROM active WHERE occurred_at >= $lo AND occurred_at < $hi
        """,
        {"lo": w.lo, "hi": w.hi},
    ).fetchone()
    return int(active), (contributors / active if active else math.nan)


def _conversations(con: duckdb.DuckDBPyConnection, w: _Window) -> dict[str, Any]:
    row = con.execute(
        """
        WITH posts AS (
            SELECT tkey, occurred_at AS started, member_id AS author FROM conv
            WHERE kind = 'post' AND occurred_at >= $lo AND occurred_at < $hi
              AND tkey IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY tkey ORDER BY occurred_at) = 1
        ), responses AS (
            SELECT p.tkey, c.kind, greatest(c.occurred_at, p.started) AS at, c.is_accepted,
                   (p.author IS NULL OR c.member_id IS NULL OR p.author <> c.member_id) AS other
            FROM conv c JOIN posts p USING (tkey)
            WHERE c.kind <> 'post'
        ), per_thread AS (
            SELECT p.tkey, any_value(p.started) AS started,
                   count(*) FILTER (WHERE r.kind = 'reply') AS replies,
                   min(r.at) FILTER (WHERE r.kind = 'reply' AND r.other) AS first_response,
                   min(r.at) FILTER (WHERE r.other) AS first_touch,
                   coalesce(bool_or(r.kind = 'reply' AND r.is_accepted), false) AS accepted
            FROM posts p LEFT JOIN responses r USING (tkey)
            GROUP BY p.tkey
        ), hours AS (
            SELECT *,
                   (epoch_us(first_response) - epoch_us(started)) / 3.6e9 AS response_h,
                   (epoch_us(first_touch) - epoch_us(started)) / 3.6e9 AS touch_h
            FROM per_thread
        )
        SELECT count(*),
               avg(replies),
               avg(CASE WHEN first_response IS NOT NULL THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN accepted THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN first_touch IS NULL THEN 1.0 ELSE 0.0 END),
               quantile_cont(response_h, 0.5), quantile_cont(response_h, 0.9),
               quantile_cont(touch_h, 0.5), quantile_cont(touch_h, 0.9)
        FROM hours
        """,
        {"lo": w.lo, "hi": w.hi},
    ).fetchone()
    return {
        key: (int(value) if key == "threads" else _nan(value))
        for key, value in zip(CONVERSATION_KEYS, row, strict=True)
    }


def _inequality(con: duckdb.DuckDBPyConnection, w: _Window) -> dict[str, Any]:
    row = con.execute(
        """
        WITH counts AS (
            SELECT member_id, count(*) AS x FROM active
            WHERE contribution AND occurred_at >= $lo AND occurred_at < $hi
            GROUP BY member_id
        ), ranked AS (
            SELECT x, row_number() OVER (ORDER BY x) AS i,
                   row_number() OVER (ORDER BY x DESC) AS top,
                   count(*) OVER () AS n, sum(x) OVER () AS total
            FROM counts
        )
        SELECT count(*), sum(x),
               sum(x) FILTER (WHERE top <= greatest(1, ceil(0.01 * n - 1e-9))) / sum(x),
               sum(x) FILTER (WHERE top <= greatest(1, ceil(0.10 * n - 1e-9))) / sum(x),
               sum((2 * i - n - 1) * x) / (count(*) * sum(x))
        FROM ranked
        """,
        {"lo": w.lo, "hi": w.hi},
    ).fetchone()
    n, total, top1, top10, gini = row
    return dict(
        zip(
            INEQUALITY_KEYS,
            (int(n), int(total or 0), _nan(top1), _nan(top10), _nan(gini)),
            strict=True,
        )
    )


def _retention(con: duckdb.DuckDBPyConnection, w: _Window, tz: str) -> dict[str, Any]:
    params = {"lo": w.lo, "hi": w.hi}
    sizes = con.execute(
        f"""
        SELECT date_trunc('month', timezone('{tz}', joined_at))::DATE AS cohort, count(*)
        FROM members_df
        WHERE member_id IS NOT NULL AND joined_at >= $lo AND joined_at < $hi
        GROUP BY cohort ORDER BY cohort
        """,
        params,
    ).fetchall()
    counts = con.execute(
        f"""
        WITH cohorts AS (
            SELECT member_id, date_trunc('month', timezone('{tz}', joined_at))::DATE AS cohort
            FROM members_df
            WHERE member_id IS NOT NULL AND joined_at >= $lo AND joined_at < $hi
        ), months AS (
            SELECT DISTINCT member_id, date_trunc('month', day)::DATE AS month
            FROM active WHERE occurred_at < $hi
        )
        SELECT c.cohort, datediff('month', c.cohort, m.month) AS n, count(*) AS retained
        FROM cohorts c JOIN months m USING (member_id)
        WHERE m.month >= c.cohort AND datediff('month', c.cohort, m.month) <= {MAX_MONTHS}
        GROUP BY ALL
        """,
        params,
    ).fetchall()
    cohorts = [c for c, _ in sizes]
    index = {c: i for i, c in enumerate(cohorts)}
    shares = np.zeros((len(cohorts), MAX_MONTHS + 1))
    for cohort, n, retained in counts:
        shares[index[cohort], n] = retained
    size = np.array([s for _, s in sizes], dtype="float64")
    shares = shares / size[:, None] if len(cohorts) else shares
    last = w.last.year * 12 + w.last.month
    for i, cohort in enumerate(cohorts):
        for n in range(MAX_MONTHS + 1):
            if cohort.year * 12 + cohort.month + n > last:
                shares[i, n] = math.nan
    return {
        "cohort": [c.strftime("%Y-%m") for c in cohorts],
        "members": [int(s) for _, s in sizes],
        "shares": shares.tolist(),
    }


def _engagement(con: duckdb.DuckDBPyConnection, w: _Window) -> list[dict[str, Any]]:
    rows = con.execute(
        """
        WITH items AS (
            SELECT coalesce(content_type, 'unspecified') AS content_type, reach,
                   coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) AS inter,
                   coalesce(reach, views) AS audience
            FROM content_df WHERE published_at >= $lo AND published_at < $hi
        )
        SELECT content_type, count(*) AS items, sum(reach) AS reach,
               sum(inter) AS interactions,
               CASE WHEN sum(audience) > 0 THEN
                   coalesce(sum(inter) FILTER (WHERE audience IS NOT NULL), 0) / sum(audience)
               END AS rate
        FROM items GROUP BY content_type
        ORDER BY rate DESC NULLS LAST, content_type
        """,
        {"lo": w.lo, "hi": w.hi},
    ).fetchall()
    return [
        {
            "content_type": t,
            "items": int(items),
            "reach": None if reach is None else int(reach),
            "interactions": int(inter),
            "engagement_rate": _nan(rate),
        }
        for t, items, reach, inter, rate in rows
    ]


def _members_at(con: duckdb.DuckDBPyConnection, at: pd.Timestamp) -> int:
    return int(
        con.execute(
            """
            SELECT count(*) FROM members_df
            WHERE (joined_at IS NULL OR joined_at < $at) AND (left_at IS NULL OR left_at >= $at)
            """,
            {"at": at},
        ).fetchone()[0]
    )


def suite(
    frames: Frames,
    tz: str = TZ,
    year: tuple[str, str] = YEAR,
    quarter: tuple[str, str] = QUARTER,
) -> dict[str, Any]:
    """The full metric suite in DuckDB SQL (see ``bench_metrics.commbook_suite``)."""
    con = duckdb.connect()
    try:
        _setup(con, frames, tz)
        y, q = _Window(*year, tz), _Window(*quarter, tz)

        q_daily = _daily(con, q)
        q_active, q_rate = _participation(con, q)
        q_conv = _conversations(con, q)
        dau, wau, mau = (float(q_daily[c].mean()) for c in ("dau", "wau", "mau"))
        headline = {
            "members": _members_at(con, q.hi),
            "active_members": q_active,
            "dau": dau,
            "wau": wau,
            "mau": mau,
            "stickiness": dau / mau if mau else None,
            "contribution_rate": _num(q_rate),
            "threads": q_conv["threads"],
            "answered_rate": _num(q_conv["answered_rate"]),
            "accepted_rate": _num(q_conv["accepted_rate"]),
            "median_first_response_hours": _num(q_conv["median_first_response_hours"]),
            "p90_first_response_hours": _num(q_conv["p90_first_response_hours"]),
            "engagement_by_type": _engagement(con, q),
        }
        daily = _daily(con, y)
        return {
            "headline": headline,
            "daily": {
                "first_day": str(daily["day"].iloc[0].date()),
                **{c: daily[c].astype("int64").tolist() for c in ("dau", "wau", "mau")},
            },
            "contribution_rate": _participation(con, y)[1],
            "inequality": _inequality(con, y),
            "retention": _retention(con, y, tz),
            "conversations": _conversations(con, y),
            "engagement_by_type": _engagement(con, y),
        }
    finally:
        con.close()
