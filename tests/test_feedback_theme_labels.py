"""Theme labels, tones and quotes agree with each other on comment sets of many shapes:
windows of the sample survey answers, small sets near the report's minimum, mixed tones.

Regression: on the sample answers of Dec 2025 – Nov 2026 a theme was labelled "great for
reading threads", marked negative and quoted with a complaint about shipping; another,
"questions sit unanswered for days", was marked positive and quoted "get answered fast";
a third was called "members"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commbook.feedback import themes
from commbook.feedback.themes import (
    GENERIC_WORDS,
    OTHER_LABEL,
    _has_phrase,
    _theme_parts,
    _tone,
)
from commbook.feedback.vader import survey_sentiment

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
OPPOSITE = {"positive": "negative", "negative": "positive"}


def _answers() -> pd.DataFrame:
    surveys = pd.read_csv(SAMPLES / "surveys.csv", dtype=str, keep_default_na=False)
    responses = pd.read_csv(SAMPLES / "responses.csv", dtype=str, keep_default_na=False)
    merged = responses.merge(
        surveys.rename(columns={"kind": "survey_kind"}), on="survey_id", how="left"
    )
    merged = merged[merged["comment"].str.strip() != ""].reset_index(drop=True)
    merged["when"] = pd.to_datetime(merged["submitted_at"])
    return merged


ANSWERS = _answers()


def _windows() -> list[tuple[str, pd.DataFrame]]:
    out = [("all", ANSWERS)]
    first = ANSWERS["when"].min().normalize().replace(day=1)
    for start in pd.date_range(first, periods=6, freq="2MS"):
        for months in (3, 6, 12):
            end = start + pd.DateOffset(months=months)
            rows = ANSWERS[(ANSWERS["when"] >= start) & (ANSWERS["when"] < end)]
            if len(rows) >= 20:
                out.append((f"{start:%Y-%m}+{months}m", rows.reset_index(drop=True)))
    for size in (20, 25, 30):  # near the report's minimum of 20 comments
        for seed in (0, 1, 2):
            out.append((f"{size}/{seed}", ANSWERS.sample(size, random_state=seed)))
    return [(name, rows.reset_index(drop=True)) for name, rows in out]


def _check(rows: pd.DataFrame, n_themes: int = 5) -> list[str]:
    """What is wrong with the themes of these answers, in words (empty: nothing)."""
    compound = survey_sentiment(rows)["compound"]
    model = themes(rows["comment"], n_themes=n_themes, compound=compound)
    placed = model.assignments
    content = rows["comment"].where(placed["answer"].eq("content").fillna(False), None)
    part, part_compound = _theme_parts(
        content.astype(object), placed, model.vectorizer, model.centroids
    )
    theme = placed["theme"].to_numpy(dtype=float, na_value=np.nan)
    text_tone = {
        " ".join(t.split()): _tone(c)
        for t, c in zip(rows["comment"], placed["sentiment"], strict=True)
    }
    problems = []
    for t in model.themes:
        mine = theme == t.id
        label = t.label.split(" (")[0]
        if label in GENERIC_WORDS:
            problems.append(f"{t.label!r}: a generic word")
        if label != OTHER_LABEL and not any(_has_phrase(p, label) for p in part[mine]):
            problems.append(f"{t.label!r}: not said in its texts")
        tones = [_tone(c) for c in part_compound[mine]]
        against = OPPOSITE.get(t.tone)
        if against and tones.count(against) >= tones.count(t.tone):
            problems.append(f"{t.label!r} {t.tone}: {tones.count(against)} of {len(tones)} against")
        for q in t.quotes:
            if against and text_tone.get(q) == against:
                problems.append(f"{t.label!r} {t.tone}: quote of the other tone {q!r}")
        if label != OTHER_LABEL and t.quotes and not _has_phrase(t.quotes[0], label):
            problems.append(f"{t.label!r}: first quote {t.quotes[0]!r} does not say it")
    return problems


@pytest.mark.parametrize(
    ("name", "rows"), _windows(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_labels_tones_and_quotes_agree_on_windows_of_the_sample_answers(name, rows) -> None:
    assert _check(rows) == [], name


def test_the_reported_window_has_no_misleading_theme() -> None:
    rows = ANSWERS[(ANSWERS["when"] >= "2025-12-01") & (ANSWERS["when"] < "2026-12-01")]
    rows = rows.reset_index(drop=True)
    compound = survey_sentiment(rows)["compound"]
    model = themes(rows["comment"], n_themes=5, compound=compound)
    by_label = {t.label: t for t in model.themes}
    assert "members" not in by_label
    assert "questions sit unanswered for days" not in by_label or (
        by_label["questions sit unanswered for days"].tone == "negative"
    )
    for t in model.themes:
        if "great" in t.label:
            assert t.tone == "positive"
            assert not any("shipping delays" in q for q in t.quotes[:1]), t.quotes
    assert _check(rows) == []


MIXED = [
    "The mobile app is great for reading threads, but shipping delays are terrible.",
    "The mobile app is great for reading threads on the go.",
    "Love the mobile app, it is great for reading threads.",
    "The mobile app is great for reading threads. Shipping is slow.",
    "Shipping delays are terrible, my kit took two months.",
    "Shipping delays are terrible and nobody answers.",
    "Awful shipping delays, my kit never arrived.",
    "My questions sit unanswered for days, disappointing.",
    "My questions get answered fast, people are so helpful.",
    "Questions get answered fast here, great community.",
]


@pytest.mark.parametrize("n_themes", [2, 3, 4])
def test_mixed_texts_get_labels_in_the_tone_of_what_they_say_about_the_theme(n_themes) -> None:
    rows = pd.DataFrame({"comment": MIXED * 2})
    assert _check(rows, n_themes=n_themes) == []


def test_a_theme_without_a_typical_phrase_in_its_tone_is_other_comments() -> None:
    texts = [
        "Decent community. The forum is great, but shipping delays are terrible.",
        "Mostly fine. The forum is great, but the docs are confusing and out of date.",
        "Keep it up! Moderators are friendly.",
    ]
    model = themes(texts, n_themes=1)
    (theme,) = model.themes
    assert theme.label not in GENERIC_WORDS
    assert theme.label == OTHER_LABEL or _has_phrase(" ".join(texts), theme.label)
