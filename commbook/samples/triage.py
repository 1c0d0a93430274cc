"""Triage items from flagged posts and reported replies, with response and resolution
times that depend on urgency, weekends and a team that gets faster over the year."""

from __future__ import annotations

import numpy as np

from commbook.samples.activity import CHANNELS, TRIAGE_CATEGORIES, TriageSeed
from commbook.samples.calendar import DAY, HOUR, NONE, Period, day_of_week, iso, lognormal
from commbook.samples.members import Members
from commbook.samples.text import TOPICS

URGENCIES = np.array(["low", "normal", "high", "critical"], dtype=object)
URGENCY_P = np.array([  # by category: support, discussion, feedback, abuse
    [0.2, 0.55, 0.2, 0.05], [0.6, 0.4, 0.0, 0.0], [0.45, 0.5, 0.05, 0.0], [0.0, 0.35, 0.45, 0.2],
])  # fmt: skip
FIRST_RESPONSE_HOURS = np.array([20.0, 6.0, 1.5, 0.4])  # median by urgency, at the start
RESOLVE_HOURS = np.array([20.0, 36.0, 120.0, 3.0])  # median after first response, by category
URGENCY_SPEED = np.array([1.5, 1.0, 0.6, 0.3])
ESCALATION = {  # category: (chance, levels, probabilities)
    0: (0.06, ["team_lead", "security"], [0.6, 0.4]),
    1: (0.02, ["team_lead"], [1.0]),
    2: (0.02, ["team_lead"], [1.0]),
    3: (0.25, ["legal", "security", "pr"], [0.3, 0.3, 0.4]),
}
SUMMARIES = [
    ["Kit missing parts: {t}", "Firmware flashing fails on the {t}", "Order delayed: {t}",
     "Refund request for a faulty {t}", "Can't log in after buying a {t}"],
    ["Heated {t} thread needs a moderator look", "Off-topic drift in a {t} thread",
     "Duplicate {t} threads to merge"],
    ["Feature request: a {t} wiki page", "Bug: mobile app crashes on {t} posts",
     "Search misses {t} threads", "Docs for the {t} are outdated"],
    ["Spam link in a {t} thread", "Rude reply reported in a {t} thread",
     "Possible scam offer for a {t}"],
]  # fmt: skip


def make_triage(
    rng: np.random.Generator, seed: TriageSeed, members: Members, period: Period
) -> dict[str, np.ndarray]:
    """One row per triage item, statuses consistent with the timestamps at the period end."""
    received = np.concatenate(seed.t) if seed.t else np.zeros(0, np.int64)
    cols = {
        "received": received,
        "event": np.concatenate(seed.eid) if seed.eid else received,
        "member": np.concatenate(seed.member) if seed.member else received,
        "channel": np.concatenate(seed.channel) if seed.channel else received,
        "category": np.concatenate(seed.category) if seed.category else received,
    }
    keep = np.flatnonzero(received < period.end)
    keep = keep[np.lexsort((cols["event"][keep], received[keep]))]
    c = {k: v[keep] for k, v in cols.items()}
    n, cat, t = len(keep), c["category"], c["received"]

    u = rng.random(n)
    urgency = (u[:, None] > np.cumsum(URGENCY_P[cat], axis=1)).sum(axis=1).clip(0, 3)
    speedup = 1 - 0.45 * period.fraction(t)
    weekend = np.where(day_of_week(t) >= 5, 1.7, 1.0)
    first = (
        t + 60 + lognormal(rng, FIRST_RESPONSE_HOURS[urgency] * HOUR * speedup * weekend, 0.9, n)
    )
    never = rng.random(n) < 0.03
    level = np.full(n, "", dtype=object)
    for k, (chance, levels, p) in ESCALATION.items():
        mask = (cat == k) & (rng.random(n) < chance * np.where(urgency >= 2, 2.0, 1.0))
        level[mask] = rng.choice(levels, int(mask.sum()), p=p)
    escalated = level != ""
    resolve_med = RESOLVE_HOURS[cat] * URGENCY_SPEED[urgency] * np.where(escalated, 2.5, 1.0)
    resolved = first + 60 + lognormal(rng, resolve_med * HOUR, 1.0, n)
    closed_loop = rng.random(n) < 0.35 + 0.45 * period.fraction(t)

    first = np.where(never | (first >= period.end), NONE, first)
    resolved = np.where((first == NONE) | (resolved >= period.end), NONE, resolved)
    open_status = np.where(rng.random(n) < 0.6, "in_progress", "waiting_on_member")
    status = np.where(
        first == NONE,
        np.where(period.end - t < 2 * DAY, "new", "triaged"),
        np.where(
            resolved == NONE,
            np.where(escalated, "escalated", open_status),
            np.where(closed_loop, "closed", "resolved"),
        ),
    ).astype(object)
    closed_loop &= resolved != NONE
    helpers = members.names[members.helpers]
    owner = np.where(status == "new", "", helpers[rng.integers(0, len(helpers), n)])
    topic = rng.integers(0, len(TOPICS), n)
    variant = rng.integers(0, 5, n)
    summary = np.array(
        [
            SUMMARIES[k][v % len(SUMMARIES[k])].format(t=TOPICS[x])
            for k, v, x in zip(cat.tolist(), variant.tolist(), topic.tolist(), strict=True)
        ],
        dtype=object,
    )
    width = max(5, len(str(n)))
    return {
        "ids": np.strings.add("t", np.strings.zfill(np.arange(1, n + 1).astype("U"), width)),
        "received": t,
        "category": cat,
        "urgency": urgency,
        "status": status,
        "channel": c["channel"],
        "member": c["member"],
        "event": c["event"],
        "owner": owner,
        "summary": summary,
        "first": first,
        "resolved": resolved,
        "level": level,
        "closed_loop": closed_loop,
    }


def triage_rows(items: dict[str, np.ndarray], member_ids: np.ndarray) -> dict[str, np.ndarray]:
    member = items["member"]
    return {
        "triage_id": items["ids"],
        "received_at": iso(items["received"]),
        "category": TRIAGE_CATEGORIES[items["category"]],
        "urgency": URGENCIES[items["urgency"]],
        "status": items["status"],
        "channel": CHANNELS[items["channel"]],
        "member_id": np.where(member >= 0, member_ids[np.maximum(member, 0)], ""),
        "event_id": np.strings.add("e", items["event"].astype("U")),
        "owner": items["owner"],
        "summary": items["summary"],
        "first_response_at": iso(items["first"]),
        "resolved_at": iso(items["resolved"]),
        "escalation_level": items["level"],
        "closed_loop": np.where(items["closed_loop"], "true", "false"),
    }
