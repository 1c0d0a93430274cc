"""Objectives judged on a day, and their table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from commbook.progress import STATUSES, objective_progress
from commbook.reports import blocks
from commbook.reports.blocks import Markup
from commbook.reports.lessons import hours


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
