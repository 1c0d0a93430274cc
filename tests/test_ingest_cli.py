"""``commbook import``: summary line on success, one-line errors with exit code 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from commbook.cli import main
from commbook.store import ActivityEvent, session_scope

DATA = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_prints_the_summary(cb_env: dict[str, str]) -> None:
    code, out, err = run("members", str(DATA / "members.csv"), "--no-progress")
    assert (code, err) == (0, "")
    assert out == "members: 4 rows read — 4 inserted, 0 updated, 0 unchanged, 0 rejected\n"
    code, out, _ = run("members", str(DATA / "members.csv"))
    assert out == "members: 4 rows read — 0 inserted, 0 updated, 4 unchanged, 0 rejected\n"


def test_bad_file_is_one_line_on_stderr_and_exit_1(cb_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("event_id,kind,occurred_at\ne1,post,2026-13-01\n", encoding="utf-8")
    code, out, err = run("events", str(path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}, row 1, field 'occurred_at': expected a timestamp")
    assert "nothing was imported" in err
    assert "Traceback" not in err


def test_map_and_mapping_file(cb_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("ID,Type,Created\nx1,post,2026-01-01T10:00:00Z\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("ID: event_id\nType: kind\n", encoding="utf-8")
    code, out, err = run(
        "events", str(path), "--mapping", str(mapping), "--map", "Created=occurred_at"
    )
    assert (code, err) == (0, ""), err
    assert "1 inserted" in out
    with session_scope(cb_env["COMMBOOK_DATABASE_URL"]) as s:
        assert s.scalars(select(ActivityEvent.source_id)).all() == ["x1"]
    code, _, err = run("events", str(path), "--map", "Created")
    assert code == 1 and 'expected "Their column=our_field"' in err


def test_quarantine_and_timezone_options(cb_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,kind,occurred_at\ne1,post,2026-06-01T10:00:00\ne2,nope,2026-06-01T10:00:00\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    code, out, err = run(
        "events", str(path), "--timezone", "Europe/Paris", "--quarantine", str(bad)
    )
    assert code == 0, err
    assert out.strip().endswith(f"1 rejected (written to {bad})")
    assert "_error" in bad.read_text(encoding="utf-8")


def test_help_lists_kinds_with_an_example() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    for kind in ("members", "events", "stackexchange", "segments"):
        assert kind in result.output
    assert "commbook import events" in result.output


def test_real_process_many_errors_no_traceback(cb_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("member_id,joined_at\na,never\nb,soon\n", encoding="utf-8")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "commbook"), "import", "members", str(path)],
        capture_output=True,
        text=True,
        env=cb_env,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("error: 2 invalid row(s); nothing was imported")
    assert f"{path}, row 2, field 'joined_at'" in proc.stderr
    assert "Traceback" not in proc.stderr
