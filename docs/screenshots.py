"""Regenerate the report and dashboard images in ``docs/img/`` from a fresh sample demo.

Rewrites exactly four files, nothing else:

- ``docs/img/report-page-1.png``, ``report-page-2.png``, ``report-page-3.png`` — the first
  three pages of ``commbook report run report --period last_month --format pdf``, rendered
  with ``pdftoppm -png -r 70`` (A4 at 70 dpi: 579 × 819 px);
- ``docs/img/dashboard.png`` — the dashboard app, default view ("Last month"), as a
  1440 × 900 browser window shows it.

The demo is what a new user gets: a throw-away ``COMMBOOK_HOME`` (a temporary folder),
``commbook db upgrade``, ``commbook samples load`` (the sample dates are moved so the data
ends yesterday) and the report for last month. The clock is fixed with ``COMMBOOK_TODAY``
(``--today``, default 2026-12-04) so the images only change when the code does.

Run from the repository root, offline (nothing is downloaded; the apps load nothing from the
internet)::

    .venv/bin/python docs/screenshots.py              # today = 2026-12-04
    .venv/bin/python docs/screenshots.py --today 2027-01-15 --keep /tmp/cbdemo

Needs ``pdftoppm`` (Debian ``poppler-utils``), Debian's Chromium at ``/usr/bin/chromium``
(``--chromium`` to change it) and the venv's ``playwright`` package (its own browser download
is not used). Takes about a minute. The other images in ``docs/img/`` are written by the
browser tests (``COMMBOOK_UPDATE_SCREENSHOTS=1``), not by this script.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from commbook.reports import export

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = list(export.CHROMIUM_ARGS)
VIEWPORT = {"width": 1440, "height": 900}
REPORT_PAGES = 3
DPI = 70


def commbook(env: dict[str, str], *args: str) -> None:
    """Run ``commbook ARGS`` with ``env``; stop on failure."""
    subprocess.run([str(BIN / "commbook"), *args], env=env, check=True, cwd=ROOT)


def make_demo(home: Path, today: str) -> dict[str, str]:
    """A fresh sample store in ``home``; the environment the commands and apps use."""
    shutil.rmtree(home, ignore_errors=True)
    (home / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "samples", home / "data" / "samples")
    env = dict(os.environ)
    for key in list(env):  # a developer's own store or clock must not leak into the demo
        if key.startswith("COMMBOOK_"):
            del env[key]
    env.update(
        COMMBOOK_HOME=str(home),
        COMMBOOK_TODAY=today,
        COMMBOOK_NOTEBOOKS_DIR=str(ROOT / "notebooks"),
    )
    commbook(env, "db", "upgrade")
    commbook(env, "samples", "load")
    return env


def report_pages(env: dict[str, str], home: Path) -> list[Path]:
    """Run last month's report as PDF; its first pages as PNGs in docs/img."""
    commbook(env, "report", "run", "report", "--period", "last_month", "--format", "pdf")
    pdfs = sorted((home / "reports" / "report").glob("*/report.pdf"))
    if len(pdfs) != 1:
        raise SystemExit(f"expected one report PDF, found {[str(p) for p in pdfs]}")
    out = Path(tempfile.mkdtemp(prefix="cbpages-"))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(DPI),
            "-f",
            "1",
            "-l",
            str(REPORT_PAGES),
            str(pdfs[0]),
            str(out / "page"),
        ],
        check=True,
    )
    pages = sorted(out.glob("page-*.png"))
    if len(pages) != REPORT_PAGES:
        raise SystemExit(f"the report has fewer than {REPORT_PAGES} pages")
    written = []
    for number, page in enumerate(pages, start=1):
        target = IMG / f"report-page-{number}.png"
        shutil.copyfile(page, target)
        written.append(target)
    shutil.rmtree(out)
    return written


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("commbook apps serve stopped; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the apps did not answer on {url} within {timeout:.0f} s")


def dashboard(env: dict[str, str], chromium: str) -> Path:
    """Serve the apps, open the dashboard at 1440 × 900 and screenshot the window."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "commbook"), "apps", "serve", "--port", str(port), "--no-preheat"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    target = IMG / "dashboard.png"
    off_machine: list[str] = []
    try:
        wait_for_server(base + "/", server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.on(
                "request",
                lambda r: (
                    off_machine.append(r.url)
                    if r.url.startswith(("http:", "https:")) and not r.url.startswith(base)
                    else None
                ),
            )
            page.goto(base + "/voila/render/dashboard.ipynb")
            # the app, not Voilà's "Loading…" box: tiles filled in and both charts drawn
            page.locator(".cb-kpi .cb-kpi-value").first.wait_for(timeout=90_000)
            page.locator(".cb-dash-chart-activity svg").first.wait_for(timeout=30_000)
            page.locator(".cb-dash-chart-content svg").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # let the charts finish their layout
            page.screenshot(path=str(target), animations="disabled")
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    if off_machine:
        raise SystemExit(f"the dashboard requested something off the machine: {off_machine}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", default="2026-12-04", help="COMMBOOK_TODAY for the demo")
    parser.add_argument("--keep", type=Path, help="build the demo here and keep it")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    home = args.keep or Path(tempfile.mkdtemp(prefix="cbdemo-"))
    env = make_demo(home, args.today)
    written = report_pages(env, home)
    written.append(dashboard(env, args.chromium))
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
