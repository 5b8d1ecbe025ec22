"""Pacing through the real deliverers over HTTP, on an injected clock: a digest and 30 reminders to one
Teams channel within Microsoft's documented rates, Slack at one message per second per channel (the
fake Slack enforces it), Retry-After honoured and never a reason to give up, and an hour-long
Bot Connector outage after which everything arrives once, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.delivery import Destination
from bot.scheduler import ReminderRunner
from handlers.core.replies import Reply
from handlers.reminders.engine import EngineConfig
from handlers.reminders.pacing import RATES, Pacer
from storage.db import transaction
from storage.models import Action, ActionParty, Notification, Party
from tests.support import fake_slack
from tests.support.fake_clock import FakeClock
from tests.support.fake_delivery import Sim, say, subscribe
from tests.support.fake_teams import FakeBotConnector
from tests.support.teams_harness import BOT_TOKEN, CHANNEL, TeamsHarness, installed
from tests.test_pacing import broken_windows, fastest

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
MONDAY = datetime(2027, 1, 18, 9, 0, tzinfo=OSLO)  # the week's digest (08:00) and the day's reminders (09:00)


def due_actions(app, party: str, count: int, deadline: Any) -> list[int]:  # type: ignore[no-untyped-def]
    """`count` open actions of `party`, all due on `deadline`."""
    ids = []
    with transaction(app.sessions) as session:
        party_id = session.scalar(select(Party.id).where(Party.key == party))
        for n in range(count):
            action = Action(text=f"Punkt {n + 1:02d}: svare på høringen om regional plan", status="open",
                            deadline=deadline, source="import", deadline_text="", case_ref=f"{n + 1}/27",
                            created_at=datetime(2027, 1, 4), updated_at=datetime(2027, 1, 4))
            action.party_links.append(ActionParty(party_id=party_id, position=0))
            session.add(action)
            session.flush()
            ids.append(action.id)
    return ids


class Connector(FakeBotConnector):
    """The fake Bot Connector, which can be down (503 to every message) for as long as a test says."""

    down = False

    async def _record(self, request: web.Request) -> Any:
        call, refusal = await super()._record(request)
        if self.down and refusal is None:
            call.status = 503
            refusal = web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        return call, refusal


class Stamped:
    """The real deliverer, with the (fake) time of each send noted."""

    def __init__(self, inner: Any, clock: FakeClock) -> None:
        self.inner, self.clock = inner, clock
        self.times: list[float] = []

    async def send(self, destination: Destination, reply: Reply) -> str:
        self.times.append(self.clock.now)
        result: str = await self.inner.send(destination, reply)
        return result


@pytest.fixture
def teams(db_url: str) -> Iterator[TeamsHarness]:
    harness = TeamsHarness(db_url, MONDAY, connector=Connector(BOT_TOKEN))
    yield harness
    harness.close()


def teams_runner(teams: TeamsHarness) -> tuple[ReminderRunner, Stamped, FakeClock]:
    assert teams.app is not None
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    say(teams.app, "/oppfølging medlem Vestland", "teams:sekretær", now=CREATED)
    say(teams.app, "/oppfølging abonner Vestland", "teams:sekretær", now=CREATED, channel=CHANNEL)
    teams.connector.clear()
    clock = FakeClock()
    stamped = Stamped(teams.deliverer, clock)
    runner = ReminderRunner(teams.app, EngineConfig(tz=OSLO), worker="pace", platforms=("teams",),
                            deliverers=lambda p: stamped if p == "teams" else None,
                            pacer=Pacer(clock=clock, sleep=clock.sleep))
    return runner, stamped, clock


def statuses(teams: TeamsHarness) -> list[tuple[str, int]]:
    assert teams.app is not None
    with teams.app.sessions() as session:
        return [(s, a) for s, a in session.execute(select(Notification.status, Notification.attempts)
                                                     .order_by(Notification.id))]


def test_a_digest_and_30_reminders_to_one_teams_channel_keep_microsofts_rates(teams: TeamsHarness) -> None:
    runner, stamped, _clock = teams_runner(teams)
    assert teams.app is not None
    due_actions(teams.app, "vestland", 30, MONDAY.date())
    report = teams.loop.run(runner.tick(MONDAY), timeout=120)
    posts = teams.connector.delivered
    assert report.count("sent") == len(report.claimed) == len(posts) == len(stamped.times) == 31
    assert all(p.conversation_id == CHANNEL for p in posts)
    assert "Ukeoversikt" in str(posts[0].cards) and all("frist i dag" in str(p.cards) for p in posts[1:])
    # Every window Microsoft documents for one bot in one conversation holds, and no send waited longer
    # than that: 7 at once, the 8th a second later, then as 8 per 2 s allows.
    assert broken_windows(stamped.times, RATES["teams"].per_destination) == []
    start = stamped.times[0]
    assert [t - start for t in stamped.times] == fastest(31, RATES["teams"].per_destination)
    assert [t - start for t in stamped.times[:10]] == [0.0] * 7 + [1.0, 2.0, 2.0]
    assert teams.waits == []  # the HTTP client itself never waited: nothing was refused


def test_retry_after_2s_four_times_then_success_is_delivered_once(teams: TeamsHarness) -> None:
    runner, stamped, clock = teams_runner(teams)
    assert teams.app is not None
    due_actions(teams.app, "vestland", 1, MONDAY.date() + timedelta(days=20))  # no reminder today: the digest only
    teams.connector.fail_next(4, 429, retry_after="2")
    first = teams.loop.run(runner.tick(MONDAY), timeout=60)
    refused = [c for c in teams.connector.calls if c.status == 429]
    assert len(refused) == 4 and teams.connector.delivered == []
    # Each 429 held the conversation for its 2 s (the pacer's waits), and the message was kept.
    assert clock.sleeps == [2.0, 2.0, 2.0] and teams.waits == []
    assert [o.status for o in first.outcomes] == ["failed"] and first.outcomes[0].next_attempt_at is not None
    assert statuses(teams) == [("failed", 1)]
    runner_now = MONDAY + timedelta(minutes=5)
    teams.loop.run(runner.tick(runner_now), timeout=60)
    assert len(teams.connector.delivered) == 1 and statuses(teams) == [("sent", 2)]
    teams.loop.run(runner.tick(runner_now + timedelta(minutes=5)), timeout=60)
    assert len(teams.connector.delivered) == 1 and len(stamped.times) == 5


def test_an_hour_long_connector_outage_delivers_everything_once_in_order(teams: TeamsHarness) -> None:
    runner, _stamped, _clock = teams_runner(teams)
    assert teams.app is not None
    due_actions(teams.app, "vestland", 5, MONDAY.date())
    connector = teams.connector
    assert isinstance(connector, Connector)
    connector.down = True
    moment = MONDAY
    while moment < MONDAY + timedelta(hours=3):  # the retry tick, every five minutes
        connector.down = moment < MONDAY + timedelta(hours=1)
        teams.loop.run(runner.tick(moment), timeout=60)
        moment += timedelta(minutes=5)
    assert not connector.down and [c for c in connector.calls if c.status == 503]
    posts = connector.delivered
    assert [s for s, _ in statuses(teams)] == ["sent"] * 6
    titles = [str(p.cards[0]) for p in posts]
    assert len(posts) == 6 and "Ukeoversikt" in titles[0]
    numbers = [next(f"Punkt {n:02d}" for n in range(1, 6) if f"Punkt {n:02d}:" in title) for title in titles[1:]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5  # once each, in claim order


def test_slack_one_message_per_second_per_channel_against_the_rate_limited_fake(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.config import Settings
    from bot.slack.client import web_client
    from bot.slack.delivery import SlackDeliverer
    from tests.support.slack_harness import LoopThread, serve

    loop = LoopThread()
    fake = fake_slack.FakeSlack(per_channel_interval=1.0)  # refuses a second post within 1 s, as Slack does
    runner, fake.url = loop.run(serve(fake.web_app()))
    try:
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        deliverer = SlackDeliverer(web_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url + "/api/"),
                                              sleep=sleep))
        sim = Sim(app, platforms=("slack",), deliverers={"slack": deliverer})
        # The fake keeps Slack's pace on the simulation's clock (one lane: its clock is the latest).
        monkeypatch.setattr(fake_slack, "time", SimpleNamespace(perf_counter=lambda: sim.clock.latest))
        subscribe(app, "Vestland", "CVEST", now=CREATED)
        due_actions(app, "vestland", 6, MONDAY.date())
        sim.tick(MONDAY)
        posts = fake.of("chat.postMessage")
        assert len(posts) == 7 and fake.refused == [] and sleeps == []
        assert [p.at for p in posts] == [float(n) for n in range(7)]
    finally:
        loop.run(runner.cleanup())
        loop.stop()
