"""``generate_samples``: the whole fictional community, written as import files."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from commbook.errors import CommbookError
from commbook.samples.activity import (
    CATEGORIES,
    CHANNELS,
    KINDS,
    Batch,
    Generator,
    Ids,
)
from commbook.samples.calendar import Period, iso
from commbook.samples.content import content_rows, make_content
from commbook.samples.feedback import make_feedback, response_rows
from commbook.samples.members import Members, make_members, member_rows
from commbook.samples.planning import SEGMENTS, activity_span, make_objectives, sample_inputs
from commbook.samples.text import BODY_POOL, TITLE_POOL
from commbook.samples.triage import make_triage, triage_rows
from commbook.samples.writer import CsvWriter, open_text, write_csv, write_json, write_records

EVENT_HEADER = [
    "event_id",
    "kind",
    "occurred_at",
    "member_id",
    "channel",
    "thread_id",
    "parent_id",
    "content_id",
    "category",
    "title",
    "body",
    "score",
    "is_accepted",
]
PILOT_MEMBERS = 20_000
PILOT_SCALE = 0.2  # the first pilot runs at a fifth of the natural pace
ACTIVE = np.array([k not in ("view", "join") for k in KINDS])


@dataclass(frozen=True)
class SampleSpec:
    """What to generate. The defaults make the committed set in ``data/samples/``."""

    members: int = 600
    months: int = 12
    seed: int = 2026
    end: dt.date = dt.date(2026, 10, 31)
    events: int | None = None  # approximate number of events; None: the community's own pace
    compress: bool = False  # write events.csv.gz

    def __post_init__(self) -> None:
        if self.members < 20:
            raise CommbookError(f"--members must be at least 20 (got {self.members})")
        if not 1 <= self.months <= 120:
            raise CommbookError(f"--months must be between 1 and 120 (got {self.months})")
        if self.events is not None and self.events < 1000:
            raise CommbookError(f"--events must be at least 1000 (got {self.events})")


@dataclass
class GenerateResult:
    """Rows written per file, total bytes and how long it took."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def bytes(self) -> int:
        return sum(p.stat().st_size for p in self.out.iterdir() if p.name in self.rows)

    def summary(self) -> str:
        files = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return f"wrote {self.out}: {files} rows; {self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s"


def generate_samples(
    out: Path | str, spec: SampleSpec | None = None, progress: Callable[[str], None] | None = None
) -> GenerateResult:
    """Generate the community described by ``spec`` into folder ``out``.

    Deterministic: the same spec gives byte-identical files (with the same numpy version).
    Events are generated a calendar month at a time, so memory stays flat at any size.
    """
    spec = spec or SampleSpec()
    say = progress or (lambda _: None)
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    period = Period.ending(spec.end, spec.months)
    streams = np.random.SeedSequence(spec.seed).spawn(6)
    rngs = [np.random.default_rng(s) for s in streams]
    k = 1.0 if spec.events is None else _calibrate(spec, period, streams)

    members = make_members(rngs[0], spec.members, period)
    items = make_content(rngs[1], members, period)
    gen = Generator(rngs[2], members, period, k, Ids())
    result = GenerateResult(out)
    result.rows["members.csv"] = write_csv(out / "members.csv", member_rows(members))
    result.rows["content.csv"] = write_csv(out / "content.csv", content_rows(items))

    name = "events.csv.gz" if spec.compress else "events.csv"
    (out / ("events.csv" if spec.compress else "events.csv.gz")).unlink(missing_ok=True)
    lo, hi = activity_span(period)
    kept: list[dict[str, np.ndarray]] = []  # the events the objectives' baselines need
    with open_text(out / name) as stream:
        writer = CsvWriter(stream, EVENT_HEADER)
        for batch in _months(gen, items, period):
            t, kind, member = batch.cols["t"], batch.cols["kind"], batch.cols["member"]
            keep = ACTIVE[kind] & (member >= 0) & (t >= lo) & (t < hi)
            kept.append({"t": t[keep], "kind": kind[keep], "member": member[keep]})
            writer.write(_event_rows(batch, members, items))
            say(f"events: {writer.rows:,} rows written")
    result.rows[name] = writer.rows

    triage = make_triage(rngs[3], gen.triage, members, period)
    result.rows["triage.csv"] = write_csv(out / "triage.csv", triage_rows(triage, members.ids))
    surveys, responses = make_feedback(rngs[4], members, period, gen.contributions, triage)
    result.rows["surveys.csv"] = write_records(out / "surveys.csv", surveys)
    result.rows["responses.csv"] = write_csv(
        out / "responses.csv", response_rows(responses, members.ids)
    )
    events = {k: np.concatenate([batch[k] for batch in kept]) for k in ("t", "kind", "member")}
    inputs = sample_inputs(events, triage, responses, surveys)
    owners = [str(x) for x in members.names[members.staff]]
    objectives = make_objectives(period, inputs, owners)
    result.rows["objectives.csv"] = write_records(out / "objectives.csv", objectives)
    result.rows["segments.json"] = write_json(out / "segments.json", SEGMENTS)
    result.seconds = time.perf_counter() - started
    return result


