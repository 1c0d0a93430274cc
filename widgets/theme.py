"""Look and feel shared by every commbook app: one stylesheet and a few layout helpers.

The stylesheet is an ``HTML`` widget holding a ``<style>`` element, so it works the same in
Voilà and in JupyterLab without a custom frontend extension. Class names start with ``cb-``.
"""

from __future__ import annotations

import html

import ipywidgets as w

CSS = """
.cb-app { max-width: 1180px; margin: 0 auto; font-size: 14px; color: #1f2933; }
.cb-app-header { padding: 18px 24px; border-radius: 10px; margin-bottom: 14px;
  background: linear-gradient(100deg, #1d3557 0%, #2a6f97 100%); color: #fff; }
.cb-app-header h1 { margin: 0; font-size: 22px; font-weight: 600; color: #fff; }
.cb-app-header p { margin: 4px 0 0; opacity: .85; font-size: 14px; }
.cb-app .lm-TabBar-tab, .cb-app .p-TabBar-tab { font-size: 14px; min-width: 120px; }
.cb-card { background: #fff; border: 1px solid #dde3ea; border-radius: 10px;
  padding: 16px 20px !important; box-shadow: 0 1px 3px rgba(16, 24, 40, .06); }
.cb-card h2 { margin: 0 0 2px; font-size: 17px; font-weight: 600; color: #1d3557; }
.cb-card h3 { margin: 0; font-size: 15px; font-weight: 600; color: #1d3557; }
.cb-muted, .cb-muted p { color: #667085; font-size: 12.5px; margin: 0; }
.cb-app .widget-html, .cb-app .widget-html-content { height: auto; line-height: 1.45; }
.cb-field .widget-inline-hbox { height: auto; }
/* a field straight in a card (a column) takes its content's height; its 1 1 0% basis is
   for sharing a row's width, and would squeeze a multi-line list to one line here */
.cb-card > .cb-field { flex: 0 0 auto !important; }
.cb-field .widget-select-multiple, .cb-field .widget-select-multiple select {
  height: auto !important; }
.cb-field-label { font-weight: 600; font-size: 13px; color: #344054; line-height: 18px; }
.cb-field-label .cb-required { color: #c62828; margin-left: 2px; }
.cb-field-hint { color: #667085; font-size: 12px; line-height: 16px; }
.cb-field-error { color: #b42318; font-size: 12.5px; font-weight: 500; line-height: 16px; }
.cb-field .widget-inline-hbox, .cb-field .widget-text, .cb-field .widget-textarea,
.cb-field .widget-dropdown, .cb-field .widget-datepicker { width: 100%; margin: 0; }
.cb-field input, .cb-field textarea, .cb-field select { border-radius: 6px !important;
  font-size: 14px !important; }
.cb-field textarea { font-family: inherit !important; }
.cb-field input, .cb-field select { height: 34px !important; }
.cb-invalid input, .cb-invalid textarea, .cb-invalid select {
  border-color: #d92d20 !important; box-shadow: 0 0 0 2px rgba(217, 45, 32, .15); }
.cb-alert { border-radius: 8px; padding: 10px 14px !important; font-size: 13.5px; }
.cb-alert-success { background: #ecfdf3; border: 1px solid #abefc6; color: #067647; }
.cb-alert-error { background: #fef3f2; border: 1px solid #fecdca; color: #b42318; }
.cb-alert-warning { background: #fffaeb; border: 1px solid #fedf89; color: #93370d; }
.cb-alert ul { margin: 4px 0 0 18px; padding: 0; }
.cb-app .jupyter-button { border-radius: 6px; height: 34px; font-size: 13.5px; }
.cb-table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
.cb-table th { text-align: left; color: #475467; font-weight: 600; font-size: 12.5px;
  border-bottom: 1px solid #dde3ea; padding: 8px 10px; background: #f8fafc; }
.cb-table td { border-bottom: 1px solid #eef1f5; padding: 8px 10px; vertical-align: top; }
.cb-table td.cb-num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.cb-empty { color: #667085; padding: 18px 4px; text-align: center; }
.cb-badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px;
  font-weight: 600; background: #eef2f6; color: #364152; }
.cb-badge-active { background: #eff8ff; color: #175cd3; }
.cb-badge-achieved { background: #ecfdf3; color: #067647; }
.cb-badge-missed { background: #fef3f2; color: #b42318; }
.cb-badge-draft { background: #f2f4f7; color: #475467; }
.cb-badge-cancelled { background: #f2f4f7; color: #98a2b3; text-decoration: line-through; }
.cb-list select { border-radius: 8px; font-size: 14px; padding: 4px; }
.cb-list select option { padding: 6px 6px; border-radius: 4px; }
.cb-status-on-track, .cb-status-achieved { background: #ecfdf3; color: #067647; }
.cb-status-at-risk { background: #fffaeb; color: #b54708; }
.cb-status-off-track, .cb-status-missed { background: #fef3f2; color: #b42318; }
.cb-status-no-data { background: #f2f4f7; color: #667085; }
.cb-progress { position: relative; height: 8px; border-radius: 999px; background: #eef1f5;
  min-width: 140px; margin: 4px 0 6px; }
.cb-progress-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 999px;
  background: #2e90fa; }
.cb-progress-fill.cb-fill-achieved, .cb-progress-fill.cb-fill-on-track { background: #17b26a; }
.cb-progress-fill.cb-fill-at-risk { background: #f79009; }
.cb-progress-fill.cb-fill-off-track, .cb-progress-fill.cb-fill-missed { background: #f04438; }
.cb-progress-expected { position: absolute; top: -3px; bottom: -3px; width: 2px;
  background: #344054; border-radius: 1px; }
.cb-progress-line { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.cb-progress-panel { background: #f8fafc; border: 1px solid #eef1f5; border-radius: 8px;
  padding: 10px 14px; }
.cb-progress-figures { display: flex; gap: 22px; flex-wrap: wrap; font-size: 13px;
  color: #475467; margin-bottom: 4px; }
.cb-progress-figures b { color: #1d3557; font-size: 15px; }
.cb-section { font-weight: 600; font-size: 13px; color: #1d3557; text-transform: uppercase;
  letter-spacing: .05em; margin: 6px 0 0; padding-top: 8px; border-top: 1px solid #eef1f5; }
.cb-size { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.cb-size-count { font-size: 22px; font-weight: 700; color: #1d3557;
  font-variant-numeric: tabular-nums; }
.cb-chip { display: inline-block; border-radius: 6px; padding: 1px 7px; margin: 1px 2px 1px 0;
  font-size: 12px; background: #eef4ff; color: #3538cd; }
.cb-chip-muted { background: #f2f4f7; color: #475467; }
.cb-pager { align-items: center; }
.cb-change { margin: 0; padding: 0; list-style: none; }
.cb-change li { margin: 0 0 2px; }
.cb-change .cb-old { color: #b42318; text-decoration: line-through; }
.cb-change .cb-new { color: #067647; }
.cb-change details summary { cursor: pointer; font-size: 12.5px; }
.cb-history-table td:first-child { width: 92px; }
.cb-history-table td:nth-child(2) { width: 110px; }
.cb-action-create { background: #ecfdf3; color: #067647; }
.cb-action-update { background: #eff8ff; color: #175cd3; }
.cb-action-delete { background: #fef3f2; color: #b42318; }
"""


