"""Survey waves and respondents: the glue between the store's frames and the scores.

Pure functions used by the feedback notebook (``notebooks/feedback.ipynb``):

- :func:`pick_survey` — the survey a report is about: a named one, or the latest of a
  kind that opened before a date;
- :func:`with_member_attributes` — adds the respondent's region, age band, role and
  tenure at the time of answering (``newcomer`` in the first 90 days, else
  ``established``), for breakdowns;
- :func:`by_wave` — NPS (or CSAT) per survey, oldest wave first, with the interval;
- :func:`with_questions` — adds each response's survey ``question`` and
  ``comment_question``, so comments are read with the question they answer;
- :func:`sentiment_counts` — how many comments were negative / neutral / positive per
  group.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from commbook.errors import NotFound, ValidationError
from commbook.feedback._input import require_columns
from commbook.feedback.scores import SMALL_GROUP, breakdown
from commbook.feedback.vader import survey_sentiment

NEWCOMER_DAYS = 90
ATTRIBUTES = ("region", "age_band", "role")


def pick_survey(
    surveys: pd.DataFrame,
    survey: str = "",
    *,
    kind: str = "nps",
    before: dt.datetime | pd.Timestamp | None = None,
) -> pd.Series:
    """One row of ``surveys`` (``commbook.frames.load_surveys``).

    ``survey`` names it by key (``nps3``); ``""`` picks the latest survey of ``kind`` that
    opened before ``before`` (default: any time). An unknown key, or no survey to pick,
    raises ``NotFound`` listing the surveys there are.
    """
    require_columns(surveys, ["survey", "kind", "opened_at"], name="surveys")
    known = ", ".join(surveys["survey"].astype(str)) or "none"
    if survey:
        match = surveys[surveys["survey"] == survey]
        if match.empty:
            raise NotFound(f"no survey {survey!r} (surveys: {known})")
        return match.iloc[0]
    candidates = surveys[(surveys["kind"] == kind).to_numpy(dtype=bool, na_value=False)]
    if before is not None:
        opened = candidates["opened_at"]
        candidates = candidates[
            (opened < pd.Timestamp(before)).to_numpy(dtype=bool, na_value=False)
        ]
    if candidates.empty:
        when = f" opened before {pd.Timestamp(before):%Y-%m-%d}" if before is not None else ""
        raise NotFound(f"no {kind} survey{when} (surveys: {known})")
    return candidates.sort_values("opened_at", kind="stable").iloc[-1]


def with_member_attributes(responses: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """``responses`` with ``region``, ``age_band``, ``role`` and ``tenure`` of the member
    who answered; ``(unknown)`` for anonymous answers or unknown values.

    ``tenure`` is ``newcomer`` when the member had joined less than 90 days before
    answering, else ``established`` (``(unknown)`` without a join date).
    """
    require_columns(responses, ["member_id", "submitted_at"], name="responses")
    require_columns(members, ["member_id", "joined_at"], name="members")
    columns = ["member_id", "joined_at", *[c for c in ATTRIBUTES if c in members.columns]]
    info = members[columns].drop_duplicates("member_id")
    out = responses.drop(columns=[c for c in columns[1:] if c in responses.columns])
    out = out.merge(info, on="member_id", how="left")
    out.index = responses.index
    for column in ATTRIBUTES:
        if column in out.columns:
            value = out[column].astype(object)
            out[column] = value.where(value.notna() & (value != ""), "(unknown)")
    days = (out["submitted_at"] - out["joined_at"]) / pd.Timedelta(days=1)
    tenure = pd.Series("(unknown)", index=out.index, dtype=object)
    tenure[days.notna() & (days < NEWCOMER_DAYS)] = "newcomer"
    tenure[days.notna() & (days >= NEWCOMER_DAYS)] = "established"
    return out.drop(columns=["joined_at"]).assign(tenure=tenure)


def by_wave(
    responses: pd.DataFrame,
    surveys: pd.DataFrame,
    *,
    metric: str = "nps",
    min_n: int = SMALL_GROUP,
) -> pd.DataFrame:
    """``feedback.breakdown`` per survey, oldest wave first, with the survey's ``name``
    and ``opened_at``. Surveys without answers are left out."""
    require_columns(responses, ["survey", "score"], name="responses")
    require_columns(surveys, ["survey", "name", "opened_at"], name="surveys")
    if metric not in ("nps", "csat"):
        raise ValidationError(f"metric must be 'nps' or 'csat', got {metric!r}", field="metric")
    table = breakdown(responses, by="survey", metric=metric, min_n=min_n)
    info = surveys[["survey", "name", "opened_at"]]
    table = table.merge(info, on="survey", how="left")
    return table.sort_values(["opened_at", "survey"], kind="stable").reset_index(drop=True)


def with_questions(responses: pd.DataFrame, surveys: pd.DataFrame) -> pd.DataFrame:
    """``responses`` with their survey's ``question`` and ``comment_question`` (``""``
    when the survey, or the column in ``surveys``, is missing), matched on ``survey``."""
    require_columns(responses, ["survey"], name="responses")
    require_columns(surveys, ["survey"], name="surveys")
    out = responses.copy()
    by_key = surveys.drop_duplicates("survey").set_index("survey")
    for column in ("question", "comment_question"):
        values = by_key[column] if column in by_key.columns else pd.Series(dtype=object)
        out[column] = out["survey"].map(values).astype(object).where(lambda v: v.notna(), "")
    return out


def sentiment_counts(responses: pd.DataFrame, by: str) -> pd.DataFrame:
    """Comments per ``by`` value and sentiment label (``by``, ``label``, ``comments``),
    groups in order of first appearance. Each comment is read with its question when the
    frame carries it (``vader.survey_sentiment``: "Nothing." to "What could we do
    better?" is positive); blank comments, placeholders and answers without an opinion
    are not counted."""
    require_columns(responses, [by, "comment"], name="responses")
    scored = survey_sentiment(responses.reset_index(drop=True))
    frame = pd.DataFrame(
        {by: responses[by].astype(object).to_numpy(), "label": scored["label"].astype(object)}
    ).dropna(subset=["label"])
    counts = frame.groupby([by, "label"], sort=False).size().rename("comments").reset_index()
    order = {"negative": 0, "neutral": 1, "positive": 2}
    first = {key: i for i, key in enumerate(pd.unique(frame[by]))}
    counts = counts.sort_values(
        [by, "label"], key=lambda s: s.map(first if s.name == by else order), kind="stable"
    )
    return counts.reset_index(drop=True)
