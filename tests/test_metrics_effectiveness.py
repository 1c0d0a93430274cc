"""The content ranking and its sentences: empirical-Bayes estimates by hand, honest ties,
zero between-group variance, and sentences that never contradict the ranking table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from commbook import metrics
from commbook.errors import ValidationError
from commbook.metrics.effectiveness import interval_text


def _items(content_type: str, comments: list[int], channel: str = "forum") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "content_type": content_type,
            "channel": channel,
            "reach": 100,
            "views": None,
            "likes": 0,
            "comments": comments,
            "shares": 0,
        }
    )


def _rates(content_type: str, interactions: list[float], reach: int = 1000) -> pd.DataFrame:
    """Items whose engagement rate is ``interactions / reach``."""
    return pd.DataFrame(
        {
            "content_type": content_type,
            "reach": reach,
            "views": None,
            "likes": interactions,
            "comments": 0,
            "shares": 0,
        }
    )


def test_rank_shrinks_group_means_by_hand() -> None:
    content = pd.concat(
        [_items("a", [0, 2]), _items("b", [2, 4, 2, 4]), _items("c", [5, 7])], ignore_index=True
    )
    out = metrics.rank(content, "content_type", "comments", min_items=2)
    # means 1, 3, 6; variances 2, 4/3, 2 → typical (median) 2; pulled by 2 prior dof:
    # a (1·2 + 2·2)/3 = 2, b (3·4/3 + 2·2)/5 = 1.6, c 2 → sampling variances v = 1, 0.4, 1
    v = np.array([1.0, 0.4, 1.0])
    m = np.array([1.0, 3.0, 6.0])
    w = 1 / v  # fixed-effect mean 14.5 / 4.5; Q = Σ w (m − 3.222)² = 12.78; c = 4.5 − 8.25/4.5
    fixed = (w * m).sum() / w.sum()
    q = (w * (m - fixed) ** 2).sum()
    tau2 = (q - 2) / (w.sum() - (w**2).sum() / w.sum())
    assert tau2 == pytest.approx(4.0417, abs=1e-4)
    re = 1 / (tau2 + v)
    mu = (re * m).sum() / re.sum()
    b = tau2 / (tau2 + v)
    estimate = mu + b * (m - mu)
    se = np.sqrt(b * v + (1 - b) ** 2 / re.sum())
    assert out["content_type"].tolist() == ["c", "b", "a"]
    assert out["estimate"].tolist() == pytest.approx(estimate[::-1].tolist())
    assert out["high"].tolist() == pytest.approx((estimate + 1.6449 * se)[::-1].tolist(), 1e-4)
    assert out["mean"].tolist() == pytest.approx([6, 3, 1])
    assert out["audience"].tolist() == [200, 400, 200]
    assert (out["low"] < out["estimate"]).all() and (out["estimate"] < out["high"]).all()
    assert out["rank"].tolist() == [1, 2, 3]


def test_two_lucky_posts_do_not_top_the_ranking() -> None:
    content = pd.concat(
        [
            _items("poll", [9, 10, 11, 9, 10, 11]),
            _items("article", [4, 5, 6, 5, 4, 6, 5, 5]),
            _items("video", [50, 60]),
        ],
        ignore_index=True,
    )
    out = metrics.rank(content, "content_type", "comments")
    assert out["content_type"].tolist() == ["poll", "article", "video"]
    assert out["rank"].tolist() == [1, 2, pd.NA]
    assert out["enough_data"].tolist() == [True, True, False]

    found = metrics.recommendations(content, "content_type", ["comments", "engagement_rate"])
    assert [f.text for f in found] == [
        "Polls get 2.0× the comments of articles (estimated 10.0 vs 5.0 per item; based on "
        "6 vs 8 items).",
        "Polls get 2.0× the engagement rate of articles (estimated 10.0% vs 5.0%; based on "
        "6 vs 8 items).",
    ]
    assert found[0].kind == "difference" and found[0].ratio == pytest.approx(2.0, abs=0.01)
    assert (found[0].best_audience, found[0].baseline_audience) == (600, 800)


def _clear_gap_hidden_by_one_spread_out_type() -> pd.DataFrame:
    """Articles ≈ 89 likes, contests ≈ 217 (Welch z ≈ 4.6), and videos: mostly nothing
    with two viral hits, whose variance dwarfs every other type's."""
    video = np.zeros(30)
    video[[3, 17]] = [2600, 3400]
    return pd.concat(
        [
            _rates("article", np.tile([59, 89, 119, 89], 10).tolist()),
            _rates("contest", [107, 327, 147, 287, 217, 107, 327, 147, 287, 217]),
            _rates("poll", np.tile([120, 150], 10).tolist()),
            _rates("video", video.tolist()),
        ],
        ignore_index=True,
    )


