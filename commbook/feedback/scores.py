"""Survey and poll scores: NPS, CSAT, Likert distributions, response rate, breakdowns.

Pure functions. Inputs are lists/Series of scores or DataFrames shaped like the store's
``survey_responses`` table (``survey_id``, ``member_id``, ``submitted_at`` — tz-aware UTC —,
``score``, ``comment``; callers may add a ``segment`` column). Missing scores are ignored.
The formulas are in ``docs/feedback.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd

from commbook.errors import ValidationError
from commbook.feedback._input import require_columns, scores_in_range

SMALL_GROUP = 30
"""Groups with fewer responses than this are flagged ``small`` by :func:`breakdown`."""

LIKERT_5_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValidationError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score in points (−100..100) with its confidence interval.

    ``score`` and the bounds are NaN when there are no scores (``n == 0``).
    """

    score: float
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class CSATResult:
    """Customer satisfaction: percentage (0..100) of satisfied responses, with its interval."""

    score: float
    satisfied: int
    n: int
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ResponseRate:
    """Share of invited members who answered (0..1, may exceed 1 if ``sent_count`` is low)."""

    rate: float
    respondents: int
    sent_count: int


@dataclass(frozen=True)
class LikertResult:
    """``distribution``: one row per question and level (``question``, ``level``, ``label``,
    ``count``, ``share``), every level of the scale present. ``summary``: one row per
    question (``question``, ``n``, ``mean``, ``top2_box``, ``bottom2_box``)."""

    distribution: pd.DataFrame
    summary: pd.DataFrame


def nps(scores: Iterable[float] | pd.Series, *, confidence: float = 0.95) -> NPSResult:
    """Net Promoter Score of 0–10 answers: % promoters (9–10) − % detractors (0–6).

    The interval is the normal approximation of the trinomial:
    ``var = (p_pro + p_det − (p_pro − p_det)²) / n``, ``NPS ± z·√var`` (×100, clipped to
    −100..100). Scores outside 0–10 or not whole numbers raise ``ValidationError``.

    >>> nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 10]).score
    20.0
    """
    z = _z(confidence)
    valid = scores_in_range(scores, low=0, high=10)
    n = len(valid)
    promoters = int((valid >= 9).sum())
    detractors = int((valid <= 6).sum())
    passives = n - promoters - detractors
    if n == 0:
        nan = math.nan
        return NPSResult(nan, 0, 0, 0, 0, nan, nan)
    p_pro, p_det = promoters / n, detractors / n
    diff = p_pro - p_det
    half = z * math.sqrt(max(p_pro + p_det - diff**2, 0.0) / n)
    return NPSResult(
        score=100 * diff,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        n=n,
        ci_low=max(-100.0, 100 * (diff - half)),
        ci_high=min(100.0, 100 * (diff + half)),
    )


def csat(
    scores: Iterable[float] | pd.Series,
    *,
    scale_min: int = 1,
    scale_max: int = 5,
    satisfied_min: int = 4,
    confidence: float = 0.95,
) -> CSATResult:
    """CSAT: percentage of answers at or above ``satisfied_min`` (4–5 on a 1–5 scale).

    The interval is Wilson's score interval for a proportion, which stays inside 0–100
    and behaves at 0 % and 100 %. Scores outside the scale raise ``ValidationError``.
    """
    if not scale_min <= satisfied_min <= scale_max:
        raise ValidationError(
            f"satisfied_min {satisfied_min} is outside the scale {scale_min}–{scale_max}"
        )
    z = _z(confidence)
    valid = scores_in_range(scores, low=scale_min, high=scale_max, integers=False)
    n = len(valid)
    satisfied = int((valid >= satisfied_min).sum())
    if n == 0:
        return CSATResult(math.nan, 0, 0, math.nan, math.nan)
    low, high = wilson_interval(satisfied, n, z)
    return CSATResult(100 * satisfied / n, satisfied, n, 100 * low, 100 * high)


