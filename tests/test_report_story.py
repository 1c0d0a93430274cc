"""The executive summary's opening sentences: each from a rule with a minimum sample, each
about a number the page shows."""

from __future__ import annotations

import math

import pandas as pd

from commbook.reports import story
from commbook.reports.sections.objectives import ObjectiveRow


def _compared(**values: tuple[float, float]) -> pd.DataFrame:
    base = {
        "active_members": (163.0, 151.0),
        "threads": (186.0, 169.0),
        "answered_rate": (81.7, 84.0),
        "median_first_response_hours": (1.1, 1.6),
    }
    base.update(values)
    return pd.DataFrame([{"metric": k, "current": c, "previous": p} for k, (c, p) in base.items()])


def _objective(title: str, status: str) -> ObjectiveRow:
    return ObjectiveRow(title, "Ada", "%", 80.0, 70.0, 50.0, 40.0, status, status)


NAMES = ("November 2026", "October 2026")


def test_activity_sentence_says_steady_within_the_threshold_and_the_change_beyond() -> None:
    steady = story.activity_sentence(_compared(), *NAMES)
    assert steady == (
        "163 members were active in November 2026, about as many as in October 2026 (+8%)."
    )
    rose = story.activity_sentence(_compared(active_members=(200.0, 100.0)), *NAMES)
    assert rose == "200 members were active in November 2026, 100% more than in October 2026."
    fell = story.activity_sentence(_compared(active_members=(75.0, 100.0)), *NAMES)
    assert fell == "75 members were active in November 2026, 25% fewer than in October 2026."


def test_no_sentence_without_its_minimum_sample() -> None:
    assert story.activity_sentence(_compared(active_members=(19.0, 40.0)), *NAMES) is None
    assert story.activity_sentence(_compared(active_members=(50.0, math.nan)), *NAMES) is None
    assert story.answers_sentence(_compared(threads=(9.0, 20.0))) is None
    assert story.objectives_sentence([_objective("A", "no_data")]) is None
    assert story.nps_sentence(None, pd.DataFrame()) is None


def test_answers_and_objectives_sentences() -> None:
    assert story.answers_sentence(_compared()) == (
        "81.7% of the 186 threads started got an answer; the median first reply came after 1.1 h."
    )
    rows = [_objective("Raise NPS", "achieved"), _objective("Grow", "at_risk"),
            _objective("Cut time", "off_track"), _objective("Manual", "no_data")]  # fmt: skip
    assert story.objectives_sentence(rows) == (
        "1 of 3 objectives with data are on track or achieved; these need attention: Grow; "
        "Cut time."
    )
    assert story.objectives_sentence(rows[:1]) == (
        "1 of 1 objective with data is on track or achieved."
    )


def test_opening_keeps_the_rules_with_enough_data_in_order() -> None:
    waves = pd.DataFrame({"label": ["Sep 2026"], "score": [34.0], "n": [114]})
    found = story.opening(_compared(), NAMES, [], {"score": 34.0}, waves)
    assert [s.split(" ")[0] for s in found] == ["163", "81.7%", "The"]
    assert found[-1] == "The latest NPS survey (Sep 2026) scored +34 from 114 answers."
