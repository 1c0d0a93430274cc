"""schedules.yml validation: every mistake names the line, the schedule and the field."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from commbook.schedules import SchedulesFileError, load_schedules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    params = {
        "cell_type": "code",
        "id": "parameters",
        "metadata": {"tags": ["parameters"]},
        "source": 'period = "last_month"\ntitle = "Report"\n',
        "outputs": [],
        "execution_count": None,
    }
    nb = {
        "cells": [params],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / "report.ipynb").write_text(json.dumps(nb))
    return folder


GOOD = """\
schedules:
  - name: monthly
    notebook: report
    cron: "0 7 1 * *"
    timezone: Europe/Paris
    parameters:
      period: last_month
      title: Stakeholders
    formats: [html, pdf]
    keep: 12
    retries: {max_attempts: 3, delay: 15m}
    catch_up: 3d
    recipients: [steering@example.org]
  - name: weekly
    notebook: report.ipynb
    cron: "0 8 * * MON"
    timezone: Europe/Paris
    parameters: {period: last_week}
"""


def load(tmp_path: Path, notebooks: Path, text: str):
    path = tmp_path / "schedules.yml"
    path.write_text(textwrap.dedent(text))
    return load_schedules(path, notebooks)


def error(tmp_path: Path, notebooks: Path, text: str) -> str:
    with pytest.raises(SchedulesFileError) as info:
        load(tmp_path, notebooks, text)
    return str(info.value)


def test_a_good_file_loads_with_its_defaults(tmp_path: Path, notebooks: Path) -> None:
    monthly, weekly = load(tmp_path, notebooks, GOOD)
    assert monthly.formats == ("html", "pdf")
    assert monthly.retries.max_attempts == 3
    assert monthly.retries.delay.total_seconds() == 900
    assert monthly.catch_up.days == 3
    assert monthly.period == "last_month" and monthly.params == {"title": "Stakeholders"}
    assert weekly.formats == ("html",) and weekly.enabled and weekly.keep is None
    assert weekly.retries.max_attempts == 1 and weekly.recipients == ()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'cron: "0 8 * * MON"',
            'cron: "0 25 * * MON"',
            "line 16, schedule 'weekly', field 'cron': bad cron expression '0 25 * * MON': "
            "Bad hour",
        ),
        (
            'cron: "0 8 * * MON"',
            'cron: "0 8 * *"',
            "line 16, schedule 'weekly', field 'cron': bad cron expression '0 8 * *': "
            "expected 5 fields",
        ),
        (
            "timezone: Europe/Paris\n    parameters: {period: last_week}",
            "timezone: Europe/Pariss\n    parameters: {period: last_week}",
            "line 17, schedule 'weekly', field 'timezone': unknown timezone 'Europe/Pariss'",
        ),
        (
            "notebook: report.ipynb",
            "notebook: reprot",
            "line 15, schedule 'weekly', field 'notebook': unknown notebook 'reprot': "
            "no reprot.ipynb in",
        ),
        (
            "      title: Stakeholders",
            "      titel: Stakeholders",
            "line 8, schedule 'monthly', field 'parameters.titel': unknown parameter 'titel': "
            "report.ipynb has period, title",
        ),
        (
            "  - name: weekly",
            "  - name: monthly",
            "line 14, schedule 'monthly', field 'name': duplicate name: schedule #1 has it",
        ),
        (
            "parameters: {period: last_week}",
            "parameters: {period: last_fortnight}",
            "line 18, schedule 'weekly', field 'parameters': unknown period 'last_fortnight'",
        ),
        (
            "parameters: {period: last_week}",
            "parameters: {title: x}",
            "line 18, schedule 'weekly', field 'parameters': parameters.period is required",
        ),
        (
            "formats: [html, pdf]",
            "formats: [html, docx]",
            "line 9, schedule 'monthly', field 'formats': unknown format 'docx'",
        ),
        (
            "delay: 15m",
            "delay: soon",
            "line 11, schedule 'monthly', field 'retries.delay': expected a duration",
        ),
        (
            "catch_up: 3d",
            "catchup: 3d",
            "line 12, schedule 'monthly', field 'catchup': unknown field",
        ),
        (
            "recipients: [steering@example.org]",
            "recipients: [steering.example.org]",
            "line 13, schedule 'monthly', field 'recipients': "
            "'steering.example.org' is not an email address",
        ),
        (
            "    notebook: report\n",
            "",
            "line 2, schedule 'monthly', field 'notebook': required field is missing",
        ),
        (
            "keep: 12",
            "keep: 0",
            "line 10, schedule 'monthly', field 'keep': Input should be greater than or equal to 1",
        ),
    ],
    ids=[
        "bad-cron",
        "cron-fields",
        "timezone",
        "notebook",
        "parameter",
        "duplicate",
        "period",
        "no-period",
        "format",
        "duration",
        "unknown-field",
        "recipient",
        "missing",
        "keep",
    ],
)
def test_each_mistake_gets_a_clear_message(
    tmp_path: Path, notebooks: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    message = error(tmp_path, notebooks, GOOD.replace(old, new, 1))
    assert message.startswith(f"{tmp_path / 'schedules.yml'}: ")
    assert expected in message


def test_all_problems_are_listed_at_once(tmp_path: Path, notebooks: Path) -> None:
    text = GOOD.replace('"0 7 1 * *"', '"0 7 32 * *"').replace("Europe/Paris", "Mars/Olympus")
    message = error(tmp_path, notebooks, text)
    assert message.count("\n  line ") == 3
    assert "field 'cron'" in message and message.count("unknown timezone 'Mars/Olympus'") == 2


def test_invalid_yaml_points_at_the_line(tmp_path: Path, notebooks: Path) -> None:
    message = error(tmp_path, notebooks, GOOD.replace("keep: 12", "keep: [12"))
    assert "not valid YAML" in message and "line 11" in message


def test_a_missing_file_is_named(tmp_path: Path, notebooks: Path) -> None:
    with pytest.raises(SchedulesFileError, match=r"schedules\.yml: file not found"):
        load_schedules(tmp_path / "schedules.yml", notebooks)


def test_the_committed_schedules_yml_is_valid() -> None:
    schedules = {s.name: s for s in load_schedules(ROOT / "schedules.yml", ROOT / "notebooks")}
    monthly = schedules["monthly-stakeholders"]
    assert (monthly.cron, monthly.timezone, monthly.period) == (
        "0 7 1 * *",
        "Europe/Paris",
        "last_month",
    )
    assert monthly.formats == ("html", "pdf") and monthly.notebook == "report"
    weekly = schedules["weekly-team"]
    assert (weekly.cron, weekly.period) == ("0 8 * * MON", "last_week")
