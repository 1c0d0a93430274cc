"""The calendar in a real store (SQLite and PostgreSQL): save, conflicts, audit, moves,
exports that parse, the CSV round trip through both importers, and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from commbook import calendar as cal
from commbook import planning
from commbook.calendar import csvio, ics, service
from commbook.cli import main
from commbook.errors import ConflictError, ImportRejected, NotFound
from commbook.ingest import import_file
from commbook.store import AudienceSegment, AuditEntry, ContentItem, session_scope

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
MARCH = (dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC))


def _values(**changes: object) -> dict:
    return {
        **cal.blank_item(dt.date(2026, 3, 1), "Europe/Paris"),
        "title": "Weekly newsletter",
        "content_type": "newsletter",
        "channel": "Email",
        "owner": "Ana",
        "status": "scheduled",
        "scheduled_date": dt.date(2026, 3, 2),
        "scheduled_time": "09:00",
        **changes,
    }


def _segment(url: str, name: str) -> int:
    with session_scope(url, actor="seed") as s:
        segment = AudienceSegment(name=name)
        s.add(segment)
        s.flush()
        return segment.id


def test_save_is_versioned_audited_and_refuses_stale_and_skipped_steps(store_url: str) -> None:
    newcomers = _segment(store_url, "Newcomers")
    item = cal.save_item(
        _values(segments=[newcomers], tags="launch, onboarding"), url=store_url, actor="ana"
    )
    assert (item.version, item.source, item.channel.key, item.channel.name) == (
        1,
        "planner",
        "email",
        "Email",
    )
    assert item.scheduled_at == dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert [s.name for s in item.segments] == ["Newcomers"]

    edited = cal.save_item(
        _values(title="Newsletter #1", channel="email", segments=[newcomers]),
        id=item.id,
        version=1,
        url=store_url,
        actor="bob",
    )
    assert (edited.version, edited.channel_id) == (2, item.channel_id)  # same channel
    with pytest.raises(ConflictError, match="Someone else changed this item"):
        cal.save_item(_values(title="Stale"), id=item.id, version=1, url=store_url)
    with pytest.raises(cal.InvalidItem) as caught:
        cal.save_item(_values(status="idea"), id=item.id, version=2, url=store_url)
    assert caught.value.field == "status"

    with session_scope(store_url) as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "content_items", AuditEntry.entity_id == str(item.id))
            .order_by(AuditEntry.id)
        ).all()
    assert [(e.actor, e.action) for e in entries] == [("ana", "create"), ("bob", "update")]
    assert entries[1].changes["title"] == {"old": "Weekly newsletter", "new": "Newsletter #1"}
    assert cal.get_item(item.id, store_url).title == "Newsletter #1"


def test_occurrences_are_read_by_date_range_and_filtered(store_url: str) -> None:
    series = cal.save_item(_values(rrule="FREQ=WEEKLY"), url=store_url)
    cal.save_item(
        _values(
            title="Spring AMA",
            content_type="ama",
            channel="Forum",
            owner="Bea",
            status="idea",
            scheduled_date=dt.date(2026, 3, 12),
            tags="Spring-launch",
        ),
        url=store_url,
    )
    cal.save_item(_values(title="April article", scheduled_date=dt.date(2026, 4, 2)), url=store_url)
    found = cal.occurrences(*MARCH, url=store_url)
    assert [(o.title, o.start.day) for o in found] == [
        ("Weekly newsletter", 2),
        ("Weekly newsletter", 9),
        ("Spring AMA", 12),
        ("Weekly newsletter", 16),
        ("Weekly newsletter", 23),
        ("Weekly newsletter", 30),
    ]
    assert found[-1].start == dt.datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST
    assert {o.item_id for o in found if o.recurring} == {series.id}
    by = {
        "channel": cal.Filters(channel="forum"),
        "owner": cal.Filters(owner="Bea"),
        "status": cal.Filters(status="idea"),
        "campaign": cal.Filters(campaign="spring-launch"),
    }
    for name, filters in by.items():
        assert [o.title for o in cal.occurrences(*MARCH, filters, store_url)] == ["Spring AMA"], (
            name
        )
    assert cal.occurrences(*MARCH, cal.Filters(campaign="spring"), store_url) == []


def test_moving_one_occurrence_detaches_it_moving_the_series_shifts_all(store_url: str) -> None:
    series = cal.save_item(_values(rrule="FREQ=WEEKLY"), url=store_url)
    third = cal.occurrences(*MARCH, url=store_url)[2].start
    new_start = dt.datetime(2026, 3, 17, 15, tzinfo=PARIS)
    moved = cal.move_item(series.id, 1, new_start, occurrence=third, url=store_url)
    assert moved.id != series.id and moved.rrule is None
    assert moved.scheduled_at == new_start.astimezone(UTC)
    starts = [
        (o.item_id, o.start.astimezone(PARIS).day) for o in cal.occurrences(*MARCH, url=store_url)
    ]
    assert (series.id, 16) not in starts and (moved.id, 17) in starts
    assert cal.get_item(series.id, store_url).rrule == "FREQ=WEEKLY\nEXDATE:20260316"

    cal.move_item(series.id, 2, dt.datetime(2026, 3, 3, 9, tzinfo=PARIS), url=store_url)
    days = [o.start.day for o in cal.occurrences(*MARCH, url=store_url) if o.item_id == series.id]
    assert days == [3, 10, 24, 31]  # the skipped week moves along (Tuesday 17 now)
    with pytest.raises(ConflictError):
        cal.move_item(series.id, 2, new_start, url=store_url)


def test_duplicate_and_delete(store_url: str) -> None:
    item = cal.save_item(_values(url="https://example.org/n1"), url=store_url)
    copy = cal.duplicate_item(item.id, url=store_url)
    assert (copy.title, copy.status, copy.url, copy.scheduled_at) == (
        "Weekly newsletter (copy)",
        "idea",
        None,
        item.scheduled_at,
    )
    assert copy.source_id != item.source_id
    with pytest.raises(ConflictError):
        cal.delete_item(item.id, 7, url=store_url)
    cal.delete_item(item.id, 1, url=store_url)
    with pytest.raises(NotFound):
        cal.get_item(item.id, store_url)
    with session_scope(store_url) as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == str(item.id))
        ).all()
    assert actions == ["create", "delete"]


def test_ics_export_round_trips_through_the_icalendar_parser(sqlite_url: str) -> None:
    segment = _segment(sqlite_url, "Newcomers")
    series = cal.save_item(
        _values(
            rrule="FREQ=WEEKLY;UNTIL=20260630",
            tags="launch, onboarding",
            notes="Line one\nLine, two; three",
            segments=[segment],
        ),
        url=sqlite_url,
    )
    third = cal.occurrences(*MARCH, url=sqlite_url)[2].start
    cal.move_item(
        series.id, 1, dt.datetime(2026, 3, 17, 15, tzinfo=PARIS), occurrence=third, url=sqlite_url
    )
    cal.save_item(
        _values(
            title="Launch video",
            content_type="video",
            channel="YouTube",
            status="published",
            timezone="America/New_York",
            scheduled_date=dt.date(2026, 3, 10),
            url="https://example.org/v",
        ),
        url=sqlite_url,
    )
    cal.save_item(_values(title="Someday", status="idea", scheduled_date=None), url=sqlite_url)
    data = ics.to_ics(service.items_in_range(None, None, url=sqlite_url))

    parsed = icalendar.Calendar.from_ical(data)
    assert parsed.get_missing_tzids() == set()  # every TZID has its VTIMEZONE
    assert {tz.tz_name for tz in parsed.timezones} == {"Europe/Paris", "America/New_York"}
    events = {str(e["summary"]): e for e in parsed.events}
    assert set(events) == {"Weekly newsletter", "Launch video"}  # one per item, undated left out
    assert len([e for e in parsed.events if e["summary"] == "Weekly newsletter"]) == 2
    weekly = next(e for e in parsed.events if "RRULE" in e)
    assert weekly["uid"] == f"{series.source_id}@commbook"
    assert weekly.start == dt.datetime(2026, 3, 2, 9, tzinfo=PARIS)
    assert weekly["dtstart"].params["TZID"] == "Europe/Paris"
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"]
    assert weekly["rrule"]["UNTIL"][0] == dt.datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC)
    assert [d.dt for d in weekly["exdate"].dts] == [dt.datetime(2026, 3, 16, 9, tzinfo=PARIS)]
    assert weekly.categories == ["Newsletter", "Email", "launch", "onboarding"]
    assert "Line, two; three" in weekly["description"]
    assert "Segments: Newcomers" in weekly["description"]
    video = events["Launch video"]
    assert (str(video["url"]), str(video["status"])) == ("https://example.org/v", "CONFIRMED")
    assert video.start == dt.datetime(2026, 3, 10, 13, tzinfo=UTC)  # 09:00 EDT (DST from 8 Mar)
    assert ics.to_ics(service.items_in_range(None, None, url=sqlite_url)).count(b"UID:") == 3
    assert b"\r\n" in data


def test_csv_export_is_formula_safe_and_round_trips_through_both_importers(
    sqlite_url: str, tmp_path: Path
) -> None:
    newcomers = _segment(sqlite_url, "Newcomers")
    objective = planning.save_objective(
        {
            **planning.blank_objective(dt.date(2026, 1, 1)),
            "title": "Grow WAU",
            "baseline": 1,
            "target": 2,
            "owner": "Ana",
        },
        url=sqlite_url,
    )
    cal.save_item(
        _values(
            title='=HYPERLINK("http://evil")',
            rrule="FREQ=WEEKLY",
            notes="- bring cake\n- invite Bea",
            tags="launch",
            segments=[newcomers],
            objective_id=objective.id,
        ),
        url=sqlite_url,
    )
    cal.save_item(
        _values(title="Idea without a date", status="idea", scheduled_date=None), url=sqlite_url
    )
    path = tmp_path / "calendar.csv"
    csvio.write_csv(
        service.items_in_range(None, None, url=sqlite_url, include_unscheduled=True),
        path,
        sqlite_url,
    )
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(csvio.COLUMNS)
    first = next(r for r in rows if r["rrule"])
    assert first["title"] == '\'=HYPERLINK("http://evil")'
    assert first["notes"].startswith("'- bring cake")
    assert first["scheduled_at"] == "2026-03-02T09:00:00+01:00"
    assert (first["segments"], first["objective"]) == ("Newcomers", "Grow WAU")

    # the content importer reads the same file (its own columns) into another store
    other = f"sqlite:///{tmp_path / 'other.db'}"
    from commbook.store import upgrade

    upgrade(other)
    result = import_file("content", path, url=other, source="planner")
    assert (result.inserted, result.rejected) == (2, 0)
    with session_scope(other) as s:
        stored = {i.title: i for i in s.scalars(select(ContentItem))}
    assert stored['\'=HYPERLINK("http://evil")'].scheduled_at == dt.datetime(
        2026, 3, 2, 8, tzinfo=UTC
    )

    # the calendar importer restores everything, apostrophes removed, and is idempotent
    third = f"sqlite:///{tmp_path / 'third.db'}"
    upgrade(third)
    _segment(third, "Newcomers")
    planning.save_objective(
        {
            **planning.blank_objective(dt.date(2026, 1, 1)),
            "title": "Grow WAU",
            "baseline": 1,
            "target": 2,
            "owner": "Ana",
        },
        url=third,
    )
    assert csvio.import_csv(path, url=third, actor="importer").inserted == 2
    again = csvio.import_csv(path, url=third, actor="importer")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    before = {
        o.source_id: o
        for o in service.items_in_range(None, None, url=sqlite_url, include_unscheduled=True)
    }
    after = {
        o.source_id: o
        for o in service.items_in_range(None, None, url=third, include_unscheduled=True)
    }
    assert before.keys() == after.keys()
    for key, old in before.items():
        new = after[key]
        same = (
            "title",
            "content_type",
            "status",
            "scheduled_at",
            "timezone",
            "rrule",
            "notes",
            "campaign",
            "owner",
        )
        assert [getattr(new, f) for f in same] == [getattr(old, f) for f in same]
        assert [s.name for s in new.segments] == [s.name for s in old.segments]
        assert (new.objective_id is None) == (old.objective_id is None)


def test_calendar_import_rejects_the_whole_file_naming_row_and_field(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "content_id,title,content_type,channel,status,scheduled_at,timezone,rrule,segments\n"
        "a1,Good one,article,blog,idea,2026-03-02T09:00:00+01:00,Europe/Paris,,\n"
        "a2,Bad type,hologram,blog,idea,2026-03-02T09:00:00+01:00,Europe/Paris,,\n"
        "a3,Bad rule,article,blog,idea,2026-03-02 09:00,Europe/Paris,FREQ=NEVER,\n"
        "a4,Gap,article,blog,idea,2026-03-29 02:30,Europe/Paris,,\n"
        "a5,Who,article,blog,idea,2026-03-02T09:00:00+01:00,UTC,,Ghosts\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        csvio.import_csv(path, url=sqlite_url)
    where = [(e.row, e.field) for e in caught.value.errors]
    assert where == [(2, "content_type"), (3, "rrule"), (4, "scheduled_at")]
    assert service.items_in_range(None, None, url=sqlite_url, include_unscheduled=True) == []

    path.write_text(
        "content_id,title,content_type,channel,scheduled_at,segments\n"
        "a5,Who,article,blog,2026-03-02T09:00:00+01:00,Ghosts\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught:
        csvio.import_csv(path, url=sqlite_url)
    assert str(caught.value.errors[0]).endswith(
        "row 1, field 'segments': unknown segment 'Ghosts' (import segments first)"
    )
    assert service.items_in_range(None, None, url=sqlite_url, include_unscheduled=True) == []


def test_cli_exports_ics_and_csv_and_imports_csv(cb_env: dict[str, str], tmp_path: Path) -> None:
    url = cb_env["COMMBOOK_DATABASE_URL"]
    cal.save_item(_values(rrule="FREQ=WEEKLY"), url=url)
    cal.save_item(
        _values(title="Forum AMA", channel="Forum", scheduled_date=dt.date(2026, 5, 5)), url=url
    )

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["calendar", *args], catch_exceptions=False)

    out = run(
        "export",
        "--format",
        "ics",
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-31",
        "--channel",
        "forum",
        "--out",
        str(tmp_path / "may.ics"),
    )
    assert out.exit_code == 0, out.output
    assert "1 item(s) written" in out.output
    events = icalendar.Calendar.from_ical((tmp_path / "may.ics").read_bytes()).events
    assert [str(e["summary"]) for e in events] == ["Forum AMA"]
    out = run("export", "--format", "csv", "--out", str(tmp_path / "all.csv"))
    assert out.exit_code == 0, out.output
    out = run("import", str(tmp_path / "all.csv"))
    assert out.exit_code == 0, out.output
    assert "2 unchanged" in out.output
    (tmp_path / "bad.csv").write_text("content_id,title,content_type,channel\nx,T,zzz,blog\n")
    out = run("import", str(tmp_path / "bad.csv"))
    assert out.exit_code == 1
    assert "row 1, field 'content_type'" in out.output and "nothing was imported" in out.output
    assert "--quarantine" not in out.output
