"""Survey scores: NPS, CSAT, Likert, response rate and breakdowns, on hand-computed cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commbook.errors import ValidationError
from commbook.feedback import breakdown, csat, likert_distribution, nps, response_rate

Z95 = 1.959964  # the normal quantile for a 95 % interval


def test_nps_of_a_known_list_with_its_interval_computed_by_hand() -> None:
    result = nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 10])

    assert (result.promoters, result.passives, result.detractors, result.n) == (5, 2, 3, 10)
    assert result.score == pytest.approx(20.0)
    # p_pro = 0.5, p_det = 0.3: var = (0.5 + 0.3 − 0.2²) / 10 = 0.076, se = 0.275681
    # 0.2 ± 1.959964 × 0.275681 = 0.2 ± 0.540325 → −34.03 .. 74.03 points
    assert result.ci_low == pytest.approx(-34.0325, abs=1e-3)
    assert result.ci_high == pytest.approx(74.0325, abs=1e-3)


def test_nps_interval_is_clipped_and_missing_scores_are_ignored() -> None:
    result = nps(pd.Series([10, None, 9, 10, float("nan")]))
    assert (result.score, result.n) == (100.0, 3)
    assert result.ci_high == 100.0
    assert result.ci_low == 100.0  # no spread in the sample: the Wald interval collapses

    empty = nps([])
    assert empty.n == 0 and math.isnan(empty.score) and math.isnan(empty.ci_low)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([7, 11], "row 2, field 'score': 11 is outside the scale 0–10"),
        ([-1], "-1 is outside the scale 0–10"),
        ([8.5], "8.5 is not a whole number"),
        ([9, "ten"], "row 2, field 'score': 'ten' is not a number"),
    ],
)
def test_nps_refuses_scores_off_the_scale(scores: list, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        nps(scores)
    assert message in str(exc.value)


def test_csat_share_of_satisfied_with_a_wilson_interval_computed_by_hand() -> None:
    result = csat([5, 4, 4, 3, 2, 5, 1, 4])

    assert (result.satisfied, result.n) == (5, 8)
    assert result.score == pytest.approx(62.5)
    # p = 0.625, z² = 3.841459, n = 8: denominator = 1 + z²/n = 1.480182
    # centre = (0.625 + z²/16) / 1.480182 = 0.584449
    # half = z / 1.480182 × √(0.625 × 0.375 / 8 + z²/256) = 1.324137 × 0.210482 = 0.278707
    # → 0.305742 .. 0.863156
    assert result.ci_low == pytest.approx(30.5742, abs=1e-3)
    assert result.ci_high == pytest.approx(86.3156, abs=1e-3)


def test_csat_on_another_scale_and_its_errors() -> None:
    assert csat([7, 6, 5, 1], scale_max=7, satisfied_min=6).score == pytest.approx(50.0)
    with pytest.raises(ValidationError, match="6 is outside the scale 1–5"):
        csat([5, 6])
    with pytest.raises(ValidationError, match="satisfied_min"):
        csat([5], satisfied_min=9)


def test_likert_counts_shares_and_top_two_box_per_question() -> None:
    answers = pd.DataFrame(
        {
            "question": ["q1"] * 5 + ["q2"] * 4,
            "value": [1, 2, 4, 5, 5, 3, 3, None, 4],
        }
    )
    result = likert_distribution(answers, "question", "value")

    q1 = result.distribution[result.distribution["question"] == "q1"]
    assert q1["count"].tolist() == [1, 1, 0, 1, 2]
    assert q1["share"].tolist() == pytest.approx([0.2, 0.2, 0.0, 0.2, 0.4])
    assert q1["label"].tolist() == [
        "Strongly disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly agree",
    ]
    summary = result.summary.set_index("question")
    assert summary.loc["q1", "top2_box"] == pytest.approx(0.6)
    assert summary.loc["q1", "bottom2_box"] == pytest.approx(0.4)
    assert summary.loc["q1", "mean"] == pytest.approx(17 / 5)
    assert summary.loc["q2", "n"] == 3  # the missing answer is not counted
    assert summary.loc["q2", "top2_box"] == pytest.approx(1 / 3)


def test_likert_with_custom_labels_and_bad_values() -> None:
    answers = pd.DataFrame({"survey_id": [1, 1, 1], "score": [1, 3, 3]})
    result = likert_distribution(answers, labels=["no", "maybe", "yes"])
    assert result.distribution["label"].tolist() == ["no", "maybe", "yes"]
    assert result.distribution["count"].tolist() == [1, 0, 2]
    with pytest.raises(ValidationError, match="4 is outside the scale 1–3"):
        likert_distribution(pd.DataFrame({"survey_id": [1], "score": [4]}), labels=["a", "b", "c"])
    with pytest.raises(ValidationError, match="missing column 'answer'"):
        likert_distribution(answers, value_col="answer")


def test_response_rate_counts_each_member_once() -> None:
    responses = pd.DataFrame({"member_id": [1, 1, 2, None], "score": [9, 10, 3, 7]})
    rate = response_rate(responses, sent_count=10)
    assert (rate.respondents, rate.sent_count) == (3, 10)
    assert rate.rate == pytest.approx(0.3)
    assert response_rate(pd.DataFrame({"score": [1, 2]}), 4).rate == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="sent_count"):
        response_rate(responses, sent_count=0)


def _utc(*stamps: str) -> pd.Series:
    return pd.to_datetime(pd.Series(stamps), utc=True)


def test_breakdown_by_month_depends_on_the_timezone() -> None:
    # 2024-03-31 22:30 UTC is already 1 April, 00:30 in Berlin (summer time since that day).
    responses = pd.DataFrame(
        {
            "submitted_at": _utc("2024-03-15 12:00", "2024-03-31 22:30", "2024-05-02 09:00"),
            "score": [0, 10, 10],
        }
    )
    utc = breakdown(responses, by="month", tz="UTC", min_n=2)
    assert utc["month"].dt.strftime("%Y-%m").tolist() == ["2024-03", "2024-04", "2024-05"]
    assert utc["n"].tolist() == [2, 0, 1]  # April has no answer in UTC but keeps its row
    assert utc["score"].iloc[0] == pytest.approx(0.0)  # one promoter, one detractor
    assert math.isnan(utc["score"].iloc[1])
    assert utc["small"].tolist() == [False, True, True]

    berlin = breakdown(responses, by="month", tz="Europe/Berlin")
    assert berlin["n"].tolist() == [1, 1, 1]
    assert berlin["score"].tolist() == pytest.approx([-100.0, 100.0, 100.0])
    assert str(berlin["month"].iloc[1]) == "2024-04-01 00:00:00+02:00"


def test_breakdown_by_segment_with_csat_and_small_groups() -> None:
    responses = pd.DataFrame(
        {
            "segment": ["new"] * 3 + ["veteran"] * 4 + [None],
            "score": [5, 4, 1, 5, 5, 5, 2, 4],
        }
    )
    table = breakdown(responses, by="segment", metric="csat", min_n=4)
    assert table["segment"].tolist() == ["veteran", "new", "(none)"]
    assert table["n"].tolist() == [4, 3, 1]
    assert table["score"].tolist() == pytest.approx([75.0, 200 / 3, 100.0])
    assert table["satisfied"].tolist() == [3, 2, 1]
    assert table["small"].tolist() == [False, True, True]
    assert (table["ci_low"] <= table["score"]).all()
    assert (table["score"] <= table["ci_high"]).all()


def test_breakdown_validates_its_input() -> None:
    with pytest.raises(ValidationError, match="missing column 'segment'"):
        breakdown(pd.DataFrame({"score": [1]}))
    with pytest.raises(ValidationError, match="timezone-aware"):
        breakdown(
            pd.DataFrame({"submitted_at": pd.to_datetime(["2024-01-01"]), "score": [1]}),
            by="month",
        )
    with pytest.raises(ValidationError, match="unknown timezone"):
        breakdown(
            pd.DataFrame({"submitted_at": _utc("2024-01-01"), "score": [1]}), "month", tz="Mars"
        )
    with pytest.raises(ValidationError, match="11 is outside"):
        breakdown(pd.DataFrame({"segment": ["a"], "score": [11]}))
