"""Importers: every kind, validation messages, all-or-nothing, quarantine, idempotency."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commbook.errors import CommbookError, ImportRejected
from commbook.ingest import KINDS, ImportResult, import_file
from commbook.store import (
    ActivityEvent,
    AudienceSegment,
    AuditEntry,
    Channel,
    ContentItem,
    Member,
    Objective,
    Survey,
    SurveyResponse,
    TriageItem,
    session_scope,
)

DATA = Path(__file__).parent / "data"
UTC = dt.UTC

EVENT_HEADER = "event_id,kind,occurred_at,member_id,channel,score\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(url: str, model: type) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model))


def by_source_id(url: str, model: type) -> dict[str, object]:
    with session_scope(url) as s:
        return {r.source_id: r for r in s.scalars(select(model))}


def load_members(url: str) -> None:
    import_file("members", DATA / "members.csv", url=url)


# -- each kind ----------------------------------------------------------------------------
def test_kinds_are_the_documented_ones() -> None:
    assert KINDS == (
        "members",
        "events",
        "content",
        "surveys",
        "responses",
        "triage",
        "objectives",
        "segments",
        "stackexchange",
    )


def test_members_import_with_utc_conversion_and_defaults(sqlite_url: str) -> None:
    result = import_file("members", DATA / "members.csv", url=sqlite_url)
    assert (result.rows_read, result.inserted, result.rejected) == (4, 4, 0)
    members = by_source_id(sqlite_url, Member)
    ana = members["m1"]
    assert ana.source == "csv"
    assert ana.joined_at == dt.datetime(2026, 1, 5, 7, 15, tzinfo=UTC)  # 09:15+02:00
    assert ana.country == "BR"  # upper-cased
    assert (ana.language, ana.age_band, ana.role) == ("pt-BR", "25-34", "moderator")
    assert members["m2"].role == "member"  # default
    assert members["m3"].joined_at == dt.datetime(2026, 1, 8, 4, 30, tzinfo=UTC)  # -05:00
    assert members["m3"].left_at == dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert members["m4"].role == "staff"


def test_events_resolve_members_channels_and_content(sqlite_url: str) -> None:
    load_members(sqlite_url)
    import_file("content", DATA / "content.csv", url=sqlite_url)
    result = import_file("events", DATA / "events.csv", url=sqlite_url)
    assert (result.inserted, result.updated, result.unchanged) == (6, 0, 0)
    events = by_source_id(sqlite_url, ActivityEvent)
    members = by_source_id(sqlite_url, Member)
    content = by_source_id(sqlite_url, ContentItem)
    with session_scope(sqlite_url) as s:
        channels = {c.id: c.key for c in s.scalars(select(Channel))}
    assert set(channels.values()) == {"forum", "blog", "social"}  # created on the fly
    e1, e2 = events["e1"], events["e2"]
    assert e1.occurred_at == dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert (e1.kind, e1.category, e1.thread_id, e1.score) == ("post", "question", "e1", 3)
    assert e1.body == "I tried the link, it fails."
    assert e1.member_id == members["m1"].id
    assert channels[e1.channel_id] == "forum"
    assert (e2.parent_id, e2.is_accepted, e2.is_accepted is True) == ("e1", True, True)
    assert events["e4"].member_id is None  # anonymous reaction
    assert events["e5"].content_item_id == content["c1"].id
    assert channels[events["e6"].channel_id] == "social"


def test_content_status_defaults_and_metrics(sqlite_url: str) -> None:
    import_file("content", DATA / "content.csv", url=sqlite_url)
    items = by_source_id(sqlite_url, ContentItem)
    welcome, ama = items["c1"], items["c2"]
    assert welcome.status == "published"  # default when published_at is set
    assert welcome.published_at == dt.datetime(2026, 2, 1, 7, 0, tzinfo=UTC)
    assert (welcome.reach, welcome.likes, welcome.shares) == (1200, 45, 7)
    assert ama.status == "scheduled"
    assert ama.likes is None
    assert welcome.version == 1
    with session_scope(sqlite_url) as s:  # content is planning data: audited
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "content_items")).all()
    assert len(entries) == 2
    assert {e.action for e in entries} == {"create"}


def test_surveys_and_responses(sqlite_url: str) -> None:
    load_members(sqlite_url)
    import_file("surveys", DATA / "surveys.csv", url=sqlite_url)
    result = import_file("responses", DATA / "responses.csv", url=sqlite_url)
    assert result.inserted == 3
    surveys = by_source_id(sqlite_url, Survey)
    assert (surveys["s1"].kind, surveys["s1"].scale_min, surveys["s1"].scale_max) == ("nps", 0, 10)
    assert (surveys["s2"].scale_min, surveys["s2"].scale_max) == (1, 5)  # csat default
    assert surveys["s1"].sent_count == 500
    responses = by_source_id(sqlite_url, SurveyResponse)
    assert responses["r1"].score == 9.0
    assert responses["r1"].survey_id == surveys["s1"].id
    assert responses["r3"].survey_id == surveys["s2"].id
    assert responses["r3"].member_id is None


def test_responses_with_survey_option_create_an_nps_survey(sqlite_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "response_id,submitted_at,score\nx1,2026-05-01T10:00:00Z,10\n")
    import_file("responses", path, url=sqlite_url, survey="pulse-may")
    survey = by_source_id(sqlite_url, Survey)["pulse-may"]
    assert (survey.kind, survey.scale_min, survey.scale_max) == ("nps", 0, 10)
    assert by_source_id(sqlite_url, SurveyResponse)["x1"].survey_id == survey.id


def test_response_score_outside_the_survey_scale_is_refused(
    sqlite_url: str, tmp_path: Path
) -> None:
    import_file("surveys", DATA / "surveys.csv", url=sqlite_url)
    path = write(
        tmp_path, "r.csv", "response_id,survey_id,submitted_at,score\nx,s2,2026-05-01T10:00:00Z,7\n"
    )
    with pytest.raises(ImportRejected) as info:
        import_file("responses", path, url=sqlite_url)
    error = info.value.errors[0]
    assert (error.row, error.field) == (1, "score")
    assert "between 1 and 5" in str(error)


def test_triage_resolves_events_and_members(sqlite_url: str) -> None:
    load_members(sqlite_url)
    import_file("content", DATA / "content.csv", url=sqlite_url)
    import_file("events", DATA / "events.csv", url=sqlite_url)
    result = import_file("triage", DATA / "triage.csv", url=sqlite_url)
    assert result.inserted == 2
    items = by_source_id(sqlite_url, TriageItem)
    t1, t2 = items["t1"], items["t2"]
    assert t1.event_id == by_source_id(sqlite_url, ActivityEvent)["e1"].id
    assert t1.received_at == dt.datetime(2026, 2, 1, 8, 5, tzinfo=UTC)
    assert (t1.urgency, t1.status, t1.closed_loop) == ("high", "resolved", True)
    assert (t2.escalation_level, t2.closed_loop, t2.tags) == ("legal", False, [])


def test_triage_unknown_event_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.csv",
        "triage_id,received_at,category,event_id\nt9,2026-01-01T00:00Z,support,nope\n",
    )
    with pytest.raises(ImportRejected, match=r"row 1, field 'event_id': unknown event_id 'nope'"):
        import_file("triage", path, url=sqlite_url)


def test_objectives_go_through_the_orm_with_audit(sqlite_url: str) -> None:
    result = import_file("objectives", DATA / "objectives.csv", url=sqlite_url, actor="ana")
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    with session_scope(sqlite_url) as s:
        objectives = {o.title: o for o in s.scalars(select(Objective))}
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "objectives")).all()
    grow = objectives["Grow weekly active members"]
    assert (grow.baseline, grow.target, grow.direction, grow.status) == (
        120,
        180,
        "increase",
        "active",
    )
    assert grow.due_date == dt.date(2026, 6, 30)
    assert objectives["Faster first response"].direction == "decrease"
    assert {(a.actor, a.action) for a in audit} == {("ana", "create")}
    assert len(audit) == 2


def test_objective_update_is_audited_and_versioned(sqlite_url: str, tmp_path: Path) -> None:
    import_file("objectives", DATA / "objectives.csv", url=sqlite_url)
    edited = (DATA / "objectives.csv").read_text().replace("120,180", "120,200")
    result = import_file("objectives", write(tmp_path, "o.csv", edited), url=sqlite_url, actor="bo")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    with session_scope(sqlite_url) as s:
        grow = s.scalars(select(Objective).where(Objective.target == 200)).one()
        update = s.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert grow.version == 2
    assert update.actor == "bo"
    assert update.changes == {"target": {"old": 180.0, "new": 200.0}}


@pytest.mark.parametrize(
    ("values", "field", "expected"),
    [
        ("120,100,increase,2026-01-01,2026-06-30", "target", "target above the baseline"),
        ("120,130,decrease,2026-01-01,2026-06-30", "target", "target below the baseline"),
        ("120,180,increase,2026-06-30,2026-01-01", "due_date", "due_date must be after"),
        ("120,180,sideways,2026-01-01,2026-06-30", "direction", "expected one of"),
        ("120,180,increase,2026-01-01,2026-02-30", "due_date", "expected a date like"),
    ],
)
def test_objective_rules(
    sqlite_url: str, tmp_path: Path, values: str, field: str, expected: str
) -> None:
    path = write(
        tmp_path,
        "o.csv",
        f"title,baseline,target,direction,start_date,due_date,owner\nGrow,{values},ana\n",
    )
    with pytest.raises(ImportRejected) as info:
        import_file("objectives", path, url=sqlite_url)
    error = info.value.errors[0]
    assert (error.file, error.row, error.field) == (str(path), 1, field)
    assert expected in error.reason
    assert count(sqlite_url, Objective) == 0


def test_segments_from_json_matched_by_name(sqlite_url: str, tmp_path: Path) -> None:
    result = import_file("segments", DATA / "segments.json", url=sqlite_url)
    assert result.inserted == 2
    with session_scope(sqlite_url) as s:
        segments = {x.name: x for x in s.scalars(select(AudienceSegment))}
    new = segments["New contributors"]
    assert new.demographics == {
        "regions": ["EU"],
        "languages": ["en", "fr"],
        "age_bands": ["18-24", "25-34"],
    }
    assert new.preferences["channels"] == ["forum"]
    assert new.behaviours == {"activity_level": "low", "tenure": "new"}
    assert segments["Power users"].rule == {"min_posts": 50, "posts_within_days": 90}
    again = import_file("segments", DATA / "segments.json", url=sqlite_url)
    assert (again.inserted, again.unchanged) == (0, 2)
    csv_path = write(tmp_path, "s.csv", "name\nx\n")
    with pytest.raises(CommbookError, match="JSON"):
        import_file("segments", csv_path, url=sqlite_url)


def test_segment_with_a_bad_age_band_names_the_nested_field(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "s.jsonl", '{"name": "x", "demographics": {"age_bands": ["12-17"]}}\n')
    with pytest.raises(ImportRejected) as info:
        import_file("segments", path, url=sqlite_url)
    assert info.value.errors[0].field == "demographics.age_bands"
    assert "expected one of" in info.value.errors[0].reason


def test_segment_rules_are_checked_on_import_like_in_the_app(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A rule the app would refuse is refused here too: imported, it would break every
    report that sizes segments."""
    from commbook.reports.data import load_report_data

    bad = write(
        tmp_path, "bad.jsonl", '{"name": "Recent", "rule": {"active_within_days": "thirty"}}\n'
    )
    with pytest.raises(ImportRejected) as info:
        import_file("segments", bad, url=sqlite_url)
    error = info.value.errors[0]
    assert (error.row, error.field) == (1, "rule.active_within_days")
    assert "whole number" in error.reason
    good = write(tmp_path, "good.jsonl", '{"name": "Recent", "rule": {"active_within_days": 30}}\n')
    assert import_file("segments", good, url=sqlite_url).inserted == 1
    assert load_report_data("2026-10", url=sqlite_url, tz="UTC").segment_sizes == {"Recent": 0}


