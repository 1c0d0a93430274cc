"""The Calendar tab: month / week / agenda views, filters, warnings, the item form, exports.

No rules live here: the form calls ``commbook.calendar`` (save, move, duplicate, delete)
and shows the messages it raises next to the fields they name, keeping what the user typed.
Views are HTML rendered for the visible period only (one query by date range), so a
calendar of thousands of items stays quick; items open in the form from the "In view" list.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from typing import Any

import ipywidgets as w

from commbook import clock
from commbook.calendar import ics, model, recurrence, service, warnings
from commbook.calendar.csvio import to_csv_bytes
from commbook.calendar.model import Occurrence
from commbook.config import get_settings
from commbook.errors import ConflictError, NotFound, ValidationError
from commbook.store import ContentItem
from commbook.widgets import calendar_views as views
from commbook.widgets.forms import RecordCalls, RecordForm
from commbook.widgets.theme import Field, button, card, row

CSS = """
.cb-calendar .cb-cal-month, .cb-calendar .cb-cal-week { width: 100%; border-collapse: collapse;
  table-layout: fixed; font-size: 12.5px; }
.cb-cal-month th, .cb-cal-week th { color: #475467; font-weight: 600; font-size: 12px;
  padding: 6px 4px; text-align: left; border-bottom: 1px solid #dde3ea; background: #f8fafc; }
.cb-cal-month td { height: 96px; vertical-align: top; border: 1px solid #eef1f5;
  padding: 3px 4px; overflow: hidden; }
.cb-cal-week td { height: 320px; vertical-align: top; border: 1px solid #eef1f5; padding: 4px; }
.cb-cal-weekend { background: #fbfcfd; }
.cb-cal-outside { background: #f8fafc; }
.cb-cal-outside .cb-cal-daynum { color: #b0b8c4; }
.cb-cal-daynum { font-size: 12px; font-weight: 600; color: #475467; margin-bottom: 2px; }
.cb-cal-today { background: #f0f7ff !important; }
.cb-cal-today .cb-cal-daynum { color: #fff; background: #2a6f97; border-radius: 999px;
  display: inline-block; min-width: 20px; text-align: center; }
.cb-cal-chip { background: #f2f6fa; border-left: 3px solid #98a2b3; border-radius: 4px;
  padding: 1px 5px; margin: 3px 0; line-height: 15px; font-size: 12px; color: #1f2933;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical;
  overflow: hidden; word-break: break-word; }
.cb-cal-week .cb-cal-chip { display: block; padding: 4px 6px; }
.cb-cal-meta { display: block; color: #667085; font-size: 11.5px; }
.cb-cal-time { font-variant-numeric: tabular-nums; color: #475467; font-weight: 600;
  font-size: 11px; }
.cb-cal-title { font-weight: 500; }
.cb-cal-repeat { color: #2a6f97; font-weight: 700; }
.cb-cal-selected { outline: 2px solid #2a6f97; background: #e0efff !important; }
.cb-cal-status-idea { background: #f8fafc; border-style: dashed; color: #475467; }
.cb-cal-status-review { background: #fff7e6; }
.cb-cal-status-approved { background: #eef4ff; }
.cb-cal-status-scheduled { background: #e8f4fb; }
.cb-cal-status-published { background: #ecfdf3; }
.cb-cal-status-cancelled { background: #f2f4f7; color: #98a2b3; text-decoration: line-through; }
.cb-cal-more { color: #2a6f97; font-size: 11.5px; font-weight: 600; padding-left: 4px; }
.cb-cal-free { color: #c0c6cf; text-align: center; padding-top: 8px; }
.cb-cal-agenda-day td { background: #f8fafc; font-weight: 600; color: #1d3557;
  font-size: 12.5px; padding: 6px 10px; }
.cb-cal-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%;
  margin-right: 6px; }
.cb-cal-tag { display: inline-block; background: #eef2f6; color: #364152; border-radius: 4px;
  padding: 0 6px; margin: 2px 4px 0 0; font-size: 11.5px; }
.cb-cal-badge-idea, .cb-cal-badge-draft { background: #f2f4f7; color: #475467; }
.cb-cal-badge-review { background: #fffaeb; color: #b54708; }
.cb-cal-badge-approved { background: #eef4ff; color: #3538cd; }
.cb-cal-badge-scheduled { background: #eff8ff; color: #175cd3; }
.cb-cal-badge-published { background: #ecfdf3; color: #067647; }
.cb-cal-badge-cancelled { background: #f2f4f7; color: #98a2b3; text-decoration: line-through; }
.cb-cal-count { text-align: right; padding-top: 6px; }
.cb-cal-period { font-size: 17px; font-weight: 600; color: #1d3557; }
.cb-cal-warn { margin-bottom: 8px; font-size: 13px; }
.cb-cal-warn ul { margin: 2px 0 0 18px; padding: 0; }
.cb-cal-warn-overdue b, .cb-cal-warn-clash b { color: #b42318; }
.cb-cal-warn-overload b, .cb-cal-warn-uncovered b { color: #93370d; }
.cb-cal-ok { color: #067647; font-size: 13px; }
.cb-calendar-download a { display: inline-block; margin-right: 12px; font-weight: 600;
  color: #175cd3; }
.cb-calendar-move { background: #f8fafc; border: 1px solid #eef1f5; border-radius: 8px;
  padding: 8px 10px !important; }
.cb-calendar .widget-toggle-buttons .widget-toggle-button { width: auto; min-width: 72px; }
"""

VIEWS = {"month": "Month", "week": "Week", "agenda": "Agenda"}
PAGE = 25
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)
CUSTOM = "custom"


def _options(choices: dict[str, str]) -> list[tuple[str, str]]:
    return [(label, key) for key, label in choices.items()]


def _button(text: str, css: str, icon: str = "", style: str = "") -> w.Button:
    return button(text, css, icon, style, min_width="")


def _data_link(data: bytes, name: str, mime: str, css: str) -> str:
    """An ``<a download>`` holding the file as a data: URI (works offline, no server file)."""
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="{css}" download="{html.escape(name)}" '
        f'href="data:{mime};base64,{encoded}">⬇ Download {html.escape(name)}</a>'
    )


class CalendarTab(RecordForm):
    """The content calendar. ``CalendarTab(url).widget`` is what to display.

    ``url``: the store (default: the configured one); ``actor``: who is recorded in the
    audit log; ``today``: the day the views open on (default: today in the team's timezone);
    ``rules``: warning thresholds.
    """

    calls = RecordCalls(
        service.get_item, service.save_item, service.delete_item, service.item_values
    )
    new_heading = "New calendar item"
    form_prompt = (
        "Pick an item in the list to edit, move, duplicate or delete it, or click New item."
    )
    button_min_width = ""

    def __init__(
        self,
        url: str | None = None,
        actor: str | None = None,
        *,
        today: dt.date | None = None,
        rules: warnings.Rules | None = None,
    ) -> None:
        settings = get_settings()
        self.url = url
        self.actor = actor
        self.tz = settings.timezone
        self.today = today or clock.today(settings.tz)
        self.rules = rules or warnings.Rules()
        self.view = "month"
        self.anchor = self.today
        self.page = 0
        self.opened: Occurrence | None = None  # the occurrence picked (for moves)
        self.visible: list[Occurrence] = []
        self._build()
        self.refresh_choices()
        self.refresh()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        style = w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))
        self.view_toggle = w.ToggleButtons(options=_options(VIEWS), value="month")
        self.view_toggle.add_class("cb-calendar-view")
        self.view_toggle.observe(self._view_changed, "value")
        self.prev_button = _button("", "cb-calendar-prev", "chevron-left")
        self.prev_button.tooltip = "Previous"
        self.next_button = _button("", "cb-calendar-next", "chevron-right")
        self.next_button.tooltip = "Next"
        self.today_button = _button("Today", "cb-calendar-today")
        self.prev_button.on_click(lambda _: self.shift(-1))
        self.next_button.on_click(lambda _: self.shift(1))
        self.today_button.on_click(lambda _: self.go_to(self.today))
        self.period = w.HTML()
        self.period.add_class("cb-calendar-period")
        self.new_button = _button("New item", "cb-calendar-new", "plus", "primary")
        self.new_button.on_click(lambda _: self.new())
        toolbar = row(
            self.prev_button,
            self.today_button,
            self.next_button,
            self.period,
            w.Box(layout=w.Layout(flex="1")),
            self.view_toggle,
            self.new_button,
            gap="8px",
            align_items="center",
        )

        def dropdown(label: str, css: str) -> w.Dropdown:
            box = w.Dropdown(options=[(f"All {label}", "")], value="", layout=w.Layout(flex="1"))
            box.add_class(css)
            box.observe(self._filters_changed, "value")
            return box

        self.filter_channel = dropdown("channels", "cb-calendar-filter-channel")
        self.filter_owner = dropdown("owners", "cb-calendar-filter-owner")
        self.filter_status = dropdown("statuses", "cb-calendar-filter-status")
        self.filter_status.options = [("All statuses", ""), *_options(model.STATUSES)]
        self.filter_segment = dropdown("segments", "cb-calendar-filter-segment")
        self.filter_campaign = dropdown("campaigns", "cb-calendar-filter-campaign")
        filters = row(
            self.filter_channel,
            self.filter_owner,
            self.filter_status,
            self.filter_segment,
            self.filter_campaign,
            gap="8px",
        )
        filters.add_class("cb-calendar-filters")

        self.view_html = w.HTML()
        self.view_html.add_class("cb-calendar-view-html")
        self.page_prev = _button("Earlier", "cb-calendar-page-prev", "chevron-left")
        self.page_next = _button("Later", "cb-calendar-page-next", "chevron-right")
        self.page_prev.on_click(lambda _: self._turn_page(-1))
        self.page_next.on_click(lambda _: self._turn_page(1))
        self.pager = row(self.page_prev, self.page_next, gap="8px")
        self.pager.layout.justify_content = "flex-end"
        self.picker = w.Select(options=[], rows=8, layout=w.Layout(width="100%"))
        self.picker.add_class("cb-calendar-picker")
        self.picker.observe(self._picked, "value")
        self.in_view = w.HTML()
        self.in_view.add_class("cb-muted")
        self.export_ics = _button("Export ICS", "cb-calendar-export-ics", "calendar")
        self.export_csv = _button("Export CSV", "cb-calendar-export-csv", "table")
        self.export_ics.tooltip = "Every item matching the filters, for Google Calendar/Outlook"
        self.export_csv.tooltip = "Every item matching the filters, as a spreadsheet"
        self.export_ics.on_click(lambda _: self.prepare_export("ics"))
        self.export_csv.on_click(lambda _: self.prepare_export("csv"))
        self.download = w.HTML()
        self.download.add_class("cb-calendar-download")
        calendar_card = card(
            toolbar,
            filters,
            self.view_html,
            self.pager,
            w.HTML("<h3>Open an item</h3>"),
            self.in_view,
            self.picker,
            row(self.export_ics, self.export_csv, self.download, gap="8px", align_items="center"),
            css="cb-calendar-main",
            flex="1 1 0%",
            min_width="0",
        )
        self.warnings_html = w.HTML()
        self.warnings_html.add_class("cb-calendar-warnings")
        warnings_card = card(w.HTML("<h3>Warnings</h3>"), self.warnings_html)
        self.widget = w.VBox(
            [
                style,
                row(
                    w.VBox(
                        [calendar_card, warnings_card],
                        layout=w.Layout(flex="1 1 0%", min_width="0", grid_gap="16px"),
                    ),
                    self._form_slot("cb-calendar", width="400px", flex="0 0 400px"),
                    align_items="flex-start",
                ),
            ],
            layout=w.Layout(grid_gap="16px", padding="12px 2px"),
        )
        self.widget.add_class("cb-calendar")

    def _build_form(self) -> w.VBox:
        """The item editor (built when an item is first opened or New item clicked)."""
        presets = [(label, rule) for rule, label in recurrence.PRESETS.items()]
        self.fields: dict[str, Field] = {
            "title": Field(
                "Title",
                w.Text(placeholder="e.g. March product update", continuous_update=True),
                required=True,
                css="cb-calendar-title",
            ),
            "content_type": Field(
                "Type", w.Dropdown(options=_options(model.CONTENT_TYPES)), css="cb-calendar-type"
            ),
            "channel": Field(
                "Channel",
                w.Combobox(placeholder="e.g. Blog", ensure_option=False, continuous_update=True),
                required=True,
                css="cb-calendar-channel",
            ),
            "owner": Field(
                "Owner",
                w.Combobox(placeholder="Who delivers it", continuous_update=True),
                css="cb-calendar-owner",
            ),
            "status": Field("Status", w.Dropdown(), css="cb-calendar-status"),
            "scheduled_date": Field("Date", w.DatePicker(), css="cb-calendar-date"),
            "scheduled_time": Field(
                "Time",
                w.Text(placeholder="09:00", continuous_update=True),
                css="cb-calendar-time",
            ),
            "timezone": Field(
                "Timezone",
                w.Combobox(options=TIMEZONES, continuous_update=True),
                css="cb-calendar-timezone",
            ),
            "repeat": Field(
                "Repeats",
                w.Dropdown(options=[*presets, ("Custom rule…", CUSTOM)]),
                css="cb-calendar-repeat",
            ),
            "rrule": Field(
                "Rule (iCalendar RRULE)",
                w.Text(placeholder=recurrence.EXAMPLE, continuous_update=True),
                css="cb-calendar-rrule",
            ),
            "tags": Field(
                "Campaign / tags",
                w.Text(placeholder="e.g. spring-launch, onboarding", continuous_update=True),
                hint="Comma-separated; the first one is the campaign",
                css="cb-calendar-tags",
            ),
            "segments": Field(
                "Target segments", w.SelectMultiple(options=[], rows=3), css="cb-calendar-segments"
            ),
            "objective_id": Field("Objective", w.Dropdown(), css="cb-calendar-objective"),
            "url": Field(
                "Link to the post",
                w.Text(placeholder="https://…", continuous_update=True),
                css="cb-calendar-url",
            ),
            "notes": Field("Notes", w.Textarea(rows=3), css="cb-calendar-notes"),
        }
        self.fields["repeat"].widget.observe(self._repeat_changed, "value")
        f = {name: field.box for name, field in self.fields.items()}
        self._build_controls("cb-calendar", "item", stacked=True)
        self.duplicate_button = _button("Duplicate", "cb-calendar-duplicate", "copy")
        self.duplicate_button.on_click(self.duplicate)

        self.move_date = w.DatePicker(layout=w.Layout(width="150px"))
        self.move_date.add_class("cb-calendar-move-date")
        self.move_time = w.Text(placeholder="09:00", layout=w.Layout(width="80px"))
        self.move_time.add_class("cb-calendar-move-time")
        self.move_scope = w.Dropdown(
            options=[("This occurrence only", "one"), ("The whole series", "series")],
            layout=w.Layout(width="190px"),
        )
        self.move_scope.add_class("cb-calendar-move-scope")
        self.move_button = _button("Move", "cb-calendar-move-button", "arrows-alt")
        self.move_button.on_click(self.move)
        self.move_hint = w.HTML()
        self.move_hint.add_class("cb-muted")
        self.move_box = w.VBox(
            [
                w.HTML('<span class="cb-field-label">Move to</span>'),
                row(self.move_date, self.move_time, self.move_scope, self.move_button, gap="6px"),
                self.move_hint,
            ],
            layout=w.Layout(grid_gap="4px"),
        )
        self.move_box.add_class("cb-calendar-move")

        return card(
            w.VBox([self.heading, self.stamp]),
            self.message_area,
            f["title"],
            row(f["content_type"], f["status"], gap="10px"),
            row(f["channel"], f["owner"], gap="10px"),
            row(f["scheduled_date"], f["scheduled_time"], f["timezone"], gap="10px"),
            row(f["repeat"], f["rrule"], gap="10px"),
            f["tags"],
            row(f["segments"], f["objective_id"], gap="10px"),
            f["url"],
            f["notes"],
            row(
                self.save_button,
                self.duplicate_button,
                w.Box(layout=w.Layout(flex="1")),
                self.delete_button,
                gap="8px",
            ),
            self.confirm,
            self.move_box,
            css="cb-calendar-form",
            width="400px",
            flex="0 0 400px",
        )

    @property
    def item_id(self) -> int | None:
        """The item being edited (``None``: a new one)."""
        return self.record_id

    # --- the form -----------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds now, keyed like ``model.FIELDS``."""
        get = {name: field.widget.value for name, field in self.fields.items()}
        repeat = get.pop("repeat")
        rule = get["rrule"] if repeat == CUSTOM else repeat
        return {**get, "rrule": rule or "", "segments": list(get["segments"])}

    def _fill(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            rule = values.get("rrule") or ""
            preset = rule if rule in recurrence.PRESETS else CUSTOM
            self._status_options(values["status"] if self.record_id else None)
            segment_ids = {i for _, i in self.fields["segments"].widget.options}
            objective_ids = {i for _, i in self.fields["objective_id"].widget.options}
            for name, value in values.items():
                if name == "segments":
                    value = tuple(v for v in value if v in segment_ids)
                if name == "objective_id" and value not in objective_ids:
                    value = None
                if name in self.fields:
                    self.fields[name].widget.value = value
            self.fields["repeat"].widget.value = preset
            self.fields["rrule"].widget.value = rule
            self._repeat_changed()
        finally:
            self._loading = False

    def _status_options(self, current: str | None) -> None:
        allowed = model.next_statuses(current)
        self.fields["status"].widget.options = [(model.STATUSES[s], s) for s in allowed]

    def _repeat_changed(self, _: Any = None) -> None:
        custom = self.fields["repeat"].widget.value == CUSTOM
        self.fields["rrule"].box.layout.display = "" if custom else "none"

    def _show_editing(self, item: ContentItem | None) -> None:
        super()._show_editing(item)
        for widget in (self.duplicate_button, self.move_box):
            widget.layout.display = "" if item is not None else "none"
        if item is None:
            self.opened = None
            return
        if item.rrule:
            self.stamp.value += html.escape(f" · {recurrence.describe(item.rrule)}")
        series = bool(item.rrule)
        self.move_scope.layout.display = "" if series else "none"
        start = self.opened.start if self.opened and self.opened.item_id == item.id else None
        start = start or item.scheduled_at
        if start is not None:
            local = start.astimezone(dt.UTC).astimezone(_zone(item.timezone))
            self.move_date.value, self.move_time.value = local.date(), f"{local:%H:%M}"
            when = f"{local:%a %d %b %Y %H:%M}"
            self.move_hint.value = (
                f"Opened occurrence: {when}. Moving one occurrence turns it into its own item."
                if series
                else f"Now: {when} ({html.escape(item.timezone)})"
            )
        else:
            self.move_date.value, self.move_time.value = None, "09:00"
            self.move_hint.value = "Not scheduled yet: pick a date."

    def _blank(self) -> dict[str, Any]:
        return model.blank_item(self.today, self.tz)

    def open(self, item_id: int, occurrence: Occurrence | None = None) -> None:
        """Load item ``item_id`` into the form (``occurrence``: the one picked in a view)."""
        item = self._fetch(item_id)
        if item is not None:
            self.opened = occurrence
            self._load(item)

    def _reopen(self, item_id: int) -> None:
        self.open(item_id, self.opened)

    def _saved(self, item: ContentItem) -> None:
        """After a change: new choices, the item in the form, its date in view."""
        self.opened = None
        self.refresh_choices()
        self._load(item)
        if item.scheduled_at is not None:
            local_day = item.scheduled_at.astimezone(get_settings().tz).date()
            if not self._in_period(local_day):
                self.anchor = local_day
        self.refresh()

    def duplicate(self, _: Any = None) -> None:
        """Copy the item being edited as a new idea and open the copy."""
        if self.record_id is None:
            return
        self._clear_feedback()
        try:
            copy = service.duplicate_item(self.record_id, url=self.url, actor=self.actor)
        except NotFound as exc:
            self._forget_deleted(exc)
            return
        self._saved(copy)
        self._show_message("success", f"Created “{copy.title}” as a new idea.")

    def move(self, _: Any = None) -> None:
        """Reschedule the item (or only the opened occurrence of a series)."""
        if self.record_id is None or self.version is None:
            return
        self._clear_feedback()
        zone = self.fields["timezone"].widget.value or "UTC"
        try:
            if self.move_date.value is None:
                raise ValidationError("Pick the date to move to", field="move")
            start = model.local_to_utc(
                self.move_date.value, model.parse_time(self.move_time.value or ""), zone
            )
        except ValueError as exc:
            self._show_message("error", f"Not moved: {exc}")
            return
        except ValidationError as exc:
            self._show_message("error", f"Not moved: {exc.reason}")
            return
        one = self.move_scope.value == "one" and self.opened is not None
        try:
            moved = service.move_item(
                self.record_id,
                self.version,
                start,
                occurrence=self.opened.start if one and self.opened else None,
                url=self.url,
                actor=self.actor,
            )
        except model.InvalidItem as exc:
            self._show_message("error", f"Not moved: {exc.reason}")
            return
        except ConflictError as exc:
            self._show_message("warning", str(exc))
            return
        except NotFound as exc:
            self._forget_deleted(exc)
            return
        self._saved(moved)
        local = start.astimezone(_zone(zone))
        self._show_message("success", f"Moved “{moved.title}” to {local:%a %d %b %Y, %H:%M}.")

    def _delete_consequence(self) -> str:
        series = self.fields["repeat"].widget.value != ""
        what = "this item and every occurrence of the series" if series else "this item"
        return f"This removes {what}."

    # --- views --------------------------------------------------------------------------

    def filters(self) -> service.Filters:
        segment = self.filter_segment.value
        return service.Filters(
            channel=self.filter_channel.value or None,
            owner=self.filter_owner.value or None,
            status=self.filter_status.value or None,
            segment_id=int(segment) if segment else None,
            campaign=self.filter_campaign.value or None,
        )

    def window(self) -> tuple[dt.date, dt.date]:
        """The first and the day after the last day the current view shows."""
        if self.view == "month":
            first = self.anchor.replace(day=1)
            start = first - dt.timedelta(days=first.weekday())
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
            end = nxt + dt.timedelta(days=(7 - nxt.weekday()) % 7)
            return start, end
        if self.view == "week":
            start = self.anchor - dt.timedelta(days=self.anchor.weekday())
            return start, start + dt.timedelta(days=7)
        first = self.anchor.replace(day=1)  # the agenda lists the month
        return first, (first + dt.timedelta(days=32)).replace(day=1)

    def _in_period(self, day: dt.date) -> bool:
        start, end = self.window()
        if self.view == "week":
            return start <= day < end
        return (day.year, day.month) == (self.anchor.year, self.anchor.month)

    def _utc(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=_zone(self.tz)).astimezone(dt.UTC)

    def shift(self, step: int) -> None:
        """Previous (-1) or next (+1) month (month grid and agenda) or week."""
        if self.view == "week":
            self.anchor += dt.timedelta(weeks=step)
        else:
            month = self.anchor.year * 12 + self.anchor.month - 1 + step
            self.anchor = dt.date(month // 12, month % 12 + 1, 1)
        self.page = 0
        self.refresh()

    def go_to(self, day: dt.date) -> None:
        self.anchor, self.page = day, 0
        self.refresh()

    def _view_changed(self, change: dict[str, Any]) -> None:
        self.view, self.page = change["new"], 0
        self.refresh()

    def _filters_changed(self, _: Any = None) -> None:
        if not self._loading:
            self.page = 0
            self.download.value = ""
            self.refresh()

    def _turn_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the visible period from the store and redraw view, list and warnings."""
        start, end = self.window()
        found = service.occurrences(self._utc(start), self._utc(end), self.filters(), self.url)
        self.visible = shown = found
        if self.view == "week":
            last = end - dt.timedelta(days=1)
            self.period.value = f"{start:%d %b} – {last:%d %b %Y}"
        else:
            self.period.value = f"{self.anchor:%B %Y}"
        if self.view == "agenda":
            pages = max(1, -(-len(found) // PAGE))
            self.page = min(self.page, pages - 1)
            shown = found[self.page * PAGE : (self.page + 1) * PAGE]
            selected = self.opened.key if self.opened else None
            self.view_html.value = views.agenda(
                shown, self.tz, selected=selected, start=self.page * PAGE, total=len(found)
            )
        else:
            self._draw_grid()
        agenda = self.view == "agenda"
        self.pager.layout.display = "" if agenda and len(found) > PAGE else "none"
        self.page_prev.disabled = self.page == 0
        self.page_next.disabled = (self.page + 1) * PAGE >= len(found)
        self._fill_picker(shown)
        self._show_warnings(found)

    def _fill_picker(self, shown: list[Occurrence]) -> None:
        zone = _zone(self.tz)
        ideas = service.unscheduled(self.filters(), self.url, limit=50)
        options = [
            (
                f"{o.start.astimezone(zone):%a %d %b %H:%M} · {o.title}"
                + (" ↻" if o.recurring else "")
                + f" · {model.STATUSES.get(o.status, o.status)}",
                o,
            )
            for o in shown
            if o.start is not None
        ]
        options += [(f"No date · {o.title} · {model.STATUSES[o.status]}", o) for o in ideas]
        self._loading = True
        try:
            self.picker.options = options
            self.picker.value = None
        finally:
            self._loading = False
        n = len(shown)
        self.in_view.value = (
            f"{n} item{'s' if n != 1 else ''} in view"
            + (f", {len(ideas)} without a date" if ideas else "")
            + ": pick one to edit, duplicate, move or delete it."
        )

    def _select(self, item_id: int | None) -> None:
        """A new item clears the pick; an opened one keeps the occurrence picked."""
        if item_id is None:
            super()._select(None)

    def _picked(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] is not None:
            occurrence: Occurrence = change["new"]
            self.open(occurrence.item_id, occurrence)
            self._draw_grid()

    def _draw_grid(self) -> None:
        """The month or week grid of what is visible, the opened occurrence highlighted."""
        selected = self.opened.key if self.opened else None
        if self.view == "month":
            self.view_html.value = views.month_grid(
                self.anchor.year,
                self.anchor.month,
                self.visible,
                self.tz,
                today=self.today,
                selected=selected,
            )
        elif self.view == "week":
            start, _ = self.window()
            self.view_html.value = views.week_view(
                start, self.visible, self.tz, today=self.today, selected=selected
            )

    def _show_warnings(self, visible: list[Occurrence]) -> None:
        now = dt.datetime.now(dt.UTC)
        horizon_end = now + dt.timedelta(weeks=self.rules.horizon_weeks)
        coming = service.occurrences(now, horizon_end, url=self.url)
        late, late_total = service.overdue(now, self.url, limit=8)
        choices = self._choices
        segments = dict(choices.segments)
        objectives = {i: t for i, t in choices.objectives if i in choices.active_objectives}
        clashes = warnings.channel_clashes(visible, self.rules.clash_hours, self.tz)
        overload = warnings.owner_overload(visible, self.rules.max_per_week, self.tz)
        gaps = warnings.uncovered(
            coming,
            now,
            segments=segments,
            objectives=objectives,
            horizon_weeks=self.rules.horizon_weeks,
        )
        overdue = warnings.overdue(late, now, self.tz)

        def first(items: list[warnings.CalendarWarning], n: int = 8) -> list[str]:
            return [x.message for x in items[:n]]

        hours = f"{self.rules.clash_hours:g} h"
        self.warnings_html.value = views.warnings_html(
            [
                ("overdue", "Past their date, not published", first(overdue), late_total),
                ("clash", f"Same channel within {hours} (this view)", first(clashes), len(clashes)),
                (
                    "overload",
                    f"Owners with more than {self.rules.max_per_week} items a week (this view)",
                    first(overload),
                    len(overload),
                ),
                (
                    "uncovered",
                    f"Nothing planned in the next {self.rules.horizon_weeks} weeks",
                    first(gaps),
                    len(gaps),
                ),
            ]
        )

    def refresh_choices(self) -> None:
        """Reload channels, owners, segments, objectives and tags into lists and filters."""
        self._choices = choices = service.choices(self.url)
        self._loading = True
        try:
            self._form_choices()
            self._keep(
                self.filter_channel, [("All channels", ""), *[(n, k) for k, n in choices.channels]]
            )
            self._keep(self.filter_owner, [("All owners", ""), *[(o, o) for o in choices.owners]])
            self._keep(
                self.filter_segment,
                [("All segments", ""), *[(n, str(i)) for i, n in choices.segments]],
            )
            self._keep(
                self.filter_campaign, [("All campaigns", ""), *[(c, c) for c in choices.campaigns]]
            )
        finally:
            self._loading = False

    def _form_choices(self) -> None:
        """The form's lists (once the form is built) from the last ``refresh_choices``."""
        if not self.form_built:
            return
        choices = self._choices
        segments, objective = self.fields["segments"].widget, self.fields["objective_id"].widget
        picked, linked = segments.value, objective.value  # new options would reset them
        self.fields["channel"].widget.options = tuple(name for _, name in choices.channels)
        self.fields["owner"].widget.options = tuple(choices.owners)
        segments.options = [(n, i) for i, n in choices.segments]
        segments.value = tuple(i for i in picked if i in {i for i, _ in choices.segments})
        objective.options = [("— none —", None), *[(t, i) for i, t in choices.objectives]]
        objective.value = linked if linked in {i for i, _ in choices.objectives} else None

    def _form_ready(self) -> None:
        self._loading = True
        try:
            self._form_choices()
        finally:
            self._loading = False

    @staticmethod
    def _keep(dropdown: w.Dropdown, options: list[tuple[str, str]]) -> None:
        current = dropdown.value
        dropdown.options = options
        dropdown.value = current if current in {v for _, v in options} else ""

    # --- exports ------------------------------------------------------------------------

    def prepare_export(self, fmt: str) -> None:
        """Build the ICS or CSV of every item matching the filters; show a download link."""
        items = service.items_in_range(
            None, None, self.filters(), self.url, include_unscheduled=fmt == "csv"
        )
        stamp = f"{self.today:%Y%m%d}"
        if fmt == "ics":
            link = _data_link(
                ics.to_ics(items),
                f"commbook-calendar-{stamp}.ics",
                "text/calendar",
                "cb-calendar-download-ics",
            )
        else:
            link = _data_link(
                to_csv_bytes(items, self.url),
                f"commbook-calendar-{stamp}.csv",
                "text/csv",
                "cb-calendar-download-csv",
            )
        n = len(items)
        self.download.value = f"{link}<span class='cb-muted'>{n} item{'s' * (n != 1)}</span>"


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def calendar_tab(url: str | None = None, actor: str | None = None) -> w.VBox:
    """The Calendar tab's widget on the store at ``url`` (default: configured)."""
    return CalendarTab(url=url, actor=actor).widget
