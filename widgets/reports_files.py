"""Open and download report files from an app, with no file server.

Voilà serves files only from the folder it was started in (``/voila/files/``, for names
matching ``--VoilaConfiguration.file_allowlist``), and Tornado refuses symbolic links that
leave that folder; reports live in ``settings.reports_dir``, usually elsewhere. So the
kernel hands the bytes over itself: ``FileServer`` is an invisible anywidget that listens
for clicks on links carrying ``data-cb-file="<key>"`` inside the same ``.cb-reports`` app,
asks the kernel for that key, and opens the file in a new tab (``data-cb-mode="open"``)
or saves it (``"download"``) from a ``blob:`` URL. Nothing is sent until a link is clicked.

Safe by construction: the browser only ever sends a key; the kernel answers only keys it
registered itself (``register``), for regular files inside the allowed root.
"""

from __future__ import annotations

import html
import itertools
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import traitlets

MAX_BYTES = 64 * 1024 * 1024  # a report bigger than this is not sent through the kernel

_ESM = r"""
function render({ model, el }) {
  el.classList.add("cb-reports-fileserver");
  const pending = new Map();
  let seq = 0;
  function onClick(event) {
    const link = event.target.closest && event.target.closest("[data-cb-file]");
    const app = el.closest(".cb-reports");
    if (!link || !app || !app.contains(link)) return;
    event.preventDefault();
    const id = ++seq;
    const mode = link.dataset.cbMode || "download";
    let win = null;
    if (mode === "open") {  // open now, while the click still counts as a user gesture
      win = window.open("", "_blank");
      if (win) {
        win.document.title = "Opening the report…";
        win.document.body.textContent = "Opening the report…";
      }
    }
    link.classList.add("cb-reports-loading");
    pending.set(id, { win, mode, link });
    model.send({ request: id, key: link.dataset.cbFile });
  }
  function onMessage(msg, buffers) {
    const job = pending.get(msg.request);
    if (!job) return;
    pending.delete(msg.request);
    job.link.classList.remove("cb-reports-loading");
    if (msg.error) {
      if (job.win) job.win.close();
      job.link.setAttribute("title", msg.error);
      job.link.classList.add("cb-reports-link-error");
      return;
    }
    const blob = new Blob([buffers[0]], { type: msg.mime });
    const url = URL.createObjectURL(blob);
    if (job.win) {
      job.win.location.href = url;
    } else {
      const a = document.createElement("a");
      a.href = url;
      a.download = msg.filename;
      a.style.display = "none";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 120000);
  }
  model.on("msg:custom", onMessage);
  document.addEventListener("click", onClick);
  return () => {
    document.removeEventListener("click", onClick);
    model.off("msg:custom", onMessage);
  };
}
export default { render };
"""


@dataclass(frozen=True)
class Served:
    """A file the page may ask for: where it is and the name it is saved under."""

    path: Path
    filename: str
    mime: str


class FileServer(anywidget.AnyWidget):
    """Serve registered files under ``root`` to links in the page; see the module docstring.

    ``server.link(path, "Open", mode="open", css="cb-reports-open")`` registers ``path``
    and returns the HTML of a link for it. A file keeps its key for the life of the
    widget, so links rendered earlier keep working after the lists are refreshed.
    """

    _esm = traitlets.Unicode(_ESM).tag(sync=True)

    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root = Path(root).resolve()
        self._files: dict[str, Served] = {}
        self._keys: dict[tuple[Path, str], str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.layout.display = "none"
        self.on_msg(self._on_msg)

    def register(self, path: Path, filename: str | None = None) -> str:
        """The key for ``path`` (a file inside the root), made on first use."""
        resolved = self._check(Path(path))
        name = filename or resolved.name
        with self._lock:  # the lists are refreshed from the kernel and from run threads
            key = self._keys.get((resolved, name))
            if key is None:
                key = self._keys[(resolved, name)] = f"f{next(self._ids)}"
                mime = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
                if mime == "text/html":
                    mime = "text/html;charset=utf-8"
                self._files[key] = Served(resolved, name, mime)
        return key

    def link(
        self,
        path: Path,
        text: str,
        *,
        mode: str = "download",
        css: str = "",
        filename: str | None = None,
        title: str = "",
    ) -> str:
        """HTML of a link that opens (``mode="open"``) or downloads ``path``; text escaped."""
        key = self.register(path, filename)
        hint = f' title="{html.escape(title)}"' if title else ""
        return (
            f'<a href="#" class="cb-reports-file {html.escape(css)}" data-cb-file="{key}" '
            f'data-cb-mode="{"open" if mode == "open" else "download"}"{hint}>'
            f"{html.escape(text)}</a>"
        )

    def _check(self, path: Path) -> Path:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ValueError(f"{path} is outside {self.root}")
        return resolved

    def answer(self, request: Any, key: Any) -> tuple[dict[str, Any], list[bytes]]:
        """The reply to a request for ``key``: (content, buffers)."""
        served = self._files.get(key) if isinstance(key, str) else None
        if served is None:
            return {"request": request, "error": "This link is out of date: refresh."}, []
        try:
            path = self._check(served.path)
            if not path.is_file():
                raise FileNotFoundError(path)
            if path.stat().st_size > MAX_BYTES:
                return {"request": request, "error": "The file is too large to send."}, []
            data = path.read_bytes()
        except (OSError, ValueError):
            return {"request": request, "error": "The file is gone: refresh the list."}, []
        content = {"request": request, "mime": served.mime, "filename": served.filename}
        return content, [data]

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or "key" not in content:
            return
        reply, buffers = self.answer(content.get("request"), content.get("key"))
        self.send(reply, buffers=buffers)
