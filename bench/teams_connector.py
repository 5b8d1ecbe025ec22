"""The fake Bot Connector of the Teams benchmark (bench/teams_http.py). For `/api/messages` it runs in
the benchmark's process (the bot is a child there); for paced delivery in a process of its own:

    python -m bench.teams_connector PORT     (the bot's token in BENCH_CONNECTOR_TOKEN)

The real Bot Connector is another service on other machines. Run inside the benchmark's process, the
fake's work (parsing each message, recording it, answering) shared the interpreter with the bot and
its database threads, and was measured as the bot's. Here it is as strict as in the tests
(tests/support/fake_teams.py: a call without the bot's token is refused with 401; the documented
answers) and keeps Microsoft's rate limits (a message past them is answered 429), and notes when each message it accepted arrived and in which conversation. The benchmark
reads that record over HTTP:

    GET  /_bench/record   {"messages": [{"at": seconds, "conversation": id}, ...] in arrival order,
                           "limited": messages answered 429 (a documented rate limit reached)}
    POST /_bench/clear    forget what was received so far (the set-up's welcome messages)

`at` is `time.perf_counter()` in this process: only differences between its values mean anything.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from aiohttp import web

from tests.support.fake_teams import FakeBotConnector

TOKEN_ENV = "BENCH_CONNECTOR_TOKEN"


class StampedConnector(FakeBotConnector):
    """The fake Bot Connector, noting when each message to a conversation was accepted."""

    def __init__(self, expected_token: str | None = None, *, rate_limits: bool = False) -> None:
        # The tests check the cards; a benchmark does not time a schema check. With `rate_limits`
        # Microsoft's limits are kept, counted on arrival: a message past them is answered 429 (the
        # paced delivery; `/api/messages` replies to one conversation faster than a person would).
        super().__init__(expected_token, check_cards=False, rate_limits=rate_limits)
        self.accepted: list[tuple[float, str]] = []  # (arrival, conversation id) of every message let through
        self.replied: dict[str, float] = {}  # incoming activity id -> when its (first) reply arrived

    async def _send(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()  # when the message came, not when the fake was done with it
        response = await super()._send(request)
        if response.status < 300:
            self.accepted.append((arrived, request.match_info["conversation_id"]))
            reply_to = (self.calls[-1].body or {}).get("replyToId") if self.calls else None
            if reply_to:
                self.replied.setdefault(str(reply_to), arrived)
        return response

    def clear(self) -> None:
        super().clear()
        self.limited = 0
        self.accepted.clear()
        self.replied.clear()

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/_bench/record", self._record_json)
        app.router.add_post("/_bench/clear", self._clear)
        return app

    async def _record_json(self, _request: web.Request) -> web.Response:
        messages: list[dict[str, Any]] = [{"at": at, "conversation": c} for at, c in self.accepted]
        return web.json_response({"messages": messages, "limited": self.limited})

    async def _clear(self, _request: web.Request) -> web.Response:
        self.clear()
        return web.json_response({"cleared": True})


def paced_delivery_connector(token: str) -> StampedConnector:
    """The connector the paced-delivery benchmark sends to: the bot's token checked, Microsoft's
    rate limits kept."""
    return StampedConnector(token, rate_limits=True)


def main() -> None:
    port = int(sys.argv[1])
    token = os.environ.get(TOKEN_ENV)
    if not token:
        # Without a token every call would be let through: the fake would be less strict than in the tests.
        sys.exit(f"{TOKEN_ENV} is not set")
    connector = paced_delivery_connector(token)
    connector.url = f"http://127.0.0.1:{port}"
    web.run_app(connector.app(), host="127.0.0.1", port=port, print=lambda *_: None)


if __name__ == "__main__":
    main()
