"""triage workflow: queue, links, closed-loop note and suggestion on triage items;
responses, moderation actions and escalations as history tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _history(name: str, *columns: sa.Column | sa.ForeignKeyConstraint) -> None:
    op.create_table(
        name,
        sa.Column("id", BigID, nullable=False),
        sa.Column("item_id", BigID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["triage_items.id"],
            name=op.f(f"fk_{name}_item_id_triage_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_item_id"), name, ["item_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("triage_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("links", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("closed_loop_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_loop_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suggestion", sa.JSON(), nullable=True))
        batch_op.create_index("ix_triage_items_event_id", ["event_id"], unique=False)
        batch_op.create_index(
            "ix_triage_items_status_received", ["status", "received_at"], unique=False
        )
    _history(
        "triage_responses",
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status_after", sa.String(length=32), nullable=True),
    )
    _history(
        "moderation_actions",
        sa.Column("member_id", BigID, nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("policy_ref", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_moderation_actions_member_id_members")
        ),
    )
    _history(
        "triage_escalations",
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("previous_level", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for name in ("triage_escalations", "moderation_actions", "triage_responses"):
        op.drop_index(op.f(f"ix_{name}_item_id"), table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("triage_items", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_items_status_received")
        batch_op.drop_index("ix_triage_items_event_id")
        batch_op.drop_column("suggestion")
        batch_op.drop_column("closed_loop_at")
        batch_op.drop_column("closed_loop_note")
        batch_op.drop_column("links")
        batch_op.drop_column("queue")
