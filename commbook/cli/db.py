"""``commbook db``: create and migrate the store."""

from __future__ import annotations

import click

from commbook.config import get_settings
from commbook.store import current_revision, head_revision, upgrade


@click.group()
def db() -> None:
    """Create, migrate and inspect the store (SQLite file or PostgreSQL)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision.")
def db_upgrade(revision: str) -> None:
    """Create the store or migrate it to the newest schema. Safe to run again.

    \b
    Example:
      COMMBOOK_DATABASE_URL=postgresql+psycopg://cb@localhost/cb commbook db upgrade
    """
    reached = upgrade(revision=revision)
    click.echo(f"store at revision {reached} ({_describe_url()})")


@db.command("status")
def db_status() -> None:
    """Show the store's URL, its schema revision and the newest one available.

    \b
    Example:
      commbook db status
    """
    current = current_revision()
    head = head_revision()
    state = "up to date" if current == head else "needs `commbook db upgrade`"
    click.echo(f"{_describe_url()}: revision {current or 'none'} (newest {head}) — {state}")


def _describe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)
