"""Served with Voilà's kernel pool (what ``commbook apps serve`` does): apps open on heated
kernels, yet show the data as it is when the page is opened — not when the kernel was heated."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from voila_harness import NOTEBOOKS, Store, new_store, open_app, voila_server

from commbook import planning
from commbook.widgets.serve import APPS, voila_command

pytestmark = pytest.mark.browser


def test_only_the_apps_are_heated() -> None:
    command = voila_command(NOTEBOOKS, preheat=True)
    assert "--VoilaConfiguration.preheat_kernel=True" in command
    assert not any("preheat" in part for part in voila_command(NOTEBOOKS))
    denylist = next(p for p in command if p.startswith("--VoilaKernelManager.preheat_denylist="))
    pattern = re.compile(denylist.split("=", 1)[1])
    for notebook in NOTEBOOKS.glob("*.ipynb"):  # Voilà matches absolute paths
        heated = not pattern.match(str(notebook))
        assert heated == (notebook.name in {app.notebook for app in APPS}), notebook.name


def _wait_for_pools(log: Path, notebooks: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if all(re.search(rf"Kernel pool of \S*{n} is filled", text) for n in notebooks):
            return
        time.sleep(0.2)
    raise AssertionError(f"the kernel pools were not filled:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def heated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Store, Path]:
    store = new_store(tmp_path_factory.mktemp("preheat"))
    log = Path(store.env["COMMBOOK_HOME"]) / "voila.log"
    with voila_server(NOTEBOOKS, env=store.env, log=log, preheat=True) as base_url:
        _wait_for_pools(log, [app.notebook for app in APPS])
        yield base_url, store, log


def test_apps_open_on_heated_kernels_with_the_data_of_the_moment(
    heated: tuple[str, Store, Path], app_page: Page
) -> None:
    base_url, store, log = heated
    # created after the kernels were heated (and their imports done)
    planning.save_objective(
        {
            **planning.blank_objective(dt.date(2026, 1, 1)),
            "title": "Welcome every newcomer",
            "owner": "Ana",
            "baseline": 0,
            "target": 10,
            "current_value": 4,
            "due_date": dt.date(2026, 12, 31),
        },
        url=store.url,
        actor="seed",
    )
    page = open_app(app_page, base_url, "planning.ipynb")
    expect(page.locator(".cb-objectives-table")).to_contain_text("Welcome every newcomer")
    expect(page.locator(".cb-objectives-table")).to_contain_text("40 % of the way")
    assert re.search(r"Using pre-heated kernel: \S+ for \S*planning\.ipynb", log.read_text())