# -- validation messages -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        (
            "e1,post,2026-13-01,m1,forum,1",
            "occurred_at",
            "expected a timestamp with a UTC offset like 2026-10-04T09:15:00+02:00, "
            "got '2026-13-01'",
        ),
        ("e1,post,2026-10-04T09:15:00,m1,forum,1", "occurred_at", "or pass --timezone"),
        ("e1,post,1700000000,m1,forum,1", "occurred_at", "got '1700000000'"),
        ("e1,post,2026-10-04T09:15:00Z,m1,forum,many", "score", "expected a whole number"),
        ("e1,posted,2026-10-04T09:15:00Z,m1,forum,1", "kind", "expected one of 'post'"),
        (
            "e1,post,2026-10-04T09:15:00Z,ghost,forum,1",
            "member_id",
            "unknown member_id 'ghost' (import members first)",
        ),
        (",post,2026-10-04T09:15:00Z,m1,forum,1", "event_id", "a value is required"),
    ],
)
def test_bad_value_names_file_row_and_field(
    sqlite_url: str, tmp_path: Path, row: str, field: str, expected: str
) -> None:
    load_members(sqlite_url)
    good = "e0,post,2026-10-04T09:15:00Z,m1,forum,1"
    path = write(tmp_path, "events.csv", EVENT_HEADER + good + "\n" + row + "\n")
    with pytest.raises(ImportRejected) as info:
        import_file("events", path, url=sqlite_url)
    assert len(info.value.errors) == 1
    error = info.value.errors[0]
    assert (error.file, error.row, error.field) == (str(path), 2, field)
    assert expected in str(error)
    assert str(error).startswith(f"{path}, row 2, field '{field}': ")
    assert count(sqlite_url, ActivityEvent) == 0


