"""Themes in free text: TF-IDF + NMF topics, with labels, sizes, sentiment and quotes.

How it works (details and how to read the output in ``docs/feedback.md``):

1. Each text becomes a TF-IDF vector of its words and word pairs (English stop words and
   survey filler words removed, sublinear term frequency, L2-normalised).
2. Non-negative matrix factorisation splits that matrix into ``n_themes`` themes: each
   theme is a weighted set of terms, each text a weighted mix of themes.
3. A text belongs to the theme with its largest weight (texts with no known word belong to
   none). Themes are numbered by size, largest first; a theme's label is its top terms.

Everything is deterministic: NMF starts from an SVD-based initialisation and ``seed``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.feedback._input import require_columns, scores_in_range
from commbook.feedback.vader import NEGATIVE_MAX, sentiment

if TYPE_CHECKING:  # scikit-learn (and SciPy) load on first use: importing this module is cheap
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

# fmt: off
FILLER_WORDS = frozenset({
    "really", "just", "also", "get", "got", "bit", "lot", "lots", "thing", "things", "would",
    "could", "maybe", "pretty", "quite", "thanks", "thank", "ok", "okay", "etc",
    # what is left of contractions once the apostrophe splits them
    "im", "ive", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant", "don", "didn", "doesn",
    "isn", "wasn", "ve", "ll", "re",
})
# fmt: on


@lru_cache(maxsize=1)
def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | FILLER_WORDS)


def __getattr__(name: str) -> Any:
    if name == "STOP_WORDS":  # scikit-learn's English stop words + FILLER_WORDS, sorted
        return _stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two or more letters
QUOTE_CHARS = 200


@dataclass(frozen=True)
class Theme:
    """One theme. ``share`` is ``size`` over the texts that have words; ``mean_sentiment``
    is the mean VADER compound score (−1..1) of its texts; ``quotes`` are the texts that
    weigh most on the theme, deduplicated and shortened to about 200 characters."""

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    share: float
    mean_sentiment: float
    quotes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ThemeModel:
    """Themes found in a set of texts, and which text belongs to which theme.

    ``assignments`` has the input's index and the columns ``theme`` (Int64, <NA> for a
    text with no known word), ``label``, ``weight`` (the text's weight on its theme) and
    ``sentiment`` (VADER compound).
    """

    themes: tuple[Theme, ...]
    assignments: pd.DataFrame
    vectorizer: TfidfVectorizer
    nmf: NMF
    component_of_theme: tuple[int, ...]

    def label(self, theme_id: int) -> str:
        return self.themes[theme_id].label

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
        """Place new texts in this model's themes (columns ``theme``, ``label``, ``weight``)."""
        from sklearn.exceptions import ConvergenceWarning

        series = _as_text(texts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            weights = self.nmf.transform(self.vectorizer.transform(series.fillna("")))
        labels = [t.label for t in self.themes]
        return _assign(series.index, weights, self.component_of_theme, labels)


def _assign(
    index: pd.Index, weights: np.ndarray, order: tuple[int, ...], labels: list[str]
) -> pd.DataFrame:
    """Each text's theme: the one it weighs most on (none when all its weights are 0)."""
    by_theme = weights[:, list(order)]
    best = by_theme.argmax(axis=1)
    best_weight = by_theme.max(axis=1)
    theme = pd.Series(best, index=index, dtype="Int64").mask(best_weight <= 0)
    label = theme.map(lambda i: labels[i], na_action="ignore").astype("string")
    return pd.DataFrame(
        {"theme": theme, "label": label, "weight": np.maximum(best_weight, 0.0)}, index=index
    )


def themes(
    texts: Iterable[str | None] | pd.Series,
    n_themes: int = 6,
    seed: int = 0,
    *,
    compound: pd.Series | None = None,
) -> ThemeModel:
    """Find up to ``n_themes`` themes in ``texts`` (fewer if there are fewer distinct texts
    or words). ``compound`` may pass sentiment scores already computed for the same texts
    (same index); otherwise VADER scores them. Raises ``ValidationError`` when no text has
    a usable word."""
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

    n_docs = int(series.notna().sum())
    vectorizer = TfidfVectorizer(
        stop_words=_stop_words(),
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2 if n_docs >= 200 else 1,
        max_df=0.95 if n_docs >= 20 else 1.0,
        max_features=20_000,
    )
    try:
        matrix = vectorizer.fit_transform(series.fillna(""))
    except ValueError as exc:  # empty vocabulary
        raise ValidationError(
            "no words to find themes in: the texts are empty or only stop words"
        ) from exc
    with_words = int((matrix.getnnz(axis=1) > 0).sum())
    k = min(n_themes, with_words, matrix.shape[1])
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    with warnings.catch_warnings():
        # Not converging to the tolerance in 500 rounds still gives usable themes.
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = nmf.fit_transform(matrix)

    best = weights.argmax(axis=1)
    has_theme = weights.max(axis=1) > 0
    sizes = np.bincount(best[has_theme], minlength=k)
    order = tuple(int(c) for c in sorted(range(k), key=lambda c: (-sizes[c], c)))
    terms = vectorizer.get_feature_names_out()
    theme_terms = [_top_terms(nmf.components_[c], terms) for c in order]
    labels = _unique([_label(t) for t in theme_terms])

    assignments = _assign(series.index, weights, order, labels)
    assignments["sentiment"] = compound.to_numpy(dtype=float)

    table = theme_table(series, assignments, n_themes=k)
    built = tuple(
        Theme(
            id=i,
            label=labels[i],
            terms=theme_terms[i],
            size=int(table.at[i, "size"]),
            share=float(table.at[i, "size"] / with_words) if with_words else 0.0,
            mean_sentiment=float(table.at[i, "mean_sentiment"]),
            quotes=table.at[i, "quotes"],
        )
        for i in range(k)
    )
    return ThemeModel(built, assignments, vectorizer, nmf, order)


def theme_table(
    texts: pd.Series,
    assignments: pd.DataFrame,
    *,
    n_themes: int,
    n_quotes: int = 3,
) -> pd.DataFrame:
    """Per theme over the given texts: ``size``, ``negative`` (texts labelled negative),
    ``mean_sentiment`` and ``quotes`` (highest-weight texts). Index: theme id."""
    rows = []
    for theme_id in range(n_themes):
        mine = assignments["theme"].eq(theme_id).fillna(False).to_numpy(dtype=bool)
        sent = assignments["sentiment"].to_numpy(dtype=float)[mine]
        ranked = assignments.loc[mine, "weight"].sort_values(ascending=False, kind="stable")
        rows.append(
            {
                "size": int(mine.sum()),
                "negative": int((sent <= NEGATIVE_MAX).sum()),
                "mean_sentiment": float(np.nanmean(sent)) if np.isfinite(sent).any() else np.nan,
                "quotes": quotes(texts.loc[ranked.index], n_quotes),
            }
        )
    return pd.DataFrame(rows, index=pd.RangeIndex(n_themes, name="theme"))


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
    """The non-blank comments, their themes and sentiment, and the model used."""
    text = _as_text(responses["comment"])
    comments = text[text.notna()]
    if comments.empty:
        raise ValidationError("responses: no comments to analyse", field="comment")
    if model is None:
        model = themes(comments, n_themes=n_themes, seed=seed)
        return comments, model.assignments, model
    placed = model.assign(comments)
    placed["sentiment"] = sentiment(comments)["compound"]
    return comments, placed, model


def _as_text(texts: Iterable[str | None] | pd.Series) -> pd.Series:
    """Texts as an object Series; blank or missing texts become None."""
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    stripped = series.astype(object).map(lambda t: str(t).strip(), na_action="ignore")
    return stripped.where(stripped.notna() & stripped.ne(""), None).astype(object)


def _top_terms(weights: np.ndarray, terms: np.ndarray, n: int = 10) -> tuple[str, ...]:
    top = np.argsort(-weights, kind="stable")[:n]
    return tuple(str(terms[i]) for i in top if weights[i] > 0)


def _label(terms: tuple[str, ...], max_words: int = 3) -> str:
    """The top terms, up to ``max_words`` distinct words; a word pair replaces a single
    word it contains ("docs", "docs tutorial" → "docs tutorial")."""
    chosen: list[str] = []
    used: set[str] = set()
    for term in terms:
        words = set(term.split())
        if words <= used or len(used | words) > max_words:
            continue
        covered = [c for c in chosen if set(c.split()) <= words]
        if covered:
            at = chosen.index(covered[0])
            chosen = [c for c in chosen if c not in covered]
            chosen.insert(at, term)
        else:
            chosen.append(term)
        used |= words
        if len(used) >= max_words:
            break
    return " / ".join(chosen) or "(no words)"


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
