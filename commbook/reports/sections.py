"""The stakeholder report's sections, assembled from :class:`ReportData` by pure functions.

Each ``*_section`` function takes the loaded frames (and, for some, what earlier sections
computed) and returns a :class:`Section`: its title, the blocks and charts to display in
order, and ``facts`` — the numbers it shows, so later sections, rules and tests can reuse
them without computing twice. A section with no data says so in a sentence; numbers are
never invented. :func:`build_report` runs them all in order.

The report notebook only does::

    data = load_report_data(period, url=..., tz=..., segment=..., channel=...)
    report = build_report(data)
    show(report.section("engagement"), detail)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from commbook import charts, metrics
from commbook.metrics.catalog import Inputs
from commbook.metrics.workflow import (
    POST_KINDS,
    QUESTION_CATEGORIES,
    backlog,
    backlog_size,
    closed_loop_rate,
    community_answer_share,
    escalation_volume,
    moderation_by_action,
    moderation_per_1000_posts,
)
from commbook.metrics.workflow import (
    response_times as workflow_response_times,
)
from commbook.progress import STATUSES, objective_progress
from commbook.reports import blocks, lessons
from commbook.reports.blocks import Kpi, Markup
from commbook.reports.data import DETAILS, RANKING_MONTHS, ReportData
from commbook.reports.lessons import Lesson, hours
from commbook.triage.sla import SLAPolicy, load_sla

#: Sections in report order; ``detail="summary"`` shows only the first.
SECTIONS = (
    "summary",
    "engagement",
    "content",
    "audience",
    "feedback",
    "workflow",
    "lessons",
    "calendar",
)
ACTIVITY_KEYS = (
    "members",
    "new_members",
    "churned_members",
    "net_growth",
    "active_members",
    "daily_active_members",
    "monthly_active_members",
    "stickiness",
    "contribution_rate",
)
CONVERSATION_KEYS = ("threads", "answered_rate", "unanswered_rate", "median_first_response_hours")
CONTENT_KEYS = ("engagement_rate",)
#: Compared metrics said in a sentence rather than in the comparison table.
IN_WORDS = ("churned_members", "net_growth")
#: Comments needed before looking for themes (fewer: show quotes only).
MIN_THEME_TEXTS = 20
MIN_AUDIENCE = 50  # items reaching fewer people are left out of best / weakest items


@dataclass
class Section:
    """One section: ``parts`` are displayable blocks / charts in order; ``facts`` the
    numbers shown (for tests and for the lessons rules)."""

    key: str
    title: str
    parts: list[Any] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, *parts: Any) -> Section:
        self.parts.extend(parts)
        return self


@dataclass
class Report:
    """All sections of a run, by key."""

    sections: dict[str, Section]

    def section(self, key: str) -> Section:
        return self.sections[key]


# --- formatting ---------------------------------------------------------------------------


def _nan(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any, unit: str) -> str:
    """A catalog value in words: counts with separators, ``%`` with one decimal, hours,
    NPS points with a sign; ``—`` when unknown."""
    if _nan(value):
        return "—"
    value = float(value)
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "hours":
        return hours(value)
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def format_change(row: pd.Series | dict, previous_name: str) -> str:
    """``"+12% vs September 2026"`` for counts, ``"+2.5 pts vs …"`` for rates, ``"-0.8 h"``
    for hours; ``"no data for …"`` when the previous value is unknown."""
    unit, change, pct = row["unit"], row["change"], row["change_pct"]
    if _nan(row["previous"]) or _nan(row["current"]):
        return f"no data for {previous_name}"
    if unit == "%":
        text = f"{change:+.1f} pts"
    elif unit == "hours":
        text = f"{change:+.1f} h"
    elif unit == "points":
        text = f"{change:+.0f} pts"
    elif not _nan(pct):
        text = f"{pct:+.0f}%"
    else:
        text = f"{change:+,.0f}"
    return f"{text} vs {previous_name}"


def period_name(start: pd.Timestamp, end: pd.Timestamp, tz: dt.tzinfo) -> str:
    """ "September 2026" for a whole month, else "1 Sep – 30 Sep 2026"."""
    s = start.tz_convert(tz).tz_localize(None)
    e = end.tz_convert(tz).tz_localize(None)
    last = (e - pd.Timedelta(microseconds=1)).normalize()
    whole = s.day == 1 and e.day == 1 and s == s.normalize() and e == e.normalize()
    if whole and (e.year - s.year) * 12 + e.month - s.month == 1:
        return f"{s:%B %Y}"
    return f"{s.day} {s:%b} – {last.day} {last:%b %Y}"


def _kpi(comparison: pd.DataFrame, key: str, previous_name: str, label: str = "") -> Kpi:
    row = comparison.set_index("metric").loc[key]
    return Kpi(
        label or str(row["label"]),
        format_value(row["current"], row["unit"]),
        format_change(row, previous_name),
        row["verdict"] if row["verdict"] in ("better", "worse") else "",
    )


# --- comparison with the previous period -------------------------------------------------


def comparison(data: ReportData) -> pd.DataFrame:
    """Catalog metrics for the period and the previous one, rows as ``metrics.compare``
    returns them (the test suite checks they are equal).

    ``metrics.compare`` computes each key on its own; the activity and conversation keys
    share one ``activity_summary`` and one ``threads`` table per window here, which is
    what makes the report fast on a million events.
    """
    cheap = [
        metrics.compare(
            ("members", "new_members", "churned_members", "net_growth"),
            Inputs(members=data.members), data.start, data.end, data.tz,
        ),
        metrics.compare(
            ("contribution_rate",), Inputs(events=data.activity), data.start, data.end, data.tz
        ),
        metrics.compare(CONTENT_KEYS, Inputs(content=data.content), data.start, data.end, data.tz),
    ]  # fmt: skip
    shared = _shared_rows(data, cheap[0].iloc[0])
    frame = pd.concat([*cheap, shared], ignore_index=True)
    order = {k: i for i, k in enumerate(ACTIVITY_KEYS + CONVERSATION_KEYS + CONTENT_KEYS)}
    return frame.sort_values("metric", key=lambda m: m.map(order)).reset_index(drop=True)


def _window_values(data: ReportData, lo: pd.Timestamp, hi: pd.Timestamp) -> dict[str, float]:
    """The activity and conversation catalog values of one window, in catalog units."""
    act = metrics.activity_summary(data.activity, lo, hi, data.tz)
    conv = metrics.conversation_summary(metrics.threads(data.conversations, lo, hi, data.tz))

    def pct(x: float) -> float:
        return 100 * float(x) if not _nan(x) else math.nan

    return {
        "active_members": float(act["active_members"]),
        "daily_active_members": float(act["dau"]),
        "monthly_active_members": float(act["mau"]),
        "stickiness": pct(act["stickiness"]),
        "threads": float(conv["threads"]),
        "answered_rate": pct(conv["answered_rate"]),
        "unanswered_rate": pct(conv["unanswered_rate"]),
        "median_first_response_hours": float(conv["median_first_response_hours"]),
    }


def _shared_rows(data: ReportData, like: pd.Series) -> pd.DataFrame:
    from commbook.metrics.catalog import CATALOG, HIGHER

    now = _window_values(data, data.start, data.end)
    before = _window_values(data, *data.previous)
    rows = []
    for key, current in now.items():
        entry, previous = CATALOG[key], before[key]
        change = current - previous
        if math.isnan(change):
            verdict = None
        elif change == 0:
            verdict = "same"
        else:
            verdict = "better" if (change > 0) == (entry.direction == HIGHER) else "worse"
        rows.append(
            {
                **like.to_dict(),
                "metric": key,
                "label": entry.label,
                "unit": entry.unit,
                "direction": entry.direction,
                "current": current,
                "previous": previous,
                "change": change,
                "change_pct": 100 * change / abs(previous)
                if previous and not math.isnan(previous)
                else math.nan,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=like.index)


# --- objectives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveRow:
    """An objective judged on a day: the stored fields used plus ``commbook.progress``."""

    title: str
    owner: str
    unit: str
    target: float
    value: float | None
    percent: float | None
    expected: float
    status: str
    label: str


def objective_rows(
    objectives: Sequence[Any], values: Sequence[float | None], as_of: dt.date
) -> list[ObjectiveRow]:
    """Judge each objective's current value on ``as_of`` with
    ``commbook.progress.objective_progress`` (the one call into that module)."""
    rows = []
    for objective, value in zip(objectives, values, strict=True):
        p = objective_progress(objective, value, as_of)
        rows.append(
            ObjectiveRow(
                title=objective.title,
                owner=objective.owner or "",
                unit=objective.unit or "",
                target=float(objective.target),
                value=p.value,
                percent=p.percent,
                expected=p.expected,
                status=p.status,
                label=STATUSES[p.status],
            )
        )
    return rows


def _with_unit(value: float | None, unit: str) -> str:
    """An objective's value: ``79%``, ``1.2 h``, ``+34`` (points), ``111`` (counts)."""
    if value is None:
        return "—"
    if unit == "hours":
        return hours(value)
    if unit == "points":
        return f"{value:+.0f}"
    number = f"{value:,.1f}" if abs(value) < 100 and value != int(value) else f"{value:,.0f}"
    return f"{number}%" if unit == "%" else number


