"""The planning app at scale in a real browser: time to interactive and save latency.

A SQLite store holds the committed sample community (``data/samples``: 600 members, ~30,000
events, surveys, triage — so objectives have data to be judged on), 200 objectives and
5,000 calendar items spread over twelve months around today (several channels, owners and
statuses, weekly series among them). The planning app (``notebooks/planning.ipynb``) is
served by a real Voilà server and driven with Debian's Chromium through Playwright.

- **Time to interactive**: ``page.goto`` → the app visible with its objectives table
  filled → Calendar tab clicked → month grid visible; median of fresh browser contexts.
  Reference: a trivial Voilà app (one ``ipywidgets.Button``) served by the same command,
  loaded the same way — the Voilà + kernel floor. Then the same served as ``commbook apps
  serve`` serves the apps — Voilà's kernel pool: kernel start and imports done before the
  page is asked for, the app built when it is. Also recorded: when the progress column
  (measured after the page is up) is filled.
- **Save latency**: edit a field, click Save, until the form shows the new version and the
  "Saved" message (objective, then calendar item); median of several saves. Reference: a
  button click that updates a label in the trivial app — the widget comm round trip.
- **Where the time goes**: the kernel's share, measured in this process on the same store
  (building each tab; the work a save does).

Goals (issue "Planning workbook"): interactive in < 3 s, saves in < 300 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from benchmarks.common import emit
from commbook import planning
from commbook.samples import load_samples
from commbook.store import AudienceSegment, Channel, ContentItem, get_engine, session_scope
from commbook.widgets.serve import HEATED_MESSAGE, PREHEAT_FILL_DELAY

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser-test harness (Voilà + Chromium)
from voila_harness import (  # noqa: E402
    NOTEBOOKS,
    RequestLog,
    app_url,
    launch_chromium,
    new_store,
    voila_server,
)

ITEMS, OBJECTIVES = 5_000, 200
SERIES = 60  # weekly series among the items
LOADS, SAVES = 5, 7
TTI_GOAL_S, SAVE_GOAL_S = 3.0, 0.3
TIMEOUT_MS = 60_000

CHANNELS = [
    ("blog", "Blog"),
    ("newsletter", "Newsletter"),
    ("forum", "Forum"),
    ("discord", "Discord"),
    ("youtube", "YouTube"),
    ("mastodon", "Mastodon"),
    ("linkedin", "LinkedIn"),
    ("events", "Meetups"),
]
OWNERS = ["Ana", "Bea", "Carla", "Dan", "Emil", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kofi"]
TYPES = ["article", "video", "poll", "event", "newsletter", "ama", "post", "podcast"]
CAMPAIGNS = ["", "", "spring-launch", "onboarding", "build-nights", "firmware-2", "hackathon"]
TOPICS = [
    "Printer calibration guide",
    "Synth kit build log",
    "Weather station update",
    "Robot arm AMA",
    "Community spotlight",
    "Release notes",
    "Soldering basics",
    "Member showcase",
    "Build night recap",
    "Monthly roundup",
]

REFERENCE_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "0",
            "metadata": {},
            "outputs": [],
            "source": (
                "import ipywidgets as w\n"
                "label = w.Label('0')\n"
                "label.add_class('ref-label')\n"
                "button = w.Button(description='Click')\n"
                "button.add_class('ref-button')\n"
                "def clicked(_):\n"
                "    label.value = str(int(label.value) + 1)\n"
                "button.on_click(clicked)\n"
                "app = w.VBox([button, label])\n"
                "app.add_class('ref-app')\n"
                "app"
            ),
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


# --- the store ----------------------------------------------------------------------------


def build_store(folder: Path, today: dt.date) -> tuple[dict[str, str], dict[str, Any]]:
    """Samples + objectives + calendar items in ``folder/commbook.db``: (Voilà env, counts)."""
    store = new_store(folder, user="bench")
    url = store.url
    load_samples(ROOT / "data" / "samples", url, actor="bench")
    rng = random.Random(2026)
    _add_objectives(url, today, rng)
    _add_items(url, today, rng)
    with session_scope(url) as session:
        counts = {
            "objectives": len(planning.list_objectives(url)),
            "items": session.query(ContentItem).count(),
            "series": session.query(ContentItem).filter(ContentItem.rrule.is_not(None)).count(),
            "channels": session.query(Channel).count(),
        }
    get_engine(url).dispose()
    return store.env, counts


def _add_objectives(url: str, today: dt.date, rng: random.Random) -> None:
    """Up to ``OBJECTIVES`` through ``planning.save_objective`` (validated, audited)."""
    metrics = [k for k in planning.METRICS if k != "manual"] + ["manual"] * 4
    have = len(planning.list_objectives(url))
    for n in range(have, OBJECTIVES):
        key = metrics[n % len(metrics)]
        metric = planning.METRICS[key]
        direction = "decrease" if metric.unit == "hours" else "increase"
        low = metric.minimum if metric.minimum is not None else 0.0
        baseline = max(low, 20.0) if direction == "increase" else 40.0
        target = baseline + 20 if direction == "increase" else baseline - 20
        start = dt.date(today.year, 1, 1) + dt.timedelta(days=rng.randrange(0, 300))
        values = {
            **planning.blank_objective(start),
            "title": f"{metric.label} objective {n + 1}",
            "description": "Generated for the planning-app benchmark.",
            "metric": key,
            "direction": direction,
            "baseline": baseline,
            "target": target,
            "current_value": baseline + 5 if key == "manual" else None,
            "due_date": start + dt.timedelta(days=rng.choice((90, 180, 270, 365))),
            "owner": rng.choice(OWNERS),
            "status": rng.choice(("active",) * 6 + ("draft", "achieved", "missed")),
        }
        planning.save_objective(values, url=url, actor="bench")


def _add_items(url: str, today: dt.date, rng: random.Random) -> None:
    """Calendar items up to ``ITEMS`` in all, as ORM rows in one transaction (audited)."""
    start = today - dt.timedelta(days=180)
    with session_scope(url, actor="bench") as session:
        have = session.query(ContentItem).count()
        channels = {c.key: c for c in session.query(Channel)}
        for key, name in CHANNELS:
            if key not in channels:
                channels[key] = Channel(key=key, name=name, kind="social")
                session.add(channels[key])
        segments = list(session.query(AudienceSegment))
        objective_ids = [o.id for o in planning.list_objectives(url)]
        statuses = ("idea", "draft", "review", "approved", "scheduled")
        for n in range(ITEMS - have):
            day = start + dt.timedelta(days=rng.randrange(0, 365))
            at = dt.datetime.combine(day, dt.time(rng.choice((8, 9, 10, 12, 14, 16, 18))), dt.UTC)
            past = day < today
            series = n < SERIES
            session.add(
                ContentItem(
                    source="planner",
                    source_id=str(uuid.uuid4()),
                    title=f"{rng.choice(TOPICS)} #{n + 1}",
                    content_type=rng.choice(TYPES),
                    channel=channels[rng.choice(CHANNELS)[0]],
                    owner=rng.choice(OWNERS),
                    status=(
                        "scheduled"
                        if series
                        else rng.choice(("published",) * 8 + ("cancelled", "scheduled"))
                        if past
                        else rng.choice(statuses)
                    ),
                    scheduled_at=at - dt.timedelta(days=120) if series else at,
                    timezone="UTC",
                    rrule=("FREQ=WEEKLY" if n % 2 else "FREQ=WEEKLY;INTERVAL=2")
                    if series
                    else None,
                    campaign=rng.choice(CAMPAIGNS) or None,
                    notes="",
                    objective_id=rng.choice(objective_ids) if rng.random() < 0.3 else None,
                    segments=[rng.choice(segments)] if segments and rng.random() < 0.3 else [],
                )
            )


# --- the browser ----------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def _context(browser: Any, log: RequestLog) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    log.attach(context)
    try:
        yield context
    finally:
        context.close()


def _load_app(page: Any, base_url: str) -> dict[str, float]:
    """Open the planning app; seconds from ``goto`` to each milestone."""
    start = time.perf_counter()
    page.goto(app_url(base_url, "planning.ipynb"), wait_until="commit")
    try:
        page.locator(".cb-app").wait_for(state="visible", timeout=TIMEOUT_MS)
    except PlaywrightTimeout:  # the notebook failed: say why (Voilà shows the traceback)
        shown = page.locator("body").inner_text()[-3000:]
        raise RuntimeError(f"the planning app did not appear; the page shows:\n{shown}") from None
    app = time.perf_counter() - start
    page.locator(".cb-objectives-table table").wait_for(state="visible", timeout=TIMEOUT_MS)
    objectives = time.perf_counter() - start
    page.get_by_role("tab", name="Calendar").click()
    page.locator(".cb-cal-month").wait_for(state="visible", timeout=TIMEOUT_MS)
    tti = time.perf_counter() - start
    # the progress column, measured after the page is up ("Measuring…" until then)
    page.wait_for_function(
        "() => !document.querySelector('.cb-progress-pending')", timeout=TIMEOUT_MS, polling=20
    )
    progress = time.perf_counter() - start
    return {"app": app, "objectives": objectives, "tti": tti, "progress": progress}


def _load_reference(page: Any, base_url: str) -> float:
    start = time.perf_counter()
    page.goto(app_url(base_url, "reference.ipynb"), wait_until="commit")
    page.locator(".ref-button").wait_for(state="visible", timeout=TIMEOUT_MS)
    return time.perf_counter() - start


#: True once ``form`` shows the stamp of the new version and the message says "Saved".
_SAVED_JS = """([form, message, stamp]) => {
  const f = document.querySelector(form), m = document.querySelector(message);
  return !!(f && m && f.innerText.includes(stamp) && m.offsetParent !== null
            && m.innerText.includes('Saved'));
}"""


def _version(page: Any, form: str) -> int:
    text = page.locator(form).inner_text()
    marker = text.split("Version ", 1)[1]
    return int(marker.split(" ", 1)[0].split("\u00b7")[0])


def _time_saves(page: Any, kind: str, field: str) -> list[float]:
    """``SAVES`` edits of ``field`` in the ``kind`` form (objective/calendar), each saved."""
    form, message = f".cb-{kind}-form", f".cb-{kind}-message"
    times = []
    for n in range(SAVES):
        version = _version(page, form)
        page.locator(field).fill(f"Benchmark edit {n}: {uuid.uuid4()}")
        page.wait_for_timeout(300)  # the typed value reaches the kernel first
        start = time.perf_counter()
        page.locator(f".cb-{kind}-save").click()
        page.wait_for_function(
            _SAVED_JS, arg=[form, message, f"Version {version + 1} \u00b7"], timeout=TIMEOUT_MS
        )
        times.append(time.perf_counter() - start)
    return times


def _time_clicks(page: Any) -> list[float]:
    label = page.locator(".ref-label")
    times = []
    for n in range(1, SAVES + 1):
        page.wait_for_timeout(300)
        start = time.perf_counter()
        page.locator(".ref-button").click()
        page.wait_for_function(
            "n => document.querySelector('.ref-label').innerText.trim() === String(n)",
            arg=n,
            timeout=TIMEOUT_MS,
        )
        times.append(time.perf_counter() - start)
    assert label.inner_text().strip() == str(SAVES)
    return times


def measure_browser(
    app_base: str, ref_base: str, wait: Callable[[int], None] | None = None, saves: bool = True
) -> dict[str, Any]:
    """``LOADS`` page loads, alternating reference and planning app, each in a fresh browser
    context; then (``saves``) the save timings in the last planning page and the reference
    clicks in the last reference page. ``wait(n)`` runs before load ``n``."""
    log = RequestLog()
    out: dict[str, Any] = {"loads": [], "ref_loads": []}
    with launch_chromium() as browser:
        for n in range(LOADS):
            if wait:
                wait(n)
            last = saves and n == LOADS - 1
            with _context(browser, log) as context:
                out["ref_loads"].append(_load_reference(context.new_page(), ref_base))
                if last:
                    out["ref_clicks"] = _time_clicks(context.pages[0])
            with _context(browser, log) as context:
                page = context.new_page()
                out["loads"].append(_load_app(page, app_base))
                if last:
                    out["objective_saves"] = _objective_saves(page)
                    out["item_saves"] = _item_saves(page)
            tti = ", ".join(f"{k} {v:.2f}" for k, v in out["loads"][-1].items())
            print(f"load {n + 1}: {tti}; reference {out['ref_loads'][-1]:.2f}", file=sys.stderr)
    out["external"] = log.external
    return out


def _objective_saves(page: Any) -> list[float]:
    page.get_by_role("tab", name="Objectives").click()
    picker = page.locator(".cb-objective-picker select")
    picker.select_option(index=0)
    page.locator(".cb-objective-form").get_by_text("Version ").wait_for(timeout=TIMEOUT_MS)
    return _time_saves(page, "objective", ".cb-objective-description textarea")


def _item_saves(page: Any) -> list[float]:
    page.get_by_role("tab", name="Calendar").click()
    page.locator(".cb-calendar-picker select").select_option(index=0)
    page.locator(".cb-calendar-form").get_by_text("Version ").first.wait_for(timeout=TIMEOUT_MS)
    return _time_saves(page, "calendar", ".cb-calendar-notes textarea")


#: The reference app's kernel pool: what ``commbook apps serve`` does for the apps
#: (``voila_command(preheat=True)``: pool of one, refilled 10 s after a kernel is taken).
REFERENCE_PREHEAT = {
    "VoilaConfiguration": {"preheat_kernel": True, "default_pool_size": 1},
    "VoilaKernelManager": {"fill_delay": PREHEAT_FILL_DELAY},
}


def measure_preheated(folder: Path, env: dict[str, str], ref: Path) -> dict[str, Any]:
    """The same page loads with the apps served as ``commbook apps serve`` serves them
    (Voilà's kernel pool, ``voila_command(preheat=True)``), each load once a heated kernel
    is ready again: started, imports done, waiting for a page (``wait_for_page``)."""
    config = folder / "preheat-config"
    config.mkdir()
    (config / "voila.json").write_text(json.dumps(REFERENCE_PREHEAT))
    logs = [folder / "voila-app-preheat.log", folder / "voila-ref-preheat.log"]

    def wait(n: int) -> None:  # a kernel was heated n + 1 times: one is waiting for us
        deadline = time.monotonic() + 180
        for log, marker in (
            (logs[0], f"{HEATED_MESSAGE} (commbook.widgets.planning"),
            (logs[1], "Kernel pool of reference.ipynb is filled"),
        ):
            while log.read_text(errors="replace").count(marker) < n + 1:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{marker!r}: no heated kernel")
                time.sleep(0.2)
        time.sleep(1.0)  # the reference's pool says "filled" as its notebook starts running

    ref_env = {**env, "JUPYTER_CONFIG_PATH": str(config)}
    with (
        voila_server(NOTEBOOKS, env=env, log=logs[0], preheat=True) as app_base,
        voila_server(ref, env=ref_env, log=logs[1]) as ref_base,
    ):
        return measure_browser(app_base, ref_base, wait=wait, saves=False)


# --- the kernel's share, measured in this process --------------------------------------------


def _seconds(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure_kernel(url: str) -> dict[str, Any]:
    """What the kernel spends: imports, building each tab, and the work behind each save."""

    def fresh(setup: str, timed: str) -> float:  # an import, timed in a new interpreter
        code = f"import time; {setup}; t = time.perf_counter(); {timed}; "
        code += "print(time.perf_counter() - t)"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        run.check_returncode()
        return float(run.stdout)

    imports = fresh("pass", "import commbook.widgets.planning")
    # the NPS metric imports commbook.feedback, whose __init__ pulls scikit-learn and SciPy
    feedback = fresh("import commbook.widgets.planning", "import commbook.feedback")

    import ipywidgets as w
    from ipywidgets.widgets import widget as widget_module

    from commbook import progress
    from commbook.metrics.catalog import CATALOG
    from commbook.widgets.calendar import CalendarTab
    from commbook.widgets.history import HistoryView
    from commbook.widgets.objectives import ObjectiveForm
    from commbook.widgets.planning import PlanningApp
    from commbook.widgets.segments import SegmentForm

    out: dict[str, Any] = {"imports": imports, "feedback_import": feedback}
    out["objectives_tab"], objectives = _seconds(lambda: ObjectiveForm(url=url))
    out["audience_tab"], _ = _seconds(lambda: SegmentForm(url=url))
    out["calendar_tab"], calendar = _seconds(lambda: CalendarTab(url=url))
    out["history_tab"], _ = _seconds(lambda: HistoryView(url, tabs=w.Tab()))
    before = set(widget_module._instances)
    out["app_warm"], _ = _seconds(lambda: PlanningApp(url))
    made = [m for key, m in widget_module._instances.items() if key not in before]
    out["widget_models"] = len(made)  # what the browser creates a view for, one by one
    state = sum(len(json.dumps(m.get_state(), default=str)) for m in made)
    out["widget_state_kb"] = round(state / 1024)

    listed = planning.list_objectives(url)
    as_of = progress.data_as_of(url) or dt.date.today()
    out["progress_all"], _ = _seconds(lambda: progress.current_values(listed, url, as_of))
    windows = [(o.metric, progress.recent_window(o, as_of)) for o in listed if o.metric in CATALOG]
    windows = [x for x in windows if x[1] is not None]
    out["metric_evaluations"] = len(windows)
    out["distinct_windows"] = len(set(windows))
    measured = [o for o in listed if o.metric in CATALOG]
    one_each = list({(o.metric, progress.recent_window(o, as_of)): o for o in listed}.values())
    out["progress_distinct"], _ = _seconds(lambda: progress.current_values(one_each, url, as_of))
    out["progress_one"], _ = _seconds(lambda: progress.current_values(measured[:1], url, as_of))

    first = listed[0]
    objectives.open(first.id)
    objectives.fields["description"].widget.value = "kernel-side save"
    out["objective_save"], _ = _seconds(objectives.save)
    stored = planning.get_objective(first.id, url)
    out["objective_store_call"], _ = _seconds(
        lambda: planning.save_objective(
            {**planning.objective_values(stored), "description": "store call only"},
            id=stored.id,
            version=stored.version,
            url=url,
        )
    )
    calendar.picker.value = calendar.picker.options[0][1]
    calendar.fields["notes"].widget.value = "kernel-side save"
    out["item_save"], _ = _seconds(calendar.save)
    out["item_refresh"], _ = _seconds(calendar.refresh)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    today = dt.datetime.now(dt.UTC).date()  # the kernel's "today" (timezone: UTC)
    with tempfile.TemporaryDirectory(prefix="bench-planning-") as tmp:
        folder = Path(tmp)
        (folder / "store").mkdir()
        build_s, (env, counts) = _seconds(lambda: build_store(folder / "store", today))
        print(f"store built in {build_s:.1f} s: {counts}", file=sys.stderr)
        ref = folder / "reference"
        ref.mkdir()
        (ref / "reference.ipynb").write_text(json.dumps(REFERENCE_NOTEBOOK))
        with (
            voila_server(NOTEBOOKS, env=env, log=folder / "voila-app.log") as app_base,
            voila_server(ref, env=env, log=folder / "voila-ref.log") as ref_base,
        ):
            browser = measure_browser(app_base, ref_base)
        preheated = measure_preheated(folder, env, ref)
        kernel = measure_kernel(env["COMMBOOK_DATABASE_URL"])
    print(
        json.dumps({"browser": browser, "preheated": preheated, "kernel": kernel}), file=sys.stderr
    )

    data = (
        f"{counts['items']} items ({counts['series']} weekly series), "
        f"{counts['objectives']} objectives, sample community"
    )
    k = kernel
    for name, run, extra in (
        (
            "planning_app_tti",
            browser,
            {
                "kernel_imports_s": k["imports"],
                "kernel_feedback_import_s": k["feedback_import"],
                "kernel_objectives_tab_s": k["objectives_tab"],
                "kernel_progress_all_s": k["progress_all"],
                "kernel_progress_distinct_s": k["progress_distinct"],
                "metric_evaluations": k["metric_evaluations"],
                "distinct_windows": k["distinct_windows"],
                "widget_models": k["widget_models"],
                "widget_state_kb": k["widget_state_kb"],
                "kernel_other_tabs_s": round(
                    k["audience_tab"] + k["calendar_tab"] + k["history_tab"], 3
                ),
                "data": data,
            },
        ),
        ("planning_app_tti_preheated", preheated, {}),
    ):
        tti = [x["tti"] for x in run["loads"]]
        emit(
            name,
            commbook_s=_median(tti),
            reference_s=_median(run["ref_loads"]),
            goal_s=TTI_GOAL_S,
            goal_met=_median(tti) < TTI_GOAL_S,
            loads=LOADS,
            app_visible_s=round(_median([x["app"] for x in run["loads"]]), 3),
            progress_shown_s=round(_median([x["progress"] for x in run["loads"]]), 3),
            min_s=round(min(tti), 3),
            max_s=round(max(tti), 3),
            runs_s=[round(x, 2) for x in tti],
            external_requests=len(run["external"]),
            **extra,
        )
    for name, key, extra in (
        (
            "planning_app_save_objective",
            "objective_saves",
            {
                "kernel_save_s": k["objective_save"],
                "kernel_store_call_s": k["objective_store_call"],
                "kernel_progress_all_s": k["progress_all"],
                "kernel_progress_one_s": k["progress_one"],
            },
        ),
        (
            "planning_app_save_item",
            "item_saves",
            {"kernel_save_s": k["item_save"], "kernel_refresh_s": k["item_refresh"]},
        ),
    ):
        saves = browser[key]
        emit(
            name,
            commbook_s=_median(saves),
            reference_s=_median(browser["ref_clicks"]),
            goal_s=SAVE_GOAL_S,
            goal_met=_median(saves) < SAVE_GOAL_S,
            saves=SAVES,
            min_s=round(min(saves), 3),
            max_s=round(max(saves), 3),
            **extra,
        )


if __name__ == "__main__":
    os.environ.setdefault("COMMBOOK_USER", "bench")
    main()
