"""The "Content ideas from feedback" panel of the triage app.

It lists the recurring themes of the last 90 days of feedback (triage items of category
feedback and survey comments, ``commbook.triage.ideas.overview``) with their evidence, and
how many already have an idea in the content calendar. Moderators and managers get an
"Add to calendar as idea" button per theme (permission ``plan_content``); the service
decides and is idempotent. Themes are found on demand (the button at the top), so the
queue opens without waiting for the text analysis.
"""

from __future__ import annotations

import math

import ipywidgets as w

from commbook.calendar.model import STATUSES
from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.feedback.ideas import RecurringTheme, propose_idea
from commbook.triage.ideas import RECENT_DAYS, Overview, create_idea, overview
from commbook.triage.service import TriageService
from commbook.widgets.theme import alert, card
from commbook.widgets.triage_format import e

CSS = """
.cb-triage-ideas .cb-triage-idea { border: 1px solid #eef1f5; border-radius: 8px;
  padding: 8px 12px; align-items: center; }
.cb-triage-idea-text { flex: 1 1 0%; min-width: 0; }
.cb-triage-idea-label { font-weight: 650; color: #1d3557; }
.cb-triage-idea-evidence { font-size: 12.5px; color: #475467; }
.cb-triage-idea-quote { font-size: 12.5px; color: #667085; font-style: italic; }
.cb-triage-idea-proposal { font-size: 12.5px; color: #1f2933; }
.cb-triage-idea-done { font-size: 12.5px; color: #067647; font-weight: 600; }
.cb-triage-ideas-summary { font-size: 13px; color: #475467; }
"""


def _button(text: str, css: str, icon: str = "", style: str = "") -> w.Button:
    button = w.Button(description=text, icon=icon, button_style=style)
    button.layout.width = "auto"
    button.layout.min_width = "120px"
    button.add_class(css)
    return button


def coverage_text(view: Overview) -> str:
    """E.g. "2 of 5 recurring themes (40%) have a content idea in the calendar."."""
    c = view.coverage
    if not c.themes:
        return (
            f"No theme came up again and again in the last {RECENT_DAYS} days of feedback "
            f"({view.texts:,} texts)."
        )
    share = "" if math.isnan(c.share) else f" ({c.share:.0%})"
    return (
        f"{c.with_idea} of {c.themes} recurring themes{share} have a content idea in the "
        f"calendar — from {view.texts:,} pieces of feedback in the last {RECENT_DAYS} days."
    )


class IdeasPanel:
    """Recurring feedback themes, each with its evidence and an "Add to calendar" button."""

    def __init__(self, service: TriageService) -> None:
        self.service = service
        self.may_add = service.can("plan_content")
        self.view: Overview | None = None
        self.load_button = _button("Show recurring themes", "cb-triage-ideas-load", "lightbulb")
        self.load_button.on_click(lambda _: self.refresh())
        self.summary = w.HTML(
            '<div class="cb-triage-ideas-summary">Themes members keep raising in feedback, '
            "turned into ideas for the content calendar.</div>"
        )
        self.message = w.HTML()
        self.message.add_class("cb-triage-ideas-message")
        self.list = w.VBox(layout=w.Layout(grid_gap="8px"))
        self.list.add_class("cb-triage-ideas-list")
        self.widget = card(
            w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none")),
            w.HTML("<h2>Content ideas from feedback</h2>"),
            self.summary,
            self.load_button,
            self.message,
            self.list,
            css="cb-triage-ideas",
        )

    def refresh(self) -> None:
        """Find the recurring themes again and show them."""
        try:
            self.view = overview(self.service.url, now=self.service.clock())
        except CommbookError as exc:
            self.message.value = alert("error", str(exc))
            return
        self.load_button.description = "Refresh themes"
        self.summary.value = f'<div class="cb-triage-ideas-summary">{e(coverage_text(self.view))}'
        if not self.may_add:
            self.summary.value += (
                f" Your role ({e(self.service.role)}) cannot add ideas to the calendar; ask a "
                "moderator or a manager."
            )
        self.summary.value += "</div>"
        self.list.children = [self._row(theme) for theme in self.view.themes]

    def _row(self, theme: RecurringTheme) -> w.HBox:
        tz = get_settings().tz
        idea = propose_idea(theme, tz)
        quote = (
            f'<div class="cb-triage-idea-quote">“{e(theme.quotes[0])}”</div>'
            if theme.quotes
            else ""
        )
        text = w.HTML(
            f'<div class="cb-triage-idea-label">{e(theme.label)}</div>'
            f'<div class="cb-triage-idea-evidence">{e(theme.evidence(tz))}</div>{quote}'
            f'<div class="cb-triage-idea-proposal">Idea: <b>{e(idea.title)}</b></div>'
        )
        text.add_class("cb-triage-idea-text")
        existing = self.view.idea_for(theme) if self.view is not None else None
        if existing is not None:
            status = STATUSES.get(str(existing["status"]), str(existing["status"]))
            action: w.Widget = w.HTML(
                f'<div class="cb-triage-idea-done">In the calendar: #{int(existing["content_id"])}'
                f" ({e(status.lower())})</div>"
            )
        elif self.may_add:
            action = _button("Add to calendar as idea", "cb-triage-idea-add", "calendar-plus")
            action.on_click(lambda _b, t=theme: self._add(t))
        else:
            action = w.HTML("")
        box = w.HBox([text, action], layout=w.Layout(grid_gap="12px", width="100%"))
        box.add_class("cb-triage-idea")
        box.add_class(f"cb-triage-idea-{theme.key}")
        return box

    def _add(self, theme: RecurringTheme) -> None:
        try:
            result = create_idea(
                theme, url=self.service.url, actor=self.service.actor, role=self.service.role
            )
        except CommbookError as exc:
            self.message.value = alert("error", getattr(exc, "reason", str(exc)))
            return
        verb = "Added to the calendar as idea" if result.created else "Already in the calendar:"
        self.refresh()
        self.message.value = alert("success", f"{verb} #{result.item_id}: {result.title}")
