"""The Teams benchmark's fake Bot Connector in its own process (bench/teams_connector.py): as strict
as the tests' one, and what the bot sent it readable afterwards; TeamsHarness pointed at it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bench.procs import Process
from bench.teams_connector import paced_delivery_connector
from bench.teams_http import clear_connector, connector_record, most_within, start_connector
from bot.delivery import Destination
from handlers.core.replies import Reply
from tests.conftest import NOW
from tests.support.teams_harness import BOT_TOKEN, CHANNEL, TeamsHarness, installed
from tests.support.web_server import running


@pytest.fixture(name="connector")
def connector_fixture() -> Iterator[Process]:
    process = start_connector()
    yield process
    process.stop()


def post_message(url: str, conversation: str, token: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{url}/v3/conversations/{conversation}/activities",
                                     data=json.dumps({"type": "message", "text": "x"}).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_message_without_the_bots_token_is_refused_and_not_recorded(connector: Process) -> None:
    assert post_message(connector.url, "19:a@thread.tacv2", None) == 401
    assert post_message(connector.url, "19:a@thread.tacv2", "someone-elses-token") == 401
    assert connector_record(connector) == ([], 0)


def test_the_bots_messages_are_recorded_in_order_and_cleared_on_request(sqlite_url: str, connector: Process) -> None:
    harness = TeamsHarness(sqlite_url, NOW, connector_url=connector.url)
    try:
        assert harness.service_url == connector.url + "/"
        harness.post(installed(harness, conversation=CHANNEL, kind="channel"))  # the welcome goes out
        clear_connector(connector)
        assert connector_record(connector) == ([], 0)

        harness.deliver(Destination("teams", CHANNEL), Reply(title="Påminnelse", lines=["Punkt 1 har frist i dag."]))
        harness.deliver(Destination("teams", CHANNEL), Reply(title="Påminnelse", lines=["Punkt 2 har frist i dag."]))

        record, limited = connector_record(connector)
        assert limited == 0
        assert [conversation for _, conversation in record] == [CHANNEL, CHANNEL]
        assert record[0][0] <= record[1][0]
        assert harness.connector.calls == []  # the harness started no connector of its own
    finally:
        harness.close()


def test_it_keeps_the_documented_rate_limits() -> None:
    # The benchmark's connector, served here on a clock that stands still: eight messages to one
    # conversation at one moment, and the eighth is past "7 in 1 s".
    connector = paced_delivery_connector(BOT_TOKEN)
    connector.clock = lambda: 100.0
    with running(connector.app()) as url:
        statuses = [post_message(url, "19:b@thread.tacv2", BOT_TOKEN) for _ in range(8)]
        record = json.loads(urllib.request.urlopen(f"{url}/_bench/record", timeout=10).read())
    assert statuses == [200] * 7 + [429]
    assert record["limited"] == 1 and len(record["messages"]) == 7


def test_most_within_counts_a_window_as_the_rates_do() -> None:
    # "At most 50 in any 1 s": a message exactly a second after another is in the next window.
    assert most_within([0.0, 0.5, 1.0, 1.2], 1.0) == 3
    assert most_within([2.0, 0.0, 0.999], 1.0) == 2  # any order
    assert most_within([], 1.0) == 0