def stylesheet() -> w.HTML:
    """The commbook stylesheet; display it once, anywhere in the app."""
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))


def card(*children: w.Widget, css: str = "", **layout: str) -> w.VBox:
    """A white rounded panel holding ``children`` one under the other."""
    box = w.VBox(list(children), layout=w.Layout(grid_gap="10px", **layout))
    box.add_class("cb-card")
    if css:
        box.add_class(css)
    return box


def row(*children: w.Widget, gap: str = "16px", **layout: str) -> w.HBox:
    """Children side by side, sharing the width."""
    return w.HBox(list(children), layout=w.Layout(grid_gap=gap, width="100%", **layout))


def button(
    text: str, css: str, icon: str = "", style: str = "", *, min_width: str = "96px"
) -> w.Button:
    """A button as wide as its text (at least ``min_width``), with class ``css``."""
    widget = w.Button(description=text, icon=icon, button_style=style)
    widget.layout.width = "auto"
    if min_width:
        widget.layout.min_width = min_width
    widget.add_class(css)
    return widget


def progress_bar(percent: float, expected: float | None, status: str) -> str:
    """HTML for a progress bar (0–100 %, clipped) with a tick where it should be by now."""
    width = max(0.0, min(100.0, percent))
    tick = (
        f'<div class="cb-progress-expected" style="left:{max(0.0, min(100.0, expected)):.1f}%"'
        f' title="expected by now: {expected:.0f} %"></div>'
        if expected is not None
        else ""
    )
    fill = f"cb-fill-{html.escape(status.replace('_', '-'))}"
    return (
        f'<div class="cb-progress" role="progressbar" aria-valuenow="{percent:.0f}" '
        f'aria-valuemin="0" aria-valuemax="100"><div class="cb-progress-fill {fill}" '
        f'style="width:{width:.1f}%"></div>{tick}</div>'
    )


def alert(kind: str, text: str, details: list[str] | None = None) -> str:
    """HTML for an inline message; ``kind`` is success, error or warning. Text is escaped."""
    items = "".join(f"<li>{html.escape(d)}</li>" for d in details or [])
    extra = f"<ul>{items}</ul>" if items else ""
    role = "status" if kind == "success" else "alert"
    return f'<div class="cb-alert cb-alert-{kind}" role="{role}">{html.escape(text)}{extra}</div>'


class Field:
    """A labelled input with a hint line and an error line (hidden while empty).

    ``Field("Title", w.Text(), required=True, css="cb-objective-title")`` — ``css`` goes on
    the input widget, ``cb-error-…`` derived from it on the error line, so tests can find both.
    """

    def __init__(
        self,
        label: str,
        widget: w.Widget,
        *,
        required: bool = False,
        hint: str = "",
        css: str = "",
    ) -> None:
        self.widget = widget
        widget.layout.width = "100%"
        if css:
            widget.add_class(css)
        star = '<span class="cb-required" title="required">*</span>' if required else ""
        self.label = w.HTML(f'<span class="cb-field-label">{html.escape(label)}{star}</span>')
        self.hint = w.HTML(layout=w.Layout(display="none"))
        self.hint.add_class("cb-field-hint")
        self.error = w.HTML(layout=w.Layout(display="none"))
        self.error.add_class("cb-field-error")
        if css:
            self.error.add_class(css.replace("cb-", "cb-error-", 1))
        self.box = w.VBox(
            [self.label, widget, self.hint, self.error],
            layout=w.Layout(flex="1 1 0%", min_width="0", grid_gap="3px"),
        )
        self.box.add_class("cb-field")
        self.set_hint(hint)

    def set_hint(self, text: str) -> None:
        self.hint.value = html.escape(text)
        self.hint.layout.display = "" if text else "none"

    def set_error(self, text: str) -> None:
        """Show ``text`` under the input and mark it invalid; ``""`` clears both."""
        self.error.value = html.escape(text)
        self.error.layout.display = "" if text else "none"
        if text:
            self.box.add_class("cb-invalid")
        else:
            self.box.remove_class("cb-invalid")
