"""Activity events, vectorized: threads (posts, replies, reactions, views, shares),
engagement with content items, and joins — one calendar month at a time.

Every event is a row of column arrays (``Batch``); ids are integers until written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commbook.samples.calendar import (
    DAY,
    HOUR,
    WEIGHT_MAX,
    Period,
    activity_weight,
    day_of_week,
    hour_of_day,
    lognormal,
)
from commbook.samples.members import NEWCOMER_DAYS, Members
from commbook.samples.text import BODY_RANGES, TITLE_RANGES, pick

KINDS = np.array(["post", "reply", "comment", "reaction", "share", "view", "join"], dtype=object)
POST, REPLY, COMMENT, REACTION, SHARE, VIEW, JOIN = range(7)
CHANNELS = np.array(["forum", "discord", "newsletter", "social", "events"], dtype=object)
FORUM, DISCORD, NEWSLETTER, SOCIAL, EVENTS = range(5)
CATEGORIES = np.array(
    ["question", "support", "discussion", "feedback", "announcement"], dtype=object
)
QUESTION, SUPPORT, DISCUSSION, FEEDBACK, ANNOUNCEMENT = range(5)

POST_RATE = 0.015  # posts per active member-day at propensity 1 (before seasonality)
MEAN_REPLIES = np.array([2.4, 2.8, 4.0, 2.2, 3.5])  # by category
POST_REACTIONS = np.array([1.0, 0.6, 2.0, 1.4, 4.0])  # by category
FIRST_REPLY_HOURS = (4.5, 0.45)  # forum median at the start, and the share cut by the end
# (kind, content metric column, share of it attributed to members, median delay, sigma)
CONTENT_ENGAGEMENT = [
    (VIEW, "views", 0.08, 6 * HOUR),
    (REACTION, "likes", 0.5, 5 * HOUR),
    (COMMENT, "comments", 0.6, 10 * HOUR),
    (SHARE, "shares", 0.5, 8 * HOUR),
]
COLUMNS = (
    "eid",
    "kind",
    "t",
    "member",
    "channel",
    "thread",
    "parent",
    "content",
    "category",
    "title",
    "body",
    "score",
    "accepted",
)


@dataclass
class Batch:
    """Events as column arrays; -1 means empty."""

    cols: dict[str, np.ndarray]

    @classmethod
    def make(cls, n: int, **values: np.ndarray | int) -> Batch:
        cols = {}
        for name in COLUMNS:
            dtype = bool if name == "accepted" else np.int64
            value = values.get(name, False if name == "accepted" else -1)
            cols[name] = np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()
        return cls(cols)

    @classmethod
    def concat(cls, batches: list[Batch]) -> Batch:
        return cls({c: np.concatenate([b.cols[c] for b in batches]) for c in COLUMNS})

    def take(self, index: np.ndarray) -> Batch:
        return Batch({c: v[index] for c, v in self.cols.items()})

    def __len__(self) -> int:
        return len(self.cols["eid"])


class Ids:
    """Event ids in creation order (deterministic)."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, n: int) -> np.ndarray:
        out = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return out


@dataclass
class TriageSeed:
    """Posts and replies that reach the triage queue."""

    eid: list[np.ndarray] = field(default_factory=list)
    t: list[np.ndarray] = field(default_factory=list)
    member: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    category: list[np.ndarray] = field(default_factory=list)  # index into TRIAGE_CATEGORIES


TRIAGE_CATEGORIES = np.array(["support", "discussion", "feedback", "abuse"], dtype=object)
# chance that a forum post of each category becomes a triage item, and its triage category
TO_TRIAGE = {QUESTION: (0.15, 0), SUPPORT: (0.6, 0), DISCUSSION: (0.04, 1), FEEDBACK: (0.7, 2)}
ABUSE_REPORT_RATE = 0.012  # share of replies reported


