"""SLA targets from config and where items stand against them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from commbook.errors import ValidationError
from commbook.triage.sla import (
    BUILTIN_TARGETS,
    format_duration,
    load_sla,
    parse_duration,
    parse_sla,
    sla_status,
)

T = pd.Timestamp


@pytest.mark.parametrize(
    ("text", "hours"),
    [("30m", 0.5), ("4h", 4), ("2d", 48), ("1w", 168), ("1d12h", 36), ("1h 30m", 1.5)],
)
def test_parse_duration(text: str, hours: float) -> None:
    assert parse_duration(text) == pd.Timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "4", "4 hours", "h", "0h", "-2d", "2d4"])
def test_parse_duration_refuses_unclear_values(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("30m", "4h", "2d", "1d12h", "3d4h5m"):
        assert format_duration(parse_duration(text)) == text


def test_categories_override_defaults_per_urgency_and_clock() -> None:
    policy = parse_sla(
        {
            "defaults": {"normal": {"first_response": "12h"}},
            "categories": {"abuse": {"normal": {"resolution": "1d"}}},
        }
    )
    assert policy.target("support", "normal").first_response == pd.Timedelta(hours=12)
    assert policy.target("support", "normal").resolution == BUILTIN_TARGETS["normal"].resolution
    abuse = policy.target("abuse", "normal")
    assert (abuse.first_response, abuse.resolution) == (
        pd.Timedelta(hours=12),
        pd.Timedelta(days=1),
    )
    assert policy.target("custom_cat", None) == policy.defaults["normal"]
    assert parse_sla(None).defaults == BUILTIN_TARGETS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"defaults": {"urgent": {"resolution": "1d"}}}, "defaults.urgent: unknown urgency"),
        ({"defaults": {"high": {"resolution": "soon"}}}, "defaults.high.resolution: 'soon'"),
        ({"categories": {"abuse": {"high": {"first_response": "2d", "resolution": "1d"}}}},
         "categories.abuse.high: first_response \\(2d\\) is longer than resolution \\(1d\\)"),
        ({"defaults": {"high": {"respond": "1h"}}}, "defaults.high: expected first_response"),
        ({"breach_soon": 1.5}, "breach_soon must be a fraction"),
        ({"targets": {}}, "unknown setting"),
    ],
)  # fmt: skip
def test_invalid_sla_settings_name_the_field(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_sla(data, source="sla.yml")


def test_shipped_sla_file_is_valid() -> None:
    policy = load_sla(Path(__file__).parents[1] / "config" / "sla.yml")
    assert policy.breach_soon == 0.25
    assert policy.target("abuse", "critical").first_response == pd.Timedelta(minutes=30)
    table = policy.table()
    assert len(table) == 16
    assert (table["first_response"] <= table["resolution"]).all()


def test_sla_status_hand_computed() -> None:
    policy = parse_sla({"defaults": {"high": {"first_response": "4h", "resolution": "1d"}}})
    now = T("2025-03-01 12:00", tz="UTC")
    items = pd.DataFrame(
        {
            "category": ["support"] * 5,
            "urgency": ["high"] * 5,
            "received_at": pd.to_datetime(
                [
                    "2025-03-01 11:00",  # a: 3h left of 4h → on track
                    "2025-03-01 08:30",  # b: 30m left (< 25% of 4h) → breach soon
                    "2025-03-01 07:00",  # c: due 11:00, no response → breached
                    "2025-03-01 07:00",  # d: answered at 10:00 → first response met
                    "2025-02-27 07:00",  # e: answered late, resolved in time? no: late too
                ],
                utc=True,
            ),
            "first_response_at": pd.to_datetime(
                [None, None, None, "2025-03-01 10:00", "2025-02-27 12:00"], utc=True
            ),
            "resolved_at": pd.to_datetime([None, None, None, None, "2025-02-28 06:00"], utc=True),
        },
        index=list("abcde"),
    )
    out = sla_status(items, now, policy)
    assert out["first_response_due"]["a"] == T("2025-03-01 15:00", tz="UTC")
    assert out["first_response_remaining"]["a"] == pd.Timedelta(hours=3)
    assert out["first_response_breach_soon"].tolist() == [False, True, False, False, False]
    assert out["first_response_breached"].tolist() == [False, False, True, False, True]
    assert out["first_response_remaining"]["c"] == pd.Timedelta(hours=-1)
    assert pd.isna(out["first_response_remaining"]["d"])
    assert out["resolution_breached"].tolist() == [False] * 5  # e resolved after 23h < 1d
    assert out["sla_state"].tolist() == [
        "on_track",
        "breach_soon",
        "breached",
        "on_track",
        "breached",
    ]


def test_resolution_without_response_stops_the_first_response_clock() -> None:
    items = pd.DataFrame(
        {
            "category": ["abuse"],
            "urgency": [None],  # → normal
            "received_at": [T("2025-01-01 00:00", tz="UTC")],
            "resolved_at": [T("2025-01-01 02:00", tz="UTC")],
        }
    )
    out = sla_status(items, "2025-01-10", parse_sla({}))
    assert bool(out["first_response_done"].iloc[0]) and not out["first_response_breached"].iloc[0]
    assert out["sla_state"].iloc[0] == "met"
    assert out["first_response_target"].iloc[0] == BUILTIN_TARGETS["normal"].first_response


def test_sla_status_validates_its_input() -> None:
    items = pd.DataFrame({"category": ["support"], "received_at": [T("2025-01-01", tz="UTC")]})
    with pytest.raises(ValidationError, match="missing column 'urgency'"):
        sla_status(items, "2025-01-02", parse_sla({}))
    items["urgency"] = ["asap"]
    with pytest.raises(ValidationError, match="unknown urgency 'asap'"):
        sla_status(items, "2025-01-02", parse_sla({}))
    items["urgency"] = ["low"]
    items["received_at"] = [pd.Timestamp("2025-01-01")]
    with pytest.raises(ValidationError, match="timezone-aware"):
        sla_status(items, "2025-01-02", parse_sla({}))
