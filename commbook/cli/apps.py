"""``commbook apps``: serve the Voilà apps for managers."""

from __future__ import annotations

import subprocess

import click

from commbook.config import get_settings
from commbook.errors import NotFound
from commbook.widgets.serve import app_url, available_apps, voila_command, voila_env


@click.group(name="apps")
def command() -> None:
    """The browser apps for community managers (Voilà)."""


@command.command("serve")
@click.option("--port", default=8866, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--preheat/--no-preheat",
    default=True,
    show_default=True,
    help="Keep a kernel per app started and its imports done, so apps open faster.",
)
def serve(port: int, host: str, preheat: bool) -> None:
    """Serve the apps on HOST:PORT until Ctrl-C. They load nothing from the internet.

    \b
    Example:
      commbook apps serve --port 8866
    """
    settings = get_settings()
    apps = available_apps(settings.notebooks_dir)
    if not apps:
        raise NotFound(f"no app notebooks in {settings.notebooks_dir}")
    base = f"http://{host}:{port}"
    click.echo(f"Serving the commbook apps on {base}/ — press Ctrl-C to stop.")
    for app in apps:
        click.echo(f"  {app.title:<10} {app_url(base, app)}  ({app.purpose})")
    command_line = voila_command(settings.notebooks_dir, port=port, ip=host, preheat=preheat)
    proc = subprocess.Popen(command_line, env=voila_env())
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        click.echo("\nStopped.")
        return
    if code != 0:
        raise click.ClickException(f"voila stopped with exit status {code}")
