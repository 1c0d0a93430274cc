"""The ``commbook`` command line. Each command group lives in its own module here.

User mistakes (``CommbookError``) are printed as one line on stderr with exit code 1;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

from commbook import __version__
from commbook.config import export_env, get_settings
from commbook.errors import CommbookError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CommbookError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"error: cannot use the store: {reason}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="commbook")
def main() -> None:
    """commbook — plan, run, measure and report on your community.

    \b
    Start with:
      commbook db upgrade              create or migrate the store
      commbook samples load            load the bundled sample community
      commbook import events FILE.csv  import your own data

    The store is COMMBOOK_DATABASE_URL (default: sqlite:///data/commbook.db).
    """


def _register() -> None:
    """Add every command group; each lives in its own module of this package."""
    from commbook.cli import (
        apps,
        calendar,
        db,
        feedback,
        imports,
        metrics,
        report,
        samples,
        schedule,
        triage,
    )

    main.add_command(db.db)
    for module in (imports, samples, metrics, feedback, calendar, triage, report, schedule, apps):
        main.add_command(module.command)


_register()


def run() -> None:
    """The ``commbook`` console script.

    Pins the resolved settings in the environment first, so that notebook kernels and the
    Voilà server started by a command use the same store whatever their working directory.
    """
    try:
        export_env(get_settings())
    except CommbookError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    main()
