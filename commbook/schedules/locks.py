"""Job locks in the store: at most one process runs a given job, across hosts.

A lock is a ``job_locks`` row keyed by the job's name. Taking it is one INSERT (the
primary key makes the second taker fail); taking over a stale lock is one conditional
UPDATE on the old holder, so of two schedulers racing for it exactly one wins. The holder
refreshes ``heartbeat_at`` while it works; a lock is stale when its process is gone from
this host, or when its heartbeat is older than the timeout (a crashed host).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from commbook.store import JobLock, get_engine

log = logging.getLogger(__name__)

HOST = socket.gethostname()
LOCK_TIMEOUT = dt.timedelta(minutes=5)
HEARTBEAT_EVERY = dt.timedelta(seconds=30)

Now = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs on this host (a zombie counts as gone)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


@dataclass(frozen=True)
class LockState:
    """A lock row as read from the store."""

    name: str
    holder: str
    host: str
    pid: int
    acquired_at: dt.datetime
    heartbeat_at: dt.datetime

    def stale(self, now: dt.datetime, timeout: dt.timedelta = LOCK_TIMEOUT) -> bool:
        if self.host == HOST and not pid_alive(self.pid):
            return True
        return self.heartbeat_at < now - timeout

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"


def read_lock(name: str, url: str | None = None) -> LockState | None:
    with get_engine(url).connect() as conn:
        row = conn.execute(select(JobLock.__table__).where(JobLock.name == name)).first()
    return LockState(**row._mapping) if row else None


class Lock:
    """A held lock. Release it (or use it as a context manager); ``keep_alive`` heartbeats."""

    def __init__(self, name: str, holder: str, url: str | None, now: Now) -> None:
        self.name = name
        self.holder = holder
        self.url = url
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def heartbeat(self) -> bool:
        """Prove we are alive; False if someone took the lock over meanwhile."""
        table = JobLock.__table__
        with get_engine(self.url).begin() as conn:
            done = conn.execute(
                update(table)
                .where(table.c.name == self.name, table.c.holder == self.holder)
                .values(heartbeat_at=self._now())
            ).rowcount
        if not done:
            self.lost = True
            log.warning("lock %s was taken over by another scheduler", self.name)
        return bool(done)

    def keep_alive(self, every: dt.timedelta = HEARTBEAT_EVERY) -> None:
        """Heartbeat from a background thread until ``release``."""

        def beat() -> None:
            while not self._stop.wait(every.total_seconds()):
                try:
                    if not self.heartbeat():
                        return
                except Exception:  # a store hiccup must not kill the run
                    log.exception("heartbeat for lock %s failed", self.name)

        self._thread = threading.Thread(target=beat, name=f"heartbeat-{self.name}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        table = JobLock.__table__
        with get_engine(self.url).begin() as conn:
            conn.execute(
                delete(table).where(table.c.name == self.name, table.c.holder == self.holder)
            )

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(
    name: str,
    url: str | None = None,
    *,
    now: Now = _utcnow,
    timeout: dt.timedelta = LOCK_TIMEOUT,
) -> Lock | LockState:
    """Take the lock ``name``: a ``Lock`` on success, else the live ``LockState`` in the way.

    A stale lock (see the module docstring) is taken over.
    """
    holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    table = JobLock.__table__
    engine = get_engine(url)
    stamp = now()
    values = dict(
        name=name, holder=holder, host=HOST, pid=os.getpid(), acquired_at=stamp, heartbeat_at=stamp
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert(table).values(**values))
        return Lock(name, holder, url, now)
    except IntegrityError:
        pass
    current = read_lock(name, url)
    if current is None:  # released between our INSERT and SELECT: try once more
        try:
            with engine.begin() as conn:
                conn.execute(insert(table).values(**values))
            return Lock(name, holder, url, now)
        except IntegrityError:
            current = read_lock(name, url)
            if current is None:
                raise
    if not current.stale(now(), timeout):
        return current
    with engine.begin() as conn:
        taken = conn.execute(
            update(table)
            .where(table.c.name == name, table.c.holder == current.holder)
            .values(**{k: v for k, v in values.items() if k != "name"})
        ).rowcount
    if taken:
        log.warning("took over the stale lock %s (%s)", name, current.describe())
        return Lock(name, holder, url, now)
    return read_lock(name, url) or current
