"""Content effectiveness: which kinds of content work best, with honest uncertainty.

A category with two lucky posts must not top the chart. :func:`rank` therefore ranks
groups by an **empirical-Bayes** estimate: each group's mean is pulled toward the overall
mean in proportion to how noisy it is (normal–normal random-effects model; the
between-group variance by DerSimonian–Laird, each group with its own sampling variance,
so one very spread-out group cannot hide clear differences between the others). Equal
estimates share a rank; when the groups do not differ more than chance, every group gets
the overall mean and rank 1, which says they cannot be told apart.

:func:`recommendations` turns the ranking into plain sentences from **the same
estimates and intervals** the ranking table shows: a difference is claimed only when
the intervals of the two groups do not overlap, "no clear difference" only when they do.
Formulas: ``docs/metrics.md``.

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
#: Groups with fewer items are listed but not ranked.
MIN_ITEMS = 5
#: The interval level of the ranking and of the sentences drawn from it.
CONFIDENCE = 0.9
#: Prior degrees of freedom pulling a group's own variance toward the typical one (a
#: group of one item, or of identical values, still has an honest sampling variance).
VARIANCE_PRIOR_DOF = 2.0


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
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Groups of items ranked by the shrunk mean of a per-item ``metric``.

    Items whose value is unknown (e.g. no audience for ``engagement_rate``) are left out.
    Columns: the group columns, ``items``, ``audience`` (people reached by those items),
    ``mean`` (raw), ``estimate`` (shrunk mean), ``low`` / ``high`` (``confidence``
    interval of the estimate, ``low`` floored at 0 as every rankable value is),
    ``enough_data`` (``items >= min_items``) and ``rank``: 1 = best estimate among the
    groups with enough data, equal estimates sharing a rank (1, 1, 3); ``<NA>`` for the
    groups without enough data, listed after the others so that two lucky posts never
    top the ranking. When the groups do not differ more than chance, every estimate is
    the overall mean and every ranked group has rank 1.
    """
    values = _values(content, metric)
    audience = engagement_items(content)["audience"].astype("float64")
    keys = group_columns(content, by, tz, segments)
    names = list(keys.columns)
    known = values.notna().to_numpy()
    frame = keys.assign(value=values, audience=audience)[known]
    grouped = frame.groupby(names, sort=True, observed=True)
    stats = grouped["value"].agg(["size", "mean", "var"]).rename(columns={"size": "items"})
    stats["audience"] = grouped["audience"].sum(min_count=1).fillna(0)
    n = stats["items"].to_numpy(dtype="float64")
    mean = stats["mean"].to_numpy(dtype="float64")
    overall = float(frame["value"].var()) if len(frame) > 1 else 0.0
    estimate, se = _random_effects(n, mean, stats["var"].to_numpy(dtype="float64"), overall)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    out = stats.assign(
        estimate=estimate, low=np.maximum(estimate - z * se, 0.0), high=estimate + z * se
    )
    out = out.drop(columns="var").reset_index()
    out = out[[*names, "items", "audience", "mean", "estimate", "low", "high"]]
    out["enough_data"] = out["items"] >= min_items
    out = out.sort_values(
        ["enough_data", "estimate", "items", *names],
        ascending=[False, False, False, *[True] * len(names)],
        na_position="last",
    ).reset_index(drop=True)
    out["rank"] = pd.array(_competition_ranks(out), dtype="Int64")
    out["items"] = out["items"].astype("int64")
    return out


def _competition_ranks(table: pd.DataFrame) -> list[int | None]:
    """1, 1, 3 …: a group's rank is 1 + the number of ranked groups with a strictly
    higher estimate (estimates equal up to float noise are equal)."""
    ranks: list[int | None] = []
    previous = math.nan
    for i, (enough, value) in enumerate(zip(table["enough_data"], table["estimate"], strict=True)):
        if not enough:
            ranks.append(None)
        elif ranks and ranks[-1] is not None and _same(value, previous):
            ranks.append(ranks[-1])
        else:
            ranks.append(i + 1)
        previous = value
    return ranks


def _same(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))


