"""`GET /metrics`: Prometheus metrics on the service's own port (prometheus-client).

On by default; `OPPFOLGING_METRICS=off` leaves the route out (404), `OPPFOLGING_METRICS_TOKEN` (or
`OPPFOLGING_METRICS_TOKEN_FILE`) makes it answer only `Authorization: Bearer <token>`.

Two kinds of numbers:
- counted in this process: HTTP requests by route, method and status with a latency histogram, the
  notifications this process claimed, sent and failed, and when its scheduler last ticked;
- read from the database at scrape time (the same on every replica): notifications by status, those
  pending without a recipient, the age of the oldest pending and the oldest waiting one, and the
  connection pool in use.

Labels are route patterns (`/slack/events`), never raw paths, ids or user input, and nothing here
shows a setting, a URL or a token.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.app import App
from handlers.reminders.stats import notification_stats

log = logging.getLogger(__name__)

UNMATCHED = "unmatched"  # a path no route serves: one label, whatever was asked
NOTIFICATION_STATUSES = ("claimed", "sent", "failed", "skipped", "waiting", "routed", "expired")


class DatabaseCollector(Collector):
    """Numbers read from the database when Prometheus scrapes (in a worker thread, see `handle`)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("oppfolging_database_up", "1 when the database answered this scrape")
        pool = GaugeMetricFamily("oppfolging_db_pool_connections_in_use",
                                 "database connections checked out of this process's pool")
        pool.add_metric([], _checked_out(self.app))
        yield pool
        try:
            with self.app.sessions() as session:
                stats = notification_stats(session)
        except Exception as exc:  # the scrape still answers; the alert is on oppfolging_database_up
            log.warning("metrics: database unavailable: %s", exc.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        now = self.app.clock()
        by_status = GaugeMetricFamily("oppfolging_notifications", "notifications in the database by status",
                                      labels=["status"])
        for status in sorted({*NOTIFICATION_STATUSES, *stats.by_status}):
            by_status.add_metric([status], stats.by_status.get(status, 0))
        yield by_status
        yield GaugeMetricFamily("oppfolging_notifications_waiting_without_recipient",
                                "reminders pending because their party cannot be reached", value=stats.waiting)
        yield GaugeMetricFamily("oppfolging_notification_oldest_pending_age_seconds",
                                "age of the oldest notification not yet sent (0 when none)",
                                value=_age(now, stats.oldest_pending))
        yield GaugeMetricFamily("oppfolging_notification_oldest_waiting_age_seconds",
                                "age of the oldest notification pending without a recipient (0 when none)",
                                value=_age(now, stats.oldest_waiting))


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since else 0.0


def _checked_out(app: App) -> float:
    checked_out = getattr(app.engine.pool, "checkedout", None)
    return float(checked_out()) if callable(checked_out) else 0.0


class Metrics:
    """One registry per web app (tests run several services in one process)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("oppfolging_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("oppfolging_http_request_duration_seconds", "time to answer an HTTP request",
                                 ["route"], registry=self.registry)
        self.notifications = Counter("oppfolging_notifications_processed",
                                     "notifications this process claimed, sent or failed to send", ["outcome"],
                                     registry=self.registry)
        for outcome in ("claimed", "sent", "failed"):
            self.notifications.labels(outcome)
        self.last_tick = Gauge("oppfolging_scheduler_last_tick_timestamp_seconds",
                               "when this process's scheduler last ran (the heartbeat fires every minute)",
                               registry=self.registry)
        self.last_reminder_tick = Gauge("oppfolging_reminders_last_tick_timestamp_seconds",
                                        "when this process last ran a reminder tick (sweep, digest, retries)",
                                        registry=self.registry)
        self.registry.register(DatabaseCollector(app))

    def heartbeat(self, moment: datetime) -> None:
        self.last_tick.set(moment.timestamp())

    def tick(self, moment: datetime, claimed: int, outcomes: dict[str, int]) -> None:
        """What a reminder tick did (called by the scheduler after each tick)."""
        self.heartbeat(moment)
        self.last_reminder_tick.set(moment.timestamp())
        self.notifications.labels("claimed").inc(claimed)
        for outcome in ("sent", "failed"):
            self.notifications.labels(outcome).inc(outcomes.get(outcome, 0))

    @web.middleware
    async def middleware(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else UNMATCHED
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.labels(route, request.method, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)

    async def handle(self, request: web.Request) -> web.Response:
        token = self.app.settings.metrics_token
        if token:
            given = request.headers.get("Authorization", "")
            if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
                return web.json_response({"error": "unauthorized"}, status=401,
                                         headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        # The database collector queries: in a thread, so chat requests are not held up meanwhile.
        body = await asyncio.get_running_loop().run_in_executor(None, generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


METRICS_KEY = web.AppKey("oppfolging_metrics", Metrics)


def setup(web_app: web.Application, app: App) -> None:
    """Count every request and serve /metrics, unless OPPFOLGING_METRICS=off."""
    if not app.settings.metrics_enabled:
        return
    metrics = Metrics(app)
    web_app[METRICS_KEY] = metrics
    web_app.middlewares.append(metrics.middleware)
    web_app.router.add_get("/metrics", metrics.handle)
