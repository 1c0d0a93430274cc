"""Feedback analysis: survey scores (NPS, CSAT, Likert, response rate, breakdowns) and
free text (sentiment, themes, detractor topics, improvement areas). Pure functions on
DataFrames; formulas in ``docs/feedback.md``."""

from commbook.feedback.scores import (
    CSATResult,
    LikertResult,
    NPSResult,
    ResponseRate,
    breakdown,
    csat,
    likert_distribution,
    nps,
    response_rate,
)
from commbook.feedback.themes import (
    Theme,
    ThemeModel,
    detractor_topics,
    improvement_areas,
    quotes,
    themes,
)
from commbook.feedback.vader import sentiment

__all__ = [
    "CSATResult",
    "LikertResult",
    "NPSResult",
    "ResponseRate",
    "Theme",
    "ThemeModel",
    "breakdown",
    "csat",
    "detractor_topics",
    "improvement_areas",
    "likert_distribution",
    "nps",
    "quotes",
    "response_rate",
    "sentiment",
    "themes",
]