def objectives_table(rows: Sequence[ObjectiveRow]) -> Any:
    """The objectives as a table with coloured status badges."""
    return blocks.rich_table(
        ["Objective", "Owner", "Now", "Target", "Progress", "Expected", "Status"],
        [
            [
                r.title,
                r.owner,
                _with_unit(r.value, r.unit),
                _with_unit(r.target, r.unit),
                "—" if r.percent is None else f"{r.percent:.0f}%",
                f"{r.expected:.0f}%",
                Markup(blocks.badge(r.status, r.label)),
            ]
            for r in rows
        ],
        numeric=(2, 3, 4, 5),
    )


# --- sections -----------------------------------------------------------------------------


def summary_section(
    data: ReportData,
    compared: pd.DataFrame,
    objectives: Sequence[ObjectiveRow],
    nps_latest: dict[str, Any] | None,
    highlights: Sequence[Lesson],
) -> Section:
    """Executive summary: headline KPIs with their change, objectives with status, and the
    main lessons."""
    prev = period_name(*data.previous, data.tz)
    s = Section("summary", "Executive summary", facts={"previous_name": prev})
    s.add(
        blocks.section_title(
            "Executive summary",
            f"The headline numbers for {data.period.title}, compared with {prev}.",
            new_page=False,
        )
    )
    activity = compared[compared["metric"] == "active_members"].iloc[0]
    if _nan(activity["current"]) or activity["current"] == 0:
        published = metrics_in(data.content["published_at"], data.start, data.end).any()
        what = "member activity" if published else "activity or content"
        s.add(
            blocks.notice(
                f"No {what} was recorded for {data.period.title}. If this is "
                "unexpected, check that data for the period was imported."
            )
        )
    tiles = [
        _kpi(compared, "members", prev, "Members"),
        _kpi(compared, "active_members", prev),
        _kpi(compared, "new_members", prev),
        _kpi(compared, "answered_rate", prev, "Threads answered"),
        _kpi(compared, "median_first_response_hours", prev, "Median first reply"),
        _kpi(compared, "engagement_rate", prev, "Content engagement"),
    ]
    if nps_latest:
        tiles.append(Kpi("NPS (latest survey)", f"{nps_latest['score']:+.0f}", nps_latest["delta"]))
    s.add(blocks.kpis(tiles))
    s.facts["kpis"] = {t.label: t.value for t in tiles}

    if objectives:
        counts = pd.Series([r.label for r in objectives]).value_counts()
        tally = ", ".join(f"{n} {label.lower()}" for label, n in counts.items())
        s.add(
            blocks.subtitle(
                "Objectives", f"Where each active objective stands at the period's end: {tally}."
            ),
            objectives_table(objectives),
        )
    else:
        s.add(
            blocks.subtitle("Objectives"),
            blocks.paragraph("No active objectives are recorded in the planning app."),
        )
    s.facts["objectives"] = [(r.title, r.status) for r in objectives]

    s.add(blocks.subtitle("Main lessons"))
    if highlights:
        s.add(blocks.bullets(f"{x.finding} Proposed: {x.adjustment}" for x in highlights))
    else:
        s.add(blocks.paragraph("No rule found anything that needs a change this period."))
    return s


