"""Slack user groups mapped to parties (SLACK_USERGROUP_PARTIES): read from the fake Web API and kept briefly."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.slack.client import web_client
from bot.slack.usergroups import DisplayNames, UsergroupParties
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, loop_fixture, serve  # noqa: F401


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake(loop_thread: LoopThread) -> Iterator[FakeSlack]:
    fake = FakeSlack()
    runner, fake.url = loop_thread.run(serve(fake.web_app()))
    yield fake
    loop_thread.run(runner.cleanup())


def groups(fake: FakeSlack, clock: Clock, mapping: tuple[tuple[str, str], ...]) -> UsergroupParties:
    async def no_wait(seconds: float) -> None:
        return None

    client = web_client(Settings(slack_bot_token="xoxb-" + secrets.token_hex(8), slack_api_url=fake.url + "/api/"), sleep=no_wait)
    return UsergroupParties(client, mapping, ttl=300, retry_after_failure=30, clock=clock)


def test_members_of_mapped_groups_get_the_party_and_are_kept_for_a_while(loop_thread: LoopThread,
                                                                          fake: FakeSlack) -> None:
    fake.add_usergroup("au", ["U0ANNE", "U0BO"])
    fake.add_usergroup("fk-vestland", ["U0BO"])
    fake.add_usergroup("styret", ["U0ANNE"])
    clock = Clock()
    directory = groups(fake, clock, (("@AU", "au"), ("fk-vestland", "vestland"), ("finnes-ikke", "ks")))
    assert loop_thread.run(directory.parties_of("U0BO")) == ("au", "vestland")
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ("au",)
    assert loop_thread.run(directory.parties_of("U0CARL")) == ()
    assert len(fake.of("usergroups.list")) == 1 and len(fake.of("usergroups.users.list")) == 2

    fake.usergroups[0].users.remove("U0ANNE")
    clock.now += 299
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ("au",)  # still the cached members
    clock.now += 2
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ()  # read again after five minutes
    assert len(fake.of("usergroups.list")) == 2


def test_when_slack_fails_the_last_known_members_are_used(loop_thread: LoopThread, fake: FakeSlack) -> None:
    fake.add_usergroup("au", ["U0ANNE"])
    clock = Clock()
    directory = groups(fake, clock, (("au", "au"),))
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ("au",)
    clock.now += 301
    fake.errors["usergroups.list"] = "missing_scope"
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ("au",)
    clock.now += 10
    loop_thread.run(directory.parties_of("U0ANNE"))
    assert len(fake.of("usergroups.list")) == 2  # no retry before 30 seconds have passed


def test_a_group_never_read_gives_nobody_rights(loop_thread: LoopThread, fake: FakeSlack) -> None:
    fake.add_usergroup("au", ["U0ANNE"])
    fake.errors["usergroups.list"] = "invalid_auth"
    directory = groups(fake, Clock(), (("au", "au"),))
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ()


def test_no_mapping_means_no_calls(loop_thread: LoopThread, fake: FakeSlack) -> None:
    directory = groups(fake, Clock(), ())
    assert loop_thread.run(directory.parties_of("U0ANNE")) == ()
    assert fake.calls == []


def test_display_names_come_from_users_info_and_fall_back(loop_thread: LoopThread, fake: FakeSlack) -> None:
    fake.names["U0ANNE"] = "Anne Hansen"
    client = web_client(Settings(slack_bot_token="xoxb-" + secrets.token_hex(8), slack_api_url=fake.url + "/api/"))
    names = DisplayNames(client, clock=Clock())
    assert loop_thread.run(names.name("U0ANNE", "anne")) == "Anne Hansen"
    assert loop_thread.run(names.name("U0ANNE", "anne")) == "Anne Hansen"
    assert len(fake.of("users.info")) == 1
    fake.errors["users.info"] = "user_not_found"
    assert loop_thread.run(names.name("U0NOBODY", "nobody")) == "nobody"