def _months(gen: Generator, items: dict, period: Period):
    """Monthly batches of events in time order; late replies wait for their month."""
    waiting = Batch.make(0)
    for a, b in period.months():
        batch = Batch.concat([waiting, gen.month(items, a, b)])
        t = batch.cols["t"]
        batch = batch.take(np.flatnonzero(t < period.end))
        due = batch.cols["t"] < b
        waiting = batch.take(np.flatnonzero(~due))
        now = batch.take(np.flatnonzero(due))
        yield now.take(np.lexsort((now.cols["eid"], now.cols["t"])))


def _calibrate(spec: SampleSpec, period: Period, streams: list) -> float:
    """Activity scale that gives about ``spec.events`` events.

    Counts the events of a pilot run (no files written) — the real community itself, or
    a 20,000-member one for bigger sets, scaled by members — and corrects the scale
    twice, as a few counts are not quite proportional to it.
    """
    n = min(spec.members, PILOT_MEMBERS)
    pilot = streams if n == spec.members else streams[4].spawn(2)
    members = make_members(np.random.default_rng(pilot[0]), n, period)
    items = make_content(np.random.default_rng(pilot[1]), members, period)
    k = PILOT_SCALE
    for seed in streams[5].spawn(2):
        gen = Generator(np.random.default_rng(seed), members, period, k, Ids())
        counted = sum(len(batch) for batch in _months(gen, items, period)) * spec.members / n
        k *= spec.events / max(counted, 1.0)
    return k


def _ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    return np.where(numbers >= 0, np.strings.add(prefix, numbers.astype("U")), "")


def _event_rows(batch: Batch, members: Members, items: dict) -> dict[str, np.ndarray]:
    c = batch.cols
    member, content, category = c["member"], c["content"], c["category"]
    title, body, score = c["title"], c["body"], c["score"]
    channel = c["channel"]
    return {
        "event_id": _ids("e", c["eid"]),
        "kind": KINDS[c["kind"]],
        "occurred_at": iso(c["t"]),
        "member_id": np.where(member >= 0, members.ids[np.maximum(member, 0)], ""),
        "channel": np.where(channel >= 0, CHANNELS[np.maximum(channel, 0)], ""),
        "thread_id": _ids("e", c["thread"]),
        "parent_id": _ids("e", c["parent"]),
        "content_id": np.where(content >= 0, items["ids"][np.maximum(content, 0)], ""),
        "category": np.where(category >= 0, CATEGORIES[np.maximum(category, 0)], ""),
        "title": np.where(title >= 0, TITLE_POOL[np.maximum(title, 0)], ""),
        "body": np.where(body >= 0, BODY_POOL[np.maximum(body, 0)], ""),
        "score": np.where(score >= 0, score.astype("U"), ""),
        "is_accepted": np.where(c["accepted"], "true", ""),
    }
