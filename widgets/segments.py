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
from commbook.errors import CommbookError
from commbook.store import AudienceSegment
from commbook.widgets.forms import RecordCalls, RecordForm
from commbook.widgets.theme import Field, card, row

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


class SegmentForm(RecordForm):
    """Create, edit and delete audience segments; ``SegmentForm(url).widget`` to display.

    ``as_of``: when rules are sized (default: now, or the end of the latest day with data
    when the store's data stops earlier, so an old import still sizes sensibly).
    """

    calls = RecordCalls(
        segments.get_segment,
        segments.save_segment,
        segments.delete_segment,
        segments.segment_values,
    )
    name_field = "name"
    new_heading = "New segment"
    form_prompt = "Pick a segment in the list to see its size and edit it, or click New segment."
    new_intro = "Describe a group of members you plan content for. Fields marked * are required."

    def __init__(
        self, url: str | None = None, actor: str | None = None, as_of: dt.datetime | None = None
    ) -> None:
        self.url = url
        self.actor = actor
        self.as_of = as_of
        self.sizes: dict[int, segments.SegmentSize | None] = {}
        self.widget = self._page(
            "cb-segment",
            "Audience segments",
            "New segment",
            self._form_slot("cb-segment", flex="1 1 0%"),
        )
        self.refresh()
        if not self.picker.options:
            self.new()  # nothing to pick yet: the form for the first one

    # --- layout -------------------------------------------------------------------------

    def _field(self, path: str, widget: w.Widget | None = None, **kw: Any) -> Field:
        label = segments.FIELDS[path].removeprefix("Rule: ")
        label = label[:1].upper() + label[1:]
        if widget is None:
            widget = w.Text(placeholder=_PLACEHOLDERS.get(path, ""), continuous_update=True)
        field = Field(label, widget, css=css_name(path), hint=_HINTS.get(path, ""), **kw)
        self.fields[path] = field
        return field

    def _build_form(self) -> w.Widget:
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

        self._build_controls("cb-segment", "segment")

        def section(title: str) -> w.HTML:
            return w.HTML(f"<div class='cb-section'>{html.escape(title)}</div>")

        return card(
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

    @property
    def segment_id(self) -> int | None:
        """The segment being edited (``None``: a new one)."""
        return self.record_id

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

    def _show_editing(self, segment: AudienceSegment | None) -> None:
        super()._show_editing(segment)
        size = self.sizes.get(segment.id) if segment else None
        self.size.value = _size_html(size) if size else ""

    def _blank(self) -> dict[str, Any]:
        return segments.blank_segment()

    # --- actions ------------------------------------------------------------------------

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
            self._show_field_errors(exc.problems)
            self.size.value = ""
            return
        self.size.value = _size_html(size)

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
        self._list([(s.name, s.id) for s in stored])
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
