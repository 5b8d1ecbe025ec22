"""Running the real Slack service and the fake Slack over real HTTP, and building signed Slack requests.

The service (`bot.server.build_web_app` with the Slack module) and the fake listen on free
localhost ports in one background event loop; tests talk to them from their own thread with
plain HTTP, exactly as Slack would, signing every request with a secret generated per test.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web

from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from bot.slack import service as slack_service
from tests.conftest import NOW
from tests.support import block_kit
from tests.support.fake_slack import FakeSlack


class LoopThread:
    """An asyncio loop in a daemon thread; `run` executes a coroutine there and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def settle(timeout: float = 5.0) -> None:
    """Wait for the bot's background work (listeners after their ack) to finish."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


def sign(secret: str, body: str, timestamp: int) -> dict[str, str]:
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


class Slack:
    """One running service with its fake Slack; methods send what Slack would send."""

    def __init__(self, loop: LoopThread, db_url: str, *, usergroups: tuple[tuple[str, str], ...] = (("au", "au"),),
                 app_token: str | None = None, signing: bool = True, now: datetime = NOW,
                 secret: str | None = None, per_channel_interval: float = 0.0,
                 public_host: str | None = None) -> None:
        self.loop = loop
        # per_channel_interval: the fake enforces Slack's pace (chat.postMessage per channel; 429 when faster).
        self.fake = FakeSlack(per_channel_interval=per_channel_interval)
        self.fake_runner, self.fake.url = loop.run(serve(self.fake.web_app()))
        self.secret = secret or secrets.token_hex(16)
        self.settings = Settings(
            database_url=db_url,
            admins=frozenset({"slack:UADMIN"}),
            slack_bot_token="xoxb-test-" + secrets.token_hex(8),
            slack_signing_secret=self.secret if signing else None,
            slack_app_token=app_token,
            slack_api_url=self.fake.url + "/api/",
            slack_usergroup_parties=usergroups,
            public_host=public_host,
        )
        self.fake.bot_token = self.settings.slack_bot_token or ""
        self.now = now
        self.app = App(self.settings, clock=lambda: self.now)
        self.web_app = build_web_app(self.app, modules=(slack_service,))
        self.runner, self.url = loop.run(serve(self.web_app))
        self._ids = itertools.count(1)

    @property
    def timestamp(self) -> int:
        return int(self.now.timestamp())

    def close(self) -> None:
        # The service first (it stops Socket Mode), then whatever its listeners still send, then the fake.
        self.loop.run(self.runner.cleanup())
        self.loop.run(self.fake.close_sockets())
        self.loop.run(settle())
        self.loop.run(self.fake_runner.cleanup())
        self.app.close()

    # --- raw HTTP -------------------------------------------------------------------------------

    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             timestamp: int | None = None, secret: str | None = None) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type,
                       **sign(secret or self.secret, body, self.timestamp if timestamp is None else timestamp)}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + "/slack/events", data=body.encode(), headers=all_headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> tuple[int, str]:
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # --- what Slack sends -----------------------------------------------------------------------

    def command(self, text: str, *, user: str = "U0KARI", user_name: str = "kari", channel: str = "C0FORUM",
                channel_name: str = "samhandling", command: str = "/oppfølging", trigger_id: str | None = None,
                retry: int | None = None) -> tuple[int, str]:
        n = next(self._ids)
        fields = {
            "token": "legacy-unused", "team_id": "T0001", "team_domain": "testlag", "channel_id": channel,
            "channel_name": channel_name, "user_id": user, "user_name": user_name, "command": command,
            "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(), "trigger_id": trigger_id or f"{n}.1.trigger{n}",
        }
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post_form(fields, headers=headers)

    def click(self, button: dict[str, Any], *, user: str = "U0KARI", message: dict[str, Any] | None = None,
              ephemeral: bool = False, channel: str = "C0FORUM", home_view: dict[str, Any] | None = None,
              response_url: str | None = None) -> tuple[int, str]:
        """Click `button` (a Block Kit button element the bot rendered)."""
        n = next(self._ids)
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": "T0001", "domain": "testlag"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy-unused", "trigger_id": f"{n}.2.click{n}",
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b",
                         "text": button["text"], "value": button.get("value"), "action_ts": "1790000000.1"}],
        }
        if home_view is not None:
            payload["container"] = {"type": "view", "view_id": home_view.get("id", "VHOME")}
            payload["view"] = {"id": "VHOME", "type": "home", **home_view}
        else:
            payload["container"] = {"type": "message", "message_ts": "1790000000.000001", "channel_id": channel,
                                    "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel, "name": "samhandling"}
            payload["response_url"] = response_url or self.fake.response_url()
            if message is not None and not ephemeral:
                payload["message"] = {"type": "message", "ts": "1790000000.000001", "bot_id": "BBOT", **message}
        return self.post_payload(payload)

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U0KARI",
               view_id: str | None = None, view_hash: str | None = None) -> tuple[int, dict[str, Any]]:
        """Submit a modal the bot opened, with {field: value}; returns the HTTP status and the JSON answer."""
        view_id = view_id or view.get("id") or "VMODAL1"
        view_hash = view_hash or view.get("hash") or "h1"
        payload = {
            "type": "view_submission", "team": {"id": "T0001", "domain": "testlag"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy-unused", "trigger_id": "9.9.submit",
            "view": {**view, "id": view_id, "hash": view_hash, "state": {"values": fill(view, values)}},
        }
        status, text = self.post_payload(payload)
        answer = json.loads(text) if text.strip().startswith("{") else {}
        check_view_ack(payload["view"], answer)
        return status, answer

    def submit_and_wait(self, view: dict[str, Any], values: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Submit, check that the acknowledgement came first ("saving"), and return the modal as updated after."""
        before = len(self.fake.of("views.update"))
        status, answer = self.submit(view, values, **kwargs)
        assert status == 200 and answer.get("response_action") == "update", answer
        updated = self.fake.wait_calls("views.update", before + 1)[before].result["view"]
        self.settle()
        return updated

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None) -> tuple[int, str]:
        n = next(self._ids)
        body = {
            "token": "legacy-unused", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
            "event_id": event_id or f"Ev{n:06d}", "event_time": self.timestamp, "event": event,
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        }
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body), "application/json", headers=headers)

    def settle(self) -> None:
        self.loop.run(settle())


