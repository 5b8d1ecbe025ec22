"""Reach: the party roster, e-mail addresses and preferences, broken subscriptions, retired
conversations, delivery health per address, and the party of each notification

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("notify_via", sa.String(length=10), server_default="chat", nullable=False))
        batch_op.create_index(batch_op.f("ix_people_email"), ["email"], unique=False)

    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_roster_entries_party_id_parties"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_roster_entries_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entries")),
        sa.UniqueConstraint("party_id", "email", name=op.f("uq_roster_entries_party_id")),
    )
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_entries_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_entries_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_entries_person_id"), ["person_id"], unique=False)

    op.create_table(
        "delivery_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failing", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_health")),
        sa.UniqueConstraint("platform", "address", name=op.f("uq_delivery_health_platform")),
    )

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broken_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("broken_reason", sa.String(length=300), nullable=True))

    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_key", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_party_key"), ["party_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_party_key"))
        batch_op.drop_column("party_key")
    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("broken_reason")
        batch_op.drop_column("broken_at")
    op.drop_table("delivery_health")
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_entries_person_id"))
        batch_op.drop_index(batch_op.f("ix_roster_entries_email"))
        batch_op.drop_index(batch_op.f("ix_roster_entries_party_id"))
    op.drop_table("roster_entries")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_email"))
        batch_op.drop_column("notify_via")
        batch_op.drop_column("email")