def engagement_section(data: ReportData, compared: pd.DataFrame) -> Section:
    """Engagement and growth: activity KPIs, weekly actives, joins and leavers, and every
    compared metric in a table."""
    prev = period_name(*data.previous, data.tz)
    s = Section("engagement", "Engagement and growth")
    s.add(
        blocks.section_title(
            "Engagement and growth",
            "How many members took part, how often, and how the community grew. Active "
            "means posted, replied, commented, reacted or shared; reading alone does not count.",
        )
    )
    by_key = compared.set_index("metric")
    s.facts = {k: by_key.loc[k, "current"] for k in by_key.index}
    if not by_key.loc["active_members", "current"]:
        s.add(blocks.notice(f"No member was active in {data.period.title}."))
        return s
    s.add(
        blocks.kpis(
            [
                _kpi(compared, "daily_active_members", prev, "Daily active (avg)"),
                _kpi(compared, "monthly_active_members", prev, "Monthly active (avg)"),
                _kpi(compared, "stickiness", prev),
                _kpi(compared, "contribution_rate", prev),
            ]
        )
    )
    weekly = metrics.weekly_active_members(data.activity, data.start, data.end, tz=data.tz)
    s.add(charts.weekly_active_chart(weekly))
    joins, left = by_key.loc["new_members", "current"], by_key.loc["churned_members", "current"]
    s.add(
        blocks.paragraph(
            f"{joins:,.0f} members joined and {left:,.0f} left, a net change of "
            f"{joins - left:+,.0f}. The community had {by_key.loc['members', 'current']:,.0f} "
            f"members at the end of {data.period.title}."
        )
    )
    s.add(blocks.subtitle("This period against the previous one"))
    s.add(
        blocks.rich_table(
            ["Metric", data.period.title, prev, "Change"],
            [
                [
                    r.label,
                    format_value(r.current, r.unit),
                    format_value(r.previous, r.unit),
                    format_change(r._asdict(), prev).removesuffix(f" vs {prev}"),
                ]
                for r in compared.itertuples()
                if r.metric not in IN_WORDS
            ],
            numeric=(1, 2, 3),
        )
    )
    return s


TYPE_NAMES = {"ama": "AMA"}


def _type_name(value: str) -> str:
    return TYPE_NAMES.get(str(value), str(value).replace("_", " "))


