"""Start the Voilà apps the way commbook needs them: loopback only, offline-safe template.

Voilà's stock "lab" template links Font Awesome from a CDN; commbook ships a ``commbook``
template (``widgets/jupyter/voila/templates/commbook``) that does not, and makes Jupyter
find it by prepending ``TEMPLATE_ROOT`` to ``JUPYTER_PATH``. ``commbook apps serve`` and
the browser tests start Voilà with ``voila_command`` and ``voila_env``.
"""

from __future__ import annotations

import importlib
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


#: ``voila_command(preheat=True)``: Voilà keeps one kernel per app started and its notebook run
#: up to ``wait_for_page`` (imports done, waiting for a page), so opening an app skips kernel
#: start and imports. Only the apps are heated — not the analysts' notebooks in the same
#: folder (Voilà matches the denylist against notebook paths). A kernel taken from the pool
#: is replaced after ``PREHEAT_FILL_DELAY`` seconds, not at once: heating the next one takes
#: seconds of CPU that would compete with the page just opened.
PREHEAT_FILL_DELAY = 10.0
#: What a heated kernel writes to the server's log once its imports are done.
HEATED_MESSAGE = "commbook: kernel heated, waiting for a page"


def _preheat_options() -> list[str]:
    names = "|".join(app.notebook.removesuffix(".ipynb") for app in APPS)
    return [
        "--VoilaConfiguration.preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=1",
        f"--VoilaKernelManager.preheat_denylist=^(?!.*/({names})\\.ipynb$)",
        f"--VoilaKernelManager.fill_delay={PREHEAT_FILL_DELAY}",
    ]


def wait_for_page(*warm: str) -> None:
    """Call in an app notebook before it builds the app.

    In a kernel Voilà heated ahead of time (``VOILA_PREHEAT``: served with
    ``voila_command(preheat=True)``), import the ``warm`` modules now, then wait until a
    page asks for the app (``voila.utils.wait_for_request``): the app is built from the data
    as it is when the page is opened, kernel start and imports were done before. Anywhere
    else (a kernel started for the page, JupyterLab, Papermill) return at once.
    """
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    for name in warm:
        importlib.import_module(name)
    from voila.utils import wait_for_request

    # to the server's log (the kernel's own stderr), not into the page
    print(f"{HEATED_MESSAGE} ({', '.join(warm)})", file=sys.__stderr__, flush=True)
    wait_for_request()


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
    preheat: bool = False,
) -> list[str]:
    """The command line that serves ``target`` (a notebook, or a folder of apps);
    ``preheat``: with a pool of heated kernels for the apps (``wait_for_page``)."""
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
        *(_preheat_options() if preheat else ()),
        *extra,
    ]
