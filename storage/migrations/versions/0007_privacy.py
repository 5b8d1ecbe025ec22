"""Personvern: a person's identifiers in the history can be pseudonymised, and nothing else

The append-only rule of 0004 stays: no DELETE on the history tables, no UPDATE of comments, and no
UPDATE of an action or audit event either, except inside the transaction that erases a person
(`handlers/privacy/erase.py`). That transaction holds a row in `history_rewrites`; while it does,
an event's values (`old_value`, `new_value`, and an audit event's `entity_id`) may change (a Slack
id or an e-mail address becomes its pseudonym), and still never its id, action, time, actor,
source or kind of change. Another transaction never sees the row (it is deleted before the
commit), so for everyone else the history is as append-only as before.

Revision ID: 0007_privacy
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_privacy"
down_revision = "0006"
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = "oppfolging_append_only"  # from 0004
# The columns a pseudonymisation may never change, per history table.
UNCHANGED = {
    "action_events": ("id", "action_id", "at", "actor_id", "source", "kind"),
    "audit_events": ("id", "at", "actor_id", "source", "entity", "change"),
}


def _message(table: str) -> str:
    return f"oppfolging: UPDATE on {table} is not allowed (history is kept; cancel instead)"


def upgrade() -> None:
    op.create_table(
        "history_rewrites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_rewrites")),
    )
    dialect = op.get_bind().dialect.name
    for table, columns in UNCHANGED.items():
        trigger = f"{table}_no_update"
        if dialect == "postgresql":
            function = f"oppfolging_{table}_rewrite"
            same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in columns)
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(
                f"""
                CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM history_rewrites) AND {same} THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION 'oppfolging: % on % is not allowed (history is kept; cancel instead)',
                        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
                END
                $$
                """
            )
            op.execute(f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")
            continue
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM history_rewrites) OR {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in UNCHANGED:
        trigger = f"{table}_no_update"
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS oppfolging_{table}_rewrite()")
            op.execute(f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            op.execute(f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END")
    op.drop_table("history_rewrites")
