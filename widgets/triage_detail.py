"""One triage item: its facts, SLA clocks, thread, history and the actions the role allows.

Each action form calls one ``TriageService`` method with the version the panel loaded; the
service decides (permissions, transitions) and the panel shows its message. Actions the
role may not take are not offered at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from commbook.config import get_settings
from commbook.errors import CommbookError, ConflictError, NotFound
from commbook.triage.model import (
    ESCALATION_LEVELS,
    ESCALATION_PATHS,
    MODERATION_ACTIONS,
    URGENCIES,
)
from commbook.triage.queue import ItemDetail, item_detail
from commbook.triage.service import LINK_KINDS, TriageService
from commbook.widgets.theme import Field, alert, card, row
from commbook.widgets.triage_format import badge, clock_box, e, label, when

#: Action tabs: key → (label, permission needed to see it).
ACTIONS: dict[str, tuple[str, str]] = {
    "assign": ("Assign", "assign"),
    "status": ("Status", "respond"),
    "respond": ("Respond", "respond"),
    "moderate": ("Moderate", "approve"),
    "escalate": ("Escalate", "escalate"),
    "loop": ("Close loop", "respond"),
    "edit": ("Triage", "triage"),
}
LEVEL_LABELS = {"team_lead": "Team lead", "legal": "Legal", "pr": "PR", "security": "Security"}


def _button(text: str, css: str, icon: str = "", style: str = "primary") -> w.Button:
    button = w.Button(description=text, icon=icon, button_style=style)
    button.layout.width = "auto"
    button.layout.min_width = "120px"
    button.add_class(css)
    return button


class ItemPanel:
    """The detail card. ``open(item_id)`` loads an item; ``on_change(item_id)`` is called
    after every successful action (the app refreshes the queue)."""

    def __init__(self, service: TriageService, on_change: Callable[[int], None]) -> None:
        self.service = service
        self.on_change = on_change
        self.detail: ItemDetail | None = None
        self.owners: list[str] = []
        self._build()
        self.clear()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = w.HTML()
        self.header.add_class("cb-triage-item-header")
        self.message = w.HTML(layout=w.Layout(display="none"))
        self.message.add_class("cb-triage-message")
        self.reload_button = _button("Reload item", "cb-triage-reload", "rotate-right", "warning")
        self.reload_button.on_click(lambda _: self.reload())
        self.message_area = w.VBox([self.message], layout=w.Layout(grid_gap="6px"))
        self.clocks = w.HTML()
        self.clocks.add_class("cb-triage-sla")
        self.why = w.HTML()
        self.thread = w.HTML()
        self.thread.add_class("cb-triage-thread-box")
        self.history = w.HTML()
        self.history.add_class("cb-triage-history-box")

        self.forms: dict[str, w.Widget] = {}
        allowed = [k for k, (_, perm) in ACTIONS.items() if self.service.can(perm)]
        builders = {
            "assign": self._assign_form,
            "status": self._status_form,
            "respond": self._respond_form,
            "moderate": self._moderate_form,
            "escalate": self._escalate_form,
            "loop": self._loop_form,
            "edit": self._edit_form,
        }
        for key in allowed:
            self.forms[key] = builders[key]()
            self.forms[key].add_class("cb-triage-form")
            self.forms[key].add_class(f"cb-triage-form-{key}")
        if allowed:
            self.tabs = w.ToggleButtons(
                options=[(ACTIONS[k][0], k) for k in allowed], value=allowed[0]
            )
            self.tabs.add_class("cb-triage-actions")
            self.tabs.observe(lambda _: self._show_form(), "value")
            actions: list[w.Widget] = [self.tabs, *self.forms.values()]
        else:
            self.tabs = None
            note = w.HTML(
                '<div class="cb-triage-readonly">You can look at the queue but not change '
                f"it (role: <b>{e(self.service.role)}</b>). Ask a moderator or a manager to "
                "act on an item.</div>"
            )
            note.add_class("cb-triage-readonly-note")
            actions = [note]
        self.actions = w.VBox(actions, layout=w.Layout(grid_gap="8px"))
        self.body = w.VBox(
            [
                self.clocks,
                self.why,
                w.HTML('<div class="cb-triage-section">Actions</div>'),
                self.actions,
                w.HTML('<div class="cb-triage-section">Conversation</div>'),
                self.thread,
                w.HTML('<div class="cb-triage-section">History</div>'),
                self.history,
            ],
            layout=w.Layout(grid_gap="10px"),
        )
        self.placeholder = w.HTML(
            '<div class="cb-empty">Pick an item in the queue to see the conversation and act '
            "on it.</div>"
        )
        self.widget = card(
            self.header,
            self.message_area,
            self.placeholder,
            self.body,
            css="cb-triage-detail",
            flex="0 0 500px",
            width="500px",
            min_width="0",
        )

    def _assign_form(self) -> w.Widget:
        self.assign_owner = Field(
            "Owner",
            w.Combobox(placeholder="Name of the person who owns it", ensure_option=False),
            css="cb-triage-assign-owner",
        )
        self.assign_queue = Field(
            "Queue", w.Text(placeholder="e.g. billing, hardware"), css="cb-triage-assign-queue"
        )
        save = _button("Assign", "cb-triage-assign-save", "user")
        save.on_click(
            lambda _: self._act(
                self._assign, {"owner": self.assign_owner, "queue": self.assign_queue}
            )
        )
        return w.VBox([row(self.assign_owner.box, self.assign_queue.box), save])

    def _status_form(self) -> w.Widget:
        self.status_choice = Field("Move to", w.Dropdown(options=[]), css="cb-triage-status-to")
        save = _button("Set status", "cb-triage-status-save")
        save.on_click(lambda _: self._act(self._status, {"status": self.status_choice}))
        self.status_hint = w.HTML()
        self.status_hint.add_class("cb-muted")
        return w.VBox([self.status_choice.box, self.status_hint, save])

    def _respond_form(self) -> w.Widget:
        self.response_text = Field(
            "Response",
            w.Textarea(placeholder="What you answered the member", rows=3),
            required=True,
            css="cb-triage-response-text",
        )
        self.response_status = Field(
            "Then", w.Dropdown(options=[]), css="cb-triage-response-status"
        )
        save = _button("Record response", "cb-triage-respond-save", "reply")
        save.on_click(
            lambda _: self._act(
                self._respond,
                {"response": self.response_text, "status": self.response_status},
            )
        )
        return w.VBox([self.response_text.box, self.response_status.box, save])

    def _moderate_form(self) -> w.Widget:
        permitted = [a for a in MODERATION_ACTIONS if self.service.can(a)]
        self.mod_action = Field(
            "Action",
            w.Dropdown(options=[(a.capitalize(), a) for a in permitted]),
            css="cb-triage-moderate-action",
        )
        self.mod_reason = Field(
            "Reason",
            w.Text(placeholder="Why — the member may see this"),
            required=True,
            css="cb-triage-moderate-reason",
        )
        self.mod_policy = Field(
            "Policy", w.Text(placeholder="e.g. CoC 3.2"), css="cb-triage-moderate-policy"
        )
        save = _button("Apply", "cb-triage-moderate-save", "gavel", "danger")
        save.on_click(
            lambda _: self._act(
                self._moderate,
                {"reason": self.mod_reason, "action": self.mod_action, "role": self.mod_action},
            )
        )
        return w.VBox([row(self.mod_action.box, self.mod_policy.box), self.mod_reason.box, save])

    def _escalate_form(self) -> w.Widget:
        self.esc_level = Field(
            "Escalate to", w.Dropdown(options=[]), css="cb-triage-escalate-level"
        )
        self.esc_note = Field(
            "Note",
            w.Textarea(placeholder="What they need to know", rows=2),
            required=True,
            css="cb-triage-escalate-note",
        )
        self.esc_save = _button("Escalate", "cb-triage-escalate-save", "arrow-up", "warning")
        self.esc_save.on_click(
            lambda _: self._act(
                self._escalate,
                {"note": self.esc_note, "escalation_level": self.esc_level, "role": self.esc_level},
            )
        )
        return w.VBox([self.esc_level.box, self.esc_note.box, self.esc_save])

    def _loop_form(self) -> w.Widget:
        self.loop_note = Field(
            "What did you tell the member?",
            w.Textarea(
                placeholder="e.g. Replacement board shipped, tracking sent by email", rows=2
            ),
            required=True,
            css="cb-triage-loop-note",
        )
        self.loop_save = _button("Close the loop", "cb-triage-loop-save", "check")
        self.loop_save.on_click(lambda _: self._act(self._close_loop, {"note": self.loop_note}))
        self.loop_hint = w.HTML()
        self.loop_hint.add_class("cb-muted")
        return w.VBox([self.loop_note.box, self.loop_hint, self.loop_save])

    def _edit_form(self) -> w.Widget:
        self.edit_category = Field(
            "Category",
            w.Dropdown(options=list(self.service.categories)),
            css="cb-triage-edit-category",
        )
        self.edit_urgency = Field(
            "Urgency", w.Dropdown(options=list(URGENCIES)), css="cb-triage-edit-urgency"
        )
        self.edit_tags = Field(
            "Tags", w.Text(placeholder="comma separated"), css="cb-triage-edit-tags"
        )
        self.link_kind = Field(
            "Link",
            w.Dropdown(options=[(text, key) for key, text in LINK_KINDS.items()]),
            css="cb-triage-link-kind",
        )
        self.link_ref = Field(
            "URL or id", w.Text(placeholder="https://… (optional)"), css="cb-triage-link-ref"
        )
        save = _button("Save", "cb-triage-edit-save")
        save.on_click(
            lambda _: self._act(
                self._edit,
                {
                    "category": self.edit_category,
                    "urgency": self.edit_urgency,
                    "tags": self.edit_tags,
                    "links": self.link_ref,
                },
            )
        )
        return w.VBox(
            [
                row(self.edit_category.box, self.edit_urgency.box),
                self.edit_tags.box,
                row(self.link_kind.box, self.link_ref.box),
                save,
            ]
        )

    def _show_form(self) -> None:
        current = self.tabs.value if self.tabs is not None else None
        for key, form in self.forms.items():
            form.layout.display = "" if key == current else "none"

    # --- showing an item ----------------------------------------------------------------

    def clear(self) -> None:
        self.detail = None
        self.header.value = "<h2>No item open</h2>"
        self.placeholder.layout.display = ""
        self.body.layout.display = "none"
        self._hide_message()

    def open(self, item_id: int) -> None:
        """Load ``item_id`` from the store (keeps any message on screen)."""
        try:
            self.detail = item_detail(self.service.url, item_id, now=self.service.clock())
        except NotFound as exc:
            self.clear()
            self.show_message("error", str(exc))
            return
        self._render()

    def show(self, item_id: int) -> None:
        """Open ``item_id`` afresh (from the queue): earlier messages are cleared."""
        self._hide_message()
        self.open(item_id)

    def reload(self) -> None:
        if self.detail is not None:
            item_id = self.detail.item.id
            self._hide_message()
            self.open(item_id)
            self.show_message("success", "Reloaded the latest saved version.")

    def _render(self) -> None:
        d = self.detail
        assert d is not None
        item, tz, now = d.item, get_settings().tz, self.service.clock()
        self.placeholder.layout.display = "none"
        self.body.layout.display = ""
        tags = "".join(f'<span class="cb-badge">{e(t)}</span>' for t in item.tags or [])
        links = "<br>".join(self._link(link) for link in item.links or []) or "—"
        member = e(d.member) or "anonymous"
        if d.member_role and d.member_role != "member":
            member += f" ({e(d.member_role)})"
        facts = [
            ("Member", member),
            ("Channel", e(d.channel) or "—"),
            ("Received", when(item.received_at, tz)),
            ("Owner", e(item.owner) or '<span class="cb-triage-unassigned">unassigned</span>'),
            ("Queue", e(item.queue) or "—"),
            ("Escalation", e(LEVEL_LABELS.get(item.escalation_level or "", "")) or "—"),
            ("Tags", f'<span class="cb-triage-tags">{tags or "—"}</span>'),
            ("Links", f'<span class="cb-triage-links">{links}</span>'),
        ]
        if item.closed_loop:
            facts.append(("Loop closed", e(item.closed_loop_note) or "yes"))
        rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
        self.header.value = (
            f'<h2><span class="cb-triage-id">#{item.id}</span>{e(item.summary)}</h2>'
            f'<div class="cb-triage-badges">{badge("cat", item.category)} '
            f"{badge('urg', item.urgency)} {badge('st', item.status)}</div>"
            f'<dl class="cb-triage-facts">{rows}</dl>'
            f'<div class="cb-muted">Version {item.version}</div>'
        )
        self.clocks.value = (
            '<div class="cb-triage-clocks">'
            + clock_box(
                "first_response", d.sla, item.first_response_at or item.resolved_at, tz, now
            )
            + clock_box("resolution", d.sla, item.resolved_at, tz, now)
            + "</div>"
        )
        s = item.suggestion or {}
        self.why.value = (
            f'<div class="cb-triage-why">Rules suggested <b>{e(s.get("category"))}</b>, '
            f"<b>{e(s.get('urgency'))}</b>: {e(s.get('explanation'))}</div>"
            if s
            else ""
        )
        self.thread.value = self._thread_html(tz)
        self.history.value = self._history_html(tz)
        self._fill_forms()

    @staticmethod
    def _link(link: dict[str, str]) -> str:
        text = LINK_KINDS.get(link.get("kind", ""), "Link")
        ref = link.get("ref", "")
        title = link.get("title") or ref
        if ref.startswith(("http://", "https://")):
            return f'{e(text)}: <a href="{e(ref)}" target="_blank" rel="noopener">{e(title)}</a>'
        return f"{e(text)}: {e(title)}"

    def _thread_html(self, tz: dt.tzinfo) -> str:
        thread = self.detail.thread if self.detail else None
        if thread is None or thread.empty:
            return '<div class="cb-empty">No conversation: this item was created by hand.</div>'
        posts = []
        for p in thread.itertuples():
            css = "cb-triage-post cb-triage-post-item" if p.is_item else "cb-triage-post"
            role = f" · {e(p.role)}" if p.role and p.role != "member" else ""
            title = f'<div class="cb-triage-post-title">{e(p.title)}</div>' if p.title else ""
            posts.append(
                f'<div class="{css}"><div class="cb-triage-post-head"><b>'
                f"{e(p.author) or 'anonymous'}</b>{role} · {e(p.kind)} · "
                f"{when(p.at, tz, '%d %b %Y %H:%M')}</div>{title}<div>{e(p.body)}</div></div>"
            )
        return f'<div class="cb-triage-thread">{"".join(posts)}</div>'

    def _history_html(self, tz: dt.tzinfo) -> str:
        entries = self.detail.history if self.detail else []
        if not entries:
            return '<div class="cb-muted">Nothing yet.</div>'
        lines = []
        for h in entries:
            who = f"<b>{e(h.actor)}</b> " if h.actor else ""
            detail = f'<span class="cb-triage-detail-text">{e(h.detail)}</span>' if h.detail else ""
            lines.append(
                f'<li class="cb-triage-history-{e(h.kind)}"><span class="cb-triage-when">'
                f"{when(h.at, tz, '%d %b %H:%M')}</span>{who}{e(h.text)}{detail}</li>"
            )
        return f'<div class="cb-triage-history"><ul>{"".join(lines)}</ul></div>'

    def _fill_forms(self) -> None:
        item = self.detail.item
        nexts = [s for s in self.detail.next_statuses if s != "escalated"]
        if item.status in ("resolved", "closed") and not self.service.can("reopen"):
            nexts = [s for s in nexts if s not in ("in_progress",)]
        if "status" in self.forms:
            field = self.status_choice.widget
            field.options = [(label(s), s) for s in nexts]
            field.disabled = not nexts
            self.status_hint.value = (
                f"Now {label(item.status)}." if nexts else f"{label(item.status)} is final."
            )
        if "respond" in self.forms:
            keep = [(f"keep {label(item.status)}", "")]
            self.response_status.widget.options = keep + [(f"set {label(s)}", s) for s in nexts]
            self.response_status.widget.value = ""
        if "assign" in self.forms:
            self.assign_owner.widget.options = self.owners
            self.assign_owner.widget.value = item.owner or ""
            self.assign_queue.widget.value = item.queue or ""
        if "escalate" in self.forms:
            levels = sorted(
                ESCALATION_PATHS.get(item.escalation_level, frozenset()),
                key=ESCALATION_LEVELS.index,
            )
            perm = {lv: "escalate" if lv == "team_lead" else "escalate_specialist" for lv in levels}
            levels = [lv for lv in levels if self.service.can(perm[lv])]
            self.esc_level.widget.options = [(LEVEL_LABELS[lv], lv) for lv in levels]
            self.esc_save.disabled = not levels or item.status in ("resolved", "closed")
        if "loop" in self.forms:
            done = item.status == "resolved"
            self.loop_save.disabled = not done
            self.loop_hint.value = (
                "Closing the loop also closes the item."
                if done
                else "Resolve the item first, then tell the member the outcome here."
                if item.status != "closed"
                else "Closed."
            )
        if "edit" in self.forms:
            self.edit_category.widget.value = (
                item.category if item.category in self.service.categories else None
            )
            self.edit_urgency.widget.value = item.urgency or "normal"
            self.edit_tags.widget.value = ", ".join(item.tags or [])
            self.link_ref.widget.value = ""
        self._show_form()

    # --- actions ------------------------------------------------------------------------

    def _act(self, action: Callable[[int, int], Any], fields: dict[str, Field]) -> None:
        """Run ``action(item_id, version)``; show its result, or the error next to the
        field it names (``fields``: error field name → form field)."""
        if self.detail is None:
            return
        item = self.detail.item
        self._hide_message()
        for field in fields.values():
            field.set_error("")
        try:
            text = action(item.id, item.version)
        except ConflictError as exc:
            self.show_message("warning", str(exc), reload=True)
        except NotFound as exc:
            self.show_message("error", str(exc))
        except CommbookError as exc:
            reason = getattr(exc, "reason", str(exc))
            target = fields.get(getattr(exc, "field", None) or "")
            if target is not None:
                target.set_error(reason)
            self.show_message("error", reason)
        else:
            self.open(item.id)
            self.show_message("success", text)
            self.on_change(item.id)

    def _assign(self, item_id: int, version: int) -> str:
        owner = self.assign_owner.widget.value
        self.service.assign(item_id, version, owner, self.assign_queue.widget.value)
        return f"Assigned to {owner.strip()}" if owner.strip() else "Unassigned."

    def _status(self, item_id: int, version: int) -> str:
        status = self.status_choice.widget.value
        if not status:
            return "Nothing to change."
        self.service.change_status(item_id, version, status)
        return f"Status set to {label(status)}."

    def _respond(self, item_id: int, version: int) -> str:
        status = self.response_status.widget.value or None
        self.service.respond(item_id, version, self.response_text.widget.value, status)
        self.response_text.widget.value = ""
        return "Response recorded." + (f" Status set to {label(status)}." if status else "")

    def _moderate(self, item_id: int, version: int) -> str:
        action = self.mod_action.widget.value
        self.service.moderate(
            item_id, version, action, self.mod_reason.widget.value, self.mod_policy.widget.value
        )
        self.mod_reason.widget.value = ""
        self.mod_policy.widget.value = ""
        return f"Moderation recorded: {action}."

    def _escalate(self, item_id: int, version: int) -> str:
        level = self.esc_level.widget.value
        self.service.escalate(item_id, version, level, self.esc_note.widget.value)
        self.esc_note.widget.value = ""
        return f"Escalated to {LEVEL_LABELS.get(level, level)}."

    def _close_loop(self, item_id: int, version: int) -> str:
        self.service.close_loop(item_id, version, self.loop_note.widget.value)
        self.loop_note.widget.value = ""
        return "Loop closed: the member knows the outcome. The item is closed."

    def _edit(self, item_id: int, version: int) -> str:
        item = self.detail.item
        changes: dict[str, Any] = {
            "category": self.edit_category.widget.value,
            "urgency": self.edit_urgency.widget.value,
            "tags": self.edit_tags.widget.value,
        }
        ref = self.link_ref.widget.value.strip()
        if ref:
            changes["links"] = [
                *(item.links or []),
                {"kind": self.link_kind.widget.value, "ref": ref},
            ]
        self.service.update(item_id, version, **changes)
        return "Saved."

    # --- messages -----------------------------------------------------------------------

    def show_message(self, kind: str, text: str, reload: bool = False) -> None:
        self.message.value = alert(kind, text)
        self.message.layout.display = ""
        self.message_area.children = (
            [self.message, self.reload_button] if reload else [self.message]
        )

    def _hide_message(self) -> None:
        self.message.layout.display = "none"
        self.message_area.children = [self.message]
