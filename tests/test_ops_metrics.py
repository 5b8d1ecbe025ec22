"""`/metrics`: Prometheus text, read back with prometheus-client's own parser.

After some HTTP traffic and a reminder tick, the request counters and latency histogram, the
notification counters (this process) and gauges (the database), the age of the oldest message waiting
for a recipient and the time of the last tick have all moved. `OPPFOLGING_METRICS=off` removes the
route, `OPPFOLGING_METRICS_TOKEN` guards it, and nothing in it shows configuration or secrets.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot import scheduler as scheduler_module
from bot.app import App
from bot.config import Settings
from bot.scheduler import SCHEDULER_KEY, ReminderRunner
from bot.server import build_web_app
from handlers.reminders.engine import EngineConfig
from tests.support.fake_delivery import Recorder, join, new_action

OSLO = ZoneInfo("Europe/Oslo")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_after_traffic_and_a_tick(app: App) -> None:
    created = datetime(2027, 1, 4, 12, tzinfo=OSLO)
    join(app, "KS", "slack:UKS", now=created)
    new_action(app, "KS: Sende invitasjon innen 19.01.2027", now=created)
    new_action(app, "Siva: Svare på høringen innen 19.01.2027", now=created)  # nobody can be reached at Siva
    tick_at = datetime(2027, 1, 19, 9, 0, tzinfo=OSLO)
    app.clock = lambda: tick_at
    recorder = Recorder()

    async def run() -> tuple[str, str, str]:
        web_app = build_web_app(app, modules=(scheduler_module,))
        service = web_app[SCHEDULER_KEY]
        runner = ReminderRunner(app, EngineConfig(), deliverers=lambda _p: recorder, platforms=("slack",))
        # The callbacks the service wired to its metrics, on a runner that sends to the recorder.
        runner.on_tick, runner.on_heartbeat = service.runner.on_tick, service.runner.on_heartbeat  # type: ignore[attr-defined]
        service.runner = runner  # type: ignore[attr-defined]
        server = TestServer(web_app)
        await server.start_server()
        try:
            async with ClientSession() as client:
                async def fetch(path: str) -> str:
                    async with client.get(server.make_url(path)) as response:
                        return await response.text()

                before = await fetch("/metrics")
                for path in ("/livez", "/readyz", "/livez", "/no/such/page/12345"):
                    await fetch(path)
                await runner.tick()
                app.clock = lambda: tick_at + timedelta(days=2)
                after = await fetch("/metrics")
                return before, after, after
        finally:
            await server.close()

    before_text, after_text, _ = asyncio.run(run())
    before, after = samples(before_text), samples(after_text)

    assert value(after, "oppfolging_http_requests_total", route="/livez", method="GET", status="200") == 2
    assert value(after, "oppfolging_http_requests_total", route="/readyz", method="GET", status="200") == 1
    # A path nobody serves is one label, not the path itself.
    assert value(after, "oppfolging_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert not any("12345" in str(labels) for _, labels in after)
    assert value(after, "oppfolging_http_request_duration_seconds_count", route="/livez") == 2

    sent = [d.address for d, r in recorder.sent if (r.data or {}).get("kind") == "reminder"]
    assert sent == ["UKS"]
    assert value(before, "oppfolging_notifications_processed_total", outcome="sent") == 0
    assert value(after, "oppfolging_notifications_processed_total", outcome="claimed") >= 1
    assert value(after, "oppfolging_notifications_processed_total", outcome="sent") == len(recorder.sent)
    assert value(after, "oppfolging_notifications", status="sent") == len(recorder.sent)
    assert value(before, "oppfolging_notifications_waiting_without_recipient") == 0
    assert value(after, "oppfolging_notifications_waiting_without_recipient") == 1
    # Recorded at the tick, scraped two days later (the app's clock): the "older than a day" alert fires.
    assert value(after, "oppfolging_notification_oldest_waiting_age_seconds") == 2 * 86400
    assert value(after, "oppfolging_notification_oldest_pending_age_seconds") == 2 * 86400
    assert value(after, "oppfolging_reminders_last_tick_timestamp_seconds") == tick_at.timestamp()
    assert value(after, "oppfolging_scheduler_last_tick_timestamp_seconds") == tick_at.timestamp()
    assert value(after, "oppfolging_database_up") == 1
    assert ("oppfolging_db_pool_connections_in_use", ()) in after


def scrape(app: App, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async def run() -> tuple[int, str]:
        server = TestServer(build_web_app(app, modules=()))
        await server.start_server()
        try:
            async with ClientSession() as client, client.get(server.make_url("/metrics"), headers=headers) as r:
                return r.status, await r.text()
        finally:
            await server.close()

    return asyncio.run(run())


def test_off_removes_the_route_and_a_token_guards_it(db_url: str) -> None:
    off = App(Settings.from_env({"DATABASE_URL": db_url, "OPPFOLGING_METRICS": "off"}))
    assert scrape(off)[0] == 404
    off.close()
    token = "metrics-token-" + "7f3a9c2e1b"
    guarded = App(Settings.from_env({"DATABASE_URL": db_url, "OPPFOLGING_METRICS_TOKEN": token}))
    try:
        assert scrape(guarded)[0] == 401
        assert scrape(guarded, {"Authorization": "Bearer wrong"})[0] == 401
        assert scrape(guarded, {"Authorization": token})[0] == 401  # the scheme is required
        status, body = scrape(guarded, {"Authorization": f"Bearer {token}"})
    finally:
        guarded.close()
    assert status == 200 and "oppfolging_database_up 1.0" in body
    assert token not in body and db_url not in body


def test_a_database_down_is_a_metric_not_an_error(app: App) -> None:
    down = App(replace(app.settings, database_url="postgresql+psycopg://u:geheim-passord@127.0.0.1:1/x"))
    try:
        status, body = scrape(down)
    finally:
        down.close()
    assert status == 200 and value(samples(body), "oppfolging_database_up") == 0
    assert "geheim-passord" not in body
