"""The full metric suite: ``commbook.metrics`` against naive pandas and hand-written DuckDB SQL.

One data set per size (1M and 10M events, generated with the sample generator). Each
implementation runs in its own process (so its peak memory is its own), starting from the
same in-memory frames, shaped exactly as ``commbook.frames`` returns them; the results of
the three are asserted equal before anything is reported. What "the full suite" is:
:func:`commbook_suite` and benchmarks/README.md.

    python -m benchmarks.bench_metrics              # 1m and 10m
    python -m benchmarks.bench_metrics 1m           # one size
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, emit, peak_mb, sample_set

TZ = "Europe/Paris"
#: The sample year (SampleSpec's default end, 12 months) and its last quarter.
YEAR = ("2025-11-01", "2026-11-01")
QUARTER = ("2026-08-01", "2026-11-01")
MAX_MONTHS = 12
#: size → (members, events). About 20 events per member per year.
SIZES = {"1m": (50_000, 1_000_000), "10m": (200_000, 10_000_000)}
#: Columns of ``frames.load_events(columns=…)`` the suite uses (no titles, no bodies).
EVENT_COLUMNS = (
    "source_id",
    "kind",
    "occurred_at",
    "member_id",
    "channel",
    "thread_id",
    "parent_id",
    "category",
    "is_accepted",
)
IMPLEMENTATIONS = ("commbook", "duckdb", "pandas")
#: Sizes on which the naive pandas reference runs for real (on 10m it would take ~45 min).
NAIVE_SIZES = ("1m",)


@dataclass
class Frames:
    """The three input frames of the suite."""

    events: pd.DataFrame
    members: pd.DataFrame
    content: pd.DataFrame


# ---- input frames ---------------------------------------------------------------------------


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601").astype("datetime64[us, UTC]")


def _ints(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values).astype("Int64")


def read_frames(folder: Path) -> Frames:
    """A generated sample folder → frames with ``commbook.frames``' columns and dtypes.

    Member ids become integers (the row number in members.csv, as a fresh store numbers
    them); text stays ``str``; timestamps are ``datetime64[us, UTC]``; events are in time
    order. Cached next to the CSV files (``frames-<storage>.pkl``).
    """
    storage = pd.Series(["x"], dtype="str").dtype.storage
    cache = folder / f"frames-{storage}.pkl"
    if cache.exists():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    raw = pd.read_csv(folder / "members.csv", dtype=str, keep_default_na=False, na_values=[""])
    number = pd.Series(np.arange(1, len(raw) + 1), index=pd.Index(raw["member_id"]))
    members = pd.DataFrame(
        {
            "member_id": pd.array(number.to_numpy(), dtype="Int64"),
            "joined_at": _ts(raw["joined_at"]),
            "left_at": _ts(raw["left_at"]),
            "role": raw["role"].astype("str"),
        }
    )
    raw = pd.read_csv(folder / "content.csv", dtype=str, keep_default_na=False, na_values=[""])
    content = pd.DataFrame(
        {
            "content_type": raw["content_type"].astype("str"),
            "published_at": _ts(raw["published_at"]),
            **{c: _ints(raw[c]) for c in ("reach", "views", "likes", "comments", "shares")},
        }
    )
    name = "events.csv.gz" if (folder / "events.csv.gz").exists() else "events.csv"
    raw = pd.read_csv(
        folder / name,
        engine="pyarrow",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        usecols=["event_id", *(c for c in EVENT_COLUMNS if c != "source_id")],
    )
    events = pd.DataFrame(
        {
            "source_id": raw["event_id"],
            "kind": raw["kind"],
            "occurred_at": _ts(raw["occurred_at"]),
            "member_id": pd.array(
                raw["member_id"].map(number).to_numpy(dtype="float64", na_value=np.nan),
                dtype="Int64",
            ),
            "channel": raw["channel"],
            "thread_id": raw["thread_id"],
            "parent_id": raw["parent_id"],
            "category": raw["category"],
            "is_accepted": pd.array(raw["is_accepted"].eq("true").to_numpy(), dtype="boolean"),
        }
    )
    del raw
    events = events.sort_values("occurred_at", kind="stable", ignore_index=True)
    frames = Frames(events, members, content)
    with cache.open("wb") as fh:
        pickle.dump(frames, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return frames


def frame_mb(frame: pd.DataFrame) -> float:
    """Memory held by a frame, strings included, in MiB."""
    return float(frame.memory_usage(deep=True).sum()) / 2**20


# ---- the suite, with commbook ---------------------------------------------------------------

CONVERSATION_KEYS = (
    "threads",
    "replies_per_thread",
    "answered_rate",
    "accepted_rate",
    "unanswered_rate",
    "median_first_response_hours",
    "p90_first_response_hours",
    "median_first_touch_hours",
    "p90_first_touch_hours",
)
INEQUALITY_KEYS = ("contributors", "contributions", "top_1pct_share", "top_10pct_share", "gini")


def published_in(content: pd.DataFrame, start: str, end: str, tz: str) -> pd.DataFrame:
    """Content published in ``[start, end)`` (local dates in ``tz``), as ``load_content``."""
    lo, hi = pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz)
    published = content["published_at"]
    return content[((published >= lo) & (published < hi)).fillna(False).to_numpy(dtype=bool)]


def commbook_suite(
    frames: Frames,
    tz: str = TZ,
    year: tuple[str, str] = YEAR,
    quarter: tuple[str, str] = QUARTER,
) -> dict[str, Any]:
    """The full metric suite with ``commbook.metrics``, as plain Python values.

    - ``headline``: :func:`commbook.metrics.headline` for the quarter (members, active
      members, average DAU/WAU/MAU, stickiness, contribution rate, threads, answered and
      accepted rates, median/p90 first response, engagement by content type);
    - ``daily``: DAU, WAU and MAU for every day of the year;
    - ``contribution_rate`` and ``inequality`` (top 1 % / 10 % shares, Gini) for the year;
    - ``retention``: cohort retention, months 0–12, of the members who joined in the year;
    - ``conversations``: thread statistics of the year's threads;
    - ``engagement_by_type`` of the content published in the year.

    The events are prepared once (:func:`commbook.metrics.prepare_events`, part of the
    measured time) and shared by every metric.
    """
    from commbook import metrics

    members, content = frames.members, frames.content
    # prepared once, inside the timed suite: every metric below reuses its kind codes,
    # member codes, local days and thread keys
    ev = metrics.prepare_events(frames.events)
    head = metrics.headline(ev, members, content, *quarter, tz)
    daily = metrics.daily_active(ev, *year, tz)
    retention = metrics.cohort_retention(ev, members, *year, tz, max_months=MAX_MONTHS)
    conversations = metrics.conversation_summary(metrics.threads(ev, *year, tz))
    inequality = metrics.participation_inequality(ev, *year, tz)
    engagement = metrics.engagement_by_type(published_in(content, *year, tz))
    return {
        "headline": head,
        "daily": {
            "first_day": str(daily["day"].iloc[0].date()),
            **{c: daily[c].tolist() for c in ("dau", "wau", "mau")},
        },
        "contribution_rate": metrics.contribution_rate(ev, *year, tz),
        "inequality": {k: inequality[k] for k in INEQUALITY_KEYS},
        "retention": {
            "cohort": retention["cohort"].tolist(),
            "members": retention["members"].tolist(),
            "shares": retention[list(range(MAX_MONTHS + 1))].to_numpy(dtype="float64").tolist(),
        },
        "conversations": {k: conversations[k] for k in CONVERSATION_KEYS},
        "engagement_by_type": [
            {
                "content_type": str(row.content_type),
                "items": int(row.items),
                "reach": None if pd.isna(row.reach) else int(row.reach),
                "interactions": int(row.interactions),
                "engagement_rate": float(row.engagement_rate),
            }
            for row in engagement.itertuples(index=False)
        ],
    }


# ---- comparing the three ----------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def assert_same(expected: Any, actual: Any, path: str = "suite", rel: float = 1e-9) -> None:
    """Assert two suite results are equal: same keys and lengths, same integers and strings,
    floats within ``rel`` (relative), missing values (``None``, ``NaN``) equal each other."""
    if isinstance(expected, Mapping):
        assert isinstance(actual, Mapping), f"{path}: {actual!r} is not a mapping"
        assert list(expected) == list(actual), f"{path}: keys {list(expected)} ≠ {list(actual)}"
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}", rel)
        return
    if isinstance(expected, list | tuple):
        assert isinstance(actual, list | tuple), f"{path}: {actual!r} is not a list"
        assert len(expected) == len(actual), f"{path}: {len(expected)} ≠ {len(actual)} items"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_same(e, a, f"{path}[{i}]", rel)
        return
    if _missing(expected) or _missing(actual):
        assert _missing(expected) and _missing(actual), f"{path}: {expected!r} ≠ {actual!r}"
        return
    if isinstance(expected, str) or isinstance(actual, str):
        assert expected == actual, f"{path}: {expected!r} ≠ {actual!r}"
        return
    assert math.isclose(float(expected), float(actual), rel_tol=rel, abs_tol=1e-12), (
        f"{path}: {expected!r} ≠ {actual!r}"
    )


def suites() -> dict[str, Callable[..., dict[str, Any]]]:
    """Implementation name → suite function (all with ``commbook_suite``'s signature)."""
    from benchmarks import reference_duckdb, reference_pandas

    return {
        "commbook": commbook_suite,
        "duckdb": reference_duckdb.suite,
        "pandas": reference_pandas.suite,
    }


# ---- running -----------------------------------------------------------------------------------


def _child(impl: str, size: str, repeat: int, out: Path) -> None:
    """Run one implementation on one size (in its own process) and pickle what it found."""
    frames = read_frames(sample_set(*SIZES[size]))
    loaded_mb = peak_mb()
    fn = suites()[impl]
    best, result = math.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(frames)
        best = min(best, time.perf_counter() - started)
    record = {
        "seconds": best,
        "peak_mb": peak_mb(),
        "loaded_mb": loaded_mb,
        "frame_mb": frame_mb(frames.events),
        "events": len(frames.events),
        "result": result,
    }
    out.write_bytes(pickle.dumps(record))


def run(impl: str, size: str, repeat: int) -> dict[str, Any]:
    """Run ``impl`` on ``size`` in a fresh process and return its record."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "record.pkl"
        command = [sys.executable, "-m", "benchmarks.bench_metrics", "--child", impl, size]
        command += ["--repeat", str(repeat), "--out", str(out)]
        print(f"  {size}: {impl} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=True)
        record = pickle.loads(out.read_bytes())
        print(
            f"  {size}: {impl} {record['seconds']:.2f} s, peak {record['peak_mb']:.0f} MB "
            f"(process {time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        return record


def _speedup(ours: float, reference: float) -> dict[str, float]:
    """``ratio`` with two significant digits (0.0027, not 0.0) and ``speedup`` = 1 / ratio."""
    return {"ratio": float(f"{ours / reference:.2g}"), "speedup": round(reference / ours)}


def bench(size: str, repeat: int, naive_seconds_per_event: float | None) -> float | None:
    """Run the implementations on one size, check they agree, emit two ratios.

    The naive pandas reference runs for real on the sizes in ``NAIVE_SIZES``; on the
    others its time is extrapolated linearly in the number of events from the last real
    run (its cost is linear: a mask per day over all rows, an ``apply`` per thread).
    Returns the naive seconds per event measured here, if it ran.
    """
    read_frames(sample_set(*SIZES[size]))  # generate and cache outside the timed processes
    # alternate the two, one timing per process, and keep the best of each: load from
    # other work on the machine comes and goes, and must not favour one side
    runs: dict[str, list[dict[str, Any]]] = {"commbook": [], "duckdb": []}
    for _ in range(repeat):
        for impl, records in runs.items():
            records.append(run(impl, size, 1))
    ours, duck = (min(records, key=lambda r: r["seconds"]) for records in runs.values())
    assert_same(ours["result"], duck["result"], f"{size}: commbook vs duckdb")
    naive = run("pandas", size, 1) if size in NAIVE_SIZES else None
    if naive is not None:
        assert_same(ours["result"], naive["result"], f"{size}: commbook vs pandas")
    common = {
        "events": ours["events"],
        "members": SIZES[size][0],
        "events_frame_mb": round(ours["frame_mb"]),
        "frame_loaded_peak_mb": round(ours["loaded_mb"]),
    }
    emit(
        f"metrics_suite_{size}_vs_duckdb",
        commbook_s=ours["seconds"],
        reference_s=duck["seconds"],
        peak_mb=round(ours["peak_mb"], 1),
        reference_peak_mb=round(duck["peak_mb"], 1),
        **common,
    )
    if naive is not None:
        emit(
            f"metrics_suite_{size}_vs_pandas",
            commbook_s=ours["seconds"],
            reference_s=naive["seconds"],
            peak_mb=round(ours["peak_mb"], 1),
            reference_peak_mb=round(naive["peak_mb"], 1),
            **_speedup(ours["seconds"], naive["seconds"]),
            **common,
        )
        return naive["seconds"] / naive["events"]
    if naive_seconds_per_event is not None:
        emit(
            f"metrics_suite_{size}_vs_pandas",
            commbook_s=ours["seconds"],
            reference_s=naive_seconds_per_event * ours["events"],
            peak_mb=round(ours["peak_mb"], 1),
            reference_extrapolated=f"linear in events from the {NAIVE_SIZES[-1]} run",
            **_speedup(ours["seconds"], naive_seconds_per_event * ours["events"]),
            **common,
        )
    return None


def _stored_naive_seconds_per_event() -> float | None:
    """The naive reference's cost per event from the last real run in results.json, so
    ``python -m benchmarks.bench_metrics 10m`` alone still reports the pandas ratio."""
    if not RESULTS.exists():
        return None
    record = json.loads(RESULTS.read_text()).get(f"metrics_suite_{NAIVE_SIZES[-1]}_vs_pandas")
    return record["reference_s"] / record["events"] if record else None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_metrics")
    parser.add_argument("sizes", nargs="*", choices=[*SIZES, []], help="default: all")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (commbook, duckdb)")
    parser.add_argument("--child", choices=IMPLEMENTATIONS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.sizes[0], args.repeat, args.out)
        return
    per_event = _stored_naive_seconds_per_event()
    for size in args.sizes or list(SIZES):
        per_event = bench(size, args.repeat, per_event) or per_event


if __name__ == "__main__":
    main()
