"""Run a report notebook for a period and publish it: ipynb + HTML (+ PDF), atomically.

``run_report`` validates the parameters against the notebook's ``parameters`` cell,
executes it with Papermill in a temporary folder beside the destination, converts it, and
only then swaps the folder into ``<reports_dir>/<name>/<period label>/`` (``name``
defaults to the notebook's stem). A failed run leaves the previous report untouched, keeps
the executed notebook as ``report.failed.ipynb`` and raises ``ReportFailed`` naming the
failing cell. Every run is recorded in the ``report_runs`` table, and
``<reports_dir>/index.html`` is refreshed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from commbook import clock
from commbook.config import get_settings
from commbook.errors import CommbookError, NotFound, ValidationError
from commbook.reports import export
from commbook.reports.index import META, write_index
from commbook.reports.parameters import declared_parameters, validate_parameters
from commbook.reports.periods import Period
from commbook.store import ReportRun, session_scope

FORMATS = ("html", "pdf")
KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds per cell


class ReportFailed(CommbookError):
    """The notebook failed to run or convert; the previous report was kept."""

    def __init__(self, message: str, *, failed_notebook: Path | None = None) -> None:
        self.failed_notebook = failed_notebook
        where = f" (executed notebook kept at {failed_notebook})" if failed_notebook else ""
        super().__init__(message + where)


@dataclass(frozen=True)
class RunResult:
    """What a successful run produced."""

    run_id: int
    notebook: Path
    period: Period
    directory: Path
    outputs: dict[str, Path] = field(default_factory=dict)  # "ipynb", "html", "pdf"
    seconds: float = 0.0


def resolve_notebook(name_or_path: str | Path) -> Path:
    """A notebook path as given, or a name (``report``) looked up in the notebooks folder."""
    path = Path(name_or_path)
    if path.is_file():
        return path.resolve()
    folder = get_settings().notebooks_dir
    for candidate in (folder / path, folder / f"{path}.ipynb"):
        if candidate.is_file():
            return candidate.resolve()
    raise NotFound(
        f"notebook not found: {name_or_path} (looked in the current folder and {folder})"
    )


def run_report(
    notebook: Path,
    *,
    period: str,
    params: Mapping[str, Any] | None = None,
    formats: Iterable[str] = ("html",),
    out_dir: Path | None = None,
    url: str | None = None,
    timeout: int = CELL_TIMEOUT,
    name: str | None = None,
    run_info: Mapping[str, Any] | None = None,
) -> RunResult:
    """Execute ``notebook`` for ``period`` and publish its outputs; see the module docstring.

    ``params`` are the notebook's other parameters (checked before anything runs);
    ``formats`` any of ``html``, ``pdf`` (the executed ``.ipynb`` is always kept);
    ``out_dir`` the reports folder (default: configured); ``url`` the store, passed to the
    notebook as ``database_url`` and used to record the run; ``name`` the report's folder
    and run name (default: the notebook's stem, e.g. a schedule name instead); ``run_info``
    extra ``report_runs`` columns to set (e.g. ``schedule``, ``attempt``, ``trigger``).
    """
    settings = get_settings()
    notebook = Path(notebook)
    if not notebook.is_file():
        raise NotFound(f"notebook not found: {notebook}")
    notebook = notebook.resolve()
    wanted = _formats(formats)
    declared = declared_parameters(notebook)
    values = validate_parameters(declared, dict(params or {}), notebook=notebook.name)
    if "period" not in declared:
        raise ValidationError("the notebook has no 'period' parameter", file=notebook.name)
    if "period" in values:
        raise ValidationError("pass the period with period=/--period, not as a parameter")
    # a relative period ("last_month") is resolved against the data, as every surface does:
    # a month with no data because the last import is older moves back to the data
    resolved = clock.choose_period(period, url, tz=settings.timezone).period
    values["period"] = resolved.label  # concrete: the notebook sees the same period
    if url:
        if "database_url" not in declared:
            raise ValidationError(
                "a store URL was given but the notebook has no 'database_url' parameter",
                file=notebook.name,
            )
        values["database_url"] = url

    name = _report_name(name or notebook.stem)
    extra = _run_info(run_info)
    root = Path(out_dir or settings.reports_dir).resolve()
    target = root / name / resolved.label
    target.parent.mkdir(parents=True, exist_ok=True)
    title = values.get("title", declared["title"].default if "title" in declared else None)
    run_id = _start_run(url, name, notebook, resolved, values, extra)
    started = time.monotonic()

    work = Path(tempfile.mkdtemp(prefix=f".{resolved.label}.run-", dir=target.parent))
    executed = work / "report.ipynb"
    try:
        try:
            _execute(notebook, executed, values, timeout)
            html_title = f"{title} — {resolved.title}" if title else resolved.title
            outputs = {"ipynb": executed}
            if "html" in wanted or "pdf" in wanted:
                outputs["html"] = export.to_html(executed, work / "report.html", title=html_title)
            if "pdf" in wanted:
                outputs["pdf"] = export.to_pdf(outputs["html"], work / "report.pdf")
            if "html" not in wanted:
                outputs.pop("html").unlink()
            _write_meta(work / META, title, resolved, values)
        except Exception as exc:  # any failure: keep the old report, record it
            failed = _keep_failed(executed, target)
            message = _describe_failure(exc, executed if executed.exists() else None)
            _finish_run(url, run_id, "failed", {"failed_notebook": str(failed or "")}, message)
            write_index(root)
            raise ReportFailed(message, failed_notebook=failed) from exc
        _publish(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    final = {kind: target / path.name for kind, path in outputs.items()}
    _finish_run(url, run_id, "ok", {k: str(v) for k, v in final.items()}, None)
    write_index(root)
    return RunResult(
        run_id=run_id,
        notebook=notebook,
        period=resolved,
        directory=target,
        outputs=final,
        seconds=time.monotonic() - started,
    )


def _formats(formats: Iterable[str]) -> set[str]:
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted = {f.strip().lower() for f in formats if f.strip()}
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValidationError(
            f"unknown format(s) {', '.join(sorted(unknown))} (use {', '.join(FORMATS)})",
            field="format",
        )
    return wanted


def _execute(notebook: Path, executed: Path, values: Mapping[str, Any], timeout: int) -> None:
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters=dict(values),
        kernel_name=KERNEL,
        execution_timeout=timeout,
        progress_bar=False,
        log_output=False,
        cwd=str(notebook.parent),
    )


def _describe_failure(exc: Exception, executed: Path | None) -> str:
    if isinstance(exc, PapermillExecutionError):
        cell = _failing_cell(executed)
        where = f"cell In [{exc.exec_count}]" + (f" ({cell})" if cell else "")
        return f"the notebook failed in {where}: {exc.ename}: {exc.evalue}"
    if isinstance(exc, CommbookError):
        return str(exc)
    return f"the report could not be produced: {type(exc).__name__}: {exc}"


def _failing_cell(executed: Path | None) -> str:
    """The first line of the cell whose output is an error, for the message."""
    if executed is None:
        return ""
    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.outputs):
            first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
            return f"starting `{first[:80]}`"
    return ""


def _keep_failed(executed: Path, target: Path) -> Path | None:
    """Copy the executed notebook to ``target/report.failed.ipynb`` (atomically)."""
    if not executed.exists():
        return None
    target.mkdir(parents=True, exist_ok=True)
    failed = target / "report.failed.ipynb"
    tmp = target / ".report.failed.ipynb.tmp"
    shutil.copyfile(executed, tmp)
    os.replace(tmp, failed)
    return failed


def _write_meta(path: Path, title: str | None, period: Period, values: Mapping[str, Any]) -> None:
    shown = {k: v for k, v in values.items() if k != "database_url"}  # may hold a password
    meta = {
        "title": title,
        "period": period.label,
        "period_title": period.title,
        "generated_at": dt.datetime.now(period.tz).strftime("%Y-%m-%d %H:%M %Z"),
        "parameters": shown,
    }
    path.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")


def _publish(work: Path, target: Path) -> None:
    """Swap ``work`` in as ``target``; the old folder is removed only after the swap."""
    work.chmod(0o755)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(target, old)
    try:
        os.rename(work, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def _report_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            f"report name {name!r} must be letters, digits, '.', '_' or '-' (it names a folder)",
            field="name",
        )
    return name


def _run_info(run_info: Mapping[str, Any] | None) -> dict[str, Any]:
    columns = set(ReportRun.__table__.columns.keys())
    reserved = {"id", "name", "notebook", "period", "parameters", "status", "outputs", "error"}
    extra = dict(run_info or {})
    for key in extra:
        if key not in columns or key in reserved:
            raise ValidationError(f"report_runs has no settable column {key!r}", field=key)
    return extra


def _start_run(
    url: str | None,
    name: str,
    notebook: Path,
    period: Period,
    values: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> int:
    shown = {k: v for k, v in values.items() if k != "database_url"}
    with session_scope(url) as session:
        run = ReportRun(
            name=name,
            notebook=str(notebook),
            period=period.label,
            parameters=json.loads(json.dumps(shown, default=str)),
            status="running",
            started_at=dt.datetime.now(dt.UTC),
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        for key, value in extra.items():
            setattr(run, key, value)
        session.add(run)
        session.flush()
        return run.id


def _finish_run(
    url: str | None, run_id: int, status: str, outputs: dict[str, str], error: str | None
) -> None:
    with session_scope(url) as session:
        run = session.get(ReportRun, run_id)
        assert run is not None
        run.status = status
        run.finished_at = dt.datetime.now(dt.UTC)
        run.outputs = outputs
        run.error = error
