"""From recurring feedback to content ideas: which themes keep coming back, what to write
about them, and how many of them already have an idea in the content calendar.

Input ``feedback`` — one row per piece of feedback:

| column | type | meaning |
|---|---|---|
| ``text`` | str | what the member wrote (a triage item's post, a survey comment) |
| ``source`` | str | ``triage`` or ``survey`` |
| ``at`` | datetime64, tz-aware | when it was received / submitted |
| ``channel`` | str, optional | where it was posted (survey comments have none) |

Themes come from :func:`commbook.feedback.themes.themes` (TF-IDF + NMF). A theme is
**recurring** when at least ``min_mentions`` texts belong to it, written on at least
``min_days`` different days (one busy thread is not a trend).

**Calendar convention.** An idea made from a theme is a calendar item whose campaign /
tags include :data:`FROM_FEEDBACK_TAG` (``from-feedback``) and whose notes hold the
marker ``[feedback-theme:<key>]``. The key is the words of the theme's topic (its subject
in one or two words, else its label), lower-case, sorted and joined by ``-`` ("mobile
app" → ``app-mobile``), so the same theme found again next week — even phrased a little
differently — maps to the same item. Pure functions; the store side is
``commbook.triage.ideas``. Reference: ``docs/triage.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.feedback.themes import themes
from commbook.feedback.vader import NEGATIVE_MAX
from commbook.metrics._schema import ANY, TIMESTAMP, require

FROM_FEEDBACK_TAG = "from-feedback"
MIN_MENTIONS = 3
MIN_DAYS = 2
N_THEMES = 8
FEEDBACK = {"text": ANY, "source": ANY, "at": TIMESTAMP}
_MARK = re.compile(r"\[feedback-theme:([a-z0-9-]+)\]")
REQUEST = re.compile(
    r"\b(?:please (?:add|make|bring|give|let)|add (?:a|an|some|more)|would (?:love|like)"
    r"|would be (?:great|nice|useful|helpful|good)|any plans|i wish|wish (?:there|you|we)"
    r"|could (?:you|we) (?:add|have|get|make)|can (?:you|we) (?:add|have|get)|we need"
    r"|it would help|should have)\b",
    re.IGNORECASE,
)
"""A text that asks for something: "Please add a dark mode", "Would love more events"."""
_WORD = re.compile(r"[a-z0-9]+")


def theme_key(label: str) -> str:
    """The stable key of a theme label: its words, lower-case, sorted, joined by ``-``."""
    words = sorted(set(_WORD.findall(label.casefold())))
    if not words:
        raise ValidationError(f"theme label {label!r} has no words", field="label")
    return "-".join(words)


def key_marker(key: str) -> str:
    """The marker stored in an idea's notes: ``[feedback-theme:<key>]``."""
    return f"[feedback-theme:{key}]"


def key_in_notes(notes: str | None) -> str | None:
    """The theme key of an idea's notes (``None`` when the notes carry no marker)."""
    found = _MARK.search(notes if isinstance(notes, str) else "")
    return found.group(1) if found else None


def is_feedback_idea(campaign: str | None) -> bool:
    """Whether a calendar item's campaign / tags include ``from-feedback``."""
    if not isinstance(campaign, str):  # None, or NaN from a frame
        return False
    return any(tag.strip().casefold() == FROM_FEEDBACK_TAG for tag in campaign.split(","))


