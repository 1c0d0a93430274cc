"""Every process started by the CLI — notebook kernels included — uses the same store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commbook.config import PROJECT_ROOT, Settings, default_home, export_env
from commbook.samples import load_samples


def test_default_home_is_the_checkout_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_home() == PROJECT_ROOT
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'commbook.db'}"


def test_export_env_pins_resolved_absolute_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"COMMBOOK_HOME": "team"}
    export_env(Settings.from_env(env), env)
    assert env["COMMBOOK_HOME"] == str(tmp_path / "team")
    assert env["COMMBOOK_DATABASE_URL"] == f"sqlite:///{tmp_path / 'team/data/commbook.db'}"
    assert env["COMMBOOK_REPORTS_DIR"] == str(tmp_path / "team" / "reports")


@pytest.mark.notebook
def test_report_kernel_reads_the_store_the_cli_resolved(tmp_path: Path) -> None:
    home = tmp_path / "home"
    load_samples(PROJECT_ROOT / "data" / "samples", url=f"sqlite:///{home / 'data/commbook.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMBOOK_")}
    # A relative home, and nothing else: the kernel runs in notebooks/, not here.
    env["COMMBOOK_HOME"] = "home"
    proc = subprocess.run(
        [sys.executable, "-m", "commbook", "report", "run", "report", "--period", "2026-10"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    html = (home / "reports" / "report" / "2026-10" / "report.html").read_text()
    assert "No activity or content was recorded" not in html
