"""How good are the feedback themes and sentiment? Measured on hand-labelled comments.

A labelled set is a CSV with ``comment``, ``sentiment`` (``negative`` / ``neutral`` /
``positive``, empty for a placeholder), ``theme`` (the subject, or ``nothing`` for a
"nothing to improve" answer, ``placeholder`` for a non-answer) and the survey's
``survey_kind``, ``question`` and ``comment_question``. The one committed is
``tests/fixtures/feedback_labelled.csv`` (its README says how it was labelled).

Run ``python -m commbook.feedback.evaluate [PATH]``: it prints the tables that
``docs/feedback.md`` records; ``--themes-module OLD.py`` measures another version of
``themes()`` on the same set. Definitions are in the functions' docstrings.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commbook.feedback.answers import CONTENT, PLACEHOLDER, answer_kinds
from commbook.feedback.themes import ThemeModel, _tone, themes
from commbook.feedback.vader import label_of, sentiment, survey_sentiment

LABELLED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "feedback_labelled.csv"
NOT_CONTENT = ("nothing", "placeholder")


def read_labelled(path: Path | str = LABELLED) -> pd.DataFrame:
    """The labelled set, every cell as text (empty cells as "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def sentiment_scores(labelled: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and macro-F1 of four readings of the answers with a sentiment label:
    VADER with its own lexicon on the text alone (before), with
    :data:`vader.COMMUNITY_LEXICON` but no question, with the question type inferred from
    the survey's kind and score question (no comment question known), and with the
    comment question known. A text left unscored (NaN: no opinion) counts as ``neutral``. Rows: each
    reading on all answers and on the answers without content ("Nothing.", "All good")."""
    from sklearn.metrics import accuracy_score, f1_score
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    rows = labelled[labelled["sentiment"] != ""].reset_index(drop=True)
    plain = SentimentIntensityAnalyzer()  # VADER's own lexicon, no question
    compound = pd.Series([plain.polarity_scores(t)["compound"] for t in rows["comment"]])
    readings = {
        "VADER on the text alone (before)": label_of(compound),
        '+ community lexicon and "all good" rule, no question': sentiment(rows["comment"])["label"],
        "question inferred from the survey kind": survey_sentiment(
            rows.drop(columns=["comment_question"])
        )["label"],
        "comment question known": survey_sentiment(rows)["label"],
    }
    empty = rows["theme"].isin(NOT_CONTENT).to_numpy()
    out = []
    for name, predicted in readings.items():
        guess = predicted.astype(object).where(predicted.notna(), "neutral").to_numpy()
        for subset, mask in (("all answers", np.ones(len(rows), bool)), ("no content", empty)):
            gold = rows["sentiment"].to_numpy()[mask]
            out.append(
                {
                    "reading": name,
                    "answers": subset,
                    "n": int(mask.sum()),
                    "accuracy": accuracy_score(gold, guess[mask]),
                    "macro_f1": f1_score(gold, guess[mask], average="macro", zero_division=0),
                }
            )
    return pd.DataFrame(out)


def answer_scores(labelled: pd.DataFrame) -> dict[str, float]:
    """How well answers without content are caught: ``placeholders_caught`` (gold
    placeholders classed placeholder), ``nothing_caught`` (gold "nothing" answers classed
    nothing / all good), ``content_kept`` (gold content classed content)."""
    kind = answer_kinds(labelled["comment"]).fillna(PLACEHOLDER).to_numpy()
    gold = labelled["theme"].to_numpy()

    def share(mask: np.ndarray, ok: np.ndarray) -> float:
        return float(ok[mask].mean()) if mask.any() else np.nan

    return {
        "placeholders_caught": share(gold == "placeholder", kind == PLACEHOLDER),
        "nothing_caught": share(gold == "nothing", np.isin(kind, ["nothing", "all_good"])),
        "content_kept": share(~np.isin(gold, NOT_CONTENT), kind == CONTENT),
    }


def theme_scores(model: ThemeModel, labelled: pd.DataFrame) -> dict[str, float]:
    """Theme quality against the labelled subjects, on the texts labelled with a subject:

    - ``purity``: texts in a theme whose subject is their theme's most common one ÷ texts
      in a theme;
    - ``nmi``: normalised mutual information between subject and theme (texts in no theme
      form one group of their own);
    - ``coverage``: texts in a theme ÷ texts;
    - ``empty_themes``: share of themes whose most common label is ``nothing`` or
      ``placeholder`` (themes that mean "nothing to improve");
    - ``duplicate_rate``: share of themes whose most common subject is also the most
      common subject of a bigger theme;
    - ``labels_in_texts``: share of theme labels written word for word in one of its texts
      (a theme called "Other comments" counts as not);
    - ``quotes_consistent``: share of quotes whose subject is their theme's and whose
      sentiment label is not the opposite of the theme's tone.
    """
    from sklearn.metrics import normalized_mutual_info_score

    placed = model.assignments.reset_index(drop=True)
    gold = labelled["theme"].reset_index(drop=True)
    theme = placed["theme"].astype("Int64")
    on_subject = ~gold.isin(NOT_CONTENT)
    themed = theme.notna() & on_subject
    majority: dict[int, str] = {}
    for t in model.themes:
        members = gold[theme.eq(t.id).fillna(False)]
        majority[t.id] = members.value_counts().index[0] if len(members) else ""
    hits = sum(
        int((gold[themed & theme.eq(t).fillna(False)] == m).sum()) for t, m in majority.items()
    )
    clusters = theme.fillna(-1).astype(int)[on_subject]
    seen: set[str] = set()
    duplicates = 0
    for t in model.themes:  # biggest first
        duplicates += majority[t.id] in seen
        seen.add(majority[t.id])
    text = labelled["comment"].reset_index(drop=True)
    in_text = 0
    for t in model.themes:
        mine = text[theme.eq(t.id).fillna(False)].str.casefold().str.replace("’", "'")
        in_text += bool(mine.str.contains(t.label, regex=False).any())
    gold_sentiment = dict(zip(text, labelled["sentiment"].reset_index(drop=True), strict=True))
    gold_theme = dict(zip(text, gold, strict=True))
    opposite = {"positive": "negative", "negative": "positive"}
    quoted = consistent = 0
    for t in model.themes:
        for q in t.quotes:
            quoted += 1
            sent = gold_sentiment.get(q, "")
            tone = _tone(t.mean_sentiment)
            consistent += gold_theme.get(q) == majority[t.id] and sent != opposite.get(tone)
    n = len(model.themes)
    return {
        "themes": n,
        "purity": hits / int(themed.sum()) if themed.any() else np.nan,
        "nmi": normalized_mutual_info_score(gold[on_subject], clusters),
        "coverage": int(themed.sum()) / int(on_subject.sum()),
        "empty_themes": sum(m in NOT_CONTENT for m in majority.values()) / n,
        "duplicate_rate": duplicates / n,
        "labels_in_texts": in_text / n,
        "quotes_consistent": consistent / quoted if quoted else np.nan,
    }


def report(
    path: Path | str = LABELLED,
    n_themes: tuple[int, ...] = (6, 8, 10),
    find_themes: Callable[..., Any] = themes,
) -> str:
    """The tables of ``docs/feedback.md``, as Markdown. ``find_themes`` replaces
    :func:`themes` (e.g. an older version, to measure a change)."""
    labelled = read_labelled(path)
    lines = [f"Labelled set: {path} ({len(labelled)} comments)", ""]
    lines += ["| reading | answers | n | accuracy | macro-F1 |", "|---|---|---|---|---|"]
    for r in sentiment_scores(labelled).itertuples():
        lines.append(f"| {r.reading} | {r.answers} | {r.n} | {r.accuracy:.3f} | {r.macro_f1:.3f} |")
    lines += ["", "| answers without content | share |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in answer_scores(labelled).items()]
    lines += [
        "",
        "| n_themes | themes | purity | NMI | coverage | empty themes | duplicates "
        "| labels in texts | quotes consistent |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k in n_themes:
        model = find_themes(labelled["comment"], n_themes=k, seed=0)
        s = theme_scores(model, labelled)
        lines.append(
            f"| {k} | {s['themes']} | {s['purity']:.3f} | {s['nmi']:.3f} | {s['coverage']:.3f} "
            f"| {s['empty_themes']:.3f} | {s['duplicate_rate']:.3f} "
            f"| {s['labels_in_texts']:.3f} | {s['quotes_consistent']:.3f} |"
        )
    model = find_themes(labelled["comment"], n_themes=8, seed=0)
    lines += ["", "Themes at n_themes=8:", ""]
    lines += [
        f"- {t.label} ({t.size}, {_tone(t.mean_sentiment)}): {t.quotes[:1]}" for t in model.themes
    ]
    if hasattr(model, "coverage_note"):
        lines += ["", model.coverage_note()]
    return "\n".join(lines)


def _themes_from(path: str) -> Callable[..., Any]:
    """The ``themes`` function of a module file (an older ``themes.py``)."""
    spec = importlib.util.spec_from_file_location("commbook_themes_compared", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.themes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m commbook.feedback.evaluate",
        description="Measure feedback sentiment and themes on a labelled CSV.",
    )
    parser.add_argument("path", nargs="?", default=str(LABELLED), help="the labelled CSV")
    parser.add_argument(
        "--themes-module",
        help="measure the themes() of this file instead, e.g. an older themes.py",
    )
    args = parser.parse_args(argv)
    finder = _themes_from(args.themes_module) if args.themes_module else themes
    print(report(args.path, find_themes=finder))


if __name__ == "__main__":  # pragma: no cover - a command, tested through main()
    main()
