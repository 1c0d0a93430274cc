"""The Audience tab: a list of segments, a form to create/edit one, an overview with sizes.

No rules live here: Save calls ``commbook.segments.save_segment``, Count members calls
``commbook.segments.size_segments``; the form shows the messages they raise next to the
field they name and keeps what the user typed. List fields are typed comma-separated.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import ipywidgets as w
import pydantic

from commbook import progress, segments
from commbook.config import get_settings
from commbook.errors import CommbookError, ConflictError, NotFound, ValidationError
from commbook.store import AudienceSegment
from commbook.widgets.theme import Field, alert, card, row

LIST_FIELDS = {
    "demographics.age_bands",
    "demographics.regions",
    "demographics.countries",
    "demographics.languages",
    "demographics.roles",
    "preferences.channels",
    "preferences.content_types",
    "preferences.times_of_day",
    "rule.regions",
    "rule.countries",
    "rule.languages",
    "rule.age_bands",
    "rule.roles",
}
NUMBER_FIELDS = {
    "rule.active_within_days",
    "rule.min_posts",
    "rule.posts_within_days",
    "rule.tenure_min_days",
    "rule.tenure_max_days",
}

_PLACEHOLDERS = {
    "name": "e.g. EU makers",
    "demographics.age_bands": ", ".join(segments.AGE_BANDS[:2]),
    "demographics.regions": "e.g. EU, NA",
    "demographics.countries": "e.g. DE, FR",
    "demographics.languages": "e.g. en, pt-BR",
    "demographics.roles": "e.g. member",
    "preferences.channels": "e.g. forum, discord",
    "preferences.content_types": "e.g. article, video",
    "preferences.times_of_day": "e.g. evening",
    "behaviours.tenure": "e.g. 0-90 days",
    "rule.regions": "any",
    "rule.countries": "any",
    "rule.languages": "any",
    "rule.age_bands": "any",
    "rule.roles": "any",
    "rule.active_within_days": "e.g. 30",
    "rule.min_posts": "e.g. 5",
    "rule.posts_within_days": "e.g. 90",
    "rule.tenure_min_days": "e.g. 365",
    "rule.tenure_max_days": "e.g. 90",
}
_HINTS = {
    "demographics.age_bands": f"Any of {', '.join(segments.AGE_BANDS)}",
    "demographics.roles": "member, moderator, staff",
    "preferences.times_of_day": ", ".join(segments.TIMES_OF_DAY),
    "rule.age_bands": f"Any of {', '.join(segments.AGE_BANDS)}",
    "rule.roles": "member, moderator, staff",
}


def css_name(path: str) -> str:
    """``rule.min_posts`` → ``cb-segment-rule-min-posts`` (the input's class in the page)."""
    return "cb-segment-" + path.replace(".", "-").replace("_", "-")


def _now() -> dt.datetime:
    return dt.datetime.now(get_settings().tz)


class SegmentForm:
    """Create, edit and delete audience segments; ``SegmentForm(url).widget`` to display.

    ``as_of``: when rules are sized (default: now, or the end of the latest day with data
    when the store's data stops earlier, so an old import still sizes sensibly).
    """

    def __init__(
        self, url: str | None = None, actor: str | None = None, as_of: dt.datetime | None = None
    ) -> None:
        self.url = url
        self.actor = actor
        self.as_of = as_of
        self.segment_id: int | None = None
        self.version: int | None = None
        self.sizes: dict[int, segments.SegmentSize | None] = {}
        self._loading = False
        self._build()
        self.new()
        self.refresh()

    # --- layout -------------------------------------------------------------------------

    def _field(self, path: str, widget: w.Widget | None = None, **kw: Any) -> Field:
        label = segments.FIELDS[path].removeprefix("Rule: ")
        label = label[:1].upper() + label[1:]
        if widget is None:
            widget = w.Text(placeholder=_PLACEHOLDERS.get(path, ""), continuous_update=True)
        field = Field(label, widget, css=css_name(path), hint=_HINTS.get(path, ""), **kw)
        self.fields[path] = field
        return field

    def _build(self) -> None:
        self.fields: dict[str, Field] = {}
        b = self._field
        name = b("name", required=True).box
        description = b(
            "description",
            w.Textarea(placeholder="Who they are, in a sentence or two", rows=2),
        ).box
        needs = b("needs", w.Textarea(placeholder="What they need from the community", rows=2)).box
        level = b(
            "behaviours.activity_level",
            w.Dropdown(options=[(v, k) for k, v in segments.ACTIVITY_LEVELS.items()]),
        ).box
        boxes = {p: (self.fields[p].box if p in self.fields else b(p).box) for p in segments.FIELDS}

        self.rule_on = w.Checkbox(description="Size this segment from member data", indent=False)
        self.rule_on.add_class("cb-segment-rule-on")
        self.rule_on.observe(lambda _: self._show_rule(), "value")
        self.count_button = self._button("Count members", "cb-segment-count", "users", "")
        self.count_button.on_click(self.count)
        self.size = w.HTML()
        self.size.add_class("cb-segment-size")
        self.rule_box = w.VBox(
            [
                w.HTML(
                    "<p class='cb-muted'>Members who match every condition below, counted "
                    "from the store. Leave a box empty for “any”.</p>"
                ),
                row(boxes["rule.regions"], boxes["rule.countries"], boxes["rule.languages"]),
                row(boxes["rule.age_bands"], boxes["rule.roles"]),
                row(
                    boxes["rule.active_within_days"],
                    boxes["rule.min_posts"],
                    boxes["rule.posts_within_days"],
                ),
                row(boxes["rule.tenure_min_days"], boxes["rule.tenure_max_days"]),
                row(self.count_button, self.size, align_items="center"),
            ],
            layout=w.Layout(grid_gap="10px"),
        )

        self.heading = w.HTML()
        self.stamp = w.HTML()
        self.stamp.add_class("cb-muted")
        self.message = w.HTML(layout=w.Layout(display="none"))
        self.message.add_class("cb-message")
        self.message.add_class("cb-segment-message")
        self.reload_button = self._button("Reload", "cb-segment-reload", "rotate-right", "warning")
        self.reload_button.tooltip = "Replace the form with the version saved by someone else"
        self.reload_button.on_click(self.reload)
        self.reload_button.layout.align_self = "flex-start"
        self.message_area = w.VBox([self.message], layout=w.Layout(grid_gap="6px"))

        self.save_button = self._button("Save segment", "cb-segment-save", "check", "primary")
        self.save_button.on_click(self.save)
        self.delete_button = self._button("Delete", "cb-segment-delete", "trash", "")
        self.delete_button.on_click(self._ask_delete)
        self.confirm_text = w.HTML()
        yes = self._button("Delete segment", "cb-segment-delete-confirm", "trash", "danger")
        yes.on_click(self.delete)
        keep = self._button("Keep it", "cb-segment-delete-cancel", "", "")
        keep.on_click(lambda _: self._show_confirm(False))
        self.confirm = row(self.confirm_text, yes, keep, gap="10px", align_items="center")
        self.confirm.add_class("cb-alert")
        self.confirm.add_class("cb-alert-warning")
        self.confirm.layout.display = "none"

        def section(title: str) -> w.HTML:
            return w.HTML(f"<div class='cb-section'>{html.escape(title)}</div>")

        form = card(
            w.VBox([self.heading, self.stamp]),
            self.message_area,
            name,
            description,
            section("Who they are"),
            row(boxes["demographics.age_bands"], boxes["demographics.regions"]),
            row(
                boxes["demographics.countries"],
                boxes["demographics.languages"],
                boxes["demographics.roles"],
            ),
            needs,
            section("What they prefer"),
            row(
                boxes["preferences.channels"],
                boxes["preferences.content_types"],
                boxes["preferences.times_of_day"],
            ),
            section("How they take part"),
            row(level, boxes["behaviours.tenure"]),
            section("Size"),
            self.rule_on,
            self.rule_box,
            row(self.save_button, w.Box(layout=w.Layout(flex="1")), self.delete_button),
            self.confirm,
            css="cb-segment-form",
            flex="1 1 0%",
            min_width="0",
        )

        self.new_button = self._button("New segment", "cb-segment-new", "plus", "")
        self.new_button.on_click(lambda _: self.new())
        self.new_button.layout.width = "100%"
        self.picker = w.Select(options=[], rows=14, layout=w.Layout(width="100%"))
        self.picker.add_class("cb-segment-picker")
        self.picker.observe(self._picked, "value")
        self.count_label = w.HTML()
        self.count_label.add_class("cb-muted")
        side = card(
            w.HTML("<h3>Audience segments</h3>"),
            self.count_label,
            self.new_button,
            self.picker,
            css="cb-list",
            width="320px",
            flex="0 0 320px",
        )
        self.table = w.HTML()
        self.table.add_class("cb-segments-table")
        self.as_of_note = w.HTML()
        self.as_of_note.add_class("cb-muted")
        overview = card(w.HTML("<h3>Overview</h3>"), self.as_of_note, self.table)
        self.widget = w.VBox(
            [row(side, form, align_items="flex-start"), overview],
            layout=w.Layout(grid_gap="16px", padding="12px 2px"),
        )
        self.widget.add_class("cb-segments")

    @staticmethod
    def _button(text: str, css: str, icon: str, style: str) -> w.Button:
        button = w.Button(description=text, icon=icon, button_style=style)
        button.layout.width = "auto"
        button.layout.min_width = "96px"
        button.add_class(css)
        return button

    # --- values -------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds, nested like ``segments.json`` (lists as typed text)."""
        out: dict[str, Any] = {}
        for path, field in self.fields.items():
            if path.startswith("rule.") and not self.rule_on.value:
                continue
            parts = path.split(".")
            target = out
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = field.widget.value
        out.setdefault("rule", None)
        return out

    def _fill(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            rule = values.get("rule")
            for path, field in self.fields.items():
                head, _, tail = path.partition(".")
                value = values.get(head) if not tail else (values.get(head) or {}).get(tail)
                if path in LIST_FIELDS:
                    value = ", ".join(map(str, value or []))
                elif path in NUMBER_FIELDS:
                    value = "" if value is None else str(value)
                elif value is None:
                    value = ""
                field.widget.value = value
            self.rule_on.value = rule is not None
            self._show_rule()
        finally:
            self._loading = False

    def _show_rule(self) -> None:
        self.rule_box.layout.display = "" if self.rule_on.value else "none"

    # --- feedback -----------------------------------------------------------------------

    def _show_message(self, kind: str, text: str, details: list[str] | None = None) -> None:
        self.message.value = alert(kind, text, details)
        self.message.layout.display = ""
        self.message_area.children = (
            [self.message, self.reload_button] if kind == "warning" else [self.message]
        )

    def _clear_feedback(self) -> None:
        self.message.layout.display = "none"
        self.message_area.children = [self.message]
        self._show_confirm(False)
        for field in self.fields.values():
            field.set_error("")

    def _show_problems(self, problems: list[ValidationError]) -> None:
        for problem in problems:
            if problem.field in self.fields:
                self.fields[problem.field].set_error(problem.reason)
        noun = "problem" if len(problems) == 1 else f"{len(problems)} problems"
        self._show_message(
            "error", f"Not saved yet — please fix the {noun} below:", [p.reason for p in problems]
        )

    def _show_editing(self, segment: AudienceSegment | None) -> None:
        if segment is None:
            self.segment_id, self.version = None, None
            self.heading.value = "<h2>New segment</h2>"
            self.stamp.value = (
                "Describe a group of members you plan content for. Fields marked * are required."
            )
            self.delete_button.layout.display = "none"
            self.size.value = ""
            return
        self.segment_id, self.version = segment.id, segment.version
        updated = segment.updated_at.astimezone(get_settings().tz).strftime("%d %b %Y, %H:%M %Z")
        self.heading.value = f"<h2>{html.escape(segment.name)}</h2>"
        self.stamp.value = f"Version {segment.version} · last saved {updated}"
        self.delete_button.layout.display = ""
        size = self.sizes.get(segment.id)
        self.size.value = _size_html(size) if size else ""

    # --- actions ------------------------------------------------------------------------

    def new(self) -> None:
        """Empty the form for a new segment."""
        self._clear_feedback()
        self._fill(segments.blank_segment())
        self._show_editing(None)
        self._select(None)

    def open(self, segment_id: int) -> None:
        """Load segment ``segment_id`` from the store into the form."""
        self._clear_feedback()
        try:
            segment = segments.get_segment(segment_id, url=self.url)
        except NotFound as exc:
            self._show_message("error", str(exc))
            self.refresh()
            return
        self._load(segment)

    def _load(self, segment: AudienceSegment) -> None:
        self._fill(segments.segment_values(segment))
        self._show_editing(segment)
        self._select(segment.id)

    def save(self, _: Any = None) -> None:
        """Validate and save what the form holds; show the outcome."""
        self._clear_feedback()
        try:
            saved = segments.save_segment(
                self.values(),
                id=self.segment_id,
                version=self.version,
                url=self.url,
                actor=self.actor,
            )
        except segments.InvalidSegment as exc:
            self._show_problems(exc.problems)
        except ValidationError as exc:
            self._show_problems([exc])
        except ConflictError as exc:
            self._show_message("warning", str(exc))
        except NotFound as exc:
            self._forget_deleted(exc)
        except CommbookError as exc:
            self._show_message("error", str(exc))
        else:
            self.refresh()
            self._load(saved)
            self._show_message("success", f"Saved “{saved.name}”.")

    def count(self, _: Any = None) -> None:
        """Size the rule as typed (without saving) and show the count."""
        for path, field in self.fields.items():
            if path.startswith("rule."):
                field.set_error("")
        try:
            rule = segments.validate_rule(self.values().get("rule") or {})
            size = segments.size_segments(
                {0: rule or segments.SegmentRule()}, self.url, self._as_of()
            )[0]
        except segments.InvalidSegment as exc:
            for problem in exc.problems:
                if problem.field in self.fields:
                    self.fields[problem.field].set_error(problem.reason)
            self.size.value = ""
            return
        self.size.value = _size_html(size)

    def _forget_deleted(self, exc: NotFound) -> None:
        self._show_editing(None)
        self.refresh()
        self._show_message(
            "error", f"{exc}. Your values are still in the form: save to create it again."
        )

    def reload(self, _: Any = None) -> None:
        """After a conflict: show the version saved by someone else."""
        if self.segment_id is None:
            return
        segment_id = self.segment_id
        self.refresh()
        self.open(segment_id)
        if self.segment_id == segment_id:
            self._show_message("success", "Reloaded the latest saved version.")

    def _ask_delete(self, _: Any = None) -> None:
        name = self.fields["name"].widget.value
        self.confirm_text.value = f"<b>Delete “{html.escape(name)}”?</b> This cannot be undone."
        self._show_confirm(True)

    def _show_confirm(self, show: bool) -> None:
        self.confirm.layout.display = "" if show else "none"

    def delete(self, _: Any = None) -> None:
        """Delete the segment being edited (if nobody changed it meanwhile)."""
        if self.segment_id is None:
            return
        name = self.fields["name"].widget.value
        self._clear_feedback()
        try:
            segments.delete_segment(self.segment_id, self.version, url=self.url, actor=self.actor)
        except ConflictError as exc:
            self._show_message("warning", str(exc))
            return
        except NotFound as exc:
            self._forget_deleted(exc)
            return
        self.refresh()
        self.new()
        self._show_message("success", f"Deleted “{name}”.")

    # --- list, sizes, overview ----------------------------------------------------------

    def _as_of(self) -> dt.datetime:
        if self.as_of is not None:
            return self.as_of
        now = _now()
        latest = progress.data_as_of(self.url)
        if latest is None or latest >= now.date():
            return now
        return dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), now.tzinfo)

    def refresh(self) -> None:
        """Reload the list, the sizes and the overview from the store."""
        stored = segments.list_segments(url=self.url)
        as_of = self._as_of()
        try:
            self.sizes = segments.size_segments({s.id: s.rule for s in stored}, self.url, as_of)
        except CommbookError:  # a rule stored by an old import that no longer validates
            self.sizes = {}
        self._loading = True
        try:
            self.picker.options = [(s.name, s.id) for s in stored]
            ids = {s.id for s in stored}
            self.picker.value = self.segment_id if self.segment_id in ids else None
        finally:
            self._loading = False
        n = len(stored)
        self.count_label.value = f"{n} segment{'s' if n != 1 else ''}" if n else "None yet"
        when = as_of.astimezone(get_settings().tz) - dt.timedelta(microseconds=1)
        self.as_of_note.value = (
            f"Every segment, by name. Members counted as of {when:%-d %b %Y}"
            + (
                " (the latest data in the store)."
                if as_of < _now() - dt.timedelta(minutes=1)
                else "."
            )
        )
        self.table.value = _table(stored, self.sizes)

    def _select(self, segment_id: int | None) -> None:
        self._loading = True
        try:
            ids = {value for _, value in self.picker.options}
            self.picker.value = segment_id if segment_id in ids else None
        finally:
            self._loading = False

    def _picked(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] is not None:
            self.open(change["new"])


