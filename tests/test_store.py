"""The store on both backends: migrations, UTC timestamps, optimistic locking, audit log."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from commbook.errors import ConflictError
from commbook.store import (
    ActivityEvent,
    AudienceSegment,
    AuditEntry,
    Base,
    ContentItem,
    Member,
    Objective,
    current_revision,
    get_engine,
    head_revision,
    session_scope,
    upgrade,
)
from commbook.store.migrate import alembic_config


def _objective(**kw) -> Objective:
    values = dict(
        title="Grow weekly active members",
        baseline=100,
        target=150,
        start_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 6, 30),
        owner="ana",
    )
    values.update(kw)
    return Objective(**values)


def test_upgrade_reaches_head_and_is_idempotent(store_url: str) -> None:
    assert current_revision(store_url) == head_revision()
    assert upgrade(store_url) == head_revision()


def test_migrations_match_the_models_and_downgrade_to_nothing_and_back(store_url: str) -> None:
    with get_engine(store_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    command.downgrade(alembic_config(store_url), "base")
    with get_engine(store_url).connect() as conn:
        assert inspect(conn).get_table_names() == ["alembic_version"]
    assert upgrade(store_url) == head_revision()


def test_timestamps_are_stored_in_utc_and_come_back_aware(store_url: str) -> None:
    paris = dt.datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Paris"))  # after DST
    with session_scope(store_url) as s:
        m = Member(source="t", source_id="1", joined_at=paris)
        s.add(m)
        s.flush()
        s.add(
            ActivityEvent(
                source="t", source_id="e1", kind="post", occurred_at=paris, member_id=m.id
            )
        )
    with session_scope(store_url) as s:
        event = s.scalars(select(ActivityEvent)).one()
    assert event.occurred_at.tzinfo is not None
    assert event.occurred_at.utcoffset() == dt.timedelta(0)
    assert event.occurred_at == paris
    assert event.occurred_at.hour == 1  # 03:30 CEST is 01:30 UTC


def test_naive_timestamp_is_refused(store_url: str) -> None:
    with pytest.raises(Exception, match="naive datetime"), session_scope(store_url) as s:
        s.add(Member(source="t", source_id="1", joined_at=dt.datetime(2026, 1, 1)))


def test_second_stale_save_gets_conflict_and_first_save_survives(store_url: str) -> None:
    with session_scope(store_url, actor="ana") as s:
        s.add(_objective())
    with pytest.raises(ConflictError, match="changed by someone else"):  # noqa: SIM117
        with session_scope(store_url, actor="bob") as second:
            theirs = second.get(Objective, 1)  # bob opens the record at version 1
            with session_scope(store_url, actor="ana") as first:
                first.get(Objective, 1).target = 160  # ana saves first
            theirs.target = 999  # bob's save must not overwrite ana's
    with session_scope(store_url) as s:
        saved = s.get(Objective, 1)
        assert saved.target == 160
        assert saved.version == 2


def test_every_planning_change_is_in_the_audit_log(store_url: str) -> None:
    with session_scope(store_url, actor="ana") as s:
        s.add(_objective())
    with session_scope(store_url, actor="bob") as s:
        s.get(Objective, 1).target = 175
    with session_scope(store_url, actor="carla") as s:
        s.delete(s.get(Objective, 1))
    with session_scope(store_url) as s:
        log = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action, e.entity, e.entity_id) for e in log] == [
        ("ana", "create", "objectives", "1"),
        ("bob", "update", "objectives", "1"),
        ("carla", "delete", "objectives", "1"),
    ]
    assert log[0].changes["title"] == "Grow weekly active members"
    assert log[1].changes == {"target": {"old": 150.0, "new": 175}}
    assert all(e.at.tzinfo is not None for e in log)


def test_changing_only_links_moves_the_version_so_stale_saves_still_conflict(
    store_url: str,
) -> None:
    with session_scope(store_url, actor="ana") as s:
        s.add(AudienceSegment(name="Regulars"))
        s.add(ContentItem(source="planner", source_id="c1", title="AMA", content_type="ama"))
    with pytest.raises(ConflictError):  # noqa: SIM117
        with session_scope(store_url, actor="bob") as second:
            theirs = second.get(ContentItem, 1)  # bob opens the item at version 1
            with session_scope(store_url, actor="ana") as first:
                item = first.get(ContentItem, 1)
                item.segments = [first.get(AudienceSegment, 1)]  # ana changes only a link
            theirs.title = "AMA with the founders"
    with session_scope(store_url) as s:
        item = s.get(ContentItem, 1)
        assert item.version == 2
        assert [seg.name for seg in item.segments] == ["Regulars"]
        log = s.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert [(e.actor, e.changes) for e in log] == [("ana", {"segments": {"old": [], "new": [1]}})]
