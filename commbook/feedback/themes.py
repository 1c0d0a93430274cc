"""Themes in free text a person would write: TF-IDF + NMF topics, merged when they repeat,
labelled with members' own phrases, quoted with typical texts, with what they leave out.

How it works (details and how to read the output in ``docs/feedback.md``):

1. Answers without content are set aside (:mod:`commbook.feedback.answers`):
   placeholders ("-", "n/a", "Did not answer") and "nothing to improve" answers
   ("Nothing.", "All good, keep it up!") are counted, not themed.
2. Each remaining text becomes a TF-IDF vector of its words and word pairs in each clause
   (stop words and survey filler removed, but negations kept on the word they negate:
   "did not answer" → ``not answer``), sublinear term frequency, L2-normalised.
3. Non-negative matrix factorisation proposes ``n_themes`` themes; each theme's centre is
   the mean vector of its texts. Themes whose centres are near-duplicates (cosine ≥
   :data:`MERGE_SIMILARITY`) merge, themes of fewer than :data:`MIN_THEME_SIZE` texts
   dissolve, and every text moves to its nearest centre — or to no theme when it is not
   close to any (cosine < :data:`MIN_FIT`). Themes are numbered by size, largest first.
4. What each text says about its theme is its part (sentence, or side of a "but")
   closest to the theme's centre (``_theme_parts``); the theme's tone is the tone of most
   of those parts. Its label is a typical phrase of those parts in that tone, or
   :data:`OTHER_LABEL` (``_phrases``); its quotes say the label and are never of the
   opposite tone (``_theme_quotes``).

Everything is deterministic: NMF starts from an SVD-based initialisation and ``seed``.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.feedback._input import require_columns, scores_in_range
from commbook.feedback.answers import (
    ALL_GOOD,
    CONTENT,
    NOTHING,
    PLACEHOLDER,
    answer_kinds,
    normalise,
)
from commbook.feedback.vader import NEGATIVE_MAX, POSITIVE_MIN, sentiment

if TYPE_CHECKING:  # scikit-learn (and SciPy) load on first use: importing this module is cheap
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

# fmt: off
FILLER_WORDS = frozenset({
    "really", "just", "also", "get", "got", "bit", "lot", "lots", "thing", "things", "would",
    "could", "maybe", "pretty", "quite", "thanks", "thank", "ok", "okay", "etc", "overall",
    "honestly", "lately", "sometimes", "stuff", "guys", "like", "feel", "feels", "think",
    "did", "does", "doing",
    # what is left of contractions once the apostrophe is dropped
    "im", "ive", "id", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant", "wont", "arent",
    "werent", "havent", "hasnt", "hadnt", "wouldnt", "couldnt", "shouldnt", "youre",
    "youve", "theyre", "thats", "theres", "whats", "lets", "don", "didn", "doesn", "isn",
    "wasn", "ve", "ll", "re",
})
# fmt: on
NEGATIONS = frozenset({"not", "no", "never", "nothing", "nobody", "nowhere", "without", "nor"})
"""Kept on the word they negate in terms and allowed to start a label."""

# fmt: off
LINK_WORDS = frozenset({
    "of", "for", "to", "and", "with", "in", "on", "at", "is", "are", "was", "were", "be",
    "been", "do", "did", "does", "has", "have", "had", "can", "will", "out", "up", "off", "by",
    "from", "about", "as", "get", "gets", "got", *NEGATIONS,
})
# fmt: on
"""The only stop words a label may have inside ("sit unanswered for days", "support did
not answer"); any other ends the phrase ("generous the members" is not a label)."""

SUBJECT_WORDS = frozenset({"support", "help", "helpers", "friends", "party", "care", "welcome"})
"""Words in VADER's lexicon that name a subject members write about: they may be labels."""
GENERIC_WORDS = frozenset(
    {
        "members",
        "member",
        "people",
        "person",
        "folks",
        "everyone",
        "everybody",
        "community",
        "communities",
        "guild",
        "forum",
        "group",
        "place",
        "site",
        "platform",
        "experience",
        "time",
        "way",
        "everything",
        "anything",
        "something",
        "one",
        "team",
        "year",
        "day",
    }
)
"""Words that name no subject on their own in a community survey: never a one-word label
or topic ("members"), though a phrase may hold them ("meet people", "support team")."""
OTHER_LABEL = "Other comments"
"""The label of a theme with no typical phrase in its tone (better than a misleading one)."""
LABEL_MIN_SHARE = 0.1
"""A label is said by at least this share of its theme's texts."""
LONGER_LABEL_SHARE = 0.2
"""A longer phrase around the best label replaces it when at least this share of the
best label's texts contain it ("build" → "build nights", "app" → "mobile app")."""

MERGE_SIMILARITY = 0.5
"""Themes whose centres have a cosine similarity of at least this are one theme."""
MIN_FIT = 0.1
"""A text whose cosine similarity to every theme centre is below this fits no theme."""
MIN_THEME_SIZE = 2
"""A theme needs at least this many texts (smaller ones dissolve into the others)."""
SETTLE_ROUNDS = 2
"""Rounds of "move every text to its nearest centre, recompute the centres" after NMF."""
MAX_PHRASE_WORDS = 5
PHRASE_SAMPLE = 4000
QUOTE_CHARS = 200
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two or more letters
_TERM_WORD = re.compile(r"[^\W\d_][^\W\d_]+")
_PHRASE_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W\d_]|[^\W\d_]")
_PART = re.compile(r"(?<=[.!?;])\s+|;|\n+|,?\s+\bbut\b\s+", re.IGNORECASE)
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"/|\n–—]+|\s-+\s|\bbut\b")


