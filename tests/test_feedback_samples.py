"""The committed sample surveys carry their comment questions and realistic empty answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commbook.feedback import themes
from commbook.feedback.vader import survey_sentiment

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _comments() -> pd.DataFrame:
    surveys = pd.read_csv(SAMPLES / "surveys.csv", dtype=str, keep_default_na=False)
    responses = pd.read_csv(SAMPLES / "responses.csv", dtype=str, keep_default_na=False)
    merged = responses.merge(
        surveys.rename(columns={"kind": "survey_kind"}), on="survey_id", how="left"
    )
    return merged[merged["comment"] != ""].reset_index(drop=True)


def test_every_sample_survey_says_what_its_comments_answer() -> None:
    surveys = pd.read_csv(SAMPLES / "surveys.csv", dtype=str, keep_default_na=False)
    assert surveys["comment_question"].str.endswith("?").all()


def test_sample_comments_hold_placeholders_and_nothing_answers_read_with_the_question() -> None:
    comments = _comments()
    scored = survey_sentiment(comments)
    kinds = scored["answer"].value_counts()
    assert kinds["placeholder"] >= 5 and kinds["nothing"] + kinds["all_good"] >= 5
    csat_nothing = (comments["survey_id"] == "csat") & scored["answer"].eq("nothing")
    assert csat_nothing.any()
    assert scored.loc[csat_nothing, "label"].eq("positive").all()  # "Nothing." = no complaint
    assert scored.loc[scored["answer"] == "placeholder", "compound"].isna().all()
    model = themes(comments["comment"], n_themes=6)
    assert model.placeholders == kinds["placeholder"]
    assert all(t.label not in ("n/a", "nothing", "-") for t in model.themes)
