"""The triage rule engine: matching, combining votes, validation, the shipped config."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from commbook.errors import ValidationError
from commbook.triage.rules import load_rules, parse_rules


def rules_of(*rules: dict, **top: object) -> object:
    return parse_rules({"rules": list(rules), **top})


REFUND = {
    "name": "refund",
    "when": {"keywords": ["refund", "never arrived"]},
    "category": "support",
}


def test_keywords_are_case_insensitive_whole_words_with_simple_endings() -> None:
    rules = rules_of(REFUND)
    hits = {
        "REFUNDED yesterday": "support",
        "asking for refunds": "support",
        "my parcel never\n arrived": "support",  # phrase across whitespace
        "nonrefundable ticket": "discussion",  # not a whole word
        "refundable": "discussion",
    }
    for body, expected in hits.items():
        assert rules.suggest({"body": body}).category == expected, body


def test_prefix_star_regex_and_exclude() -> None:
    rules = rules_of(
        {"name": "install", "when": {"keywords": ["instal*"], "exclude": ["solved"]},
         "category": "support"},
        {"name": "order-number", "when": {"regex": r"#\d{5}"}, "category": "support",
         "urgency": "high"},
    )  # fmt: skip
    assert rules.suggest({"body": "installation fails"}).category == "support"
    assert rules.suggest({"body": "installation fails — solved"}).matched_rules == ()
    s = rules.suggest({"title": "Order #55812", "body": ""})
    assert (s.category, s.urgency, s.matched_rules) == ("support", "high", ("order-number",))


def test_fields_limit_where_words_are_looked_for() -> None:
    rules = rules_of({"name": "t", "when": {"keywords": ["bug"], "fields": ["title"]},
                      "category": "feedback"})  # fmt: skip
    assert rules.suggest({"title": "Bug!", "body": ""}).category == "feedback"
    assert rules.suggest({"title": "hi", "body": "bug"}).category == "discussion"


def test_channel_role_and_first_post_conditions() -> None:
    rules = rules_of(
        {"name": "new-link", "when": {"first_post": True, "regex": "https?://"},
         "category": "abuse"},
        {"name": "staff", "when": {"member_role": ["staff"]}, "category": "discussion",
         "urgency": "low"},
        {"name": "discord-help", "when": {"channel": ["discord"], "keywords": ["help"]},
         "category": "support"},
    )  # fmt: skip
    posts = pd.DataFrame(
        {
            "title": ["", "", "", ""],
            "body": ["see https://x.ru", "see https://x.ru", "help pls", "help pls"],
            "channel": ["forum", "forum", "discord", "forum"],
            "member_role": ["member", "member", "member", "staff"],
            "is_first_post": ["true", "FALSE", "no", "0"],
        },
        index=[10, 11, 12, 13],
    )
    out = rules.suggest_frame(posts)
    assert list(out.index) == [10, 11, 12, 13]
    assert out["category"].tolist() == ["abuse", "discussion", "support", "discussion"]
    assert out["urgency"].tolist() == ["normal", "normal", "normal", "low"]
    assert out.loc[13, "matched_rules"] == ("staff",)


def test_category_is_weighted_vote_ties_follow_tie_break_order() -> None:
    rules = rules_of(
        {"name": "a", "when": {"keywords": ["idea"]}, "category": "feedback", "weight": 2},
        {"name": "b", "when": {"keywords": ["help"]}, "category": "support"},
        {"name": "c", "when": {"keywords": ["please"]}, "category": "support"},
    )
    s = rules.suggest({"body": "idea: help please"})  # feedback 2 vs support 1 + 1
    assert s.category == "support"  # tie → support comes before feedback by default
    assert s.scores == {"support": 2.0, "feedback": 2.0}
    assert "tie broken by category order" in s.explanation
    assert rules.suggest({"body": "idea: help"}).category == "feedback"  # 2 > 1
    flipped = rules_of(*rules.spec.model_dump()["rules"], tie_break=["feedback"])
    assert flipped.suggest({"body": "idea: help please"}).category == "feedback"


def test_urgency_is_the_highest_suggested_and_defaults_apply() -> None:
    rules = rules_of(
        {"name": "fire", "when": {"keywords": ["fire"]}, "urgency": "critical"},
        {"name": "thanks", "when": {"keywords": ["thanks"]}, "urgency": "low",
         "category": "feedback"},
        default_category="support", default_urgency="low",
    )  # fmt: skip
    s = rules.suggest({"body": "thanks, but it caught fire"})
    assert (s.category, s.urgency) == ("feedback", "critical")
    assert "urgency critical from fire" in s.explanation
    none = rules.suggest({"body": "hello"})
    assert (none.category, none.urgency, none.matched_rules) == ("support", "low", ())
    assert none.explanation.startswith("no rule matched")


def test_sentiment_condition_uses_vader_or_a_given_score() -> None:
    rules = rules_of({"name": "angry", "when": {"sentiment_below": -0.5}, "urgency": "high"})
    given = pd.DataFrame({"body": ["x", "y"], "sentiment": [-0.9, 0.2]})
    assert rules.suggest_frame(given)["urgency"].tolist() == ["high", "normal"]
    computed = rules.suggest_frame(
        pd.DataFrame({"body": ["This is awful, I hate it, terrible service", "Lovely, thanks!"]})
    )
    assert computed["urgency"].tolist() == ["high", "normal"]


def test_suggest_matches_suggest_frame_row_by_row() -> None:
    rules = load_rules()
    posts = pd.read_csv(
        Path(__file__).parents[1] / "data/samples/triage_labelled.csv",
        dtype=str, keep_default_na=False,
    ).head(25)  # fmt: skip
    frame = rules.suggest_frame(posts)
    for i, post in posts.iterrows():
        single = rules.suggest(post.to_dict())
        assert (single.category, single.urgency, single.matched_rules) == (
            frame.loc[i, "category"], frame.loc[i, "urgency"], frame.loc[i, "matched_rules"],
        )  # fmt: skip


def test_missing_columns_and_bad_values_are_named() -> None:
    rules = rules_of({"name": "chan", "when": {"channel": ["discord"]}, "category": "support"})
    with pytest.raises(ValidationError, match="rule 'chan' needs the column 'channel'"):
        rules.suggest({"body": "x"})
    with pytest.raises(ValidationError, match="'title' or a 'body'"):
        rules.suggest_frame(pd.DataFrame({"channel": ["x"]}))
    first = rules_of({"name": "f", "when": {"first_post": True}, "category": "abuse"})
    with pytest.raises(ValidationError, match="is_first_post must be true or false, got 'maybe'"):
        first.suggest({"body": "x", "is_first_post": "maybe"})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "r1", "when": {"keywords": ["x"]}, "urgency": "urgnet"},
         "rule 'r1': field 'urgency'"),
        ({"name": "r2", "when": {"keywords": ["x"]}, "category": "spam"},
         "rule 'r2': unknown category 'spam'"),
        ({"name": "r3", "when": {"regex": "(unclosed"}, "category": "abuse"},
         "rule 'r3': field 'when.regex': not a valid regular expression"),
        ({"name": "r4", "when": {}, "category": "abuse"},
         "rule 'r4': field 'when': give at least one condition"),
        ({"name": "r5", "when": {"keywords": ["x"]}}, "rule 'r5'.*must suggest a category"),
        ({"name": "r6", "when": {"keyword": ["x"]}, "category": "abuse"},
         "rule 'r6': field 'when.keyword': unknown field"),
        ({"name": "r7", "when": {"keywords": ["x"]}, "category": "abuse", "weight": 0},
         "rule 'r7': field 'weight'"),
        ({"when": {"keywords": ["x"]}, "category": "abuse"}, "rule #1: field 'name'"),
    ],
)  # fmt: skip
def test_invalid_rules_name_the_rule_and_field(rule: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_rules({"rules": [rule]}, source="rules.yml")


def test_duplicate_names_and_custom_categories() -> None:
    with pytest.raises(ValidationError, match="rule 'refund' is defined twice"):
        rules_of(REFUND, REFUND)
    custom = rules_of(
        {"name": "bug", "when": {"keywords": ["bug"]}, "category": "bug_report"},
        categories=["bug_report"],
    )
    assert custom.suggest({"body": "found a bug"}).category == "bug_report"


def test_load_rules_reports_file_and_line_of_bad_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - name: x\n    when: [unclosed\n")
    with pytest.raises(ValidationError, match=r"rules\.yml, row \d+: not valid YAML"):
        load_rules(bad)


def test_shipped_rules_file_is_valid_and_documented() -> None:
    path = Path(__file__).parents[1] / "config" / "triage_rules.yml"
    rules = load_rules(path)
    assert len(rules.rules) >= 15
    assert all(r.description for r in rules.rules)
    assert yaml.safe_load(path.read_text())["version"] == 1
    spam = rules.suggest(
        {"title": "Earn $500 a day", "body": "click here", "channel": "forum",
         "member_role": "member", "is_first_post": True}
    )  # fmt: skip
    assert (spam.category, spam.urgency) == ("abuse", "high")


def test_category_urgency_applies_when_no_rule_sets_an_urgency() -> None:
    rules = rules_of(
        {"name": "idea", "when": {"keywords": ["idea"]}, "category": "feedback"},
        {"name": "asap", "when": {"keywords": ["asap"]}, "urgency": "high"},
        category_urgency={"feedback": "low", "discussion": "low"},
    )
    assert rules.suggest({"body": "an idea"}).urgency == "low"
    assert rules.suggest({"body": "an idea, asap"}).urgency == "high"
    assert rules.suggest({"body": "hello"}).urgency == "low"  # default category discussion
    assert "usual urgency for feedback: low" in rules.suggest({"body": "idea"}).explanation
    with pytest.raises(ValidationError, match="unknown category 'ideas'"):
        rules_of(REFUND, category_urgency={"ideas": "low"})
