"""Stack Exchange dumps: users, questions, answers, comments and votes from the XML files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from commbook.errors import CommbookError, ImportRejected
from commbook.ingest import import_file
from commbook.store import ActivityEvent, Member, session_scope

DUMP = Path(__file__).parent / "data" / "stackexchange"
SOURCE = "stackexchange:stackexchange"


def stored(url: str) -> tuple[dict[str, Member], dict[str, ActivityEvent]]:
    with session_scope(url) as s:
        members = {m.source_id: m for m in s.scalars(select(Member))}
        events = {e.source_id: e for e in s.scalars(select(ActivityEvent))}
    return members, events


def test_dump_maps_users_posts_comments_and_votes(store_url: str) -> None:
    result = import_file("stackexchange", DUMP, url=store_url)
    # 3 users + 6 posts + 4 comments + 5 votes read; 2 wiki posts, 1 comment on a wiki,
    # 2 votes of other types skipped
    assert result.rows_read == 18
    assert result.skipped == 5
    assert (result.inserted, result.rejected) == (13, 0)
    members, events = stored(store_url)
    assert set(members) == {"-1", "7", "8"}
    assert {m.source for m in members.values()} == {SOURCE}
    assert members["-1"].role == "staff"
    assert (members["7"].display_name, members["7"].reputation) == ("Jane Cook", 1250)
    assert members["8"].display_name == "Raj & Co"
    assert members["7"].joined_at == dt.datetime(2024, 1, 1, 8, 30, 0, 500000, tzinfo=dt.UTC)

    kinds = {
        k: sorted(e.source_id for e in events.values() if e.kind == k)
        for k in ("post", "reply", "comment", "reaction")
    }
    assert kinds == {
        "post": ["p1", "p4"],
        "reply": ["p2", "p3"],
        "comment": ["c10", "c11", "c12"],
        "reaction": ["v20", "v21", "v24"],
    }
    question = events["p1"]
    assert (question.category, question.thread_id, question.title, question.score) == (
        "question",
        "p1",
        "Resting steak",
        5,
    )
    assert question.body == "<p>How long do I rest a steak?</p>"  # entities decoded, stripped
    assert question.occurred_at == dt.datetime(2024, 1, 2, 10, 0, 0, 123000, tzinfo=dt.UTC)
    assert question.member_id == members["7"].id
    assert events["p4"].member_id is None  # owner 99 is not in Users.xml (deleted account)
    assert events["p3"].is_accepted is True  # AcceptedAnswerId="3"
    assert events["p2"].is_accepted is False
    assert (events["p2"].parent_id, events["p2"].thread_id) == ("p1", "p1")
    comment_on_answer = events["c11"]
    assert (comment_on_answer.parent_id, comment_on_answer.thread_id) == ("p3", "p1")
    assert comment_on_answer.member_id == members["7"].id
    assert events["c12"].member_id is None
    vote = events["v21"]
    assert (vote.parent_id, vote.thread_id, vote.member_id) == ("p3", "p1", None)


def test_reimporting_a_dump_changes_nothing(sqlite_url: str) -> None:
    import_file("stackexchange", DUMP, url=sqlite_url)
    again = import_file("stackexchange", DUMP, url=sqlite_url)
    assert (again.inserted, again.updated, again.unchanged, again.skipped) == (0, 0, 13, 5)


def test_source_option_and_folder_name(sqlite_url: str, tmp_path: Path) -> None:
    site = tmp_path / "cooking.stackexchange.com"
    shutil.copytree(DUMP, site)
    import_file("stackexchange", site, url=sqlite_url)
    import_file("stackexchange", site, url=sqlite_url, source="cooking")
    with session_scope(sqlite_url) as s:
        sources = set(s.scalars(select(Member.source)))
    assert sources == {"stackexchange:cooking.stackexchange.com", "cooking"}


def test_bad_row_reports_the_xml_line(sqlite_url: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DUMP, site)
    posts = (site / "Posts.xml").read_text(encoding="utf-8")
    (site / "Posts.xml").write_text(
        posts.replace('CreationDate="2024-01-02T11:00:00.000"', 'CreationDate="yesterday"'),
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        import_file("stackexchange", site, url=sqlite_url)
    error = info.value.errors[0]
    assert (error.file, error.row, error.field) == (str(site / "Posts.xml"), 4, "occurred_at")
    assert "got 'yesterday'" in error.reason
    members, events = stored(sqlite_url)
    assert not members and not events  # the whole dump is one transaction


def test_broken_xml_and_missing_files(sqlite_url: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DUMP, site)
    (site / "Comments.xml").write_text('<?xml version="1.0"?>\n<comments>\n  <row Id="1"\n')
    with pytest.raises(CommbookError, match=r"Comments.xml: line \d+: not valid XML"):
        import_file("stackexchange", site, url=sqlite_url)
    (site / "Users.xml").unlink()
    with pytest.raises(CommbookError, match=r"Users\.xml not found"):
        import_file("stackexchange", site, url=sqlite_url)
    with pytest.raises(CommbookError, match="expected the folder"):
        import_file("stackexchange", DUMP / "Posts.xml", url=sqlite_url)
