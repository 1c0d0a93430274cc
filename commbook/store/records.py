"""Versioned records: the read / change / delete steps every edited planning record shares.

Objectives, segments and calendar items carry a version column (optimistic locking). An
update or delete names the version the user loaded; ``Records`` tells a record someone
deleted (``NotFound``) from one someone changed (``ConflictError``), and words every lost
race the same way, whether this check or the store's version column caught it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from commbook.errors import ConflictError, NotFound
from commbook.store.engine import session_scope

R = TypeVar("R")


@dataclass(frozen=True)
class Records(Generic[R]):
    """The stored ``model`` records, e.g. ``Records(Objective, "Objective", CONFLICT_MESSAGE)``.

    ``label`` names the record in ``NotFound`` messages; ``conflict`` is the message of
    every ``ConflictError``; ``options``: loader options for reading one (e.g. its links).
    """

    model: type[R]
    label: str
    conflict: str
    options: tuple[Any, ...] = ()

    def get(self, id: int, url: str | None = None) -> R:
        """Record ``id`` as stored now; ``NotFound`` if there is none."""
        with session_scope(url) as session:
            record = session.get(self.model, id, options=self.options or None)
            if record is None:
                raise NotFound(f"{self.label} {id} does not exist (it may have been deleted)")
            return record

    def existing(self, session: Session, id: int) -> R:
        """Record ``id`` in ``session``, about to be changed; ``NotFound`` if it was deleted."""
        record = session.get(self.model, id, options=self.options or None)
        if record is None:
            raise NotFound(f"{self.label} {id} no longer exists: someone else deleted it")
        return record

    def for_change(self, session: Session, id: int, version: int | None) -> R:
        """Like ``existing``, and ``ConflictError`` unless it is still at ``version``."""
        record = self.existing(session, id)
        if record.version != version:  # type: ignore[attr-defined]
            raise ConflictError(self.conflict)
        return record

    @contextmanager
    def changing(self, url: str | None = None, actor: str | None = None) -> Iterator[Session]:
        """A session whose lost races (ours or the store's version check) read ``conflict``."""
        try:
            with session_scope(url, actor=actor) as session:
                yield session
        except ConflictError as exc:
            raise ConflictError(self.conflict) from exc

    def delete(
        self, id: int, version: int, url: str | None = None, actor: str | None = None
    ) -> None:
        """Delete record ``id`` if it is still at the ``version`` the user saw."""
        with self.changing(url, actor) as session:
            session.delete(self.for_change(session, id, version))
            session.flush()


def require_version(id: int | None, version: int | None, caller: str) -> None:
    """An update (``id`` given) must say which version was loaded: a bug otherwise."""
    if id is not None and version is None:
        raise TypeError(f"{caller}: updating needs the version that was loaded")


def assign_changed(record: Any, values: Mapping[str, Any]) -> None:
    """Set only the attributes whose value changed (so the audit log stays small)."""
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