def check_view_ack(view: dict[str, Any], answer: dict[str, Any]) -> None:
    """A view_submission's acknowledgement as https://api.slack.com/surfaces/modals#responding documents it:
    `errors` name input blocks of the submitted view; `update`/`push` carry a valid view."""
    action = answer.get("response_action")
    if action is None:
        return
    inputs = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    if action == "errors":
        problems = [f"errors: {key!r} is no input block of the view" for key in answer.get("errors", {})
                    if key not in inputs]
    elif action in ("update", "push"):
        problems = block_kit.view_problems(answer.get("view"))
    elif action == "clear":
        problems = []
    else:
        problems = [f"unknown response_action {action!r}"]
    block_kit.record("view_submission ack", problems)


def fill(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The `state.values` Slack would send for a modal with these field values."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        name, kind = block["block_id"], element["type"]
        value = values.get(name)
        if kind == "datepicker":
            entry: dict[str, Any] = {"type": kind, "selected_date": value}
        elif kind == "multi_static_select":
            entry = {"type": kind, "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}}
                                                        for v in value or []]}
        elif kind == "static_select":
            entry = {"type": kind, "selected_option": {"value": value} if value else None}
        else:
            entry = {"type": kind, "value": value}
        state[name] = {element["action_id"]: entry}
    return state


def buttons(blocks: list[dict[str, Any]], item: int | None = None) -> dict[str, dict[str, Any]]:
    """{label: button element} in `blocks` (of one action when `item` is given)."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        if block.get("type") != "actions":
            continue
        if item is not None and not str(block.get("block_id", "")).startswith(f"item-{item}-"):
            continue
        for element in block["elements"]:
            found.setdefault(element["text"]["text"], element)
    return found


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in `blocks`, for assertions on what a user reads."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(out)


# Test modules import these two fixtures: `from tests.support.slack_harness import loop_fixture, slack_fixture`.
@pytest.fixture(name="loop_thread", scope="session")
def loop_fixture() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture(name="slack")
def slack_fixture(loop_thread: LoopThread, db_url: str) -> Iterator[Slack]:
    harness = Slack(loop_thread, db_url)
    yield harness
    harness.close()
