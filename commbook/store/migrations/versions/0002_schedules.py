"""report schedules: job locks and schedule columns on report runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trigger", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_report_runs_schedule", ["schedule", "scheduled_for"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_runs_schedule"), ["schedule", "scheduled_for", "attempt"]
        )


def downgrade() -> None:
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_runs_schedule"), type_="unique")
        batch_op.drop_index("ix_report_runs_schedule")
        batch_op.drop_column("trigger")
        batch_op.drop_column("attempt")
        batch_op.drop_column("scheduled_for")
        batch_op.drop_column("schedule")
    op.drop_table("job_locks")
