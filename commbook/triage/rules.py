"""The triage rule engine: YAML rules suggest a category and an urgency for incoming posts.

A rule matches a post when *all* its conditions hold (keywords, phrases or a regex in the
title/body, channel, member role, first post of a member, sentiment). Matching rules vote:

- **category** — each matching rule adds its ``weight`` to its category; the highest total
  wins. Ties go to the category listed first in ``tie_break`` (default: abuse, support,
  feedback, discussion, then custom categories), so safety-relevant categories win a tie.
  No vote → ``default_category``.
- **urgency** — the highest urgency suggested by any matching rule (a single "critical"
  rule is enough); no suggestion → the category's entry in ``category_urgency``, else
  ``default_urgency``.

Keywords are case-insensitive and match whole words: ``refund`` also matches ``refunds``,
``refunded``, ``refunding`` (a light suffix stem); ``instal*`` matches any word starting
with ``instal``; a keyword with spaces is a phrase (any whitespace between the words).
Format reference: ``docs/triage.md`` and the commented ``config/triage_rules.yml``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from commbook.errors import ValidationError
from commbook.triage._config import default_path, read_yaml
from commbook.triage.model import DEFAULT_URGENCY, URGENCIES, categories

RULES_FILE = "triage_rules.yml"
#: Default category order for breaking ties (custom categories follow, in config order).
DEFAULT_TIE_BREAK: tuple[str, ...] = ("abuse", "support", "feedback", "discussion")
TEXT_FIELDS = ("title", "body")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


# --- the file format ------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conditions(_Strict):
    """The ``when:`` block of a rule. Every condition given must hold."""

    keywords: list[str] = Field(default_factory=list)  # any of these
    all_keywords: list[str] = Field(default_factory=list)  # every one of these
    exclude: list[str] = Field(default_factory=list)  # none of these
    regex: str | None = None  # a Python regular expression, case-insensitive
    fields: list[Literal["title", "body"]] = Field(default_factory=lambda: list(TEXT_FIELDS))
    channel: list[str] = Field(default_factory=list)
    member_role: list[str] = Field(default_factory=list)
    first_post: bool | None = None
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    sentiment_below: float | None = Field(default=None, ge=-1, le=1)
    sentiment_above: float | None = Field(default=None, ge=-1, le=1)

    @field_validator("keywords", "all_keywords", "exclude")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        for word in value:
            if not word.strip().rstrip("*").strip():
                raise ValueError("keywords must not be empty")
        return value

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one of title, body")
        return value

    @model_validator(mode="after")
    def _something(self) -> Conditions:
        used = self.model_dump(exclude_defaults=True, exclude={"fields", "exclude"})
        if not used:
            raise ValueError(
                "give at least one condition (keywords, all_keywords, regex, channel, "
                "member_role, first_post, sentiment, sentiment_below, sentiment_above)"
            )
        return self

    @property
    def uses_sentiment(self) -> bool:
        return (
            self.sentiment is not None
            or self.sentiment_below is not None
            or self.sentiment_above is not None
        )


class Rule(_Strict):
    """One rule: when its conditions hold it suggests a category and/or an urgency."""

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    when: Conditions
    category: str | None = None
    urgency: Literal["low", "normal", "high", "critical"] | None = None
    weight: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _suggests(self) -> Rule:
        if self.category is None and self.urgency is None:
            raise ValueError("a rule must suggest a category, an urgency or both")
        return self


class RulesFile(_Strict):
    """The whole ``triage_rules.yml``."""

    version: Literal[1] = 1
    categories: list[str] = Field(default_factory=list)  # custom categories
    default_category: str = "discussion"
    default_urgency: Literal["low", "normal", "high", "critical"] = DEFAULT_URGENCY
    category_urgency: dict[str, Literal["low", "normal", "high", "critical"]] = Field(
        default_factory=dict
    )
    tie_break: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)


# --- suggestions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """What the rules suggest for one post, and why."""

    category: str
    urgency: str
    matched_rules: tuple[str, ...]
    explanation: str
    scores: Mapping[str, float] = field(default_factory=dict)


def _keyword_pattern(keyword: str) -> str:
    word = keyword.translate(_QUOTES).strip().lower()
    prefix = word.endswith("*")
    word = word.rstrip("*").strip()
    body = r"\s+".join(re.escape(part) for part in word.split())
    if prefix:
        body += r"\w*"
    elif word[-1].isalpha():
        body += r"(?:s|es|ed|ing)?"
    return rf"(?<!\w){body}(?!\w)"


def _any_pattern(keywords: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_keyword_pattern(k)})" for k in keywords), re.IGNORECASE)


class RuleSet:
    """Validated rules, compiled once, ready to suggest for one post or a whole frame."""

    def __init__(self, spec: RulesFile, source: str | None = None) -> None:
        self.spec = spec
        self.source = source
        self.rules: tuple[Rule, ...] = tuple(spec.rules)
        self.categories: tuple[str, ...] = categories(spec.categories)
        self.default_category = spec.default_category
        self.default_urgency = spec.default_urgency
        self._check_vocabulary()
        order = list(dict.fromkeys([*spec.tie_break, *DEFAULT_TIE_BREAK, *self.categories]))
        self.tie_break: tuple[str, ...] = tuple(order)

    def _check_vocabulary(self) -> None:
        known = ", ".join(self.categories)

        def fail(message: str, field: str) -> None:
            raise ValidationError(message, file=self.source, field=field)

        if self.default_category not in self.categories:
            fail(f"unknown category {self.default_category!r}; known: {known}", "default_category")
        for name in self.spec.tie_break:
            if name not in self.categories:
                fail(f"unknown category {name!r}; known: {known}", "tie_break")
        for name in self.spec.category_urgency:
            if name not in self.categories:
                fail(f"unknown category {name!r}; known: {known}", "category_urgency")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                fail(f"rule {rule.name!r} is defined twice; rule names must be unique", "name")
            seen.add(rule.name)
            if rule.category is not None and rule.category not in self.categories:
                fail(
                    f"rule {rule.name!r}: unknown category {rule.category!r}; known: {known} "
                    "(add custom ones under 'categories')",
                    "category",
                )

    # -- public API --

    def suggest(self, post: Mapping[str, Any] | pd.DataFrame | pd.Series) -> Suggestion:
        """Suggest a category and urgency for one post (a dict, a Series or a 1-row frame)."""
        if isinstance(post, pd.DataFrame):
            if len(post) != 1:
                raise ValidationError(
                    f"suggest() takes one post, got {len(post)} rows; use suggest_frame()"
                )
            frame = post
        elif isinstance(post, pd.Series):
            frame = post.to_frame().T
        else:
            frame = pd.DataFrame([dict(post)])
        row = self.suggest_frame(frame).iloc[0]
        return Suggestion(
            category=row["category"],
            urgency=row["urgency"],
            matched_rules=row["matched_rules"],
            explanation=row["explanation"],
            scores=row["scores"],
        )

    def suggest_frame(self, posts: pd.DataFrame) -> pd.DataFrame:
        """Suggestions for many posts at once (vectorised per rule).

        ``posts`` columns: ``title`` and/or ``body`` (text; at least one), and — only if a
        rule uses them — ``channel``, ``member_role``, ``is_first_post`` (bool or
        true/false text) and ``sentiment`` (VADER compound; computed from title and body
        when absent). Returns, on the same index: ``category``, ``urgency``,
        ``matched_rules`` (tuple of rule names, in file order), ``score`` (the winning
        category's total weight), ``scores`` (dict category → weight) and ``explanation``.
        """
        matched = self.match(posts)
        return self._combine(matched)

    def match(self, posts: pd.DataFrame) -> pd.DataFrame:
        """One boolean column per rule (named after it): does the rule match the post?"""
        if not isinstance(posts, pd.DataFrame):
            raise ValidationError(f"posts: expected a DataFrame, got {type(posts).__name__}")
        if not any(f in posts.columns for f in TEXT_FIELDS):
            raise ValidationError("posts: need a 'title' or a 'body' column", field="body")
        context = _Context(posts, self)
        return pd.DataFrame(
            {rule.name: context.mask(rule) for rule in self.rules}, index=posts.index
        )

    # -- combining votes --

    def _combine(self, matched: pd.DataFrame) -> pd.DataFrame:
        m = matched.to_numpy(dtype=bool)
        n = len(matched)
        cats = self.tie_break
        weights = np.zeros((len(self.rules), len(cats)))
        ranks = np.full(len(self.rules), -1)
        for j, rule in enumerate(self.rules):
            if rule.category is not None:
                weights[j, cats.index(rule.category)] = rule.weight
            if rule.urgency is not None:
                ranks[j] = URGENCIES.index(rule.urgency)
        scores = m.astype(float) @ weights if n else np.zeros((0, len(cats)))
        best = scores.argmax(axis=1) if n else np.zeros(0, dtype=int)
        voted = scores.max(axis=1) > 0 if n else np.zeros(0, dtype=bool)
        category = np.where(voted, np.array(cats, dtype=object)[best], self.default_category)
        urgency_rank = np.where(m, ranks[None, :], -1).max(axis=1) if n else np.zeros(0, int)
        fallback = pd.Series(category, dtype=object).map(
            lambda c: self.spec.category_urgency.get(c, self.default_urgency)
        )
        urgency = np.where(
            urgency_rank >= 0,
            np.array(URGENCIES, dtype=object)[urgency_rank.clip(0)],
            fallback.to_numpy(dtype=object),
        )
        names = [r.name for r in self.rules]
        matched_rules = [tuple(names[j] for j in np.flatnonzero(row)) for row in m]
        score_dicts = [{cats[k]: float(row[k]) for k in np.flatnonzero(row)} for row in scores]
        explanation = [
            self._explain(category[i], urgency[i], matched_rules[i], score_dicts[i])
            for i in range(n)
        ]
        return pd.DataFrame(
            {
                "category": pd.Series(category, index=matched.index, dtype=object),
                "urgency": pd.Series(urgency, index=matched.index, dtype=object),
                "matched_rules": pd.Series(matched_rules, index=matched.index, dtype=object),
                "score": scores.max(axis=1) if n else np.zeros(0),
                "scores": pd.Series(score_dicts, index=matched.index, dtype=object),
                "explanation": pd.Series(explanation, index=matched.index, dtype=object),
            },
            index=matched.index,
        )

    @cached_property
    def _by_name(self) -> dict[str, Rule]:
        return {r.name: r for r in self.rules}

    def _explain(
        self, category: str, urgency: str, matched: tuple[str, ...], scores: dict[str, float]
    ) -> str:
        if not matched:
            return (
                f"no rule matched: default category {category}, "
                f"{self._default_urgency_text(category, urgency)}"
            )
        rules = [self._by_name[name] for name in matched]

        def votes(cat: str) -> str:
            parts = [f"{r.name} {r.weight:g}" for r in rules if r.category == cat]
            return f"{scores[cat]:g}: {', '.join(parts)}"

        if scores:
            text = f"{category} ({votes(category)})"
            others = sorted(
                (c for c in scores if c != category),
                key=lambda c: (-scores[c], self.tie_break.index(c)),
            )
            if others:
                text += " over " + "; ".join(f"{c} ({votes(c)})" for c in others)
            if any(scores[c] == scores[category] for c in others):
                text += " — tie broken by category order"
        else:
            text = f"default category {category} (matched rules only set urgency)"
        raising = [r.name for r in rules if r.urgency == urgency]
        if raising:
            text += f"; urgency {urgency} from {', '.join(raising)}"
        else:
            text += f"; {self._default_urgency_text(category, urgency)}"
        return text

    def _default_urgency_text(self, category: str, urgency: str) -> str:
        if category in self.spec.category_urgency:
            return f"usual urgency for {category}: {urgency}"
        return f"default urgency {urgency}"


class _Context:
    """Per-frame caches: normalised text per field set, coerced columns, sentiment."""

    def __init__(self, posts: pd.DataFrame, rules: RuleSet) -> None:
        self.posts = posts
        self.rules = rules
        self._text: dict[tuple[str, ...], pd.Series] = {}
        self._sentiment: pd.Series | None = None
        self._first: pd.Series | None = None

    def _column(self, name: str, rule: Rule) -> pd.Series:
        if name not in self.posts.columns:
            raise ValidationError(
                f"rule {rule.name!r} needs the column {name!r}, which the posts do not have",
                field=name,
            )
        return self.posts[name]

    def text(self, fields: list[str]) -> pd.Series:
        key = tuple(fields)
        if key not in self._text:
            parts = [
                self.posts[f].astype(object).where(self.posts[f].notna(), "").astype(str)
                for f in fields
                if f in self.posts.columns
            ]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined + "\n" + part
            if not parts:
                joined = pd.Series("", index=self.posts.index)
            self._text[key] = joined.str.translate(_QUOTES)
        return self._text[key]

    def first_post(self, rule: Rule) -> pd.Series:
        if self._first is None:
            column = self._column("is_first_post", rule)
            if pd.api.types.is_bool_dtype(column.dtype):
                self._first = column.astype(bool)
            else:
                text = column.astype(object).where(column.notna(), "").astype(str)
                text = text.str.strip().str.lower()
                bad = ~text.isin(_TRUE | _FALSE)
                if bad.any():
                    where = bad[bad].index[0]
                    raise ValidationError(
                        f"is_first_post must be true or false, got {column[where]!r} "
                        f"(post at index {where!r})",
                        field="is_first_post",
                    )
                self._first = text.isin(_TRUE)
        return self._first

    def sentiment(self) -> pd.Series:
        if self._sentiment is None:
            if "sentiment" in self.posts.columns:
                self._sentiment = pd.to_numeric(self.posts["sentiment"], errors="coerce")
            else:
                from commbook.feedback.vader import sentiment  # slow import: only when needed

                self._sentiment = sentiment(self.text(list(TEXT_FIELDS)))["compound"]
        return self._sentiment

    def mask(self, rule: Rule) -> pd.Series:
        when = rule.when
        mask = pd.Series(True, index=self.posts.index)
        if when.keywords or when.all_keywords or when.exclude or when.regex:
            text = self.text(when.fields)
            if when.keywords:
                mask &= text.str.contains(_any_pattern(when.keywords), regex=True)
            for word in when.all_keywords:
                mask &= text.str.contains(_any_pattern([word]), regex=True)
            if when.regex:
                with warnings.catch_warnings():  # groups in a user regex are fine here
                    warnings.filterwarnings("ignore", "This pattern .* has match groups")
                    pattern = re.compile(when.regex, re.IGNORECASE)
                    mask &= text.str.contains(pattern, regex=True)
            if when.exclude:
                mask &= ~text.str.contains(_any_pattern(when.exclude), regex=True)
        if when.channel:
            mask &= self._column("channel", rule).isin(when.channel)
        if when.member_role:
            mask &= self._column("member_role", rule).isin(when.member_role)
        if when.first_post is not None:
            first = self.first_post(rule)
            mask &= first if when.first_post else ~first
        if when.uses_sentiment:
            score = self.sentiment()
            if when.sentiment == "negative":
                mask &= score <= -0.05
            elif when.sentiment == "positive":
                mask &= score >= 0.05
            elif when.sentiment == "neutral":
                mask &= (score > -0.05) & (score < 0.05)
            if when.sentiment_below is not None:
                mask &= score < when.sentiment_below
            if when.sentiment_above is not None:
                mask &= score > when.sentiment_above
        return mask.fillna(False).astype(bool)


# --- loading --------------------------------------------------------------------------


def _pydantic_message(exc: PydanticError, raw: Any) -> tuple[str, str]:
    """The first pydantic error as (message naming the rule, dotted field)."""
    error = exc.errors()[0]
    loc = list(error["loc"])
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; see docs/triage.md)"
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        index = loc[1]
        rules = raw.get("rules") if isinstance(raw, dict) else None
        item = rules[index] if isinstance(rules, list) and index < len(rules) else None
        name = item.get("name") if isinstance(item, dict) else None
        who = f"rule {name!r}" if name else f"rule #{index + 1}"
        field = ".".join(str(p) for p in loc[2:]) or "rule"
        return f"{who}: field '{field}': {msg}", field
    field = ".".join(str(p) for p in loc) or "file"
    return f"field '{field}': {msg}", field


def parse_rules(data: Any, source: str | None = None) -> RuleSet:
    """Validate rules already read from YAML (a dict) and compile them."""
    if not isinstance(data, dict):
        raise ValidationError("expected a mapping with a 'rules' list at the top", file=source)
    try:
        spec = RulesFile.model_validate(data)
    except PydanticError as exc:
        message, field = _pydantic_message(exc, data)
        raise ValidationError(message, file=source, field=field) from None
    return RuleSet(spec, source=source)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rules file (default: ``config/triage_rules.yml``)."""
    target = Path(path) if path is not None else default_path(RULES_FILE)
    return parse_rules(read_yaml(target), source=str(target))


def suggest(
    post: Mapping[str, Any] | pd.DataFrame | pd.Series, rules: RuleSet | None = None
) -> Suggestion:
    """Suggest a category and urgency for one post with ``rules`` (default: the config file)."""
    return (rules or load_rules()).suggest(post)


def suggest_frame(posts: pd.DataFrame, rules: RuleSet | None = None) -> pd.DataFrame:
    """Suggestions for every row of ``posts``; see :meth:`RuleSet.suggest_frame`."""
    return (rules or load_rules()).suggest_frame(posts)
