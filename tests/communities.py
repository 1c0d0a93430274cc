"""Generated communities for the consistency suite: small, deterministic, of many shapes.

:func:`build` writes a :class:`Shape` as the import files of ``docs/data-formats.md``
(members, events, content, objectives, segments) and loads them into a real SQLite store
through ``commbook.ingest.import_file`` — the path a team's data takes. Every shape is a
few thousand rows, so a community loads in about a second.

What a shape controls: the days the data covers (``first_day`` … ``last_day``: the last
event is on ``last_day``, which is the store's "data ends"), ``today``, the timezone,
months with no event at all, the share of posts and replies without a known author (and
months where no event has one), the content types published (``tie``: the first two types
get exactly the same items, so their engagement is identical) and how many members there
are. Every community also has an audience segment whose rule matches nobody.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from commbook.ingest import import_file
from commbook.store import upgrade

#: The segment whose rule matches no member.
EMPTY_SEGMENT = "Antarctic members"
REGIONS = ("EU", "NA", "APAC")
#: Delays (hours) between a post and a reply; some cross a month's end, the last one
#: falls after the 30-day cut-off of the period the thread started in.
REPLY_DELAYS = (0.5, 1.5, 3, 6, 20, 30, 70, 200, 500, 1000)


@dataclass(frozen=True)
class Shape:
    """One community: see the module docstring."""

    name: str
    first_day: dt.date
    last_day: dt.date
    today: dt.date
    tz: str = "UTC"
    members: int = 40
    posts_per_day: tuple[int, int] = (1, 3)
    reactions_per_day: tuple[int, int] = (2, 6)
    anonymous_share: float = 0.0
    anonymous_months: tuple[str, ...] = ()  # "YYYY-MM": no event has a known author
    empty_months: tuple[str, ...] = ()  # "YYYY-MM": no event, no content at all
    content_types: tuple[str, ...] = ("article", "video", "poll")
    items_per_type_per_month: int = 3
    tie: bool = False
    seed: int = 1
    objectives: tuple[dict[str, object], ...] = field(default=())


@dataclass(frozen=True)
class Community:
    """A loaded shape: its store ``url``, and the rows written (for reference checks)."""

    shape: Shape
    url: str
    members: list[dict[str, str]]
    events: list[dict[str, str]]
    content: list[dict[str, str]]

    @property
    def env(self) -> dict[str, str]:
        """What ``commbook`` reads from the environment for this community."""
        return {
            "COMMBOOK_DATABASE_URL": self.url,
            "COMMBOOK_TODAY": self.shape.today.isoformat(),
            "COMMBOOK_TIMEZONE": self.shape.tz,
        }


def _stamp(day: dt.date, hours: float, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(hours=hours)


def _month(day: dt.date | dt.datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def default_objectives(shape: Shape) -> tuple[dict[str, object], ...]:
    """Objectives on catalog metrics, running across the data's last day."""
    start = max(shape.first_day + dt.timedelta(days=40), shape.last_day - dt.timedelta(days=100))
    due = shape.last_day + dt.timedelta(days=90)
    early_due = start + dt.timedelta(days=30)
    return tuple(
        {"start_date": start, "due_date": due, "owner": "ana", **o}
        for o in (
            {"title": "More active members", "metric": "active_members", "baseline": 10,
             "target": 60, "direction": "increase", "unit": "members"},
            {"title": "Answer more threads", "metric": "answered_rate", "baseline": 50,
             "target": 95, "direction": "increase", "unit": "%"},
            {"title": "Faster first replies", "metric": "median_first_response_hours",
             "baseline": 30, "target": 2, "direction": "decrease", "unit": "hours"},
            {"title": "Grow the community", "metric": "members", "baseline": 20,
             "target": 45, "direction": "increase", "unit": "members"},
            {"title": "Keep the members", "metric": "members", "baseline": 30,
             "target": 30, "direction": "maintain", "unit": "members"},
            {"title": "Early push", "metric": "active_members", "baseline": 5, "target": 200,
             "direction": "increase", "unit": "members", "due_date": early_due},
        )
    )  # fmt: skip