def test_every_bad_row_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    rows = "".join(f"e{i},post,not-a-date,,forum,1\n" for i in range(12))
    with pytest.raises(ImportRejected) as info:
        import_file("events", write(tmp_path, "e.csv", EVENT_HEADER + rows), url=sqlite_url)
    assert len(info.value.errors) == 12
    assert info.value.total_rows == 12
    assert "12 invalid row(s); nothing was imported" in str(info.value)


def test_duplicate_ids_in_one_file_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    rows = "e1,post,2026-01-01T00:00:00Z,,forum,1\ne1,post,2026-01-02T00:00:00Z,,forum,1\n"
    with pytest.raises(ImportRejected, match=r"row 2, field 'event_id': duplicate event_id 'e1' "):
        import_file("events", write(tmp_path, "e.csv", EVENT_HEADER + rows), url=sqlite_url)


def test_timezone_option_localises_naive_timestamps(sqlite_url: str, tmp_path: Path) -> None:
    # 2026-03-29 03:30 in Paris is after the DST switch: UTC+2
    path = write(tmp_path, "e.csv", EVENT_HEADER + "e1,post,2026-03-29T03:30:00,,forum,\n")
    import_file("events", path, url=sqlite_url, timezone="Europe/Paris")
    event = by_source_id(sqlite_url, ActivityEvent)["e1"]
    assert event.occurred_at == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(CommbookError, match="unknown timezone 'Mars/Olympus'"):
        import_file("events", path, url=sqlite_url, timezone="Mars/Olympus")


