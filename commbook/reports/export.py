"""Executed notebook → offline HTML (nbconvert) → PDF (headless Chromium)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from commbook.errors import CommbookError

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "commbook_report"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT = 120  # seconds


def to_html(notebook: Path, html: Path, *, title: str | None = None) -> Path:
    """Write ``notebook`` as a self-contained HTML page without code.

    The page loads nothing from the network: the template drops require.js, MathJax,
    Mermaid and the widget manager, and charts are embedded SVG.
    """
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        mathjax_url="",
        require_js_url="",
        embed_images=True,
    )
    body, _resources = exporter.from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")
    return html


#: Flags for headless Chromium on a machine with no network and no screen, used by every
#: caller (PDF printing here; the browser tests and docs/screenshots.py through Playwright):
#: no sandbox (root in CI), no GPU, and none of the background requests to Google's hosts.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    """The Chromium (or Chrome) executable, or a clear error when there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise CommbookError("PDF output needs Chromium: install it (apt-get install chromium)")


def to_pdf(html: Path, pdf: Path, *, timeout: float = PDF_TIMEOUT) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (A4, page size from the CSS)."""
    with tempfile.TemporaryDirectory(prefix="commbook-chromium-") as profile:
        cmd = [
            chromium_path(),
            "--headless",
            *CHROMIUM_ARGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise CommbookError(f"Chromium did not print the PDF within {timeout:.0f} s") from exc
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise CommbookError(
            f"Chromium could not print the PDF (exit {done.returncode}): {detail[0]}"
        )
    return pdf
