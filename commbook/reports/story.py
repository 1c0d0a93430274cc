"""The executive summary's opening sentences: short, and each one about a number on the page.

Every sentence comes from a rule here, with the minimum sample it needs (the constants of
``commbook.reports.lessons``); a rule with too little data says nothing rather than guess.
The numbers are the ones the summary's tiles and the objectives table show (the same
``compared`` rows and :class:`~commbook.reports.sections.objectives.ObjectiveRow` s), and
they are formatted the way the tiles format them, so a reader finds each one on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from commbook import formatting
from commbook.reports.lessons import CHANGE_THRESHOLD, MIN_ACTIVE, MIN_THREADS

#: Objective statuses that count as "on track" in the summary sentence.
GOOD = ("on_track", "achieved")
#: … and as "needing attention".
BEHIND = ("at_risk", "off_track", "missed")


def _known(*values: Any) -> bool:
    return all(not formatting.missing(v) for v in values)


def activity_sentence(compared: pd.DataFrame, now: str, previous: str) -> str | None:
    """How many members were active, against the previous window (both at least
    ``MIN_ACTIVE``): "163 members were active in November 2026, 23% more than in October
    2026." — or "about as many as in October 2026 (+8%)" within ``CHANGE_THRESHOLD``."""
    row = compared.set_index("metric").loc["active_members"]
    current, before = row["current"], row["previous"]
    if not _known(current, before) or min(current, before) < MIN_ACTIVE:
        return None
    count = formatting.value_text(current, "members")
    change = (current - before) / before
    if abs(change) < CHANGE_THRESHOLD:
        pct = formatting.change_text(current - before, 100 * change, "members")
        return f"{count} members were active in {now}, about as many as in {previous} ({pct})."
    way = "more" if change > 0 else "fewer"
    return f"{count} members were active in {now}, {abs(change):.0%} {way} than in {previous}."


def answers_sentence(compared: pd.DataFrame) -> str | None:
    """The answered rate and the median first reply of the period's threads (at least
    ``MIN_THREADS``): "81.7% of the 186 threads started got an answer; the median first
    reply came after 1.1 h." """
    by_key = compared.set_index("metric")
    threads = by_key.loc["threads", "current"]
    rate = by_key.loc["answered_rate", "current"]
    if not _known(threads, rate) or threads < MIN_THREADS:
        return None
    text = (
        f"{formatting.value_text(rate, '%')} of the {formatting.value_text(threads, 'threads')} "
        "threads started got an answer"
    )
    median = by_key.loc["median_first_response_hours", "current"]
    if _known(median):
        text += f"; the median first reply came after {formatting.value_text(median, 'hours')}"
    return text + "."


def objectives_sentence(rows: Sequence[Any]) -> str | None:
    """How many objectives are on track, and which need attention (by title)."""
    judged = [r for r in rows if r.status != "no_data"]
    if not judged:
        return None
    good = sum(r.status in GOOD for r in judged)
    behind = [r.title for r in judged if r.status in BEHIND]
    noun = "objective with data is" if len(judged) == 1 else "objectives with data are"
    of = f"{good} of {len(judged)} {noun} on track or achieved"
    if not behind:
        return of + "."
    names = "; ".join(behind[:3]) + (f" and {len(behind) - 3} more" if len(behind) > 3 else "")
    return f"{of}; {'these need' if len(behind) > 1 else 'this needs'} attention: {names}."


def nps_sentence(latest: dict[str, Any] | None, waves: pd.DataFrame) -> str | None:
    """The latest NPS wave's score and its number of answers."""
    if not latest or waves.empty:
        return None
    last = waves.iloc[-1]
    if formatting.missing(last["score"]) or not int(last["n"]):
        return None
    score = formatting.value_text(last["score"], "points")
    return (
        f"The latest NPS survey ({last['label']}) scored {score} from {int(last['n']):,} answers."
    )


def opening(
    compared: pd.DataFrame,
    names: tuple[str, str],
    objectives: Sequence[Any],
    nps_latest: dict[str, Any] | None,
    waves: pd.DataFrame,
) -> list[str]:
    """The summary's opening sentences, in order; rules without enough data are left out."""
    found = [
        activity_sentence(compared, *names),
        answers_sentence(compared),
        objectives_sentence(objectives),
        nps_sentence(nps_latest, waves),
    ]
    return [s for s in found if s]
