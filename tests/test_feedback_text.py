"""Free text: VADER sentiment, TF-IDF + NMF themes, detractor topics, improvement areas."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from commbook.errors import ValidationError
from commbook.feedback import detractor_topics, improvement_areas, quotes, sentiment, themes, vader

SHIPPING = [
    "The shipping was late and the parcel delay was terrible",
    "Parcel arrived late, shipping delay again, awful",
    "Shipping delay: my parcel is late every single time",
    "Another late parcel, the shipping delay is frustrating",
    "Why is shipping always late? Parcel delay again, bad",
    "The shipping was late and the parcel delay was terrible",  # a duplicate
]
DOCS = [
    "The docs tutorial made onboarding easy, great job",
    "Loved the onboarding tutorial and the docs",
    "Docs and tutorial are excellent for onboarding",
    "Great onboarding docs, the tutorial helped me",
]
MODERATION = [
    "Moderation is rude and the tone is harsh",
    "Rude moderation and a hostile tone",
    "The moderation tone felt rude",
]
TOPICS = {"shipping": SHIPPING, "docs": DOCS, "moderation": MODERATION}
WORDS = {
    "shipping": {"shipping", "parcel", "delay", "late"},
    "docs": {"docs", "tutorial", "onboarding"},
    "moderation": {"moderation", "rude", "tone"},
}


def _corpus() -> pd.Series:
    return pd.Series(SHIPPING + DOCS + MODERATION)


def _words(label: str) -> set[str]:
    return set(label.replace("/", " ").split())


def _topic_of_row() -> list[str]:
    return [topic for topic, texts in TOPICS.items() for _ in texts]


def test_sentiment_labels_clear_cases_and_leaves_missing_text_empty() -> None:
    texts = pd.Series(
        [
            "I love this community, the people are wonderful and helpful!",
            "Terrible experience, the moderators were rude and I hate it.",
            "The meeting is on Tuesday.",
            None,
            "   ",
        ],
        index=[10, 11, 12, 13, 14],
    )
    result = sentiment(texts)
    assert result.index.tolist() == [10, 11, 12, 13, 14]
    assert result["label"].tolist()[:3] == ["positive", "negative", "neutral"]
    assert result.loc[10, "compound"] > 0.5
    assert result.loc[11, "compound"] < -0.5
    assert result.loc[[13, 14], "compound"].isna().all()
    assert result.loc[[13, 14], "label"].isna().all()


def test_sentiment_reads_its_lexicon_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("sentiment tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    vader._analyzer.cache_clear()  # load the lexicon again, offline
    assert sentiment(["What a great day"])["label"].tolist() == ["positive"]


def test_themes_put_each_topic_in_its_own_theme_labelled_with_its_words() -> None:
    model = themes(_corpus(), n_themes=3, seed=0)

    assert len(model.themes) == 3
    theme_of_row = model.assignments["theme"].tolist()
    by_topic: dict[str, set[int]] = {}
    for topic, theme_id in zip(_topic_of_row(), theme_of_row, strict=True):
        by_topic.setdefault(topic, set()).add(theme_id)
    assert all(len(ids) == 1 for ids in by_topic.values()), by_topic
    assert len({next(iter(ids)) for ids in by_topic.values()}) == 3
    for topic, ids in by_topic.items():
        theme = model.themes[next(iter(ids))]
        assert _words(theme.label) <= WORDS[topic], theme.label
        assert theme.size == len(TOPICS[topic])
    # numbered by size, largest first
    assert [t.size for t in model.themes] == [6, 4, 3]
    assert model.themes[0].share == pytest.approx(6 / 13)


def test_themes_carry_sentiment_and_deduplicated_quotes() -> None:
    model = themes(_corpus(), n_themes=3)
    shipping, docs, moderation = model.themes
    assert shipping.mean_sentiment < 0 < docs.mean_sentiment
    assert moderation.mean_sentiment < 0
    assert 1 <= len(shipping.quotes) <= 3
    assert len(set(shipping.quotes)) == len(shipping.quotes)
    assert all(q in SHIPPING for q in shipping.quotes)
    frame = model.to_frame()
    assert frame.columns.tolist() == [
        "theme",
        "label",
        "size",
        "share",
        "mean_sentiment",
        "terms",
        "quotes",
    ]


def test_themes_are_deterministic_and_can_place_new_texts() -> None:
    first = themes(_corpus(), n_themes=3, seed=0)
    second = themes(_corpus(), n_themes=3, seed=0)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    assert [t.label for t in first.themes] == [t.label for t in second.themes]

    placed = first.assign(["my parcel shipping is late", "rude tone", "", None])
    assert placed["label"].iloc[0] == first.assignments["label"].iloc[0]
    assert placed["label"].iloc[1] == first.assignments["label"].iloc[-1]
    assert placed["theme"].iloc[2:].isna().all()


def test_themes_skip_empty_texts_and_refuse_a_corpus_without_words() -> None:
    model = themes(pd.Series([*DOCS, None, "", "the and of"]), n_themes=2)
    assert model.assignments["theme"].iloc[-3:].isna().all()
    assert sum(t.size for t in model.themes) == len(DOCS)
    with pytest.raises(ValidationError, match="no words"):
        themes(["", None, "the of and"])
    with pytest.raises(ValidationError, match="n_themes"):
        themes(DOCS, n_themes=0)


def test_quotes_are_distinct_and_shortened_at_a_word_boundary() -> None:
    long = "word " * 100
    picked = quotes(["Same text.", "same   TEXT", "Other", long], n=3, max_chars=40)
    assert picked[:2] == ("Same text.", "Other")
    assert picked[2].endswith("…") and len(picked[2]) <= 40
    assert picked[2].removesuffix("…").split() == ["word"] * 7


def _responses() -> pd.DataFrame:
    texts = SHIPPING + DOCS + MODERATION + ["", None]
    scores = [*(2, 3, 1, 4, 5, 0), *(10, 9, 10, 9), *(6, 8, 7), *(9, 3)]
    return pd.DataFrame({"comment": texts, "score": scores}, index=range(100, 115))


def test_improvement_areas_rank_the_frequent_negative_theme_first() -> None:
    table = improvement_areas(_responses(), n_themes=3)

    for label, topic in zip(table["label"], ["shipping", "moderation", "docs"], strict=True):
        assert _words(label) <= WORDS[topic], label
    total = 13  # comments with text
    first = table.iloc[0]
    assert first["comments"] == 6 and first["negative"] == 6
    assert first["priority"] == pytest.approx(6 / total)
    assert (table["priority"] == table["frequency"] * table["negativity"]).all()
    assert table.iloc[-1]["priority"] == 0  # the docs praise
    assert table.iloc[-1]["quotes"] == ()  # only negative comments are quoted
    assert first["mean_score"] == pytest.approx(2.5)


def test_detractor_topics_compare_detractors_with_everyone() -> None:
    table = detractor_topics(_responses(), n_themes=3)

    top = table.iloc[0]
    assert _words(top["label"]) <= WORDS["shipping"]
    # 7 detractor comments: 6 on shipping, 1 on moderation (score 6)
    assert top["detractors"] == 6
    assert top["detractor_share"] == pytest.approx(6 / 7)
    assert top["lift"] == pytest.approx((6 / 7) / (6 / 13))
    assert top["promoter_share"] == 0
    assert table["detractors"].tolist() == [6, 1, 0]
    assert len(top["quotes"]) == 3


def test_a_fitted_model_is_reused_so_tables_share_labels() -> None:
    model = themes(_corpus(), n_themes=3)
    areas = improvement_areas(_responses(), model=model)
    assert set(areas["label"]) == {t.label for t in model.themes}
    assert areas.iloc[0]["label"] == model.themes[0].label


def test_text_analyses_validate_their_input() -> None:
    with pytest.raises(ValidationError, match="missing column 'comment'"):
        improvement_areas(pd.DataFrame({"text": ["x"]}))
    with pytest.raises(ValidationError, match="missing column 'score'"):
        detractor_topics(pd.DataFrame({"comment": ["x"]}))
    with pytest.raises(ValidationError, match="no comments"):
        improvement_areas(pd.DataFrame({"comment": [None, "  "]}))


# --- themes a person would write -----------------------------------------------------------

NOT_ANSWERED = [
    "Support did not answer my email",
    "Support did not answer for a week",
    "The support team did not answer at all",
    "Support did not answer, again",
    "Support never answered my question",
]
BUILD_NIGHTS = [
    "The build nights are fun",
    "Build nights are the best part",
    "Love the monthly build nights",
]
EMPTY = ["n/a", "-", "Did not answer", "Nothing.", "All good, keep it up!", "No complaints"]


def test_placeholders_and_nothing_answers_are_counted_not_themed() -> None:
    model = themes(pd.Series(NOT_ANSWERED + BUILD_NIGHTS + EMPTY), n_themes=4)
    assert [t.size for t in model.themes] == [5, 3]
    placed = model.assignments
    assert placed["theme"].iloc[-6:].isna().all()
    assert (
        placed["answer"].iloc[-6:].tolist() == ["placeholder"] * 3 + ["nothing"] + ["all_good"] * 2
    )
    assert (model.content, model.unthemed, model.nothing_to_improve, model.placeholders) == (
        8,
        0,
        3,
        3,
    )
    assert model.themes[0].share == pytest.approx(5 / 8)  # of the texts with content
    assert model.coverage == 1.0
    assert model.coverage_note() == (
        "Every one of the 8 comments with content fits a theme. 3 said there is nothing "
        'to improve or add. 3 placeholder answers ("-", "n/a") were left out.'
    )


def test_labels_keep_negations_and_are_phrases_members_wrote() -> None:
    model = themes(pd.Series(NOT_ANSWERED + BUILD_NIGHTS), n_themes=2)
    support, nights = model.themes
    assert support.label == "support did not answer"  # never "support / answer"
    assert any("not answer" in term for term in support.terms)
    assert "answer" not in support.terms  # the negated word is never a term alone
    assert nights.label == "build nights" and nights.topic == "build nights"
    for theme in model.themes:
        assert "/" not in theme.label
        texts = [t.casefold() for t in NOT_ANSWERED + BUILD_NIGHTS]
        assert any(theme.label in t for t in texts), theme.label


def test_near_duplicate_themes_merge_and_lone_texts_fit_no_theme() -> None:
    slow_search = [
        "Search is slow",
        "search is so slow",
        "slow search again",
        "the search is slow and useless",
        "search results are slow",
    ]
    docs = ["Docs are great", "great docs", "the docs are great"]
    model = themes(pd.Series([*slow_search, *docs, "Parking at the venue was hard to find"]), 4)
    # four themes asked, two subjects: the search themes merge into one
    assert [t.label for t in model.themes] == ["search is slow", "docs are great"]
    assert [t.size for t in model.themes] == [5, 3]
    assert pd.isna(model.assignments["theme"].iloc[-1])  # the lone text fits no theme
    assert model.unthemed == 1
    assert model.coverage_note().startswith("11% of 9 comments with content fit no theme.")


def test_quotes_are_central_and_in_the_tone_of_the_theme() -> None:
    texts = pd.Series(
        [
            "The build nights are great fun and I meet people",
            "Build nights are great fun",
            "I love the build nights, great fun every month",
            "Build nights are great, so much fun",
            "Build nights are awful and noisy",  # a complaint in a theme of praise
            "Nights",  # the shortest text, not a typical one
        ]
    )
    model = themes(texts, n_themes=1)
    (theme,) = model.themes
    assert theme.tone == "positive"
    assert "Build nights are awful and noisy" not in theme.quotes
    assert "Nights" not in theme.quotes
    weights = model.assignments["weight"]
    assert theme.quotes[0] == texts[weights.iloc[:4].idxmax()]  # the most central praise
