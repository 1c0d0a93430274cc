"""Feedback quality measured on the hand-labelled comments (tests/fixtures/
feedback_labelled.csv): the figures recorded in docs/feedback.md must hold."""

from __future__ import annotations

import pytest

from commbook.feedback import themes
from commbook.feedback.evaluate import (
    LABELLED,
    answer_scores,
    read_labelled,
    report,
    sentiment_scores,
    theme_scores,
)


@pytest.fixture(scope="module")
def labelled():
    return read_labelled(LABELLED)


def test_the_labelled_set_is_big_enough_and_labelled_throughout(labelled) -> None:
    assert len(labelled) >= 250
    assert labelled["comment"].str.strip().ne("").all()
    assert set(labelled["sentiment"]) == {"negative", "neutral", "positive", ""}
    assert labelled.loc[labelled["sentiment"] == "", "theme"].eq("placeholder").all()
    assert labelled["theme"].nunique() >= 10
    assert not labelled["comment_question"].eq("").any()


def test_reading_the_question_makes_sentiment_better(labelled) -> None:
    table = sentiment_scores(labelled).set_index(["reading", "answers"])
    before = table.loc[("VADER on the text alone (before)", "all answers")]
    after = table.loc[("comment question known", "all answers")]
    assert after["macro_f1"] > before["macro_f1"] + 0.1
    empty_before = table.loc[("VADER on the text alone (before)", "no content")]
    empty_after = table.loc[("comment question known", "no content")]
    assert empty_after["accuracy"] >= 0.85 > empty_before["accuracy"]


def test_answers_without_content_are_caught(labelled) -> None:
    scores = answer_scores(labelled)
    assert scores["placeholders_caught"] == 1.0
    assert scores["nothing_caught"] >= 0.8
    assert scores["content_kept"] == 1.0


def test_themes_are_purer_phrased_and_never_mean_nothing(labelled) -> None:
    scores = theme_scores(themes(labelled["comment"], n_themes=8, seed=0), labelled)
    assert scores["purity"] >= 0.55 and scores["nmi"] >= 0.45
    assert scores["coverage"] >= 0.9
    assert scores["empty_themes"] == 0.0
    assert scores["duplicate_rate"] <= 0.125
    assert scores["labels_in_texts"] == 1.0
    assert scores["quotes_consistent"] >= 0.8


def test_the_report_command_prints_every_table(labelled) -> None:
    text = report(LABELLED, n_themes=(8,))
    assert "| comment question known | all answers |" in text
    assert "| 8 | 8 |" in text
    assert "placeholder answers" in text


def test_the_command_can_measure_another_themes_module(tmp_path, capsys) -> None:
    from commbook.feedback.evaluate import main

    older = tmp_path / "old_themes.py"
    older.write_text(
        "from commbook.feedback.themes import themes as current\n"
        "def themes(texts, n_themes=6, seed=0):\n"
        "    return current(texts, n_themes=2, seed=seed)\n"
    )
    main([str(LABELLED), "--themes-module", str(older)])
    printed = capsys.readouterr().out
    assert "| 8 | 2 |" in printed  # asked for 8, the other module found 2
    assert "comment question known" in printed
