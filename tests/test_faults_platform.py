"""Slack and Teams down for an hour during the Monday digest: delivered after recovery, once each.

Builds on the reminder engine's fault harness (tests/support/fake_delivery.py): a fake Slack and
Teams message API over real HTTP, and the real `ReminderRunner` ticking at explicit moments. Here
both platforms answer 503 to everything from 08:00 to 09:00 on the Monday the weekly digest goes
out; the runner ticks every five minutes as the service does. After recovery every part of every
digest arrives, in order, exactly once. The 429/timeout/500 cases are in test_reminders_faults.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from tests.support.fake_delivery import FakePlatform, HttpDeliverer, Sim, subscribe
from tests.test_digest_weekly import make_many

OSLO = ZoneInfo("Europe/Oslo")
MONDAY = datetime(2027, 1, 18, 8, 0, tzinfo=OSLO)


class DownPlatform(FakePlatform):
    """A fake platform that can be switched off: every request is a 503 while `down`."""

    down = False

    async def _fault(self, path: str) -> web.Response | None:
        if self.down:
            with self._lock:
                self.refused.append((path, "503"))
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        return await super()._fault(path)


@pytest.fixture
def platform() -> Iterator[DownPlatform]:
    fake = DownPlatform()
    fake.start()
    yield fake
    fake.stop()


def test_an_hour_of_outage_during_the_digest(app, platform: DownPlatform) -> None:  # type: ignore[no-untyped-def]
    created = MONDAY - timedelta(days=14)
    subscribe(app, "Vestland", "CVEST", now=created)
    subscribe(app, "KDD", "19:kdd@thread.tacv2", now=created, platform="teams")
    make_many(app, "vestland", 80, MONDAY)  # several parts
    make_many(app, "kdd", 5, MONDAY)
    sim = Sim(app, platforms=("slack", "teams"), deliverers={
        "slack": HttpDeliverer(platform.url, "slack"), "teams": HttpDeliverer(platform.url, "teams")})

    platform.down = True
    moment = MONDAY
    while moment < MONDAY + timedelta(hours=1):
        sim.tick(moment)
        moment += timedelta(minutes=5)
    assert platform.refused and not [d for d in platform.delivered if d.data.get("kind") == "digest"]

    platform.down = False
    for _ in range(12):  # the next hour, every five minutes
        sim.tick(moment)
        moment += timedelta(minutes=5)

    digests = [d for d in platform.delivered if d.data.get("kind") == "digest"]
    by_destination: dict[str, list[int]] = {}
    for d in digests:
        by_destination.setdefault(d.address, []).append(d.data["part"])
    total = {d.address: d.data["parts"] for d in digests}
    assert set(by_destination) == {"CVEST", "19:kdd@thread.tacv2"}
    for address, parts in by_destination.items():
        assert parts == list(range(1, total[address] + 1)), (address, parts)  # all, in order, once
    assert total["CVEST"] >= 2
    identities = platform.identities()
    assert len(identities) == len(set(identities))  # nothing at all was sent twice
