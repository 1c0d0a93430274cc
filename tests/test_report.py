"""Reports: periods, parameters, and a real Papermill run published as offline HTML and PDF."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from commbook.cli import main
from commbook.errors import NotFound, ValidationError
from commbook.reports import index as report_index
from commbook.reports.parameters import declared_parameters, parse_parameter_pairs
from commbook.reports.periods import resolve_period
from commbook.reports.runner import ReportFailed, _publish, run_report
from commbook.store import (
    ActivityEvent,
    Channel,
    ContentItem,
    Member,
    ReportRun,
    session_scope,
    upgrade,
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
        "database_url": ("str", ""),
        "title": ("str", "Community report"),
    }


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


# --- a real run -----------------------------------------------------------------------


def _seed(url: str) -> None:
    """7 members at the end of October (Paris), 5 of them active, 3 posts."""

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text)

    with session_scope(url) as s:
        forum = Channel(key="forum", name="Forum")
        s.add(forum)
        s.flush()
        joined = {f"m{i}": "2026-09-01T00:00:00+00:00" for i in range(1, 7)}
        joined |= {"m7": "2026-10-10T00:00:00+00:00", "m8": "2026-05-01T00:00:00+00:00"}
        joined |= {"m9": "2026-11-05T00:00:00+00:00"}
        members = {
            key: Member(
                source="t",
                source_id=key,
                display_name=f"<i>{key}</i>",
                joined_at=at(value),
                left_at=at("2026-10-15T00:00:00+00:00") if key == "m8" else None,
            )
            for key, value in joined.items()
        }
        s.add_all(members.values())
        s.flush()
        for n, (key, kind, when) in enumerate(
            [
                ("m1", "post", "2026-09-30T22:30:00+00:00"),  # 1 Oct 00:30 in Paris: in
                ("m2", "reply", "2026-10-02T10:00:00+00:00"),
                ("m8", "post", "2026-10-03T10:00:00+00:00"),  # left later: still active
                ("m1", "comment", "2026-10-08T10:00:00+00:00"),
                ("m3", "reaction", "2026-10-14T10:00:00+00:00"),
                ("m7", "post", "2026-10-20T10:00:00+00:00"),
                ("m4", "view", "2026-10-21T10:00:00+00:00"),  # not active
                (None, "reaction", "2026-10-22T10:00:00+00:00"),  # anonymous
                ("m5", "post", "2026-10-31T23:30:00+00:00"),  # 1 Nov in Paris: out
                ("m6", "post", "2026-09-15T10:00:00+00:00"),  # September: out
            ]
        ):
            s.add(
                ActivityEvent(
                    source="t",
                    source_id=f"e{n}",
                    kind=kind,
                    occurred_at=at(when),
                    member_id=members[key].id if key else None,
                    channel_id=forum.id,
                )
            )
        for n, (ctype, reach, views, likes, comments, shares) in enumerate(
            [
                ("video", 1000, None, 50, 10, 5),
                ("article", 400, None, 20, 4, 1),
                ("poll", None, 300, 30, 2, 0),
            ]
        ):
            s.add(
                ContentItem(
                    source_id=f"c{n}",
                    title="<script>alert('x')</script>",
                    content_type=ctype,
                    channel_id=forum.id,
                    status="published",
                    published_at=at(f"2026-10-{5 + n:02d}T09:00:00+00:00"),
                    reach=reach,
                    views=views,
                    likes=likes,
                    comments=comments,
                    shares=shares,
                )
            )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A seeded SQLite store and a reports folder, with the environment pointing at them."""
    home = tmp_path_factory.mktemp("report-home")
    url = f"sqlite:///{home / 'commbook.db'}"
    upgrade(url)
    _seed(url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {
            "COMMBOOK_HOME": str(home),
            "COMMBOOK_DATABASE_URL": url,
            "COMMBOOK_REPORTS_DIR": str(home / "reports"),
            "COMMBOOK_TIMEZONE": "Europe/Paris",
            "COMMBOOK_USER": "tester",
        }.items():
            mp.setenv(key, value)
        yield {"url": url, "reports": home / "reports", "home": home}


@pytest.fixture(scope="module")
def october(store: dict):
    """One real run (Papermill + kernel + nbconvert + Chromium), shared by the tests below."""
    return run_report(
        NOTEBOOK,
        period="2026-10",
        params={"title": TITLE},
        formats=("html", "pdf"),
        url=store["url"],
    )


def _runs(url: str) -> list[ReportRun]:
    with session_scope(url) as s:
        return list(s.scalars(select(ReportRun).order_by(ReportRun.id)))


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
def test_report_html_shows_headlines_and_svg_chart_without_code(october) -> None:
    page = october.outputs["html"].read_text(encoding="utf-8")
    tiles = dict(
        re.findall(r"<p class=.cb-label.>([^<]+)</p><p class=.cb-value.>([^<]+)</p>", page)
    )
    assert tiles == {"Members": "7", "Active members": "5", "Posts": "3"}
    assert "1 joined in the period" in page
    assert page.count("data:image/svg+xml") == 2  # both charts, as embedded SVG
    assert re.search(r'<img alt="Bar chart of weekly active members[^"]+"', page)
    assert re.search(r'alt="Bar chart of engagement rate by content type[^"]*Poll: 10\.7%', page)
    # user text is escaped; no code, raw frames or tracebacks
    assert "Acme &lt;Community&gt; &amp; Friends" in page and TITLE not in page
    assert "<title>Acme &lt;Community&gt; &amp; Friends — October 2026</title>" in page
    for leak in ("load_events", "import ", "Traceback", "dataframe", "<script"):
        assert leak not in page
    # the engagement table: poll 32/300, video 65/1000, article 25/400
    assert re.search(r"<td>poll</td>.*?10\.7%", page)
    assert re.search(r"<td>video</td>.*?6\.5%", page)


@pytest.mark.notebook
def test_report_html_loads_nothing_from_the_network(october, store: dict) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: requested.append(r.url))
            for html in (october.outputs["html"], store["reports"] / "index.html"):
                page.goto(html.as_uri(), wait_until="networkidle")
            page.goto(october.outputs["html"].as_uri(), wait_until="networkidle")
            images = page.locator("img[src^='data:image/svg+xml']")
            assert images.count() == 2
            assert all(
                (images.nth(i).evaluate("img => img.naturalWidth") or 0) > 100 for i in range(2)
            )
            assert page.locator("h1").inner_text() == TITLE
        finally:
            browser.close()
    external = [u for u in requested if not u.startswith(("file:", "data:"))]
    assert requested and not external


@pytest.mark.notebook
def test_report_pdf_has_title_and_sections_and_renders(october, tmp_path: Path) -> None:
    pdf = october.outputs["pdf"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert TITLE in text
    assert "Activity week by week" in text and "What content engages" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.notebook
def test_report_run_is_recorded_and_indexed(october, store: dict) -> None:
    run = next(r for r in _runs(store["url"]) if r.id == october.run_id)
    assert (run.status, run.name, run.period) == ("ok", "report", "2026-10")
    assert run.parameters == {"title": TITLE, "period": "2026-10"}  # the URL is not stored
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.outputs["pdf"] == str(october.outputs["pdf"])
    page = (store["reports"] / "index.html").read_text()
    assert 'href="report/2026-10/report.html"' in page and "October 2026" in page
    assert "Acme &lt;Community&gt;" in page


@pytest.mark.notebook
def test_unknown_or_mistyped_parameter_runs_nothing(october, store: dict) -> None:
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
def test_cli_reports_bad_parameter_in_one_line(october, store: dict) -> None:
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
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("the store is on fire")'))
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
        period="2025-01",
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
    assert "No member was active in this period" in page
    assert "data:image/svg+xml" not in page
    assert "Traceback" not in page
    shutil.rmtree(result.directory)
