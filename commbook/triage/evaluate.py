"""How good are the rules? Precision, recall and F1 per category and urgency accuracy on a
hand-labelled set of posts (``data/samples/triage_labelled.csv``).

For category ``c``: precision = posts correctly suggested ``c`` / posts suggested ``c``;
recall = posts correctly suggested ``c`` / posts labelled ``c``; F1 = their harmonic mean
(0 when both are 0; precision is NaN when the rules never suggest ``c``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from commbook.config import PROJECT_ROOT
from commbook.errors import NotFound, ValidationError
from commbook.triage.model import URGENCIES
from commbook.triage.rules import RuleSet

LABELLED_FILE = PROJECT_ROOT / "data" / "samples" / "triage_labelled.csv"
LABELLED_COLUMNS = (
    "post_id",
    "channel",
    "member_role",
    "is_first_post",
    "title",
    "body",
    "label_category",
    "label_urgency",
)


def load_labelled(path: str | Path | None = None, categories: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a labelled CSV; check its columns and labels (``ValidationError`` naming the
    file, row and field). ``categories``: the allowed category labels (default: any)."""
    target = Path(path) if path is not None else LABELLED_FILE
    try:
        frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise NotFound(f"{target}: no such file") from None
    missing = [c for c in LABELLED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {', '.join(missing)}", file=str(target), field=missing[0]
        )
    checks = [("label_urgency", URGENCIES)]
    if categories:
        checks.append(("label_category", categories))
    for column, allowed in checks:
        bad = ~frame[column].isin(allowed)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValidationError(
                f"{frame[column].iloc[i]!r} is not one of {', '.join(allowed)}",
                file=str(target),
                row=i + 1,
                field=column,
            )
    return frame


def _scores(truth: pd.Series, predicted: pd.Series, labels: list[str]) -> pd.DataFrame:
    rows = []
    for label in labels:
        tp = int(((truth == label) & (predicted == label)).sum())
        n_pred = int((predicted == label).sum())
        n_true = int((truth == label).sum())
        precision = tp / n_pred if n_pred else float("nan")
        recall = tp / n_true if n_true else float("nan")
        if n_pred and n_true and (precision + recall) > 0:
            f1 = 2 * precision * recall / (precision + recall)
        else:
            f1 = 0.0 if n_true else float("nan")
        rows.append(
            {
                "category": label,
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "labelled": n_true,
                "suggested": n_pred,
            }
        )
    return pd.DataFrame(rows)


def confusion(truth: pd.Series, predicted: pd.Series, labels: list[str]) -> pd.DataFrame:
    """Counts of (label → suggestion): rows are labels, columns suggestions."""
    table = pd.crosstab(
        pd.Categorical(truth, categories=labels), pd.Categorical(predicted, categories=labels),
        dropna=False,
    )  # fmt: skip
    table.index = pd.Index(labels, name="label")
    table.columns = pd.Index(labels, name="suggested")
    return table.astype(int)


@dataclass(frozen=True)
class Evaluation:
    """Scores of a rule set on a labelled set."""

    posts: int
    per_category: pd.DataFrame  # category, precision, recall, f1, labelled, suggested
    category_accuracy: float
    macro_f1: float
    urgency_accuracy: float
    urgency_within_one: float  # share at most one level off
    category_confusion: pd.DataFrame
    urgency_confusion: pd.DataFrame
    suggestions: pd.DataFrame  # post_id, labels, suggestions, matched rules

    def to_dict(self) -> dict:
        """Plain JSON-ready numbers (NaN → None)."""

        def clean(value: float) -> float | None:
            return None if pd.isna(value) else round(float(value), 4)

        return {
            "posts": self.posts,
            "category_accuracy": clean(self.category_accuracy),
            "macro_f1": clean(self.macro_f1),
            "urgency_accuracy": clean(self.urgency_accuracy),
            "urgency_within_one": clean(self.urgency_within_one),
            "per_category": [
                {k: (clean(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.per_category.to_dict("records")
            ],
            "category_confusion": {
                label: {k: int(v) for k, v in row.items()}
                for label, row in self.category_confusion.to_dict("index").items()
            },
            "urgency_confusion": {
                label: {k: int(v) for k, v in row.items()}
                for label, row in self.urgency_confusion.to_dict("index").items()
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_table(self) -> str:
        """A plain-text report for the terminal."""

        def pct(value: float) -> str:
            return "   n/a" if pd.isna(value) else f"{value:6.1%}"

        lines = [
            f"{self.posts} labelled posts",
            "",
            f"{'category':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'labelled':>9} "
            f"{'suggested':>9}",
        ]
        for row in self.per_category.itertuples():
            lines.append(
                f"{row.category:<12} {pct(row.precision):>9} {pct(row.recall):>7} "
                f"{pct(row.f1):>7} {row.labelled:>9} {row.suggested:>9}"
            )
        lines += [
            "",
            f"category accuracy   {pct(self.category_accuracy)}",
            f"macro F1            {pct(self.macro_f1)}",
            f"urgency accuracy    {pct(self.urgency_accuracy)}",
            f"urgency ±1 level    {pct(self.urgency_within_one)}",
            "",
            "category confusion (rows: label, columns: suggested)",
            self.category_confusion.to_string(),
            "",
            "urgency confusion (rows: label, columns: suggested)",
            self.urgency_confusion.to_string(),
        ]
        return "\n".join(lines)


def evaluate(rules: RuleSet, labelled: pd.DataFrame) -> Evaluation:
    """Run ``rules`` on ``labelled`` (see :func:`load_labelled`) and score the suggestions."""
    missing = [c for c in ("label_category", "label_urgency") if c not in labelled.columns]
    if missing:
        raise ValidationError(f"labelled: missing column {missing[0]!r}", field=missing[0])
    suggested = rules.suggest_frame(labelled)
    truth_cat, pred_cat = labelled["label_category"], suggested["category"]
    truth_urg, pred_urg = labelled["label_urgency"], suggested["urgency"]
    labels = list(rules.categories)
    labels += sorted(set(truth_cat) - set(labels))  # labels the rules do not know
    per_category = _scores(truth_cat, pred_cat, labels)
    rank = {u: i for i, u in enumerate(URGENCIES)}
    distance = (truth_urg.map(rank) - pred_urg.map(rank)).abs()
    n = len(labelled)
    table = pd.DataFrame(
        {
            "post_id": labelled.get("post_id", pd.Series(labelled.index, index=labelled.index)),
            "label_category": truth_cat,
            "suggested_category": pred_cat,
            "label_urgency": truth_urg,
            "suggested_urgency": pred_urg,
            "matched_rules": suggested["matched_rules"].map(", ".join),
        }
    )
    f1 = per_category.loc[per_category["labelled"] > 0, "f1"]
    return Evaluation(
        posts=n,
        per_category=per_category,
        category_accuracy=float((truth_cat == pred_cat).mean()) if n else float("nan"),
        macro_f1=float(f1.mean()) if len(f1) else float("nan"),
        urgency_accuracy=float((truth_urg == pred_urg).mean()) if n else float("nan"),
        urgency_within_one=float((distance <= 1).mean()) if n else float("nan"),
        category_confusion=confusion(truth_cat, pred_cat, labels),
        urgency_confusion=confusion(truth_urg, pred_urg, list(URGENCIES)),
        suggestions=table,
    )
