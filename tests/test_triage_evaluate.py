"""Evaluation of the rules on labelled posts, and the `commbook triage` commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from commbook.cli import main
from commbook.errors import ValidationError
from commbook.triage.evaluate import LABELLED_COLUMNS, evaluate, load_labelled
from commbook.triage.rules import load_rules, parse_rules

ROOT = Path(__file__).parents[1]


def test_scores_hand_computed() -> None:
    rules = parse_rules(
        {"rules": [
            {"name": "help", "when": {"keywords": ["help"]}, "category": "support",
             "urgency": "high"},
            {"name": "spam", "when": {"keywords": ["spam"]}, "category": "abuse"},
        ]}
    )  # fmt: skip
    labelled = pd.DataFrame(
        {
            "post_id": ["1", "2", "3", "4", "5"],
            "title": [""] * 5,
            "body": ["help", "help", "spam", "hello", "help me"],
            "label_category": ["support", "feedback", "abuse", "abuse", "support"],
            "label_urgency": ["high", "low", "normal", "normal", "critical"],
        }
    )
    result = evaluate(rules, labelled)
    rows = result.per_category.set_index("category")
    # support: suggested for 1, 2, 5; correct 1 and 5 → P 2/3; labelled 1, 5 → R 1
    assert rows.loc["support", "precision"] == pytest.approx(2 / 3)
    assert rows.loc["support", "recall"] == 1.0
    assert rows.loc["support", "f1"] == pytest.approx(0.8)
    # abuse: suggested for 3 only (correct); labelled 3, 4 → P 1, R 1/2, F1 2/3
    assert rows.loc["abuse", "f1"] == pytest.approx(2 / 3)
    # discussion: suggested for 4 (default), never labelled → P 0, R NaN
    assert rows.loc["discussion", "precision"] == 0 and pd.isna(rows.loc["discussion", "recall"])
    # feedback: labelled once, never suggested → P NaN, R 0, F1 0
    assert pd.isna(rows.loc["feedback", "precision"]) and rows.loc["feedback", "f1"] == 0
    assert result.category_accuracy == pytest.approx(3 / 5)
    assert result.macro_f1 == pytest.approx((0.8 + 2 / 3 + 0) / 3)  # labelled categories
    # urgency: suggested high, high, normal, normal, high → right for 1, 3, 4
    assert result.urgency_accuracy == pytest.approx(3 / 5)
    assert result.urgency_within_one == pytest.approx(4 / 5)  # post 2: low vs high is 2 off
    assert result.category_confusion.loc["feedback", "support"] == 1
    assert result.urgency_confusion.loc["critical", "high"] == 1
    assert json.loads(result.to_json())["per_category"][2]["precision"] is None


def test_labelled_sample_is_honest_and_varied() -> None:
    frame = load_labelled()
    assert tuple(frame.columns) == LABELLED_COLUMNS
    assert 150 <= len(frame) <= 200 and frame["post_id"].is_unique
    assert set(frame["label_category"]) == {"support", "discussion", "feedback", "abuse"}
    assert set(frame["label_urgency"]) == {"low", "normal", "high", "critical"}
    result = evaluate(load_rules(), frame)
    # useful, but not written to match the rules: neither poor nor perfect
    assert 0.7 < result.category_accuracy < 0.95
    assert 0.5 < result.urgency_accuracy < 0.9


def test_documented_figures_match_the_current_rules() -> None:
    docs = (ROOT / "docs" / "triage.md").read_text()
    result = evaluate(load_rules(), load_labelled())
    assert f"category accuracy | {result.category_accuracy:.1%}" in docs
    assert f"urgency accuracy | {result.urgency_accuracy:.1%}" in docs
    digest = hashlib.sha256((ROOT / "data/samples/triage_labelled.csv").read_bytes()).hexdigest()
    assert digest[:16] in docs  # the figures are for this exact labelled file


def test_load_labelled_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    frame = load_labelled().head(3).copy()
    frame.loc[1, "label_urgency"] = "urgent"
    frame.to_csv(path, index=False)
    with pytest.raises(ValidationError, match=r"l\.csv, row 2, field 'label_urgency'"):
        load_labelled(path)
    frame.drop(columns=["body"]).to_csv(path, index=False)
    with pytest.raises(ValidationError, match="missing column"):
        load_labelled(path)


def test_cli_evaluate_table_and_json() -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["triage", "evaluate", "--mistakes"])
    assert table.exit_code == 0, table.output
    assert "precision" in table.output and "category accuracy" in table.output
    assert "mistakes" in table.output
    out = runner.invoke(main, ["triage", "evaluate", "--format", "json"])
    payload = json.loads(out.output)
    assert payload["posts"] == len(load_labelled())
    assert {row["category"] for row in payload["per_category"]} >= {"support", "abuse"}
    assert "Example" in runner.invoke(main, ["triage", "evaluate", "--help"]).output


def test_cli_reports_bad_rules_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - name: x\n    when: {keywords: [a]}\n    category: spam\n")
    result = CliRunner().invoke(main, ["triage", "evaluate", "--rules", str(bad)])
    assert result.exit_code == 1
    assert "rule 'x': unknown category 'spam'" in result.output


def test_cli_suggest_csv_and_single_post(tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    pd.DataFrame(
        {
            "title": ['=HYPERLINK("x")', "Refund"],
            "body": ["FREE NITRO click here", "my order never arrived"],
            "channel": ["discord", "forum"],
            "member_role": ["member", "member"],
            "is_first_post": ["true", "false"],
        }
    ).to_csv(posts, index=False)
    runner = CliRunner()
    result = runner.invoke(main, ["triage", "suggest", str(posts)])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "posts.suggested.csv")
    assert out["suggested_category"].tolist() == ["abuse", "support"]
    assert out["title"][0].startswith("'=")  # formula neutralised
    single = runner.invoke(main, ["triage", "suggest", "--body", "the charger is on fire"])
    assert "urgency:  critical" in single.output
    assert runner.invoke(main, ["triage", "suggest"]).exit_code == 2


def test_cli_sla_prints_targets() -> None:
    result = CliRunner().invoke(main, ["triage", "sla"])
    assert result.exit_code == 0
    assert "abuse critical            30m         2h" in result.output