def test_one_spread_out_type_no_longer_ranks_everything_by_item_count() -> None:
    content = _clear_gap_hidden_by_one_spread_out_type()
    likes = content.groupby("content_type")["likes"]
    contest, article = likes.get_group("contest"), likes.get_group("article")
    welch = (contest.mean() - article.mean()) / math.sqrt(
        contest.var() / len(contest) + article.var() / len(article)
    )
    assert (article.mean(), contest.mean(), round(welch, 1)) == (89, 217, 4.6)
    # with one pooled within-type variance the between-type variance came out 0: every
    # estimate was the grand mean and the ranks 1–4 followed the item counts
    out = metrics.rank(content, metric="likes").set_index("content_type")
    assert out.loc["contest", "rank"] == 1 and out.loc["article", "rank"] == 4
    assert out.loc["contest", "low"] > out.loc["article", "high"]  # told apart
    assert 150 < out.loc["contest", "estimate"] < 217  # ten items: pulled toward the mean
    assert out.loc["article", "estimate"] == pytest.approx(89, abs=5)
    # the viral videos are very uncertain: they overlap with everyone
    assert out.loc["video", "high"] - out.loc["video", "low"] > 100
    (found,) = metrics.recommendations(content, metrics=["likes"])
    assert found.kind == "difference" and found.best == "contest" and found.baseline == "article"


def test_types_that_do_not_differ_more_than_chance_share_rank_one() -> None:
    # the same values in every type, shuffled: the between-type variance is 0
    values = [2, 4, 6, 8, 10, 3, 5, 7, 9, 11]
    content = pd.concat(
        [
            _items("article", values * 2),
            _items("poll", values[::-1]),
            _items("video", values[3:] + values[:3]),
        ],
        ignore_index=True,
    )
    out = metrics.rank(content, metric="comments")
    assert out["estimate"].tolist() == pytest.approx([6.5] * 3)
    assert out["rank"].tolist() == [1, 1, 1]
    assert out["content_type"].tolist() == ["article", "poll", "video"]  # then by items, name
    (found,) = metrics.recommendations(content, metrics=["comments"])
    assert found.kind == "no_difference"
    assert found.text == (
        "No clear difference in comments by content type: the 3 groups differ no more than "
        "chance would make them, so each is estimated at the overall 6.5 per item and they share "
        "rank 1 (40 items)."
    )


def test_equal_estimates_share_a_rank_and_the_next_rank_skips() -> None:
    content = pd.concat(
        [
            _items("poll", [9, 11] * 4),
            _items("quiz", [11, 9] * 4),
            _items("article", [4, 6] * 4),
            _items("meme", [1, 3] * 4),
        ],
        ignore_index=True,
    )
    out = metrics.rank(content, metric="comments")
    assert out["rank"].tolist() == [1, 1, 3, 4]
    assert set(out["content_type"][:2]) == {"poll", "quiz"}


def test_one_content_type_is_not_ranked_against_anything() -> None:
    out = metrics.rank(_items("poll", [1, 2, 3, 4, 5, 6]), metric="comments")
    assert out[["items", "rank"]].to_dict("records") == [{"items": 6, "rank": 1}]
    assert out["estimate"].iloc[0] == pytest.approx(3.5)  # its own mean, nothing to pull to
    assert out["low"].iloc[0] < 3.5 < out["high"].iloc[0]
    (found,) = metrics.recommendations(_items("poll", [1, 2, 3, 4, 5, 6]), metrics=["comments"])
    assert found.kind == "insufficient"


