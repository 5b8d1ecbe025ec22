"""The overview's counts that do not grow with the table: a tally of each party's actions per status
and deadline day, and an index for "done since the last meeting"

The overview page (`/oversikt`) draws a chart per responsible party (open, overdue, done since the
last meeting). It counted those from the actions and their links on every request, so the page
cost more the more actions there were (290–340 ms at 100 000 actions, 8–12× its time at 1 000).
Now:

- `party_tally` holds how many links each (party, status, deadline day) has, as `action_tally`
  (0009) does for the actions: a party's open and overdue counts are sums over at most one row per
  status and day that has a deadline, whatever the number of actions. An action without a deadline
  is counted under 9999-12-31 (`NO_DEADLINE`). A link is one action for one party (a party is
  linked to an action once), so these are the party's actions.
- `ix_action_events_kind_at` finds the status changes since a moment (the last meeting) without
  reading the whole history.

Triggers on `action_parties` keep the tally in step with the links, whatever writes them (the
application, an import, a bulk load, a hand-typed statement), on SQLite and PostgreSQL alike. The
links carry their action's status and deadline (0009's triggers copy them on insert and follow
every change of the action), so following the links follows the actions too. Links are inserted,
deleted (a change of responsible party) and updated; all three are followed. A link whose status
is not known yet (NULL: on SQLite 0009 copies it right after the insert) is not counted until it is.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NO_DEADLINE = "9999-12-31"
TRIGGERS = (
    ("action_parties_tally_insert", "action_parties"),
    ("action_parties_tally_update", "action_parties"),
    ("action_parties_tally_delete", "action_parties"),
)


def upgrade() -> None:
    op.create_table(
        "party_tally",
        sa.Column("party_id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(f"INSERT INTO party_tally (party_id, status, day, n) "
               f"SELECT party_id, status, COALESCE(deadline, '{NO_DEADLINE}'), count(*) FROM action_parties "
               f"WHERE status IS NOT NULL GROUP BY party_id, status, COALESCE(deadline, '{NO_DEADLINE}')")
    op.create_index("ix_action_events_kind_at", "action_events", ["kind", "at"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    def bump(row: str, by: str) -> str:
        day = f"COALESCE({row}.deadline, '{NO_DEADLINE}')"
        return (f"INSERT OR IGNORE INTO party_tally (party_id, status, day, n) "
                f"SELECT {row}.party_id, {row}.status, {day}, 0 WHERE {row}.status IS NOT NULL; "
                f"UPDATE party_tally SET n = n {by} 1 "
                f"WHERE party_id = {row}.party_id AND status = {row}.status AND day = {day};")

    op.execute(f"CREATE TRIGGER action_parties_tally_insert AFTER INSERT ON action_parties "
               f"WHEN NEW.status IS NOT NULL BEGIN {bump('NEW', '+')} END")
    op.execute(f"CREATE TRIGGER action_parties_tally_update AFTER UPDATE OF party_id, status, deadline "
               f"ON action_parties WHEN OLD.party_id IS NOT NEW.party_id OR OLD.status IS NOT NEW.status "
               f"OR OLD.deadline IS NOT NEW.deadline BEGIN {bump('OLD', '-')} {bump('NEW', '+')} END")
    op.execute(f"CREATE TRIGGER action_parties_tally_delete AFTER DELETE ON action_parties "
               f"WHEN OLD.status IS NOT NULL BEGIN {bump('OLD', '-')} END")


def _postgresql_triggers() -> None:
    op.execute(f"""
        CREATE FUNCTION oppfolging_party_tally_bump(p integer, s varchar, d date, by integer) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            IF s IS NULL THEN
                RETURN;
            END IF;
            INSERT INTO party_tally (party_id, status, day, n) VALUES (p, s, COALESCE(d, DATE '{NO_DEADLINE}'), by)
            ON CONFLICT (party_id, status, day) DO UPDATE SET n = party_tally.n + EXCLUDED.n;
        END
        $$
    """)
    op.execute("""
        CREATE FUNCTION oppfolging_action_parties_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.party_id IS NOT DISTINCT FROM NEW.party_id
                    AND OLD.status IS NOT DISTINCT FROM NEW.status
                    AND OLD.deadline IS NOT DISTINCT FROM NEW.deadline THEN
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM oppfolging_party_tally_bump(OLD.party_id, OLD.status, OLD.deadline, -1);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM oppfolging_party_tally_bump(NEW.party_id, NEW.status, NEW.deadline, 1);
            END IF;
            RETURN NULL;
        END
        $$
    """)
    op.execute("CREATE TRIGGER action_parties_tally_insert AFTER INSERT ON action_parties "
               "FOR EACH ROW EXECUTE FUNCTION oppfolging_action_parties_tally()")
    op.execute("CREATE TRIGGER action_parties_tally_update AFTER UPDATE OF party_id, status, deadline "
               "ON action_parties FOR EACH ROW EXECUTE FUNCTION oppfolging_action_parties_tally()")
    op.execute("CREATE TRIGGER action_parties_tally_delete AFTER DELETE ON action_parties "
               "FOR EACH ROW EXECUTE FUNCTION oppfolging_action_parties_tally()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql"
                   else f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        for function in ("oppfolging_action_parties_tally()", "oppfolging_party_tally_bump(integer, varchar, date, integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_action_events_kind_at", table_name="action_events")
    op.drop_table("party_tally")
