"""The content calendar: articles, videos, polls, events, newsletters, AMAs and contests,
with page-insights style metrics that carry deliberate, discoverable effects."""

from __future__ import annotations

import numpy as np

from commbook.samples.activity import CHANNELS, DISCORD, EVENTS, FORUM, NEWSLETTER, SOCIAL
from commbook.samples.calendar import DAY, HOUR, NONE, Period, day_of_week, hour_of_day, iso
from commbook.samples.members import Members
from commbook.samples.text import TOPICS

TYPES = ["article", "video", "poll", "event", "ama", "contest"]
TYPE_WEIGHTS = [0.36, 0.2, 0.16, 0.14, 0.07, 0.07]
TYPE_CHANNELS = {  # channel choices and probabilities per type
    "article": ([FORUM, SOCIAL], [0.5, 0.5]),
    "video": ([SOCIAL], [1.0]),
    "poll": ([SOCIAL, FORUM, DISCORD], [0.5, 0.3, 0.2]),
    "event": ([EVENTS], [1.0]),
    "ama": ([FORUM, DISCORD], [0.6, 0.4]),
    "contest": ([SOCIAL, FORUM], [0.6, 0.4]),
    "newsletter": ([NEWSLETTER], [1.0]),
}
# Per type: views per reach, then likes, comments and shares per view.
RATES = {
    "article": (0.35, 0.08, 0.015, 0.012),
    "video": (0.9, 0.1, 0.02, 0.03),
    "poll": (0.45, 0.06, 0.09, 0.008),
    "event": (0.3, 0.07, 0.02, 0.02),
    "ama": (0.5, 0.09, 0.07, 0.01),
    "contest": (0.5, 0.12, 0.04, 0.06),
    "newsletter": (0.55, 0.02, 0.003, 0.005),
}
# Reach per active member, and how engaged that audience is, per channel.
CHANNEL_REACH = np.array([0.6, 0.45, 0.9, 2.8, 0.5])  # forum, discord, newsletter, social, events
CHANNEL_ENGAGEMENT = np.array([1.3, 1.2, 1.0, 0.7, 1.0])
TUESDAY_MORNING = 1.4  # published Tuesday 08:00–11:59 UTC
WEEKEND = 0.8
TITLES = {
    "article": ["Build guide: {t}", "Five mistakes everyone makes with a {t}", "Inside a {t}"],
    "video": ["Video: assembling a {t}", "Video: {t} teardown", "Video: {t} in 10 minutes"],
    "poll": ["Poll: what should our next {t} project be?", "Poll: your favourite {t} upgrade"],
    "event": ["Build night: {t}", "Workshop: soldering a {t}", "Meetup: {t} show and tell"],
    "ama": ["AMA with the designer of the {t}", "AMA: ask our staff anything about the {t}"],
    "contest": ["Contest: best {t} hack", "Photo contest: your {t} setup"],
}
CAMPAIGNS = ["Winter Repair Month", "Spring Build Challenge", "Summer of Sensors", "Back to Bench"]
FUTURE_STATUSES = ["idea", "draft", "review", "approved", "scheduled", "scheduled"]


