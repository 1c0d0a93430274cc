"""HTML building blocks for report notebooks: header, headline tiles, notices.

Every piece of text is escaped here, so member or content text can never inject markup.
Blocks carry their own small stylesheet (``cb-`` classes), so they look the same in
JupyterLab, Voilà and the exported report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape

import pandas as pd
from IPython.display import HTML

from commbook.reports.periods import Period

STYLE = """<style>
.cb-header { border-bottom: 3px solid #2b6cb0; padding: 0 0 12px; margin: 0 0 8px; }
.cb-header h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; color: #1a202c; }
.cb-header .cb-period { font-size: 16px; color: #2d3748; margin: 0; }
.cb-header .cb-meta { font-size: 12px; color: #718096; margin: 4px 0 0; }
.cb-tiles { display: flex; gap: 14px; flex-wrap: wrap; margin: 8px 0 4px; }
.cb-tile { flex: 1 1 160px; border: 1px solid #e2e8f0; border-top: 4px solid #2b6cb0;
  border-radius: 6px; padding: 12px 16px; background: #f7fafc; break-inside: avoid; }
.cb-tile .cb-label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em;
  color: #4a5568; margin: 0; }
.cb-tile .cb-value { font-size: 30px; font-weight: 700; color: #1a202c; margin: 2px 0;
  font-variant-numeric: tabular-nums; }
.cb-tile .cb-note { font-size: 12px; color: #718096; margin: 0; }
.cb-table { border-collapse: collapse; margin: 10px 0; font-size: 14px; min-width: 60%; }
.cb-table th, .cb-table td { padding: 5px 12px; border-bottom: 1px solid #e2e8f0;
  text-align: left; }
.cb-table th { color: #4a5568; font-weight: 600; border-bottom: 2px solid #cbd5e0; }
.cb-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.cb-notice { border-left: 4px solid #d69e2e; background: #fffbeb; color: #744210;
  padding: 10px 14px; border-radius: 4px; margin: 8px 0; }
</style>"""


@dataclass(frozen=True)
class Tile:
    """One headline number: a label, the value and a short note saying what it counts."""

    label: str
    value: int | float | str
    note: str = ""

    def formatted(self) -> str:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            return str(self.value)
        if isinstance(self.value, float):
            return f"{self.value:,.1f}"
        return f"{self.value:,}"


def header(title: str, period: Period, generated: dt.datetime | None = None) -> HTML:
    """The report's title block: title, period in words and exact dates, generation time."""
    generated = (generated or dt.datetime.now(period.tz)).astimezone(period.tz)
    span = f"{period.first_day:%-d %b %Y} – {period.last_day:%-d %b %Y}"
    return HTML(
        f"{STYLE}<header class='cb-header'><h1>{escape(title)}</h1>"
        f"<p class='cb-period'>{escape(period.title)}"
        f"{'' if period.title.endswith(span) else ' · ' + escape(span)}</p>"
        f"<p class='cb-meta'>Generated {generated:%-d %b %Y, %H:%M} "
        f"({escape(str(period.tz))})</p></header>"
    )


def tiles(items: Iterable[Tile]) -> HTML:
    """A row of headline-number tiles."""
    cells = "".join(
        f"<div class='cb-tile'><p class='cb-label'>{escape(t.label)}</p>"
        f"<p class='cb-value'>{escape(t.formatted())}</p>"
        f"<p class='cb-note'>{escape(t.note)}</p></div>"
        for t in items
    )
    return HTML(f"{STYLE}<div class='cb-tiles'>{cells}</div>")


def notice(text: str) -> HTML:
    """A highlighted sentence, e.g. to say a period has no data."""
    return HTML(f"{STYLE}<p class='cb-notice'>{escape(text)}</p>")


Format = Callable[[object], str]


def integer(value: object) -> str:
    """``1234`` → ``1,234``; missing → ``—``."""
    return "—" if pd.isna(value) else f"{int(value):,}"


def percent(value: object) -> str:
    """``0.1234`` → ``12.3%``; missing → ``—``."""
    return "—" if pd.isna(value) else f"{float(value):.1%}"


def table(
    frame: pd.DataFrame, columns: Mapping[str, str], formats: Mapping[str, Format] | None = None
) -> HTML:
    """A small formatted table: ``columns`` maps frame column → heading, in order.

    Columns with a format are numbers and are right-aligned; others are escaped text.
    """
    formats = formats or {}
    head = "".join(
        f"<th class='{'num' if c in formats else ''}'>{escape(label)}</th>"
        for c, label in columns.items()
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{escape(formats[c](row[c]))}</td>"
            if c in formats
            else f"<td>{escape('' if pd.isna(row[c]) else str(row[c]))}</td>"
            for c in columns
        )
        + "</tr>"
        for _, row in frame.iterrows()
    )
    return HTML(
        f"{STYLE}<table class='cb-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


# --- stakeholder report blocks (sections, KPIs with deltas, badges, lessons, quotes) -----

REPORT_STYLE = """<style>
.cb-section-title { font-size: 21px; margin: 6px 0 4px; padding-bottom: 6px;
  border-bottom: 2px solid #2b6cb0; color: #1a202c; break-after: avoid; }
.cb-intro { color: #4a5568; margin: 4px 0 10px; break-after: avoid; }
.cb-subtitle { font-size: 15px; margin: 16px 0 4px; color: #2d3748; break-after: avoid; }
.cb-kpis { display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0 4px; }
.cb-kpi { flex: 1 1 140px; border: 1px solid #e2e8f0; border-radius: 6px; padding: 7px 10px;
  background: #f7fafc; break-inside: avoid; }
.cb-kpi .cb-label { font-size: 10.5px; text-transform: uppercase; letter-spacing: .04em;
  color: #4a5568; margin: 0; line-height: 1.3; }
.cb-kpi .cb-value { font-size: 22px; font-weight: 700; color: #1a202c; margin: 1px 0;
  font-variant-numeric: tabular-nums; line-height: 1.2; }
.cb-kpi .cb-delta { font-size: 11.5px; margin: 0; color: #718096; line-height: 1.3; }
.cb-delta.better { color: #276749; } .cb-delta.worse { color: #c53030; }
.cb-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; }
.cb-badge.achieved, .cb-badge.on_track { background: #c6f6d5; color: #22543d; }
.cb-badge.at_risk { background: #feebc8; color: #7b341e; }
.cb-badge.off_track, .cb-badge.missed { background: #fed7d7; color: #822727; }
.cb-badge.no_data { background: #edf2f7; color: #4a5568; }
.cb-list { margin: 6px 0 10px; padding-left: 20px; }
.cb-list li { margin: 3px 0; }
.cb-lesson { border-left: 4px solid #c53030; background: #fff5f5; padding: 8px 12px;
  margin: 8px 0; border-radius: 4px; break-inside: avoid; }
.cb-lesson.good { border-left-color: #2f855a; background: #f0fff4; }
.cb-lesson .cb-area { font-size: 11px; text-transform: uppercase; letter-spacing: .05em;
  color: #4a5568; margin: 0; }
.cb-lesson .cb-finding { font-weight: 600; margin: 2px 0; color: #1a202c; }
.cb-lesson .cb-adjust { margin: 2px 0; } .cb-lesson .cb-evidence { margin: 2px 0;
  font-size: 12px; color: #718096; }
.cb-quote { border-left: 3px solid #a0aec0; margin: 6px 0; padding: 4px 12px; color: #2d3748;
  font-style: italic; break-inside: avoid; }
.cb-quote .cb-source { font-style: normal; font-size: 12px; color: #718096; display: block; }
.cb-table.cb-wide { width: 100%; font-size: 13px; margin: 6px 0; }
.cb-table.cb-fixed { table-layout: fixed; }
.cb-table.cb-wide th, .cb-table.cb-wide td { padding: 4px 8px; line-height: 1.35;
  vertical-align: top; }
.cb-table.cb-wide th { vertical-align: bottom; white-space: normal; }
.cb-table.cb-wide td.num { white-space: nowrap; }
.cb-table td.cb-text, .cb-table th { overflow-wrap: break-word; }
.cb-table.cb-fixed td.cb-text { overflow-wrap: anywhere; }
.cb-small { break-inside: avoid; }
@media print {
  .cb-section-title { margin-top: 22px; }
  .cb-table.cb-wide:not(.cb-small) { break-inside: auto; }
  .cb-table.cb-wide tr { break-inside: avoid; }
  .cb-table thead { display: table-header-group; }
}
</style>"""


@dataclass(frozen=True)
class Kpi:
    """A headline number with its change against the previous period.

    ``value`` is already formatted (``"412"``, ``"86%"``); ``delta`` is a short phrase
    (``"+12% vs September"``) and ``verdict`` ``"better"``, ``"worse"`` or ``""``.
    """

    label: str
    value: str
    delta: str = ""
    verdict: str = ""


def section_title(title: str, intro: str = "", *, new_page: bool = True) -> HTML:
    """A section heading with a short intro. ``new_page``: the heading opens a section
    of the report (more space above it). Print never forces a page break — a section
    that ends a few lines into a page would leave it near-blank; the heading and intro
    are kept with what follows instead."""
    page = " cb-page" if new_page else ""
    body = f"<p class='cb-intro'>{escape(intro)}</p>" if intro else ""
    return HTML(f"{REPORT_STYLE}<h2 class='cb-section-title{page}'>{escape(title)}</h2>{body}")


def subtitle(title: str, text: str = "") -> HTML:
    """A sub-heading inside a section, with an optional sentence."""
    body = f"<p class='cb-intro'>{escape(text)}</p>" if text else ""
    return HTML(f"{REPORT_STYLE}<h3 class='cb-subtitle'>{escape(title)}</h3>{body}")


def paragraph(text: str) -> HTML:
    """A plain paragraph (escaped)."""
    return HTML(f"<p>{escape(text)}</p>")


def kpis(items: Iterable[Kpi]) -> HTML:
    """A row of headline numbers with their change, coloured by whether it is better."""
    cells = "".join(
        f"<div class='cb-kpi'><p class='cb-label'>{escape(k.label)}</p>"
        f"<p class='cb-value'>{escape(k.value)}</p>"
        f"<p class='cb-delta {escape(k.verdict)}'>{escape(k.delta)}</p></div>"
        for k in items
    )
    return HTML(f"{REPORT_STYLE}<div class='cb-kpis'>{cells}</div>")


def badge(status: str, label: str) -> str:
    """HTML of a coloured status badge (``status`` is a class: achieved, on_track, …)."""
    return f"<span class='cb-badge {escape(status)}'>{escape(label)}</span>"


#: Tables with at most this many rows are kept on one page in print.
SMALL_TABLE_ROWS = 8  # a taller table may split between rows (its header repeats)


def rich_table(
    header: Iterable[str],
    rows: Iterable[Iterable[object]],
    numeric: Iterable[int] = (),
    widths: Iterable[float] = (),
) -> HTML:
    """A table whose cells are escaped text, or :class:`Markup` for trusted snippets
    (such as :func:`badge`). ``numeric``: indexes of right-aligned columns. ``widths``:
    each column's share of the width (any unit, e.g. percents); without them the
    browser sizes the columns. Long text wraps, so the table always fits the page; a
    table of up to ``SMALL_TABLE_ROWS`` rows is not split across pages in print."""
    right = set(numeric)
    rows = [list(row) for row in rows]
    shares = [float(w) for w in widths]

    def cell(i: int, value: object, tag: str) -> str:
        text = value.html if isinstance(value, Markup) else escape(str(value))
        cls = "num" if i in right else "cb-text"
        return f"<{tag} class='{cls}'>{text}</{tag}>"

    head = "".join(cell(i, h, "th") for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell(i, v, "td") for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    classes = "cb-table cb-wide"
    cols = ""
    if shares:
        total = sum(shares)
        classes += " cb-fixed"
        cols = (
            "<colgroup>"
            + "".join(f"<col style='width: {100 * w / total:.1f}%'>" for w in shares)
            + "</colgroup>"
        )
    if len(rows) <= SMALL_TABLE_ROWS:
        classes += " cb-small"
    return HTML(
        f"{STYLE}{REPORT_STYLE}<table class='{classes}'>{cols}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


@dataclass(frozen=True)
class Markup:
    """Trusted HTML for :func:`rich_table` cells (built by this module, e.g. a badge)."""

    html: str


def bullets(items: Iterable[str]) -> HTML:
    """A bulleted list of sentences (escaped)."""
    return HTML(
        f"{REPORT_STYLE}<ul class='cb-list'>"
        + "".join(f"<li>{escape(t)}</li>" for t in items)
        + "</ul>"
    )


def lesson(
    area: str, finding: str, adjustment: str, evidence: str = "", good: bool = False
) -> HTML:
    """A lesson learned: the finding, the proposed adjustment and the evidence."""
    return HTML(
        f"{REPORT_STYLE}<div class='cb-lesson{' good' if good else ''}'>"
        f"<p class='cb-area'>{escape(area)}</p><p class='cb-finding'>{escape(finding)}</p>"
        f"<p class='cb-adjust'>Proposed: {escape(adjustment)}</p>"
        + (f"<p class='cb-evidence'>{escape(evidence)}</p>" if evidence else "")
        + "</div>"
    )


def quotes(items: Iterable[tuple[str, str]]) -> HTML:
    """Member quotes ``(text, source)`` as block quotes; the text is escaped."""
    return HTML(
        REPORT_STYLE
        + "".join(
            f"<blockquote class='cb-quote'>“{escape(text)}”"
            f"<span class='cb-source'>{escape(source)}</span></blockquote>"
            for text, source in items
        )
    )
