"""What a survey answer is before what it says: a placeholder, a "nothing" answer, or
content — and what kind of question it answers.

Survey comment boxes fill up with answers that carry no topic: ``"-"``, ``"n/a"``,
``"Did not answer"`` (**placeholders**: no answer at all), ``"Nothing."``, ``"No"``,
``"Not really"`` (**nothing**: an empty answer whose meaning depends on the question) and
``"All good, keep it up!"``, ``"No complaints"`` (**all good**: nothing to improve, said
outright). Themes leave all three out (they would become themes of their own) and count
them apart; sentiment reads "nothing" with its question: to "What could we do better?" it
is praise, to "What do you like most?" it is a complaint.

Rules (tested, documented in ``docs/feedback.md``): a text is split into clauses at
punctuation; it is a placeholder / nothing / all-good answer when *every* clause is one
of those phrases (or a courtesy such as "thanks"), so "Nothing, keep it up!" is all good
but "Nothing, but the docs are out of date" is content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

PLACEHOLDER = "placeholder"
NOTHING = "nothing"
ALL_GOOD = "all_good"
CONTENT = "content"
ANSWER_KINDS = (CONTENT, ALL_GOOD, NOTHING, PLACEHOLDER)

IMPROVE = "improve"
"""The question asks what to do better ("What could we do better?", "What is missing?")."""
PRAISE = "praise"
"""The question asks what is good ("What do you like most about the Guild?")."""
OTHER = "other"
"""The question asks for anything else ("Anything else you'd like to tell us?")."""
REASON = "reason"
"""The question asks why the score was given ("What is the main reason for your score?")."""
OPEN = "open"
"""Any other open question."""
QUESTION_TYPES = (IMPROVE, PRAISE, OTHER, REASON, OPEN)

LONG_ANSWER = 120
"""An answer longer than this many characters is content (no empty answer is that long;
checking is skipped, which keeps large exports fast)."""

# Whole-clause phrases, after normalisation (lower case, "n't" → " not", letters only).
# fmt: off
_PLACEHOLDER = [
    r"", r"n ?a", r"na", r"n a", r"nil", r"null", r"blank", r"empty", r"x+", r"test(ing)?",
    r"a+s+d+f*", r"no comments?", r"no answer", r"not applicable", r"(did|do) not answer",
    r"skip(ped)?", r"pass", r"idk", r"i do not know", r"do not know", r"dunno", r"no idea",
    r"not sure", r"(see|same as) (above|before|last (time|year))", r"no opinion",
    r"prefer not to (say|answer)", r"nothing to (say|report)", r"no response",
]
_NOTHING = [
    r"no+", r"nope", r"nah", r"none( really| at all| so far)?", r"not really", r"not much",
    r"nothing( really| at all| much| else| more| in particular| specific| yet| for now)?",
    r"nothing (at|for) (the|this) moment", r"nothing (comes|springs) to mind",
    r"nothing to add", r"nothing (else|more) to add", r"no thanks?( you)?",
    r"(i )?can not think of anything( else)?", r"(i )?(have|got) nothing( to add)?",
    r"not that i can think of", r"not at (the|this) moment", r"no suggestions?",
    r"no(thing)?,? not (really|at the moment)", r"all covered",
]
_ALL_GOOD = [
    r"(it s |its |it is )?all (good|fine|great|ok|okay)", r"all is (good|well|fine)",
    r"(everything|every thing)( is| s)? (good|fine|great|perfect|ok|okay|awesome)"
    r"( as it is| as is| so far)?",
    r"nothing to (improve|change|fix)", r"nothing (i would|i d|we could) change",
    r"no complaints?( at all)?", r"no (issues|problems)( at all| so far)?",
    r"keep (it|them) up", r"keep (up )?the good work( up)?", r"keep going",
    r"keep doing what you (are|re) doing",
    r"(it s |its |it is )?(perfect|great|fine) as (it is|is)",
    r"(you are |you re )?doing (great|fine|well|a great job)", r"happy as (it is|is)",
    r"(i am |i m )?(happy|satisfied|content)( with everything)?",
    r"do not change (a thing|anything)", r"(it s |its |it is )?perfect",
]
_POLITE = [r"thanks?( you)?( so much| a lot)?", r"cheers", r"ty", r"thx", r"please", r"sorry"]
_PRAISE = [
    r"(great|good|nice|awesome|amazing)( job| work| stuff)?", r"(i )?love (it|this|you guys)",
    r"well done", r"(you )?guys rock", r"(you )?rock", r"keep it going",
]
_QUESTION = {
    OTHER: r"\banything else\b|\bother (comments?|feedback|thoughts)\b|\banything to add\b"
           r"|\badd anything\b|\banything more\b|\bfinal (comments?|thoughts)\b",
    IMPROVE: r"\bbetter\b|\bimprov\w*|\bchange\b|\bmissing\b|\bwish\b|\bfix\w*|\bsuggest\w*"
             r"|\bwould make\b|\bdifferently\b|\bfrustrat\w*|\bdislike\b|\bleast\b"
             r"|\bproblems?\b|\bissues?\b|\bannoy\w*|\black\w*|\bshould we\b|\bwrong\b"
             r"|\bone thing\b|\bstop doing\b|\bstart doing\b|\bdisappoint\w*",
    PRAISE: r"\blike (most|best|about)\b|\benjoy\w*|\blove\b|\bvalue\w*|\bbest thing\b"
            r"|\bfavou?rite\b|\bworks? well\b|\bdo(ing)? well\b|\bgoing well\b|\bhelpful\b",
    REASON: r"\bwhy\b|\breasons?\b|\bexplain\b|\bbehind your\b",
}
# fmt: on
_CLAUSES = re.compile(r"[.,;:!?()\[\]\"/|\n–—]+|\s-+\s|\s-+$|^-+\s")
_NOT_WORD = re.compile(r"[^a-z]+")


def _phrase(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(patterns) + r")")


_IS = {
    PLACEHOLDER: _phrase(_PLACEHOLDER),
    NOTHING: _phrase(_NOTHING),
    ALL_GOOD: _phrase(_ALL_GOOD),
    "praise": _phrase(_PRAISE),
    "polite": _phrase(_POLITE),
}
_QUESTION_RE = {kind: re.compile(pattern) for kind, pattern in _QUESTION.items()}


@lru_cache(maxsize=65_536)  # pure, and survey answers repeat ("Nothing.", templates)
def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, "n't" expanded to " not", "can't" and
    "won't" to "can not" / "will not"."""
    flat = text.casefold().replace("’", "'").replace("‘", "'")
    flat = re.sub(r"\bcan't\b|\bcannot\b", "can not", flat)
    flat = re.sub(r"\bwon't\b", "will not", flat)
    return re.sub(r"n't\b", " not", flat)


