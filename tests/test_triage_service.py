"""The triage service on both backends: items from events, workflow rules, permissions,
SLA stamps, the audit trail and optimistic locking; and the queue read side."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from commbook.cli import main
from commbook.config import Settings
from commbook.errors import CommbookError, ConflictError, NotFound, ValidationError
from commbook.store import (
    ActivityEvent,
    AuditEntry,
    Channel,
    Member,
    TriageEscalation,
    TriageItem,
    TriageModeration,
    TriageResponse,
    session_scope,
)
from commbook.triage.queue import UNASSIGNED, QueueFilter, item_detail, queue_page
from commbook.triage.service import TriageService

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def at(hours_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours_ago)


def service(url: str, role: str = "manager", actor: str = "ana") -> TriageService:
    return TriageService(url, actor=actor, role=role, clock=lambda: NOW)


def _seed_events(url: str) -> dict[str, int]:
    """A forum with a member's support post, a staff announcement, a staff reply, an
    abusive reply, a harmless reply and a discord question that already has an item."""
    with session_scope(url, actor="seed") as s:
        forum = Channel(key="forum", name="Forum")
        discord = Channel(key="discord", name="Discord")
        julia = Member(source="t", source_id="m1", display_name="Julia B.", role="member")
        omar = Member(source="t", source_id="m2", display_name="Omar F.", role="staff")
        troll = Member(source="t", source_id="m3", display_name="Troll", role="member")
        s.add_all([forum, discord, julia, omar, troll])
        s.flush()

        def event(sid, kind, hours, who, channel, thread, title=None, body=None):
            return ActivityEvent(
                source="t", source_id=sid, kind=kind, occurred_at=at(hours), member_id=who.id,
                channel_id=channel.id, thread_id=thread, title=title, body=body,
                parent_id=None if kind == "post" else thread,
            )  # fmt: skip

        events = [
            event("e1", "post", 30, julia, forum, "e1", "Refund for a broken kit",
                  "My order arrived broken, I want a refund"),
            event("e2", "post", 29, omar, forum, "e2", "Build night on Friday", "Join us!"),
            event("e3", "reply", 28, omar, forum, "e1", body="Sorry! Sending a new one."),
            event("e4", "reply", 27, troll, forum, "e1",
                  body="Earn money from home, click here, crypto presale guaranteed"),
            event("e5", "reply", 26, julia, forum, "e1", body="Thanks, that works"),
            event("e6", "post", 25, troll, discord, "e6", body="how do I flash the firmware?"),
            event("e7", "view", 24, julia, forum, "e1"),
        ]  # fmt: skip
        s.add_all(events)
        s.flush()
        s.add(
            TriageItem(
                source="sample", source_id="t1", event_id=events[5].id, category="support",
                urgency="low", status="new", summary="flash firmware", received_at=at(25),
            )
        )  # fmt: skip
        return {e.source_id: e.id for e in events}


def _item(url: str, **kw) -> TriageItem:
    values = {"summary": "Printer smokes", "category": "support", "urgency": "high"}
    return service(url).create_item(received_at=kw.pop("received_at", at(1)), **{**values, **kw})


def _audit(url: str, entity: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.entity == entity)))


# --- creating items -------------------------------------------------------------------


def test_create_from_events_suggests_and_never_duplicates(store_url: str) -> None:
    ids = _seed_events(store_url)
    first = service(store_url).create_from_events()
    assert first.scanned == 6  # posts and replies with text; the view is not one
    assert first.existing == 1  # e6 already has an item from the triage import
    assert first.ignored == 3  # staff post e2, staff reply e3, harmless reply e5
    assert len(first.created) == 2
    with session_scope(store_url) as s:
        items = {i.event_id: i for i in s.scalars(select(TriageItem))}
    post, spam = items[ids["e1"]], items[ids["e4"]]
    assert (post.category, post.status, post.source) == ("support", "new", "events")
    assert post.summary == "Refund for a broken kit"
    assert post.received_at == at(30)
    assert post.suggestion["category"] == "support" and post.suggestion["rules"]
    assert post.links == [{"kind": "thread", "ref": "t:e1", "title": ""}]
    assert spam.category == "abuse" and spam.urgency in ("high", "critical")

    again = service(store_url).create_from_events()
    assert (again.created, again.existing) == ([], 3)
    with session_scope(store_url) as s:
        assert len(s.scalars(select(TriageItem)).all()) == 3
    created = [a for a in _audit(store_url, "triage_items") if a.action == "create"]
    assert {a.actor for a in created if a.entity_id in map(str, first.created)} == {"ana"}


def test_create_from_events_respects_since(store_url: str) -> None:
    _seed_events(store_url)
    result = service(store_url).create_from_events(since=at(27.5))
    assert len(result.created) == 1  # only the spam reply (e4) is that recent


def test_cli_create_from_events_is_idempotent(cb_env: dict[str, str], sqlite_url: str) -> None:
    _seed_events(sqlite_url)
    runner = CliRunner()
    out = runner.invoke(main, ["triage", "create-from-events"], env=cb_env)
    assert out.exit_code == 0, out.output
    assert "2 triage item(s) created" in out.output
    out = runner.invoke(main, ["triage", "create-from-events", "--since", "2020-01-01"], env=cb_env)
    assert "0 triage item(s) created" in out.output and "3 already had one" in out.output
    out = runner.invoke(
        main, ["triage", "create-from-events"], env={**cb_env, "COMMBOOK_ROLE": "viewer"}
    )
    assert out.exit_code == 1 and "a viewer cannot triage" in out.output


def test_create_item_by_hand_checks_its_values(store_url: str) -> None:
    item = _item(store_url, tags="Hardware, urgent ,hardware", owner=" Bea ")
    assert (item.status, item.owner, item.tags, item.version) == (
        "new",
        "Bea",
        ["hardware", "urgent"],
        1,
    )
    with pytest.raises(ValidationError, match="unknown category 'billing'"):
        _item(store_url, category="billing")
    with pytest.raises(ValidationError, match="summary is required"):
        _item(store_url, summary="  ")
    with pytest.raises(ValidationError, match="unknown channel 'myspace'"):
        _item(store_url, channel="myspace")
    with pytest.raises(ValidationError, match="unknown link kind"):
        _item(store_url, links=[{"kind": "wiki", "ref": "x"}])


# --- workflow, permissions, SLA stamps ------------------------------------------------


def test_transitions_are_refused_with_a_clear_message(store_url: str) -> None:
    item = _item(store_url)
    svc = service(store_url)
    with pytest.raises(ValidationError) as refused:
        svc.change_status(item.id, item.version, "resolved")
    assert str(refused.value) == (
        "field 'status': cannot move an item from 'new' to 'resolved': "
        "from 'new' it can go to 'triaged', 'escalated'"
    )
    with pytest.raises(ValidationError, match="choose a level"):
        svc.change_status(item.id, item.version, "escalated")
    with pytest.raises(ValidationError, match="resolve it first"):
        svc.close_loop(item.id, item.version, "told them")
    with session_scope(store_url) as s:
        assert s.get(TriageItem, item.id).version == 1  # nothing written


@pytest.mark.parametrize("role", ["viewer", "moderator"])
def test_roles_that_may_not_ban_are_refused_and_nothing_is_written(
    store_url: str, role: str
) -> None:
    item = _item(store_url)
    svc = service(store_url, role=role, actor="mo")
    with pytest.raises(ValidationError, match=f"a {role} cannot ban; ask a manager"):
        svc.moderate(item.id, item.version, "ban", "repeated spam", "CoC 4.1")
    with session_scope(store_url) as s:
        assert s.scalars(select(TriageModeration)).all() == []
        assert s.get(TriageItem, item.id).first_response_at is None


def test_a_viewer_can_do_nothing_but_look(store_url: str) -> None:
    item = _item(store_url)
    viewer = service(store_url, role="viewer", actor="vic")
    attempts = [
        lambda: viewer.create_item(summary="x", category="support"),
        lambda: viewer.create_from_events(),
        lambda: viewer.assign(item.id, item.version, "vic"),
        lambda: viewer.change_status(item.id, item.version, "triaged"),
        lambda: viewer.respond(item.id, item.version, "hello"),
        lambda: viewer.moderate(item.id, item.version, "approve", "fine"),
        lambda: viewer.escalate(item.id, item.version, "team_lead", "help"),
        lambda: viewer.close_loop(item.id, item.version, "told"),
        lambda: viewer.update(item.id, item.version, urgency="low"),
        lambda: viewer.bulk_assign([(item.id, item.version)], "vic"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="a viewer cannot"):
            attempt()
    assert viewer.can("view") and not viewer.can("respond")
    with session_scope(store_url) as s:
        assert s.get(TriageItem, item.id).version == 1
    assert [a.actor for a in _audit(store_url, "triage_items")] == ["ana"]  # the creation


def test_moderator_works_the_queue_but_escalates_to_the_team_lead_only(store_url: str) -> None:
    item = _item(store_url, category="abuse")
    mod = service(store_url, role="moderator", actor="mo")
    item = mod.moderate(item.id, item.version, "hide", "doxxing", "CoC 3.2")
    assert item.first_response_at == NOW  # a moderation action is a first response
    item = mod.escalate(item.id, item.version, "team_lead", "address posted")
    with pytest.raises(ValidationError, match="a moderator cannot escalate specialist"):
        mod.escalate(item.id, item.version, "legal", "lawyer needed")
    lead = service(store_url, actor="lead")
    item = lead.escalate(item.id, item.version, "legal", "lawyer needed")
    with pytest.raises(ValidationError, match=r"cannot escalate to 'pr'.*cannot go higher"):
        lead.escalate(item.id, item.version, "pr", "press")
    assert (item.status, item.escalation_level) == ("escalated", "legal")
    with session_scope(store_url) as s:
        steps = s.scalars(select(TriageEscalation).order_by(TriageEscalation.id)).all()
        mods = s.scalars(select(TriageModeration)).all()
    assert [(e.actor, e.previous_level, e.level) for e in steps] == [
        ("mo", None, "team_lead"),
        ("lead", "team_lead", "legal"),
    ]
    assert [(m.actor, m.action, m.reason, m.policy_ref) for m in mods] == [
        ("mo", "hide", "doxxing", "CoC 3.2")
    ]


def test_response_resolution_and_closed_loop_stamp_the_sla_fields(store_url: str) -> None:
    item = _item(store_url)
    clock = {"now": NOW}
    svc = TriageService(store_url, actor="ana", role="manager", clock=lambda: clock["now"])
    item = svc.assign(item.id, item.version, "Bea", queue="hardware")
    assert (item.status, item.owner, item.queue) == ("triaged", "Bea", "hardware")
    clock["now"] = NOW + dt.timedelta(minutes=30)
    item = svc.respond(item.id, item.version, "Unplug it now", status="in_progress")
    assert item.first_response_at == NOW + dt.timedelta(minutes=30)
    clock["now"] = NOW + dt.timedelta(hours=2)
    item = svc.respond(item.id, item.version, "Is it OK now?", status="waiting_on_member")
    assert item.first_response_at == NOW + dt.timedelta(minutes=30)  # only the first
    assert item.resolved_at is None
    clock["now"] = NOW + dt.timedelta(hours=5)
    item = svc.change_status(item.id, item.version, "resolved")
    assert item.resolved_at == NOW + dt.timedelta(hours=5)

    detail = item_detail(store_url, item.id, now=NOW + dt.timedelta(hours=6))
    assert detail.sla["first_response_done"] and not detail.sla["first_response_breached"]
    assert detail.sla["resolution_done"] and detail.sla["sla_state"] == "met"
    assert {h.kind for h in detail.history} == {"created", "change", "response"}

    with pytest.raises(ValidationError, match="a moderator cannot reopen"):
        service(store_url, role="moderator").change_status(item.id, item.version, "in_progress")
    item = svc.close_loop(item.id, item.version, "Replacement shipped, tracking sent")
    assert (item.status, item.closed_loop, item.closed_loop_note) == (
        "closed",
        True,
        "Replacement shipped, tracking sent",
    )
    assert item.resolved_at == NOW + dt.timedelta(hours=5)
    with pytest.raises(ValidationError, match="'closed' is final"):
        svc.change_status(item.id, item.version, "in_progress")


def test_reopening_clears_the_resolution(store_url: str) -> None:
    item = _item(store_url)
    svc = service(store_url)
    for status in ("triaged", "resolved"):
        item = svc.change_status(item.id, item.version, status)
    assert item.resolved_at == NOW
    item = svc.change_status(item.id, item.version, "in_progress")
    assert (item.status, item.resolved_at) == ("in_progress", None)


def test_every_action_is_in_the_audit_log(store_url: str) -> None:
    item = _item(store_url)
    svc = service(store_url, actor="ana")
    item = svc.update(item.id, item.version, urgency="critical", tags=["fire"])
    item = svc.assign(item.id, item.version, "Bea")
    item = svc.respond(item.id, item.version, "Unplug it", status="in_progress")
    item = svc.moderate(item.id, item.version, "approve", "legit report")
    item = svc.escalate(item.id, item.version, "team_lead", "safety issue")
    updates = [a for a in _audit(store_url, "triage_items") if a.action == "update"]
    assert all(a.actor == "ana" for a in updates)
    assert updates[0].changes["urgency"] == {"old": "high", "new": "critical"}
    assert updates[1].changes["owner"] == {"old": None, "new": "Bea"}
    for table, expected in [
        ("triage_responses", {"body": "Unplug it", "status_after": "in_progress"}),
        ("moderation_actions", {"action": "approve", "reason": "legit report"}),
        ("triage_escalations", {"level": "team_lead", "note": "safety issue"}),
    ]:
        [entry] = _audit(store_url, table)
        assert (entry.actor, entry.action) == ("ana", "create")
        assert entry.changes["item_id"] == item.id
        assert expected.items() <= entry.changes.items()
    with session_scope(store_url) as s:
        assert len(s.scalars(select(TriageResponse)).all()) == 1


def test_stale_edit_raises_conflict_and_keeps_the_first(store_url: str) -> None:
    item = _item(store_url)
    ana, bob = service(store_url, actor="ana"), service(store_url, actor="bob")
    ana.assign(item.id, item.version, "Ana")
    with pytest.raises(ConflictError, match="changed by someone else"):
        bob.assign(item.id, item.version, "Bob")
    with pytest.raises(ConflictError):  # a history-only action conflicts too
        bob.moderate(item.id, item.version, "approve", "fine")
    with session_scope(store_url) as s:
        stored = s.get(TriageItem, item.id)
        assert (stored.owner, stored.version) == ("Ana", 2)
        assert s.scalars(select(TriageModeration)).all() == []
    with pytest.raises(NotFound):
        ana.assign(99999, 1, "Ana")


def test_bulk_actions_report_each_refusal(store_url: str) -> None:
    a, b, c = (_item(store_url, summary=f"item {n}") for n in "abc")
    svc = service(store_url)
    result = svc.bulk_assign([(a.id, a.version), (b.id, b.version), (c.id, 7)], "Bea")
    assert result.done == [a.id, b.id]
    assert "changed by someone else" in result.failed[c.id]
    result = svc.bulk_status([(a.id, 2), (c.id, 1)], "in_progress")
    assert result.done == [a.id]
    assert "cannot move an item from 'new' to 'in_progress'" in result.failed[c.id]
    assert "1 item(s) moved" in result.summary("moved")


# --- the queue ------------------------------------------------------------------------


def test_queue_filters_sorts_and_paginates_with_sla_due_times(store_url: str) -> None:
    svc = service(store_url)
    # critical support: first response due after 1 h → breached at NOW
    late = _item(store_url, summary="late", urgency="critical", received_at=at(2))
    # high support: 4 h target, 3.5 h gone → breach soon (less than 25 % left)
    soon = _item(store_url, summary="soon", urgency="high", received_at=at(3.5))
    calm = _item(store_url, summary="calm", urgency="low", received_at=at(1), category="feedback")
    done = _item(store_url, summary="done", urgency="low", received_at=at(48))
    for status in ("triaged", "resolved"):
        done = svc.change_status(done.id, done.version, status)
    svc.assign(calm.id, calm.version, "Bea")

    page = queue_page(store_url, QueueFilter(), sort="sla", now=NOW)
    assert list(page.rows["summary"]) == ["late", "soon", "calm"]
    assert list(page.rows["sla_state"]) == ["breached", "breach_soon", "on_track"]
    assert page.rows["next_due"][0] == at(2) + dt.timedelta(hours=1)
    assert (page.total, page.breached, page.breach_soon, page.unassigned) == (3, 1, 1, 2)

    oldest = queue_page(store_url, QueueFilter(status="all"), sort="oldest", now=NOW)
    assert list(oldest.rows["summary"]) == ["done", "soon", "late", "calm"]
    assert list(queue_page(store_url, QueueFilter(status="done"), now=NOW).rows["id"]) == [done.id]
    assert list(queue_page(store_url, QueueFilter(owner=UNASSIGNED), now=NOW).rows["id"]) == [
        late.id,
        soon.id,
    ]
    only = queue_page(store_url, QueueFilter(category="feedback", owner="Bea"), now=NOW)
    assert list(only.rows["id"]) == [calm.id]
    assert queue_page(store_url, QueueFilter(search="SOON"), now=NOW).total == 1

    second = queue_page(store_url, QueueFilter(), sort="sla", page=2, page_size=2, now=NOW)
    assert (second.pages, second.page, list(second.rows["summary"])) == (2, 2, ["calm"])
    assert queue_page(store_url, page=9, page_size=2, now=NOW).page == 2


def test_item_detail_shows_the_thread_of_the_post(store_url: str) -> None:
    ids = _seed_events(store_url)
    service(store_url).create_from_events()
    with session_scope(store_url) as s:
        item_id = s.scalar(select(TriageItem.id).where(TriageItem.event_id == ids["e1"]))
    detail = item_detail(store_url, item_id, now=NOW)
    assert list(detail.thread["author"]) == ["Julia B.", "Omar F.", "Troll", "Julia B."]
    assert list(detail.thread["is_item"]) == [True, False, False, False]
    assert detail.channel == "forum" and detail.member == "Julia B."
    assert detail.next_statuses == ("triaged", "escalated")
    with pytest.raises(NotFound):
        item_detail(store_url, 424242)


def test_role_comes_from_settings() -> None:
    assert Settings.from_env({}).role == "manager"
    assert Settings.from_env({"COMMBOOK_ROLE": "Moderator"}).role == "moderator"
    with pytest.raises(CommbookError, match="COMMBOOK_ROLE: unknown role 'admin'"):
        Settings.from_env({"COMMBOOK_ROLE": "admin"})
