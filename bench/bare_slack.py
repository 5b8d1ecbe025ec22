"""The baseline for the chat and memory benchmarks: a bare slack-bolt app that only acknowledges.

Same HTTP stack as `oppfolging serve` (aiohttp, slack-bolt's signature check and dispatch), no
database and no work: `python -m bench.bare_slack PORT` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN
and SLACK_API_URL in the environment. `python -m bench.bare_slack PORT --teams` also serves the
bare Microsoft 365 Agents SDK app of the Teams benchmark on /api/messages in the same process (with
TEAMS_APP_ID, TEAMS_TENANT_ID and TEAMS_OPENID_METADATA_URL): the memory benchmark's baseline for
a service with both platforms.
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
    web_app = build()
    if "--teams" in sys.argv[2:]:
        from bench.teams_child import bare

        teams = bare(static_tokens=False)
        for route in teams.router.routes():
            if route.method == "POST":
                web_app.router.add_route(route.method, route.resource.canonical, route.handler)  # type: ignore[union-attr]
    web.run_app(web_app, host="127.0.0.1", port=port, print=lambda *_: None)


if __name__ == "__main__":
    main()
