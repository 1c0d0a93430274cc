"""The benchmark's reference implementations compute the same numbers as commbook.

``benchmarks/`` times ``commbook.metrics`` against naive pandas and DuckDB SQL on millions
of events; the benchmarks never run here, but this keeps the references honest: on a small
generated community (plus hand-made edge cases) the three agree exactly, and the frames
the benchmark builds from CSV are the ones ``commbook.frames`` loads from the store.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import bench_metrics as bm
from commbook import frames
from commbook.samples import SampleSpec, generate_samples

pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-sample")
    generate_samples(out, SampleSpec(members=120, months=12, seed=11, events=4000))
    return out


def _edge_cases(events: pd.DataFrame) -> pd.DataFrame:
    """Threads the generator does not make: anonymous authors and responders, self-replies,
    an answer dated before its question, a post without thread_id, comments on a thread,
    accepted answers, a late answer after the period."""
    rows = [
        # (source_id, kind, occurred_at, member_id, thread_id, parent_id, is_accepted)
        ("x1", "post", "2026-09-01T10:00Z", 1, "x1", None, False),
        ("x1r", "reply", "2026-09-01T10:30Z", 1, "x1", "x1", False),  # self-reply: no
        ("x1c", "comment", "2026-09-01T11:00Z", 2, "x1", "x1", False),  # first touch
        ("x1a", "reply", "2026-09-01T13:00Z", 3, "x1", "x1", True),  # response, accepted
        ("x2", "post", "2026-09-02T12:00Z", None, None, None, False),  # anonymous, no tid
        ("x2r", "reply", "2026-09-02T11:00Z", None, None, "x2", False),  # before question
        ("x3", "post", "2026-10-31T22:30Z", 4, "x3", None, False),  # after the end (Paris)
        ("x4", "post", "2026-10-30T09:00Z", 5, "x4", None, False),
        ("x4r", "reply", "2026-11-02T09:00Z", 6, "x4", "x4", False),  # late answer
        ("x5", "post", "2026-08-15T08:00Z", 7, "x5", None, False),  # only a comment
        ("x5c", "comment", "2026-08-15T09:00Z", 8, None, "x5", False),
    ]
    extra = pd.DataFrame(
        rows,
        columns=["source_id", "kind", "occurred_at", "member_id", "thread_id", "parent_id", "acc"],
    )
    extra = pd.DataFrame(
        {
            "source_id": extra["source_id"].astype("str"),
            "kind": extra["kind"].astype("str"),
            "occurred_at": pd.to_datetime(extra["occurred_at"], utc=True).astype(
                "datetime64[us, UTC]"
            ),
            "member_id": pd.array(extra["member_id"], dtype="Int64"),
            "channel": pd.Series(["forum"] * len(extra), dtype="str"),
            "thread_id": extra["thread_id"].astype("str"),
            "parent_id": extra["parent_id"].astype("str"),
            "category": pd.Series(["question"] * len(extra), dtype="str"),
            "is_accepted": pd.array(extra["acc"], dtype="boolean"),
        }
    )
    both = pd.concat([events, extra], ignore_index=True)
    return both.sort_values("occurred_at", kind="stable", ignore_index=True)


@pytest.fixture(scope="module")
def inputs(folder: Path) -> bm.Frames:
    data = bm.read_frames(folder)
    return bm.Frames(_edge_cases(data.events), data.members, data.content)


@pytest.fixture(scope="module")
def results(inputs: bm.Frames) -> dict[str, dict]:
    return {name: suite(inputs) for name, suite in bm.suites().items()}


@pytest.mark.parametrize("reference", ["duckdb", "pandas"])
def test_reference_equals_commbook(results: dict[str, dict], reference: str) -> None:
    bm.assert_same(results["commbook"], results[reference], reference)


def test_suite_is_not_trivial(results: dict[str, dict]) -> None:
    ours = results["commbook"]
    assert len(ours["daily"]["dau"]) == 365 and ours["daily"]["first_day"] == "2025-11-01"
    assert ours["headline"]["threads"] > 10 and ours["conversations"]["threads"] > 50
    assert 0 < ours["conversations"]["answered_rate"] < 1
    assert ours["conversations"]["accepted_rate"] > 0
    assert len(ours["retention"]["cohort"]) == 12
    assert ours["inequality"]["contributors"] > 20
    assert ours["engagement_by_type"]


def test_assert_same_catches_a_difference(results: dict[str, dict]) -> None:
    changed = copy.deepcopy(results["commbook"])
    changed["daily"]["mau"][100] += 1
    with pytest.raises(AssertionError, match=r"daily\.mau\[100\]"):
        bm.assert_same(results["commbook"], changed)
    changed = copy.deepcopy(results["commbook"])
    changed["conversations"]["p90_first_response_hours"] *= 1 + 1e-6
    with pytest.raises(AssertionError, match="p90_first_response_hours"):
        bm.assert_same(results["commbook"], changed)


def test_benchmark_frames_are_the_store_frames(folder: Path, sqlite_url: str) -> None:
    from commbook.ingest import import_file

    for kind in ("members", "content", "events"):
        import_file(kind, folder / f"{kind}.csv", url=sqlite_url, source="sample")
    built = bm.read_frames(folder)
    loaded = frames.load_events(sqlite_url, columns=bm.EVENT_COLUMNS)
    pd.testing.assert_frame_equal(built.events, loaded)
    members = frames.load_members(sqlite_url, columns=list(built.members.columns))
    pd.testing.assert_frame_equal(built.members, members)
