"""The two Teams processes of the Teams benchmark, as children of it:

    python -m bench.teams_child serve PORT   the bot's Teams service (bot.teams.service) on DATABASE_URL
    python -m bench.teams_child bare PORT    a bare Microsoft 365 Agents SDK app: validates the same
                                             token, then replies "ok" to the same fake Bot Connector

Both check tokens with the SDK's `JwtTokenValidator` against the signing keys the benchmark's local
identity provider publishes (TEAMS_OPENID_METADATA_URL), and get their outgoing token from a static
provider instead of MSAL (nothing may reach Entra). Only the work after the token check differs.
"""

from __future__ import annotations

import os
import sys

from aiohttp import web

from bot.teams import auth
from bot.teams.options import TeamsOptions


def options(*, static_tokens: bool = True) -> TeamsOptions:
    """`static_tokens=False`: MSAL as in the service (the memory benchmark's baseline sends nothing)."""
    provider = None
    if static_tokens:
        # The test harness loads the bot: only the Teams benchmark's children, which load it anyway.
        from tests.support.teams_harness import StaticTokenProvider

        provider = StaticTokenProvider
    return TeamsOptions(app_id=os.environ["TEAMS_APP_ID"], app_password=os.environ.get("TEAMS_APP_PASSWORD", "bench-secret"),
                        tenant_id=os.environ["TEAMS_TENANT_ID"],
                        openid_metadata_url=os.environ.get("TEAMS_OPENID_METADATA_URL", "http://127.0.0.1:9/openid"),
                        check_service_url=False, token_provider=provider)


def serve() -> web.Application:
    from bot.app import App
    from bot.config import Settings
    from bot.server import SWITCH_INTERVAL, build_web_app
    from bot.teams import service as teams_service

    sys.setswitchinterval(SWITCH_INTERVAL)  # as `oppfolging serve` does
    app = App(Settings(database_url=os.environ["DATABASE_URL"], admins=frozenset()))
    web_app = build_web_app(app, modules=())
    teams_service.setup(web_app, app, options=options())
    return web_app


def bare(*, static_tokens: bool = True) -> web.Application:
    from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
    from microsoft_agents.hosting.core import (
        AgentApplication,
        ApplicationOptions,
        MemoryStorage,
        TurnContext,
        TurnState,
    )

    opts = options(static_tokens=static_tokens)
    config = auth.agent_auth_configuration(opts)
    connections = auth.connection_manager(opts, config)
    validator = auth.TokenValidator(config, opts.openid_metadata_url)
    adapter = CloudAdapter(connection_manager=connections)
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), bot_app_id=opts.app_id or "", start_typing_timer=False),
        connection_manager=connections,
    )

    @agent.activity("message")
    async def reply(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity("ok")

    async def messages(request: web.Request) -> web.StreamResponse:
        identity = await auth.authenticate(request, config, validator)
        if isinstance(identity, web.StreamResponse):
            return identity
        request["claims_identity"] = identity
        return await start_agent_process(request, agent, adapter) or web.Response(status=202)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/api/messages", messages)
    web_app.router.add_get("/healthz", healthz)
    return web_app


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    web_app = serve() if mode == "serve" else bare()
    web.run_app(web_app, host="127.0.0.1", port=port, print=lambda *_: None)


if __name__ == "__main__":
    main()
