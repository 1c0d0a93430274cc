"""The sample community generator: deterministic, realistic, consistent, loadable."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from commbook.cli import main
from commbook.samples import SampleSpec, generate_samples
from commbook.samples.load import sample_files

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "data" / "samples"
SMALL = SampleSpec(members=80, months=3, seed=11)
FILES = [
    "members.csv",
    "content.csv",
    "events.csv",
    "surveys.csv",
    "responses.csv",
    "triage.csv",
    "objectives.csv",
    "segments.json",
]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
# Sentiment lexicon of the test, independent of the generator's phrase lists.
POSITIVE_WORDS = ("love", "great", "helpful", "excellent", "friendly", "fantastic", "kind", "fun")
NEGATIVE_WORDS = (
    "frustrat",
    "confusing",
    "disappoint",
    "rude",
    "broken",
    "slow",
    "terrible",
    "buggy",
    "harsh",
    "unanswered",
    "crash",
)


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), utc=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_samples(out, SMALL)
    return out


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough for the statistical properties to be stable."""
    out = tmp_path_factory.mktemp("medium")
    generate_samples(out, SampleSpec(members=400, months=6, seed=5))
    return out


def test_same_seed_gives_identical_bytes_and_another_seed_differs(small: Path, tmp_path: Path):
    generate_samples(tmp_path / "again", SMALL)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (small / name).read_bytes(), name
    generate_samples(tmp_path / "other", SampleSpec(members=80, months=3, seed=12))
    assert (tmp_path / "other" / "events.csv").read_bytes() != (small / "events.csv").read_bytes()
    assert (tmp_path / "other" / "members.csv").read_bytes() != (small / "members.csv").read_bytes()


def test_gzip_events_are_deterministic_and_hold_the_same_rows(small: Path, tmp_path: Path):
    spec = SampleSpec(members=80, months=3, seed=11, compress=True)
    generate_samples(tmp_path / "a", spec)
    generate_samples(tmp_path / "b", spec)
    a, b = tmp_path / "a" / "events.csv.gz", tmp_path / "b" / "events.csv.gz"
    assert a.read_bytes() == b.read_bytes()
    assert not (tmp_path / "a" / "events.csv").exists()
    assert gzip.decompress(a.read_bytes()) == (small / "events.csv").read_bytes()


def test_files_follow_the_documented_columns_and_timestamps(small: Path):
    headers = {
        "members.csv": "member_id,display_name,joined_at,left_at,region,country,language,"
        "age_band,role",
        "events.csv": "event_id,kind,occurred_at,member_id,channel,thread_id,parent_id,"
        "content_id,category,title,body,score,is_accepted",
        "triage.csv": "triage_id,received_at,category,urgency,status,channel,member_id,event_id,"
        "owner,summary,first_response_at,resolved_at,escalation_level,closed_loop",
    }
    for name, header in headers.items():
        assert (small / name).read_text().splitlines()[0] == header
    events = read(small, "events.csv")
    assert events["occurred_at"].str.match(ISO_UTC).all()
    assert set(events["kind"]) == {"post", "reply", "comment", "reaction", "share", "view", "join"}
    members = read(small, "members.csv")
    assert events["member_id"][events["member_id"] != ""].isin(members["member_id"]).all()
    assert set(members["role"]) == {"member", "moderator", "staff"}
    left = members["left_at"] != ""
    assert (ts(members["left_at"][left]) >= ts(members["joined_at"][left])).all()
    content = read(small, "content.csv")
    assert events["content_id"][events["content_id"] != ""].isin(content["content_id"]).all()


def test_members_act_only_between_joining_and_leaving(medium: Path):
    members = read(medium, "members.csv").set_index("member_id")
    events = read(medium, "events.csv")
    events = events[events["member_id"] != ""]
    at = ts(events["occurred_at"])
    joined = ts(members["joined_at"]).reindex(events["member_id"]).to_numpy()
    left = ts(members["left_at"]).reindex(events["member_id"]).to_numpy()
    assert (at.to_numpy() >= joined).all()
    has_left = ~pd.isna(left)
    assert (at.to_numpy()[has_left] < left[has_left]).all()
    assert members["left_at"].ne("").sum() > 0  # churn exists


