"""Sentiment of free text with VADER (lexicon and rules tuned for short social-media text).

The lexicon ships inside the ``vaderSentiment`` wheel and is read from the package folder:
nothing is downloaded at run time (``nltk`` is not used).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE_MIN = 0.05
"""VADER's documented thresholds: compound ≥ 0.05 is positive, ≤ −0.05 negative."""
NEGATIVE_MAX = -0.05

LABELS = ("negative", "neutral", "positive")


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentiment(texts: Iterable[str | None] | pd.Series) -> pd.DataFrame:
    """Score each text: ``compound`` in −1..1 and ``label`` negative / neutral / positive.

    The result has the input's index (a Series) or 0..n−1. Missing or blank texts get
    ``compound`` NaN and ``label`` <NA> — no text is not the same as a neutral text.
    Identical texts are scored once.
    """
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    cleaned = series.astype(object).map(lambda t: str(t).strip(), na_action="ignore")
    scores: dict[str, float] = {}
    analyzer = _analyzer()
    for text in pd.unique(cleaned.dropna()):
        if text:
            scores[text] = analyzer.polarity_scores(text)["compound"]
    compound = cleaned.map(lambda t: scores.get(t, np.nan) if isinstance(t, str) else np.nan)
    compound = compound.astype(float)
    return pd.DataFrame({"compound": compound, "label": label_of(compound)}, index=series.index)


def label_of(compound: pd.Series) -> pd.Series:
    """Map compound scores to ``negative`` / ``neutral`` / ``positive`` (<NA> for NaN)."""
    label = pd.Series(pd.NA, index=compound.index, dtype="string")
    label[compound >= POSITIVE_MIN] = "positive"
    label[compound <= NEGATIVE_MAX] = "negative"
    label[(compound > NEGATIVE_MAX) & (compound < POSITIVE_MIN)] = "neutral"
    return label
