"""Reports: periods, parameters, and a real Papermill run published as offline HTML and PDF."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from click.testing import CliRunner
from conftest import copy_sample_db, sample_env
from sqlalchemy import func, select

from commbook import frames, metrics
from commbook.cli import main
from commbook.errors import NotFound, ValidationError
from commbook.feedback import nps
from commbook.reports import export, notes
from commbook.reports import index as report_index
from commbook.reports.parameters import declared_parameters, parse_parameter_pairs
from commbook.reports.periods import resolve_period
from commbook.reports.runner import ReportFailed, _publish, run_report
from commbook.store import (
    Channel,
    ContentItem,
    ReportRun,
    Survey,
    SurveyResponse,
    TriageItem,
    session_scope,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
TITLE = "Acme <Community> & Friends"
PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 11, 24)


# --- periods (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "first", "last", "label", "title"),
    [
        ("2026-10", "2026-10-01", "2026-10-31", "2026-10", "October 2026"),
        ("last_month", "2026-10-01", "2026-10-31", "2026-10", "October 2026"),
        ("this_month", "2026-11-01", "2026-11-30", "2026-11", "November 2026"),
        ("2026-02", "2026-02-01", "2026-02-28", "2026-02", "February 2026"),
        ("2026-W41", "2026-10-05", "2026-10-11", "2026-W41", None),
        ("last_week", "2026-11-16", "2026-11-22", "2026-W47", None),
        ("2026-Q4", "2026-10-01", "2026-12-31", "2026-Q4", None),
        ("last_quarter", "2026-07-01", "2026-09-30", "2026-Q3", None),
        ("2026", "2026-01-01", "2026-12-31", "2026", "2026"),
        ("2026-10-01..2026-10-15", "2026-10-01", "2026-10-15", "2026-10-01_2026-10-15", None),
        ("2026-10-05", "2026-10-05", "2026-10-05", "2026-10-05", None),
    ],
)
def test_resolve_period(spec: str, first: str, last: str, label: str, title: str | None) -> None:
    p = resolve_period(spec, today=TODAY, tz="Europe/Paris")
    assert p.first_day.isoformat() == first
    assert p.last_day.isoformat() == last
    assert p.label == label
    if title:
        assert p.title == title
    assert p.start == dt.datetime.fromisoformat(first).replace(tzinfo=PARIS)
    # a label is itself a spec for the same period
    assert resolve_period(p.label, today=TODAY, tz="Europe/Paris") == p


def test_period_bounds_are_local_midnights_across_dst() -> None:
    p = resolve_period("2026-10", today=TODAY, tz="Europe/Paris")
    assert p.start.utcoffset() == dt.timedelta(hours=2)  # CEST
    assert p.end.utcoffset() == dt.timedelta(hours=1)  # CET after 25 Oct
    assert p.end.astimezone(dt.UTC) - p.start.astimezone(dt.UTC) == dt.timedelta(days=31, hours=1)


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    p = resolve_period("last_month", today=dt.date(2027, 1, 3), tz="UTC")
    assert (p.label, p.title) == ("2026-12", "December 2026")


@pytest.mark.parametrize(
    "spec", ["2026-13", "2026-W54", "2026-Q5", "2026-02-30", "2026-10-15..2026-10-01", "soon"]
)
def test_bad_period_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValidationError) as err:
        resolve_period(spec, today=TODAY)
    assert err.value.field == "period"


# --- parameters (no kernel) ---------------------------------------------------------


def _typed_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'period: str = "last_month"\nlimit: int = 3\nratio = 0.5\nflag = False\nnames = ["a"]'
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(limit)")]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(nb, path)
    return path


def test_declared_parameters_types_from_annotation_or_default(tmp_path: Path) -> None:
    declared = declared_parameters(_typed_notebook(tmp_path / "typed.ipynb"))
    assert {n: p.type for n, p in declared.items()} == {
        "period": "str",
        "limit": "int",
        "ratio": "float",
        "flag": "bool",
        "names": "list",
    }
    assert declared["limit"].default == 3


def test_command_line_parameters_are_converted_and_checked(tmp_path: Path) -> None:
    declared = declared_parameters(_typed_notebook(tmp_path / "typed.ipynb"))
    values = parse_parameter_pairs(
        declared, ["limit=7", "ratio=2", "flag=yes", 'names=["x", "y"]', "period=a=b"]
    )
    assert values == {
        "limit": 7,
        "ratio": 2.0,
        "flag": True,
        "names": ["x", "y"],
        "period": "a=b",
    }
    with pytest.raises(ValidationError) as err:
        parse_parameter_pairs(declared, ["limit=many"])
    assert err.value.field == "limit"
    with pytest.raises(ValidationError, match="NAME=VALUE"):
        parse_parameter_pairs(declared, ["limit"])


def test_report_notebook_is_clean_and_declares_its_parameters() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(
        not c.get("outputs") and not c.get("execution_count")
        for c in nb.cells
        if c.cell_type == "code"
    )
    declared = declared_parameters(NOTEBOOK)
    assert {n: (p.type, p.default) for n, p in declared.items()} == {
        "period": ("str", "last_month"),
        "segment": ("str", ""),
        "channel": ("str", ""),
        "detail": ("str", "full"),
        "title": ("str", "Community report"),
        "tz": ("str", ""),
        "database_url": ("str", ""),
    }
    # papermill cannot parse a parameter line with a second "="
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert all(line.count("=") == 1 for line in params.source.splitlines())


def test_index_escapes_folder_names_and_titles(tmp_path: Path) -> None:
    folder = tmp_path / "<b>weekly" / "2026-10"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>x</p>")
    (folder / "report.json").write_text(json.dumps({"title": "<script>alert(1)</script>"}))
    page = report_index.write_index(tmp_path).read_text()
    assert "<script>alert" not in page and "<b>weekly" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="%3Cb%3Eweekly/2026-10/report.html"' in page


def test_publish_swaps_the_folder_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "report" / "2026-10"
    target.mkdir(parents=True)
    (target / "report.html").write_text("old")
    (target / "report.failed.ipynb").write_text("{}")
    work = tmp_path / "report" / ".2026-10.run-x"
    work.mkdir()
    (work / "report.html").write_text("new")
    _publish(work, target)
    assert (target / "report.html").read_text() == "new"
    assert not (target / "report.failed.ipynb").exists()  # the new run succeeded
    assert [p.name for p in target.parent.iterdir()] == ["2026-10"]


# --- real runs on the bundled sample community ----------------------------------------
# Two executions of the full notebook (full and summary detail) are shared by the tests
# below; the failure test stops in the first cell after the parameters.

SECTION_HEADINGS = (
    "Executive summary",
    "Engagement and growth",
    "Trends over twelve months",
    "Content effectiveness",
    "Audience and retention",
    "Feedback",
    "Community workflow",
    "Lessons learned and proposed adjustments",
    "Coming up: November 2026",
)
EVIL_TITLE = "<script>alert('x')</script> & <b>Launch</b> night"
EVIL_NOTE = "<img src=x onerror=alert(1)> Launch week went well"


def _add_hostile_text(url: str) -> None:
    """A scheduled item and a team note whose text must be escaped in the report."""
    with session_scope(url) as s:
        forum = s.scalar(select(Channel).where(Channel.key == "forum"))
        s.add(
            ContentItem(
                source_id="evil-1",
                title=EVIL_TITLE,
                content_type="event",
                channel_id=forum.id,
                status="scheduled",
                scheduled_at=dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC),
            )
        )
    notes.add_note("2026-10", EVIL_NOTE, author="Ada <admin>", url=url)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Iterator[dict]:
    """The sample community in a SQLite store, with the environment pointing at it."""
    home = tmp_path_factory.mktemp("report-home")
    url = copy_sample_db(sample_db, home)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in sample_env(home, url, "Europe/Paris", TODAY.isoformat()).items():
            mp.setenv(key, value)
        _add_hostile_text(url)
        yield {"url": url, "reports": home / "reports", "home": home}


@pytest.fixture(scope="module")
def october(store: dict):
    """The full team report (Papermill + kernel + nbconvert + Chromium)."""
    return run_report(
        NOTEBOOK,
        period="2026-10",
        params={"title": TITLE, "detail": "full"},
        formats=("html", "pdf"),
        url=store["url"],
    )


@pytest.fixture(scope="module")
def summary(store: dict):
    """The executive summary of the same month, published under another name."""
    return run_report(
        NOTEBOOK,
        period="2026-10",
        params={"title": TITLE, "detail": "summary"},
        formats=("html", "pdf"),
        url=store["url"],
        name="board",
    )


@pytest.fixture(scope="module")
def expected(store: dict) -> dict[str, str]:
    """The headline numbers of October 2026 (Paris), computed directly."""
    url = store["url"]
    p = resolve_period("2026-10", tz="Europe/Paris")
    members = frames.load_members(url)
    events = frames.load_events(url, p.start, p.end)
    with session_scope(url) as s:
        last_wave = s.scalar(
            select(Survey).where(Survey.kind == "nps").order_by(Survey.opened_at.desc())
        )
        scores = list(s.scalars(select(SurveyResponse.score).where(
            SurveyResponse.survey_id == last_wave.id)))  # fmt: skip
        received = s.scalar(
            select(func.count())
            .select_from(TriageItem)
            .where(TriageItem.received_at >= p.start, TriageItem.received_at < p.end)
        )
        upcoming = s.scalar(
            select(func.count())
            .select_from(ContentItem)
            .where(
                ContentItem.scheduled_at >= p.end,
                ContentItem.scheduled_at < dt.datetime(2026, 12, 1, tzinfo=PARIS),
                ContentItem.status != "cancelled",
            )
        )
    return {
        "Members": f"{metrics.member_count(members, p.end):,}",
        "Active members": f"{metrics.active_members(events):,}",
        "New members": f"{metrics.new_members(members, p.start, p.end):,}",
        "NPS (latest survey)": f"{nps([x for x in scores if x is not None]).score:+.0f}",
        "received": f"{received:,}",
        "upcoming": f"{upcoming} items in the calendar",
    }


def _runs(url: str) -> list[ReportRun]:
    with session_scope(url) as s:
        return list(s.scalars(select(ReportRun).order_by(ReportRun.id)))


def _kpis(page: str) -> dict[str, str]:
    return dict(re.findall(r"<p class=.cb-label.>([^<]+)</p><p class=.cb-value.>([^<]+)</p>", page))


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.notebook
def test_report_run_writes_outputs_in_the_period_folder(october, store: dict) -> None:
    folder = store["reports"] / "report" / "2026-10"
    assert october.directory == folder
    assert set(october.outputs) == {"ipynb", "html", "pdf"}
    for path in october.outputs.values():
        assert path.parent == folder and path.stat().st_size > 0
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp dirs
    assert october.period.title == "October 2026"


@pytest.mark.notebook
def test_full_report_has_every_section_with_numbers_that_match_the_metrics(
    october, expected: dict[str, str]
) -> None:
    page = october.outputs["html"].read_text(encoding="utf-8")
    positions = [page.find(f">{escape(h)}</h2>") for h in SECTION_HEADINGS]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    kpis = _kpis(page)
    for label in ("Members", "Active members", "New members", "NPS (latest survey)"):
        assert kpis[label] == expected[label], label
    assert "vs September 2026" in page  # deltas against the previous period
    assert re.search(r"<td class=.cb-text.>Raise NPS</td>", page)  # objectives with status
    assert re.search(r"cb-badge (achieved|on_track|at_risk|off_track|missed|no_data)", page)
    assert kpis["Items received"] == expected["received"]
    assert expected["upcoming"] in page
    # eight charts (two of them the objectives, two per chart), each an embedded SVG with a
    # description as alt text
    alts = re.findall(r'<img alt="([^"]*)" src="data:image/svg\+xml', page)
    assert [a.split(" of ")[0].split(" per ")[0] for a in alts] == [
        "Bar chart",
        "Small line charts",
        "Line charts",
        "Line charts",
        "Bar chart",
        "Stacked bar chart",
        "Chart",
        "Bar chart",
    ]
    assert "Net Promoter Score per survey wave with 95% intervals" in alts[6]
    # lessons from the rules, then the team's note
    assert re.search(r"class=.cb-lesson", page) and "Proposed: " in page


@pytest.mark.notebook
def test_report_escapes_user_text_and_shows_no_code(october) -> None:
    page = october.outputs["html"].read_text(encoding="utf-8")
    assert "Acme &lt;Community&gt; &amp; Friends" in page and TITLE not in page
    assert "<title>Acme &lt;Community&gt; &amp; Friends — October 2026</title>" in page
    # the calendar preview (the exporter writes quotes in text as plain ')
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;Launch&lt;/b&gt; night" in page
    assert escape(EVIL_NOTE) in page and "Ada &lt;admin&gt;" in page  # the team's note
    for leak in ("load_report_data", "import ", "Traceback", "dataframe", "<script", "<img src=x"):
        assert leak not in page


@pytest.mark.notebook
def test_reports_load_nothing_from_the_network(october, summary, store: dict) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=list(export.CHROMIUM_ARGS),
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: requested.append(r.url))
            for html in (summary.outputs["html"], store["reports"] / "index.html"):
                page.goto(html.as_uri(), wait_until="networkidle")
            page.goto(october.outputs["html"].as_uri(), wait_until="networkidle")
            images = page.locator("img[src^='data:image/svg+xml']")
            assert images.count() == 8
            assert all(
                (images.nth(i).evaluate("img => img.naturalWidth") or 0) > 100 for i in range(8)
            )
            assert page.locator("h1").inner_text() == TITLE
        finally:
            browser.close()
    external = [u for u in requested if not u.startswith(("file:", "data:"))]
    assert requested and not external


@pytest.mark.notebook
def test_report_pdf_has_the_sections_and_numbers_and_renders(
    october, expected: dict[str, str], tmp_path: Path
) -> None:
    pdf = october.outputs["pdf"]
    text = _pdf_text(pdf)
    flat = " ".join(text.split())
    assert TITLE in text
    for heading in SECTION_HEADINGS:
        assert heading in flat, heading
    for label in ("Members", "Active members", "New members"):
        assert re.search(rf"\b{expected[label]}\b", text), label
    assert expected["NPS (latest survey)"] in text
    assert expected["upcoming"] in flat
    assert "Traceback" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert 6 <= pages <= 14  # sections flow on: no page is left near-blank
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 2
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.notebook
def test_summary_detail_is_the_executive_summary_only(summary, expected: dict[str, str]) -> None:
    assert summary.directory.parent.name == "board"
    page = summary.outputs["html"].read_text(encoding="utf-8")
    assert ">Executive summary</h2>" in page
    for heading in SECTION_HEADINGS[1:]:
        assert f">{escape(heading)}</h2>" not in page, heading
    kpis = _kpis(page)
    for label in ("Members", "Active members", "New members", "NPS (latest survey)"):
        assert kpis[label] == expected[label]
    assert "This is the executive summary." in page
    text = " ".join(_pdf_text(summary.outputs["pdf"]).split())
    assert "Executive summary" in text and "Main lessons" in text
    info = subprocess.run(
        ["pdfinfo", str(summary.outputs["pdf"])], capture_output=True, text=True, check=True
    )
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) <= 2  # a board handout
    assert "Engagement and growth" not in text


@pytest.mark.notebook
def test_report_run_is_recorded_and_indexed(october, store: dict) -> None:
    run = next(r for r in _runs(store["url"]) if r.id == october.run_id)
    assert (run.status, run.name, run.period) == ("ok", "report", "2026-10")
    assert run.parameters == {"title": TITLE, "detail": "full", "period": "2026-10"}
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.outputs["pdf"] == str(october.outputs["pdf"])
    page = (store["reports"] / "index.html").read_text()
    assert 'href="report/2026-10/report.html"' in page and "October 2026" in page
    assert "Acme &lt;Community&gt;" in page


@pytest.mark.notebook
def test_unknown_or_mistyped_parameter_runs_nothing(store: dict) -> None:
    before = len(_runs(store["url"]))
    with pytest.raises(ValidationError) as err:
        run_report(NOTEBOOK, period="2026-09", params={"colour": "red"}, url=store["url"])
    assert err.value.field == "colour"
    with pytest.raises(ValidationError) as err:
        run_report(NOTEBOOK, period="2026-09", params={"title": 42}, url=store["url"])
    assert err.value.field == "title" and "must be str" in str(err.value)
    with pytest.raises(NotFound):
        run_report(store["home"] / "missing.ipynb", period="2026-09", params={})
    with pytest.raises(ValidationError) as err:
        run_report(NOTEBOOK, period="2026-09", params={}, name="../escape", url=store["url"])
    assert err.value.field == "name"
    with pytest.raises(ValidationError) as err:
        run_report(NOTEBOOK, period="2026-09", params={}, run_info={"status": "ok"})
    assert err.value.field == "status"
    assert len(_runs(store["url"])) == before
    assert not (store["reports"] / "report" / "2026-09").exists()


@pytest.mark.notebook
def test_cli_reports_bad_parameter_in_one_line(store: dict) -> None:
    result = CliRunner().invoke(
        main, ["report", "run", str(NOTEBOOK), "--period", "2026-10", "--param", "colour=red"]
    )
    assert result.exit_code == 1
    assert "unknown parameter 'colour'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.notebook
def test_failed_run_keeps_previous_report_and_saves_failed_notebook(
    october, store: dict, tmp_path: Path
) -> None:
    html = october.outputs["html"]
    good = html.read_bytes()
    broken = tmp_path / "report.ipynb"  # same name → same report folder
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell('raise RuntimeError("the store is on fire")'))
    nbformat.write(nb, broken)

    with pytest.raises(ReportFailed) as err:
        run_report(broken, period="2026-10", params={}, url=store["url"])
    message = str(err.value)
    assert "RuntimeError: the store is on fire" in message
    assert "raise RuntimeError" in message  # names the failing cell
    failed = html.parent / "report.failed.ipynb"
    assert err.value.failed_notebook == failed
    assert html.read_bytes() == good  # previous report untouched
    assert (html.parent / "report.pdf").exists()
    executed = nbformat.read(failed, as_version=4)
    assert any(o.output_type == "error" for c in executed.cells for o in c.get("outputs", []))
    assert not [p for p in html.parent.parent.iterdir() if p.name.startswith(".")]

    run = _runs(store["url"])[-1]
    assert run.status == "failed" and run.finished_at is not None
    assert "the store is on fire" in run.error
    assert "last run failed" in (store["reports"] / "index.html").read_text()


@pytest.mark.notebook
def test_period_without_data_says_so(store: dict) -> None:
    result = run_report(
        NOTEBOOK,
        period="2025-01",  # the sample community's data starts in November 2025
        params={},
        url=store["url"],
        name="monthly",  # e.g. a schedule's name instead of the notebook's
        run_info={"trigger": "manual"},
    )
    assert result.directory == store["reports"] / "monthly" / "2025-01"
    run = _runs(store["url"])[-1]
    assert (run.id, run.name, run.trigger, run.status) == (result.run_id, "monthly", "manual", "ok")
    page = result.outputs["html"].read_text(encoding="utf-8")
    assert "No activity or content was recorded for January 2025" in page
    assert "No member was active in January 2025." in page
    assert "No content was published in January 2025." in page
    assert "No triage items were recorded for January 2025." in page
    assert "No survey answers were recorded in the last twelve months." in page
    assert "data:image/svg+xml" not in page
    assert "Traceback" not in page
    shutil.rmtree(result.directory)


@pytest.mark.notebook
def test_the_same_period_renders_identically_twice(store: dict, tmp_path: Path) -> None:
    """Late answers are counted to a fixed cut-off and "now" is the data's last day, so two
    runs of a past period say the same — apart from the time they were generated."""
    pages = []
    for attempt in ("first", "second"):
        result = run_report(
            NOTEBOOK,
            period="2026-09",
            params={"detail": "full"},
            formats=("html",),
            url=store["url"],
            out_dir=tmp_path / attempt,
        )
        page = result.outputs["html"].read_text(encoding="utf-8")
        page = re.sub(r"Generated [^<]*", "Generated …", page)
        # Papermill gives the injected parameters cell a new random id: an invisible anchor
        pages.append(re.sub(r"cell-id=[0-9a-f-]+", "cell-id=…", page))
    assert "Generated …" in pages[0]
    assert pages[0] == pages[1]
