"""Claims: the UNIQUE key decides who sends, leases are compare-and-set, failures back off,
stale claims are taken over, and claims that are no longer wanted are skipped."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from handlers.reminders import claims
from handlers.reminders.engine import EngineConfig, prepare
from handlers.reminders.policy import ReminderPolicy
from handlers.reminders.routing import Destination
from storage.db import make_engine, session_factory, transaction
from storage.models import Action, Notification
from tests.support.fake_delivery import new_action, say

NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # Monday 09:00 in Oslo
POLICY = ReminderPolicy()
DEST = Destination("slack", "C1")


def new_claim(key: str, *, action_id: int | None = None, due_on: date | None = None,
              category: str = "overview") -> claims.NewClaim:
    reply = {"title": key, "lines": [], "sections": [], "buttons": [], "error": False, "private": False, "data": {}}
    return claims.NewClaim(key, "reminder" if category == "reminder" else category, DEST,
                           {"category": category, "reply": reply, "destination_kind": "channel"}, action_id, due_on)


def run(app, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        return fn(session, *args, **kwargs)


def row(app, notification_id: int) -> Notification:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found


def test_a_key_is_claimed_once(app) -> None:  # type: ignore[no-untyped-def]
    first = run(app, claims.claim, [new_claim("k1"), new_claim("k2")], NOW, "a")
    again = run(app, claims.claim, [new_claim("k1"), new_claim("k3")], NOW, "b")
    assert len(first) == 2 and len(again) == 1
    assert row(app, again[0]).key == "k3" and row(app, again[0]).claimed_by == "b"


def test_concurrent_claimers_each_key_won_exactly_once(app) -> None:  # type: ignore[no-untyped-def]
    keys = [f"race-{n}" for n in range(40)]
    won: dict[str, list[int]] = {}
    barrier = threading.Barrier(6)
    engine = make_engine(app.settings.database_url)
    factory = session_factory(engine)

    def worker(name: str) -> None:
        barrier.wait()
        for key in keys:  # one transaction per key: the workers really interleave
            with transaction(factory) as session:
                won.setdefault(name, []).extend(claims.claim(session, [new_claim(key)], NOW, name))

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    ids = [i for got in won.values() for i in got]
    assert len(ids) == len(set(ids)) == len(keys)
    with app.sessions() as session:
        assert sorted(session.scalars(select(Notification.key))) == sorted(keys)


def test_lease_is_compare_and_set(app) -> None:  # type: ignore[no-untyped-def]
    (nid,) = run(app, claims.claim, [new_claim("lease")], NOW, "owner")
    assert not run(app, claims.lease, nid, NOW, "other", POLICY, fresh=True)  # not the inserter
    assert run(app, claims.lease, nid, NOW, "owner", POLICY, fresh=True)
    assert not run(app, claims.lease, nid, NOW, "owner", POLICY, fresh=True)  # attempt 1 already taken
    # The owner dies. Before `stale_after` nobody may take it; after, exactly one process does.
    assert not run(app, claims.lease, nid, NOW + timedelta(minutes=9), "other", POLICY)
    later = NOW + timedelta(minutes=11)
    assert run(app, claims.ready, later, POLICY, ["slack"]) == [nid]
    assert run(app, claims.lease, nid, later, "other", POLICY)
    assert not run(app, claims.lease, nid, later, "third", POLICY)
    assert not run(app, claims.mark_sent, nid, "owner", later, "late")  # the old owner lost it
    assert run(app, claims.mark_sent, nid, "other", later, "C1:1")
    assert row(app, nid).status == "sent" and row(app, nid).attempts == 2
    assert run(app, claims.ready, later + timedelta(hours=1), POLICY, ["slack"]) == []


def test_failures_back_off_and_are_retried_until_the_window_passes(app) -> None:  # type: ignore[no-untyped-def]
    claim = new_claim("retry")
    claim.payload["send_on"] = NOW.date().isoformat()
    (nid,) = run(app, claims.claim, [claim], NOW, "w")
    now = NOW
    waits = []
    end = claims.window_end(claim.payload, POLICY)
    assert end == datetime(2027, 1, 19, 0, 0)  # the send day, then a week
    while True:
        assert run(app, claims.lease, nid, now, "w", POLICY, fresh=True)
        next_at = run(app, claims.mark_failed, nid, "w", now, POLICY, "HTTP 500")
        if next_at is None:
            break
        waits.append(next_at - claims.to_db(now))
        now = next_at.replace(tzinfo=UTC)
        assert run(app, claims.ready, now - timedelta(seconds=1), POLICY, ["slack"]) == []
        assert run(app, claims.ready, now, POLICY, ["slack"]) == [nid]
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert set(waits[7:]) == {timedelta(hours=1)}
    # Not a number of attempts: a whole week of hourly retries (an outage), then it is given up.
    assert len(waits) > 20 and claims.to_db(now) >= end > claims.to_db(now) - timedelta(hours=1)
    final = row(app, nid)
    assert final.status == "failed" and final.next_attempt_at is None and final.error == "HTTP 500"
    assert run(app, claims.ready, now + timedelta(days=1), POLICY, ["slack"]) == []


def test_retry_after_and_permanent_errors(app) -> None:  # type: ignore[no-untyped-def]
    a, b = run(app, claims.claim, [new_claim("ra"), new_claim("perm")], NOW, "w")
    for nid in (a, b):
        assert run(app, claims.lease, nid, NOW, "w", POLICY, fresh=True)
    assert run(app, claims.mark_failed, a, "w", NOW, POLICY, "429", retry_after=120) == claims.to_db(NOW) + timedelta(seconds=120)
    assert run(app, claims.mark_failed, b, "w", NOW, POLICY, "channel_not_found", permanent=True) is None
    assert run(app, claims.ready, NOW + timedelta(seconds=119), POLICY, ["slack"]) == []
    assert run(app, claims.ready, NOW + timedelta(seconds=120), POLICY, ["slack"]) == [a]
    assert run(app, claims.ready, NOW + timedelta(seconds=120), POLICY, ["teams"]) == []  # other platforms' work


def test_claims_no_longer_wanted_are_skipped(app) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2027, 1, 4, 12, tzinfo=UTC)
    done = new_action(app, "AU: Gjort innen 20.01.2027", now=created)
    moved = new_action(app, "AU: Flyttet innen 20.01.2027", now=created)
    snoozed = new_action(app, "AU: Pause innen 20.01.2027", now=created)
    kept = new_action(app, "AU: Står innen 20.01.2027", now=created)
    deadline = date(2027, 1, 20)
    ids = run(app, claims.claim, [new_claim(f"r{a}", action_id=a, due_on=deadline, category="reminder")
                                  for a in (done, moved, snoozed, kept)], NOW, "w")
    later = run(app, claims.claim, [new_claim("r-later", action_id=kept, due_on=deadline, category="reminder")], NOW, "w")
    say(app, f"/oppfølging ferdig {done}", now=created + timedelta(days=1))
    say(app, f"/oppfølging frist {moved} 22.01.2027", now=created + timedelta(days=1))
    say(app, f"/oppfølging utsett-påminnelse {snoozed} 1 uke", now=NOW)
    reasons = {}
    for nid in ids:
        assert run(app, claims.lease, nid, NOW, "w", POLICY, fresh=True)
        result = run(app, prepare, nid, NOW, EngineConfig())
        reasons[nid] = result if isinstance(result, str) else "send"
    assert list(reasons.values()) == ["action closed", "deadline changed", "snoozed", "superseded by a later reminder"]
    assert all(row(app, nid).status == "skipped" for nid in ids)
    assert run(app, claims.lease, later[0], NOW, "w", POLICY, fresh=True)
    assert not isinstance(run(app, prepare, later[0], NOW, EngineConfig()), str)
    with app.sessions() as session:
        assert session.get(Action, moved).deadline == date(2027, 1, 22)  # type: ignore[union-attr]


def test_long_addresses_are_hashed_into_the_key() -> None:
    long = Destination("teams", "19:" + "x" * 600 + "@thread.tacv2")
    key = claims.notification_key(["reminder", 12, "due", "2027-01-20"], long)
    assert len(key) <= claims.MAX_KEY and key.startswith("reminder:12:due:2027-01-20:teams:#")
    assert key == claims.notification_key(["reminder", 12, "due", "2027-01-20"], long)
    assert claims.notification_key(["reminder", 12, "due", "2027-01-20"], Destination("slack", "C1")) == \
        "reminder:12:due:2027-01-20:slack:C1"
