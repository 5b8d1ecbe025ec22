"""Crashes: a worker killed with SIGKILL after claiming (before sending) or after the platform
accepted a message (before it was marked sent), then a new worker. Every due notification ends up
delivered; the only duplicate is the documented one: the message in flight at the kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage.models import Notification
from tests.support.fake_delivery import FakePlatform, HttpDeliverer, Sim, join, new_action, subscribe

ROOT = Path(__file__).resolve().parent.parent
OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
TUESDAY = datetime(2027, 1, 19, 9, 0, tzinfo=OSLO)


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.start()
    yield fake
    fake.stop()


def due_set(app) -> int:  # type: ignore[no-untyped-def]
    """Eight actions due on Tuesday 19 January 2027 for three Slack channels: 24 reminders. Monday's
    tick (the digest, "frist i morgen") runs in-process first, so the workers see only Tuesday's."""
    for party, channel in (("AU", "CAU"), ("KDD", "CKDD"), ("Siva", "CSIVA")):
        subscribe(app, party, channel, now=CREATED)
    join(app, "KS", "slack:UKS", now=CREATED)
    for n in range(8):
        new_action(app, f"AU, KDD og Siva: Sak {n} innen 19.01.2027", now=CREATED)
    Sim(app).tick(TUESDAY - timedelta(days=1))
    return 24


class Worker:
    def __init__(self, db: str, now: datetime, name: str, fake: str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.reminder_worker", "--db", db, "--now", now.isoformat(), "--worker", name,
             "--fake", fake, *extra],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def until(self, event: str) -> dict:  # type: ignore[type-arg]
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(30)
                raise AssertionError(f"worker ended before {event!r}: {self.proc.stderr.read()}")  # type: ignore[union-attr]
            data = json.loads(line)
            if data["event"] == event:
                return data

    def send(self, line: str = "") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        assert self.proc.returncode == -signal.SIGKILL

    def finish(self) -> dict:  # type: ignore[type-arg]
        done = self.until("done")
        self.proc.wait(60)
        assert self.proc.returncode == 0, self.proc.stderr.read()  # type: ignore[union-attr]
        return done


def due_rows(app) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        return [tuple(r) for r in session.execute(  # type: ignore[misc]
            select(Notification.key, Notification.status, Notification.attempts).where(Notification.kind == "due"))]


def test_killed_after_claiming_before_sending(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    expected = due_set(app)
    url = app.settings.database_url
    first = Worker(url, TUESDAY, "first", platform.url, "--pause", "after_claim")
    claimed = first.until("claimed")
    assert len(claimed["ids"]) == expected
    first.until("paused")
    first.kill()
    assert platform.delivered == []
    assert {status for _, status, _ in due_rows(app)} == {"claimed"}
    # A tick within the stale window: the claims still look alive, so nobody takes them over yet.
    early = Sim(app, platforms=("slack",), deliverers={"slack": HttpDeliverer(platform.url, "slack")})
    assert early.tick(TUESDAY + timedelta(minutes=9)) == [] and platform.delivered == []
    # After `stale_after` the next worker takes the dead one's claims over and sends each once.
    second = Worker(url, TUESDAY + timedelta(minutes=11), "second", platform.url).finish()
    assert second["sent"] == expected
    counts = Counter(platform.identities())
    assert len(counts) == expected and set(counts.values()) == {1}
    assert {(status, attempts) for _, status, attempts in due_rows(app)} == {("sent", 1)}


def test_killed_after_the_platform_accepted_before_marking(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    expected = due_set(app)
    url = app.settings.database_url
    first = Worker(url, TUESDAY, "first", platform.url, "--pause", "after_send", "--parallel", "1")
    paused = first.until("paused")
    first.kill()
    in_flight = [key for key, status, attempts in due_rows(app) if status == "claimed" and attempts == 1]
    delivered_before = len(platform.delivered)
    assert delivered_before >= 1
    second = Worker(url, TUESDAY + timedelta(minutes=11), "second", platform.url).finish()
    counts = Counter(platform.identities())
    assert len(counts) == expected  # nothing lost
    doubled = [identity for identity, n in counts.items() if n > 1]
    # The one narrow window: the message the platform had accepted when the process died.
    assert len(doubled) == 1 and set(counts.values()) == {1, 2}
    assert len(in_flight) == 1
    with app.sessions() as session:
        row = session.get(Notification, paused["id"])
        assert row is not None and row.key == in_flight[0] and row.status == "sent" and row.attempts == 2
    assert second["sent"] == expected - delivered_before + 1
