"""Prepared events: every metric gives the same result from a PreparedEvents as from the frame.

``metrics.prepare_events(events)`` computes the kind codes, member codes, local days and
thread keys once for many metric calls; these tests hold it to "same numbers, less work":
on the sample community loaded from a real store (every catalog metric, several windows)
and on hand-made frames with the awkward cases (anonymous members, missing timestamps and
kinds, two sources with the same ids, string and sparse member ids, an empty frame).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from commbook import frames, metrics
from commbook.errors import ValidationError
from commbook.metrics import workflow
from commbook.metrics.catalog import CATALOG, Inputs
from commbook.metrics.prepared import PreparedEvents, codes_of

TZ = "Europe/Paris"
#: A quarter, a month across a DST change, a week and an open-ended tail of the sample year.
WINDOWS = [
    ("2026-08-01", "2026-11-01"),
    ("2026-03-01", "2026-04-01"),
    ("2026-10-19", "2026-10-26"),
    ("2026-10-25", "2026-11-08"),
]


def _same(expected: object, actual: object) -> None:
    if isinstance(expected, pd.DataFrame):
        assert_frame_equal(expected, actual)
    elif isinstance(expected, pd.Series):
        assert_series_equal(expected, actual)
    elif isinstance(expected, dict):
        assert list(expected) == list(actual)
        for key in expected:
            _same(expected[key], actual[key])
    elif isinstance(expected, list):
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual, strict=True):
            _same(e, a)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual)
    else:
        assert expected == actual


@pytest.fixture(scope="module")
def store(sample_db: Path) -> Inputs:
    """Every frame of the sample community, loaded through ``commbook.frames``."""
    url = f"sqlite:///{sample_db}"
    return Inputs(
        events=frames.load_events(url, columns=list(frames.EVENT_COLUMNS)),
        members=frames.load_members(url, columns=list(frames.MEMBER_COLUMNS)),
        content=frames.load_content(url, columns=list(frames.CONTENT_COLUMNS)),
        responses=frames.load_responses(url, columns=["submitted_at", "score", "survey_kind"]),
        triage=frames.load_triage(url, columns=list(frames.TRIAGE_COLUMNS)),
        moderation=frames.load_moderation(url, columns=list(frames.MODERATION_COLUMNS)),
    )


def test_every_catalog_metric_has_the_same_value_from_prepared_events(store: Inputs) -> None:
    prepared = Inputs(**{**vars(store), "events": metrics.prepare_events(store.events)})
    for key, entry in CATALOG.items():
        for start, end in WINDOWS:
            expected = entry.value(store, start, end, TZ)
            got = entry.value(prepared, start, end, TZ)
            assert got == expected or (math.isnan(got) and math.isnan(expected)), (key, start)
    # and again, from what the prepared events remembered (activity, conversations)
    for key, entry in CATALOG.items():
        expected = entry.value(store, *WINDOWS[0], TZ)
        got = entry.value(prepared, *WINDOWS[0], TZ)
        assert got == expected or (math.isnan(got) and math.isnan(expected)), key


def _calls(events: object, members: pd.DataFrame, content: pd.DataFrame, start, end) -> dict:
    """Every metric that takes ``events``, on one window."""
    staff = members.assign(role=np.where(np.arange(len(members)) % 4 == 0, "staff", "member"))
    segments = pd.Series(np.where(np.arange(len(members)) % 3 == 0, "a", "b"))
    segments.index = members["member_id"]
    out = {
        "daily": metrics.daily_active(events, start, end, TZ),
        "weekly": metrics.weekly_active_members(events, start, end, TZ),
        "new_vs_returning": metrics.new_vs_returning(events, members, start, end, TZ),
        "contribution_rate": metrics.contribution_rate(events, start, end, TZ),
        "per_member": metrics.contributions_per_member(events, start, end, TZ),
        "inequality": metrics.participation_inequality(events, start, end, TZ),
        "repeat": metrics.repeat_participation(events, start, end, TZ),
        "retention": metrics.cohort_retention(events, members, start, end, TZ),
        "threads": metrics.threads(events, start, end, TZ),
        "staff_threads": metrics.threads(
            events, start, end, TZ, members=staff, responder_roles=("staff",)
        ),
        "active": metrics.active_members(events),
        "posts": metrics.event_count(events, "post"),
        "segments": metrics.engagement_by_member_segment(events, segments),
        "moderation": workflow.moderation_per_1000_posts(
            pd.DataFrame({"action": ["hide"]}), events
        ),
    }
    if start is not None:
        out["summary"] = metrics.activity_summary(events, start, end, TZ)
        out["lapsed"] = metrics.lapsed_members(events, start, end, TZ)
        out["headline"] = metrics.headline(events, members, content, start, end, TZ)
    return out


def test_every_metric_taking_events_gives_the_same_result_prepared(store: Inputs) -> None:
    prepared = metrics.prepare_events(store.events)
    for start, end in [*WINDOWS, (None, None)]:
        _same(
            _calls(store.events, store.members, store.content, start, end),
            _calls(prepared, store.members, store.content, start, end),
        )
    answers = workflow.community_answer_share(store.events, store.members)
    assert workflow.community_answer_share(prepared, store.members) == answers


def _awkward() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Anonymous events, a missing time, a missing kind, the same ids in two sources."""
    rows = [
        # source, source_id, kind, occurred_at, member, thread_id, parent_id, accepted
        ("forum", "p1", "post", "2026-10-01T08:00Z", 1, "p1", None, False),
        ("forum", "r1", "reply", "2026-10-01T09:00Z", 2, "p1", "p1", True),
        ("forum", "c1", "comment", "2026-10-01T09:30Z", None, None, "r1", False),
        ("slack", "p1", "post", "2026-10-02T08:00Z", 3, "p1", None, False),  # same id, other source
        ("slack", "r1", "reply", "2026-10-02T07:00Z", 3, "p1", "p1", False),  # self, before
        ("slack", "r2", "reply", None, 4, "p1", "p1", False),  # no time: ignored
        ("forum", "x1", None, "2026-10-03T10:00Z", 5, None, None, False),  # no kind
        ("forum", "v1", "view", "2026-10-03T11:00Z", 6, None, None, False),
        ("forum", "a1", "reaction", "2026-10-04T23:30Z", None, "p1", "p1", False),
        ("forum", "p2", "post", "2026-10-05T12:00Z", None, None, None, False),  # anonymous
        ("forum", "r3", "reply", "2026-10-30T12:00Z", 1, None, "p2", False),
    ]
    events = pd.DataFrame(
        {
            "source": [r[0] for r in rows],
            "source_id": [r[1] for r in rows],
            "kind": pd.Series([r[2] for r in rows], dtype="str"),
            "occurred_at": pd.to_datetime([r[3] for r in rows], utc=True),
            "member_id": pd.array([r[4] for r in rows], dtype="Int64"),
            "thread_id": [r[5] for r in rows],
            "parent_id": [r[6] for r in rows],
            "is_accepted": pd.array([r[7] for r in rows], dtype="boolean"),
            "category": "question",
            "channel": "forum",
        }
    )
    members = pd.DataFrame(
        {
            "member_id": pd.array(range(1, 8), dtype="Int64"),
            "joined_at": pd.to_datetime(
                ["2026-09-20T10:00Z"] * 3 + ["2026-10-02T10:00Z"] * 4, utc=True
            ),
            "left_at": pd.Series([pd.NaT] * 7, dtype="datetime64[ns, UTC]"),
        }
    )
    return events, members