def plural(n: int, word: str) -> str:
    """``plural(1, "poll")`` → ``"1 poll"``; ``plural(3, "AMA")`` → ``"3 AMAs"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def content_section(data: ReportData) -> Section:
    """Content effectiveness: engagement by type this period, the ranking with
    uncertainty and the recommendations over the last months, best and weakest items."""
    s = Section("content", "Content effectiveness")
    s.add(
        blocks.section_title(
            "Content effectiveness",
            "The engagement rate is likes, comments and shares per person reached (per view "
            "where reach is unknown). Use it to compare formats and topics.",
        )
    )
    period = data.content[metrics_in(data.content["published_at"], data.start, data.end)]
    engagement = metrics.engagement_by_type(period)
    s.facts["items"] = len(period)
    s.facts["engagement_by_type"] = engagement
    if period.empty:
        s.add(blocks.notice(f"No content was published in {data.period.title}."))
    else:
        if engagement["engagement_rate"].notna().any():
            s.add(charts.engagement_by_type_chart(engagement))
        s.add(
            blocks.table(
                engagement.assign(content_type=engagement["content_type"].map(_type_name)),
                {"content_type": "Content type", "items": "Items", "reach": "Reach",
                 "interactions": "Interactions", "engagement_rate": "Engagement rate"},
                {"items": blocks.integer, "reach": blocks.integer,
                 "interactions": blocks.integer, "engagement_rate": blocks.percent},
            )
        )  # fmt: skip
    window = f"the last {RANKING_MONTHS} months"
    s.add(
        blocks.subtitle(
            "What worked, what did not",
            f"Over {window}, so that each type has enough items. Estimates are pulled "
            "toward the average when a type has few items; types with fewer than "
            f"{metrics.effectiveness.MIN_ITEMS} items are not ranked.",
        )
    )
    if data.content.empty:
        s.add(blocks.notice(f"No content was published in {window}."))
        s.facts["ranking"] = pd.DataFrame()
        s.facts["recommendations"] = []
        _best_and_weakest(s, period)
        return s
    ranking = metrics.rank(data.content, "content_type", "engagement_rate", data.tz)
    recs = metrics.recommendations(
        data.content, "content_type", ("engagement_rate", "comments", "shares"), data.tz
    )
    s.facts["ranking"] = ranking
    s.facts["recommendations"] = recs
    s.add(blocks.bullets(r.text for r in recs))
    s.add(
        blocks.rich_table(
            ["Rank", "Content type", "Items", "Estimated rate", "90% interval"],
            [
                [
                    "—" if pd.isna(r.rank) else int(r.rank),
                    _type_name(r.content_type),
                    f"{r.items:,}",
                    f"{r.estimate:.1%}",
                    f"{max(r.low, 0):.1%} – {r.high:.1%}",
                ]
                for r in ranking.itertuples()
            ],
            numeric=(0, 2, 3, 4),
        )
    )
    _best_and_weakest(s, period)
    return s


def _best_and_weakest(s: Section, period: pd.DataFrame) -> None:
    """This period's three best and three weakest items (enough audience to judge)."""
    if period.empty:
        return
    items = metrics.engagement_items(period)
    known = items[items["audience"] >= MIN_AUDIENCE].sort_values("engagement_rate", ascending=False)
    if len(known) >= 4:
        s.add(blocks.subtitle("Best and weakest items this period"))
        picks = pd.concat([known.head(3), known.tail(3)]).drop_duplicates("content_id")
        s.add(
            blocks.rich_table(
                ["", "Title", "Type", "Channel", "Engagement"],
                [
                    [
                        "Best" if i < min(3, len(known) - 3) else "Weakest",
                        r.title,
                        _type_name(r.content_type),
                        r.channel or "",
                        f"{r.engagement_rate:.1%}",
                    ]
                    for i, r in enumerate(picks.itertuples())
                ],
                numeric=(4,),
            )
        )
        s.facts["best_item"] = known.iloc[0]["title"]


