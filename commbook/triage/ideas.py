"""Closing the loop from feedback to the content calendar, in the store.

:func:`load_feedback` reads recent feedback (triage items of category ``feedback`` — the
post's title and text when the item came from a post, else its summary — and survey
comments); :func:`overview` finds the recurring themes in it
(``commbook.feedback.ideas.recurring_themes``) and which already have a calendar idea;
:func:`create_idea` adds one as an unscheduled calendar ``idea`` through
``commbook.calendar.service.save_item`` (versioned, audited), tagged ``from-feedback``
with the evidence and the theme's key in its notes. Idempotent: a theme that already has
an idea (not cancelled) gets no second one. Permission: ``plan_content`` (moderators and
managers). Reference: ``docs/triage.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from commbook.config import get_settings
from commbook.feedback.ideas import (
    FROM_FEEDBACK_TAG,
    N_THEMES,
    IdeaCoverage,
    RecurringTheme,
    feedback_ideas,
    idea_coverage,
    propose_idea,
    recurring_themes,
)
from commbook.store import (
    ActivityEvent,
    Channel,
    ContentItem,
    Survey,
    SurveyResponse,
    TriageItem,
    get_engine,
)
from commbook.triage.model import check_permission

#: How far back "recent" feedback goes.
RECENT_DAYS = 90
FEEDBACK_CATEGORY = "feedback"
FALLBACK_CHANNEL = "forum"
IDEA_COLUMNS = ("content_id", "title", "status", "campaign", "notes")


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def load_feedback(url: str | None, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Feedback received in ``[start, end)``: ``text``, ``source`` (``triage`` /
    ``survey``), ``at`` (aware UTC), ``channel`` — the input of ``recurring_themes``."""
    _aware(start, "start"), _aware(end, "end")
    title = func.coalesce(ActivityEvent.title, "")
    body = func.coalesce(ActivityEvent.body, "")
    items = (
        select(TriageItem.summary, title, body, TriageItem.received_at, Channel.key)
        .outerjoin(ActivityEvent, TriageItem.event_id == ActivityEvent.id)
        .outerjoin(Channel, TriageItem.channel_id == Channel.id)
        .where(
            TriageItem.category == FEEDBACK_CATEGORY,
            TriageItem.received_at >= start,
            TriageItem.received_at < end,
        )
    )
    comments = (
        select(SurveyResponse.comment, SurveyResponse.submitted_at)
        .join(Survey, SurveyResponse.survey_id == Survey.id)
        .where(
            SurveyResponse.comment.is_not(None),
            SurveyResponse.submitted_at >= start,
            SurveyResponse.submitted_at < end,
        )
    )
    with get_engine(url).connect() as conn:
        triage = conn.execute(items).all()
        survey = conn.execute(comments).all()
    rows = [
        {
            "text": ". ".join(p for p in (t.strip(), b.strip()) if p) or summary,
            "source": "triage",
            "at": at,
            "channel": channel,
        }
        for summary, t, b, at, channel in triage
    ]
    rows += [{"text": c, "source": "survey", "at": at, "channel": None} for c, at in survey]
    frame = pd.DataFrame(rows, columns=["text", "source", "at", "channel"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values("at", kind="stable").reset_index(drop=True)


def calendar_ideas(url: str | None = None) -> pd.DataFrame:
    """Calendar items tagged ``from-feedback``: :data:`IDEA_COLUMNS` (any status)."""
    stmt = select(
        ContentItem.id, ContentItem.title, ContentItem.status, ContentItem.campaign,
        ContentItem.notes,
    ).where(ContentItem.campaign.like(f"%{FROM_FEEDBACK_TAG}%"))  # fmt: skip
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt.order_by(ContentItem.id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(IDEA_COLUMNS))


@dataclass(frozen=True)
class Overview:
    """Recurring feedback themes of ``[start, end)`` and which have a calendar idea.

    ``ideas``: the calendar's feedback ideas (``feedback.ideas.feedback_ideas``, indexed
    by ``content_id``), for titles and statuses.
    """

    start: dt.datetime
    end: dt.datetime
    themes: list[RecurringTheme]
    coverage: IdeaCoverage
    ideas: pd.DataFrame
    texts: int

    def idea_for(self, theme: RecurringTheme) -> pd.Series | None:
        """The calendar idea of ``theme`` (``content_id``, ``title``, ``status``), if any."""
        item = self.coverage.ideas.get(theme.key)
        return None if item is None else self.ideas.loc[item]


def overview(
    url: str | None = None,
    *,
    now: dt.datetime | None = None,
    days: int = RECENT_DAYS,
    n_themes: int = N_THEMES,
) -> Overview:
    """The recurring themes of the last ``days`` days of feedback up to ``now`` (default:
    the clock) and the coverage metric "themes turned into content ideas"."""
    end = _aware(now, "now") if now is not None else dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=days)
    feedback = load_feedback(url, start, end)
    found = recurring_themes(feedback, n_themes=n_themes, tz=get_settings().tz)
    items = calendar_ideas(url)
    ideas = feedback_ideas(items).set_index("content_id", drop=False)
    return Overview(start, end, found, idea_coverage(found, items), ideas, len(feedback))


@dataclass(frozen=True)
class IdeaResult:
    """What :func:`create_idea` did: the calendar item of the theme, and whether it was
    made now (``False``: the theme already had one)."""

    item_id: int
    title: str
    status: str
    created: bool


def existing_idea(key: str, url: str | None = None) -> IdeaResult | None:
    """The calendar idea (not cancelled) already made from the theme ``key``, if any."""
    pattern = f"%[feedback-theme:{key}]%"
    stmt = select(ContentItem.id, ContentItem.title, ContentItem.status, ContentItem.campaign,
                  ContentItem.notes).where(
        ContentItem.campaign.like(f"%{FROM_FEEDBACK_TAG}%"), ContentItem.notes.like(pattern)
    )  # fmt: skip
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt.order_by(ContentItem.id)).all()
    found = feedback_ideas(pd.DataFrame([tuple(r) for r in rows], columns=list(IDEA_COLUMNS)))
    found = found[found["key"] == key]
    if found.empty:
        return None
    first = found.iloc[0]
    return IdeaResult(int(first["content_id"]), str(first["title"]), str(first["status"]), False)


def create_idea(
    theme: RecurringTheme,
    *,
    url: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    channel: str | None = None,
) -> IdeaResult:
    """Add ``theme`` to the content calendar as an unscheduled ``idea`` (see
    ``feedback.ideas.propose_idea`` for its title and notes), unless it already has one.

    ``role`` (default ``COMMBOOK_ROLE``) needs ``plan_content``; ``actor`` (default
    ``COMMBOOK_USER``) is recorded in the audit log. ``channel``: where the content would
    go (default: where the theme was raised most, else the forum).
    """
    settings = get_settings()
    check_permission(role or settings.role, "plan_content")
    found = existing_idea(theme.key, url)
    if found is not None:
        return found
    from commbook.calendar.service import save_item

    idea = propose_idea(theme, settings.tz)
    item = save_item(
        {
            "title": idea.title,
            "content_type": idea.content_type,
            "channel": channel or theme.channel or FALLBACK_CHANNEL,
            "status": "idea",
            "scheduled_date": None,
            "timezone": settings.timezone,
            "tags": idea.tags,
            "notes": idea.notes,
        },
        url=url,
        actor=actor or settings.user,
    )
    return IdeaResult(item.id, item.title, item.status, True)