def make_content(rng: np.random.Generator, members: Members, period: Period) -> dict:
    """Content items (published in the period, a few cancelled, a few planned after it)."""
    weeks = (period.end - period.start) // (7 * DAY)
    first_thursday = period.start + ((3 - day_of_week(np.array(period.start))) % 7) * DAY
    news_t = first_thursday + np.arange(0, weeks + 1, 2) * 7 * DAY + 15 * HOUR
    news_t = news_t[news_t < period.end]
    per_week = rng.poisson(3.5, weeks)
    week = np.repeat(np.arange(weeks), per_week)
    day = np.where(
        rng.random(len(week)) < 0.85,
        rng.integers(0, 5, len(week)),
        5 + (rng.random(len(week)) < 0.5),
    )
    monday = period.start + ((0 - day_of_week(np.array(period.start))) % 7) * DAY
    other_t = monday + week * 7 * DAY + day * DAY + rng.integers(7, 21, len(week)) * HOUR
    other_t += rng.integers(0, 4, len(week)) * 15 * 60
    other_t = other_t[other_t < period.end]
    kind = np.array(TYPES, dtype=object)[rng.choice(len(TYPES), len(other_t), p=TYPE_WEIGHTS)]
    published = np.concatenate([news_t, other_t])
    ctype = np.concatenate([np.full(len(news_t), "newsletter", dtype=object), kind])
    order = np.argsort(published, kind="stable")
    published, ctype = published[order], ctype[order]
    n_pub = len(published)

    # A few cancelled in the past and a few planned after the period.
    n_cancel, n_future = 3, 8
    cancel_t = np.sort(
        period.start + (rng.random(n_cancel) * (period.end - period.start)).astype(np.int64)
    )
    future_t = np.sort(
        period.end + (rng.random(n_future) * 28 * DAY).astype(np.int64) // HOUR * HOUR
    )
    extra_types = np.array(TYPES, dtype=object)[
        rng.choice(len(TYPES), n_cancel + n_future, p=TYPE_WEIGHTS)
    ]
    ctype = np.concatenate([ctype, extra_types])
    scheduled = np.concatenate([published, cancel_t, future_t])
    published = np.concatenate([published, np.full(n_cancel + n_future, NONE)])
    status = np.array(
        ["published"] * n_pub
        + ["cancelled"] * n_cancel
        + list(rng.choice(FUTURE_STATUSES, n_future)),
        dtype=object,
    )
    n = len(ctype)
    channel = np.array([rng.choice(TYPE_CHANNELS[c][0], p=TYPE_CHANNELS[c][1]) for c in ctype])

    # Metrics with effects: type, channel, Tuesday mornings, weekends, community growth.
    audience = members.active_count(np.where(published == NONE, period.start, published))
    reach = audience * CHANNEL_REACH[channel] * rng.lognormal(0, 0.35, n)
    rates = np.array([RATES[c] for c in ctype])
    boost = (
        CHANNEL_ENGAGEMENT[channel]
        * np.where(
            (day_of_week(published) == 1)
            & (hour_of_day(published) >= 8)
            & (hour_of_day(published) < 12),
            TUESDAY_MORNING,
            1.0,
        )
        * np.where(day_of_week(published) >= 5, WEEKEND, 1.0)
    )
    live = published != NONE
    views = rng.poisson(np.where(live, reach * rates[:, 0] * np.sqrt(boost), 0))
    likes = rng.poisson(views * rates[:, 1] * boost)
    comments = rng.poisson(views * rates[:, 2] * boost)
    shares = rng.poisson(views * rates[:, 3] * boost)
    reach = np.where(live, np.maximum(reach.round(), views), 0).astype(np.int64)
    impressions = (reach * rng.uniform(1.3, 2.2, n)).round().astype(np.int64)

    ids = np.strings.add("c", np.strings.zfill(np.arange(1, n + 1).astype("U"), 4))
    titles = np.empty(n, dtype=object)
    topic = rng.integers(0, len(TOPICS), n)
    variant = rng.integers(0, 3, n)
    issue = np.cumsum(ctype == "newsletter")
    for i, c in enumerate(ctype):
        if c == "newsletter":
            titles[i] = f"Tinkerers Weekly #{issue[i]}"
        else:
            options = TITLES[c]
            titles[i] = options[variant[i] % len(options)].format(t=TOPICS[topic[i]])
    staff_names = members.names[members.staff]
    owner = staff_names[rng.integers(0, len(staff_names), n)]
    quarter = ((scheduled - period.start) * 4 // (period.end - period.start)).clip(0, 3)
    campaign = np.where(rng.random(n) < 0.4, np.array(CAMPAIGNS, dtype=object)[quarter], "")
    path = np.strings.add(np.strings.add(CHANNELS[channel].astype("U"), "/"), ids)
    url = np.where(live, np.strings.add("https://tinkerersguild.example/", path), "")
    return {
        "ids": ids,
        "title": titles,
        "content_type": ctype,
        "channel": channel,
        "owner": owner,
        "status": status,
        "scheduled": scheduled,
        "published": published,
        "campaign": campaign,
        "url": url,
        "reach": reach,
        "impressions": impressions,
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "live": live,
    }


def content_rows(items: dict) -> dict[str, np.ndarray]:
    live = items["live"]

    def metric(name: str) -> np.ndarray:
        return np.where(live, items[name].astype("U"), "")

    return {
        "content_id": items["ids"],
        "title": items["title"],
        "content_type": items["content_type"],
        "channel": CHANNELS[items["channel"]],
        "owner": items["owner"],
        "status": items["status"],
        "scheduled_at": iso(items["scheduled"]),
        "published_at": iso(items["published"]),
        "campaign": items["campaign"],
        "url": items["url"],
        **{k: metric(k) for k in ("reach", "impressions", "views", "likes", "comments", "shares")},
    }
