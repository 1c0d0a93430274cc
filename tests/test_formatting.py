"""One way figures read on every surface: values by unit, changes, no signed zeros, and
"no data" naming the period that has none."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from commbook import dashboard, formatting
from commbook.metrics.catalog import CATALOG
from commbook.reports import sections
from commbook.reports.sections._common import _kpi


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234.0, "members", "1,234"),
        (7.44, "members", "7.4"),  # an average of daily active members
        (1234.5, "members", "1,234"),
        (-0.04, "%", "0.0%"),  # never "-0.0%"
        (12.345, "%", "12.3%"),
        (2.25, "hours", "2.2 h"),
        (50, "hours", "2.1 days"),
        (-0.3, "points", "0"),  # never "-0" or "+0"
        (0.0, "points", "0"),
        (12.0, "points", "+12"),
        (math.nan, "%", "—"),
        (None, "members", "—"),
        (pd.NA, "members", "—"),
    ],
)
def test_values_read_the_same_in_the_report_and_the_dashboard(
    value: object, unit: str, text: str
) -> None:
    assert formatting.value_text(value, unit) == text
    assert sections.format_value(value, unit) == text
    assert dashboard.format_value(value, unit) == text


@pytest.mark.parametrize(
    ("change", "pct", "unit", "text"),
    [
        (-0.04, -0.1, "%", "±0.0 pts"),  # "Stickiness −0.0 pts" is gone
        (0.0, 0.0, "%", "no change"),
        (-2.5, -4.8, "%", "-2.5 pts"),
        (0.3, 0.5, "points", "±0 pts"),
        (-3.0, -10.0, "points", "-3 pts"),
        (0.04, 1.0, "hours", "±0.0 h"),
        (2, 0.2, "members", "±0%"),
        (20, 20.0, "members", "+20%"),
        (4, math.nan, "members", "+4"),
        (math.nan, math.nan, "members", "—"),
    ],
)
def test_changes_never_print_a_signed_zero(change: float, pct: float, unit: str, text: str) -> None:
    assert formatting.change_text(change, pct, unit) == text


def _row(current: float, previous: float, unit: str = "%") -> dict:
    change = current - previous
    pct = 100 * change / abs(previous) if previous else math.nan
    return {"unit": unit, "current": current, "previous": previous, "change": change,
            "change_pct": pct}  # fmt: skip


def test_no_data_names_the_period_without_data() -> None:
    # November has no data, October has: the tile must not blame October
    empty_now = _row(math.nan, 21.0) | {
        "current_start": pd.Timestamp("2026-11-01", tz=ZoneInfo("Europe/Paris")),
        "current_end": pd.Timestamp("2026-12-01", tz=ZoneInfo("Europe/Paris")),
    }
    assert sections.format_change(empty_now, "October 2026") == "no data for November 2026"
    assert sections.format_change(_row(math.nan, 21.0), "October 2026") == (
        "no data for this period"
    )
    assert sections.format_change(_row(math.nan, 21.0), "W41", "W42") == "no data for W42"
    assert sections.format_change(_row(20.0, math.nan), "October 2026") == (
        "no data for October 2026"
    )
    assert sections.format_change(_row(20.96, 21.0), "October 2026") == ("±0.0 pts vs October 2026")


def test_a_kpi_tile_that_did_not_move_is_neither_better_nor_worse() -> None:
    key = "stickiness"
    entry = CATALOG[key]
    table = pd.DataFrame(
        [_row(20.96, 21.0) | {"metric": key, "label": entry.label, "verdict": "worse"}]
    )
    tile = _kpi(table, key, "October 2026")
    assert (tile.value, tile.delta, tile.verdict) == ("21.0%", "±0.0 pts vs October 2026", "")
    table.loc[0, ["current", "change", "change_pct"]] = [19.0, -2.0, -9.5]
    assert _kpi(table, key, "October 2026").verdict == "worse"


def test_dashboard_tiles_show_a_rounded_away_change_without_arrow_or_sign() -> None:
    base = dict(key="k", label="K", unit="members", description="", direction="higher is better")
    tiny = dashboard.Kpi(**base, value=100001.0, previous=100000.0, change=1.0,
                         change_pct=0.001, verdict="better", partial=False)  # fmt: skip
    assert tiny.delta_text == "▬ ±0%"  # as the report writes it (formatting.change_text)
    down = dashboard.Kpi(**base, value=90.0, previous=100.0, change=-10.0, change_pct=-10.0,
                         verdict="worse", partial=False)  # fmt: skip
    assert down.delta_text == "▼ -10%"
