"""Slow work off the page's critical path: compute on a thread, show the result on the kernel's.

An app's notebook should return its widgets quickly — the page appears only when the notebook
has run. ``in_background(work, done)`` runs ``work()`` on a worker thread and then
``done(result)`` on the thread of the kernel's event loop, the one that handles the page's
clicks, so ``done`` may change widgets and form state without locks.

Outside a kernel (no running event loop: a script, a test) there is nothing to return to
early, so ``in_background`` returns ``False`` and does nothing; the caller does the work
inline. ``work`` must only compute (e.g. read the store and return values), not touch
widgets.
"""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def in_kernel() -> bool:
    """An event loop runs here (a Jupyter kernel): work can wait for the page."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def when_shown(widget: Any, callback: Callable[[], None]) -> None:
    """Call ``callback()`` once, the first time a page shows ``widget``: the browser counts
    the views it shows of a widget whose ``_view_count`` is a number, and tells the kernel."""

    def counted(change: dict[str, Any]) -> None:
        if change["new"]:
            widget.unobserve(counted, "_view_count")
            callback()

    widget._view_count = 0
    widget.observe(counted, "_view_count")


def in_background(
    work: Callable[[], T],
    done: Callable[[T], None],
    failed: Callable[[BaseException], None],
    *,
    name: str = "commbook-background",
) -> bool:
    """Run ``work()`` on a thread, then ``done(result)`` (or ``failed(error)``) on the
    event loop running now. ``False`` — and nothing started — without a running loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # reported on the loop's thread, where it can be shown
            loop.call_soon_threadsafe(failed, exc)
        else:
            loop.call_soon_threadsafe(done, result)

    threading.Thread(target=run, name=name, daemon=True).start()
    return True


def app_when_ready(module: str, factory: str, /, loading: str = "Loading…", **kwargs: Any) -> Any:
    """The app ``module.factory(**kwargs)``, shown as soon as ``module`` is imported.

    Used by the app notebooks. In a kernel started for the page, the notebook returns at once
    with a page saying ``loading``; ``module`` (pandas, SQLAlchemy, … — most of a cold
    start) is imported on a worker thread while the browser loads the page's JavaScript: the
    kernel's imports and the browser's loading overlap instead of adding up. The app is
    built on the kernel's thread once both are done — the module imported *and* the page
    showing the message (the browser reports it through ``_view_count``): widgets created
    while the page is still fetching the widget state could be missed by it. When
    ``module`` is already imported (a kernel Voilà heated, ``serve.wait_for_page``) or
    outside a kernel, the app is built at once. Run headless (Papermill, ``nbconvert
    --execute``), nothing shows the message, so the output stays "Loading…": execute the
    app's module yourself there (``planning_app(url)``), as the app notebooks are for Voilà.
    """
    import importlib
    import sys

    import ipywidgets as w

    from commbook.widgets.theme import alert, stylesheet

    def build() -> w.Widget:
        return getattr(sys.modules[module], factory)(**kwargs)

    if module in sys.modules or not in_kernel():
        importlib.import_module(module)  # waits if another thread is still importing it
        return build()
    message = w.HTML(f'<p class="cb-muted">{html.escape(loading)}</p>')
    message.add_class("cb-app-loading")
    box = w.VBox([stylesheet(), message])
    ready = {"imported": False, "shown": False}

    def step(done: str) -> None:
        ready[done] = True
        if all(ready.values()) and message in box.children:
            try:
                box.children = [build()]
            except Exception as error:  # shown on the page, not lost in the kernel's log
                failed(error)

    def failed(error: BaseException) -> None:
        message.value = alert("error", f"The app could not start: {error}")

    in_background(
        lambda: importlib.import_module(module), lambda _: step("imported"), failed, name=module
    )
    when_shown(box, lambda: step("shown"))
    return box
