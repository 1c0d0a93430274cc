"""Service-level targets per category × urgency, and where each triage item stands.

Targets come from ``config/sla.yml`` (durations such as ``30m``, ``4h``, ``2d``, ``1d12h``,
``1w``); anything the file leaves out falls back to :data:`BUILTIN_TARGETS`. A category
without its own targets uses the per-urgency ``defaults``.

SLA clocks run on **wall-clock time** from ``received_at``: nights, weekends and holidays
count, and the clock does not pause while an item waits on the member. Formulas:
``docs/triage.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, TIMESTAMP, require
from commbook.triage._config import default_path, read_yaml
from commbook.triage.model import CATEGORIES, DEFAULT_URGENCY, URGENCIES

SLA_FILE = "sla.yml"
CLOCKS = ("first_response", "resolution")
#: An open clock is "breach soon" when less than this share of its target is left.
DEFAULT_BREACH_SOON = 0.25

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_UNITS = ("W", "D", "h", "min")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def parse_duration(text: str, field: str = "duration") -> pd.Timedelta:
    """``"30m"``, ``"4h"``, ``"2d"``, ``"1w"`` or combinations (``"1d12h"``) → Timedelta."""
    cleaned = str(text).replace(" ", "").lower()
    match = _DURATION.match(cleaned)
    if not cleaned or match is None or not any(match.groups()):
        raise ValidationError(
            f"{text!r} is not a duration; write e.g. 30m, 4h, 2d, 1w or 1d12h", field=field
        )
    total = sum(
        (pd.Timedelta(int(v), unit=u) for v, u in zip(match.groups(), _UNITS, strict=True) if v),
        pd.Timedelta(0),
    )
    if total <= pd.Timedelta(0):
        raise ValidationError(f"{text!r}: a target must be longer than zero", field=field)
    return total


def format_duration(delta: pd.Timedelta) -> str:
    """A Timedelta as the config syntax (``pd.Timedelta(hours=36)`` → ``"1d12h"``)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    text = "".join(f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (mins, "m")) if v)
    return text or "0m"


@dataclass(frozen=True)
class Target:
    """How long the team has to respond to and to resolve an item."""

    first_response: pd.Timedelta
    resolution: pd.Timedelta


def _t(first: str, resolution: str) -> Target:
    return Target(parse_duration(first), parse_duration(resolution))


#: Used for anything ``config/sla.yml`` does not set.
BUILTIN_TARGETS: Mapping[str, Target] = {
    "critical": _t("1h", "8h"),
    "high": _t("4h", "1d"),
    "normal": _t("1d", "3d"),
    "low": _t("2d", "7d"),
}


@dataclass(frozen=True)
class SLAPolicy:
    """Targets by urgency (``defaults``) with per-category overrides."""

    defaults: Mapping[str, Target]
    categories: Mapping[str, Mapping[str, Target]]
    breach_soon: float = DEFAULT_BREACH_SOON

    def target(self, category: str, urgency: str | None) -> Target:
        """The target for an item; a missing urgency means ``normal``."""
        urgency = urgency or DEFAULT_URGENCY
        if urgency not in URGENCIES:
            raise ValidationError(
                f"unknown urgency {urgency!r}; expected one of {', '.join(URGENCIES)}",
                field="urgency",
            )
        return self.categories.get(category, {}).get(urgency) or self.defaults[urgency]

    def table(self) -> pd.DataFrame:
        """Every category × urgency with its targets (built-in and configured categories)."""
        names = list(dict.fromkeys([*CATEGORIES, *self.categories]))
        rows = [
            {
                "category": c,
                "urgency": u,
                "first_response": self.target(c, u).first_response,
                "resolution": self.target(c, u).resolution,
            }
            for c in names
            for u in URGENCIES
        ]
        return pd.DataFrame(rows)