def _members(shape: Shape, rng: random.Random, tz: ZoneInfo) -> list[dict[str, str]]:
    span = (shape.last_day - shape.first_day).days
    rows = []
    for n in range(shape.members):
        if n < shape.members * 0.6:
            joined = _stamp(shape.first_day - dt.timedelta(days=rng.randint(10, 400)), 9, tz)
        else:
            joined = _stamp(shape.first_day + dt.timedelta(days=rng.randint(0, span)), 10, tz)
        left = ""
        if n % 10 == 9:
            leave = joined + dt.timedelta(days=rng.randint(20, 200))
            if leave.date() <= shape.last_day:
                left = leave.isoformat()
        role = "staff" if n in (0, 1) else "moderator" if n == 2 else "member"
        rows.append(
            {
                "member_id": f"m{n}",
                "display_name": f"Member {n}",
                "joined_at": joined.isoformat(),
                "left_at": left,
                "region": REGIONS[n % len(REGIONS)],
                "role": role,
            }
        )
    return rows


def _events(
    shape: Shape, rng: random.Random, tz: ZoneInfo, members: list[dict[str, str]]
) -> list[dict[str, str]]:
    ends = _stamp(shape.last_day + dt.timedelta(days=1), 0, tz)
    joined = [(m["member_id"], dt.datetime.fromisoformat(m["joined_at"])) for m in members]
    left = {m["member_id"]: m["left_at"] for m in members}
    rows: list[dict[str, str]] = []

    def present(at: dt.datetime) -> list[str]:
        return [
            mid
            for mid, since in joined
            if since <= at and (not left[mid] or dt.datetime.fromisoformat(left[mid]) > at)
        ]

    def author(at: dt.datetime, exclude: str = "") -> str:
        if _month(at.astimezone(tz)) in shape.anonymous_months:
            return ""
        if shape.anonymous_share and rng.random() < shape.anonymous_share:
            return ""
        pool = [m for m in present(at) if m != exclude] or [m for m, _ in joined[:3]]
        return rng.choice(pool)

    def add(kind: str, at: dt.datetime, member: str, **extra: str) -> str:
        event_id = f"e{len(rows)}"
        rows.append(
            {"event_id": event_id, "kind": kind, "occurred_at": at.isoformat(),
             "member_id": member, "channel": extra.pop("channel", "forum"), **extra}
        )  # fmt: skip
        return event_id

    for day in _days(shape.first_day, shape.last_day):
        if _month(day) in shape.empty_months:
            continue
        for _ in range(rng.randint(*shape.posts_per_day)):
            at = _stamp(day, rng.uniform(7, 22), tz)
            poster = author(at)
            post = add("post", at, poster, thread_id="", category="question", title="A question")
            rows[-1]["thread_id"] = post
            accepted = False
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                when = at + dt.timedelta(hours=rng.choice(REPLY_DELAYS))
                if when >= ends or _month(when.astimezone(tz)) in shape.empty_months:
                    continue
                is_accepted = not accepted and rng.random() < 0.3
                accepted |= is_accepted
                add(
                    "reply", when, author(when, poster), thread_id=post, parent_id=post,
                    is_accepted="true" if is_accepted else "false",
                )  # fmt: skip
            if rng.random() < 0.3:
                when = at + dt.timedelta(hours=rng.uniform(0.2, 10))
                if when < ends and _month(when.astimezone(tz)) not in shape.empty_months:
                    add("comment", when, author(when), thread_id=post, parent_id=post)
        for _ in range(rng.randint(*shape.reactions_per_day)):
            at = _stamp(day, rng.uniform(6, 23), tz)
            add("reaction", at, author(at), channel=rng.choice(("forum", "chat")))
    # the data ends on last_day: one event on it, whatever the shape
    if _month(shape.last_day) not in shape.empty_months:
        last = _stamp(shape.last_day, 23.5, tz)
        add("reaction", last, author(last))
    return rows


