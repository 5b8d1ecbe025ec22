"""`oppfolging serve`, exactly as the CLI builds it, plus one benchmark-only route:
`POST /bench/digest?now=ISO` runs one weekly digest (plan, claim, send) inside the service process,
and `POST /bench/sweep?now=ISO` one reminder sweep, so the memory benchmark can watch the service's
resident memory while it sends them. Unpaced (no rate table): memory, not Slack's rate, is measured.

    python -m bench.serve_probe PORT        (DATABASE_URL, SLACK_* from the environment)
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from aiohttp import web

from bot.allocator import cap_arenas
from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from handlers.reminders.pacing import Pacer
from storage.setup import init_database


def main() -> None:
    port = int(sys.argv[1])
    cap_arenas(os.environ)  # as `serve` does
    app = App(Settings.from_env())
    init_database(app.engine, app.clock())
    web_app = build_web_app(app)

    async def digest(request: web.Request) -> web.Response:
        from bot.scheduler import ReminderRunner

        now = datetime.fromisoformat(request.query["now"])
        runner = ReminderRunner(app, worker="bench-probe", pacer=Pacer(rates={}))
        report = await runner.digest(now, scheduled=False)
        outcomes = await runner.deliver(now, report.claimed, retries=False)
        return web.json_response({"claimed": len(report.claimed),
                                  "sent": sum(1 for o in outcomes if o.status == "sent")})

    async def sweep(request: web.Request) -> web.Response:
        from bot.scheduler import ReminderRunner

        now = datetime.fromisoformat(request.query["now"])
        # As the service's runner: the report counts the claims instead of listing the messages.
        runner = ReminderRunner(app, worker="bench-probe", pacer=Pacer(rates={}), report_messages=False)
        report = await runner.sweep(now)
        outcomes = await runner.deliver(now, report.claimed, retries=False)
        return web.json_response({"claimed": len(report.claimed),
                                  "sent": sum(1 for o in outcomes if o.status == "sent")})

    web_app.router.add_post("/bench/digest", digest)
    web_app.router.add_post("/bench/sweep", sweep)
    web.run_app(web_app, host="127.0.0.1", port=port, print=lambda *_: None)


if __name__ == "__main__":
    main()
