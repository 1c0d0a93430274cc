"""Start the Voilà apps the way commbook needs them: loopback only, offline-safe template.

Voilà's stock "lab" template links Font Awesome from a CDN; commbook ships a ``commbook``
template (``widgets/jupyter/voila/templates/commbook``) that does not, and makes Jupyter
find it by prepending ``TEMPLATE_ROOT`` to ``JUPYTER_PATH``. ``commbook apps serve`` and
the browser tests start Voilà with ``voila_command`` and ``voila_env``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class App:
    """One Voilà app: its notebook in ``notebooks/`` and what it is for."""

    notebook: str
    title: str
    purpose: str


APPS: tuple[App, ...] = (
    App("planning.ipynb", "Planning", "objectives, audience segments and the content calendar"),
    App("triage.ipynb", "Triage", "the community queue: assign, respond, moderate, escalate"),
    App("reports.ipynb", "Reports", "open, download and run reports; schedules and history"),
    App("dashboard.ipynb", "Dashboard", "KPIs with changes, charts and drill-down, by filter"),
)


def available_apps(notebooks_dir: Path) -> list[App]:
    """The apps whose notebook exists in ``notebooks_dir``."""
    return [app for app in APPS if (notebooks_dir / app.notebook).exists()]


def app_url(base_url: str, app: App) -> str:
    return f"{base_url.rstrip('/')}/voila/render/{app.notebook}"


TEMPLATE_ROOT = Path(__file__).resolve().parent / "jupyter"
TEMPLATE = "commbook"
#: Shut down kernels whose page is gone. A closed tab should stop its kernel, but Voilà's
#: shutdown beacon is refused for lack of an XSRF token (voila-dashboards/voila#1458), so
#: kernels idle for 10 minutes *and* without a connected page are culled. Open pages are
#: never culled (``cull_connected`` stays False).
KERNEL_CULLING = (
    "--MappingKernelManager.cull_idle_timeout=600",
    "--MappingKernelManager.cull_interval=60",
)


def voila_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with the commbook template on ``JUPYTER_PATH``."""
    out = dict(os.environ if env is None else env)
    paths = [str(TEMPLATE_ROOT), *filter(None, out.get("JUPYTER_PATH", "").split(os.pathsep))]
    out["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return out


def voila_command(
    target: str | Path,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    python: str = sys.executable,
    extra: Sequence[str] = (),
) -> list[str]:
    """The command line that serves ``target`` (a notebook, or a folder of apps)."""
    return [
        python,
        "-m",
        "voila",
        str(target),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.classic_tree=True",  # our tree.html: the apps as cards
        *KERNEL_CULLING,
        *extra,
    ]