def wilson_interval(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` at normal quantile ``z``."""
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def likert_distribution(
    responses: pd.DataFrame,
    question_col: str = "survey_id",
    value_col: str = "score",
    *,
    labels: Sequence[str] | None = None,
    scale_min: int = 1,
    scale_max: int | None = None,
) -> LikertResult:
    """Counts and shares of each level of a Likert scale, per question, plus top-2-box.

    ``labels`` names the levels from ``scale_min`` up; the scale ends at ``scale_max`` or,
    when omitted, at ``scale_min + len(labels) − 1`` (5 levels "Strongly disagree" …
    "Strongly agree" when neither is given). Missing answers are ignored; an answer off
    the scale raises ``ValidationError``. ``top2_box`` is the share of answers in the two
    highest levels, ``bottom2_box`` in the two lowest.
    """
    require_columns(responses, [question_col, value_col], name="responses")
    if scale_max is None:
        scale_max = scale_min + len(labels or LIKERT_5_LABELS) - 1
    levels = list(range(scale_min, scale_max + 1))
    if labels is None:
        labels = LIKERT_5_LABELS if len(levels) == 5 else [str(level) for level in levels]
    if len(labels) != len(levels):
        raise ValidationError(
            f"{len(labels)} labels for the {len(levels)} levels {scale_min}–{scale_max}"
        )
    values = scores_in_range(responses[value_col], low=scale_min, high=scale_max, field=value_col)
    answered = responses[value_col].notna().to_numpy()
    frame = pd.DataFrame(
        {"question": responses[question_col].to_numpy()[answered], "level": values.astype(int)}
    )
    counts = (
        frame.groupby(["question", "level"], sort=True)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=levels, fill_value=0)
    )
    rows, summary = [], []
    for question, row in counts.iterrows():
        n = int(row.sum())
        for level, label in zip(levels, labels, strict=True):
            rows.append((question, level, label, int(row[level]), row[level] / n))
        top = row[levels[-2:]].sum() / n
        bottom = row[levels[:2]].sum() / n
        mean = float((row * pd.Series(levels, index=levels)).sum() / n)
        summary.append((question, n, mean, top, bottom))
    distribution = pd.DataFrame(rows, columns=["question", "level", "label", "count", "share"])
    summary_frame = pd.DataFrame(
        summary, columns=["question", "n", "mean", "top2_box", "bottom2_box"]
    )
    return LikertResult(distribution=distribution, summary=summary_frame)


def response_rate(responses: pd.DataFrame, sent_count: int) -> ResponseRate:
    """Respondents ÷ invitations sent.

    Respondents are distinct ``member_id`` values when that column exists (a member who
    answered twice counts once; rows without a member count one each), else the rows.
    """
    require_columns(responses, [], name="responses")
    if sent_count is None or pd.isna(sent_count) or int(sent_count) < 1:
        raise ValidationError(
            f"sent_count must be a positive number of invitations, got {sent_count!r}",
            field="sent_count",
        )
    if "member_id" in responses.columns:
        members = responses["member_id"]
        respondents = int(members.nunique(dropna=True) + members.isna().sum())
    else:
        respondents = len(responses)
    return ResponseRate(respondents / int(sent_count), respondents, int(sent_count))


def breakdown(
    responses: pd.DataFrame,
    by: str = "segment",
    metric: str = "nps",
    *,
    tz: str = "UTC",
    min_n: int = SMALL_GROUP,
    confidence: float = 0.95,
    scale_min: int = 1,
    scale_max: int = 5,
    satisfied_min: int = 4,
) -> pd.DataFrame:
    """NPS or CSAT per group, with n, interval and a ``small`` flag (n < ``min_n``).

    ``by`` is a column of ``responses`` (e.g. ``"segment"``, ``"survey_id"``) or
    ``"month"``: calendar months of ``submitted_at`` in the timezone ``tz``, from the first
    to the last month with a response (months without one have n = 0). Rows are ordered by
    n (largest first) for columns and by time for months. Columns: the group column,
    ``n``, ``score``, ``ci_low``, ``ci_high``, ``small``, and for NPS ``promoters``,
    ``passives``, ``detractors`` (for CSAT ``satisfied``).
    """
    if metric not in ("nps", "csat"):
        raise ValidationError(f"metric must be 'nps' or 'csat', got {metric!r}", field="metric")
    if by == "month":
        require_columns(responses, ["submitted_at", "score"], name="responses")
        keys = _months(responses["submitted_at"], tz)
    else:
        require_columns(responses, [by, "score"], name="responses")
        keys = responses[by].astype(object).where(responses[by].notna(), "(none)")

    def measure(scores: pd.Series) -> dict:
        if metric == "nps":
            r = nps(scores, confidence=confidence)
            extra = {"promoters": r.promoters, "passives": r.passives, "detractors": r.detractors}
        else:
            r = csat(
                scores,
                scale_min=scale_min,
                scale_max=scale_max,
                satisfied_min=satisfied_min,
                confidence=confidence,
            )
            extra = {"satisfied": r.satisfied}
        return {"n": r.n, "score": r.score, "ci_low": r.ci_low, "ci_high": r.ci_high, **extra}

    measure(responses["score"])  # validates every score once, with its row number
    scores = responses["score"].reset_index(drop=True)
    keys = pd.Series(keys.to_numpy(), name=by)
    rows = {key: measure(scores[keys == key]) for key in pd.unique(keys)}
    if by == "month" and rows:
        span = pd.date_range(min(rows), max(rows), freq="MS")
        for month in span:
            rows.setdefault(month, measure(scores.iloc[0:0]))
    table = pd.DataFrame.from_dict(rows, orient="index")
    if table.empty:
        table = pd.DataFrame([measure(scores.iloc[0:0])]).iloc[0:0]
    table.index.name = by
    table = table.reset_index()
    table["small"] = table["n"] < min_n
    if by == "month":
        table = table.sort_values("month", kind="stable")
    else:
        table = table.sort_values(["n", by], ascending=[False, True], kind="stable", key=_sortable)
    columns = [by, "n", "score", "ci_low", "ci_high", "small"]
    columns += [c for c in table.columns if c not in columns]
    return table[columns].reset_index(drop=True)


def _sortable(column: pd.Series) -> pd.Series:
    return column if column.name == "n" else column.astype(str)


def _months(submitted_at: pd.Series, tz: str) -> pd.Series:
    """Start of the calendar month (tz-aware, in ``tz``) of each timestamp."""
    if not isinstance(submitted_at.dtype, pd.DatetimeTZDtype):
        raise ValidationError(
            f"responses: column 'submitted_at' must hold timezone-aware timestamps "
            f"(got {submitted_at.dtype})",
            field="submitted_at",
        )
    if submitted_at.isna().any():
        row = int(submitted_at.reset_index(drop=True).isna().idxmax()) + 1
        raise ValidationError("submitted_at is missing", row=row, field="submitted_at")
    try:
        local = submitted_at.dt.tz_convert(tz)
    except Exception as exc:  # zoneinfo raises several kinds for a bad name
        raise ValidationError(f"unknown timezone {tz!r}", field="tz") from exc
    naive = local.dt.tz_localize(None).dt.to_period("M").dt.start_time
    return naive.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
