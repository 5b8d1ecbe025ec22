"""LOG_FORMAT=json: one JSON object per line, read back here with `json.loads`.

Each line has time, level, logger and message; the request id (Slack's event_id or trigger_id, the
Teams activity id, a caller's X-Request-Id, else a new one) and the action id where there is one.
Secrets are masked as in text logs, and e-mail addresses are masked in every line.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot import delivery, logformat, logsafety
from bot.app import App
from bot.scheduler import ReminderRunner
from bot.server import build_web_app
from handlers.core.replies import Reply
from handlers.reminders.engine import EngineConfig
from tests.support.fake_delivery import Recorder, join, new_action
from tests.support.slack_harness import Slack, loop_fixture, slack_fixture

__all__ = ["loop_fixture", "slack_fixture"]

SECRET = "xoxb-" + "5150-hemmelig-token"
OSLO = ZoneInfo("Europe/Oslo")


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_lines_parse_back_with_ids_and_masked_secrets_and_addresses() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("tests.ops.json")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logformat.configure("json", [handler])
        logsafety.install({SECRET}, logger=logger)
        logformat.bind_request("Ev0TEST1234")
        with logformat.action(42):
            logger.warning("sending to kari.nordmann@vestlandfylke.no with %s failed", SECRET)
            try:
                raise RuntimeError(f"refused {SECRET}")
            except RuntimeError:
                logger.exception("it broke\non two lines")
        logger.warning("after the action")
        logformat.bind_request("bad id\nwith a newline")  # not an id: the previous one stays
        logger.warning("still the same request")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logformat.REQUEST_ID.set(None)
    first, second, third, fourth = lines(buffer)
    assert set(first) == {"time", "level", "logger", "message", "request_id", "action_id"}
    assert datetime.fromisoformat(first["time"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert (first["level"], first["logger"]) == ("WARNING", "tests.ops.json")
    assert first["message"] == "sending to k***@vestlandfylke.no with *** failed"
    assert (first["request_id"], first["action_id"]) == ("Ev0TEST1234", 42)
    assert second["message"] == "it broke\non two lines" and second["level"] == "ERROR"
    assert "RuntimeError: refused ***" in second["exception"] and SECRET not in buffer.getvalue()
    assert "action_id" not in third and third["request_id"] == "Ev0TEST1234"
    assert fourth["request_id"] == "Ev0TEST1234"


def capture(names: tuple[str, ...]) -> tuple[io.StringIO, logging.Handler, list[logging.Logger]]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logformat.configure("json", [handler])
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return buffer, handler, loggers


def release(handler: logging.Handler, loggers: list[logging.Logger]) -> None:
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def test_a_slack_event_id_is_the_request_id(slack: Slack) -> None:
    fixture = json.loads((Path(__file__).parent / "fixtures" / "slack" / "event_retry.json").read_text("utf-8"))
    body = copy.deepcopy(fixture["body"])
    body["event_id"] = "Ev0LOGGED42"
    buffer, handler, loggers = capture(("bot.slack.event_claims",))
    try:
        assert slack.post(json.dumps(body), "application/json")[0] == 200
        slack.fake.wait_calls("chat.postMessage")
        slack.now = slack.now.replace(second=slack.now.second + 2)  # a retry is a new signed request
        slack.post(json.dumps(body), "application/json", headers=fixture["retry_headers"])
        slack.settle()
    finally:
        release(handler, loggers)
    retried = [line for line in lines(buffer) if "delivered again" in line["message"]]
    assert retried and retried[0]["request_id"] == "Ev0LOGGED42"


def test_http_requests_get_an_id_and_a_callers_id_is_kept(app: App) -> None:
    seen: list[str | None] = []

    async def probe(_request: web.Request) -> web.Response:
        logging.getLogger("tests.ops.probe").warning("probed")
        seen.append(logformat.REQUEST_ID.get())
        return web.Response(text="ok")

    async def run() -> None:
        web_app = build_web_app(app, modules=())
        web_app.router.add_get("/probe", probe)
        server = TestServer(web_app)
        await server.start_server()
        try:
            async with ClientSession() as client:
                for headers in ({"X-Request-Id": "lb-7f3a-0001"}, {}, {"X-Request-Id": "x" * 500}):
                    async with client.get(server.make_url("/probe"), headers=headers) as response:
                        assert response.status == 200
        finally:
            await server.close()

    buffer, handler, loggers = capture(("tests.ops.probe",))
    try:
        asyncio.run(run())
    finally:
        release(handler, loggers)
    assert seen[0] == "lb-7f3a-0001"
    assert seen[1] and seen[2] and len({seen[1], seen[2]}) == 2 and len(seen[2]) == 16  # made up, not the 500 x's
    assert [line["request_id"] for line in lines(buffer)] == seen


def test_a_failed_reminder_is_logged_with_its_action_id(app: App) -> None:
    created = datetime(2027, 1, 4, 12, tzinfo=OSLO)
    join(app, "KS", "slack:UKS", now=created)
    action_id = new_action(app, "KS: Sende invitasjon innen 19.01.2027", now=created)
    app.clock = lambda: datetime(2027, 1, 19, 9, 0, tzinfo=OSLO)
    class RefusesReminders(Recorder):
        async def send(self, destination: delivery.Destination, reply: Reply) -> str:
            if (reply.data or {}).get("kind") == "reminder":
                raise delivery.DeliveryError("mailbox full for kari@ks.no")
            return await super().send(destination, reply)

    recorder = RefusesReminders()
    runner = ReminderRunner(app, EngineConfig(), deliverers=lambda _p: recorder, platforms=("slack",))
    buffer, handler, loggers = capture(("bot.scheduler",))
    try:
        asyncio.run(runner.tick())
    finally:
        release(handler, loggers)
    failed = [line for line in lines(buffer) if line["message"].startswith("sending reminder")]
    assert failed and failed[0]["action_id"] == action_id and failed[0]["level"] == "WARNING"
    assert "kari@ks.no" not in buffer.getvalue() and "k***@ks.no" in failed[0]["message"]
