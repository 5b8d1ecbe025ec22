"""The baseline for the chat benchmark: a bare slack-bolt app that only acknowledges.

Same HTTP stack as `oppfolging serve` (aiohttp, slack-bolt's signature check and dispatch), no
database and no work: `python -m bench.bare_slack PORT` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN
and SLACK_API_URL in the environment.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build() -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], name="bare")

    async def just_ack(ack: Any) -> None:
        await ack()

    for name in ("/oppfølging", "/oppfolging"):
        app.command(name)(just_ack)
    app.action(re.compile(".*"))(just_ack)
    return app.web_app(path="/slack/events")


def main() -> None:
    port = int(sys.argv[1])
    web.run_app(build(), host="127.0.0.1", port=port, print=lambda *_: None)


if __name__ == "__main__":
    main()
