"""From recurring feedback to calendar ideas: the pure functions on small frames, then the
service on both store backends (idempotent, permissions), and the moderation loader."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from commbook import frames
from commbook.errors import ValidationError
from commbook.feedback.ideas import (
    FROM_FEEDBACK_TAG,
    RecurringTheme,
    idea_coverage,
    is_feedback_idea,
    key_in_notes,
    key_marker,
    propose_idea,
    recurring_themes,
    theme_key,
)
from commbook.store import (
    ActivityEvent,
    AuditEntry,
    Channel,
    ContentItem,
    Survey,
    SurveyResponse,
    TriageItem,
    session_scope,
)
from commbook.triage import ideas
from commbook.triage.service import TriageService

NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)


def at(day: int, hour: int = 10) -> pd.Timestamp:
    return pd.Timestamp(2026, 10, day, hour, tz="UTC")


FEEDBACK = pd.DataFrame(
    [
        ("Please add a dark mode, the white catalogue pages hurt my eyes", "triage", at(3),
         "forum"),
        ("Dark mode for the parts catalogue would be great", "triage", at(5), "forum"),
        ("Any plans for dark mode? Reading the catalogue at night is painful", "triage", at(5),
         "discord"),
        ("I would love a dark mode", "survey", at(9), None),
        ("Shipping to Canada is slow", "triage", at(7, 9), "forum"),
        ("Slow shipping again, weeks to Canada", "triage", at(7, 11), "forum"),
        ("Canada shipping takes forever", "survey", at(7, 15), None),
        ("The soldering docs are outdated", "triage", at(8), "forum"),
        ("", "survey", at(8), None),
    ],
    columns=["text", "source", "at", "channel"],
)  # fmt: skip


def theme(**changes: object) -> RecurringTheme:
    values: dict[str, object] = dict(
        key="dark-mode", label="dark mode", terms=("dark mode", "dark", "mode"), mentions=4,
        triage_items=3, survey_comments=1, days=3, first_at=at(3), last_at=at(9),
        mean_sentiment=0.3, quotes=("Dark mode please", "I would love a dark mode"),
        channel="forum",
    )  # fmt: skip
    return RecurringTheme(**(values | changes))


# --- pure ----------------------------------------------------------------------------------


def test_theme_keys_and_the_calendar_convention() -> None:
    assert theme_key("docs tutorial / search") == "docs-search-tutorial"
    assert theme_key("Search / docs tutorial") == "docs-search-tutorial"  # same words
    assert theme_key("dark mode (2)") == "2-dark-mode"
    with pytest.raises(ValidationError, match="no words"):
        theme_key(" / ")
    notes = f"Some text\n{key_marker('dark-mode')}"
    assert key_in_notes(notes) == "dark-mode" and key_in_notes("no marker") is None
    assert key_in_notes(None) is None
    assert is_feedback_idea("launch, From-Feedback") and not is_feedback_idea("feedback")
    assert not is_feedback_idea(None)


def test_recurring_themes_need_enough_mentions_on_several_days() -> None:
    found = recurring_themes(FEEDBACK, n_themes=3)
    # dark mode: 4 mentions on 3 days → recurring; shipping: 3 mentions but all on 7 Oct;
    # docs: 1 mention; the blank comment is ignored
    assert len(found) == 1
    dark = found[0]
    assert "dark" in dark.key.split("-") and dark.key == theme_key(dark.topic)
    assert (dark.mentions, dark.triage_items, dark.survey_comments, dark.days) == (4, 3, 1, 3)
    assert (dark.first_at, dark.last_at) == (at(3), at(9))
    assert dark.channel == "forum"  # 2 forum, 1 discord, 1 survey (no channel)
    # typical quotes in the theme's tone: the two complaints ("hurt my eyes", "painful")
    # are not quotes for a theme that is mostly warm requests
    assert dark.label == "dark mode" and dark.topic == "dark mode"
    assert dark.quotes == (
        "I would love a dark mode",
        "Dark mode for the parts catalogue would be great",
    )
    assert dark.requests == 4 and dark.asks
    assert dark.evidence() == (
        "4 mentions (3 triage items, 1 survey comment) on 3 days, 3 Oct – 9 Oct 2026"
    )
    # one day is enough when asked: shipping now recurs too (3 mentions)
    relaxed = recurring_themes(FEEDBACK, n_themes=3, min_days=1)
    assert sorted(t.mentions for t in relaxed) == [3, 4]
    assert recurring_themes(FEEDBACK.iloc[0:0]) == []
    with pytest.raises(ValidationError, match="at"):
        recurring_themes(FEEDBACK.drop(columns=["at"]))


def test_ideas_are_titled_as_a_manager_would_write_them() -> None:
    guide = propose_idea(theme(label="build nights are fun", topic="build nights"))
    assert (guide.title, guide.content_type, guide.tags) == (
        "Guide: getting started with the build nights",
        "article",
        FROM_FEEDBACK_TAG,
    )
    assert "4 mentions (3 triage items, 1 survey comment) on 3 days" in guide.notes
    assert '- "I would love a dark mode"' in guide.notes
    assert key_in_notes(guide.notes) == "dark-mode"
    faq = propose_idea(theme(label="mobile app is slow", topic="mobile app",
                             key="app-is-mobile-slow", mean_sentiment=-0.4))  # fmt: skip
    assert (faq.title, faq.content_type) == (
        "FAQ: problems with the mobile app and how to solve them",
        "post",
    )
    assert key_in_notes(faq.notes) == "app-is-mobile-slow"
    asked = propose_idea(theme(requests=3))
    assert (asked.title, asked.content_type) == (
        "Dark mode: what members asked for and where it stands",
        "post",
    )
    # without a topic the label is the subject; never "a / b" fragments
    old_style = propose_idea(theme(label="docs / tutorial", topic="", mean_sentiment=0.2))
    assert old_style.title == "Guide: getting started with the docs and tutorial"


def test_ideas_from_real_feedback_read_like_sentences() -> None:
    found = recurring_themes(FEEDBACK, n_themes=3, min_days=1)
    titles = [propose_idea(t).title for t in found]
    assert titles == [
        "Dark mode: what members asked for and where it stands",
        "FAQ: problems with the shipping and how to solve them",  # the subject, not "canada"
    ]


def test_coverage_counts_themes_with_a_live_tagged_idea() -> None:
    items = pd.DataFrame(
        {
            "content_id": [10, 11, 12, 13, 14],
            "campaign": ["from-feedback", "from-feedback", None, "from-feedback, launch",
                         "from-feedback"],
            "notes": [key_marker("dark-mode"), key_marker("canada-shipping"),
                      key_marker("docs"), "no marker", key_marker("dark-mode")],
            "status": ["idea", "cancelled", "idea", "draft", "draft"],
        }
    )  # fmt: skip
    keys = ["dark-mode", "canada-shipping", "docs"]
    coverage = idea_coverage(keys, items)
    # dark-mode has ideas 10 and 14 (the first counts); shipping's idea was cancelled;
    # docs' item lacks the from-feedback tag
    assert (coverage.themes, coverage.with_idea, coverage.ideas) == (3, 1, {"dark-mode": 10})
    assert coverage.share == pytest.approx(1 / 3)
    assert idea_coverage([theme()], items).share == 1.0
    assert pd.isna(idea_coverage([], items).share)


# --- the store ---------------------------------------------------------------------------


def _seed(url: str) -> None:
    """Feedback items (one from a post), a support item and survey comments."""
    with session_scope(url, actor="import") as s:
        forum = Channel(key="forum", name="Forum", kind="forum")
        survey = Survey(source="t", source_id="nps9", name="NPS", kind="nps")
        s.add_all([forum, survey])
        s.flush()
        s.add(ActivityEvent(source="t", source_id="p1", kind="post", occurred_at=at(3),
                            channel_id=forum.id, title="Dark mode?",
                            body="The white catalogue pages hurt my eyes at night"))  # fmt: skip
        s.add_all(
            SurveyResponse(survey_id=survey.id, source_id=f"r{i}", submitted_at=when,
                           score=8, comment=text)
            for i, (when, text) in enumerate(
                [(at(9), "I would love a dark mode"), (at(9), None), (at(1), "too early")]
            )
        )  # fmt: skip
    with session_scope(url) as s:
        event_id = s.scalar(select(ActivityEvent.id))
    service = TriageService(url, actor="mo", role="moderator", clock=lambda: NOW)
    service.create_item(summary="Dark mode?", category="feedback", received_at=at(3),
                        channel="forum", event_id=event_id)  # fmt: skip
    for day, text in ((5, "Dark mode for the parts catalogue would be great"),
                      (5, "Any plans for dark mode? Reading at night is painful")):  # fmt: skip
        service.create_item(summary=text, category="feedback", received_at=at(day),
                            channel="forum")  # fmt: skip
    service.create_item(summary="Dark mode broke my login", category="support",
                        received_at=at(6))  # fmt: skip


def test_load_feedback_reads_feedback_items_and_survey_comments(store_url: str) -> None:
    _seed(store_url)
    start = dt.datetime(2026, 10, 2, tzinfo=dt.UTC)
    feedback = ideas.load_feedback(store_url, start, NOW)
    assert feedback["source"].tolist() == ["triage", "triage", "triage", "survey"]
    # the item made from a post reads the post's title and text, not the summary
    assert feedback["text"].iloc[0] == "Dark mode?. The white catalogue pages hurt my eyes at night"
    assert feedback["channel"].tolist()[:3] == ["forum"] * 3
    assert str(feedback["at"].dtype).startswith("datetime64") and feedback["at"].iloc[-1] == at(9)
    with pytest.raises(ValueError, match="timezone-aware"):
        ideas.load_feedback(store_url, dt.datetime(2026, 10, 2), NOW)


def test_create_idea_adds_one_tagged_calendar_idea_per_theme(store_url: str) -> None:
    _seed(store_url)
    view = ideas.overview(store_url, now=NOW, n_themes=2)
    assert (
        view.texts == 5 and view.coverage.themes
    )  # 3 items, 2 comments in 90 days == len(view.themes) >= 1
    found = [t for t in view.themes if "dark" in t.key.split("-")]
    assert found and found[0].mentions == 4 and view.coverage.with_idea == 0
    dark = found[0]

    with pytest.raises(ValidationError, match="a viewer cannot plan content"):
        ideas.create_idea(dark, url=store_url, actor="vi", role="viewer")
    made = ideas.create_idea(dark, url=store_url, actor="mo", role="moderator")
    assert made.created and made.status == "idea"
    again = ideas.create_idea(dark, url=store_url, actor="ann", role="manager")
    assert (again.created, again.item_id) == (False, made.item_id)  # not added twice

    with session_scope(store_url) as s:
        items = s.scalars(select(ContentItem)).all()
        assert len(items) == 1
        item = items[0]
        assert (item.status, item.campaign, item.scheduled_at) == ("idea", "from-feedback", None)
        assert item.channel.key == "forum" and item.title == propose_idea(dark).title
        assert key_in_notes(item.notes) == dark.key and "4 mentions" in item.notes
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "content_items")).all()
        assert [(a.actor, a.action) for a in audit] == [("mo", "create")]
    after = ideas.overview(store_url, now=NOW, n_themes=2)
    assert after.coverage.ideas[dark.key] == made.item_id
    assert after.idea_for(found[0])["status"] == "idea"

    # a cancelled idea no longer covers the theme: it can be proposed again
    with session_scope(store_url) as s:
        s.get(ContentItem, made.item_id).status = "cancelled"
    assert ideas.create_idea(dark, url=store_url, actor="ann", role="manager").created


def test_load_moderation_reads_actions_with_the_items_channel(store_url: str) -> None:
    _seed(store_url)
    service = TriageService(store_url, actor="ann", role="manager", clock=lambda: NOW)
    with session_scope(store_url) as s:
        item_ids = s.scalars(select(TriageItem.id).order_by(TriageItem.id)).all()
    service.moderate(item_ids[0], None, "hide", "spoiler", "CoC 2")
    service.moderate(item_ids[3], None, "warn", "rude")
    actions = frames.load_moderation(store_url)
    assert actions["action"].tolist() == ["hide", "warn"]
    assert actions["channel"].tolist()[0] == "forum" and pd.isna(actions["channel"].iloc[1])
    assert actions["actor"].tolist() == ["ann", "ann"]
    assert str(actions["at"].dtype) == "datetime64[us, UTC]"
    assert len(frames.load_moderation(store_url, NOW + dt.timedelta(seconds=1))) == 0
    both = frames.load_moderation(store_url, columns=("action", "category", "policy_ref"))
    assert both.to_dict("records")[0] == {"action": "hide", "category": "feedback",
                                          "policy_ref": "CoC 2"}  # fmt: skip
