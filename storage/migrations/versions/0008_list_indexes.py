"""Indexes that let a list cost one page: walk the open actions in list order, and start a
party's list from its own links

Revision ID: 0008
Revises: 0007_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The list order itself (no deadline last, then deadline, then number): the first page is
    # read from the front of this index instead of sorting every open action.
    op.create_index("ix_actions_list_order", "actions", [sa.text("(deadline IS NULL)"), "deadline", "id"])
    # Counts and digests of one party start from its links, and read the action ids from the index.
    op.create_index("ix_action_parties_party_action", "action_parties", ["party_id", "action_id"])


def downgrade() -> None:
    op.drop_index("ix_action_parties_party_action", table_name="action_parties")
    op.drop_index("ix_actions_list_order", table_name="actions")
