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
