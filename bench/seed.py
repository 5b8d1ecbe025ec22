"""Fill a database with many realistic actions quickly (bulk inserts, not the chat path)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from storage.db import session_factory, transaction
from storage.models import Action, ActionEvent, ActionParty, Party, Person
from storage.setup import init_database

CHUNK = 5000


def seed(engine: Engine, n_actions: int, *, today: date, due_today: int = 0, seed_value: int = 7) -> None:
    """`n_actions` actions spread over two years of deadlines; `due_today` of them due on `today`."""
    now = datetime.combine(today, datetime.min.time())
    init_database(engine, now)
    rng = random.Random(seed_value)
    factory = session_factory(engine)
    with transaction(factory) as session:
        party_ids = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
        person = session.scalar(select(Person).where(Person.external_id == "bench"))
        if person is None:
            person = Person(platform="console", external_id="bench", display_name="Bench", created_at=now)
            session.add(person)
            session.flush()
        person_id = person.id
        start_id = (session.scalar(select(func.max(Action.id))) or 0) + 1
    keys = sorted(k for k in party_ids if k not in ("viken", "vestfold-og-telemark", "troms-og-finnmark"))
    statuses = ["open"] * 6 + ["in_progress"] * 2 + ["done"] * 2 + ["cancelled"]
    next_id = start_id
    remaining = n_actions
    while remaining > 0:
        size = min(CHUNK, remaining)
        actions, links, events = [], [], []
        for _ in range(size):
            action_id = next_id
            next_id += 1
            if due_today > 0:
                deadline: date | None = today
                status = "open"
                due_today -= 1
            else:
                # Keep the due set small: avoid today and the reminder offsets near it, and past
                # deadlines whose weekly "still overdue" reminder would fall on `today` (days overdue
                # of 3 or 4 modulo 7 never map to a send day, whatever weekday `today` is).
                offset = rng.choice([-(rng.randint(8, 57) * 7 + rng.choice((3, 4))), rng.randint(60, 400)])
                deadline = None if rng.random() < 0.15 else today + timedelta(days=offset)
                status = rng.choice(statuses)
            actions.append({
                "id": action_id, "text": f"Oppfølgingspunkt nummer {action_id} om regional samhandling",
                "status": status, "deadline": deadline, "deadline_text": "", "case_ref": str(rng.randint(1, 12)),
                "source": "import", "created_by_id": person_id, "updated_by_id": person_id,
                "created_at": now, "updated_at": now,
            })
            for position, key in enumerate(rng.sample(keys, rng.choice([1, 1, 1, 2, 3]))):
                links.append({"action_id": action_id, "party_id": party_ids[key], "position": position})
            events.append({"action_id": action_id, "at": now, "actor_id": person_id, "source": "import",
                           "kind": "created", "old_value": None, "new_value": None})
        with engine.begin() as conn:
            conn.execute(insert(Action), actions)
            conn.execute(insert(ActionParty), links)
            conn.execute(insert(ActionEvent), events)
        remaining -= size
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('actions_id_seq', (SELECT max(id) FROM actions))")
        # What autovacuum does within a minute of a bulk load in production (it vacuums after
        # `autovacuum_vacuum_insert_threshold` inserts): statistics, and the visibility map that
        # lets counts read index entries without visiting the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