@dataclass
class Generator:
    """Holds the state shared by the monthly chunks."""

    rng: np.random.Generator
    members: Members
    period: Period
    k: float  # activity scale (``--events``)
    ids: Ids
    triage: TriageSeed = field(default_factory=TriageSeed)

    def __post_init__(self) -> None:
        m = self.members
        self.cdf_reply = m.sampler(1.0)
        self.cdf_react = m.sampler(0.6)
        self.cdf_view = m.sampler(0.3)
        self.contributions = np.zeros(len(m), dtype=np.int64)

    # -- helpers ---------------------------------------------------------------------------
    def _who(self, cdf: np.ndarray, t: np.ndarray, avoid: np.ndarray | None = None):
        """Members drawn by ``cdf`` who are active at ``t`` (and not ``avoid``); -1 if none."""
        m, rng = self.members, self.rng
        who = m.pick(rng, cdf, len(t))
        for _ in range(2):
            bad = ~m.active_at(who, t)
            if avoid is not None:
                bad |= who == avoid
            if not bad.any():
                break
            who[bad] = m.pick(rng, cdf, int(bad.sum()))
        bad = ~m.active_at(who, t)
        if avoid is not None:
            bad |= who == avoid
        who[bad] = -1
        return who

    # -- threads ---------------------------------------------------------------------------
    def posts(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Thread starters in ``[a, b)``: who and when, by thinning a Poisson process."""
        m, rng = self.members, self.rng
        lo, hi = np.maximum(m.active_from, a), np.minimum(m.active_to, b)
        idx = np.flatnonzero(hi > lo)
        span = (hi - lo)[idx]
        bound = WEIGHT_MAX * 2.0
        count = rng.poisson(POST_RATE * self.k * m.propensity[idx] * span / DAY * bound)
        who = np.repeat(idx, count)
        t = np.repeat(lo[idx], count) + (rng.random(len(who)) * np.repeat(span, count)).astype(
            np.int64
        )
        weight = activity_weight(t, m.tz[who], self.period)
        weight *= np.where(t - m.joined[who] < NEWCOMER_DAYS * DAY, 2.0, 1.0)
        keep = rng.random(len(who)) * bound < weight
        who, t = who[keep], t[keep]
        order = np.argsort(t, kind="stable")
        return who[order], t[order]

    def threads(self, a: int, b: int) -> Batch:
        m, rng, period = self.members, self.rng, self.period
        who, t = self.posts(a, b)
        n = len(t)
        staff = m.role[who] == "staff"
        channel = np.where(staff | (rng.random(n) < 0.7), FORUM, DISCORD)
        cat = rng.choice(4, n, p=[0.36, 0.2, 0.3, 0.14])
        cat = np.where(staff, np.where(rng.random(n) < 0.6, ANNOUNCEMENT, DISCUSSION), cat)
        chat_cat = np.where(rng.random(n) < 0.25, QUESTION, DISCUSSION)
        cat = np.where(channel == DISCORD, chat_cat, cat)
        post_id = self.ids.take(n)

        # Replies: how many, when, where in the tree, by whom.
        mean = MEAN_REPLIES[cat] * np.where(channel == DISCORD, 1.3, 1.0)
        nrep = rng.negative_binomial(1.6, 1.6 / (1.6 + mean))
        r = int(nrep.sum())
        of = np.repeat(np.arange(n), nrep)
        first = np.cumsum(nrep) - nrep
        j = np.arange(r) - first[of]
        local = t + m.tz[who]
        weekend = day_of_week(local) >= 5
        night = (hour_of_day(local) < 7) | (hour_of_day(local) >= 22)
        start_h, cut = FIRST_REPLY_HOURS
        med_first = np.where(
            channel == FORUM, start_h * HOUR * (1 - cut * period.fraction(t)), 12 * 60.0
        )
        med_first *= np.where(weekend, 1.9, 1.0) * np.where(night, 1.4, 1.0)
        med_first *= np.where(cat == SUPPORT, 0.7, 1.0)
        med_gap = np.where(channel == FORUM, 2.5 * HOUR, 6 * 60.0)
        gaps = 30 + np.where(
            j == 0, lognormal(rng, med_first[of], 1.1, r), lognormal(rng, med_gap[of], 1.3, r)
        )
        cs = np.cumsum(gaps)
        rt = t[of] + cs - (cs[first[of]] - gaps[first[of]])
        reply_id = self.ids.take(r)
        nested = (j > 0) & (rng.random(r) < 0.45)
        up = first[of] + (rng.random(r) * j).astype(np.int64)
        parent = np.where(nested, reply_id[up], post_id[of])

        poster = who[of]
        op = (j > 0) & (rng.random(r) < 0.15)
        helps = (j == 0) & np.isin(cat[of], [QUESTION, SUPPORT]) & (rng.random(r) < 0.4)
        author = m.pick(rng, self.cdf_reply, r)
        author = np.where(op, poster, author)
        h = len(m.helpers)
        hpos = rng.integers(0, h, r)
        author = np.where(helps, m.helpers[hpos], author)
        for _ in range(3):
            bad = ~m.active_at(author, rt) | ((author == poster) & ~op)
            if not bad.any():
                break
            author[bad] = m.pick(rng, self.cdf_reply, int(bad.sum()))
        bad = ~m.active_at(author, rt) | ((author == poster) & ~op)
        fallback = m.helpers[hpos]
        fallback = np.where(fallback == poster, m.helpers[(hpos + 1) % h], fallback)
        author = np.where(bad, fallback, author)

        accept = (cat == QUESTION) & (channel == FORUM) & (nrep > 0) & (rng.random(n) < 0.55)
        acc_j = np.where(rng.random(n) < 0.6, 0, (rng.random(n) * nrep).astype(np.int64))
        accepted = np.zeros(r, dtype=bool)
        accepted[(first + acc_j)[accept]] = True
        accepted &= author != poster

        posts = Batch.make(
            n,
            eid=post_id,
            kind=POST,
            t=t,
            member=who,
            channel=channel,
            thread=post_id,
            category=cat,
            title=np.where(channel == FORUM, pick(rng, TITLE_RANGES, CATEGORIES[cat]), -1),
            body=pick(rng, BODY_RANGES, np.where(channel == FORUM, CATEGORIES[cat], "chat")),
        )
        replies = Batch.make(
            r,
            eid=reply_id,
            kind=REPLY,
            t=rt,
            member=author,
            channel=channel[of],
            thread=post_id[of],
            parent=parent,
            accepted=accepted,
            body=pick(rng, BODY_RANGES, np.full(r, "reply", dtype=object)),
        )
        self.contributions += np.bincount(who, minlength=len(m))
        self.contributions += np.bincount(author, minlength=len(m))
        self._seed_triage(posts, replies, cat, poster)

        # Reactions on posts and replies; a forum item's score is its reaction count.
        targets = Batch.concat([posts, replies])
        tcat = np.concatenate([cat, np.full(r, -1)])
        is_post = targets.cols["kind"] == POST
        mean_rx = np.where(is_post, POST_REACTIONS[np.maximum(tcat, 0)], 0.9)
        mean_rx *= np.where(targets.cols["accepted"], 3.0, 1.0)
        mean_rx *= np.where(targets.cols["channel"] == DISCORD, 0.6, 1.0)
        mean_rx *= 0.7 + 0.3 * np.minimum(m.propensity[targets.cols["member"]], 4.0)
        nrx = rng.poisson(mean_rx)
        on = np.repeat(np.arange(len(targets)), nrx)
        rx_t = targets.cols["t"][on] + 20 + lognormal(rng, 4 * HOUR, 1.4, len(on))
        rx_who = self._who(self.cdf_react, rx_t, avoid=targets.cols["member"][on])
        ok = (rx_who >= 0) & (rx_t < period.end)
        on, rx_t, rx_who = on[ok], rx_t[ok], rx_who[ok]
        score = np.bincount(on, minlength=len(targets))
        targets.cols["score"] = np.where(targets.cols["channel"] == FORUM, score, -1)
        reactions = Batch.make(
            len(on),
            eid=self.ids.take(len(on)),
            kind=REACTION,
            t=rx_t,
            member=rx_who,
            channel=targets.cols["channel"][on],
            thread=targets.cols["thread"][on],
            parent=targets.cols["eid"][on],
        )

        # Views (forum threads, some anonymous) and shares.
        forum = np.flatnonzero(channel == FORUM)
        nv = rng.poisson(4.0 + 2.5 * nrep[forum])
        on_v = np.repeat(forum, nv)
        v_t = t[on_v] + 5 + lognormal(rng, 10 * HOUR, 1.6, len(on_v))
        v_who = self._who(self.cdf_view, v_t)
        views = Batch.make(
            len(on_v),
            eid=self.ids.take(len(on_v)),
            kind=VIEW,
            t=v_t,
            member=v_who,
            channel=FORUM,
            thread=post_id[on_v],
        )
        ns = rng.poisson((0.08 + 0.04 * nrep[forum]) * np.where(cat[forum] == ANNOUNCEMENT, 3, 1))
        on_s = np.repeat(forum, ns)
        s_t = t[on_s] + 60 + lognormal(rng, 6 * HOUR, 1.4, len(on_s))
        s_who = self._who(self.cdf_react, s_t)
        keep = s_who >= 0
        on_s, s_t, s_who = on_s[keep], s_t[keep], s_who[keep]
        shares = Batch.make(
            len(on_s),
            eid=self.ids.take(len(on_s)),
            kind=SHARE,
            t=s_t,
            member=s_who,
            channel=FORUM,
            thread=post_id[on_s],
            parent=post_id[on_s],
        )
        return Batch.concat([targets, reactions, views, shares])

    def _seed_triage(self, posts: Batch, replies: Batch, cat: np.ndarray, poster: np.ndarray):
        rng, seed = self.rng, self.triage
        p = posts.cols
        chance = np.zeros(len(posts))
        tcat = np.zeros(len(posts), dtype=np.int64)
        for c, (prob, to) in TO_TRIAGE.items():
            chance[cat == c] = prob
            tcat[cat == c] = to
        chance[p["channel"] != FORUM] = 0.0
        sel = rng.random(len(posts)) < chance
        rep = replies.cols
        reported = rng.random(len(replies)) < ABUSE_REPORT_RATE
        reporter = np.where(rng.random(len(replies)) < 0.5, poster, -1)
        delay = 60 + lognormal(rng, 40 * 60, 1.0, len(replies))
        seed.eid += [p["eid"][sel], rep["eid"][reported]]
        seed.t += [p["t"][sel] + 30, (rep["t"] + delay)[reported]]
        seed.member += [p["member"][sel], reporter[reported]]
        seed.channel += [p["channel"][sel], rep["channel"][reported]]
        seed.category += [tcat[sel], np.full(int(reported.sum()), 3)]

    # -- content engagement and joins ------------------------------------------------------
    def content_events(self, items: dict[str, np.ndarray], a: int, b: int) -> Batch:
        """Member-attributed views, reactions, comments and shares on content published in
        ``[a, b)`` — a share of the counts in content.csv (the rest are non-members)."""
        rng = self.rng
        pub = items["published"]
        sel = np.flatnonzero((pub >= a) & (pub < b))
        batches = []
        for kind, column, share, median in CONTENT_ENGAGEMENT:
            count = rng.binomial(items[column][sel], min(1.0, share * self.k))
            on = np.repeat(sel, count)
            t = pub[on] + 30 + lognormal(rng, median, 1.3, len(on))
            who = self._who(self.cdf_react if kind != VIEW else self.cdf_view, t)
            if kind != VIEW:
                on, t, who = on[who >= 0], t[who >= 0], who[who >= 0]
            body = pick(rng, BODY_RANGES, np.full(len(on), "comment", dtype=object))
            batches.append(
                Batch.make(
                    len(on),
                    eid=self.ids.take(len(on)),
                    kind=kind,
                    t=t,
                    member=who,
                    channel=items["channel"][on],
                    content=on,
                    body=body if kind == COMMENT else -1,
                )
            )
        return Batch.concat(batches)

    def joins(self, a: int, b: int) -> Batch:
        m = self.members
        new = np.flatnonzero((m.joined >= a) & (m.joined < b))
        return Batch.make(
            len(new), eid=self.ids.take(len(new)), kind=JOIN, t=m.joined[new], member=new
        )

    def month(self, items: dict[str, np.ndarray], a: int, b: int) -> Batch:
        return Batch.concat(
            [self.joins(a, b), self.threads(a, b), self.content_events(items, a, b)]
        )