@lru_cache(maxsize=1)
def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted((ENGLISH_STOP_WORDS | FILLER_WORDS) - NEGATIONS)


@lru_cache(maxsize=1)
def _stop_words_set() -> frozenset[str]:
    return frozenset(_stop_words())


def __getattr__(name: str) -> Any:
    if name == "STOP_WORDS":  # scikit-learn's English stop words + FILLER_WORDS − NEGATIONS
        return _stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Theme:
    """One theme.

    ``label`` is a phrase members wrote ("shipping delays", "search is broken"), ``topic``
    its subject in one or two words ("shipping", "mobile app") for titles; ``terms`` the
    theme's heaviest TF-IDF terms. ``share`` is ``size`` over the texts with content
    (placeholders and "nothing to improve" answers left out); ``mean_sentiment`` the
    theme's sentiment (−1..1): the median VADER compound of what its texts say about it
    (their part closest to its centre) among those with a tone, so ``tone`` is the tone of
    most of them; ``quotes`` up to three typical texts — the first says the label, none
    is of the opposite tone — deduplicated and shortened to ~200 characters. ``label`` is
    :data:`OTHER_LABEL` when no typical phrase in the theme's tone was found.
    """

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    share: float
    mean_sentiment: float
    quotes: tuple[str, ...]
    topic: str = ""

    @property
    def tone(self) -> str:
        """``positive`` / ``negative`` (``mean_sentiment`` beyond ±0.05) or ``mixed``."""
        return _tone(self.mean_sentiment)