@pytest.mark.parametrize("ids", ["nullable", "sparse", "strings"])
def test_awkward_frames_give_the_same_results_prepared(ids: str) -> None:
    events, members = _awkward()
    if ids == "sparse":  # large ids: hashed, not a lookup table
        events["member_id"] = events["member_id"] * 10**12
        members["member_id"] = members["member_id"] * 10**12
    elif ids == "strings":
        events["member_id"] = events["member_id"].map(lambda v: None if pd.isna(v) else f"m{v}")
        members["member_id"] = members["member_id"].map(lambda v: f"m{v}")
    content = pd.DataFrame(
        {"content_type": ["post"], **{c: [1] for c in ("reach", "views", "likes")}}
        | {"comments": [0], "shares": [0]}
    )
    prepared = metrics.prepare_events(events)
    for start, end in [("2026-10-01", "2026-11-01"), ("2026-10-02", "2026-10-03"), (None, None)]:
        _same(
            _calls(events, members, content, start, end),
            _calls(prepared, members, content, start, end),
        )
    table = metrics.threads(prepared, "2026-10-01", "2026-11-01", TZ)
    # the two "p1" threads are told apart by their source; the timeless reply is ignored
    assert table["replies"].tolist() == [1, 1, 1]
    assert table["answered"].tolist() == [True, False, True]  # p2: anonymous asker


