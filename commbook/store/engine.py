"""Engines and sessions: one place that knows how to open the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from commbook.config import get_settings
from commbook.errors import CommbookError, ConflictError


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), created once per URL.

    SQLite files get WAL journaling, foreign keys and a busy timeout; their folder is
    created if missing.
    """
    return _engine(url or get_settings().database_url)  # resolved first: the cache is by URL


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CommbookError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise CommbookError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
            "expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        ) from exc


@contextmanager
def session_scope(url: str | None = None, actor: str | None = None) -> Iterator[Session]:
    """A session that commits on success, rolls back on error.

    ``actor`` is recorded in the audit log for every planning change made in it.
    A save that lost an optimistic-locking race raises ``ConflictError``.
    """
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    session = factory()
    session.info["actor"] = actor or get_settings().user
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            "this record was changed by someone else since you opened it; "
            "reload to see their changes, then apply yours again"
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
