"""``<reports_dir>/index.html``: one offline page listing every generated report."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from commbook.errors import ValidationError
from commbook.reports.periods import resolve_period

META = "report.json"  # written beside each report by the runner


@dataclass(frozen=True)
class ReportEntry:
    """One report folder ``<root>/<group…>/<period label>/``.

    ``name`` is the folder's parent relative to the root: ``report`` for
    ``reports/report/2026-10/``, ``monthly-stakeholders/report`` for a scheduled report in
    ``reports/monthly-stakeholders/report/2026-10/``.
    """

    name: str
    label: str
    folder: Path
    title: str
    period_title: str
    generated_at: str
    files: dict[str, Path]
    failed: bool  # a failed run is newer than the report (or there is no report yet)


_FILES = {"html": "report.html", "pdf": "report.pdf", "ipynb": "report.ipynb"}
FAILED = "report.failed.ipynb"
MAX_DEPTH = 8  # folders below the root searched for reports


def scan(root: Path) -> list[ReportEntry]:
    """Every report folder under ``root``, at any depth: grouped by their parent folder
    (alphabetically), newest period first within a group.

    A report folder holds ``report.json`` (or at least a report file, or the failed
    notebook of a first run that failed). Hidden folders (a run in progress, an old
    report being swapped out) are skipped, and symbolic links are not followed.
    """
    entries = []
    if not root.is_dir():
        return entries
    for folder in _report_folders(root):
        files = {kind: folder / n for kind, n in _FILES.items() if (folder / n).is_file()}
        failed_nb = folder / FAILED
        meta = _read_meta(folder / META)
        newest = max((f.stat().st_mtime for f in files.values()), default=0.0)
        group = folder.parent.relative_to(root).as_posix()
        group = root.name if group == "." else group
        entries.append(
            ReportEntry(
                name=group,
                label=folder.name,
                folder=folder,
                title=str(meta.get("title") or folder.parent.name),
                period_title=str(meta.get("period_title") or folder.name),
                generated_at=str(meta.get("generated_at") or ""),
                files=files,
                failed=failed_nb.is_file() and failed_nb.stat().st_mtime >= newest,
            )
        )
    entries.sort(key=_newest_first)
    entries.sort(key=lambda e: e.name)  # stable: groups by name, newest first inside
    return entries


def _report_folders(root: Path) -> list[Path]:
    found = []
    markers = {META, FAILED, *_FILES.values()}
    for top, dirs, names in os.walk(root):
        here = Path(top)
        depth = len(here.relative_to(root).parts)
        if depth and markers.intersection(names):
            found.append(here)
            dirs.clear()  # a report folder holds no other report
            continue
        dirs[:] = [d for d in dirs if not d.startswith(".")] if depth < MAX_DEPTH else []
    return found


def _newest_first(entry: ReportEntry) -> tuple[float, float, str]:
    """Sort key: the newest period first (the period's end, then its start), then the
    most recently written; labels that are not periods sort by their files' age."""
    try:
        period = resolve_period(entry.label)
        end, start = period.end.timestamp(), period.start.timestamp()
    except ValidationError:
        stamps = [p.stat().st_mtime for p in entry.files.values()] or [0.0]
        end = start = max(stamps)
    return (-end, -start, entry.label)


def _read_meta(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _href(root: Path, path: Path) -> str:
    return quote(path.relative_to(root).as_posix())


def render(root: Path, entries: list[ReportEntry]) -> str:
    """The index page as HTML text (all text escaped, no external resources)."""
    sections = []
    for name in dict.fromkeys(e.name for e in entries):
        rows = []
        for e in (x for x in entries if x.name == name):
            links = " · ".join(
                f'<a href="{_href(root, path)}">{kind.upper()}</a>'
                for kind, path in e.files.items()
            )
            status = ""
            if e.failed:
                failed = _href(root, e.folder / "report.failed.ipynb")
                status = (
                    f'<span class="failed">last run failed — '
                    f'<a href="{failed}">failed notebook</a></span>'
                )
            rows.append(
                "<tr>"
                f"<td>{escape(e.period_title)}<div class='muted'>{escape(e.label)}</div></td>"
                f"<td>{escape(e.title)}</td>"
                f"<td>{escape(e.generated_at)}</td>"
                f"<td>{links or '—'} {status}</td>"
                "</tr>"
            )
        heading = " › ".join(escape(part) for part in name.split("/"))
        sections.append(
            f"<h2>{heading}</h2><table><thead><tr><th>Period</th><th>Title</th>"
            f"<th>Generated</th><th>Files</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    body = "".join(sections) or "<p>No reports yet. Run <code>commbook report run</code>.</p>"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reports</title>
<style>
body {{ font: 15px/1.5 Helvetica, Arial, sans-serif; color: #1a202c; margin: 0;
  background: #edf2f7; }}
main {{ max-width: 900px; margin: 24px auto; background: #fff; padding: 28px 40px;
  border-radius: 8px; }}
h1 {{ margin: 0 0 4px; }} h2 {{ margin-top: 28px; border-bottom: 1px solid #e2e8f0; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 6px 8px; border-bottom: 1px solid #e2e8f0;
  vertical-align: top; }}
th {{ color: #4a5568; font-weight: 600; }}
.muted {{ color: #718096; font-size: 12px; }}
.failed {{ color: #c53030; font-size: 13px; }}
a {{ color: #2b6cb0; }}
</style></head>
<body><main><h1>Reports</h1><p class="muted">Updated {escape(now)}</p>{body}</main></body>
</html>
"""


def write_index(root: Path) -> Path:
    """Write (or refresh) ``root/index.html`` atomically; return its path."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / "index.html"
    text = render(root, scan(root))
    fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".html", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
