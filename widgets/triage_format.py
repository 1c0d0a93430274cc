"""How the triage app shows things: its stylesheet, badges, times and due dates as HTML.

Every user value is escaped here; the widgets only place the strings.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import ipywidgets as w
import pandas as pd

CSS = """
.cb-triage.cb-app { max-width: 1440px; }
.cb-triage-header { display: flex; align-items: flex-end; justify-content: space-between; }
.cb-triage-whoami { text-align: right; font-size: 13px; opacity: .9; }
.cb-triage-whoami b { font-weight: 600; }
.cb-triage-role { display: inline-block; margin-left: 6px; padding: 1px 9px;
  border-radius: 999px; background: rgba(255,255,255,.18); font-weight: 600; font-size: 12px;
  text-transform: capitalize; }
.cb-triage-stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.cb-triage-stat { background: #fff; border: 1px solid #dde3ea; border-radius: 10px;
  padding: 10px 16px; }
.cb-triage-stat .cb-triage-stat-value { font-size: 24px; font-weight: 650; color: #1d3557;
  font-variant-numeric: tabular-nums; line-height: 30px; }
.cb-triage-stat .cb-triage-stat-label { font-size: 12.5px; color: #667085; }
.cb-triage-stat-breached .cb-triage-stat-value { color: #b42318; }
.cb-triage-stat-soon .cb-triage-stat-value { color: #b54708; }
.cb-triage-filters .widget-dropdown > select, .cb-triage-filters input { height: 32px !important;
  border-radius: 6px !important; font-size: 13px !important; }
.cb-triage-filters .widget-label { font-size: 12px; color: #475467; font-weight: 600; }
.cb-triage-grid { display: grid;
  grid-template-columns: minmax(0, 1fr) 86px 74px 112px 104px 118px;
  gap: 10px; align-items: center; }
.cb-triage-head { font-size: 12px; font-weight: 600; color: #475467; padding: 6px 10px 6px 0;
  border-bottom: 1px solid #dde3ea; }
.cb-triage-row { border-bottom: 1px solid #eef1f5; align-items: center; }
.cb-triage-row .widget-checkbox { width: 28px !important; }
.cb-triage-rowbody { position: relative; flex: 1 1 0%; min-width: 0; border-radius: 6px; }
.cb-triage-rowbody:hover { background: #f5f8fc; }
.cb-triage-row.cb-triage-current .cb-triage-rowbody { background: #eaf2fb;
  box-shadow: inset 3px 0 0 #2a6f97; }
.cb-triage-rowbody .widget-html { margin: 0; width: 100%; }
.cb-triage-rowbody .cb-triage-grid { padding: 7px 10px 7px 8px; }
.cb-triage-open { position: absolute !important; inset: 0; width: 100% !important;
  height: 100% !important; opacity: 0; cursor: pointer; margin: 0 !important; }
.cb-triage-summary { font-weight: 600; color: #1f2933; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.cb-triage-meta { color: #667085; font-size: 12px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.cb-triage-id { color: #98a2b3; font-weight: 500; margin-right: 4px;
  font-variant-numeric: tabular-nums; }
.cb-triage-owner { font-size: 13px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.cb-triage-unassigned { color: #98a2b3; font-style: italic; }
.cb-triage-due { font-size: 12.5px; line-height: 16px; font-variant-numeric: tabular-nums; }
.cb-triage-due small { color: #667085; font-size: 11.5px; }
.cb-triage-sla-breached { color: #b42318; font-weight: 600; }
.cb-triage-sla-breach_soon { color: #b54708; font-weight: 600; }
.cb-triage-sla-on_track { color: #175cd3; }
.cb-triage-sla-met { color: #067647; }
.cb-badge.cb-triage-cat-support { background: #eff8ff; color: #175cd3; }
.cb-badge.cb-triage-cat-discussion { background: #f4f3ff; color: #5925dc; }
.cb-badge.cb-triage-cat-feedback { background: #ecfdf3; color: #067647; }
.cb-badge.cb-triage-cat-abuse { background: #fef3f2; color: #b42318; }
.cb-badge.cb-triage-urg-critical { background: #b42318; color: #fff; }
.cb-badge.cb-triage-urg-high { background: #fef0c7; color: #93370d; }
.cb-badge.cb-triage-urg-normal { background: #f2f4f7; color: #344054; }
.cb-badge.cb-triage-urg-low { background: #f8f9fb; color: #667085; }
.cb-badge.cb-triage-st-new { background: #eff8ff; color: #175cd3; }
.cb-badge.cb-triage-st-escalated { background: #fdf2fa; color: #c11574; }
.cb-badge.cb-triage-st-resolved, .cb-badge.cb-triage-st-closed { background: #ecfdf3;
  color: #067647; }
.cb-badge.cb-triage-st-waiting_on_member { background: #fffaeb; color: #b54708; }
.cb-triage-pager { align-items: center; }
.cb-triage-pager .widget-html { margin: 0 8px; color: #475467; }
.cb-triage-bulk { background: #f8fafc; border: 1px solid #eef1f5; border-radius: 8px;
  padding: 6px 10px !important; align-items: center; }
.cb-triage-bulk .widget-html { color: #475467; font-size: 13px; }
.cb-triage-detail h2 { font-size: 18px; line-height: 24px; }
.cb-triage-facts { display: grid; grid-template-columns: 120px 1fr; gap: 4px 12px;
  font-size: 13px; margin-top: 6px; }
.cb-triage-facts dt { color: #667085; }
.cb-triage-facts dd { margin: 0; color: #1f2933; }
.cb-triage-clocks { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.cb-triage-clock { border: 1px solid #eef1f5; border-radius: 8px; padding: 8px 12px;
  background: #fbfcfe; font-size: 13px; }
.cb-triage-clock b { display: block; font-size: 12px; color: #475467; font-weight: 600; }
.cb-triage-why { font-size: 12.5px; color: #475467; background: #f8fafc; border-radius: 8px;
  padding: 8px 12px; }
.cb-triage-thread { max-height: 300px; overflow-y: auto; border: 1px solid #eef1f5;
  border-radius: 8px; padding: 4px 12px; }
.cb-triage-post { padding: 8px 0; border-bottom: 1px solid #f2f4f7; font-size: 13px; }
.cb-triage-post:last-child { border-bottom: 0; }
.cb-triage-post.cb-triage-post-item { background: #fffaeb; margin: 0 -12px; padding: 8px 12px; }
.cb-triage-post-head { color: #667085; font-size: 12px; margin-bottom: 2px; }
.cb-triage-post-head b { color: #344054; }
.cb-triage-post-title { font-weight: 600; }
.cb-triage-section { font-size: 13px; font-weight: 650; color: #1d3557; margin: 4px 0 0; }
.cb-triage-history { font-size: 12.5px; max-height: 220px; overflow-y: auto; }
.cb-triage-history li { margin: 0 0 6px; list-style: none; }
.cb-triage-history ul { padding: 0; margin: 0; }
.cb-triage-history .cb-triage-when { color: #98a2b3; font-variant-numeric: tabular-nums;
  margin-right: 6px; }
.cb-triage-history .cb-triage-detail-text { color: #475467; display: block; margin-left: 0;
  white-space: pre-wrap; }
.cb-triage-actions .widget-toggle-button { width: auto !important; min-width: 0;
  padding: 0 10px; font-size: 13px; height: 32px; border-radius: 6px; }
.cb-triage-form { border-top: 1px solid #eef1f5; padding-top: 10px !important; }
.cb-triage-links a { color: #175cd3; }
.cb-triage-readonly { color: #475467; font-size: 13px; background: #f8fafc; border-radius: 8px;
  padding: 10px 14px; }
.cb-triage-tags .cb-badge { margin-right: 4px; font-weight: 500; }
"""


def stylesheet() -> w.HTML:
    """The triage app's own styles (on top of ``theme.stylesheet()``)."""
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))


def e(value: Any) -> str:
    """Escape any value for HTML (None → "")."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def label(value: str) -> str:
    """``waiting_on_member`` → ``waiting on member``."""
    return str(value).replace("_", " ")


def badge(kind: str, value: str | None) -> str:
    """A coloured pill: ``kind`` is cat, urg or st."""
    if not value:
        return ""
    return f'<span class="cb-badge cb-triage-{kind}-{e(value)}">{e(label(value))}</span>'


def when(ts: Any, tz: dt.tzinfo, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A timestamp in the app's timezone, or — when missing."""
    if ts is None or pd.isna(ts):
        return "—"
    return pd.Timestamp(ts).tz_convert(tz).strftime(fmt)


def span(delta: pd.Timedelta) -> str:
    """A duration as the largest sensible units: ``3 d 4 h``, ``5 h 10 m``, ``12 m``."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days >= 3:
        return f"{days} d"
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} m" if mins else f"{hours} h"
    return f"{mins} m"


CLOCK_LABELS = {"first_response": "first response", "resolution": "resolution"}


def due_cell(row: Any, now: dt.datetime) -> str:
    """The queue's SLA column: time left (or overdue) on the clock that runs out next."""
    state = row["sla_state"]
    due = row["next_due"]
    if due is None or pd.isna(due):
        text = "met" if state == "met" else "done"
        return f'<div class="cb-triage-due cb-triage-sla-{e(state)}">SLA {text}</div>'
    left = pd.Timestamp(due) - pd.Timestamp(now)
    words = f"overdue {span(left)}" if left < pd.Timedelta(0) else f"due in {span(left)}"
    clock = CLOCK_LABELS.get(row["next_clock"], "")
    return (
        f'<div class="cb-triage-due cb-triage-sla-{e(state)}" title="{e(state)}">'
        f"{words}<br><small>{e(clock)}</small></div>"
    )


def clock_box(name: str, sla: dict[str, Any], stopped: Any, tz: dt.tzinfo, now: dt.datetime) -> str:
    """One SLA clock of the detail view: due time and where it stands."""
    title = CLOCK_LABELS[name].capitalize()
    due = sla[f"{name}_due"]
    target = span(sla[f"{name}_target"])
    if sla[f"{name}_done"]:
        late = sla[f"{name}_breached"]
        state = "breached" if late else "met"
        what = "late" if late else "in time"
        status = f"done {when(stopped, tz)} ({what})"
    else:
        left = pd.Timestamp(due) - pd.Timestamp(now)
        if sla[f"{name}_breached"]:
            state, status = "breached", f"overdue by {span(left)}"
        elif sla[f"{name}_breach_soon"]:
            state, status = "breach_soon", f"breach soon: {span(left)} left"
        else:
            state, status = "on_track", f"{span(left)} left"
    return (
        f'<div class="cb-triage-clock cb-triage-clock-{name}"><b>{title} · target {target}</b>'
        f"due {when(due, tz)}<br>"
        f'<span class="cb-triage-sla-{state}">{e(status)}</span></div>'
    )