def test_an_empty_frame_prepares_and_measures_nothing() -> None:
    events = pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in ("member_id", "kind", "occurred_at")}
    )
    prepared = metrics.prepare_events(events)
    assert metrics.daily_active(prepared, "2026-10-01", "2026-10-03", TZ)["dau"].tolist() == [0, 0]
    assert math.isnan(metrics.contribution_rate(prepared, "2026-10-01", "2026-10-03", TZ))
    assert metrics.participation_inequality(prepared)["contributors"] == 0


def test_prepared_arrays_are_read_only_and_results_cannot_corrupt_them() -> None:
    events, _ = _awkward()
    prepared = metrics.prepare_events(events)
    first = metrics.threads(prepared, "2026-10-01", "2026-11-01", TZ)
    for array in (prepared.member_codes, prepared.times, prepared.conversations.thread):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 99
    first["replies"] = 0  # a caller changing its result does not change the next one
    again = metrics.threads(prepared, "2026-10-01", "2026-11-01", TZ)
    assert again["replies"].tolist() == [1, 1, 1]


def test_prepare_events_is_idempotent_and_refuses_what_is_not_a_frame() -> None:
    events, _ = _awkward()
    prepared = metrics.prepare_events(events)
    assert metrics.prepare_events(prepared) is prepared
    assert isinstance(prepared, PreparedEvents) and prepared.frame is events
    assert len(prepared) == len(events) and "11 events" in repr(prepared)
    with pytest.raises(ValidationError, match="expected a pandas DataFrame"):
        metrics.prepare_events([1, 2, 3])  # type: ignore[arg-type]


def test_member_codes_number_each_member_once_and_mark_anonymous_rows() -> None:
    for values in (
        pd.Series([5, None, 3, 5, 3], dtype="Int64"),  # compact: lookup table
        pd.Series([5 * 10**12, None, 3, 5 * 10**12, 3], dtype="Int64"),  # sparse: hashed
        pd.Series(["b", None, "a", "b", "a"], dtype="str"),
    ):
        codes, ids = codes_of(values)
        assert codes[1] == -1 and codes[0] == codes[3] and codes[2] == codes[4] != codes[0]
        assert ids[codes[0]] == values[0] and ids[codes[2]] == values[2] and len(ids) == 2
        assert ids.dtype == values.dtype


def test_a_catalog_summary_is_computed_once_per_window(
    store: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = metrics.prepare_events(store.events)
    computed = []
    remember = prepared.memo

    def memo(key, compute):  # records what is computed rather than remembered
        return remember(key, lambda: computed.append(key) or compute())

    monkeypatch.setattr(prepared, "memo", memo)
    inputs = Inputs(events=prepared)
    for key in ("answered_rate", "threads", "stickiness", "monthly_active_members"):
        CATALOG[key].value(inputs, *WINDOWS[0], TZ)
    CATALOG["threads"].value(inputs, *WINDOWS[1], TZ)
    assert [key[0] for key in computed] == [
        "conversation_summary",
        "activity_summary",
        "conversation_summary",
    ]