def metrics_in(times: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Boolean mask of aware ``times`` in ``[lo, hi)`` (missing → False)."""
    return ((times >= lo) & (times < hi)).to_numpy(dtype=bool, na_value=False)


def audience_section(data: ReportData) -> Section:
    """Audience and retention: new vs returning actives, cohort retention, segments."""
    s = Section("audience", "Audience and retention")
    s.add(
        blocks.section_title(
            "Audience and retention",
            "Who is active: newcomers or members who were already here, how long new members "
            "stay active, and how the audience segments took part.",
        )
    )
    in_period = data.activity[metrics_in(data.activity["occurred_at"], data.start, data.end)]
    nvr = metrics.new_vs_returning(in_period, data.members, data.start, data.end, data.tz, "week")
    s.facts["new_vs_returning"] = nvr
    if nvr["active_members"].sum():
        s.add(charts.new_returning_chart(nvr))
    else:
        s.add(blocks.notice(f"No member was active in {data.period.title}."))

    first = data.activity["occurred_at"].min() if len(data.activity) else data.start
    cohort_start = max(pd.Timestamp(first).tz_convert(data.tz), _month_start(data.end, data.tz, 5))
    retention = metrics.cohort_retention(
        data.activity, data.members, cohort_start, data.end, data.tz, max_months=5
    )
    s.facts["retention"] = retention
    s.add(
        blocks.subtitle(
            "Retention of new members",
            "Share of each month's new members who were active in their join month (month 0) "
            "and in each following month. The latest month may be partial.",
        )
    )
    if retention.empty or not retention["members"].sum():
        s.add(blocks.paragraph("No member joined in the last six months."))
    else:
        month_cols = [c for c in retention.columns if isinstance(c, int | np.integer)]
        s.add(
            blocks.rich_table(
                ["Joined in", "Members", *[f"Month {c}" for c in month_cols]],
                [
                    [r["cohort"], f"{int(r['members']):,}"]
                    + ["" if pd.isna(r[c]) else f"{r[c]:.0%}" for c in month_cols]
                    for _, r in retention.iterrows()
                ],
                numeric=tuple(range(1, len(month_cols) + 2)),
            )
        )

    s.add(
        blocks.subtitle(
            "Audience segments", "Segments with a member rule, sized at the period's end."
        )
    )
    if not data.segment_sizes or data.member_segments is None:
        s.add(blocks.paragraph("No audience segment with a member rule is defined yet."))
        s.facts["segments"] = pd.DataFrame()
        return s
    table = segment_activity(data.segment_sizes, data.member_segments, in_period)
    s.facts["segments"] = table
    s.add(
        blocks.table(
            table,
            {"segment": "Segment", "members": "Members", "active": "Active in period",
             "share_active": "Share active"},
            {"members": blocks.integer, "active": blocks.integer, "share_active": blocks.percent},
        )
    )  # fmt: skip
    return s


def _month_start(end: pd.Timestamp, tz: dt.tzinfo, months_back: int) -> pd.Timestamp:
    local = (end.tz_convert(tz).tz_localize(None) - pd.Timedelta(microseconds=1)).normalize()
    first = local.replace(day=1) - pd.DateOffset(months=months_back)
    return first.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def segment_activity(
    sizes: dict[str, int], member_segments: pd.Series, events: pd.DataFrame
) -> pd.DataFrame:
    """Per segment: ``members`` (its size), ``active`` (its members active in ``events``;
    a member counts in their first segment only) and ``share_active``."""
    active = events[events["kind"].isin(metrics.ACTIVE_KINDS).to_numpy(dtype=bool)]
    active_ids = pd.Index(active["member_id"].dropna().unique())
    seg_of_active = member_segments[member_segments.index.isin(active_ids)]
    counts = seg_of_active.value_counts()
    rows = [
        {
            "segment": name,
            "members": size,
            "active": int(counts.get(name, 0)),
            "share_active": counts.get(name, 0) / size if size else float("nan"),
        }
        for name, size in sizes.items()
    ]
    return pd.DataFrame(rows, columns=["segment", "members", "active", "share_active"])


def nps_waves(responses: pd.DataFrame, tz: dt.tzinfo) -> pd.DataFrame:
    """NPS per survey (wave), oldest first: ``survey``, ``label`` (month of its first
    answer, e.g. ``Aug 2026``), ``n``, ``score``, ``ci_low``, ``ci_high``."""
    from commbook.feedback import nps

    columns = ["survey", "label", "n", "score", "ci_low", "ci_high"]
    rows = responses[(responses["survey_kind"] == "nps") & responses["score"].notna()]
    out = []
    for survey, group in rows.groupby("survey", sort=False):
        first = group["submitted_at"].min().tz_convert(tz)
        r = nps(group["score"])
        out.append([survey, f"{first:%b %Y}", r.n, r.score, r.ci_low, r.ci_high, first])
    frame = pd.DataFrame(out, columns=[*columns, "first"])
    return frame.sort_values("first").drop(columns="first").reset_index(drop=True)


def latest_nps(waves: pd.DataFrame) -> dict[str, Any] | None:
    """The latest wave's score with its change against the wave before (for the summary)."""
    if waves.empty:
        return None
    last = waves.iloc[-1]
    delta = f"{last['label']}, {int(last['n']):,} answers"
    if len(waves) > 1:
        before = waves.iloc[-2]
        delta = f"{last['score'] - before['score']:+.0f} pts vs {before['label']}"
    return {"score": float(last["score"]), "label": last["label"], "delta": delta}


def feedback_section(data: ReportData) -> Section:
    """Feedback: NPS trend with intervals, CSAT of the period, comment themes and quotes."""
    from commbook.feedback import csat, themes

    s = Section("feedback", "Feedback")
    s.add(
        blocks.section_title(
            "Feedback",
            "What members told us in surveys over the last twelve months (NPS surveys run "
            "quarterly). Quotes are members' own words, unedited.",
        )
    )
    waves = nps_waves(data.responses, data.tz)
    s.facts["nps_waves"] = waves
    if data.responses.empty:
        s.add(blocks.notice("No survey answers were recorded in the last twelve months."))
        return s
    if len(waves):
        s.add(charts.nps_trend_chart(waves))
        last = waves.iloc[-1]
        s.add(
            blocks.paragraph(
                f"Latest NPS ({last['label']}): {last['score']:+.0f}, 95% interval "
                f"{last['ci_low']:+.0f} to {last['ci_high']:+.0f}, from {int(last['n']):,} "
                "answers. Promoters answer 9–10, detractors 0–6; NPS is the share of "
                "promoters minus the share of detractors."
            )
        )
    in_period = data.responses[metrics_in(data.responses["submitted_at"], data.start, data.end)]
    csat_rows = in_period[(in_period["survey_kind"] == "csat") & in_period["score"].notna()]
    if len(csat_rows):
        c = csat(csat_rows["score"])
        s.facts["csat"] = c.score
        s.add(
            blocks.paragraph(
                f"Support satisfaction (CSAT) in {data.period.title}: {c.score:.0f}% satisfied "
                f"(95% interval {c.ci_low:.0f}–{c.ci_high:.0f}%, {c.n:,} answers)."
            )
        )
    comments = data.responses["comment"].dropna().astype(str)
    comments = comments[comments.str.strip() != ""]
    s.facts["comments"] = len(comments)
    s.add(blocks.subtitle("Themes in comments"))
    if len(comments) < MIN_THEME_TEXTS:
        s.add(
            blocks.paragraph(
                f"Only {len(comments)} comments: too few to find themes reliably."
                if len(comments)
                else "No survey comments in the last twelve months."
            )
        )
        if len(comments):
            s.add(blocks.quotes((t, "Survey comment") for t in comments.head(3)))
        return s
    model = themes(comments, n_themes=5)
    frame = model.to_frame()
    s.facts["themes"] = frame
    s.add(
        blocks.rich_table(
            ["Theme (top words)", "Comments", "Share", "Tone"],
            [
                [r.label, f"{r.size:,}", f"{r.share:.0%}", tone(r.mean_sentiment)]
                for r in frame.itertuples()
            ],
            numeric=(1, 2),
        )
    )
    picks = [(t.quotes[0], f"Theme: {t.label}") for t in model.themes[:3] if t.quotes]
    s.facts["quotes"] = [q for q, _ in picks]
    s.add(blocks.subtitle("In members' words"), blocks.quotes(picks))
    return s


def tone(compound: float) -> str:
    """Mean VADER compound → ``positive`` (≥ 0.05), ``negative`` (≤ −0.05) or ``mixed``."""
    if _nan(compound):
        return "—"
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "mixed"


def weekend_medians(items: pd.DataFrame, tz: dt.tzinfo) -> pd.DataFrame:
    """Median first-response hours per category for items received at weekends vs on
    weekdays (local days in ``tz``): ``category``, ``weekend``, ``weekday``."""
    answered = items["first_response_at"].fillna(items["resolved_at"])
    frame = pd.DataFrame(
        {
            "category": items["category"].astype(object),
            "hours": (answered - items["received_at"]) / pd.Timedelta(hours=1),
            "weekend": items["received_at"].dt.tz_convert(tz).dt.day_of_week >= 5,
        }
    ).dropna(subset=["hours"])
    table = frame.pivot_table(index="category", columns="weekend", values="hours", aggfunc="median")
    table = table.reindex(columns=[True, False])
    table.columns = ["weekend", "weekday"]
    return table.reset_index()


def moderation_and_answers(data: ReportData) -> dict[str, Any]:
    """The period's moderation actions per 1,000 posts (``moderation``: actions,
    ``posts``, ``moderation_rate``, ``by_action``) and who first answered the questions
    asked in it (``answers``: ``workflow.AnswerShare`` over posts of categories
    ``workflow.QUESTION_CATEGORIES``; answerers' roles from ``member_roles``)."""
    act = data.activity
    in_period = metrics_in(act["occurred_at"], data.start, data.end)
    posts = act[in_period & act["kind"].isin(list(POST_KINDS)).to_numpy()]
    actions = data.moderation
    if actions is None:
        actions = pd.DataFrame({"at": pd.to_datetime([], utc=True), "action": []})
    actions = actions[metrics_in(actions["at"], data.start, data.end)]
    conv = data.conversations
    asked = ~(conv["kind"] == "post").to_numpy() | metrics_in(
        conv["occurred_at"], data.start, data.end
    )
    roles = data.member_roles if data.member_roles is not None else data.members
    return {
        "moderation": len(actions),
        "posts": len(posts),
        "moderation_rate": moderation_per_1000_posts(actions, posts),
        "by_action": moderation_by_action(actions),
        "answers": community_answer_share(
            conv[asked], roles, question_categories=QUESTION_CATEGORIES
        ),
    }


def workflow_section(data: ReportData, policy: SLAPolicy | None = None) -> Section:
    """Community workflow: first response against SLA per category, backlog and its age,
    escalations, the closed-loop rate, moderation per 1,000 posts and the share of
    questions the community answered."""
    policy = policy or load_sla()
    s = Section("workflow", "Community workflow")
    s.add(
        blocks.section_title(
            "Community workflow",
            "How fast the team answered members' posts in the triage queue, against the "
            "service-level targets (SLA, normal urgency shown), and what is still open.",
        )
    )
    t = data.triage
    received = t[metrics_in(t["received_at"], data.start, data.end)]
    prev_items = t[metrics_in(t["received_at"], *data.previous)]
    s.facts["received"] = len(received)
    if received.empty and t.empty:
        s.add(blocks.notice(f"No triage items were recorded for {data.period.title}."))
        return s
    times = workflow_response_times(received, data.end, policy)
    before = workflow_response_times(prev_items, data.previous[1], policy)
    resolved = t[metrics_in(t["resolved_at"], data.start, data.end)]
    loop = closed_loop_rate(resolved)
    open_end, open_start = backlog_size(t, data.end), backlog_size(t, data.start)
    escalated = int(received["escalation_level"].notna().sum())
    overall = times[times["category"] == "all"].iloc[0]
    extra = moderation_and_answers(data)
    answers = extra["answers"]
    s.facts.update(**extra)
    s.facts.update(
        times=times,
        previous_times=before,
        within_sla=overall["first_response_within_sla"],
        open_end=open_end,
        open_start=open_start,
        escalated=escalated,
        closed_loop=loop,
        resolved=len(resolved),
        weekend=weekend_medians(received, data.tz),
        backlog=backlog(t, data.end),
    )
    s.add(
        blocks.kpis(
            [
                Kpi("Items received", f"{len(received):,}"),
                Kpi(
                    "First reply within SLA",
                    "—" if _nan(overall["first_response_within_sla"])
                    else f"{overall['first_response_within_sla']:.0%}",
                ),
                Kpi("Open at period end", f"{open_end:,}", f"{open_start:,} at the start"),
                Kpi("Closed loop", "—" if _nan(loop) else f"{loop:.0%}",
                    f"of {len(resolved):,} resolved items"),
                Kpi("Moderation per 1,000 posts",
                    "—" if _nan(extra["moderation_rate"]) else f"{extra['moderation_rate']:.1f}",
                    f"{extra['moderation']:,} actions, {extra['posts']:,} posts"),
                Kpi("Answered by the community",
                    "—" if _nan(answers.community_share) else f"{answers.community_share:.0%}",
                    f"of {answers.answered:,} answered questions"),
            ]
        )
    )  # fmt: skip
    cats = times[times["category"] != "all"].copy()
    cats["target_hours"] = [
        policy.target(c, "normal").first_response / pd.Timedelta(hours=1) for c in cats["category"]
    ]
    if cats["first_response_p90_h"].notna().any():
        s.add(
            charts.response_time_chart(
                cats.rename(columns={"first_response_p90_h": "p90_hours"})[
                    ["category", "p90_hours", "target_hours"]
                ]
            )
        )
    s.add(
        blocks.rich_table(
            ["Category", "Items", "Median first reply", "90% replied within", "Target",
             "Within SLA", "Median resolution"],
            [
                [
                    str(r.category).capitalize(), f"{r.items:,}",
                    "—" if _nan(r.first_response_median_h) else hours(r.first_response_median_h),
                    "—" if _nan(r.first_response_p90_h) else hours(r.first_response_p90_h),
                    hours(r.target_hours),
                    "—" if _nan(r.first_response_within_sla)
                    else f"{r.first_response_within_sla:.0%}",
                    "—" if _nan(r.resolution_median_h) else hours(r.resolution_median_h),
                ]
                for r in cats.itertuples()
            ],
            numeric=(1, 2, 3, 4, 5, 6),
        )
    )  # fmt: skip
    s.add(blocks.subtitle("Backlog at the period's end", "Open items by category and age."))
    table = s.facts["backlog"]
    if open_end:
        columns = list(table.columns)
        s.add(
            blocks.rich_table(
                ["Category", *[("Total" if c == "total" else c) for c in columns]],
                [
                    [str(category).capitalize(), *[f"{int(v):,}" for v in row]]
                    for category, row in zip(table.index, table.to_numpy(), strict=True)
                ],
                numeric=tuple(range(1, len(columns) + 1)),
            )
        )
    else:
        s.add(blocks.paragraph("Nothing was open at the end of the period."))
    if extra["moderation"]:
        s.add(
            blocks.paragraph(
                f"{plural(extra['moderation'], 'moderation action')} in the period: "
                + ", ".join(f"{n} {a}" for a, n in extra["by_action"].items())
                + "."
            )
        )
    if answers.questions:
        s.add(
            blocks.paragraph(
                f"Of {plural(answers.questions, 'question')} asked, {answers.answered:,} got an "
                f"answer: {answers.by_community:,} first from community members, "
                f"{answers.by_staff:,} from staff or moderators."
            )
        )
    if not escalated:
        s.add(blocks.paragraph("No item was escalated in the period."))
    else:
        volume = escalation_volume(received)
        volume = volume[volume["total"] > 0].reset_index()
        s.add(
            blocks.paragraph(
                f"{plural(escalated, 'item')} escalated: "
                + ", ".join(
                    f"{int(r.total)} to {str(r.escalation_level).replace('_', ' ')}"
                    for r in volume.itertuples()
                )
                + "."
            )
        )
    return s


def collect_lessons(
    compared: pd.DataFrame,
    workflow: Section,
    content: Section,
    audience: Section,
    feedback: Section,
    objectives: Sequence[ObjectiveRow],
    policy: SLAPolicy | None = None,
) -> list[Lesson]:
    """Run every rule of ``commbook.reports.lessons`` on what the sections computed;
    problems first, then what went well."""
    policy = policy or load_sla()
    by_key = compared.set_index("metric")
    found: list[Lesson | None] = []
    times = workflow.facts.get("times")
    if times is not None:
        before = workflow.facts["previous_times"].set_index("category")
        weekend = workflow.facts["weekend"].set_index("category")
        for r in times[times["category"] != "all"].itertuples():
            target = policy.target(r.category, "normal").first_response / pd.Timedelta(hours=1)
            found.append(
                lessons.first_response_p90_rule(
                    r.category,
                    r.first_response_p90_h,
                    before["first_response_p90_h"].get(r.category),
                    target,
                    weekend["weekend"].get(r.category),
                    weekend["weekday"].get(r.category),
                )
            )
            found.append(
                lessons.sla_compliance_rule(r.category, r.first_response_within_sla, r.items)
            )
        stale_cols = [c for c in ("7-30d", "30d+") if c in workflow.facts["backlog"].columns]
        stale = int(workflow.facts["backlog"].loc["total", stale_cols].sum()) if stale_cols else 0
        found.append(
            lessons.backlog_rule(workflow.facts["open_end"], workflow.facts["open_start"], stale)
        )
        found.append(
            lessons.closed_loop_rule(workflow.facts["closed_loop"], workflow.facts["resolved"])
        )
    threads = by_key.loc["threads", "current"]
    rate = by_key.loc["unanswered_rate", "current"]
    found.append(lessons.unanswered_rule(None if _nan(rate) else rate / 100, int(threads or 0)))
    found.append(
        lessons.active_members_rule(
            by_key.loc["active_members", "current"], by_key.loc["active_members", "previous"]
        )
    )
    if content.facts.get("recommendations"):
        named = [
            replace(r, best=_type_name(r.best), baseline=_type_name(r.baseline))
            for r in content.facts["recommendations"]
            if r.best and r.baseline
        ]
        found.extend(lessons.content_rules(named))
    ranking = content.facts.get("ranking")
    if ranking is not None and len(ranking):
        named_ranking = ranking.assign(content_type=ranking["content_type"].map(_type_name))
        found.append(lessons.weakest_content_rule(named_ranking))
    found.append(lessons.retention_rule(audience.facts["retention"]))
    waves = feedback.facts.get("nps_waves")
    if waves is not None and len(waves):
        found.append(lessons.nps_rule(waves))
    found.append(lessons.objectives_rule([(r.title, r.status) for r in objectives]))
    kept = [x for x in found if x is not None]
    return sorted(kept, key=lambda x: x.severity != "warning")


def lessons_section(found: Sequence[Lesson], notes: Iterable[tuple[str, str]] = ()) -> Section:
    """Lessons learned and proposed adjustments: the rules' findings, then the team's notes."""
    s = Section("lessons", "Lessons learned and proposed adjustments", facts={"lessons": found})
    s.add(
        blocks.section_title(
            "Lessons learned and proposed adjustments",
            "Findings from fixed rules on this period's numbers, each with the change we "
            "propose and the evidence. Problems come first, then what to keep doing.",
        )
    )
    if found:
        s.add(
            *[
                blocks.lesson(x.area, x.finding, x.adjustment, x.evidence, x.severity == "good")
                for x in found
            ]
        )
    else:
        s.add(blocks.paragraph("No rule found anything that needs a change this period."))
    notes = list(notes)
    s.facts["notes"] = notes
    s.add(blocks.subtitle("Notes from the team"))
    if notes:
        s.add(blocks.quotes((text, author) for author, text in notes))
    else:
        s.add(blocks.paragraph("The team recorded no notes for this period."))
    return s


def calendar_section(data: ReportData) -> Section:
    """Next period's calendar preview: content scheduled in the next period."""
    name = period_name(*data.next, data.tz)
    s = Section("calendar", f"Coming up: {name}")
    s.add(
        blocks.section_title(
            f"Coming up: {name}",
            "Content scheduled in the next period, from the content calendar (cancelled "
            "items left out). Times are local.",
        )
    )
    up = data.upcoming
    s.facts["upcoming"] = len(up)
    if up.empty:
        s.add(blocks.paragraph(f"Nothing is scheduled yet for {name}."))
        return s
    counts = up["content_type"].map(_type_name).value_counts()
    s.add(
        blocks.paragraph(
            f"{plural(len(up), 'item')} planned: "
            + ", ".join(plural(n, t) for t, n in counts.items())
            + "."
        )
    )
    s.add(
        blocks.rich_table(
            ["When", "Title", "Type", "Channel", "Status", "Owner"],
            [
                [
                    f"{r.scheduled_at.tz_convert(data.tz):%a %-d %b, %H:%M}",
                    r.title,
                    _type_name(r.content_type),
                    r.channel or "",
                    r.status,
                    r.owner or "",
                ]
                for r in up.itertuples()
            ],
        )
    )
    return s


def build_report(
    data: ReportData,
    *,
    notes: Iterable[tuple[str, str]] = (),
    policy: SLAPolicy | None = None,
    today: dt.date | None = None,
) -> Report:
    """Compute every section for ``data``. Objectives are judged with
    ``data.objective_values`` (``None`` = no data) on the period's
    last day (or ``today`` if earlier). ``notes``: ``(author, text)`` pairs."""
    objective_values = data.objective_values
    policy = policy or load_sla()
    compared = comparison(data)
    as_of = min(data.period.last_day, today or data.period.last_day)
    values = list(objective_values) or [None] * len(data.objectives)
    objectives = objective_rows(data.objectives, values, as_of)
    engagement = engagement_section(data, compared)
    content = content_section(data)
    audience = audience_section(data)
    feedback = feedback_section(data)
    workflow = workflow_section(data, policy)
    found = collect_lessons(compared, workflow, content, audience, feedback, objectives, policy)
    summary = summary_section(
        data, compared, objectives, latest_nps(feedback.facts["nps_waves"]), found[:3]
    )
    sections = [
        summary,
        engagement,
        content,
        audience,
        feedback,
        workflow,
        lessons_section(found, notes),
        calendar_section(data),
    ]
    return Report({s.key: s for s in sections})


def check_detail(detail: str) -> str:
    """``detail`` if it is ``"summary"`` or ``"full"``, else a ``ValidationError``."""
    if detail not in DETAILS:
        from commbook.errors import ValidationError

        raise ValidationError(f"detail must be 'summary' or 'full', not {detail!r}", field="detail")
    return detail


def scope(data: ReportData, detail: str) -> Any:
    """One line under the title: which channel and members the report covers."""
    check_detail(detail)
    channel = f"channel {data.channel}" if data.channel else "all channels"
    members = f"members of the segment {data.segment}" if data.segment else "all members"
    kind = "executive summary" if detail == "summary" else "full team report"
    return blocks.paragraph(f"Covers {channel} and {members}. This is the {kind}.")


def show(section: Section, detail: str = "full") -> None:
    """Display a section's parts in the notebook; with ``detail="summary"`` only the
    executive summary is shown."""
    from IPython.display import display

    if check_detail(detail) == "summary" and section.key != "summary":
        return
    for part in section.parts:
        display(part)