def test_identical_items_within_each_type_are_exact() -> None:
    content = pd.concat([_items("poll", [4] * 5), _items("article", [2] * 6)])
    out = metrics.rank(content, metric="comments")
    assert out["estimate"].tolist() == [4, 2]
    assert (out["low"] == out["high"]).all()
    comments, shares = metrics.recommendations(content, metrics=["comments", "shares"])
    assert comments.kind == "difference" and comments.ratio == 2
    assert shares.kind == "no_difference"
    assert (
        shares.text == "No difference in shares by content type: all 11 items have 0 shares each."
    )


def test_no_rated_item_gives_an_empty_ranking() -> None:
    content = _items("poll", [1, 2]).assign(reach=None)
    assert metrics.rank(content).empty
    (found,) = metrics.recommendations(content, metrics=["engagement_rate"])
    assert found.kind == "insufficient"


def test_recommendations_never_claim_without_enough_data_or_a_clear_difference() -> None:
    few = pd.concat([_items("poll", [9, 10]), _items("article", [1, 2, 3, 4, 5])])
    (finding,) = metrics.recommendations(few, metrics=["comments"])
    assert finding.kind == "insufficient"
    assert finding.text.startswith("Not enough data to compare comments by content type")
    same = pd.concat(
        [
            _items("poll", [5, 7, 6, 9, 6], channel="forum"),
            _items("article", [5, 5, 4, 6, 5, 5], channel="blog"),
        ]
    )
    table = metrics.rank(same, "channel", "comments").set_index("channel")
    (finding,) = metrics.recommendations(same, "channel", ["comments"])
    assert finding.kind == "no_difference"
    best, base = (interval_text(*table.loc[c, ["low", "high"]], "comments") for c in table.index)
    assert finding.text == (
        "No clear difference in comments between items on forum and items on blog: their "
        f"90% intervals overlap ({best} and {base}; based on 5 vs 6 items)."
    )
    with pytest.raises(ValidationError, match="metric"):
        metrics.rank(same, metric="bounce_rate")


def test_a_separated_but_small_gap_is_not_sold_as_a_win() -> None:
    content = pd.concat([_items("poll", [104, 106] * 20), _items("article", [99, 101] * 20)])
    (found,) = metrics.recommendations(content, metrics=["comments"])
    assert found.kind == "small_difference"
    assert found.text.startswith("Polls do only slightly better than articles on comments (1.05×")


def _generated(seed: int) -> pd.DataFrame:
    """A community's content: 1–6 types of 1–40 items, rates of different levels and
    spreads, some items without audience."""
    rng = np.random.default_rng(seed)
    parts = []
    for t in range(rng.integers(1, 7)):
        n = int(rng.integers(1, 41))
        level = rng.uniform(0.01, 0.12)
        spread = rng.choice([0.0, 0.005, 0.03, 0.1])
        reach = rng.integers(20, 3000, n).astype("float64")
        reach[rng.random(n) < 0.1] = np.nan
        rate = np.clip(rng.normal(level, spread, n), 0, None)
        parts.append(_rates(f"type{t}", np.round(rate * np.nan_to_num(reach, nan=100)), 0))
        parts[-1]["reach"] = reach
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", range(40))
def test_sentences_follow_the_intervals_the_table_shows(seed: int) -> None:
    content = _generated(seed)
    table = metrics.rank(content)
    assert (table["low"] <= table["estimate"] + 1e-12).all()
    assert (table["estimate"] <= table["high"] + 1e-12).all()
    ranked = table[table["enough_data"]]
    # equal estimates ⇔ equal ranks; a better estimate never gets a worse rank
    for (_, a), (_, b) in zip(ranked.iterrows(), ranked.iloc[1:].iterrows(), strict=False):
        assert (a["rank"] == b["rank"]) == bool(np.isclose(a["estimate"], b["estimate"]))
        assert a["estimate"] >= b["estimate"]
    (found,) = metrics.recommendations(content, metrics=["engagement_rate"])
    if len(ranked) < 2:
        assert found.kind == "insufficient"
        return
    rows = table.set_index("content_type")
    best, base = rows.loc[found.best], rows.loc[found.baseline]
    apart = best["low"] > base["high"]
    assert (found.kind in ("difference", "small_difference")) == apart
    assert found.best_estimate == best["estimate"] and found.baseline_estimate == base["estimate"]
    if found.kind == "no_difference" and "intervals overlap" in found.text:
        assert interval_text(best["low"], best["high"], "engagement_rate") in found.text
        assert interval_text(base["low"], base["high"], "engagement_rate") in found.text
