"""HTML pieces of the dashboard app: KPI tiles, charts as inline SVG, the drill-down table
and the CSV download link. Every piece of text is escaped here."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import altair as alt
import ipywidgets as w
import pandas as pd
import vl_convert as vlc

from commbook.dashboard import Kpi

CSS = """
.cb-dash-filters .widget-dropdown select, .cb-dash-filters input { height: 34px; }
.cb-dash-context { font-size: 13px; color: #475467; }
.cb-dash-context b { color: #1d3557; }
.cb-kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
.cb-kpi { background: #fff; border: 1px solid #dde3ea; border-radius: 10px;
  padding: 12px 16px; box-shadow: 0 1px 3px rgba(16, 24, 40, .06);
  border-top: 4px solid #2a6f97; }
.cb-kpi-label { font-size: 12px; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; color: #475467; }
.cb-kpi-value { font-size: 28px; font-weight: 700; color: #1d3557; margin: 2px 0;
  font-variant-numeric: tabular-nums; }
.cb-kpi-delta { display: inline-block; font-size: 13px; font-weight: 600; border-radius: 999px;
  padding: 1px 8px; background: #f2f4f7; color: #475467; }
.cb-kpi-better .cb-kpi-delta { background: #ecfdf3; color: #067647; }
.cb-kpi-worse .cb-kpi-delta { background: #fef3f2; color: #b42318; }
.cb-kpi-prev { font-size: 12px; color: #667085; margin-left: 6px; }
.cb-kpi-note { font-size: 12px; color: #667085; margin-top: 6px; line-height: 1.35; }
.cb-dash-chart figure { margin: 0; }
.cb-dash-chart svg { max-width: 100%; height: auto; }
.cb-dash-export a { display: inline-block; border-radius: 6px; padding: 7px 14px;
  background: #2a6f97; color: #fff !important; text-decoration: none; font-weight: 600;
  font-size: 13.5px; }
.cb-dash-export a:hover { background: #1d3557; }
.cb-dash-table td.cb-num, .cb-dash-table th.cb-num { text-align: right; }
.cb-dash-workflow h2 { margin: 4px 0 2px; font-size: 18px; color: #1d3557; }
.cb-dash-workflow .cb-dash-workflow-intro { margin: 0 0 10px; font-size: 13px; color: #475467; }
.cb-dash-workflow .cb-kpi { border-top-color: #7a5af8; }
"""


def stylesheet() -> w.HTML:
    """The dashboard's own styles (on top of ``commbook.widgets.theme``)."""
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))


def e(value: object) -> str:
    return html.escape("" if value is None or value is pd.NA else str(value))


def tiles_html(kpis: Sequence[Kpi]) -> str:
    """The KPI tiles: value, ▲/▼ change in the report's words (green when better, neither
    when it prints as no change) and the previous value."""
    cells = []
    for k in kpis:
        tone = f" cb-kpi-{k.tone}" if k.tone else ""
        previous = f"vs {k.previous_text}" if k.previous_text != "—" else "no earlier data"
        cells.append(
            f'<div class="cb-kpi{tone}" data-metric="{e(k.key)}" title="{e(k.description)}">'
            f'<div class="cb-kpi-label">{e(k.label)}</div>'
            f'<div class="cb-kpi-value">{e(k.value_text)}</div>'
            f'<div><span class="cb-kpi-delta">{e(k.delta_text)}</span>'
            f'<span class="cb-kpi-prev">{e(previous)}</span></div>'
            f'<div class="cb-kpi-note">{e(k.description)}</div></div>'
        )
    return f'<div class="cb-kpis">{"".join(cells)}</div>'


def workflow_html(kpis: Sequence[Kpi]) -> str:
    """The "Community workflow" section: a heading, one sentence, and its tiles."""
    if not kpis:
        return ""
    return (
        "<h2>Community workflow</h2>"
        '<p class="cb-dash-workflow-intro">How fast the team answers the triage queue, '
        "what is still open, moderation, and who answers members' questions.</p>" + tiles_html(kpis)
    )


#: Up to this many days, a chart over days gets one tick a day (else Vega-Lite puts ticks
#: every few hours and repeats the day's label: "01 Dec 01 Dec 01 Dec 02 Dec").
DAILY_TICKS_UP_TO = 10


def chart_html(chart: alt.TopLevelMixin, days: int | None = None) -> str:
    """``chart`` drawn to SVG here (vl-convert, no JavaScript, no network), with its
    description as the figure's accessible name. ``days``: how many days a chart over days
    shows (a short series gets one tick a day)."""
    spec = chart.to_dict()
    x = spec.get("encoding", {}).get("x")
    if days is not None and days <= DAILY_TICKS_UP_TO and isinstance(x, dict):
        x.setdefault("axis", {})["tickCount"] = {"interval": "day", "step": 1}
    svg = vlc.vegalite_to_svg(spec)
    label = e(spec.get("description", ""))
    return f'<figure role="img" aria-label="{label}" title="{label}">{svg}</figure>'


def empty_html(text: str) -> str:
    return f'<div class="cb-empty">{e(text)}</div>'


Format = Callable[[object], str]


def integer(value: object) -> str:
    return "—" if pd.isna(value) else f"{int(value):,}"


def percent(value: object) -> str:
    return "—" if pd.isna(value) else f"{float(value):.1%}"


def decimal(value: object) -> str:
    return "—" if pd.isna(value) else f"{float(value):,.1f}"


def table_html(
    rows: pd.DataFrame, columns: Mapping[str, str], formats: Mapping[str, Format]
) -> str:
    """A ``cb-table``: ``columns`` maps column → heading; formatted columns are numbers."""
    head = "".join(
        f'<th class="{"cb-num" if c in formats else ""}">{e(label)}</th>'
        for c, label in columns.items()
    )
    body = "".join(
        '<tr class="cb-dash-row">'
        + "".join(
            f'<td class="cb-num">{e(formats[c](row[c]))}</td>'
            if c in formats
            else f"<td>{e('' if pd.isna(row[c]) else row[c])}</td>"
            for c in columns
        )
        + "</tr>"
        for _, row in rows.iterrows()
    )
    return (
        f'<table class="cb-table cb-dash-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def download_html(uri: str, filename: str, rows: int) -> str:
    """A download link holding the CSV itself (``data:`` URI): works offline, no server."""
    return (
        f'<a class="cb-dash-download" href="{e(uri)}" download="{e(filename)}">'
        f"⬇ Download CSV ({rows:,} rows)</a>"
    )
