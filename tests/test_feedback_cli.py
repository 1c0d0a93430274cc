"""`commbook feedback score-text` end to end, and the formula-safe CSV writer it uses."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from commbook.cli import main
from commbook.csvsafe import safe_cell, write_safe_csv

ROWS = [
    ("id", "comment", "delta"),
    ("1", "Shipping delay again, my parcel is late and it is awful", "-3"),
    ("2", "The docs tutorial made onboarding easy, great job", "2"),
    ("3", '=HYPERLINK("http://evil.example","click")', "+1"),
    ("4", "", "0"),
    ("5", "Another late parcel, the shipping delay is frustrating", "NA"),
    ("6", "Loved the onboarding tutorial and the docs", "@SUM(A1)"),
]


def _write(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _run(*args: str):
    return CliRunner().invoke(main, ["feedback", "score-text", *args])


def test_score_text_adds_sentiment_and_theme_columns(tmp_path: Path) -> None:
    source = _write(tmp_path / "survey.csv", ROWS)

    result = _run(str(source), "--text-column", "comment", "--themes", "2")

    assert result.exit_code == 0, result.output
    target = tmp_path / "survey.scored.csv"
    assert f"→ {target}" in result.stdout
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "comment", "delta", "sentiment", "sentiment_label", "theme"]
    by_id = {row["id"]: row for row in rows}
    assert by_id["1"]["sentiment_label"] == "negative" and float(by_id["1"]["sentiment"]) < 0
    assert by_id["2"]["sentiment_label"] == "positive"
    assert by_id["4"]["sentiment"] == by_id["4"]["sentiment_label"] == by_id["4"]["theme"] == ""
    assert by_id["1"]["theme"] == by_id["5"]["theme"] != by_id["2"]["theme"]
    assert by_id["2"]["theme"] == by_id["6"]["theme"]
    # untouched cells stay as written ("NA" is text, not a missing value) …
    assert (by_id["5"]["delta"], by_id["1"]["delta"], by_id["3"]["delta"]) == ("NA", "-3", "+1")
    # … and cells a spreadsheet would run as formulas are neutralised
    assert by_id["3"]["comment"] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_id["6"]["delta"] == "'@SUM(A1)"


def test_score_text_writes_to_out_and_can_skip_themes(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", ROWS)
    out = tmp_path / "result.csv"

    result = _run(str(source), "--text-column", "comment", "--out", str(out), "--themes", "0")

    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert "theme" not in frame.columns
    assert frame["sentiment_label"].tolist()[:2] == ["negative", "positive"]
    assert not (tmp_path / "in.scored.csv").exists()


def test_missing_column_is_one_line_on_stderr_listing_the_columns(tmp_path: Path) -> None:
    source = _write(tmp_path / "survey.csv", ROWS)

    result = _run(str(source), "--text-column", "text")

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no column 'text'; available columns: id, comment, delta" in result.stderr
    assert result.stderr.startswith(f"error: {source}")
    assert not (tmp_path / "survey.scored.csv").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"id,comment\n", "the file has a header but no rows"),
        (b"id,comment\n1,caf\xe9\n", "not UTF-8 text"),
    ],
    ids=["empty", "header-only", "latin-1"],
)
def test_unreadable_files_are_refused_with_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    result = _run(str(source), "--text-column", "comment")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_file_that_does_not_exist(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "nope.csv"), "--text-column", "comment")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'nope.csv'}: no such file\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),  # a plain number cannot be a formula
        ("+3e5", "+3e5"),
        ("plain text = fine", "plain text = fine"),
        ("", ""),
        (-3, -3),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formulas_only(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_write_safe_csv_neutralises_headers_and_never_half_writes(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_safe_csv(pd.DataFrame({"=x": ["=1", "ok"], "n": [-1.5, 2.0]}), target)
    assert target.read_text(encoding="utf-8").splitlines() == ["'=x,n", "'=1,-1.5", "ok,2.0"]

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_safe_csv(pd.DataFrame({"a": [Unprintable()]}), target)
    assert target.read_text(encoding="utf-8").splitlines()[0] == "'=x,n"  # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left
