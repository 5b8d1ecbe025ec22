"""The scheduler as a clock: cron triggers in Europe/Oslo (DST-proof, nothing between 02:00 and
03:00), started and stopped with the web app, and its jobs run the engine's tick."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot import scheduler as scheduler_module
from bot.scheduler import SCHEDULER_KEY, ReminderRunner, SchedulerService, build_scheduler
from bot.server import SERVICE_MODULES, build_web_app
from handlers.reminders.engine import EngineConfig
from tests.support.fake_delivery import Recorder, join, new_action

OSLO = ZoneInfo("Europe/Oslo")


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:  # type: ignore[no-untyped-def]
    times, previous, now = [], None, start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt > end:
            return times
        times.append(nxt)
        previous, now = nxt, nxt + timedelta(seconds=1)


def jobs(app) -> dict:  # type: ignore[no-untyped-def,type-arg]
    runner = ReminderRunner(app, EngineConfig(), deliverers=lambda _p: None, platforms=())
    return {job.id: job for job in build_scheduler(runner).get_jobs()}  # not started: the pending jobs


def test_cron_triggers_over_a_year_in_oslo_time(app) -> None:  # type: ignore[no-untyped-def]
    found = jobs(app)
    assert set(found) == {"reminders", "digest", "retry"}
    assert not any(type(job.trigger).__name__ == "IntervalTrigger" for job in found.values())
    start, end = datetime(2026, 1, 1, tzinfo=OSLO), datetime(2027, 12, 31, 23, 59, tzinfo=OSLO)
    digest = fire_times(found["digest"].trigger, start, end)
    assert len(digest) == 104 and {(t.weekday(), t.hour, t.minute) for t in digest} == {(0, 8, 0)}
    # Local 08:00 on both sides of the changes: 06:00 UTC in summer, 07:00 UTC in winter.
    utc = {t.date().isoformat(): t.astimezone(ZoneInfo("UTC")).hour for t in digest}
    assert (utc["2026-03-23"], utc["2026-03-30"], utc["2026-10-19"], utc["2026-10-26"]) == (7, 6, 6, 7)
    reminders = fire_times(found["reminders"].trigger, start, end)
    assert {(t.hour, t.minute) for t in reminders} == {(9, 0)} and {t.weekday() for t in reminders} == set(range(5))
    retry = fire_times(found["retry"].trigger, datetime(2026, 3, 27, tzinfo=OSLO), datetime(2026, 3, 31, tzinfo=OSLO))
    assert {t.hour for t in retry} == set(range(8, 16)) and {t.minute % 5 for t in retry} == {0}
    assert len(retry) == 2 * 8 * 12  # Friday and Monday; nothing on the weekend of the change
    everything = digest + reminders + fire_times(found["retry"].trigger, start, end)
    assert not [t for t in everything if t.hour == 2]


def test_started_and_stopped_with_the_web_app(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert scheduler_module in SERVICE_MODULES
    monkeypatch.setenv("OPPFOLGING_SCHEDULER", "on")

    async def cycle() -> tuple[bool, bool]:
        web_app = build_web_app(app, modules=(scheduler_module,))
        runner = web.AppRunner(web_app)
        await runner.setup()  # on_startup
        service = web_app[SCHEDULER_KEY]
        running = service.scheduler is not None and service.scheduler.running  # type: ignore[attr-defined]
        await runner.cleanup()  # on_cleanup
        await asyncio.sleep(0)  # let APScheduler's shutdown settle
        return running, service.scheduler.running  # type: ignore[attr-defined]

    assert asyncio.run(cycle()) == (True, False)
    monkeypatch.setenv("OPPFOLGING_SCHEDULER", "off")
    assert SCHEDULER_KEY not in build_web_app(app, modules=(scheduler_module,))


def test_a_job_runs_the_tick_at_the_apps_clock(app) -> None:  # type: ignore[no-untyped-def]
    created = datetime(2027, 1, 4, 12, tzinfo=OSLO)
    join(app, "KS", "slack:UKS", now=created)
    action = new_action(app, "KS: Sende invitasjon innen 19.01.2027", now=created)
    recorder = Recorder()
    app.clock = lambda: datetime(2027, 1, 19, 9, 0, tzinfo=OSLO)
    runner = ReminderRunner(app, EngineConfig(), deliverers=lambda _p: recorder, platforms=("slack",))
    service = SchedulerService(app, runner)

    async def fire() -> None:
        await service.start()
        job = service.scheduler.get_job("reminders")  # type: ignore[union-attr]
        await job.func()
        await service.stop()

    asyncio.run(fire())
    assert [(d.address, r.data["stage"], r.data["action"]["id"]) for d, r in recorder.sent  # type: ignore[index]
            if (r.data or {}).get("kind") == "reminder"] == [("UKS", "due", action)]


@pytest.mark.parametrize(("value", "on"), [("", True), ("on", True), ("off", False), ("0", False), ("nei", False)])
def test_the_scheduler_can_be_switched_off(value: str, on: bool) -> None:
    assert scheduler_module.enabled({"OPPFOLGING_SCHEDULER": value} if value else {}) is on
