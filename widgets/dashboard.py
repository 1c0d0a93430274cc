"""The managers' dashboard: filters, KPI tiles with changes, the community workflow tiles,
charts and a drill-down table.

``dashboard_app(url)`` is what ``notebooks/dashboard.ipynb`` displays. The widget only
displays: frames are read once per period (``commbook.dashboard.load_period``), every
filter change narrows them in memory (``apply_filters``) and the numbers come from
``commbook.dashboard`` / ``commbook.metrics``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from commbook import charts, clock, dashboard, metrics
from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.widgets.dashboard_view import (
    chart_html,
    decimal,
    download_html,
    e,
    empty_html,
    integer,
    percent,
    stylesheet,
    table_html,
    tiles_html,
    workflow_html,
)
from commbook.widgets.theme import alert, card, row
from commbook.widgets.theme import stylesheet as base_stylesheet

PAGE_SIZE = 10
ALL = ""
FORMATS = {
    "content": {
        "audience": integer,
        "interactions": integer,
        "engagement_rate": percent,
    },
    "threads": {"replies": integer, "first_response_hours": decimal},
}


def _dropdown(options: list[tuple[str, str]], css: str, value: str = ALL) -> w.Dropdown:
    box = w.Dropdown(options=options, value=value, layout=w.Layout(width="100%"))
    box.add_class(css)
    return box


def _labelled(label: str, widget: w.Widget) -> w.VBox:
    title = w.HTML(f'<span class="cb-field-label">{label}</span>')
    box = w.VBox([title, widget], layout=w.Layout(flex="1 1 0%", min_width="0", grid_gap="3px"))
    box.add_class("cb-field")
    return box


class DashboardApp:
    """Filters on top, KPI tiles, two charts and the drill-down table with CSV export.

    ``now`` gives the current instant (default: the clock); it decides "last month" and
    whether the period is still running (then the comparison is cut to the same elapsed
    time).
    """

    def __init__(
        self, url: str | None = None, *, now: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.url = url
        self.tz = get_settings().timezone
        self.now = now or (lambda: clock.now(self.tz))
        self.choice: clock.PeriodChoice | None = None
        self.data: dashboard.PeriodFrames | None = None
        self.filtered: dashboard.Filtered | None = None
        self.table = pd.DataFrame()
        self.page = 1
        self._quiet = False

        self.preset = _dropdown(
            [(label, key) for key, label in dashboard.PRESETS.items()], "cb-dash-period",
            "last_month",
        )  # fmt: skip
        today = self._today()
        self.first = w.DatePicker(value=today.replace(day=1), layout=w.Layout(width="100%"))
        self.first.add_class("cb-dash-from")
        self.last = w.DatePicker(value=today, layout=w.Layout(width="100%"))
        self.last.add_class("cb-dash-to")
        self.custom = row(_labelled("From", self.first), _labelled("To", self.last))
        self.custom.layout.display = "none"
        self.channel = _dropdown([("All channels", ALL)], "cb-dash-channel")
        self.segment = _dropdown([("All members", ALL)], "cb-dash-segment")
        self.content_type = _dropdown([("All content types", ALL)], "cb-dash-type")
        self.context = w.HTML()
        self.context.add_class("cb-dash-context")
        self.message = w.HTML()
        self.tiles = w.HTML()
        self.tiles.add_class("cb-dash-tiles")
        self.workflow = w.HTML()
        self.workflow.add_class("cb-dash-workflow")
        self.activity_chart = w.HTML()
        self.activity_chart.add_class("cb-dash-chart")
        self.activity_chart.add_class("cb-dash-chart-activity")
        self.content_chart = w.HTML()
        self.content_chart.add_class("cb-dash-chart")
        self.content_chart.add_class("cb-dash-chart-content")
        self.drill = w.ToggleButtons(
            options=[(label, key) for key, label in dashboard.DRILLDOWNS.items()],
            value="content",
        )
        self.drill.add_class("cb-dash-drill")
        self.table_html = w.HTML()
        self.table_html.add_class("cb-dash-table-box")
        self.previous = w.Button(description="‹ Previous", layout=w.Layout(width="110px"))
        self.previous.add_class("cb-dash-prev")
        self.next = w.Button(description="Next ›", layout=w.Layout(width="110px"))
        self.next.add_class("cb-dash-next")
        self.page_label = w.HTML()
        self.page_label.add_class("cb-dash-page")
        self.export = w.HTML()
        self.export.add_class("cb-dash-export")

        filters = card(
            row(
                _labelled("Period", self.preset),
                _labelled("Channel", self.channel),
                _labelled("Member segment", self.segment),
                _labelled("Content type", self.content_type),
            ),
            self.custom,
            self.context,
            css="cb-dash-filters",
        )
        charts_row = row(
            card(self.activity_chart, flex="1 1 0%", min_width="0"),
            card(self.content_chart, flex="1 1 0%", min_width="0"),
            align_items="stretch",
        )
        drill = card(
            row(
                w.HTML("<h2>Drill down</h2>"),
                w.Box(layout=w.Layout(flex="1")),
                self.drill,
                align_items="center",
            ),
            self.table_html,
            row(
                self.previous,
                self.page_label,
                self.next,
                w.Box(layout=w.Layout(flex="1")),
                self.export,
                align_items="center",
                gap="10px",
            ),
        )
        header = w.HTML(
            "<h1>Community dashboard</h1><p>How the community is doing, and how that "
            "compares with the period before.</p>"
        )
        header.add_class("cb-app-header")
        self.widget = w.VBox(
            [
                base_stylesheet(),
                stylesheet(),
                header,
                filters,
                self.message,
                self.tiles,
                self.workflow,
                charts_row,
                drill,
            ],
            layout=w.Layout(grid_gap="14px"),
        )
        self.widget.add_class("cb-app")
        self.widget.add_class("cb-dashboard")

        self.preset.observe(self._period_changed, "value")
        self.first.observe(self._period_changed, "value")
        self.last.observe(self._period_changed, "value")
        for box in (self.channel, self.segment, self.content_type):
            box.observe(self._filters_changed, "value")
        self.drill.observe(self._drill_changed, "value")
        self.previous.on_click(lambda _: self._turn(-1))
        self.next.on_click(lambda _: self._turn(+1))
        self._period_changed()

    # --- state --------------------------------------------------------------------------

    def _as_of(self) -> pd.Timestamp:
        """ "Now" for the comparison (``dashboard.compare_as_of``)."""
        assert self.choice is not None
        return dashboard.compare_as_of(self.choice, self.now())

    def _today(self) -> dt.date:
        return pd.Timestamp(self.now()).tz_convert(self.tz).date()

    def filters(self) -> dashboard.Filters:
        return dashboard.Filters(
            channel=self.channel.value or "",
            segment=self.segment.value or "",
            content_type=self.content_type.value or "",
        )

    def _period_changed(self, _change: object = None) -> None:
        if self._quiet:
            return
        self.custom.layout.display = "" if self.preset.value == "custom" else "none"
        try:
            self.choice = dashboard.choose_period(
                self.preset.value,
                self.tz,
                today=self._today(),
                first=self.first.value,
                last=self.last.value,
                url=self.url,
            )
            self.data = dashboard.load_period(self.url, self.choice.period)
        except CommbookError as exc:
            self._fail(str(exc))
            return
        self._fill_menus()
        self._filters_changed()

    def _fill_menus(self) -> None:
        """Channels, segments and content types present in the loaded frames."""
        assert self.data is not None
        channels = dashboard.choices(
            [*self.data.events["channel"].unique(), *self.data.content["channel"].unique()]
        )
        types = dashboard.choices(list(self.data.content["content_type"].unique()))
        menus = (
            (self.channel, [("All channels", ALL), *[(c, c) for c in channels]]),
            (self.segment, dashboard.segment_options(self.data.members)),
            (self.content_type, [("All content types", ALL), *[(t, t) for t in types]]),
        )
        self._quiet = True
        try:
            for box, options in menus:
                keep = box.value if box.value in {v for _, v in options} else ALL
                box.options = options
                box.value = keep
        finally:
            self._quiet = False

    def _filters_changed(self, _change: object = None) -> None:
        if self._quiet or self.data is None:
            return
        try:
            self.filtered = dashboard.apply_filters(self.data, self.filters())
            assert self.choice is not None
            now = self._as_of()
            if not self.choice.has_data:
                self._no_data(self.choice)
                return
            start = clock.start_of(self.choice.data_starts, self.tz)
            kpis = dashboard.kpis(self.filtered, as_of=now, data_start=start)
            workflow = dashboard.workflow_kpis(self.filtered, as_of=now)
            notes = dashboard.context_notes(self.choice, self.data, now)
        except CommbookError as exc:
            self._fail(str(exc))
            return
        self.message.value = ""
        period = self.data.period
        heading = f"<b>{e(period.title)}</b> · {e(self.filters().describe())}"
        self.context.value = heading + "".join(f"<br>{e(n)}" for n in notes)
        self.tiles.value = tiles_html(kpis)
        self.workflow.value = workflow_html(workflow)
        self._charts(now)
        self.page = 1
        self._drill_changed()

    def _charts(self, until: pd.Timestamp | None = None) -> None:
        """The charts, their series stopping where the data stops (``until``)."""
        assert self.filtered is not None
        daily = dashboard.activity_series(self.filtered, until)
        self.activity_chart.value = (
            chart_html(charts.daily_active_chart(daily), days=len(daily))
            if daily["dau"].any()
            else empty_html("Nobody was active in this period.")
        )
        by_type = metrics.engagement_by_type(dashboard.period_content(self.filtered))
        self.content_chart.value = (
            chart_html(charts.engagement_by_type_chart(by_type))
            if by_type["engagement_rate"].notna().any()
            else empty_html("No content with a known reach was published in this period.")
        )

    def _drill_changed(self, _change: object = None) -> None:
        if self.filtered is None:
            return
        if self.drill.value == "threads":
            self.table = dashboard.thread_table(self.filtered)
        else:
            self.table = dashboard.content_table(self.filtered)
        self.page = 1
        self._show_page()
        columns = self._columns()
        assert self.data is not None
        name = dashboard.export_name(self.drill.value, self.data.period, self.filters())
        frame = self.table[list(columns)].rename(columns=columns)
        self.export.value = download_html(dashboard.csv_data_uri(frame), name, len(frame))

    def _columns(self) -> dict[str, str]:
        return dashboard.THREAD_TABLE if self.drill.value == "threads" else dashboard.CONTENT_TABLE

    def _show_page(self) -> None:
        shown = dashboard.paginate(self.table, self.page, PAGE_SIZE)
        self.page = shown.page
        if shown.total:
            self.table_html.value = table_html(
                shown.rows, self._columns(), FORMATS[self.drill.value]
            )
            self.page_label.value = (
                f"Rows {shown.first}–{shown.last} of {shown.total:,} · page {shown.page} "
                f"of {shown.pages}"
            )
        else:
            what = "threads started" if self.drill.value == "threads" else "content published"
            self.table_html.value = empty_html(f"No {what} for this selection.")
            self.page_label.value = ""
        self.previous.disabled = shown.page <= 1
        self.next.disabled = shown.page >= shown.pages

    def _turn(self, step: int) -> None:
        self.page += step
        self._show_page()

    def _no_data(self, choice: clock.PeriodChoice) -> None:
        """A period the data does not reach: say so instead of tiles of zeros."""
        self.message.value = ""
        self.context.value = f"<b>{e(choice.period.title)}</b><br>" + "<br>".join(
            e(n) for n in choice.notes
        )
        self.tiles.value = empty_html(f"Nothing is known yet about {choice.period.title}.")
        self.workflow.value = ""
        self.activity_chart.value = self.content_chart.value = ""

    def _fail(self, text: str) -> None:
        self.message.value = alert("error", text)


def dashboard_app(url: str | None = None) -> w.VBox:
    """The dashboard's top-level widget on the store at ``url`` (default: configured)."""
    return DashboardApp(url=url).widget
