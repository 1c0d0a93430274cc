"""Content effectiveness: which kinds of content work best, with honest uncertainty.

A category with two lucky posts must not top the chart. :func:`rank` therefore ranks
groups by an **empirical-Bayes** estimate: each group's mean is pulled toward the overall
mean in proportion to how little data it has (normal–normal model, variance components
by the method of moments). :func:`recommendations` turns the ranking into plain
sentences, and only claims a difference when both groups have enough items and the
difference is clear (Welch z-test). Formulas: ``docs/metrics.md``.

Input: ``content`` as for ``commbook.metrics.content`` (per-item counts, plus the columns
named in ``by``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics.content import Segments, engagement_items, group_columns, type_label

#: Per-item values that can be ranked, with the noun used in sentences.
RANKABLE: dict[str, str] = {
    "engagement_rate": "engagement rate",
    "interactions": "interactions",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "views": "views",
    "reach": "reach",
}
MIN_ITEMS = 5


def _values(content: pd.DataFrame, metric: str) -> pd.Series:
    if metric not in RANKABLE:
        raise ValidationError(
            f"metric must be one of {', '.join(RANKABLE)}: {metric!r}", field="metric"
        )
    return engagement_items(content)[metric].astype("float64")


def rank(
    content: pd.DataFrame,
    by: str | Sequence[str] = "content_type",
    metric: str = "engagement_rate",
    tz: str | dt.tzinfo = "UTC",
    *,
    segments: Segments | None = None,
    min_items: int = MIN_ITEMS,
    confidence: float = 0.9,
) -> pd.DataFrame:
    """Groups of items ranked by the shrunk mean of a per-item ``metric``.

    Items whose value is unknown (e.g. no audience for ``engagement_rate``) are left out.
    Columns: the group columns, ``items``, ``mean`` (raw), ``estimate`` (shrunk mean),
    ``low`` / ``high`` (``confidence`` interval of the estimate), ``enough_data``
    (``items >= min_items``) and ``rank`` (1 = best estimate among the groups with enough
    data; ``<NA>`` for the others, which are listed after them, so a category with two
    lucky posts never tops the ranking).
    """
    values = _values(content, metric)
    keys = group_columns(content, by, tz, segments)
    names = list(keys.columns)
    frame = keys.assign(value=values)[values.notna().to_numpy()]
    grouped = frame.groupby(names, sort=True, observed=True)["value"]
    stats = grouped.agg(["size", "mean", "var"]).rename(columns={"size": "items"})
    n = stats["items"].to_numpy(dtype="float64")
    mean = stats["mean"].to_numpy(dtype="float64")
    total = n.sum()
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    if total == 0:
        out = stats.assign(estimate=mean, low=mean, high=mean)
    else:
        grand = float(frame["value"].mean())
        within = _pooled_variance(stats, frame["value"])
        between = _between_variance(n, mean, grand, within)
        noise = within / n
        weight = between / (between + noise) if between > 0 else np.zeros_like(n)
        estimate = grand + weight * (mean - grand)
        spread = np.sqrt(weight * noise + (1 - weight) ** 2 * within / total)
        out = stats.assign(estimate=estimate, low=estimate - z * spread, high=estimate + z * spread)
    out = out.drop(columns="var").reset_index()
    out["enough_data"] = out["items"] >= min_items
    out = out.sort_values(
        ["enough_data", "estimate", "items"], ascending=[False, False, False], na_position="last"
    ).reset_index(drop=True)
    ranked = int(out["enough_data"].sum())
    out["rank"] = pd.array(list(range(1, ranked + 1)) + [None] * (len(out) - ranked), "Int64")
    out["items"] = out["items"].astype("int64")
    return out


def _pooled_variance(stats: pd.DataFrame, values: pd.Series) -> float:
    """Within-group variance pooled over groups with 2+ items (else the overall variance)."""
    n = stats["items"].to_numpy(dtype="float64")
    var = stats["var"].to_numpy(dtype="float64")
    dof = n - 1
    usable = dof > 0
    if dof[usable].sum() > 0:
        return float((dof[usable] * var[usable]).sum() / dof[usable].sum())
    overall = float(values.var()) if len(values) > 1 else 0.0
    return overall if math.isfinite(overall) else 0.0


def _between_variance(n: np.ndarray, mean: np.ndarray, grand: float, within: float) -> float:
    """Method-of-moments between-group variance for unbalanced one-way ANOVA (≥ 0)."""
    groups, total = len(n), n.sum()
    if groups < 2:
        return 0.0
    spread = float((n * (mean - grand) ** 2).sum())
    scale = total - float((n**2).sum()) / total
    if scale <= 0:
        return 0.0
    return max(0.0, (spread - (groups - 1) * within) / scale)


@dataclass(frozen=True)
class Recommendation:
    """One plain-language finding and the numbers behind it.

    ``kind``: ``"difference"`` (a clear difference), ``"no_difference"`` (enough data, no
    clear difference) or ``"insufficient"`` (not enough data to say anything).
    """

    kind: str
    text: str
    metric: str
    by: tuple[str, ...]
    best: str | None = None
    baseline: str | None = None
    ratio: float | None = None
    best_items: int = 0
    baseline_items: int = 0
    z: float | None = None


def recommendations(
    content: pd.DataFrame,
    by: str | Sequence[str] = "content_type",
    metrics: Sequence[str] = ("engagement_rate", "comments"),
    tz: str | dt.tzinfo = "UTC",
    *,
    segments: Segments | None = None,
    min_items: int = MIN_ITEMS,
    confidence: float = 0.95,
    min_ratio: float = 1.1,
) -> list[Recommendation]:
    """Plain-language findings, one per metric, e.g. *"Polls get 1.8× the comments of
    articles (based on 24 vs 61 items)."*

    For each metric: the best group by :func:`rank` among groups with at least
    ``min_items`` items is compared with the largest other such group. A difference is
    claimed only when the Welch z statistic of the raw means reaches the two-sided
    ``confidence`` level and the ratio of means is at least ``min_ratio``; otherwise the
    finding says there is no clear difference, or that there is not enough data.
    """
    names = (by,) if isinstance(by, str) else tuple(by)
    z_needed = NormalDist().inv_cdf(0.5 + confidence / 2)
    found = []
    for metric in metrics:
        noun = RANKABLE.get(metric, metric)
        table = rank(content, names, metric, tz, segments=segments, min_items=min_items)
        eligible = table[table["enough_data"]]
        if len(eligible) < 2:
            found.append(_insufficient(metric, names, noun, table, min_items))
            continue
        best = eligible.iloc[0]
        others = eligible.iloc[1:]
        baseline = others.loc[others["items"].idxmax()]
        group_of = _labels(content, names, tz, segments)
        values = _values(content, metric)
        best_values = values[(group_of == _key(best, names)) & values.notna()]
        base_values = values[(group_of == _key(baseline, names)) & values.notna()]
        z = _welch_z(best_values, base_values)
        best_label, base_label = _describe(best, names), _describe(baseline, names)
        ratio = (
            float(best_values.mean() / base_values.mean()) if base_values.mean() > 0 else math.inf
        )
        counts = f"based on {len(best_values):,} vs {len(base_values):,} items"
        if z >= z_needed and ratio >= min_ratio:
            times = f"{ratio:.1f}×" if math.isfinite(ratio) else "more"
            text = f"{_capital(best_label)} get {times} the {noun} of {base_label} ({counts})."
            kind = "difference"
        else:
            text = (
                f"No clear difference in {noun} between {best_label} and {base_label} ({counts})."
            )
            kind = "no_difference"
        found.append(
            Recommendation(
                kind=kind,
                text=text,
                metric=metric,
                by=names,
                best=_key(best, names),
                baseline=_key(baseline, names),
                ratio=ratio,
                best_items=len(best_values),
                baseline_items=len(base_values),
                z=z,
            )
        )
    return found


def _insufficient(
    metric: str, names: tuple[str, ...], noun: str, table: pd.DataFrame, min_items: int
) -> Recommendation:
    what = " and ".join(n.replace("_", " ") for n in names)
    enough = int(table["enough_data"].sum())
    largest = int(table["items"].max()) if len(table) else 0
    text = (
        f"Not enough data to compare {noun} by {what}: at least two groups need "
        f"{min_items}+ items with a known value, and {enough} of {len(table)} "
        f"group{'' if len(table) == 1 else 's'} {'has' if enough == 1 else 'have'} that many "
        f"(largest: {largest} items)."
    )
    return Recommendation(kind="insufficient", text=text, metric=metric, by=names)


def _key(row: pd.Series, names: tuple[str, ...]) -> str:
    return " / ".join(str(row[n]) for n in names)


def _labels(
    content: pd.DataFrame, names: tuple[str, ...], tz: str | dt.tzinfo, segments: Segments | None
) -> pd.Series:
    keys = group_columns(content, names, tz, segments).astype("string")
    label = keys[names[0]]
    for name in names[1:]:
        label = label + " / " + keys[name]
    return label


def _welch_z(a: pd.Series, b: pd.Series) -> float:
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    diff = float(a.mean() - b.mean())
    if se == 0 or not math.isfinite(se):
        return math.inf if diff > 0 else 0.0
    return diff / se


def _describe(row: pd.Series, names: tuple[str, ...]) -> str:
    """A group as a plural noun phrase: "polls", "items on forum published Tue 18:00"."""
    if names == ("content_type",):
        return type_label(str(row["content_type"]), plural=True)
    subject = f"{row['content_type']} items" if "content_type" in names else "items"
    parts, when = [], []
    for name in names:
        value = row[name]
        if name == "channel":
            parts.append(f"on {value}")
        elif name == "weekday":
            when.append(str(value))
        elif name == "hour":
            when.append(f"{int(value):02d}:00")
        elif name != "content_type":
            parts.append(f"with {name.replace('_', ' ')} {value}")
    if when:
        parts.append("published " + " ".join(when))
    return " ".join([subject, *parts])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
