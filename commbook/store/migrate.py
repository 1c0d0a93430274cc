"""Schema migrations with Alembic, driven from Python (``commbook db upgrade``).

Alembic is imported when a migration function runs, not with ``commbook.store``: apps that
only read and write records start faster without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from commbook.store.engine import get_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = get_engine(url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> str | None:
    """Bring the store to ``revision`` (default: the newest). Returns the revision reached."""
    from alembic import command

    cfg = alembic_config(url)
    command.upgrade(cfg, revision)
    return current_revision(url)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