def _targets(block: Any, base: Mapping[str, Target], where: str, source: str | None) -> dict:
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ValidationError(f"{where}: expected a mapping of urgency → targets", file=source)
    result: dict[str, Target] = {}
    for urgency, spec in block.items():
        field = f"{where}.{urgency}"
        if urgency not in URGENCIES:
            raise ValidationError(
                f"{field}: unknown urgency {urgency!r}; expected one of {', '.join(URGENCIES)}",
                file=source,
                field=field,
            )
        if not isinstance(spec, dict) or not spec or set(spec) - set(CLOCKS):
            raise ValidationError(
                f"{field}: expected first_response and/or resolution, e.g. "
                "{first_response: 4h, resolution: 2d}",
                file=source,
                field=field,
            )
        values = {}
        for clock in CLOCKS:
            if clock in spec:
                try:
                    values[clock] = parse_duration(spec[clock], field=f"{field}.{clock}")
                except ValidationError as exc:
                    raise ValidationError(
                        f"{field}.{clock}: {exc.reason}", file=source, field=f"{field}.{clock}"
                    ) from None
            else:
                values[clock] = getattr(base[urgency], clock)
        if values["first_response"] > values["resolution"]:
            raise ValidationError(
                f"{field}: first_response ({format_duration(values['first_response'])}) is "
                f"longer than resolution ({format_duration(values['resolution'])})",
                file=source,
                field=field,
            )
        result[urgency] = Target(**values)
    return result


def parse_sla(data: Any, source: str | None = None) -> SLAPolicy:
    """Validate SLA settings read from YAML (``None`` or ``{}`` → the built-in targets)."""
    data = data or {}
    if not isinstance(data, dict):
        raise ValidationError("expected a mapping at the top of the SLA file", file=source)
    unknown = set(data) - {"version", "breach_soon", "defaults", "categories"}
    if unknown:
        raise ValidationError(
            f"unknown setting(s) {', '.join(sorted(map(str, unknown)))}; expected version, "
            "breach_soon, defaults, categories",
            file=source,
            field=sorted(map(str, unknown))[0],
        )
    soon = data.get("breach_soon", DEFAULT_BREACH_SOON)
    if isinstance(soon, bool) or not isinstance(soon, int | float) or not 0 < soon < 1:
        raise ValidationError(
            f"breach_soon must be a fraction between 0 and 1 (e.g. 0.25), got {soon!r}",
            file=source,
            field="breach_soon",
        )
    defaults = {**BUILTIN_TARGETS, **_targets(data.get("defaults"), BUILTIN_TARGETS, "defaults",
                                              source)}  # fmt: skip
    per_category: dict[str, dict[str, Target]] = {}
    block = data.get("categories") or {}
    if not isinstance(block, dict):
        raise ValidationError("categories: expected a mapping", file=source, field="categories")
    for name, spec in block.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationError(
                f"categories: {name!r} is not a category name", file=source, field="categories"
            )
        per_category[name] = _targets(spec, defaults, f"categories.{name}", source)
    return SLAPolicy(defaults=defaults, categories=per_category, breach_soon=float(soon))


def load_sla(path: str | Path | None = None) -> SLAPolicy:
    """Read and validate ``config/sla.yml`` (or ``path``)."""
    target = Path(path) if path is not None else default_path(SLA_FILE)
    return parse_sla(read_yaml(target), source=str(target))


# --- where items stand ----------------------------------------------------------------

ITEMS = {"category": ANY, "urgency": ANY, "received_at": TIMESTAMP}


def _now(now: pd.Timestamp | str | Any) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(now)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"now: not a timestamp: {now!r}", field="now") from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts


def _optional_time(items: pd.DataFrame, column: str) -> pd.Series:
    if column not in items.columns:
        return pd.Series(pd.NaT, index=items.index, dtype="datetime64[ns, UTC]")
    require(items, {column: TIMESTAMP}, name="items")
    series = items[column]
    if not isinstance(series.dtype, pd.DatetimeTZDtype):  # empty and untyped
        series = pd.to_datetime(series, utc=True)
    return series