def test_participation_is_heavy_tailed(medium: Path):
    members = read(medium, "members.csv")
    events = read(medium, "events.csv")
    posts = events.loc[events["kind"] == "post", "member_id"].value_counts()
    top = len(members) // 10
    assert posts.head(top).sum() / posts.sum() > 0.5
    writers = events.loc[events["kind"].isin(["post", "reply"]), "member_id"].value_counts()
    assert writers.head(top).sum() / writers.sum() > 0.5
    assert len(posts) < len(members) / 2  # most members never start a thread


def test_weekdays_are_busier_than_weekends_and_activity_grows(medium: Path):
    events = read(medium, "events.csv")
    events = events[events["kind"].isin(["post", "reply", "reaction", "comment"])]
    days = ts(events["occurred_at"]).dt.floor("D")
    per_day = days.value_counts()
    weekend = per_day.index.day_of_week >= 5
    assert per_day[~weekend].mean() > 1.2 * per_day[weekend].mean()
    months = days.dt.strftime("%Y-%m").value_counts().sort_index()
    assert months.iloc[-1] > months.iloc[0]


def test_threads_are_consistent(medium: Path):
    events = read(medium, "events.csv")
    at = dict(zip(events["event_id"], ts(events["occurred_at"]), strict=True))
    kind = dict(zip(events["event_id"], events["kind"], strict=True))
    replies = events[events["kind"] == "reply"]
    assert len(replies) > 100
    for row in replies.itertuples():
        assert kind[row.parent_id] in ("post", "reply")
        assert at[row.parent_id] < at[row.event_id]
        assert kind[row.thread_id] == "post"
    posts = events[events["kind"] == "post"]
    assert (posts["thread_id"] == posts["event_id"]).all()
    nested = replies["parent_id"] != replies["thread_id"]
    assert nested.mean() > 0.1  # replies to replies, not only to the first post
    accepted = events[events["is_accepted"] == "true"]
    assert set(accepted["kind"]) == {"reply"}
    assert accepted["thread_id"].is_unique
    reactions = events[events["kind"] == "reaction"]
    assert reactions["parent_id"].ne("").sum() > 0
    on_posts = reactions[reactions["parent_id"] != ""]
    assert all(
        at[p] < t for p, t in zip(on_posts["parent_id"], ts(on_posts["occurred_at"]), strict=True)
    )
    unanswered = ~posts["event_id"].isin(replies["thread_id"])
    assert 0.03 < unanswered.mean() < 0.5


def test_weekend_questions_wait_longer_for_a_first_answer(medium: Path):
    events = read(medium, "events.csv")
    posts = events[(events["kind"] == "post") & (events["channel"] == "forum")]
    first = events[events["kind"] == "reply"].groupby("thread_id")["occurred_at"].min()
    posts = posts[posts["event_id"].isin(first.index)]
    posted = ts(posts["occurred_at"])
    wait = ts(first.reindex(posts["event_id"]).reset_index(drop=True)) - posted.reset_index(
        drop=True
    )
    weekend = posted.dt.day_of_week.to_numpy() >= 5
    assert wait[weekend].median() > wait[~weekend].median()


