"""Browser-test harness: a real Voilà server and Debian's Chromium driven by Playwright.

Reuse it for every app::

    from voila_harness import open_app, voila_server

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        store = new_store(tmp_path_factory.mktemp("store"))
        with voila_server(NOTEBOOKS, env=store.env) as base_url:
            yield base_url

    @pytest.mark.browser
    def test_something(server, app_page):        # app_page: tests/conftest.py
        open_app(app_page, server, "planning.ipynb")
        ...

- ``voila_server`` starts ``python -m voila`` on a free loopback port with the commbook
  template (no CDN), waits until it answers and stops it — kernels included — afterwards.
- ``launch_chromium`` opens ``/usr/bin/chromium`` headless; ``RequestLog`` records every
  request of a browser context so a test can prove the app made no external one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from conftest import free_port
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from commbook.reports import export
from commbook.store import get_engine, upgrade
from commbook.widgets.serve import voila_command, voila_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = Path(os.environ.get("COMMBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = list(export.CHROMIUM_ARGS)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: The first page of an app starts a kernel and runs the notebook: ~3.5 s here, slower on CI.
APP_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Store:
    """A migrated SQLite store in ``folder`` and the environment that points commbook at it."""

    url: str
    env: dict[str, str]


def new_store(folder: Path, user: str = "browser-tester") -> Store:
    """Create and migrate ``folder/commbook.db``; ``env`` is for the Voilà server."""
    url = f"sqlite:///{folder / 'commbook.db'}"
    upgrade(url)
    get_engine(url).dispose()
    env = {
        "COMMBOOK_HOME": str(folder),
        "COMMBOOK_DATABASE_URL": url,
        "COMMBOOK_REPORTS_DIR": str(folder / "reports"),
        "COMMBOOK_USER": user,
    }
    return Store(url=url, env=env)


@contextmanager
def voila_server(
    target: Path = NOTEBOOKS,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    log: Path | None = None,
    preheat: bool = False,
) -> Iterator[str]:
    """Serve ``target`` with Voilà; yield its base URL (``http://127.0.0.1:PORT``).

    ``preheat``: with the kernel pool ``commbook apps serve`` uses (``voila_command``);
    off by default so that each test's page runs its notebook when it is opened.

    ``env`` is added to this process's environment (e.g. ``COMMBOOK_DATABASE_URL``).
    The server runs in its own process group; at exit it gets SIGTERM (Voilà then shuts
    its kernels down), and anything still alive after 10 s — kernels included, which run
    in their own sessions — is killed. The server's output goes to ``log`` (default: a file
    next to the store, or a temp file); it is quoted when the server fails to start.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    if log is None:
        home = (env or {}).get("COMMBOOK_HOME")
        log = Path(home) / "voila.log" if home else Path(f"/tmp/commbook-voila-{port}.log")
    full_env = voila_env({**os.environ, **(env or {})})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            # no retry on the next port: the URL we wait on must be the one it serves
            voila_command(target, port=port, extra=["--Voila.port_retries=0"], preheat=preheat),
            env=full_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(proc, base_url, timeout, log)
        yield base_url
    finally:
        _stop(proc)


def _wait_until_up(proc: subprocess.Popen, base_url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base_url}/voila/tree", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"voila did not answer on {base_url} within {timeout:.0f}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (they run in their own sessions) in a few seconds.

    The kernels get SIGTERM first: Voilà's own graceful shutdown asks each kernel in turn
    and takes seconds per kernel, which a throwaway test server does not need.
    """
    try:
        kernels = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    for kernel in kernels:
        with suppress(psutil.NoSuchProcess):
            kernel.terminate()
    psutil.wait_procs(kernels, timeout=5)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    _, alive = psutil.wait_procs(kernels, timeout=1)
    for leftover in alive:
        with suppress(psutil.NoSuchProcess):
            leftover.kill()


@contextmanager
def launch_chromium(headless: bool = True) -> Iterator[Browser]:
    """Debian's Chromium under Playwright (Playwright's own browser download is not used)."""
    with sync_playwright() as p:
        browser = _launch(p, headless)
        try:
            yield browser
        finally:
            browser.close()


def _launch(p: Playwright, headless: bool) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=headless, args=CHROMIUM_ARGS)


@dataclass
class RequestLog:
    """Every URL a browser context requested; ``external`` are the non-loopback ones."""

    urls: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> RequestLog:
        context.on("request", lambda request: self.urls.append(request.url))
        return self

    @property
    def external(self) -> list[str]:
        return [u for u in self.urls if not is_local(u)]


def is_local(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for in-page ones (data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOOPBACK or (parts.hostname or "").startswith("127.")


def app_url(base_url: str, notebook: str) -> str:
    """The URL of one app when Voilà serves a folder."""
    return f"{base_url}/voila/render/{notebook}"


def open_app(page: Page, base_url: str, notebook: str, ready: str = ".cb-app") -> Page:
    """Load an app and wait until the element ``ready`` is visible (the kernel has run)."""
    return open_apps([page], base_url, notebook, ready)[0]


def open_apps(
    pages: list[Page], base_url: str, notebook: str, ready: str = ".cb-app"
) -> list[Page]:
    """Load an app in several pages at once (their kernels start in parallel), then wait."""
    for page in pages:
        page.goto(app_url(base_url, notebook), wait_until="commit")
    for page in pages:
        page.locator(ready).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    return pages
