"""Surveys and responses: quarterly NPS waves, a support CSAT survey and a docs Likert
pulse. Comments are built from phrase templates, so their wording carries the score's
sentiment and the same themes recur; some are answers without content, as in real
exports — placeholders ("-", "n/a", "Did not answer") and, from satisfied members,
"Nothing." / "All good" answers to the survey's comment question."""

from __future__ import annotations

import numpy as np

from commbook.samples.calendar import DAY, HOUR, NONE, Period, iso, iso_one, lognormal
from commbook.samples.members import Members

THEMES = ["docs", "events", "moderation", "search", "mobile", "shipping", "help"]
POSITIVE = {
    "docs": ["The getting-started docs are excellent and got me building in an afternoon.",
             "Great onboarding, the beginner guides are clear and helpful."],
    "events": ["I love the monthly build nights, fantastic way to meet people.",
               "The workshops are great fun and I always learn something."],
    "moderation": ["Moderators are friendly and keep the tone welcoming.",
                   "Great moderation, people are kind to beginners here."],
    "search": ["Search finally works great, I find old threads easily."],
    "mobile": ["The mobile app is great for reading threads on the go."],
    "shipping": ["Kits arrived quickly and well packed, great job."],
    "help": ["People here are so helpful, my questions get answered fast.",
             "I love how helpful and generous the members are."],
}  # fmt: skip
NEGATIVE = {
    "docs": ["Onboarding is confusing and the docs are out of date for the new boards.",
             "The docs are confusing for beginners, I got stuck on setup."],
    "events": ["Events are always at times that are impossible for my timezone, frustrating."],
    "moderation": ["Some moderators are rude and threads get closed without explanation.",
                   "The moderation tone feels harsh and unwelcoming lately."],
    "search": ["Search is broken, I can never find the thread I need.",
               "Finding anything is frustrating, search returns irrelevant posts."],
    "mobile": ["The mobile app is slow and crashes when I open long threads.",
               "Mobile app is buggy and notifications are broken."],
    "shipping": ["Shipping delays are terrible, my kit took two months to arrive.",
                 "Disappointed with shipping delays and no updates on my order."],
    "help": ["My questions sit unanswered for days, disappointing."],
}  # fmt: skip
OPENERS = {
    "positive": ["Love this community!", "Great place to learn.", "Keep it up!", ""],
    "passive": ["It's okay overall.", "Mostly fine.", "Decent community.", ""],
    "negative": ["Honestly disappointed lately.", "Frustrating experience.", "Not great.", ""],
}
CSAT_COMMENTS = {
    "positive": ["Quick and friendly answer, thank you!", "Great support, solved in minutes.",
                 "Very helpful staff, problem fixed."],
    "passive": ["Got an answer eventually.", "Fine, but it took a while."],
    "negative": ["Took days to get a reply and the issue is still not fixed.",
                 "Slow and frustrating, I had to ask three times."],
}  # fmt: skip
NPS_QUESTION = "How likely are you to recommend the Tinkerers Guild to a friend or colleague?"
CSAT_QUESTION = "How satisfied are you with the help you got from the team?"
LIKERT_QUESTION = "The documentation helps me finish my projects."
NPS_COMMENT = "What is the main reason for your score?"
CSAT_COMMENT = "Is there anything we could have done better?"
LIKERT_COMMENT = "What is missing from the documentation?"
# Answers without content, as real comment boxes collect them.
PLACEHOLDERS = ["-", "n/a", "N/A", ".", "Did not answer", "no comment", "?"]
NOTHING = [
    "Nothing.",
    "No",
    "Nothing really",
    "Not really",
    "nope",
    "Nothing, all good.",
    "No complaints.",
    "Nothing to add, thanks!",
]
ALL_GOOD = ["All good, keep it up!", "No complaints.", "Keep up the good work."]
P_PLACEHOLDER = 0.07
"""Share of comments that are placeholders, on every survey."""
REGION_SHIFT = {"LATAM": -1.0, "APAC": -0.6}  # shipping delays hurt scores there


