"""Capture: a link back to where an action came from (a chat message), and reminders snoozed for
one destination

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): `actions` is referenced by the append-only history tables.
    op.add_column("actions", sa.Column("source_link", sa.String(length=1000), nullable=True))

    op.create_table(
        "reminder_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=400), nullable=False),
        sa.Column("destination_kind", sa.String(length=20), server_default="channel", nullable=False),
        sa.Column("party_key", sa.String(length=80), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("until_day", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_reminder_snoozes_action_id_actions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by_id"], ["people.id"], name=op.f("fk_reminder_snoozes_by_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_snoozes")),
        sa.UniqueConstraint("action_id", "platform", "destination", name=op.f("uq_reminder_snoozes_action_id")),
    )
    with op.batch_alter_table("reminder_snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_snoozes_until"), ["until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_snoozes_until"))
    op.drop_table("reminder_snoozes")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_column("source_link")