@dataclass(frozen=True, eq=False)
class ThemeModel:
    """Themes found in a set of texts, which text belongs to which, and what was left out.

    ``assignments`` has the input's index and the columns ``theme`` (Int64, <NA> for a
    text in no theme), ``label``, ``weight`` (cosine similarity of the text to its
    theme's centre, 0..1), ``sentiment`` (VADER compound) and ``answer``
    (``content`` / ``all_good`` / ``nothing`` / ``placeholder``, see
    :mod:`commbook.feedback.answers`; <NA> for a blank text).

    Counts: ``content`` texts with content, ``unthemed`` of them in no theme,
    ``nothing_to_improve`` ("all good" and "nothing" answers), ``placeholders``.
    """

    themes: tuple[Theme, ...]
    assignments: pd.DataFrame
    vectorizer: TfidfVectorizer
    nmf: NMF
    centroids: np.ndarray
    content: int = 0
    unthemed: int = 0
    nothing_to_improve: int = 0
    placeholders: int = 0

    def label(self, theme_id: int) -> str:
        return self.themes[theme_id].label

    @property
    def coverage(self) -> float:
        """Share of the texts with content that belong to a theme (NaN with none)."""
        return (self.content - self.unthemed) / self.content if self.content else np.nan

    def coverage_note(self) -> str:
        """What the themes leave out, in words: e.g. "16% of 120 comments with content
        fit no theme. 12 said there is nothing to improve or add. 5 placeholder answers
        ("-", "n/a") were left out." Parts with a count of 0 are omitted."""
        parts = []
        if self.content:
            parts.append(
                f"{self.unthemed / self.content:.0%} of {_count(self.content, 'comment')} "
                "with content fit no theme."
                if self.unthemed
                else f"Every one of the {_count(self.content, 'comment')} with content "
                "fits a theme."
            )
        if self.nothing_to_improve:
            said = "said" if self.nothing_to_improve > 1 else "person said"
            parts.append(f"{self.nothing_to_improve:,} {said} there is nothing to improve or add.")
        if self.placeholders:
            parts.append(
                f'{_count(self.placeholders, "placeholder answer")} ("-", "n/a") '
                f"{'were' if self.placeholders > 1 else 'was'} left out."
            )
        return " ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """One row per theme: ``theme``, ``label``, ``size``, ``share``,
        ``mean_sentiment``, ``terms`` (comma separated), ``quotes`` (a tuple)."""
        return pd.DataFrame(
            [
                {
                    "theme": t.id,
                    "label": t.label,
                    "size": t.size,
                    "share": t.share,
                    "mean_sentiment": t.mean_sentiment,
                    "terms": ", ".join(t.terms),
                    "quotes": t.quotes,
                }
                for t in self.themes
            ],
            columns=["theme", "label", "size", "share", "mean_sentiment", "terms", "quotes"],
        )

    def assign(self, texts: Iterable[str | None] | pd.Series) -> pd.DataFrame:
        """Place new texts in this model's themes (columns ``theme``, ``label``,
        ``weight``, ``answer``): the nearest theme centre, when close enough."""
        series = _as_text(texts)
        kinds = answer_kinds(series)
        content = kinds.eq(CONTENT).fillna(False).to_numpy(dtype=bool)
        matrix = self.vectorizer.transform(series.where(content, None).fillna(""))
        labels = [t.label for t in self.themes]
        placed = _nearest(series.index, matrix, self.centroids, labels)
        placed["answer"] = kinds
        return placed


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _tone(compound: float) -> str:
    if not np.isfinite(compound):
        return "mixed"
    return (
        "positive"
        if compound >= POSITIVE_MIN
        else "negative"
        if compound <= NEGATIVE_MAX
        else "mixed"
    )


def _nearest(
    index: pd.Index, matrix: Any, centroids: np.ndarray, labels: list[str]
) -> pd.DataFrame:
    """Each text's theme: the centre it is most similar to (cosine), when at least
    :data:`MIN_FIT`; texts without a known word, or too far from every centre, get none."""
    if len(labels):
        similarity = np.asarray(matrix @ centroids.T)
        best = similarity.argmax(axis=1)
        fit = similarity[np.arange(len(best)), best]
    else:
        best, fit = np.zeros(matrix.shape[0], dtype=int), np.zeros(matrix.shape[0])
    theme = pd.Series(best, index=index, dtype="Int64").mask(fit < MIN_FIT)
    label = theme.map(lambda i: labels[i], na_action="ignore").astype("string")
    weight = np.where(theme.notna().to_numpy(), np.clip(fit, 0.0, 1.0), 0.0)
    return pd.DataFrame({"theme": theme, "label": label, "weight": weight}, index=index)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _surface_terms(stems: np.ndarray, texts: pd.Series) -> np.ndarray:
    """Terms as members wrote them: each stem shown as its most common word ("commun" →
    "community"), counted on at most :data:`PHRASE_SAMPLE` texts."""
    sample = texts.dropna()
    if len(sample) > PHRASE_SAMPLE:
        sample = sample.iloc[np.linspace(0, len(sample) - 1, PHRASE_SAMPLE).astype(int)]
    seen: dict[str, Counter[str]] = {}
    for text in sample:
        for word in _TERM_WORD.findall(normalise(text)):
            seen.setdefault(_stem(word), Counter())[word] += 1
    words = {stem: counts.most_common(1)[0][0] for stem, counts in seen.items()}
    return np.array(
        [" ".join(words.get(part, part) for part in term.split()) for term in stems], dtype=object
    )


def _analyze(text: str) -> list[str]:
    """The TF-IDF analyzer (see :func:`_analyzed`); a repeated answer is analysed once."""
    return list(_analyzed(text))


@lru_cache(maxsize=65_536)
def _analyzed(text: str) -> tuple[str, ...]:
    """The TF-IDF terms of a text: its content words (Snowball stems, so "kit" and "kits"
    are one term) and word pairs, in each clause.

    Stop words are dropped but negations are kept on the word they negate, so "did not
    answer" gives the term "not answer" (never "answer"), and "no updates" stays
    "no updat"."""
    stop = _stop_words_set()
    terms: list[str] = []
    for clause in _CLAUSE.split(normalise(text)):
        tokens: list[str] = []
        negation = None
        for word in _TERM_WORD.findall(clause):
            if word in NEGATIONS:
                negation = word
            elif word not in stop:
                stem = _stem(word)
                tokens.append(f"{negation} {stem}" if negation else stem)
                negation = None
        terms += tokens
        terms += [f"{a} {b}" for a, b in pairwise(tokens)]
    return tuple(terms)


def themes(
    texts: Iterable[str | None] | pd.Series,
    n_themes: int = 6,
    seed: int = 0,
    *,
    compound: pd.Series | None = None,
) -> ThemeModel:
    """Find up to ``n_themes`` themes in ``texts`` (fewer if there are fewer distinct texts
    or words, or when near-duplicate themes merge). ``compound`` may pass sentiment
    scores already computed for the same texts (same index); otherwise VADER scores them.
    Placeholders and "nothing to improve" answers are counted, not themed. Raises
    ``ValidationError`` when no text has a usable word."""
    if n_themes < 1:
        raise ValidationError(f"n_themes must be at least 1, got {n_themes}", field="n_themes")
    series = _as_text(texts)
    if compound is None:
        compound = sentiment(series)["compound"]
    elif len(compound) != len(series):
        raise ValidationError("compound must have one score per text", field="compound")
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    kinds = answer_kinds(series)
    is_content = kinds.eq(CONTENT).fillna(False).to_numpy(dtype=bool)
    content_texts = series.where(is_content, None)
    n_docs = int(is_content.sum())
    vectorizer = TfidfVectorizer(
        analyzer=_analyze,
        sublinear_tf=True,
        min_df=2 if n_docs >= 200 else 1,
        max_df=0.95 if n_docs >= 20 else 1.0,
        max_features=20_000,
    )
    try:
        fitted = vectorizer.fit_transform(content_texts[is_content])
    except ValueError as exc:  # empty vocabulary
        raise ValidationError(
            "no words to find themes in: the texts are empty, placeholders or only stop words"
        ) from exc
    from scipy import sparse

    # one row per input text (rows of texts without content stay empty)
    rows = np.flatnonzero(is_content)
    matrix = (
        sparse.csr_matrix(
            (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(series), len(rows))
        )
        @ fitted
    )
    with_words = int((matrix.getnnz(axis=1) > 0).sum())
    if with_words == 0:
        raise ValidationError("no words to find themes in: the texts are only stop words")
    k = min(n_themes, with_words, matrix.shape[1])
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    with warnings.catch_warnings():
        # Not converging to the tolerance in 500 rounds still gives usable themes.
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = nmf.fit_transform(matrix)

    has_words = matrix.getnnz(axis=1) > 0
    groups = np.where(has_words & (weights.max(axis=1) > 0), weights.argmax(axis=1), -1)
    centroids = _settle(matrix, groups)
    placed = _nearest(series.index, matrix, centroids, [""] * len(centroids))
    theme_of = placed["theme"].to_numpy(dtype=float, na_value=np.nan)
    sizes = np.array([(theme_of == c).sum() for c in range(len(centroids))])
    order = sorted(range(len(centroids)), key=lambda c: (-sizes[c], c))
    centroids = centroids[order]
    terms = _surface_terms(vectorizer.get_feature_names_out(), content_texts)
    theme_terms = [_top_terms(c, terms) for c in centroids]

    placed = _nearest(series.index, matrix, centroids, [""] * len(centroids))
    placed["sentiment"] = compound.to_numpy(dtype=float)
    placed["answer"] = kinds
    part, part_compound = _theme_parts(series, placed, vectorizer, centroids)
    theme_of = placed["theme"].to_numpy(dtype=float, na_value=np.nan)
    means = [_majority_compound(part_compound[theme_of == i]) for i in range(len(centroids))]
    names = _phrases(series, placed, len(centroids), part, part_compound, means)
    labels = [label for label, _ in names]
    placed["label"] = placed["theme"].map(lambda i: labels[i], na_action="ignore").astype("string")
    text_compound = placed["sentiment"].to_numpy(dtype=float)
    weight = placed["weight"].to_numpy(dtype=float)
    built = tuple(
        Theme(
            id=i,
            label=labels[i],
            terms=theme_terms[i],
            size=int((theme_of == i).sum()),
            share=float((theme_of == i).sum() / n_docs) if n_docs else 0.0,
            mean_sentiment=means[i],
            quotes=_theme_quotes(
                series.to_numpy(dtype=object)[theme_of == i],
                weight[theme_of == i],
                text_compound[theme_of == i],
                part[theme_of == i],
                part_compound[theme_of == i],
                label=labels[i] if labels[i] != OTHER_LABEL else "",
                tone=_tone(means[i]),
            ),
            topic=names[i][1],
        )
        for i in range(len(centroids))
    )
    themed = int(placed["theme"].notna().sum())
    return ThemeModel(
        built,
        placed[["theme", "label", "weight", "sentiment", "answer"]],
        vectorizer,
        nmf,
        centroids,
        content=n_docs,
        unthemed=n_docs - themed,
        nothing_to_improve=int(kinds.isin([ALL_GOOD, NOTHING]).fillna(False).sum()),
        placeholders=int(kinds.eq(PLACEHOLDER).fillna(False).sum()),
    )


def _centres(matrix: Any, groups: np.ndarray, n: int) -> np.ndarray:
    """The L2-normalised mean TF-IDF vector of each group (rows of ``matrix``)."""
    out = np.zeros((n, matrix.shape[1]))
    for g in range(n):
        rows = np.flatnonzero(groups == g)
        if len(rows):
            mean = np.asarray(matrix[rows].mean(axis=0)).ravel()
            norm = np.linalg.norm(mean)
            out[g] = mean / norm if norm else mean
    return out


def _settle(matrix: Any, groups: np.ndarray) -> np.ndarray:
    """Theme centres from NMF's first grouping: near-duplicate themes merged (centres
    with cosine similarity ≥ :data:`MERGE_SIMILARITY`), themes of fewer than
    :data:`MIN_THEME_SIZE` texts dropped, texts moved to their nearest centre, twice."""
    n = int(groups.max()) + 1 if (groups >= 0).any() else 0
    centres = _centres(matrix, groups, n)
    for _ in range(SETTLE_ROUNDS):
        centres = centres[np.linalg.norm(centres, axis=1) > 0]
        centres = _merge(centres, matrix)
        if not len(centres):
            break
        similarity = np.asarray(matrix @ centres.T)
        best = similarity.argmax(axis=1)
        fit = similarity[np.arange(len(best)), best]
        groups = np.where(fit >= MIN_FIT, best, -1)
        sizes = np.bincount(groups[groups >= 0], minlength=len(centres))
        keep = np.flatnonzero(sizes >= min(MIN_THEME_SIZE, sizes.max()))
        remap = np.full(len(centres), -1)
        remap[keep] = np.arange(len(keep))
        groups = np.where(groups >= 0, remap[np.maximum(groups, 0)], -1)
        centres = _centres(matrix, groups, len(keep))
    return centres


def _merge(centres: np.ndarray, matrix: Any) -> np.ndarray:
    """Merge the most similar pair of centres while it is at least MERGE_SIMILARITY."""
    centres = centres.copy()
    while len(centres) > 1:
        similarity = centres @ centres.T
        np.fill_diagonal(similarity, -1.0)
        i, j = np.unravel_index(int(similarity.argmax()), similarity.shape)
        if similarity[i, j] < MERGE_SIMILARITY:
            break
        merged = centres[i] + centres[j]
        centres[i] = merged / np.linalg.norm(merged)
        centres = np.delete(centres, j, axis=0)
    return centres


def theme_table(
    texts: pd.Series,
    assignments: pd.DataFrame,
    *,
    n_themes: int,
    n_quotes: int = 3,
) -> pd.DataFrame:
    """Per theme over the given texts: ``size``, ``negative`` (texts labelled negative),
    ``mean_sentiment`` and ``quotes`` (typical texts: highest ``weight`` — closest to the
    theme's centre — among those in the tone of the theme over these texts; texts of the
    opposite tone are never quoted). Index: theme id."""
    rows = []
    for theme_id in range(n_themes):
        mine = assignments["theme"].eq(theme_id).fillna(False).to_numpy(dtype=bool)
        sent = assignments["sentiment"].to_numpy(dtype=float)[mine]
        mean = float(np.nanmean(sent)) if np.isfinite(sent).any() else np.nan
        rows.append(
            {
                "size": int(mine.sum()),
                "negative": int((sent <= NEGATIVE_MAX).sum()),
                "mean_sentiment": mean,
                "quotes": typical_quotes(
                    texts[mine],
                    assignments.loc[mine, "weight"],
                    assignments.loc[mine, "sentiment"],
                    tone=_tone(mean),
                    n=n_quotes,
                ),
            }
        )
    return pd.DataFrame(rows, index=pd.RangeIndex(n_themes, name="theme"))


def typical_quotes(
    texts: pd.Series,
    weight: pd.Series,
    compound: pd.Series,
    *,
    tone: str = "mixed",
    n: int = 3,
) -> tuple[str, ...]:
    """Up to ``n`` typical texts: by ``weight`` (closeness to the theme's centre),
    highest first, texts in ``tone`` first, then neutral ones; a text of the opposite
    tone is never quoted (a complaint is not a quote for a theme of praise)."""
    frame = pd.DataFrame(
        {
            "text": texts.to_numpy(dtype=object),
            "weight": weight.to_numpy(dtype=float),
            "compound": compound.to_numpy(dtype=float),
        }
    )
    c = frame["compound"]
    if tone == "positive":
        rank = np.where(c >= POSITIVE_MIN, 0, np.where(c <= NEGATIVE_MAX, 2, 1))
    elif tone == "negative":
        rank = np.where(c <= NEGATIVE_MAX, 0, np.where(c >= POSITIVE_MIN, 2, 1))
    else:
        rank = np.zeros(len(frame), dtype=int)
    frame["rank"] = rank
    frame = frame[frame["rank"] < 2].sort_values(
        ["rank", "weight"], ascending=[True, False], kind="stable"
    )
    return quotes(frame["text"], n)


def quotes(texts: Iterable[str], n: int = 3, max_chars: int = QUOTE_CHARS) -> tuple[str, ...]:
    """The first ``n`` distinct texts (ignoring case, spacing and punctuation), each
    shortened at a word boundary to at most ``max_chars`` characters with an ellipsis."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            continue
        flat = " ".join(text.split())
        key = re.sub(r"[\W_]+", " ", flat.casefold()).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(_shorten(flat, max_chars))
        if len(out) == n:
            break
    return tuple(out)


def detractor_topics(
    responses: pd.DataFrame,
    *,
    model: ThemeModel | None = None,
    n_themes: int = 6,
    seed: int = 0,
) -> pd.DataFrame:
    """What detractors (NPS 0–6) write about, compared with everyone else.

    Themes are found over all comments (or taken from ``model``), so the groups share one
    set of themes. One row per theme: ``theme``, ``label``, ``detractors`` (detractor
    comments in the theme), ``detractor_share``, ``passive_share``, ``promoter_share``
    (each: the theme's share of that group's comments), ``lift`` (detractor share ÷ the
    theme's share of all scored comments; > 1 means detractors raise it more than
    average), ``mean_sentiment`` of the detractor comments and detractor ``quotes``.
    Sorted by ``detractors``, then ``lift``.
    """
    require_columns(responses, ["score", "comment"], name="responses")
    responses = responses.reset_index(drop=True)
    scores_in_range(responses["score"], low=0, high=10)
    comments, placed, model = _place_comments(responses, model, n_themes, seed)
    group = pd.cut(
        pd.to_numeric(responses["score"].loc[comments.index]),
        [-0.5, 6.5, 8.5, 10.5],
        labels=["detractor", "passive", "promoter"],
    ).astype(object)
    group_totals = group.value_counts()
    scored_total = int(group_totals.sum())
    is_detractor = group.eq("detractor").to_numpy()
    of_detractors = theme_table(
        comments[is_detractor], placed[is_detractor], n_themes=len(model.themes)
    )
    rows = []
    for t in model.themes:
        counts = group[placed["theme"].eq(t.id).fillna(False).to_numpy(dtype=bool)].value_counts()

        def share(name: str, counts: pd.Series = counts) -> float:
            total = group_totals.get(name, 0)
            return counts.get(name, 0) / total if total else np.nan

        overall = counts.sum() / scored_total if scored_total else np.nan
        rows.append(
            {
                "theme": t.id,
                "label": t.label,
                "detractors": int(counts.get("detractor", 0)),
                "detractor_share": share("detractor"),
                "passive_share": share("passive"),
                "promoter_share": share("promoter"),
                "lift": share("detractor") / overall if overall else np.nan,
                "mean_sentiment": of_detractors.at[t.id, "mean_sentiment"],
                "quotes": of_detractors.at[t.id, "quotes"],
            }
        )
    return (
        pd.DataFrame(rows)
        .sort_values(["detractors", "lift", "theme"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def improvement_areas(
    responses: pd.DataFrame,
    *,
    model: ThemeModel | None = None,
    n_themes: int = 6,
    seed: int = 0,
) -> pd.DataFrame:
    """Themes ranked by ``priority = frequency × negativity``.

    ``frequency`` = the theme's comments ÷ all comments; ``negativity`` = the share of the
    theme's comments that VADER labels negative (compound ≤ −0.05). Their product is the
    share of all comments that are negative comments about the theme. One row per theme:
    ``theme``, ``label``, ``comments``, ``negative``, ``frequency``, ``negativity``,
    ``priority``, ``mean_sentiment``, ``mean_score`` (when ``responses`` has ``score``)
    and ``quotes`` (negative comments only).
    """
    require_columns(responses, ["comment"], name="responses")
    responses = responses.reset_index(drop=True)
    comments, placed, model = _place_comments(responses, model, n_themes, seed)
    total = len(comments)
    n = len(model.themes)
    table = theme_table(comments, placed, n_themes=n)
    negative = (placed["sentiment"] <= NEGATIVE_MAX).to_numpy()
    of_negative = theme_table(comments[negative], placed[negative], n_themes=n)
    score = None
    if "score" in responses.columns:
        score = pd.to_numeric(responses["score"], errors="coerce").loc[comments.index]
    rows = []
    for t in model.themes:
        size = int(table.at[t.id, "size"])
        neg = int(table.at[t.id, "negative"])
        frequency = size / total
        negativity = neg / size if size else 0.0
        row = {
            "theme": t.id,
            "label": t.label,
            "comments": size,
            "negative": neg,
            "frequency": frequency,
            "negativity": negativity,
            "priority": frequency * negativity,
            "mean_sentiment": table.at[t.id, "mean_sentiment"],
        }
        if score is not None:
            in_theme = placed["theme"].eq(t.id).fillna(False).to_numpy(dtype=bool)
            row["mean_score"] = float(score[in_theme].mean()) if in_theme.any() else np.nan
        row["quotes"] = of_negative.at[t.id, "quotes"]
        rows.append(row)
    return (
        pd.DataFrame(rows)
        .sort_values(["priority", "comments", "theme"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def _place_comments(
    responses: pd.DataFrame, model: ThemeModel | None, n_themes: int, seed: int
) -> tuple[pd.Series, pd.DataFrame, ThemeModel]:
    """The comments that are answers (not blank, not placeholders), their themes and
    sentiment — read with their question when ``responses`` carries it (see
    ``vader.survey_sentiment``) — and the model used."""
    from commbook.feedback.vader import survey_sentiment

    text = _as_text(responses["comment"])
    answered = text.notna() & answer_kinds(text).ne(PLACEHOLDER).fillna(False)
    comments = text[answered]
    if comments.empty:
        raise ValidationError("responses: no comments to analyse", field="comment")
    compound = survey_sentiment(responses.loc[comments.index].assign(comment=comments))["compound"]
    if model is None:
        model = themes(comments, n_themes=n_themes, seed=seed, compound=compound)
        return comments, model.assignments, model
    placed = model.assign(comments)
    placed["sentiment"] = compound
    return comments, placed, model


def _parts(text: str) -> list[str]:
    """A text cut where it turns to another point: at the end of each sentence, at ";" and
    at "but" ("Search works great, but shipping is slow" → two parts)."""
    parts = [p.strip(" ,;:-–—") for p in _PART.split(text)]
    return [p for p in parts if _TERM_WORD.search(p)] or [text]


def _theme_parts(
    texts: pd.Series, placed: pd.DataFrame, vectorizer: Any, centroids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What each themed text says about its theme: the part of it (see :func:`_parts`)
    closest to its theme's centre (the first of equals), and that part's sentiment.

    A text of one part is its own part and keeps its score (``placed["sentiment"]``, which
    may have been read with its question); a part of a longer text is scored by VADER
    (:func:`vader.sentiment`). Texts in no theme get None and NaN."""
    theme = placed["theme"].to_numpy(dtype=float, na_value=np.nan)
    part = np.full(len(texts), None, dtype=object)
    compound = np.full(len(texts), np.nan)
    given = placed["sentiment"].to_numpy(dtype=float)
    owners: list[int] = []
    pieces: list[str] = []
    for row in np.flatnonzero(np.isfinite(theme)):
        split = _parts(texts.iat[row])
        if len(split) == 1:
            part[row], compound[row] = texts.iat[row], given[row]
        else:
            owners += [row] * len(split)
            pieces += split
    if pieces:
        similarity = np.asarray(vectorizer.transform(pieces) @ centroids.T)
        owner = np.asarray(owners)
        fit = similarity[np.arange(len(pieces)), theme[owner].astype(int)]
        best: dict[int, int] = {}
        for i, row in enumerate(owners):
            if row not in best or fit[i] > fit[best[row]]:
                best[row] = i
        chosen = list(best.values())
        scores = sentiment([pieces[i] for i in chosen])["compound"].to_numpy(dtype=float)
        for i, score in zip(chosen, scores, strict=True):
            part[owners[i]], compound[owners[i]] = pieces[i], score
    return part, compound


def _majority_compound(scores: np.ndarray) -> float:
    """A theme's sentiment, such that its tone is the tone of most of its parts that have
    one (neutral parts, |compound| < 0.05, left aside): the median of those, positive (or
    negative) only when more than half of them are; with an even count whose two middle
    scores differ in tone, 0 (mixed). The median of all when none has a tone; NaN when
    none is scored."""
    values = np.sort(scores[np.isfinite(scores)])
    if not len(values):
        return np.nan
    toned = values[(values >= POSITIVE_MIN) | (values <= NEGATIVE_MAX)]
    if not len(toned):
        return float(np.median(values))
    middle = len(toned) // 2
    if len(toned) % 2:
        return float(toned[middle])
    low, high = toned[middle - 1], toned[middle]
    return float((low + high) / 2) if _tone(low) == _tone(high) else 0.0


def _has_phrase(text: str, phrase: str) -> bool:
    flat = " ".join(_PHRASE_WORD.findall(text.casefold().replace("’", "'")))
    return f" {phrase} " in f" {flat} "


def _theme_quotes(
    texts: np.ndarray,
    weight: np.ndarray,
    compound: np.ndarray,
    part: np.ndarray,
    part_compound: np.ndarray,
    *,
    label: str,
    tone: str,
    n: int = 3,
) -> tuple[str, ...]:
    """Up to ``n`` typical texts of a theme that say what its label and tone say: a text
    is quoted only when neither the text nor what it says about the theme (its part, see
    :func:`_theme_parts`) is of the opposite tone. The first quote is the most typical
    text whose part holds the label; the others follow by tone (texts wholly in the
    theme's tone first, then texts whose part is) and closeness to the theme's centre."""
    opposite = {"positive": "negative", "negative": "positive"}.get(tone)
    keys = []
    for i, text in enumerate(texts):
        tones = (_tone(compound[i]), _tone(part_compound[i]))
        if opposite in tones:
            continue
        keys.append(
            (
                tone != "mixed" and tones[0] != tone,
                tone != "mixed" and tones[1] != tone,
                -weight[i],
                i,
                text,
            )
        )
    keys.sort()
    first = [k for k in keys if label and _has_phrase(part[k[3]], label)][:1]
    return quotes((k[-1] for k in first + keys), n)


def _phrases(
    texts: pd.Series,
    placed: pd.DataFrame,
    n: int,
    part: np.ndarray,
    part_compound: np.ndarray,
    means: list[float],
) -> list[tuple[str, str]]:
    """(label, topic) of each theme: phrases members wrote, chosen by how many of the
    theme's texts say them about the theme — in their part closest to the theme's centre
    (coverage) — times how many of the texts containing them are in the theme (precision),
    longer phrases slightly preferred. A label is 1–5 words in a row from one clause,
    starting and ending on a content word (or starting on a negation: "not fixed", "never
    find"); a topic is 1–2 content words.

    A label must be typical: said by at least :data:`LABEL_MIN_SHARE` of the theme's texts
    (and at least two); name something (not only opinion words, not a lone generic word
    such as "members", see :data:`GENERIC_WORDS`); and be said in the theme's tone, or at
    least not in the opposite one (the mean sentiment of the parts that say it). A theme
    with no such phrase is :data:`OTHER_LABEL`. Counted on at most :data:`PHRASE_SAMPLE`
    texts (evenly spaced) so large corpora stay fast."""
    theme = placed["theme"].to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(np.isfinite(theme))
    if len(rows) > PHRASE_SAMPLE:
        rows = rows[np.linspace(0, len(rows) - 1, PHRASE_SAMPLE).astype(int)]
    overall: Counter[str] = Counter()
    within: list[Counter[str]] = [Counter() for _ in range(n)]
    position: list[Counter[str]] = [Counter() for _ in range(n)]  # summed first positions
    tone_sum: list[Counter[str]] = [Counter() for _ in range(n)]
    quotable: list[set[str]] = [set() for _ in range(n)]  # said by a text that may be quoted
    opposite = {"positive": "negative", "negative": "positive"}
    tones = [_tone(m) for m in means]
    given = placed["sentiment"].to_numpy(dtype=float)
    sizes = np.zeros(n, dtype=int)
    for row in rows:
        t = int(theme[row])
        overall.update(_spans(texts.iat[row]).keys())
        spans = _spans(part[row])
        within[t].update(spans.keys())
        position[t].update(spans)
        score = part_compound[row]
        if np.isfinite(score):
            for p in spans:
                tone_sum[t][p] += score
        if opposite.get(tones[t]) not in (_tone(score), _tone(given[row])):
            quotable[t].update(spans)
        sizes[t] += 1
    out: list[tuple[str, str]] = []
    used: set[str] = set()
    for t in range(n):
        tone = tones[t]
        need = max(2, int(np.ceil(LABEL_MIN_SHARE * sizes[t]))) if sizes[t] >= 2 else 1

        def said_in_tone(p: str, t: int = t, tone: str = tone) -> bool:
            return _tone(tone_sum[t][p] / within[t][p]) != opposite.get(tone)

        scored = sorted(
            (
                (-(c / sizes[t]) * (c / max(overall[p], c)) * (1 + 0.1 * (len(p.split()) - 1)), p)
                for p, c in within[t].items()
            ),
            # ties: the phrase written earlier in its texts (the subject), then a–z
            key=lambda sp: (sp[0], position[t][sp[1]] / within[t][sp[1]], sp[1]),
        )
        labels = [
            p
            for _, p in scored
            if within[t][p] >= need
            and (_names_something(p) or _praises_together(p, within[t][p], sizes[t]))
            and not _is_generic(p)
            and p in quotable[t]
            and said_in_tone(p)
        ]
        if labels:  # a longer phrase around the best one, when it is common enough
            best = labels[0]
            longer = [
                p
                for p in labels
                if _contains(p, best) and within[t][p] >= LONGER_LABEL_SHARE * within[t][best]
            ]
            labels.insert(0, longer[0] if longer else best)
        label = next((p for p in labels if p not in used), OTHER_LABEL)
        used.add(label)
        topics = [
            p
            for _, p in scored
            if len(p.split()) <= 2
            and within[t][p] >= need
            and not _is_generic(p)
            and not any(_negates(w) or _is_opinion(w) or not _is_content(w) for w in p.split())
        ]
        topic = _topic(label, topics, within[t]) if label != OTHER_LABEL else ""
        out.append((label, topic))
    labels = _unique([label for label, _ in out])
    return [(label, topic) for label, (_, topic) in zip(labels, out, strict=True)]


def _praises_together(phrase: str, count: int, size: int) -> bool:
    """Opinion words may make a label when there are two or more of them and at least half
    of the theme's texts say them: "helpful and generous" (of the members)."""
    return count >= 0.5 * size and sum(_is_content(w) for w in phrase.split()) >= 2


def _is_generic(phrase: str) -> bool:
    """A lone word that names no subject in a community survey ("members", "community")."""
    return phrase in GENERIC_WORDS


def _topic(label: str, topics: list[str], counts: Counter[str]) -> str:
    """The subject of a theme for titles: the label itself when it is a topic; else the
    most common topic inside the label, its first words counting a fifth more and the
    longer winning a tie ("mobile app is slow" → "mobile app"); else the best topic,
    else the label."""
    if label in topics:
        return label
    words = label.split()
    inside = [p for p in topics if _contains(label, p)]
    if not inside:
        return topics[0] if topics else label

    def score(p: str) -> float:
        return counts[p] * (1.2 if words[: len(p.split())] == p.split() else 1.0)

    return max(inside, key=lambda p: (score(p), len(p)))


def _contains(phrase: str, part: str) -> bool:
    words, inner = phrase.split(), part.split()
    return len(words) > len(inner) and any(
        words[i : i + len(inner)] == inner for i in range(len(words) - len(inner) + 1)
    )


def _is_opinion(word: str) -> bool:
    """A word VADER scores strongly ("great", "love", "terrible"; |valence| ≥ 1.5): it
    says how, not what — except a few subjects VADER also scores ("support", "help")."""
    from commbook.feedback.vader import lexicon

    if word in SUBJECT_WORDS:
        return False
    valence = lexicon().get(word, lexicon().get(word.rstrip("s"), 0.0))
    return abs(valence) >= 1.5


def _names_something(phrase: str) -> bool:
    """Whether a phrase has a content word that is not an opinion: "mobile app", "search is
    broken", not "great" or "so helpful"."""
    return any(_is_content(w) and not _is_opinion(w) for w in phrase.split())


def _negates(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


def _is_content(word: str) -> bool:
    base = word.replace("'", "")
    return len(base) >= 2 and base not in _stop_words_set() and not _negates(word)


def _spans(text: str) -> dict[str, int]:
    """The candidate phrases of a text (see :func:`_phrases`), each with the position of
    its first word in the text (first occurrence)."""
    out: dict[str, int] = {}
    offset = 0
    for clause in _CLAUSE.split(text.casefold().replace("’", "'")):
        words = _PHRASE_WORD.findall(clause)
        for i, first in enumerate(words):
            starts = _is_content(first)
            if not starts and not _negates(first):
                continue
            for j in range(i if starts else i + 1, min(i + MAX_PHRASE_WORDS, len(words))):
                word = words[j]
                if _is_content(word):
                    out.setdefault(" ".join(words[i : j + 1]), offset + i)
                elif word not in LINK_WORDS:
                    break
        offset += len(words)
    return out


def _as_text(texts: Iterable[str | None] | pd.Series) -> pd.Series:
    """Texts as an object Series; blank or missing texts become None."""
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    stripped = series.astype(object).map(lambda t: str(t).strip(), na_action="ignore")
    return stripped.where(stripped.notna() & stripped.ne(""), None).astype(object)


def _top_terms(weights: np.ndarray, terms: np.ndarray, n: int = 10) -> tuple[str, ...]:
    top = np.argsort(-weights, kind="stable")[:n]
    return tuple(str(terms[i]) for i in top if weights[i] > 0)


def _unique(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        candidate, k = label, 2
        while candidate in out:
            candidate, k = f"{label} ({k})", k + 1
        out.append(candidate)
    return out


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut[max_chars // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"
