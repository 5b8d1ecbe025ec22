"""Three worker processes against one PostgreSQL database, started together over the same due set:
every notification goes out exactly once (the UNIQUE claim key decides; nothing else coordinates)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from storage.models import Notification
from tests.support.fake_delivery import FakePlatform, join, new_action, say, subscribe
from tests.test_reminders_restart import Worker

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
MONDAY = datetime(2027, 1, 18, 9, 0, tzinfo=OSLO)


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.start()
    yield fake
    fake.stop()


def test_three_replicas_send_each_notification_once(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    if not app.settings.database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is for one process")
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=CREATED, channel="CSEK")
    channels = [("AU", "CAU"), ("KDD", "CKDD"), ("Siva", "CSIVA"), ("Nordland", "CNORD"), ("Vestland", "CVEST")]
    for party, channel in channels:
        subscribe(app, party, channel, now=CREATED)
    join(app, "KS", "slack:UKS", now=CREATED)
    # Monday 18 January: the week's digests and overview, plus reminders at every stage.
    for n in range(6):
        new_action(app, f"AU, KDD og Siva: Sak {n} innen 18.01.2027", now=CREATED)  # due today
        new_action(app, f"Nordland og Vestland: Sak {n} innen 19.01.2027", now=CREATED)  # tomorrow
        new_action(app, f"KS: Sak {n} innen 11.01.2027", now=CREATED)  # a week overdue
        new_action(app, f"Vestland: Sak {n} innen 01.02.2027", now=CREATED)  # in 14 days
    url = app.settings.database_url
    workers = [Worker(url, MONDAY + timedelta(seconds=n), f"replica-{n}", platform.url, "--wait-go",
                      "--plan-barrier") for n in range(3)]
    for worker in workers:
        worker.until("ready")
    for worker in workers:
        worker.send("go")
    # The digest goes first (whoever claims it first sends it); then every replica plans the same
    # reminders and waits; then all three claim and send at once.
    planned = [set(worker.until("planned")["keys"]) for worker in workers]
    reminders = 6 * 3 + 6 * 2 + 6 * 1 + 6 * 1
    assert all(len(keys) == reminders for keys in planned) and planned[0] == planned[1] == planned[2]
    for worker in workers:
        worker.send("go")
    results = [worker.finish() for worker in workers]
    counts = Counter(platform.identities())
    with app.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Notification))
        by_status = dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
        reminder_claimers = set(session.scalars(select(Notification.claimed_by).where(Notification.kind != "digest")))
    assert sum(1 for identity in counts if identity[2] == "reminder") == reminders
    assert sum(1 for identity in counts if identity[2] == "digest") == len(channels) + 1  # KS by direct message
    assert sum(1 for identity in counts if identity[2] == "overview") == 1
    assert set(counts.values()) == {1}, [i for i, n in counts.items() if n > 1]
    assert len(counts) == total and by_status == {"sent": total}
    assert sum(r["sent"] for r in results) == total
    assert sum(r["claimed"] for r in results) == total
    print(f"reminder claims per replica: {sorted(reminder_claimers)}")
