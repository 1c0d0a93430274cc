"""A survey carries the question its comments answer: imported, stored, migrated."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, select

from commbook.feedback.vader import survey_sentiment
from commbook.ingest import import_file
from commbook.store import Survey, get_engine, session_scope
from commbook.store.migrate import alembic_config

SURVEYS = (
    "survey_id,name,kind,question,comment_question\n"
    "nps1,Quarterly NPS,nps,How likely are you to recommend us?,What could we do better?\n"
    "pulse,Docs pulse,likert,The docs help me.,\n"
)


def test_surveys_import_their_comment_question(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text(SURVEYS)
    import_file("surveys", path, url=store_url)
    with session_scope(store_url) as session:
        rows = {s.source_id: s for s in session.scalars(select(Survey))}
        asked = {key: (s.question, s.comment_question) for key, s in rows.items()}
    assert asked == {
        "nps1": ("How likely are you to recommend us?", "What could we do better?"),
        "pulse": ("The docs help me.", ""),
    }
    # importing again with a new question updates it (idempotent upsert)
    path.write_text(SURVEYS.replace("What could we do better?", "What should we change?"))
    import_file("surveys", path, url=store_url)
    with session_scope(store_url) as session:
        survey = session.scalars(select(Survey).where(Survey.source_id == "nps1")).one()
        assert survey.comment_question == "What should we change?"


def test_the_stored_question_decides_how_nothing_is_read(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text(SURVEYS)
    import_file("surveys", path, url=store_url)
    with session_scope(store_url) as session:
        surveys = session.scalars(select(Survey).order_by(Survey.source_id)).all()
        rows = [
            {"comment": "Nothing.", "comment_question": s.comment_question,
             "question": s.question, "survey_kind": s.kind}
            for s in surveys
        ]  # fmt: skip
    import pandas as pd

    scored = survey_sentiment(pd.DataFrame(rows))
    assert scored["question_type"].tolist() == ["improve", "reason"]
    assert scored["label"].iloc[0] == "positive" and pd.isna(scored["label"].iloc[1])


def test_migration_0005_adds_and_removes_the_column(sqlite_url: str) -> None:
    def columns() -> set[str]:
        engine = get_engine(sqlite_url)
        engine.dispose()
        return {c["name"] for c in inspect(engine).get_columns("surveys")}

    assert "comment_question" in columns()
    command.downgrade(alembic_config(sqlite_url), "0004")
    assert "comment_question" not in columns()
    command.upgrade(alembic_config(sqlite_url), "head")
    assert "comment_question" in columns()
