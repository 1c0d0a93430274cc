"""Answers before words: placeholders, "nothing" answers, the question they answer, and
sentiment read with that question."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commbook.errors import ValidationError
from commbook.feedback import answers, sentiment
from commbook.feedback.answers import answer_kind, comment_question_type, question_type
from commbook.feedback.vader import EMPTY_ANSWER_COMPOUND, score_answer, survey_sentiment


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("-", "placeholder"),
        ("...", "placeholder"),
        ("n/a", "placeholder"),
        ("N / A.", "placeholder"),
        ("Did not answer", "placeholder"),
        ("Didn’t answer", "placeholder"),
        ("idk", "placeholder"),
        ("no comment", "placeholder"),
        ("Nothing.", "nothing"),
        ("No", "nothing"),
        ("Not really", "nothing"),
        ("I can't think of anything", "nothing"),
        ("Nothing to add, thanks", "nothing"),
        ("All good, keep it up!", "all_good"),
        ("No complaints", "all_good"),
        ("Nothing, keep it up", "all_good"),
        ("Everything is great as it is.", "all_good"),
        ("Great job!", "all_good"),
        ("Nothing, but the docs are out of date", "content"),
        ("Keep it up! The docs are great", "content"),
        ("No updates on my order for three weeks", "content"),
        ("Search is not working", "content"),
    ],
)
def test_answers_without_content_are_told_apart(text: str, kind: str) -> None:
    assert answer_kind(text) == kind


def test_blank_answers_have_no_kind() -> None:
    assert answer_kind(None) is None and answer_kind("   ") is None
    kinds = answers.answer_kinds(pd.Series(["-", None, "Docs"], index=[5, 6, 7]))
    assert kinds.index.tolist() == [5, 6, 7]
    assert kinds.tolist()[0::2] == ["placeholder", "content"] and kinds.isna().tolist()[1]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What could we do better?", "improve"),
        ("Is anything missing from the docs?", "improve"),
        ("What do you like least?", "improve"),  # "least" before "like"
        ("What do you like most about the Guild?", "praise"),
        ("Anything else you'd like to tell us?", "other"),
        ("What is the main reason for your score?", "reason"),
        ("Tell us about your week", "open"),
        ("", None),
        (None, None),
    ],
)
def test_question_types(question: str | None, kind: str | None) -> None:
    assert question_type(question) == kind


def test_the_comment_question_decides_else_the_score_question_else_the_kind() -> None:
    assert comment_question_type("What could we do better?", "How likely…?", "nps") == "improve"
    assert comment_question_type(None, "What should we improve next?", "poll") == "improve"
    assert comment_question_type("", "How likely are you to recommend us?", "nps") == "reason"
    assert comment_question_type(None, "The docs help me.", "likert") == "reason"
    assert comment_question_type(None, "Which channel do you use?", "poll") == "open"
    assert comment_question_type() == "open"


def test_nothing_is_praise_to_an_improvement_question_and_a_complaint_to_a_praise_one() -> None:
    texts = ["Nothing.", "Nothing.", "Nothing.", "Nothing.", "n/a", "All good"]
    asked = [
        "What could we do better?",
        "What do you like most?",
        "Anything else to add?",
        None,
        "What could we do better?",
        "What do you like most?",
    ]
    scored = sentiment(texts, asked)
    assert scored["label"].tolist()[:2] == ["positive", "negative"]
    assert scored["compound"].iloc[0] == EMPTY_ANSWER_COMPOUND
    assert math.isnan(scored["compound"].iloc[2])  # "nothing else": no opinion
    assert scored["compound"].iloc[3] == 0.0  # no question: VADER's own score
    assert math.isnan(scored["compound"].iloc[4])  # a placeholder is no answer
    assert scored["label"].iloc[5] == "positive"
    # a type name works as well as a question, and one question may serve every text
    assert sentiment(["No", "Nope"], "improve")["label"].tolist() == ["positive"] * 2
    # content is read by VADER whatever the question
    complaint = "The mobile app crashes all the time, it is slow and buggy."
    assert score_answer(complaint, "improve") == score_answer(complaint, None) < -0.5
    with pytest.raises(ValidationError, match="2 questions for 3 texts"):
        sentiment(["a", "b", "c"], ["improve", "praise"])


def test_community_words_vader_misreads_are_scored() -> None:
    scored = sentiment(["Support did not answer my email", "The app is slow and buggy"])
    assert scored["compound"].iloc[0] <= 0.0  # "support" is a subject, not praise
    assert scored["label"].iloc[1] == "negative"


def test_survey_sentiment_reads_each_comment_with_its_surveys_question() -> None:
    responses = pd.DataFrame(
        {
            "comment": ["Nothing.", "Nothing.", "No", "-", "Great events"],
            "comment_question": ["What could we do better?", None, None, None, None],
            "question": ["How likely…?", "How likely…?", "What should we improve?", "", ""],
            "survey_kind": ["nps", "nps", "poll", "nps", "nps"],
        },
        index=[3, 4, 5, 6, 7],
    )
    scored = survey_sentiment(responses)
    assert scored.index.tolist() == [3, 4, 5, 6, 7]
    assert scored["question_type"].tolist() == ["improve", "reason", "improve", "reason", "reason"]
    assert scored["label"].iloc[0] == "positive" and scored["label"].iloc[2] == "positive"
    assert scored["label"].iloc[[1, 3]].isna().all()  # "Nothing." as a reason says nothing
    assert scored["answer"].tolist() == ["nothing", "nothing", "nothing", "placeholder", "content"]
    assert scored["label"].iloc[4] == "positive"
    with pytest.raises(ValidationError, match="missing column 'comment'"):
        survey_sentiment(pd.DataFrame({"text": ["x"]}))


def test_waves_read_comments_with_the_question_of_their_survey() -> None:
    from commbook.feedback import waves

    surveys = pd.DataFrame(
        {
            "survey": ["csat", "nps1"],
            "question": ["How satisfied are you?", "How likely …?"],
            "comment_question": ["Anything we could have done better?", ""],
        }
    )
    responses = pd.DataFrame(
        {
            "survey": ["csat", "csat", "nps1", "gone"],
            "survey_kind": ["csat", "csat", "nps", "nps"],
            "comment": ["Nothing.", "n/a", "Nothing.", "Slow and buggy app"],
        }
    )
    asked = waves.with_questions(responses, surveys)
    assert asked["comment_question"].tolist() == [
        "Anything we could have done better?", "Anything we could have done better?", "", "",
    ]  # fmt: skip
    assert asked["question"].iloc[3] == ""  # a survey not in the frame
    counts = waves.sentiment_counts(asked, "survey")
    # "Nothing." to the CSAT question is praise; the placeholder and the NPS "Nothing."
    # (a reason question: no opinion) are not counted
    assert counts.values.tolist() == [["csat", "positive", 1], ["gone", "negative", 1]]
    no_column = waves.with_questions(responses, surveys.drop(columns=["comment_question"]))
    assert no_column["comment_question"].eq("").all()