@dataclass(frozen=True)
class RecurringTheme:
    """A theme that keeps coming back, with its evidence.

    ``mentions`` = ``triage_items`` + ``survey_comments``; ``days``: distinct days it was
    mentioned on; ``quotes``: up to three typical texts of the theme (closest to its
    centre, in its tone); ``channel``: where it was raised most (``None`` if nowhere in
    particular); ``topic``: its subject in one or two words ("mobile app"); ``requests``:
    the mentions that ask for something (:data:`REQUEST`).
    """

    key: str
    label: str
    terms: tuple[str, ...]
    mentions: int
    triage_items: int
    survey_comments: int
    days: int
    first_at: pd.Timestamp
    last_at: pd.Timestamp
    mean_sentiment: float
    quotes: tuple[str, ...]
    channel: str | None = None
    topic: str = ""
    requests: int = 0

    @property
    def subject(self) -> str:
        """What the theme is about, for titles: its ``topic``, else its label."""
        return self.topic or self.label.replace(" / ", " and ")

    @property
    def asks(self) -> bool:
        """Mostly requests ("please add…", "would love…"): at least half the mentions."""
        return self.requests * 2 >= self.mentions > 0

    @property
    def negative(self) -> bool:
        """Mostly complaints: mean VADER compound ≤ −0.05."""
        return bool(self.mean_sentiment <= NEGATIVE_MAX)

    def evidence(self, tz: dt.tzinfo | str = "UTC") -> str:
        """E.g. "7 mentions (5 triage items, 2 survey comments) on 4 days, 3 Oct – 28 Oct
        2026"."""
        first, last = (t.tz_convert(tz) for t in (self.first_at, self.last_at))
        span = f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return (
            f"{self.mentions} mentions ({self.triage_items} triage "
            f"{'item' if self.triage_items == 1 else 'items'}, {self.survey_comments} survey "
            f"{'comment' if self.survey_comments == 1 else 'comments'}) on {self.days} days, "
            f"{span}"
        )


def recurring_themes(
    feedback: pd.DataFrame,
    *,
    n_themes: int = N_THEMES,
    min_mentions: int = MIN_MENTIONS,
    min_days: int = MIN_DAYS,
    tz: dt.tzinfo | str = "UTC",
    seed: int = 0,
) -> list[RecurringTheme]:
    """The recurring themes of ``feedback`` (see the module docstring), most mentioned
    first. Days are local days in ``tz``. Empty when there is no text with words."""
    require(feedback, FEEDBACK, name="feedback")
    text = feedback["text"].astype(object)
    text = text.where(text.notna(), None).map(lambda t: t.strip() if isinstance(t, str) else None)
    rows = feedback[text.fillna("").ne("").to_numpy()].reset_index(drop=True)
    texts = text[text.fillna("").ne("")].reset_index(drop=True)
    if rows.empty:
        return []
    try:
        model = themes(texts, n_themes=n_themes, seed=seed)
    except ValidationError:  # only stop words
        return []
    placed = model.assignments
    day = rows["at"].dt.tz_convert(tz).dt.date
    found: list[RecurringTheme] = []
    for theme in model.themes:
        mine = placed["theme"].eq(theme.id).fillna(False).to_numpy(dtype=bool)
        if mine.sum() < min_mentions or day[mine].nunique() < min_days:
            continue
        source = rows.loc[mine, "source"].astype(str)
        channel = None
        if "channel" in rows.columns:
            where = rows.loc[mine, "channel"].dropna().astype(str)
            where = where[where != ""]
            if len(where):
                counts = where.value_counts()
                channel = str(sorted(counts[counts == counts.max()].index)[0])
        sentiment = placed.loc[mine, "sentiment"].to_numpy(dtype=float)
        found.append(
            RecurringTheme(
                key=theme_key(theme.topic or theme.label),
                label=theme.label,
                terms=theme.terms,
                mentions=int(mine.sum()),
                triage_items=int((source == "triage").sum()),
                survey_comments=int((source == "survey").sum()),
                days=int(day[mine].nunique()),
                first_at=pd.Timestamp(rows.loc[mine, "at"].min()),
                last_at=pd.Timestamp(rows.loc[mine, "at"].max()),
                mean_sentiment=float(np.nanmean(sentiment)) if len(sentiment) else np.nan,
                quotes=theme.quotes,
                channel=channel,
                topic=theme.topic,
                requests=int(texts[mine].str.contains(REQUEST).sum()),
            )
        )
    return sorted(found, key=lambda t: (-t.mentions, t.key))