def test_survey_comments_carry_the_sentiment_of_the_score(medium: Path):
    responses = read(medium, "responses.csv")
    nps = responses[responses["survey_id"].str.startswith("nps") & (responses["comment"] != "")]
    assert len(nps) > 40
    text = nps["comment"].str.lower()
    positive = sum(text.str.count(w) for w in POSITIVE_WORDS)
    negative = sum(text.str.count(w) for w in NEGATIVE_WORDS)
    tone = positive - negative
    score = nps["score"].astype(int)
    assert np.corrcoef(score, tone)[0, 1] > 0.4
    promoters, detractors = score >= 9, score <= 6
    assert (positive[promoters] > 0).mean() > (positive[detractors] > 0).mean() + 0.3
    assert (negative[detractors] > 0).mean() > (negative[promoters] > 0).mean() + 0.3
    # Themes recur: the same theme words appear across many comments.
    for theme in ("docs", "search", "mobile app", "shipping"):
        assert text.str.contains(theme).sum() >= 3, theme


def test_triage_statuses_agree_with_timestamps(medium: Path):
    triage = read(medium, "triage.csv")
    assert set(triage["category"]) == {"support", "discussion", "feedback", "abuse"}
    assert set(triage["urgency"]) == {"low", "normal", "high", "critical"}
    received, first = ts(triage["received_at"]), ts(triage["first_response_at"])
    resolved = ts(triage["resolved_at"])
    answered = first.notna()
    assert (first[answered] >= received[answered]).all()
    done = resolved.notna()
    assert (resolved[done] >= first[done]).all()
    assert answered[done].all()
    status = triage["status"]
    assert (~answered[status.isin(["new", "triaged"])]).all()
    assert done[status.isin(["resolved", "closed"])].all()
    assert (~done[status.isin(["in_progress", "waiting_on_member", "escalated"])]).all()
    assert (triage["escalation_level"][status == "escalated"] != "").all()
    assert (triage["escalation_level"] != "").any()
    assert (triage["closed_loop"][~done] == "false").all()
    events = read(medium, "events.csv")
    assert triage["event_id"].isin(events["event_id"]).all()


def test_content_effects_are_built_in():
    content = read(COMMITTED, "content.csv")
    published = content[content["status"] == "published"].copy()
    for column in ("views", "comments", "shares", "reach"):
        published[column] = published[column].astype(int)
    rate = published["comments"] / published["views"].clip(lower=1)
    by_type = rate.groupby(published["content_type"]).mean()
    assert by_type["poll"] > 2 * by_type["article"]
    views = published.groupby("content_type")["views"].median()
    assert views["video"] > views["article"]
    assert set(content["status"]) >= {"published", "cancelled", "scheduled"}


def test_events_option_aims_at_a_total(tmp_path: Path):
    result = generate_samples(tmp_path, SampleSpec(members=300, months=2, seed=3, events=20_000))
    assert 15_000 < result.rows["events.csv"] < 25_000