def _size_html(size: segments.SegmentSize) -> str:
    regions = "".join(
        f'<span class="cb-chip cb-chip-muted">{html.escape(k)} {v:,}</span>'
        for k, v in list(size.by_region.items())[:5]
    )
    share = f"{size.share:.0%} of {size.total:,} members" if size.total else "no members yet"
    return (
        f'<div class="cb-size"><span class="cb-size-count">{size.count:,}</span>'
        f"<span>member{'s' if size.count != 1 else ''} match · {share}</span>"
        f"<span>{regions}</span></div>"
    )


def _chips(values: list[str] | None, muted: bool = False) -> str:
    css = "cb-chip cb-chip-muted" if muted else "cb-chip"
    return "".join(f'<span class="{css}">{html.escape(str(v))}</span>' for v in values or [])


def _table(stored: list[AudienceSegment], sizes: dict[int, segments.SegmentSize | None]) -> str:
    """The overview as an HTML table; every user value is escaped."""
    if not stored:
        return (
            '<div class="cb-empty">No segments yet: describe your first audience in the form.</div>'
        )
    e = html.escape
    rows = []
    for s in stored:
        demo = s.demographics or {}
        who = "".join(
            _chips(demo.get(k)) for k in ("regions", "countries", "languages", "age_bands", "roles")
        )
        prefs = s.preferences or {}
        prefer = _chips(prefs.get("channels")) + _chips(prefs.get("content_types"), muted=True)
        level = (s.behaviours or {}).get("activity_level", "")
        tenure = (s.behaviours or {}).get("tenure", "")
        behaviour = " · ".join(
            x for x in (segments.ACTIVITY_LEVELS.get(level, level) if level else "", tenure) if x
        )
        size = sizes.get(s.id)
        if s.rule:
            try:
                rule = e(segments.SegmentRule.model_validate(s.rule).describe())
            except pydantic.ValidationError:  # an invalid stored rule is shown, not sized
                rule = "<i>invalid rule</i>"
        else:
            rule = '<span class="cb-muted">no rule</span>'
        count = f"<b>{size.count:,}</b>" if size else "—"
        rows.append(
            "<tr>"
            f"<td><b>{e(s.name)}</b><div class='cb-muted'>{e(s.description or '')}</div></td>"
            f"<td>{who or '<span class=cb-muted>anyone</span>'}</td>"
            f"<td>{prefer}</td>"
            f"<td>{e(behaviour)}</td>"
            f"<td>{rule}</td>"
            f'<td class="cb-num">{count}</td>'
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Segment", "Who", "Prefers", "Behaviour", "Sizing rule", "Members")
    )
    return (
        f'<table class="cb-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
