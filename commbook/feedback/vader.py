"""Sentiment of free text with VADER (lexicon and rules tuned for short social-media text),
read with the question the text answers.

The lexicon ships inside the ``vaderSentiment`` wheel and is read from the package folder:
nothing is downloaded at run time (``nltk`` is not used).

VADER scores the words, not the answer: "Nothing." is 0 whatever it answers. With the
question known (:mod:`commbook.feedback.answers`), answers without content are scored by
what they mean — "nothing" to an improvement question is praise, to a praise question a
complaint, and a placeholder ("n/a", "-") is no answer at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from commbook.errors import ValidationError
from commbook.feedback import answers

POSITIVE_MIN = 0.05
"""VADER's documented thresholds: compound ≥ 0.05 is positive, ≤ −0.05 negative."""
NEGATIVE_MAX = -0.05

LABELS = ("negative", "neutral", "positive")

EMPTY_ANSWER_COMPOUND = 0.44
"""The compound given to an answer that says "nothing to improve" (VADER's own score of
"All good"): +0.44 for "all good" answers and for "nothing" to an improvement question,
−0.44 for "nothing" to a praise question."""


# fmt: off
COMMUNITY_LEXICON = {
    # subjects VADER scores as praise: "Support did not answer" is not positive
    "support": 0.0, "please": 0.0,
    # product-feedback words VADER does not know (it reads "the app is slow" as neutral)
    "slow": -1.5, "slower": -1.5, "outdated": -1.5, "crashes": -1.7, "crashing": -1.7,
    "crashed": -1.7, "buggy": -1.8, "laggy": -1.5, "unanswered": -1.5, "delays": -1.3,
    "unusable": -2.0, "unresponsive": -1.7, "clunky": -1.5, "freezes": -1.5,
    "expensive": -1.0, "overwhelming": -1.0, "confusing": -1.5,
    "fast": 1.2, "quick": 1.0, "quickly": 1.0,
}
"""Changes to VADER's lexicon (valence −4..4) for community feedback, applied through
its documented ``lexicon`` dictionary. Measured in ``docs/feedback.md``."""
# fmt: on


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(COMMUNITY_LEXICON)
    return analyzer


def lexicon() -> dict[str, float]:
    """VADER's lexicon: word → valence (−4..4)."""
    return _analyzer().lexicon


def sentiment(
    texts: Iterable[str | None] | pd.Series,
    question: str | Iterable[str | None] | pd.Series | None = None,
) -> pd.DataFrame:
    """Score each text: ``compound`` in −1..1 and ``label`` negative / neutral / positive.

    The result has the input's index (a Series) or 0..n−1. Missing or blank texts and
    placeholders ("n/a", "-", "Did not answer") get ``compound`` NaN and ``label`` <NA> —
    no answer is not the same as a neutral answer. Identical texts are scored once.

    ``question`` is the question the texts answer — one for all, or one per text; a value
    may also be a question type of :data:`answers.QUESTION_TYPES` (``"improve"`` …). It
    changes only answers without content (see :func:`score_answer`): "All good" and "No
    complaints" are positive whatever the question; "Nothing." / "No" is positive to an
    improvement question, negative to a praise question and NaN (no opinion) otherwise.
    Without a question, "nothing" answers keep VADER's score (usually 0).
    """
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    cleaned = series.astype(object).map(lambda t: str(t).strip(), na_action="ignore")
    asked = _question_types(question, len(series))
    cache: dict[tuple[str, str | None], float] = {}
    values = []
    for text, kind in zip(cleaned.tolist(), asked, strict=True):
        if not isinstance(text, str) or not text:
            values.append(np.nan)
            continue
        key = (text, kind)
        if key not in cache:
            cache[key] = score_answer(text, kind)
        values.append(cache[key])
    compound = pd.Series(values, index=series.index, dtype=float)
    return pd.DataFrame({"compound": compound, "label": label_of(compound)}, index=series.index)


def score_answer(text: str, question_type: str | None = None) -> float:
    """The compound score of one answer to a question of ``question_type``.

    | answer (``answers.answer_kind``) | improve | praise | other, reason, open | none given |
    |---|---|---|---|---|
    | placeholder ("n/a", "-") | NaN | NaN | NaN | NaN |
    | all good ("No complaints") | ≥ +0.44 | ≥ +0.44 | ≥ +0.44 | ≥ +0.44 |
    | nothing ("Nothing.", "No") | +0.44 | −0.44 | NaN | VADER |
    | content | VADER | VADER | VADER | VADER |
    """
    kind = answers.answer_kind(text)
    if kind is None or kind == answers.PLACEHOLDER:
        return np.nan
    vader = float(_analyzer().polarity_scores(text)["compound"])
    if kind == answers.ALL_GOOD:
        return max(vader, EMPTY_ANSWER_COMPOUND)
    if kind == answers.NOTHING and question_type is not None:
        if question_type == answers.IMPROVE:
            return EMPTY_ANSWER_COMPOUND
        if question_type == answers.PRAISE:
            return -EMPTY_ANSWER_COMPOUND
        return np.nan
    return vader


def _question_types(
    question: str | Iterable[str | None] | pd.Series | None, n: int
) -> list[str | None]:
    """One question type (or ``None``) per text."""
    if question is None or isinstance(question, str):
        values: list[str | None] = [question] * n
    else:
        values = list(question.astype(object) if isinstance(question, pd.Series) else question)
        if len(values) != n:
            raise ValidationError(
                f"question: {len(values)} questions for {n} texts", field="question"
            )
    cache: dict[str | None, str | None] = {}
    out = []
    for value in values:
        if not isinstance(value, str):
            out.append(None)
            continue
        if value not in cache:
            cache[value] = (
                value if value in answers.QUESTION_TYPES else answers.question_type(value)
            )
        out.append(cache[value])
    return out


def survey_sentiment(responses: pd.DataFrame) -> pd.DataFrame:
    """:func:`sentiment` of survey comments, each read with the question it answers.

    ``responses`` has ``comment`` and, when known, the survey's ``comment_question``,
    score ``question`` and ``survey_kind`` (or ``kind``); the question type of each row
    is :func:`answers.comment_question_type` of those. Columns: ``compound``, ``label``,
    ``answer`` (:data:`answers.ANSWER_KINDS`), ``question_type``.
    """
    from commbook.feedback._input import require_columns

    require_columns(responses, ["comment"], name="responses")

    def column(*names: str) -> list[str | None]:
        for name in names:
            if name in responses.columns:
                return [v if isinstance(v, str) else None for v in responses[name].astype(object)]
        return [None] * len(responses)

    cache: dict[tuple[str | None, ...], str] = {}
    types = [
        cache.setdefault(key, answers.comment_question_type(*key))
        for key in zip(
            column("comment_question"),
            column("question"),
            column("survey_kind", "kind"),
            strict=True,
        )
    ]
    scored = sentiment(responses["comment"], types)
    scored["answer"] = answers.answer_kinds(responses["comment"]).to_numpy()
    scored["question_type"] = pd.Series(types, index=responses.index, dtype="string")
    return scored


def label_of(compound: pd.Series) -> pd.Series:
    """Map compound scores to ``negative`` / ``neutral`` / ``positive`` (<NA> for NaN)."""
    label = pd.Series(pd.NA, index=compound.index, dtype="string")
    label[compound >= POSITIVE_MIN] = "positive"
    label[compound <= NEGATIVE_MAX] = "negative"
    label[(compound > NEGATIVE_MAX) & (compound < POSITIVE_MIN)] = "neutral"
    return label
