"""End-to-end stakeholder report on 1M events: Papermill → HTML → PDF, full detail.

commbook side: ``run_report(notebooks/report.ipynb, detail="full", formats=html,pdf)`` for the
last month of a generated community (~1M events over 12 months) in a SQLite store. Reference:
Papermill executing an empty notebook — the kernel floor every report pays. The ratio says
how many "empty notebooks" the full report costs; the goal is under 20 s in absolute terms
on 2 cores.

Phases are recorded too: ``setup_s`` (the notebook's data-loading and computing cell),
``cells_s`` (every cell, incl. chart rendering) and ``convert_s`` (the rest: kernel start,
HTML export, PDF printing, publishing).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import nbformat
import papermill

from benchmarks.common import DATA, best_of, emit, sample_set
from commbook.reports.runner import run_report
from commbook.store import upgrade

MEMBERS, EVENTS = 50_000, 1_000_000
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
PERIOD = "2026-10"  # the generated set's last month (it ends on 31 Oct 2026)


def store_file() -> Path:
    """The generated set loaded into a SQLite store, made once and cached in ``DATA``."""
    from commbook.samples import load_samples
    from commbook.store import get_engine

    db = DATA / f"report_m{MEMBERS}_e{EVENTS}_s7.db"
    if not db.exists():
        partial = db.with_suffix(".partial.db")
        partial.unlink(missing_ok=True)
        url = f"sqlite:///{partial}"
        load_samples(sample_set(MEMBERS, EVENTS), url)
        get_engine(url).dispose()
        with sqlite3.connect(partial) as con:  # fold the WAL into the file before renaming
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("PRAGMA journal_mode=DELETE")
        partial.rename(db)
    return db


def _empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, path)
    return path


def _cell_seconds(executed: Path) -> tuple[float, float]:
    nb = nbformat.read(executed, as_version=4)
    durations = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells]
    setup = next(
        (d for c, d in zip(nb.cells, durations, strict=True) if "load_report_data(" in c.source),
        0.0,
    )
    return setup, sum(durations)


def main() -> None:
    source = store_file()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "store.db"
        shutil.copy(source, db)  # runs are recorded in the store: keep the cache pristine
        url = f"sqlite:///{db}"
        upgrade(url)  # the cache may predate the newest migration
        with sqlite3.connect(db) as con:
            events = con.execute("SELECT count(*) FROM activity_events").fetchone()[0]

        empty = _empty_notebook(work / "empty.ipynb")
        reference_s, _ = best_of(
            lambda: papermill.execute_notebook(
                str(empty), str(work / "empty.out.ipynb"), kernel_name="python3",
                progress_bar=False,
            ),
            repeat=2,
        )  # fmt: skip

        def report():
            return run_report(
                NOTEBOOK,
                period=PERIOD,
                params={"detail": "full", "title": "Benchmark community"},
                formats=("html", "pdf"),
                url=url,
                out_dir=work / "reports",
            )

        commbook_s, result = best_of(report, repeat=2)
        setup_s, cells_s = _cell_seconds(result.outputs["ipynb"])
        emit(
            "report_full_1m_events",
            commbook_s=commbook_s,
            reference_s=reference_s,
            events=events,
            setup_s=round(setup_s, 2),
            cells_s=round(cells_s, 2),
            convert_s=round(commbook_s - cells_s, 2),
            pdf_kb=round(result.outputs["pdf"].stat().st_size / 1024),
            goal_s=20,
        )


if __name__ == "__main__":
    main()