def test_committed_samples_are_small_and_match_the_generator(tmp_path: Path):
    present = {p.name for p in COMMITTED.iterdir()}
    assert set(FILES) <= present
    assert sum((COMMITTED / f).stat().st_size for f in present) < 5_000_000
    result = CliRunner().invoke(main, ["samples", "generate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (COMMITTED / name).read_bytes(), (
            f"data/samples/{name} is stale: run `commbook samples generate --out data/samples`"
        )
    readme = (COMMITTED / "README.md").read_text()
    for name in FILES:
        assert name in readme


def test_generate_refuses_bad_arguments(tmp_path: Path):
    result = CliRunner().invoke(
        main, ["samples", "generate", "--out", str(tmp_path), "--members", "3"]
    )
    assert result.exit_code == 1
    assert "--members" in result.output


def _row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from commbook.store import (
        ActivityEvent,
        AudienceSegment,
        ContentItem,
        Member,
        Objective,
        Survey,
        SurveyResponse,
        TriageItem,
        session_scope,
    )

    tables = {
        "members": Member,
        "content": ContentItem,
        "events": ActivityEvent,
        "surveys": Survey,
        "responses": SurveyResponse,
        "triage": TriageItem,
        "objectives": Objective,
        "segments": AudienceSegment,
    }
    with session_scope(url) as session:
        return {k: session.scalar(select(func.count()).select_from(t)) for k, t in tables.items()}


def test_load_twice_gives_the_rows_of_the_files(
    small: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COMMBOOK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COMMBOOK_USER", "tester")
    monkeypatch.setenv("COMMBOOK_TODAY", "2027-02-01")  # dates move to end on 31 Jan 2027
    expected = {}
    for kind, path in sample_files(small):
        rows = json.loads(path.read_text()) if kind == "segments" else read(small, path.name)
        expected[kind] = len(rows)
    runner = CliRunner()
    first = runner.invoke(main, ["samples", "load", str(small)])
    assert first.exit_code == 0, first.output
    assert _row_counts(sqlite_url) == expected
    second = runner.invoke(main, ["samples", "load", str(small)])
    assert second.exit_code == 0, second.output
    assert "0 inserted" in second.output
    assert _row_counts(sqlite_url) == expected
    skipped = runner.invoke(main, ["samples", "load", str(small), "--if-empty"])
    assert skipped.exit_code == 0
    assert "already has members" in skipped.output
    assert _row_counts(sqlite_url) == expected


def test_load_if_empty_migrates_a_new_store_and_loads(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("COMMBOOK_DATABASE_URL", url)
    monkeypatch.setenv("COMMBOOK_TODAY", "2027-02-01")
    result = CliRunner().invoke(main, ["samples", "load", str(small), "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _row_counts(url)["members"] == SMALL.members


# --- the sample objectives, judged for real -------------------------------------------------

#: What the committed set shows on its last day (data/samples/README.md, objectives.csv).
SAMPLE_STATUSES = {
    "Grow weekly active members": "at_risk",
    "Cut triage first response time": "off_track",
    "Raise NPS": "achieved",
    "Close the loop with members": "on_track",
}


@pytest.fixture(scope="module")
def committed_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from commbook.samples import load_samples

    url = f"sqlite:///{tmp_path_factory.mktemp('committed') / 'samples.db'}"
    load_samples(COMMITTED, url, actor="tester")
    return url


def test_sample_objectives_track_catalog_metrics_with_a_mix_of_statuses(
    committed_store: str, monkeypatch: pytest.MonkeyPatch
):
    from commbook import planning, progress
    from commbook.metrics.catalog import CATALOG

    monkeypatch.setenv("COMMBOOK_TIMEZONE", "UTC")
    objectives = planning.list_objectives(committed_store)
    assert [o.metric for o in objectives if o.metric not in CATALOG] == []
    as_of = progress.data_as_of(committed_store)
    assert as_of == dt.date(2026, 10, 31)  # what the apps judge on
    values = progress.current_values(objectives, committed_store, as_of)
    judged = {
        o.title: progress.objective_progress(o, value, as_of)
        for o, value in zip(objectives, values, strict=True)
    }
    assert {title: p.status for title, p in judged.items()} == SAMPLE_STATUSES
    assert len({p.status for p in judged.values()}) == 4
    # believable numbers: none is far beyond its target or without a value
    assert all(p.value is not None and p.percent < 150 for p in judged.values())


def test_sample_baselines_are_the_catalog_on_the_first_month(committed_store: str):
    from commbook import frames, planning, progress
    from commbook.metrics.catalog import ACTIVITY_COLUMNS, CATALOG, Inputs

    url = committed_store
    first, end = dt.date(2025, 10, 1), dt.date(2026, 11, 1)
    inputs = Inputs(
        events=frames.load_events(url, columns=list(ACTIVITY_COLUMNS)),
        triage=frames.load_triage(url),
        responses=progress.load_responses(url, first, end, dt.UTC),
    )
    for o in planning.list_objectives(url):
        assert o.start_date.day == 1
        month_end = (o.start_date + dt.timedelta(days=31)).replace(day=1)
        measured = CATALOG[o.metric].value(inputs, o.start_date, month_end, "UTC")
        decimals = 1 if o.unit == "hours" else 0
        assert float(o.baseline) == round(measured, decimals), o.title
        assert o.due_date == dt.date(2026, 12, 31)