def _random_effects(
    n: np.ndarray, mean: np.ndarray, var: np.ndarray, overall: float
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes estimates and their standard errors (see ``docs/metrics.md``).

    Each group's sampling variance is ``s̃²/n`` with ``s̃²`` its own variance pulled
    toward the typical one (:func:`_typical_variance`; the variance of all items when no
    group has two) by ``VARIANCE_PRIOR_DOF``; the between-group variance ``τ²`` is
    DerSimonian–Laird's (floored at 0).
    """
    if len(n) == 0:
        return mean.copy(), mean.copy()
    dof = n - 1
    own = np.nan_to_num(var, nan=0.0)
    typical = _typical_variance(n, own) if (dof > 0).any() else overall
    if not typical > 0:  # every group's items are identical: the means are exact
        return mean.copy(), np.zeros_like(mean)
    k = VARIANCE_PRIOR_DOF
    sampling = ((dof * own + k * typical) / (dof + k)) / n
    tau2 = _between_variance(mean, sampling)
    weights = 1 / (tau2 + sampling)
    mu = float((weights * mean).sum() / weights.sum())
    mu_var = 1 / float(weights.sum())
    shrink = tau2 / (tau2 + sampling)
    estimate = mu + shrink * (mean - mu)
    se = np.sqrt(shrink * sampling + (1 - shrink) ** 2 * mu_var)
    return estimate, se


def _typical_variance(n: np.ndarray, var: np.ndarray) -> float:
    """The typical within-group variance: the median over the groups with 2+ items (a
    median, so that one very spread-out group does not inflate every other's noise)."""
    return float(np.median(var[n > 1]))


def _between_variance(mean: np.ndarray, sampling: np.ndarray) -> float:
    """DerSimonian–Laird between-group variance ``max(0, (Q − (G − 1)) / c)``."""
    groups = len(mean)
    if groups < 2:
        return 0.0
    w = 1 / sampling
    fixed = float((w * mean).sum() / w.sum())
    q = float((w * (mean - fixed) ** 2).sum())
    c = float(w.sum() - (w**2).sum() / w.sum())
    if c <= 0:
        return 0.0
    return max(0.0, (q - (groups - 1)) / c)


def value_text(value: float, metric: str) -> str:
    """A per-item value as the ranking shows it: ``"4.1%"`` for rates, ``"12.3"`` else."""
    if metric == "engagement_rate":
        return f"{value:.1%}"
    return f"{value:,.1f}"


def interval_text(low: float, high: float, metric: str) -> str:
    """An interval as the ranking table and the sentences show it: ``"2.3%–4.1%"``."""
    return f"{value_text(low, metric)}–{value_text(high, metric)}"


@dataclass(frozen=True)
class Recommendation:
    """One plain-language finding and the numbers behind it.

    ``kind``: ``"difference"`` (the intervals do not overlap and the ratio is at least
    ``min_ratio``), ``"small_difference"`` (the intervals do not overlap but the ratio is
    smaller), ``"no_difference"`` (the intervals overlap, or the groups cannot be told
    apart at all) or ``"insufficient"`` (not enough data to say anything). ``ratio`` is
    the ratio of the two estimates (``best_estimate`` / ``baseline_estimate``, as the
    ranking shows them); ``z`` their difference over its standard error; the audiences
    are the people the compared items reached.
    ``window`` names the items' time window and ``period_items`` counts the items of
    the period the finding is reported for (set by the caller; ``None``: unknown).
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
    best_audience: float = 0.0
    baseline_audience: float = 0.0
    best_estimate: float | None = None
    baseline_estimate: float | None = None
    confidence: float = CONFIDENCE
    window: str = ""
    period_items: int | None = None


def recommendations(
    content: pd.DataFrame,
    by: str | Sequence[str] = "content_type",
    metrics: Sequence[str] = ("engagement_rate", "comments"),
    tz: str | dt.tzinfo = "UTC",
    *,
    segments: Segments | None = None,
    min_items: int = MIN_ITEMS,
    confidence: float = CONFIDENCE,
    min_ratio: float = 1.1,
) -> list[Recommendation]:
    """Plain-language findings, one per metric, e.g. *"Polls get 2.0× the comments of
    articles (estimated 10.0 vs 5.0 per item; based on 6 vs 8 items)."*

    For each metric, :func:`rank` at the same ``confidence``: the best group among those
    with at least ``min_items`` items is compared with the largest other such group. A
    difference is claimed only when their intervals do not overlap (and, to say "get
    N×", when the ratio of estimates is at least ``min_ratio``); when they overlap the
    finding says there is no clear difference and shows both intervals; when every
    ranked group has the same estimate it says they cannot be told apart.
    """
    names = (by,) if isinstance(by, str) else tuple(by)
    found = []
    for metric in metrics:
        table = rank(
            content, names, metric, tz, segments=segments, min_items=min_items,
            confidence=confidence,
        )  # fmt: skip
        eligible = table[table["enough_data"]]
        if len(eligible) < 2:
            found.append(_insufficient(metric, names, table, min_items))
            continue
        best = eligible.iloc[0]
        others = eligible.iloc[1:]
        baseline = others.loc[others["items"].idxmax()]
        found.append(_compare(metric, names, best, baseline, eligible, confidence, min_ratio))
    return found


def _compare(
    metric: str,
    names: tuple[str, ...],
    best: pd.Series,
    baseline: pd.Series,
    eligible: pd.DataFrame,
    confidence: float,
    min_ratio: float,
) -> Recommendation:
    noun = RANKABLE[metric]
    a, b = float(best["estimate"]), float(baseline["estimate"])
    ratio = a / b if b > 0 else (math.inf if a > 0 else 1.0)
    z_level = NormalDist().inv_cdf(0.5 + confidence / 2)
    se = math.hypot(best["high"] - a, baseline["high"] - b) / z_level
    z = (a - b) / se if se > 0 else (math.inf if a > b else 0.0)
    best_label, base_label = _describe(best, names), _describe(baseline, names)
    counts = f"based on {int(best['items']):,} vs {int(baseline['items']):,} items"
    level = f"{confidence:.0%}"
    estimates = f"estimated {value_text(a, metric)} vs {value_text(b, metric)}"
    if metric != "engagement_rate":
        estimates += " per item"
    if all(_same(x, a) for x in eligible["estimate"]):
        kind = "no_difference"
        what = " and ".join(n.replace("_", " ") for n in names)
        each = value_text(a, metric) + ("" if metric == "engagement_rate" else " per item")
        items = f"{int(eligible['items'].sum()):,} items"
        if (eligible["high"] - eligible["low"]).max() == 0:
            same = f"a {each} {noun}" if metric == "engagement_rate" else f"{a:,.4g} {noun}"
            text = f"No difference in {noun} by {what}: all {items} have {same} each."
        else:
            text = (
                f"No clear difference in {noun} by {what}: the {len(eligible)} groups differ "
                f"no more than chance would make them, so each is estimated at the overall "
                f"{each} and they share rank 1 ({items})."
            )
    elif float(best["low"]) > float(baseline["high"]):
        if ratio >= min_ratio:
            kind = "difference"
            times = f"{ratio:.1f}×" if math.isfinite(ratio) else "more"
            text = f"{_capital(best_label)} get {times} the {noun} of {base_label} "
            text += f"({estimates}; {counts})."
        else:
            kind = "small_difference"
            text = (
                f"{_capital(best_label)} do only slightly better than {base_label} on {noun} "
                f"({ratio:.2f}×: {estimates}; {counts}), too small a gap to act on."
            )
    else:
        kind = "no_difference"
        text = (
            f"No clear difference in {noun} between {best_label} and {base_label}: their "
            f"{level} intervals overlap "
            f"({interval_text(best['low'], best['high'], metric)} and "
            f"{interval_text(baseline['low'], baseline['high'], metric)}; {counts})."
        )
    return Recommendation(
        kind=kind,
        text=text,
        metric=metric,
        by=names,
        best=_key(best, names),
        baseline=_key(baseline, names),
        ratio=ratio,
        best_items=int(best["items"]),
        baseline_items=int(baseline["items"]),
        z=z,
        best_audience=float(best["audience"]),
        baseline_audience=float(baseline["audience"]),
        best_estimate=a,
        baseline_estimate=b,
        confidence=confidence,
    )


def _insufficient(
    metric: str, names: tuple[str, ...], table: pd.DataFrame, min_items: int
) -> Recommendation:
    noun = RANKABLE[metric]
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