def _content(shape: Shape, rng: random.Random, tz: ZoneInfo) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    months = sorted({_month(d) for d in _days(shape.first_day, shape.last_day)})
    for month in months:
        if month in shape.empty_months:
            continue
        year, number = map(int, month.split("-"))
        days = [d for d in _days(dt.date(year, number, 1), shape.last_day) if _month(d) == month]
        days = [d for d in days if d >= shape.first_day]
        drawn: dict[str, list[tuple[dt.date, int, int, int, int]]] = {}
        for i, kind in enumerate(shape.content_types):
            if shape.tie and i == 1:
                drawn[kind] = drawn[shape.content_types[0]]
                continue
            scale = 1 + i  # later types engage more (a clear ranking without a tie)
            drawn[kind] = [
                (
                    rng.choice(days),
                    reach := rng.randint(300, 1500),
                    int(reach * rng.uniform(0.01, 0.03) * scale),
                    int(reach * rng.uniform(0.0, 0.01) * scale),
                    int(reach * rng.uniform(0.0, 0.005) * scale),
                )
                for _ in range(shape.items_per_type_per_month)
            ]
        for kind, items in drawn.items():
            for day, reach, likes, comments, shares in items:
                rows.append(
                    {
                        "content_id": f"c{len(rows)}",
                        "title": f"{kind} {len(rows)}",
                        "content_type": kind,
                        "channel": "blog",
                        "published_at": _stamp(day, 8, tz).isoformat(),
                        "reach": str(reach),
                        "views": str(reach * 2),
                        "likes": str(likes),
                        "comments": str(comments),
                        "shares": str(shares),
                    }
                )
    return rows


def _write_csv(path: Path, rows: list[dict[str, object]], columns: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


EVENT_FIELDS = ["event_id", "kind", "occurred_at", "member_id", "channel", "thread_id",
                "parent_id", "category", "title", "is_accepted"]  # fmt: skip
CONTENT_FIELDS = ["content_id", "title", "content_type", "channel", "published_at", "reach",
                  "views", "likes", "comments", "shares"]  # fmt: skip
OBJECTIVE_FIELDS = ["title", "metric", "baseline", "target", "direction", "unit",
                    "start_date", "due_date", "owner"]  # fmt: skip


def build(shape: Shape, folder: Path) -> Community:
    """Generate ``shape`` and import it into a new SQLite store in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'commbook.db'}"
    upgrade(url)
    rng = random.Random(f"{shape.name}:{shape.seed}")
    tz = ZoneInfo(shape.tz)
    members = _members(shape, rng, tz)
    events = _events(shape, rng, tz, members)
    content = _content(shape, rng, tz)
    objectives = [
        {**o, "start_date": str(o["start_date"]), "due_date": str(o["due_date"])}
        for o in (shape.objectives or default_objectives(shape))
    ]
    segments = [
        {"name": EMPTY_SEGMENT, "rule": {"regions": ["Antarctica"]}},
        {"name": "Europe", "rule": {"regions": ["EU"]}},
    ]
    files = {
        "members": _write_csv(folder / "members.csv", members, list(members[0])),
        "events": _write_csv(folder / "events.csv", events, EVENT_FIELDS),
        "content": _write_csv(folder / "content.csv", content, CONTENT_FIELDS),
        "objectives": _write_csv(folder / "objectives.csv", objectives, OBJECTIVE_FIELDS),
    }
    (folder / "segments.json").write_text(json.dumps(segments), encoding="utf-8")
    files["segments"] = folder / "segments.json"
    for kind, path in files.items():
        import_file(kind, path, url=url, actor="generator")
    return Community(shape, url, members, events, content)