def _clause_kind(clause: str) -> str | None:
    words = _NOT_WORD.sub(" ", clause).strip()
    for kind in (PLACEHOLDER, ALL_GOOD, NOTHING, "praise", "polite"):
        if _IS[kind].fullmatch(words):
            return kind
    return None


@lru_cache(maxsize=65_536)
def answer_kind(text: str | None) -> str | None:
    """``placeholder``, ``nothing``, ``all_good`` or ``content`` (``None`` for a missing
    or blank text). See the module docstring for the rules."""
    if not isinstance(text, str) or not text.strip():
        return None
    if len(text) > LONG_ANSWER:
        return CONTENT
    flat = re.sub(r"\bn\s*/\s*a\b", "na", normalise(text))  # before "/" splits clauses
    clauses = [c for c in _CLAUSES.split(flat) if c.strip()]
    if not clauses:  # only punctuation: "-", "...", "?"
        return PLACEHOLDER
    kinds = [_clause_kind(c) for c in clauses]
    if None in kinds:
        return CONTENT
    if ALL_GOOD in kinds or "praise" in kinds:
        return ALL_GOOD  # "Nothing, keep it up" / "Great job!"
    if PLACEHOLDER in kinds:
        return PLACEHOLDER  # "n/a, thanks"
    return NOTHING  # "Nothing, thanks" / "Thanks!"


def answer_kinds(texts: Iterable[str | None] | pd.Series) -> pd.Series:
    """:func:`answer_kind` of each text (the input's index, or 0..n−1), as ``string``."""
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    cache: dict[str, str | None] = {}
    out = [
        cache.setdefault(t, answer_kind(t)) if isinstance(t, str) else None
        for t in series.astype(object)
    ]
    return pd.Series(out, index=series.index, dtype="string")


def question_type(question: str | None) -> str | None:
    """What a comment question asks for: ``other`` ("Anything else …?"), ``improve``
    ("What could we do better?"), ``praise`` ("What do you like most?"), ``reason``
    ("Why did you give this score?") or ``open``; ``None`` when there is no question.
    Checked in that order, so "What do you like least?" is ``improve``."""
    if not isinstance(question, str) or not question.strip():
        return None
    flat = normalise(question)
    for kind, pattern in _QUESTION_RE.items():
        if pattern.search(flat):
            return kind
    return OPEN


def comment_question_type(
    comment_question: str | None = None,
    question: str | None = None,
    kind: str | None = None,
) -> str:
    """The type of question a survey's comments answer.

    The survey's ``comment_question`` decides when it is known. Otherwise the score
    ``question`` decides when it is itself an improvement, praise or "anything else"
    question (a poll "What should we improve next?"); otherwise a comment after a score
    (``kind`` ``nps``, ``csat``, ``likert``) explains the score: ``reason``. Anything else
    is ``open``.
    """
    asked = question_type(comment_question)
    if asked is not None:
        return asked
    scored = question_type(question)
    if scored in (IMPROVE, PRAISE, OTHER):
        return scored
    if isinstance(kind, str) and kind.strip().casefold() in ("nps", "csat", "likert"):
        return REASON
    return OPEN
