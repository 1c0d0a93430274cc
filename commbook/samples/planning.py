"""Objectives measured on the generated data, and the audience segments."""

from __future__ import annotations

import numpy as np

from commbook.samples.calendar import DAY, HOUR, NONE, Period, date_text, day_of_week

SEGMENTS = [
    {
        "name": "Newcomers",
        "description": "Members in their first 90 days: they ask the most basic questions "
        "and churn fastest when nobody answers.",
        "demographics": {"roles": ["member"]},
        "needs": "A fast first answer, clear getting-started docs, a friendly welcome.",
        "preferences": {
            "channels": ["forum", "discord"],
            "content_types": ["article", "video"],
            "times_of_day": ["evening"],
        },
        "behaviours": {"activity_level": "low", "tenure": "0-90 days"},
    },
    {
        "name": "Core contributors",
        "description": "The top 1–2 % of members who write most posts and answers.",
        "demographics": {"roles": ["member", "moderator"]},
        "needs": "Recognition, early access, a say in the roadmap.",
        "preferences": {
            "channels": ["forum", "discord"],
            "content_types": ["ama", "contest", "poll"],
            "times_of_day": ["morning", "evening"],
        },
        "behaviours": {"activity_level": "high", "tenure": "1 year+"},
    },
    {
        "name": "EU makers",
        "description": "Hobbyists in Europe, many of them writing in their own language.",
        "demographics": {
            "regions": ["EU"],
            "languages": ["en", "de", "fr", "es", "it", "nl", "pl", "sv"],
            "age_bands": ["25-34", "35-44"],
        },
        "needs": "Events at European times, local-language docs, EU shipping.",
        "preferences": {
            "channels": ["forum", "events", "newsletter"],
            "content_types": ["event", "article"],
            "times_of_day": ["morning"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "any"},
    },
    {
        "name": "LATAM builders",
        "description": "Spanish and Portuguese speakers in Latin America; hit hardest by "
        "shipping delays.",
        "demographics": {"regions": ["LATAM"], "languages": ["es", "pt-BR"]},
        "needs": "Reliable shipping updates, Spanish/Portuguese content.",
        "preferences": {
            "channels": ["social", "discord"],
            "content_types": ["video", "contest"],
            "times_of_day": ["evening"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "any"},
    },
    {
        "name": "Young tinkerers",
        "description": "Members aged 18–24, mostly students, who discover us on social media.",
        "demographics": {"age_bands": ["18-24"]},
        "needs": "Cheap projects, short videos, contests with prizes.",
        "preferences": {
            "channels": ["social", "discord"],
            "content_types": ["video", "contest", "poll"],
            "times_of_day": ["evening", "night"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "0-1 year"},
    },
]


def weekly_active(codes: np.ndarray, n_members: int) -> np.ndarray:
    """Active members per Monday-based UTC week from unique ``week * n + member`` codes."""
    weeks = np.unique(codes) // n_members
    return np.bincount(weeks)


def week_codes(t: np.ndarray, member: np.ndarray, n_members: int, period: Period) -> np.ndarray:
    """``week * n + member`` for Monday-based weeks counted from the period's first Monday."""
    monday = period.start + ((0 - day_of_week(np.array(period.start))) % 7) * DAY
    week = (t - monday) // (7 * DAY)
    ok = (member >= 0) & (week >= 0)
    return np.unique(week[ok] * n_members + member[ok])


def make_objectives(
    period: Period,
    wau: np.ndarray,
    triage: dict[str, np.ndarray],
    nps_first_wave: np.ndarray,
    owners: list[str],
) -> list[dict[str, str]]:
    """Baselines measured on the first weeks of the generated data; targets ambitious."""
    base_wau = float(np.mean(wau[:4])) if len(wau) else 0.0
    early = (triage["received"] < period.start + 56 * DAY) & (triage["first"] != NONE)
    hours = (triage["first"][early] - triage["received"][early]) / HOUR
    base_frt = round(float(np.median(hours)), 1) if len(hours) else 8.0
    resolved = (triage["received"] < period.start + 56 * DAY) & (triage["resolved"] != NONE)
    loop = float(np.mean(triage["closed_loop"][resolved]) * 100) if resolved.any() else 30.0
    scores = nps_first_wave.astype(float)
    nps = ((scores >= 9).mean() - (scores <= 6).mean()) * 100 if len(scores) else 0.0
    start = period.start_date.isoformat()
    due = date_text(period.end + 61 * DAY)
    owner = (owners * 4)[:4]

    def row(title, description, metric, baseline, target, direction, unit, who):
        return {
            "title": title,
            "description": description,
            "metric": metric,
            "baseline": f"{baseline:g}",
            "target": f"{target:g}",
            "direction": direction,
            "unit": unit,
            "start_date": start,
            "due_date": due,
            "owner": who,
            "status": "active",
        }

    return [
        row(
            "Grow weekly active members",
            "Members who post, reply, comment, react or share in a week (Monday to Sunday).",
            "weekly_active_members",
            round(base_wau),
            max(round(base_wau * 1.5), round(base_wau) + 1),
            "increase",
            "members",
            owner[0],
        ),
        row(
            "Cut median first response time",
            "Median time from a triage item arriving to the team's first response.",
            "median_first_response_hours",
            base_frt,
            round(base_frt * 0.5, 1),
            "decrease",
            "hours",
            owner[1],
        ),
        row(
            "Raise NPS",
            "Net Promoter Score of the quarterly survey.",
            "nps",
            round(nps),
            round(nps) + 15,
            "increase",
            "points",
            owner[2],
        ),
        row(
            "Close the loop on feedback",
            "Share of resolved triage items where the member was told the outcome.",
            "closed_loop_rate",
            round(loop),
            max(80, round(loop) + 10),
            "increase",
            "%",
            owner[3],
        ),
    ]
