"""Feedback analysis: survey scores (NPS, CSAT, Likert, response rate, breakdowns) and
free text (answers read with their question, sentiment, themes, detractor topics,
improvement areas). Pure functions on
DataFrames; formulas in ``docs/feedback.md``."""

from commbook.feedback.answers import answer_kind, comment_question_type, question_type
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
    typical_quotes,
)
from commbook.feedback.vader import sentiment, survey_sentiment

__all__ = [
    "CSATResult",
    "LikertResult",
    "NPSResult",
    "ResponseRate",
    "Theme",
    "ThemeModel",
    "answer_kind",
    "breakdown",
    "comment_question_type",
    "csat",
    "detractor_topics",
    "improvement_areas",
    "likert_distribution",
    "nps",
    "question_type",
    "quotes",
    "response_rate",
    "sentiment",
    "survey_sentiment",
    "themes",
    "typical_quotes",
]