@dataclass(frozen=True)
class ContentIdea:
    """What to put in the calendar for a theme: the values of a calendar item (an
    unscheduled ``idea``) — ``title``, ``content_type``, ``tags`` and ``notes``."""

    theme: RecurringTheme
    title: str
    content_type: str
    tags: str
    notes: str


def idea_title(theme: RecurringTheme) -> tuple[str, str]:
    """(title, content type) of the idea for ``theme``, a title a manager would write
    about its subject (:attr:`RecurringTheme.subject`):

    - mostly requests → "Dark mode: what members asked for and where it stands" (post);
    - mostly complaints (mean sentiment negative) → "FAQ: problems with the mobile app and
      how to solve them" (post);
    - otherwise → "Guide: getting started with the build nights" (article).
    """
    subject = " ".join(theme.subject.split())
    if theme.asks:
        return (
            f"{subject[:1].upper()}{subject[1:]}: what members asked for and where it stands",
            "post",
        )
    if theme.negative:
        return f"FAQ: problems with the {subject} and how to solve them", "post"
    return f"Guide: getting started with the {subject}", "article"


def propose_idea(theme: RecurringTheme, tz: dt.tzinfo | str = "UTC") -> ContentIdea:
    """A content idea for ``theme``: its title and type from :func:`idea_title`; notes
    hold the evidence, typical quotes and the theme's key marker."""
    title, content_type = idea_title(theme)
    lines = [
        f'From recurring feedback, theme "{theme.label}".',
        f"{theme.evidence(tz)}.",
    ]
    if theme.quotes:
        lines.append("What members wrote:")
        lines += [f'- "{q}"' for q in theme.quotes]
    lines.append(key_marker(theme.key))
    return ContentIdea(theme, title[:300], content_type, FROM_FEEDBACK_TAG, "\n".join(lines))


@dataclass(frozen=True)
class IdeaCoverage:
    """How many recurring themes have an idea in the calendar.

    ``ideas`` maps a covered theme's key to its calendar item id.
    """

    themes: int
    with_idea: int
    ideas: dict[str, int]

    @property
    def share(self) -> float:
        """with_idea / themes (NaN when there is no recurring theme)."""
        return self.with_idea / self.themes if self.themes else float("nan")


def feedback_ideas(items: pd.DataFrame) -> pd.DataFrame:
    """The calendar items that are ideas from feedback (tag and marker present, not
    cancelled), with their theme ``key``. ``items``: ``content_id``, ``campaign``,
    ``notes``, ``status``."""
    require(items, {"content_id": ANY, "campaign": ANY, "notes": ANY, "status": ANY}, name="items")
    tagged = items[np.array([is_feedback_idea(c) for c in items["campaign"]], dtype=bool)]
    tagged = tagged[tagged["status"].astype(object) != "cancelled"].copy()
    tagged["key"] = [key_in_notes(n) for n in tagged["notes"].astype(object)]
    return tagged[tagged["key"].notna()]


def idea_coverage(
    themes: Sequence[RecurringTheme] | Iterable[str], items: pd.DataFrame
) -> IdeaCoverage:
    """Recurring themes turned into content ideas: the themes (or their keys) that have a
    calendar item tagged ``from-feedback`` with their key in its notes (cancelled items do
    not count). See :func:`feedback_ideas`."""
    keys = [t.key if isinstance(t, RecurringTheme) else str(t) for t in themes]
    ideas = feedback_ideas(items)
    first = ideas.sort_values("content_id").drop_duplicates("key")
    by_key = dict(zip(first["key"], first["content_id"].astype(int), strict=True))
    covered = {k: by_key[k] for k in dict.fromkeys(keys) if k in by_key}
    return IdeaCoverage(themes=len(set(keys)), with_idea=len(covered), ideas=covered)
