"""Counts that do not grow with the table: a tally of actions per status and deadline day, and
each party link carrying its action's status and deadline

A list shows one page but says how many actions each group holds (*Forfalt 1 204, Denne uken
310*). Counting those from the actions reads one index entry per action, so `liste` cost more the
more actions there were, and a party's list looked up every one of its actions. Now:

- `action_tally` holds how many actions have each (status, deadline day). A whole list's groups
  are sums over at most one row per day that has a deadline, whatever the number of actions. An
  action without a deadline is counted under 9999-12-31 (`NO_DEADLINE` in storage/models.py), so
  the key can be a primary key (NULLs are never equal to each other in a unique key).
- `action_parties.status` and `.deadline` repeat those of the action, so a party's groups are range
  counts on its own links (`ix_action_parties_counts`) and its page is read from the front of
  `ix_action_parties_list_order`, without visiting the actions.

Triggers keep both in step with `actions`, whatever writes it (the application, an import, a bulk
load or a hand-typed statement), on SQLite and PostgreSQL alike. Actions are never deleted (0004),
so only INSERT and UPDATE are followed. TRUNCATE (the PostgreSQL test suite's reset) runs no row
triggers; it empties the tally together with the actions, since it names every table.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NO_DEADLINE = "9999-12-31"
TRIGGERS = (
    ("actions_tally_insert", "actions"),
    ("actions_tally_update", "actions"),
    ("actions_links_update", "actions"),
    ("action_parties_copy", "action_parties"),
)


def upgrade() -> None:
    op.create_table(
        "action_tally",
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("action_parties", sa.Column("status", sa.String(20), nullable=True))
    op.add_column("action_parties", sa.Column("deadline", sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("UPDATE action_parties AS l SET status = a.status, deadline = a.deadline "
                   "FROM actions AS a WHERE a.id = l.action_id")
    else:
        op.execute("UPDATE action_parties SET "
                   "status = (SELECT status FROM actions WHERE actions.id = action_parties.action_id), "
                   "deadline = (SELECT deadline FROM actions WHERE actions.id = action_parties.action_id)")
    op.execute(f"INSERT INTO action_tally (status, day, n) SELECT status, COALESCE(deadline, '{NO_DEADLINE}'), "
               f"count(*) FROM actions GROUP BY status, COALESCE(deadline, '{NO_DEADLINE}')")
    op.create_index("ix_action_parties_counts", "action_parties", ["party_id", "status", "deadline", "action_id"])
    op.create_index("ix_action_parties_list_order", "action_parties",
                    ["party_id", sa.text("(deadline IS NULL)"), "deadline", "action_id", "status"])
    if dialect == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    def bump(status: str, deadline: str, by: str) -> str:
        day = f"COALESCE({deadline}, '{NO_DEADLINE}')"
        return (f"INSERT OR IGNORE INTO action_tally (status, day, n) VALUES ({status}, {day}, 0); "
                f"UPDATE action_tally SET n = n {by} 1 WHERE status = {status} AND day = {day};")

    op.execute(f"CREATE TRIGGER actions_tally_insert AFTER INSERT ON actions BEGIN "
               f"{bump('NEW.status', 'NEW.deadline', '+')} END")
    op.execute(f"CREATE TRIGGER actions_tally_update AFTER UPDATE OF status, deadline ON actions "
               f"WHEN OLD.status IS NOT NEW.status OR OLD.deadline IS NOT NEW.deadline BEGIN "
               f"{bump('OLD.status', 'OLD.deadline', '-')} {bump('NEW.status', 'NEW.deadline', '+')} END")
    op.execute("CREATE TRIGGER actions_links_update AFTER UPDATE OF status, deadline ON actions "
               "WHEN OLD.status IS NOT NEW.status OR OLD.deadline IS NOT NEW.deadline BEGIN "
               "UPDATE action_parties SET status = NEW.status, deadline = NEW.deadline "
               "WHERE action_id = NEW.id; END")
    # SQLite's triggers cannot change the row being inserted, so the copy is made right after.
    op.execute("CREATE TRIGGER action_parties_copy AFTER INSERT ON action_parties BEGIN "
               "UPDATE action_parties SET "
               "status = (SELECT status FROM actions WHERE id = NEW.action_id), "
               "deadline = (SELECT deadline FROM actions WHERE id = NEW.action_id) "
               "WHERE id = NEW.id; END")


def _postgresql_triggers() -> None:
    op.execute(f"""
        CREATE FUNCTION oppfolging_tally_bump(s varchar, d date, by integer) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO action_tally (status, day, n) VALUES (s, COALESCE(d, DATE '{NO_DEADLINE}'), by)
            ON CONFLICT (status, day) DO UPDATE SET n = action_tally.n + EXCLUDED.n;
        END
        $$
    """)
    op.execute("""
        CREATE FUNCTION oppfolging_actions_tally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.status IS NOT DISTINCT FROM NEW.status AND OLD.deadline IS NOT DISTINCT FROM NEW.deadline THEN
                    RETURN NULL;
                END IF;
                PERFORM oppfolging_tally_bump(OLD.status, OLD.deadline, -1);
                UPDATE action_parties SET status = NEW.status, deadline = NEW.deadline WHERE action_id = NEW.id;
            END IF;
            PERFORM oppfolging_tally_bump(NEW.status, NEW.deadline, 1);
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE FUNCTION oppfolging_action_parties_copy() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT status, deadline INTO NEW.status, NEW.deadline FROM actions WHERE id = NEW.action_id;
            RETURN NEW;
        END
        $$
    """)
    op.execute("CREATE TRIGGER actions_tally_insert AFTER INSERT ON actions "
               "FOR EACH ROW EXECUTE FUNCTION oppfolging_actions_tally()")
    op.execute("CREATE TRIGGER actions_tally_update AFTER UPDATE OF status, deadline ON actions "
               "FOR EACH ROW EXECUTE FUNCTION oppfolging_actions_tally()")
    # PostgreSQL follows the links in the tally's function; `actions_links_update` exists on SQLite only.
    op.execute("CREATE TRIGGER action_parties_copy BEFORE INSERT ON action_parties "
               "FOR EACH ROW EXECUTE FUNCTION oppfolging_action_parties_copy()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql"
                   else f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        for function in ("oppfolging_action_parties_copy()", "oppfolging_actions_tally()",
                         "oppfolging_tally_bump(varchar, date, integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_action_parties_list_order", table_name="action_parties")
    op.drop_index("ix_action_parties_counts", table_name="action_parties")
    with op.batch_alter_table("action_parties") as batch:
        batch.drop_column("deadline")
        batch.drop_column("status")
    op.drop_table("action_tally")
