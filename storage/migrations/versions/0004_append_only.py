"""Append-only history: the database refuses to delete actions, meetings, comments and history

Actions and meetings are cancelled, never deleted; comments, action events and audit events are
never changed or deleted. The application never does either; these triggers make sure no future
code path (or a hand-typed statement) can, on SQLite and PostgreSQL alike.

TRUNCATE is left alone on purpose: it is an operator's tool (the test suite empties PostgreSQL
with it), not something a request can reach.

A later SQLite batch migration that recreates one of these tables drops its triggers with the old
table; `tests/test_security_audit.py` checks at head that every trigger still refuses.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NO_DELETE = ("actions", "meetings", "comments", "action_events", "audit_events")
NO_UPDATE = ("comments", "action_events", "audit_events")
FUNCTION = "oppfolging_append_only"


def _triggers() -> list[tuple[str, str, str]]:
    """(trigger name, table, DELETE|UPDATE)."""
    return [(f"{table}_no_delete", table, "DELETE") for table in NO_DELETE] + [
        (f"{table}_no_update", table, "UPDATE") for table in NO_UPDATE
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'oppfolging: % on % is not allowed (history is kept; cancel instead)',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        for name, table, event in _triggers():
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()")
        return
    for name, table, event in _triggers():
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'oppfolging: {event} on {table} is not allowed (history is kept; cancel instead)'); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _ in _triggers():
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
