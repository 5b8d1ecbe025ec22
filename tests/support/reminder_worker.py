"""A reminder worker in its own process, for the crash (SIGKILL) and replica tests.

    python -m tests.support.reminder_worker --db URL --now ISO --worker NAME --fake URL
                                    [--pause after_claim|after_send] [--wait-go] [--plan-barrier] [--parallel N]

It runs one scheduler tick at `--now` against the database, delivering to the fake platform over
HTTP, and reports on stdout as JSON lines: `ready`, `claimed`, `paused`, `done`. `--pause` stops the
whole process (its event loop included, as a crash would) at that point until the test kills it;
`--wait-go` waits for a line on stdin before ticking, so several workers start together;
`--plan-barrier` waits again after the reminders are planned, so replicas all derive the same due
set before any of them claims (the claim is then the only thing that keeps them apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import Any

from bot.app import App
from bot.config import Settings
from bot.scheduler import ReminderRunner
from handlers.reminders.engine import EngineConfig
from tests.support.fake_delivery import HttpDeliverer


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class PauseHooks:
    def __init__(self, pause: str | None, plan_barrier: bool = False) -> None:
        self.pause = pause
        self.plan_barrier = plan_barrier

    def _freeze(self, **fields: Any) -> None:
        emit("paused", **fields)
        sys.stdin.readline()  # blocks the event loop itself: nothing else in this process moves on
        emit("resumed")

    async def after_plan(self, plan: Any) -> None:
        if self.plan_barrier:
            emit("planned", keys=[item.key for item in plan.items])
            sys.stdin.readline()  # every replica has derived the due set before any of them claims

    async def after_claim(self, ids: list[int]) -> None:
        emit("claimed", ids=ids)
        if self.pause == "after_claim":
            self._freeze(at="after_claim")

    async def after_send(self, notification_id: int) -> None:
        if self.pause == "after_send":
            self.pause = None
            self._freeze(at="after_send", id=notification_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--fake", required=True)
    parser.add_argument("--pause", choices=("after_claim", "after_send"))
    parser.add_argument("--wait-go", action="store_true")
    parser.add_argument("--plan-barrier", action="store_true", help="wait for a line after planning reminders")
    parser.add_argument("--parallel", type=int, default=20)
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now)
    app = App(Settings(database_url=args.db), clock=lambda: now)
    deliverers = {"slack": HttpDeliverer(args.fake, "slack"), "teams": HttpDeliverer(args.fake, "teams")}
    runner = ReminderRunner(app, EngineConfig(tz=app.settings.timezone), worker=args.worker,
                            deliverers=deliverers.get, platforms=tuple(deliverers), hooks=PauseHooks(args.pause, args.plan_barrier),
                            parallel=args.parallel)
    with app.engine.connect():
        pass  # connect before saying ready, so replicas start their ticks together
    emit("ready")
    if args.wait_go:
        sys.stdin.readline()
    report = asyncio.run(runner.tick(now))
    emit("done", claimed=len(report.claimed), **{status: report.count(status)
                                                 for status in ("sent", "failed", "skipped", "deferred")})
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
