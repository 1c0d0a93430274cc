"""Shared fixtures: real SQLite files and a real, throwaway PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from commbook.store import get_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("COMMBOOK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server tools as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL cluster on a free loopback port; yield its base URL.

    Fails (not skips) when PostgreSQL is missing: CI installs it, and a store that was
    never tested on PostgreSQL must not pass silently. Set COMMBOOK_SKIP_POSTGRES=1 to
    skip deliberately on a machine without it.
    """
    if os.environ.get("COMMBOOK_SKIP_POSTGRES") == "1":
        pytest.skip("COMMBOOK_SKIP_POSTGRES=1")
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL not found in {PG_BIN} (apt-get install postgresql)")
    tmp = Path(tempfile.mkdtemp(prefix="commbook-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", free_port()
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "cb"]),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
                "-l",
                str(tmp / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://cb@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


_db_counter = iter(range(10**6))


def _new_postgres_db(base_url: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"t{os.getpid()}_{next(_db_counter)}"
    admin = create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base_url}/{name}"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample community, loaded once per run into a SQLite file.

    Read-only: tests that use the sample data take a copy with ``copy_sample_db``.
    """
    from commbook.samples import load_samples

    path = tmp_path_factory.mktemp("sample-db") / "commbook.db"
    url = f"sqlite:///{path}"
    load_samples(ROOT / "data" / "samples", url, actor="samples")
    engine = get_engine(url)
    with engine.connect() as conn:  # fold the WAL into the file so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def sample_env(home: Path, url: str, tz: str = "UTC", today: str = "2026-11-24") -> dict:
    """The environment of a store of the sample community: its home, reports folder,
    timezone, user and a fixed clock (``COMMBOOK_TODAY``), never the machine's."""
    return {
        "COMMBOOK_HOME": str(home),
        "COMMBOOK_DATABASE_URL": url,
        "COMMBOOK_REPORTS_DIR": str(home / "reports"),
        "COMMBOOK_TIMEZONE": tz,
        "COMMBOOK_USER": "tester",
        "COMMBOOK_TODAY": today,
    }


def copy_sample_db(sample_db: Path, folder: Path) -> str:
    """Copy the loaded sample store to ``folder/commbook.db``; return its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "commbook.db"
    shutil.copyfile(sample_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite store in a temporary file."""
    url = f"sqlite:///{tmp_path / 'commbook.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store — once as a SQLite file, once as a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'commbook.db'}"
    else:
        url = _new_postgres_db(request.getfixturevalue("postgres_server"))
    upgrade(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def cb_env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running commbook (in-process or as a subprocess) on a temp store."""
    env = {
        "COMMBOOK_HOME": str(tmp_path),
        "COMMBOOK_DATABASE_URL": sqlite_url,
        "COMMBOOK_REPORTS_DIR": str(tmp_path / "reports"),
        "COMMBOOK_USER": "tester",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}


# ==== browser tests (Voilà + Chromium) — owned by the apps work; helpers in voila_harness.py ====


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium under Playwright, one per test module.

    Module scope, not session: Playwright's sync API keeps an event loop running in this
    thread while it is open, which would break later asyncio users (Papermill, nbclient).
    Fails when Chromium is missing; COMMBOOK_SKIP_BROWSER=1 skips deliberately.
    """
    if os.environ.get("COMMBOOK_SKIP_BROWSER") == "1":
        pytest.skip("COMMBOOK_SKIP_BROWSER=1")
    from voila_harness import launch_chromium

    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def browser_contexts(chromium):
    """Factory of fresh browser contexts (one per simulated user), closed afterwards.

    Every request of every context is recorded; the test fails if any left the machine
    (the apps must work offline).
    """
    from voila_harness import RequestLog

    made = []

    def new_context():
        context = chromium.new_context(
            viewport={"width": 1360, "height": 900}, locale="en-GB", timezone_id="UTC"
        )
        made.append((context, RequestLog().attach(context)))
        return context

    yield new_context
    for context, _ in made:
        context.close()
    external = sorted({url for _, log in made for url in log.external})
    if external:
        pytest.fail(f"the app requested non-loopback URLs (it must work offline): {external}")


@pytest.fixture(scope="module")
def server(store):
    """A Voilà server for the test module, on the module's own ``store`` fixture.

    ``store`` is a ``voila_harness.Store`` each browser module defines; a module that needs
    a different environment defines its own ``server``.
    """
    from voila_harness import voila_server

    with voila_server(env=store.env) as base_url:
        yield base_url


@pytest.fixture
def app_page(browser_contexts):
    """A page in a fresh context whose requests must all stay on loopback."""
    return browser_contexts().new_page()


# ==== end of browser tests block ====
