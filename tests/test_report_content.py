"""The report's content effectiveness section on generated content of several shapes: a
week, a month, a quarter, a year and a custom range; an empty period; one content type.
The period's own figures cover exactly the period; the ranking names its window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commbook import metrics
from commbook.reports.data import ReportData, next_window
from commbook.reports.periods import resolve_period
from commbook.reports.sections import content_section
from commbook.reports.sections.content import ranking_window


def _content(months: dict[str, dict[str, tuple[int, float]]], seed: int = 1) -> pd.DataFrame:
    """Items per month: ``{"2026-03": {"video": (items, rate)}}``, published through the
    month, reach 1,000, rates scattered around ``rate``."""
    rng = np.random.default_rng(seed)
    rows = []
    for month, types in months.items():
        first = pd.Timestamp(f"{month}-01", tz="UTC")
        days = first.days_in_month
        for content_type, (n, rate) in types.items():
            for i in range(n):
                rows.append(
                    {
                        "content_id": len(rows) + 1,
                        "title": f"{content_type} {month} #{i}",
                        "content_type": content_type,
                        "channel": "forum",
                        "published_at": first + pd.Timedelta(days=(i * 7) % days, hours=10),
                        "reach": 1000,
                        "views": None,
                        "likes": max(0, round(1000 * rng.normal(rate, rate / 4))),
                        "comments": 0,
                        "shares": 0,
                    }
                )
    frame = pd.DataFrame(rows)
    for column in ("reach", "likes", "comments", "shares"):
        frame[column] = frame[column].astype("Int64")
    frame["views"] = frame["views"].astype("Int64")
    return frame


#: Videos did well in the first half of 2026 and then stopped; articles run all year.
YEAR = {
    f"2026-{m:02d}": ({"video": (6, 0.09)} if m <= 6 else {}) | {"article": (4, 0.03)}
    | ({"poll": (3, 0.05)} if m >= 7 else {})
    for m in range(1, 13)
}  # fmt: skip


def _data(spec: str, content: pd.DataFrame) -> ReportData:
    p = resolve_period(spec, tz="UTC")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    empty = pd.DataFrame()
    return ReportData(
        period=p,
        previous=(start - (end - start), start),
        next=next_window(start, end, p.tz),
        activity=empty,
        conversations=empty,
        members=empty,
        content=content,
        upcoming=empty,
        responses=empty,
        triage=empty,
    )


def _text(section: object) -> str:
    return " ".join(
        part.data for part in section.parts if isinstance(getattr(part, "data", None), str)
    )


def test_a_year_shows_the_whole_year_and_ranks_over_it() -> None:
    content = _content(YEAR)
    s = content_section(_data("2026", content))
    by_type = s.facts["engagement_by_type"].set_index("content_type")
    # every month counts: 36 videos (Jan–Jun), 48 articles, 18 polls (Jul–Dec)
    assert by_type["items"].to_dict() == {"video": 36, "poll": 18, "article": 48}
    assert s.facts["items"] == 102
    assert by_type.index.tolist() == ["video", "poll", "article"]  # best rate first
    assert s.facts["ranking_window"] == (pd.Timestamp("2026-01-01", tz="UTC"),
                                         pd.Timestamp("2027-01-01", tz="UTC"))  # fmt: skip
    assert "Ranked over the period itself, 1 Jan – 31 Dec 2026." in _text(s)
    ranking = s.facts["ranking"].set_index("content_type")
    assert ranking["items"].to_dict() == {"video": 36, "poll": 18, "article": 48}
    assert ranking.loc["video", "rank"] == 1  # the first half counts too
    assert (ranking["window"] == "1 Jan – 31 Dec 2026").all()
    assert all(r.window == "1 Jan – 31 Dec 2026" for r in s.facts["recommendations"])


@pytest.mark.parametrize(
    ("spec", "window", "items"),
    [
        ("2026-10", "1 May – 31 Oct 2026", 7),
        ("2026-W43", "1 May – 25 Oct 2026", 1),  # 19–25 Oct: the article of the 22nd
        ("2026-Q4", "1 Jul – 31 Dec 2026", 21),
    ],
)
def test_a_short_period_shows_its_own_figures_and_ranks_over_six_months(
    spec: str, window: str, items: int
) -> None:
    s = content_section(_data(spec, _content(YEAR)))
    assert s.facts["items"] == items
    assert s.facts["engagement_by_type"]["items"].sum() == items
    assert s.facts["ranking_window_label"] == window
    assert f"Ranked over {window} so each type has enough items." in _text(s)
    lo, hi = s.facts["ranking_window"]
    in_window = _content(YEAR)["published_at"].between(lo, hi, inclusive="left")
    assert s.facts["ranking"]["items"].sum() == in_window.sum()


def test_a_custom_range_longer_than_six_months_is_ranked_over_itself() -> None:
    s = content_section(_data("2026-02-10..2026-09-20", _content(YEAR)))
    lo, hi = s.facts["ranking_window"]
    assert (lo, hi) == (pd.Timestamp("2026-02-10", tz="UTC"), pd.Timestamp("2026-09-21", tz="UTC"))
    assert "Ranked over the period itself, 10 Feb – 20 Sep 2026." in _text(s)
    published = _content(YEAR)["published_at"]
    assert s.facts["items"] == ((published >= lo) & (published < hi)).sum()


def test_ranking_window_contains_the_period() -> None:
    tz = resolve_period("2026-10").tz
    for spec in ("2026-10-31", "2026-W44", "2026-10", "2026-Q3", "2026", "2026-04-15..2026-10-14"):
        p = resolve_period(spec)
        lo, hi = ranking_window(pd.Timestamp(p.start), pd.Timestamp(p.end), tz)
        assert lo <= pd.Timestamp(p.start) and hi == pd.Timestamp(p.end)


def test_the_table_and_the_sentence_use_the_same_intervals() -> None:
    s = content_section(_data("2026-10", _content(YEAR)))
    text = _text(s)
    ranking = s.facts["ranking"]
    for r in ranking.itertuples():
        interval = f"{r.low:.1%}–{r.high:.1%}"
        assert interval in text
    (rate,) = [r for r in s.facts["recommendations"] if r.metric == "engagement_rate"]
    rows = ranking.set_index("content_type")
    apart = rows.loc[rate.best, "low"] > rows.loc[rate.baseline, "high"]
    assert (rate.kind == "difference") == apart
    assert "90% interval" in text


def test_an_empty_period_says_so_and_still_names_the_ranking_window() -> None:
    until_october = {month: types for month, types in YEAR.items() if month <= "2026-10"}
    s = content_section(_data("2026-11", _content(until_october)))
    text = _text(s)
    assert s.facts["items"] == 0
    assert "No content was published in November 2026." in text
    assert "Ranked over 1 Jun – 30 Nov 2026 so each type has enough items." in text
    assert all(r.period_items == 0 for r in s.facts["recommendations"])
    assert (s.facts["ranking"]["period_items"] == 0).all()


def test_no_content_in_the_window_either() -> None:
    s = content_section(_data("2027-09", _content(YEAR)))
    assert "No content was published in 1 Apr – 30 Sep 2027." in _text(s)
    assert s.facts["ranking"].empty and s.facts["recommendations"] == []


def test_one_content_type_is_shown_but_not_compared() -> None:
    one = _content({"2026-10": {"article": (8, 0.04)}})
    s = content_section(_data("2026-10", one))
    assert s.facts["ranking"]["rank"].tolist() == [1]
    assert {r.kind for r in s.facts["recommendations"]} == {"insufficient"}
    assert metrics.engagement_by_type(one)["items"].tolist() == [8]


def _content_lessons(s: object) -> list:
    """The content lessons as ``sections.findings`` runs them."""
    from dataclasses import replace

    from commbook.reports import lessons
    from commbook.reports.sections._common import _type_name

    named = [
        replace(r, best=_type_name(r.best), baseline=_type_name(r.baseline))
        for r in s.facts["recommendations"]
        if r.best and r.baseline
    ]
    found = lessons.content_rules(named)
    ranking = s.facts["ranking"]
    if len(ranking):
        weakest = lessons.weakest_content_rule(
            ranking.assign(content_type=ranking["content_type"].map(_type_name))
        )
        found += [weakest] if weakest else []
    return found


def test_content_lessons_name_their_window_and_skip_a_period_without_content() -> None:
    until_october = {month: types for month, types in YEAR.items() if month <= "2026-10"}
    october = content_section(_data("2026-10", _content(until_october)))
    found = _content_lessons(october)
    assert [x.finding for x in found] == [
        "Over 1 May – 31 Oct 2026, videos got 2.8× the engagement rate of articles.",
        "Over 1 May – 31 Oct 2026, articles engaged least: an estimated 2.9% engagement rate "
        "against 8.3% for videos.",
    ]
    november = content_section(_data("2026-11", _content(until_october)))
    assert any(r.kind == "difference" for r in november.facts["recommendations"])
    assert _content_lessons(november) == []  # the window differs, but November had nothing