def item_targets(items: pd.DataFrame, policy: SLAPolicy) -> pd.DataFrame:
    """``first_response_target`` and ``resolution_target`` (Timedelta) for each item."""
    require(items, {"category": ANY, "urgency": ANY}, name="items")
    urgency = items["urgency"].astype(object).where(items["urgency"].notna(), DEFAULT_URGENCY)
    bad = ~urgency.isin(URGENCIES)
    if bad.any():
        where = bad[bad].index[0]
        raise ValidationError(
            f"items: unknown urgency {urgency[where]!r} at index {where!r}; expected one of "
            f"{', '.join(URGENCIES)}",
            field="urgency",
        )
    keys = pd.MultiIndex.from_arrays([items["category"].astype(object), urgency])
    lookup = {key: policy.target(*key) for key in keys.unique()}
    targets = [lookup[key] for key in keys]
    return pd.DataFrame(
        {
            "first_response_target": pd.to_timedelta([t.first_response for t in targets]),
            "resolution_target": pd.to_timedelta([t.resolution for t in targets]),
        },
        index=items.index,
    )


def sla_status(
    items: pd.DataFrame, now: pd.Timestamp | str, policy: SLAPolicy | None = None
) -> pd.DataFrame:
    """Due times and breach flags for each item at ``now`` (naive ``now`` is UTC).

    ``items`` columns: ``category``, ``urgency`` (missing → normal), ``received_at``
    (aware timestamps) and, when known, ``first_response_at`` and ``resolved_at``. An item
    resolved without a recorded first response counts as answered when it was resolved.

    For each clock (``first_response``, ``resolution``) the result has, on the same index:
    ``<clock>_target``, ``<clock>_due`` (received_at + target), ``<clock>_done`` (the
    clock stopped), ``<clock>_breached`` (stopped after the due time, or still running
    past it), ``<clock>_remaining`` (due − now while running, NaT once stopped; negative
    when overdue) and ``<clock>_breach_soon`` (running, not breached, less than
    ``policy.breach_soon`` of the target left). ``sla_state`` sums it up: ``breached``,
    ``breach_soon``, ``met`` (both clocks stopped in time) or ``on_track``.
    """
    require(items, ITEMS, name="items")
    policy = policy or load_sla()
    at = _now(now)
    targets = item_targets(items, policy)
    received = items["received_at"]
    if not isinstance(received.dtype, pd.DatetimeTZDtype):  # empty and untyped
        received = pd.to_datetime(received, utc=True)
    out = pd.DataFrame(index=items.index)
    resolved = _optional_time(items, "resolved_at")
    # resolving an item answers it: the first-response clock stops then at the latest
    stopped = {
        "first_response": _optional_time(items, "first_response_at").fillna(resolved),
        "resolution": resolved,
    }
    for clock in CLOCKS:
        target = targets[f"{clock}_target"]
        due = received + target
        end = stopped[clock]
        done = end.notna()
        running = ~done
        breached = (done & (end > due)) | (running & (at > due))
        remaining = (due - at).where(running)
        soon = running & ~breached & (remaining < target * policy.breach_soon)
        out[f"{clock}_target"] = target
        out[f"{clock}_due"] = due
        out[f"{clock}_done"] = done.to_numpy()
        out[f"{clock}_breached"] = breached.to_numpy()
        out[f"{clock}_remaining"] = remaining
        out[f"{clock}_breach_soon"] = soon.to_numpy()
    any_breach = out["first_response_breached"] | out["resolution_breached"]
    any_soon = out["first_response_breach_soon"] | out["resolution_breach_soon"]
    all_done = out["first_response_done"] & out["resolution_done"]
    out["sla_state"] = np.select(
        [any_breach, any_soon, all_done], ["breached", "breach_soon", "met"], "on_track"
    )
    return out
