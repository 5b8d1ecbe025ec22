"""Delivery faults over real HTTP: 429 with Retry-After, 500s and timeouts end in delivery after
recovery, in order, each message once. The clock is a parameter: retries are ticks at later moments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryError
from handlers.reminders.engine import EngineConfig
from handlers.reminders.policy import ReminderPolicy
from storage.models import Notification
from tests.support.fake_delivery import FakePlatform, HttpDeliverer, Sim, new_action, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
DAY = datetime(2027, 1, 19, 9, 0, tzinfo=OSLO)  # a Tuesday: no digest in the way


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.start()
    yield fake
    fake.stop()


def http_sim(app, platform: FakePlatform, timeout: float = 5.0) -> Sim:  # type: ignore[no-untyped-def]
    return Sim(app, platforms=("slack", "teams"), deliverers={
        "slack": HttpDeliverer(platform.url, "slack", timeout), "teams": HttpDeliverer(platform.url, "teams", timeout)})


def setup_due(app) -> int:  # type: ignore[no-untyped-def]
    """One action due on Tuesday 19 January 2027 for a Slack channel (AU) and a Teams channel (KDD)."""
    subscribe(app, "AU", "CAU", now=CREATED)
    subscribe(app, "KDD", "19:kdd@thread.tacv2", now=CREATED, platform="teams")
    return new_action(app, "AU og KDD: Avklare statssekretærmøte innen 19.01.2027", now=CREATED)


def statuses(app) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        rows = session.execute(select(Notification.destination, Notification.status, Notification.attempts)
                               .where(Notification.kind == "due").order_by(Notification.destination))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_429_with_retry_after_is_honoured_and_delivered_once(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    action = setup_due(app)
    sim = http_sim(app, platform)
    sim.tick(DAY - timedelta(days=1))  # Monday: the digest and "1 working day before", delivered
    platform.fail_next("429:120")  # whichever of the two channels asks first is rate limited
    sim.tick(DAY)
    first = [d.address for d in platform.delivered if d.data.get("stage") == "due"]
    assert len(first) == 1
    assert sorted(status for _, status, _ in statuses(app)) == ["failed", "sent"]
    sim.tick(DAY + timedelta(seconds=119))  # Retry-After not over yet
    assert [d.address for d in platform.delivered if d.data.get("stage") == "due"] == first
    sim.tick(DAY + timedelta(seconds=120))
    due = [(d.address, d.data["action"]["id"]) for d in platform.delivered if d.data.get("stage") == "due"]
    assert sorted(due) == [("19:kdd@thread.tacv2", action), ("CAU", action)]
    assert sorted(attempts for _, status, attempts in statuses(app) if status == "sent") == [1, 2]
    assert len(platform.identities()) == len(set(platform.identities())) == 6


def test_server_errors_back_off_until_the_platform_recovers(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    setup_due(app)
    sim = http_sim(app, platform)
    sim.tick(DAY - timedelta(days=1))
    platform.fail_next("500", "503", "500", "500", "500")  # both messages fail, then the retries
    sim.tick(DAY)
    assert [s for _, s, _ in statuses(app)] == ["failed", "failed"]
    moments = [DAY + timedelta(minutes=m) for m in (1, 2, 3, 5, 7, 8)]
    for moment in moments:
        sim.tick(moment)
    assert [s for _, s, _ in statuses(app)] == ["sent", "sent"]
    assert len(platform.refused) == 5
    assert len(platform.identities()) == len(set(platform.identities())) == 6


def test_a_timeout_is_retried_and_delivered(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    setup_due(app)
    sim = http_sim(app, platform, timeout=0.3)
    sim.tick(DAY - timedelta(days=1))
    platform.fail_next("hang")  # the platform accepts the connection and never answers
    sim.tick(DAY)
    failed = [row for row in statuses(app) if row[1] == "failed"]
    assert len(failed) == 1
    sim.tick(DAY + timedelta(minutes=1))
    assert [s for _, s, _ in statuses(app)] == ["sent", "sent"]
    assert len(platform.identities()) == len(set(platform.identities())) == 6


def test_a_long_outage_loses_nothing(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    setup_due(app)
    sim = http_sim(app, platform)
    sim.tick(DAY - timedelta(days=1))
    platform.fail_next(*["503"] * 14)
    moment = DAY
    for _ in range(40):  # every five minutes through the working day, as the retry tick does
        sim.tick(moment)
        moment += timedelta(minutes=5)
    assert [s for _, s, _ in statuses(app)] == ["sent", "sent"]
    assert len(platform.identities()) == len(set(platform.identities())) == 6


def test_digest_parts_arrive_in_order_once_despite_a_failure(app, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    from tests.test_digest_weekly import make_many

    subscribe(app, "Vestland", "CVEST", now=CREATED)
    make_many(app, "vestland", 80, DAY)

    # Part 1 goes through, part 2 hits a 500, the later parts must wait for part 2.
    class FailSecond(HttpDeliverer):
        calls = 0

        async def send(self, destination, reply):  # type: ignore[no-untyped-def]
            FailSecond.calls += 1
            if FailSecond.calls == 2:
                raise DeliveryError("server error 500")
            return await super().send(destination, reply)

    # Unbounded sections (digest_section_max=0), so the digest comes in several parts.
    unbounded = EngineConfig(policy=ReminderPolicy(digest_section_max=0), tz=app.settings.timezone)
    sim = Sim(app, unbounded, platforms=("slack",), deliverers={"slack": FailSecond(platform.url, "slack")})
    sim.tick(DAY - timedelta(days=1, minutes=55))  # Monday 08:05: the week's digest
    parts = [d.data["part"] for d in platform.delivered if d.data.get("kind") == "digest"]
    assert parts == [1]
    sim.tick(DAY - timedelta(days=1, minutes=53))
    parts = [d.data["part"] for d in platform.delivered if d.data.get("kind") == "digest"]
    total = platform.delivered[0].data["parts"]
    assert total >= 3 and parts == list(range(1, total + 1))


def test_through_the_real_slack_deliverer(app) -> None:  # type: ignore[no-untyped-def]
    """The engine with the Slack engineer's deliverer against the fake Slack Web API."""
    from bot.config import Settings
    from bot.slack.client import web_client
    from bot.slack.delivery import SlackDeliverer
    from tests.support.fake_slack import FakeSlack
    from tests.support.slack_harness import LoopThread, serve

    loop = LoopThread()
    fake = FakeSlack()
    runner, fake.url = loop.run(serve(fake.web_app()))
    try:
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:  # the client's own retries wait on nothing here
            sleeps.append(seconds)

        deliverer = SlackDeliverer(web_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url + "/api/"),
                                              sleep=sleep))
        subscribe(app, "AU", "CAU", now=CREATED)
        action = new_action(app, "AU: Sende brev til KDD innen 19.01.2027", now=CREATED)
        sim = Sim(app, platforms=("slack",), deliverers={"slack": deliverer})
        sim.tick(DAY - timedelta(days=1))  # Monday: the digest and "frist i morgen"
        before = len(fake.of("chat.postMessage"))
        assert before == 2
        # Rate limited through all of the client's own retries: the engine keeps the claim for later.
        fake.fail_next("chat.postMessage", status=429, retry_after=300, times=4)
        sim.tick(DAY)
        assert len(fake.of("chat.postMessage")) == before and len(fake.refused) == 4
        sim.tick(DAY + timedelta(seconds=299))
        assert len(fake.of("chat.postMessage")) == before and len(fake.refused) == 4
        sim.tick(DAY + timedelta(seconds=300))
        posted = fake.of("chat.postMessage")[before:]
        assert [p.params["channel"] for p in posted] == ["CAU"]
        assert "Påminnelse: frist i dag" in str(posted[0].params.get("blocks"))
        assert f"ferdig {action}" in str(posted[0].params.get("blocks"))
        sim.tick(DAY + timedelta(minutes=30))
        assert len(fake.of("chat.postMessage")) == before + 1
    finally:
        loop.run(runner.cleanup())
        loop.stop()
