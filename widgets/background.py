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
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


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