def test_missing_required_column_is_refused_before_reading(sqlite_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "event_id,kind\ne1,post\n")
    with pytest.raises(CommbookError, match=r"missing required column\(s\) occurred_at"):
        import_file("events", path, url=sqlite_url)


# -- all-or-nothing and quarantine -----------------------------------------------------------
def test_a_bad_row_imports_nothing_on_both_backends(store_url: str, tmp_path: Path) -> None:
    load_members(store_url)
    good = "".join(f"e{i},post,2026-01-01T00:00:{i:02d}Z,m1,newchannel,1\n" for i in range(30))
    path = write(tmp_path, "e.csv", EVENT_HEADER + good + "bad,post,yesterday,m1,forum,1\n")
    with pytest.raises(ImportRejected) as info:
        import_file("events", path, url=store_url)
    assert info.value.errors[0].row == 31
    assert count(store_url, ActivityEvent) == 0
    assert count(store_url, Channel) == 0  # channels created on the way were rolled back too


def test_a_bad_row_after_the_first_batch_still_writes_nothing(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("commbook.ingest.pipeline.BATCH", 10)  # several batches written first
    good = "".join(f"e{i},post,2026-01-01T00:00:00Z,,forum,1\n" for i in range(35))
    path = write(tmp_path, "e.csv", EVENT_HEADER + good + "x,post,2026-01-01T00:00:00Z,,forum,-\n")
    with pytest.raises(ImportRejected):
        import_file("events", path, url=sqlite_url)
    assert count(sqlite_url, ActivityEvent) == 0


def test_quarantine_imports_good_rows_and_writes_bad_ones(store_url: str, tmp_path: Path) -> None:
    load_members(store_url)
    text = (
        EVENT_HEADER
        + "e1,post,2026-01-01T00:00:00Z,m1,forum,1\n"
        + "e2,post,2026-13-01,m1,forum,1\n"
        + "e3,reply,2026-01-01T01:00:00Z,m2,forum,2\n"
        + "e4,reply,2026-01-01T01:00:00Z,ghost,forum,2\n"
    )
    bad = tmp_path / "out" / "bad.csv"
    result = import_file("events", write(tmp_path, "e.csv", text), url=store_url, quarantine=bad)
    assert (result.rows_read, result.inserted, result.rejected) == (4, 2, 2)
    assert result.quarantine == str(bad)
    assert result.summary() == (
        f"events: 4 rows read — 2 inserted, 0 updated, 0 unchanged, 2 rejected (written to {bad})"
    )
    assert set(by_source_id(store_url, ActivityEvent)) == {"e1", "e3"}
    with open(bad, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [*EVENT_HEADER.strip().split(","), "_row", "_error"]
    assert [(r["event_id"], r["_row"]) for r in rows] == [("e2", "2"), ("e4", "4")]
    assert rows[0]["occurred_at"] == "2026-13-01"  # the original value, for fixing
    assert rows[0]["_error"].startswith("field 'occurred_at': expected a timestamp")
    assert (
        rows[1]["_error"] == "field 'member_id': unknown member_id 'ghost' (import members first)"
    )


def test_quarantine_of_json_lines_keeps_all_keys(sqlite_url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.jsonl",
        '{"event_id": "a", "kind": "post", "occurred_at": "2026-01-01T00:00:00Z"}\n'
        "not json\n"
        '{"event_id": "b", "kind": "nope", "occurred_at": "2026-01-01T00:00:00Z", "extra": 1}\n',
    )
    bad = tmp_path / "bad.csv"
    result = import_file("events", path, url=sqlite_url, quarantine=bad)
    assert (result.inserted, result.rejected) == (1, 2)
    rows = list(csv.DictReader(bad.open(encoding="utf-8")))
    assert rows[0]["_row"] == "2" and "not valid JSON" in rows[0]["_error"]
    assert rows[0]["line"] == "not json"
    assert rows[1]["extra"] == "1" and rows[1]["_row"] == "3"


def test_quarantine_cannot_overwrite_the_input(sqlite_url: str) -> None:
    with pytest.raises(CommbookError, match="cannot be the file imported"):
        import_file(
            "members", DATA / "members.csv", url=sqlite_url, quarantine=DATA / "members.csv"
        )


# -- idempotency ----------------------------------------------------------------------------
def test_reimport_changes_nothing_and_an_edit_counts_as_updated(
    store_url: str, tmp_path: Path
) -> None:
    load_members(store_url)
    first = import_file("events", DATA / "events.jsonl", url=store_url)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = import_file("events", DATA / "events.jsonl", url=store_url)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    edited = (DATA / "events.jsonl").read_text().replace('"score": 2', '"score": 7')
    path = write(
        tmp_path,
        "events.jsonl",
        edited + '{"event_id": "j3", "kind": "view", "occurred_at": "2026-02-05T12:00:00Z"}\n',
    )
    third = import_file("events", path, url=store_url)
    assert (third.inserted, third.updated, third.unchanged) == (1, 1, 1)
    assert by_source_id(store_url, ActivityEvent)["j1"].score == 7
    assert count(store_url, ActivityEvent) == 3


def test_every_bulk_kind_is_idempotent(sqlite_url: str) -> None:
    files = [
        ("members", "members.csv"),
        ("content", "content.csv"),
        ("events", "events.csv"),
        ("surveys", "surveys.csv"),
        ("responses", "responses.csv"),
        ("triage", "triage.csv"),
        ("objectives", "objectives.csv"),
    ]
    for kind, name in files:
        import_file(kind, DATA / name, url=sqlite_url)
    for kind, name in files:
        result = import_file(kind, DATA / name, url=sqlite_url)
        assert (result.inserted, result.updated, result.rejected) == (0, 0, 0), kind
        assert result.unchanged == result.rows_read > 0, kind


def test_updated_content_bumps_version_and_is_audited(sqlite_url: str, tmp_path: Path) -> None:
    import_file("content", DATA / "content.csv", url=sqlite_url, actor="ana")
    edited = (DATA / "content.csv").read_text().replace("1200,3400,900,45", "1500,3400,900,60")
    result = import_file("content", write(tmp_path, "c.csv", edited), url=sqlite_url, actor="bo")
    assert (result.updated, result.unchanged) == (1, 1)
    item = by_source_id(sqlite_url, ContentItem)["c1"]
    assert (item.reach, item.likes, item.version) == (1500, 60, 2)
    with session_scope(sqlite_url) as s:
        update = s.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert update.actor == "bo" and update.entity_id == str(item.id)
    assert update.changes == {"reach": {"old": 1200, "new": 1500}, "likes": {"old": 45, "new": 60}}


def test_sources_keep_ids_apart(sqlite_url: str) -> None:
    import_file("members", DATA / "members.csv", url=sqlite_url, source="discourse")
    import_file("members", DATA / "members.csv", url=sqlite_url, source="discord")
    assert count(sqlite_url, Member) == 8
    with pytest.raises(ImportRejected, match="unknown member_id 'm1'"):
        import_file("events", DATA / "events.csv", url=sqlite_url, source="slack")


# -- formats and mapping --------------------------------------------------------------------
def test_json_array_with_numeric_ids(sqlite_url: str) -> None:
    load_members(sqlite_url)
    result = import_file("events", DATA / "events.json", url=sqlite_url)
    assert result.inserted == 2
    events = by_source_id(sqlite_url, ActivityEvent)
    assert events["102"].parent_id == "101"  # ids are text


def test_jsonl_rows_are_numbered_by_line(sqlite_url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.jsonl",
        '{"event_id": "a", "kind": "post", "occurred_at": "2026-01-01T00:00:00Z"}\n\n'
        '{"event_id": "b", "kind": "post", "occurred_at": "2026-01-01T00:00:00Z", "score": "x"}\n',
    )
    with pytest.raises(ImportRejected, match=r"row 3, field 'score'"):
        import_file("events", path, url=sqlite_url)


@pytest.mark.parametrize("name", ["members.csv", "events.jsonl", "events.json"])
def test_gzipped_files(sqlite_url: str, tmp_path: Path, name: str) -> None:
    load_members(sqlite_url)
    target = tmp_path / f"{name}.gz"
    with open(DATA / name, "rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    kind = "members" if name.startswith("members") else "events"
    result = import_file(kind, target, url=sqlite_url, source="csv")
    assert result.rows_read > 0
    assert result.rejected == 0


def test_mapping_renames_columns(sqlite_url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "export.csv",
        "ID,Type,Created,Ignored\nx1,post,2026-01-01T10:00:00+01:00,whatever\n",
    )
    mapping = {"ID": "event_id", "Type": "kind", "Created": "occurred_at"}
    result = import_file("events", path, url=sqlite_url, mapping=mapping)
    assert result.inserted == 1
    event = by_source_id(sqlite_url, ActivityEvent)["x1"]
    assert event.occurred_at == dt.datetime(2026, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(CommbookError, match="unknown field"):
        import_file("events", path, url=sqlite_url, mapping={"ID": "identifier"})
    with pytest.raises(CommbookError, match="'Nope' not in the header"):
        import_file("events", path, url=sqlite_url, mapping={**mapping, "Nope": "score"})


def test_progress_bar_goes_to_stderr(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import_file("members", DATA / "members.csv", url=sqlite_url, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "members members.csv" in captured.err


def test_unknown_kind_and_missing_file(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(CommbookError, match="unknown import kind 'people'"):
        import_file("people", DATA / "members.csv", url=sqlite_url)
    with pytest.raises(CommbookError, match="no such file"):
        import_file("members", tmp_path / "nope.csv", url=sqlite_url)
    with pytest.raises(CommbookError, match="unknown file type"):
        import_file("members", write(tmp_path, "m.xlsx", ""), url=sqlite_url)


def test_result_summary_format() -> None:
    result = ImportResult("events", "e.csv", 1204, 1200, 0, 0, 4, 0, "bad.csv")
    assert result.summary() == (
        "events: 1,204 rows read — 1,200 inserted, 0 updated, 0 unchanged, "
        "4 rejected (written to bad.csv)"
    )


def test_large_file_streams_in_batches(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("commbook.ingest.pipeline.BATCH", 100)
    path = tmp_path / "e.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(1050):
            f.write(json.dumps({"event_id": i, "kind": "view", "occurred_at": "2026-01-01T00:00Z"}))
            f.write("\n")
    result = import_file("events", path, url=sqlite_url)
    assert result.inserted == 1050
    assert count(sqlite_url, ActivityEvent) == 1050


def test_a_stored_segment_whose_rule_cannot_be_applied_does_not_take_the_report_down(
    sqlite_url: str,
) -> None:
    from commbook.errors import ValidationError
    from commbook.reports.data import load_report_data
    from commbook.reports.sections import build_report

    with session_scope(sqlite_url) as s:  # as an older import could have stored it
        s.add(AudienceSegment(name="Recent", rule={"active_within_days": "thirty"}))
    data = load_report_data("2026-10", url=sqlite_url, tz="UTC")
    words = " ".join(getattr(p, "data", "") for p in build_report(data).section("audience").parts)
    assert "Segment Recent: " in words and "left out; fix its rule" in words
    with pytest.raises(ValidationError, match="segment 'Recent' has a rule that cannot be"):
        load_report_data("2026-10", url=sqlite_url, tz="UTC", segment="Recent")
