"""The report's feedback section: themes in members' words, what they leave out, typical
quotes, and "Nothing." read with the survey's question."""

from __future__ import annotations

import html

import pandas as pd

from commbook.reports.data import ReportData, next_window
from commbook.reports.periods import resolve_period
from commbook.reports.sections.feedback import feedback_section

DOCS = [
    "The docs are out of date for the new board",
    "Docs are out of date and confusing",
    "The setup docs are out of date",
    "Docs out of date again, I got stuck",
    "The docs are out of date for the sensor kit",
    "Docs are out of date, please update them",
]
SHIPPING = [
    "Shipping delays are terrible",
    "Terrible shipping delays again",
    "Shipping delays, my kit took two months",
    "More shipping delays this quarter",
    "The shipping delays are getting worse",
]
NIGHTS = [
    "Love the build nights",
    "The build nights are wonderful",
    "Build nights are the best part of the month",
    "I love the monthly build nights",
]
EMPTY = ["n/a", "-", "Did not answer", "Nothing.", "No", "All good, keep it up!"]


def _data(comments: list[str], kind: str = "csat") -> ReportData:
    p = resolve_period("2026-10", tz="UTC")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    at = pd.date_range("2026-10-02", periods=len(comments), freq="h", tz="UTC")
    responses = pd.DataFrame(
        {
            "submitted_at": at,
            "member_id": pd.array(range(len(comments)), dtype="Int64"),
            "score": [4.0] * len(comments),
            "comment": pd.Series(comments, dtype=object),
            "survey_kind": [kind] * len(comments),
            "survey": ["csat"] * len(comments),
        }
    )
    empty = pd.DataFrame()
    return ReportData(
        period=p,
        previous=(pd.Timestamp("2026-09-01", tz="UTC"), start),
        next=next_window(start, end, p.tz),
        activity=empty,
        conversations=empty,
        members=empty,
        content=empty,
        upcoming=empty,
        responses=responses,
        triage=empty,
    )


def _text(section) -> str:
    return html.unescape(" ".join(getattr(part, "data", "") or "" for part in section.parts))


def test_feedback_section_reports_themes_coverage_and_the_nothing_bucket() -> None:
    section = feedback_section(_data(DOCS + SHIPPING + NIGHTS + EMPTY + ["Parking was hard"]))
    facts = section.facts
    assert facts["comments"] == 22
    labels = facts["themes"]["label"].tolist()
    assert labels[:2] == ["docs are out of date", "shipping delays"]
    assert not any(label in ("n/a", "nothing", "-") for label in labels)
    assert (facts["nothing_to_improve"], facts["placeholders"], facts["unthemed"]) == (3, 3, 1)
    assert facts["coverage"] == 15 / 16
    text = _text(section)
    assert "6% of 16 comments with content fit no theme." in text
    assert "3 said there is nothing to improve or add." in text
    assert '3 placeholder answers ("-", "n/a") were left out.' in text
    assert "Docs are out of date" in text  # the label, capitalised in the table
    # quotes are typical texts of their theme, never a placeholder
    assert facts["quotes"][0] in DOCS and facts["quotes"][1] in SHIPPING
    assert not set(facts["quotes"]) & set(EMPTY)


def test_too_few_comments_quote_only_comments_with_content() -> None:
    section = feedback_section(_data(["-", "n/a", "Search is slow"]))
    assert section.facts["comments"] == 3
    text = _text(section)
    assert "Only 3 comments: too few to find themes reliably." in text
    assert "Search is slow" in text and "n/a" not in text
