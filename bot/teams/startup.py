"""Teams' part of `oppfolging serve`: listed in `bot.server.SERVICE_MODULES` in place of
`bot.teams.service` and `bot.teams.members`, which it sets up, in that order, when any Teams
setting is given.

Those modules load the Microsoft 365 Agents SDK with MSAL, pydantic and OpenTelemetry (~0.3 s of
every start); a deployment without Teams now starts without them. Without a Teams setting both
added nothing anyway; with one, they check the rest of the configuration as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from bot.app import App


def setup(web_app: web.Application, app: App) -> None:
    if not app.settings.teams_configured:
        return
    # Imported here, not at the top: see the module's docstring.
    from bot.teams import members, service

    service.setup(web_app, app)
    members.setup(web_app, app)
