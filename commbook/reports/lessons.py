"""Lessons learned and proposed adjustments: small, documented rules on the report's numbers.

Each rule is a pure function of a few numbers or small frames and returns a
:class:`Lesson` (what the data shows, what to change, and the evidence) or ``None`` when
it has nothing to say. Rules never guess: a missing value (``None`` / NaN) means no
lesson. Thresholds are module constants so a team can read (and argue with) them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from commbook.metrics.content import type_label

#: A change smaller than this share of the previous value is "about the same".
CHANGE_THRESHOLD = 0.10
#: Below this share of items within SLA, the queue needs attention.
SLA_WITHIN_MIN = 0.90
#: Weekend first responses slower than weekday ones by this factor → weekend cover.
WEEKEND_SLOWER = 1.5
#: Open items older than this many days are "stale".
STALE_DAYS = 7
#: Closed-loop rate below this → propose telling members the outcome.
CLOSED_LOOP_MIN = 0.60
#: Unanswered threads above this share → propose a daily unanswered sweep.
UNANSWERED_MAX = 0.20
#: A cohort's month-1 retention this much below the earlier cohorts' average → onboarding.
RETENTION_DROP = 0.20
#: Minimum sample behind a statement: items in a triage category (SLA, p90), threads,
#: active members in each compared window, members in a retention cohort.
MIN_ITEMS = 10
MIN_THREADS = 10
MIN_ACTIVE = 20
MIN_COHORT = 10

AREAS = ("Workflow", "Engagement", "Content", "Audience", "Feedback", "Objectives")


@dataclass(frozen=True)
class Lesson:
    """One finding: ``area`` (one of ``AREAS``), ``finding`` (what the data shows),
    ``adjustment`` (what we propose), ``evidence`` (the numbers behind it) and
    ``severity`` (``"warning"`` for problems, ``"good"`` for what to keep doing)."""

    area: str
    finding: str
    adjustment: str
    evidence: str = ""
    severity: str = "warning"


def _missing(*values: object) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def hours(value: float) -> str:
    """``2.25`` → ``"2.3 h"``; ``50`` → ``"2.1 days"``."""
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def first_response_p90_rule(
    category: str,
    p90_hours: float | None,
    previous_p90_hours: float | None,
    target_hours: float,
    weekend_median_hours: float | None = None,
    weekday_median_hours: float | None = None,
    items: int | None = None,
) -> Lesson | None:
    """The 90th percentile of first response in a triage category is above its SLA target
    (with at least ``MIN_ITEMS`` items when ``items`` is given: a p90 of three is noise).

    Proposes weekend cover when weekend items wait at least ``WEEKEND_SLOWER`` times
    longer than weekday ones, else more first-line capacity. Says whether it rose.
    """
    if _missing(p90_hours) or p90_hours <= target_hours:
        return None
    if items is not None and items < MIN_ITEMS:
        return None
    rose = not _missing(previous_p90_hours) and p90_hours > previous_p90_hours
    trend = f", up from {hours(previous_p90_hours)}" if rose else ""
    finding = (
        f"First response p90 in {category} is {hours(p90_hours)}{trend}, above the "
        f"{hours(target_hours)} target."
    )
    weekend = not _missing(weekend_median_hours, weekday_median_hours) and (
        weekday_median_hours > 0 and weekend_median_hours >= WEEKEND_SLOWER * weekday_median_hours
    )
    if weekend:
        adjustment = f"Staff the weekend {category} queue (a rota of two half-days)."
        evidence = (
            f"Median first response {hours(weekend_median_hours)} at weekends vs "
            f"{hours(weekday_median_hours)} on weekdays."
        )
    else:
        adjustment = f"Add first-line capacity to the {category} queue at peak hours."
        evidence = f"1 in 10 {category} items waited longer than {hours(p90_hours)}."
    return Lesson("Workflow", finding, adjustment, evidence)


def sla_compliance_rule(category: str, within: float | None, items: int) -> Lesson | None:
    """Fewer than ``SLA_WITHIN_MIN`` of a category's decided items met the first-response
    target (only with at least 10 items, so one late reply does not trigger it)."""
    if _missing(within) or items < MIN_ITEMS or within >= SLA_WITHIN_MIN:
        return None
    return Lesson(
        "Workflow",
        f"Only {within:.0%} of {category} items got a first response within the SLA.",
        f"Review the {category} triage rules and urgency levels with the team; "
        "move breach-soon items to the top of the queue.",
        f"{items:,} {category} items in the period; the goal is {SLA_WITHIN_MIN:.0%}.",
    )


def backlog_rule(open_now: int, open_before: int, stale: int) -> Lesson | None:
    """The backlog grew by more than ``CHANGE_THRESHOLD`` or holds items older than
    ``STALE_DAYS`` days → propose a backlog sweep."""
    grew = open_now > open_before * (1 + CHANGE_THRESHOLD) and open_now - open_before >= 3
    if not grew and stale == 0:
        return None
    parts = []
    if grew:
        parts.append(f"The open backlog grew from {open_before:,} to {open_now:,} items.")
    if stale:
        parts.append(f"{stale:,} open items are older than {STALE_DAYS} days.")
    return Lesson(
        "Workflow",
        " ".join(parts),
        "Hold a weekly backlog sweep: close what is done, escalate what is stuck.",
        f"Open items at the start and end of the period: {open_before:,} → {open_now:,}.",
    )


def closed_loop_rule(rate: float | None, resolved: int) -> Lesson | None:
    """Fewer than ``CLOSED_LOOP_MIN`` of resolved items (at least ``MIN_ITEMS``) told the
    member the outcome."""
    if _missing(rate) or resolved < MIN_ITEMS or rate >= CLOSED_LOOP_MIN:
        return None
    return Lesson(
        "Workflow",
        f"Members were told the outcome for only {rate:.0%} of resolved items.",
        "Add a closing message to the resolution step (a short template per category).",
        f"{resolved:,} items resolved in the period; the goal is {CLOSED_LOOP_MIN:.0%}.",
    )


def unanswered_rule(rate: float | None, threads: int, so_far: str = "") -> Lesson | None:
    """More than ``UNANSWERED_MAX`` of the period's threads (at least ``MIN_THREADS``) got
    no response at all. ``so_far``: the last day answers are known, when that is before
    the cut-off (the finding then says "so far")."""
    if _missing(rate) or threads < MIN_THREADS or rate <= UNANSWERED_MAX:
        return None
    when = f" by {so_far}" if so_far else ""
    return Lesson(
        "Engagement",
        f"{rate:.0%} of new threads got no reply or comment from anyone else{when}.",
        "Run a daily sweep of threads older than 24 hours without a response and invite "
        "experienced members to answer.",
        f"{round(rate * threads):,} of {threads:,} threads started in the period.",
    )


def active_members_rule(
    current: float | None, previous: float | None, windows: str = "the previous period"
) -> Lesson | None:
    """Active members moved by more than ``CHANGE_THRESHOLD`` against ``windows`` (the
    previous period, or "the same 3 days of November"), with at least ``MIN_ACTIVE``
    active members in both windows."""
    if _missing(current, previous) or min(current, previous) < MIN_ACTIVE:
        return None
    change = (current - previous) / previous
    if abs(change) < CHANGE_THRESHOLD:
        return None
    evidence = f"{previous:,.0f} → {current:,.0f} active members ({change:+.0%})."
    if change < 0:
        return Lesson(
            "Engagement",
            f"Active members fell by {-change:.0%} against {windows}.",
            "Check what changed (content volume, holidays, a platform issue) and plan one "
            "re-engagement action, e.g. a member spotlight or an AMA.",
            evidence,
        )
    return Lesson(
        "Engagement",
        f"Active members rose by {change:.0%} against {windows}.",
        "Keep the content rhythm that drove it and welcome the new participants personally.",
        evidence,
        "good",
    )


#: A content lesson needs this many items on each side of the comparison …
CONTENT_MIN_ITEMS = 5
#: … and this many people reached by each side's items.
CONTENT_MIN_AUDIENCE = 500


def _over(window: str, sentence: str) -> str:
    """``"Over 1 May – 31 Oct 2026, polls …"`` (just the sentence, capitalised, without
    a window)."""
    return f"Over {window}, {sentence}" if window else sentence[:1].upper() + sentence[1:]


def _types(names: Iterable[str]) -> str:
    return " and ".join(type_label(str(n), plural=True) for n in names)


def content_rules(recommendations: Iterable[object]) -> list[Lesson]:
    """Clear differences found by ``metrics.recommendations`` become "do more of" lessons.

    Only a ``"difference"`` (the two types' intervals do not overlap) with at least
    ``CONTENT_MIN_ITEMS`` items and ``CONTENT_MIN_AUDIENCE`` people reached on each side,
    and never for a period that published no content (``period_items == 0``). The
    finding names the window the items come from (``window``).
    """
    from commbook.metrics.effectiveness import RANKABLE, value_text

    lessons = []
    for rec in recommendations:
        if getattr(rec, "kind", None) != "difference" or getattr(rec, "period_items", None) == 0:
            continue
        if min(rec.best_items, rec.baseline_items) < CONTENT_MIN_ITEMS:
            continue
        if min(rec.best_audience, rec.baseline_audience) < CONTENT_MIN_AUDIENCE:
            continue
        noun = RANKABLE.get(rec.metric, rec.metric)
        times = f"{rec.ratio:.1f}×" if math.isfinite(rec.ratio) else "more than"
        level = f"{rec.confidence:.0%}"
        lessons.append(
            Lesson(
                "Content",
                _over(
                    rec.window,
                    f"{_types([rec.best])} got {times} the {noun} of {_types([rec.baseline])}.",
                ),
                f"Plan more {rec.best} content next period and test one change to "
                f"{rec.baseline} content.",
                f"Estimated {value_text(rec.best_estimate, rec.metric)} vs "
                f"{value_text(rec.baseline_estimate, rec.metric)} ({level} intervals do not "
                f"overlap); {rec.best_items:,} vs {rec.baseline_items:,} items reaching "
                f"{rec.best_audience:,.0f} vs {rec.baseline_audience:,.0f} people.",
                "good",
            )
        )
    return lessons


def weakest_content_rule(ranking: pd.DataFrame) -> Lesson | None:
    """The lowest-ranked content type engages at less than half the best one, and their
    intervals do not overlap → propose rethinking it. ``ranking`` is ``metrics.rank``
    output (only types with ``enough_data``); both types need ``CONTENT_MIN_ITEMS``
    items and ``CONTENT_MIN_AUDIENCE`` people reached. Optional columns: ``window`` (the
    items' window, named in the finding) and ``period_items`` (items of the type in the
    report's period: nothing is said for a period without content). Types sharing the
    first or the last rank are named together."""
    if ranking.empty:
        return None
    ranked = ranking[ranking["enough_data"]] if "enough_data" in ranking else ranking
    if "period_items" in ranking and int(ranking["period_items"].sum()) == 0:
        return None
    if len(ranked) < 2:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    b, w = float(best["estimate"]), float(worst["estimate"])
    if _missing(b, w) or b <= 0 or w >= 0.5 * b:
        return None
    if float(worst["high"]) >= float(best["low"]):
        return None
    sides = [ranked[ranked["estimate"] == v] for v in (b, w)]
    for side in sides:
        if side["items"].min() < CONTENT_MIN_ITEMS:
            return None
        if "audience" in side and side["audience"].min() < CONTENT_MIN_AUDIENCE:
            return None
    tops, bottoms = (side["content_type"].astype(str).tolist() for side in sides)
    window = str(ranking["window"].iloc[0]) if "window" in ranking else ""
    bottom = _types(bottoms)
    verb = "engaged" if window else "engage"
    return Lesson(
        "Content",
        _over(
            window,
            f"{bottom} {verb} least: an estimated {w:.1%} engagement rate against {b:.1%} "
            f"for {_types(tops)}.",
        ),
        f"Rethink {' and '.join(type_label(t) for t in bottoms)} content: shorter formats, "
        "a question to answer, or fewer of them.",
        f"Intervals do not overlap ({float(worst['low']):.1%}–{float(worst['high']):.1%} vs "
        f"{float(best['low']):.1%}–{float(best['high']):.1%}); "
        f"{int(sides[1]['items'].sum()):,} vs {int(sides[0]['items'].sum()):,} items.",
    )


def retention_rule(retention: pd.DataFrame) -> Lesson | None:
    """The latest cohort with a month-1 value keeps fewer members than the earlier
    cohorts' average by more than ``RETENTION_DROP`` (relative) → propose onboarding.
    ``retention`` is ``metrics.cohort_retention`` output (column ``1``) with months that
    are not complete yet blanked (``NaN``); cohorts of fewer than ``MIN_COHORT`` members
    are left out."""
    if 1 not in retention.columns:
        return None
    known = retention[retention[1].notna() & (retention["members"] >= MIN_COHORT)]
    if len(known) < 3:
        return None
    latest = known.iloc[-1]
    earlier = float(known.iloc[:-1][1].mean())
    if earlier <= 0 or latest[1] >= earlier * (1 - RETENTION_DROP):
        return None
    return Lesson(
        "Audience",
        f"Only {latest[1]:.0%} of members who joined in {latest['cohort']} were active in "
        f"their second month, against {earlier:.0%} for earlier cohorts.",
        "Strengthen onboarding: a welcome thread, a first-week checklist and a personal "
        "reply to every newcomer's first post.",
        f"Cohort of {int(latest['members']):,} members.",
    )


def nps_rule(waves: pd.DataFrame) -> Lesson | None:
    """The latest NPS wave is clearly below the one before (intervals do not overlap)
    → investigate; clearly above → keep going. ``waves``: ``score``, ``ci_low``,
    ``ci_high``, ``label`` per wave, oldest first."""
    known = waves.dropna(subset=["score"])
    if len(known) < 2:
        return None
    last, before = known.iloc[-1], known.iloc[-2]
    evidence = (
        f"{before['label']}: {before['score']:+.0f} → {last['label']}: {last['score']:+.0f} "
        "(95 % intervals do not overlap)."
    )
    if last["ci_high"] < before["ci_low"]:
        return Lesson(
            "Feedback",
            f"NPS fell clearly, to {last['score']:+.0f}.",
            "Read the detractors' comments with the team and pick one theme to fix first.",
            evidence,
        )
    if last["ci_low"] > before["ci_high"]:
        return Lesson(
            "Feedback",
            f"NPS rose clearly, to {last['score']:+.0f}.",
            "Share the promoters' quotes with the team and keep what they praise.",
            evidence,
            "good",
        )
    return None


def objectives_rule(statuses: Sequence[tuple[str, str]]) -> Lesson | None:
    """Objectives that are off track, at risk or missed → propose a plan review.
    ``statuses``: ``(title, status key)`` pairs (keys of ``commbook.progress.STATUSES``)."""
    behind = [t for t, s in statuses if s in ("off_track", "at_risk", "missed")]
    if not behind:
        return None
    names = "; ".join(behind[:3]) + (f" and {len(behind) - 3} more" if len(behind) > 3 else "")
    return Lesson(
        "Objectives",
        f"{len(behind)} objective{'s are' if len(behind) > 1 else ' is'} behind plan: {names}.",
        "Review these objectives with their owners: adjust the plan, the resources or the target.",
        "Status from the straight line between baseline and target (see the summary).",
    )