def _sentiment(score: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.where(score >= high, "positive", np.where(score <= low, "negative", "passive"))


def _comment(rng: np.random.Generator, mood: str, themes: list[str]) -> str:
    """An opener, one theme sentence in the mood, and for passives a 'but' clause."""
    opener = OPENERS[mood][rng.integers(0, len(OPENERS[mood]))]
    if mood == "passive":
        good, bad = POSITIVE[themes[0]], NEGATIVE[themes[-1]]
        first = good[rng.integers(0, len(good))].rstrip(".!")
        second = bad[rng.integers(0, len(bad))]
        body = f"{first}, but {second[0].lower()}{second[1:]}"
    else:
        pool = POSITIVE if mood == "positive" else NEGATIVE
        body = " ".join(pool[x][rng.integers(0, len(pool[x]))] for x in themes)
    return f"{opener} {body}".strip()


def _empty(
    rng: np.random.Generator,
    comments: list[str],
    moods: np.ndarray,
    p_nothing: float,
    pool: list[str],
) -> list[str]:
    """Some comments become answers without content: a placeholder (any mood) or, for a
    positive mood, a "nothing" / "all good" answer from ``pool`` (with ``p_nothing``)."""
    draw = rng.random((len(comments), 2))
    out = []
    for (u, v), text, mood in zip(draw, comments, moods, strict=True):
        if text and u < P_PLACEHOLDER:
            text = PLACEHOLDERS[int(v * len(PLACEHOLDERS))]
        elif text and mood == "positive" and u < P_PLACEHOLDER + p_nothing:
            text = pool[int(v * len(pool))]
        out.append(text)
    return out


def _themes(rng: np.random.Generator, mood: str, region: str, newcomer: bool) -> list[str]:
    if mood == "positive":
        p = np.array([0.2, 0.25, 0.15, 0.05, 0.05, 0.0, 0.3])
    else:
        p = np.array([0.15, 0.05, 0.15, 0.2, 0.2, 0.12, 0.13])
        if region in REGION_SHIFT:
            p[5] += 0.35
        if newcomer:
            p[0] += 0.3
    p = p / p.sum()
    k = 2 if rng.random() < 0.3 else 1
    first = rng.choice(len(THEMES), p=p)
    themes = [THEMES[first]]
    if k == 2 or mood == "passive":
        others = p.copy()
        others[first] = 0.0
        themes.append(THEMES[rng.choice(len(THEMES), p=others / others.sum())])
    return themes


def make_feedback(
    rng: np.random.Generator,
    members: Members,
    period: Period,
    contributions: np.ndarray,
    triage: dict[str, np.ndarray],
) -> tuple[list[dict[str, str]], dict[str, np.ndarray]]:
    """(survey rows, response columns)."""
    m = members
    n = len(m)
    engaged = np.argsort(np.argsort(contributions + m.propensity * 1e-9)) / max(n - 1, 1)
    surveys: list[dict[str, str]] = []
    responses: dict[str, list] = {
        k: [] for k in ("id", "survey", "t", "member", "score", "comment")
    }

    def add(survey_id: str, t, who, score, comments) -> None:
        order = np.lexsort((who, t))
        for i, j in enumerate(order.tolist()):
            responses["id"].append(f"{survey_id}-{i + 1:05d}")
            responses["survey"].append(survey_id)
            responses["t"].append(int(t[j]))
            responses["member"].append(int(who[j]))
            responses["score"].append(str(int(score[j])))
            responses["comment"].append(comments[j])

    def eligible(at: int) -> np.ndarray:
        return np.flatnonzero((m.joined <= at) & ((m.left == NONE) | (m.left > at)))

    # Quarterly NPS: scores rise wave by wave; engaged members score higher.
    wave_open = period.start + 14 * DAY + 9 * HOUR
    wave = 0
    while wave_open + 14 * DAY < period.end:
        wave += 1
        sid, closes = f"nps{wave}", wave_open + 14 * DAY
        pool = eligible(wave_open)
        who = pool[rng.random(len(pool)) < 0.08 + 0.3 * engaged[pool]]
        t = wave_open + np.minimum(lognormal(rng, 1.5 * DAY, 1.0, len(who)), 14 * DAY - 60)
        newcomer = (wave_open - m.joined[who]) < 90 * DAY
        shift = np.array([REGION_SHIFT.get(r, 0.0) for r in m.region[who]])
        latent = 7.2 + 2.4 * (engaged[who] - 0.5) + 0.45 * (wave - 1) + shift - 0.4 * newcomer
        score = np.clip(np.round(latent + rng.normal(0, 1.7, len(who))), 0, 10)
        mood = _sentiment(score, 6, 9)
        wants = rng.random(len(who)) < np.where(mood == "negative", 0.75, 0.5)
        comments = [
            _comment(rng, md, _themes(rng, md, m.region[w], nc)) if c else ""
            for md, w, nc, c in zip(mood, who.tolist(), newcomer, wants, strict=True)
        ]
        comments = _empty(rng, comments, mood, 0.08, ALL_GOOD)
        surveys.append(
            {
                "survey_id": sid,
                "name": f"Quarterly NPS {iso_one(wave_open)[:7]}",
                "kind": "nps",
                "question": NPS_QUESTION,
                "comment_question": NPS_COMMENT,
                "scale_min": "0",
                "scale_max": "10",
                "sent_count": str(len(pool)),
                "opened_at": iso_one(wave_open),
                "closed_at": iso_one(closes),
            }
        )
        add(sid, t, who, score, comments)
        wave_open += 91 * DAY

    # Support CSAT after each resolved support item: faster resolution, happier member.
    done = np.flatnonzero(
        (triage["category"] == 0) & (triage["resolved"] != NONE) & (triage["member"] >= 0)
    )
    t = triage["resolved"][done] + 300 + lognormal(rng, 3 * HOUR, 1.0, len(done))
    answered = (rng.random(len(done)) < 0.4) & (t < period.end)
    pick, t = done[answered], t[answered]
    hours = (triage["resolved"][pick] - triage["received"][pick]) / HOUR
    score = np.clip(np.round(5.3 - 0.5 * np.log1p(hours / 2) + rng.normal(0, 0.6, len(pick))), 1, 5)
    mood = _sentiment(score, 2, 4)
    comments = [
        CSAT_COMMENTS[md][rng.integers(0, len(CSAT_COMMENTS[md]))] if rng.random() < 0.5 else ""
        for md in mood
    ]
    comments = _empty(rng, comments, mood, 0.35, NOTHING)
    surveys.append(
        {
            "survey_id": "csat",
            "name": "Support CSAT",
            "kind": "csat",
            "question": CSAT_QUESTION,
            "comment_question": CSAT_COMMENT,
            "scale_min": "1",
            "scale_max": "5",
            "sent_count": str(len(done)),
            "opened_at": iso_one(period.start),
            "closed_at": iso_one(period.end - 1),
        }
    )
    add("csat", t, triage["member"][pick], score, comments)

    # A docs Likert pulse in the middle of the period: newcomers struggle with the docs.
    opened = period.start + (period.end - period.start) // 2 // DAY * DAY + 10 * HOUR
    pool = eligible(opened)
    who = pool[rng.random(len(pool)) < 0.06 + 0.15 * engaged[pool]]
    t = opened + np.minimum(lognormal(rng, DAY, 1.0, len(who)), 10 * DAY - 60)
    newcomer = (opened - m.joined[who]) < 90 * DAY
    latent = 3.5 + 0.9 * (engaged[who] - 0.5) - 0.8 * newcomer
    score = np.clip(np.round(latent + rng.normal(0, 0.9, len(who))), 1, 5)
    mood = _sentiment(score, 2, 4)
    comments = [_comment(rng, md, ["docs"]) if rng.random() < 0.35 else "" for md in mood]
    comments = _empty(rng, comments, mood, 0.3, NOTHING[:4])
    surveys.append(
        {
            "survey_id": "docs-pulse",
            "name": "Docs pulse",
            "kind": "likert",
            "question": LIKERT_QUESTION,
            "comment_question": LIKERT_COMMENT,
            "scale_min": "1",
            "scale_max": "5",
            "sent_count": str(len(pool)),
            "opened_at": iso_one(opened),
            "closed_at": iso_one(opened + 10 * DAY),
        }
    )
    add("docs-pulse", t, who, score, comments)
    return surveys, {k: np.array(v, dtype=object) for k, v in responses.items()}


def response_rows(r: dict[str, np.ndarray], member_ids: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "response_id": r["id"],
        "survey_id": r["survey"],
        "submitted_at": iso(r["t"].astype(np.int64)),
        "member_id": member_ids[r["member"].astype(np.int64)],
        "score": r["score"],
        "comment": r["comment"],
    }
