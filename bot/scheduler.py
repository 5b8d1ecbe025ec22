"""The clock of the reminder engine, and the loop that sends what the engine claimed.

APScheduler is only a clock here: cron triggers in the bot's zone (Europe/Oslo) fire at 09:00 on
weekdays (reminders), 08:00 on Mondays (digest) and every five minutes in office hours (retries
and catch-up). Each firing runs the same `tick`: the engine derives from the database what is due
at that moment, claims it, and this module sends the claims through `bot.delivery`. Nothing is
kept in a job store, so restarts, downtime and replicas cannot lose or double a reminder; no job
is ever scheduled between 02:00 and 03:00, so the DST changes skip or repeat nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot import console_delivery, delivery
from bot.app import App
from handlers.clock import as_utc
from handlers.reminders import claims, engine
from handlers.reminders.due import Plan, Planned, in_office_hours
from handlers.reminders.engine import EngineConfig, Prepared
from handlers.reminders.policy import parse_policy
from handlers.reminders.routing import parse_destination
from storage.db import transaction
from storage.models import Notification

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_TIMEOUT = 60.0  # seconds; far below `stale_after`, so a slow send is never taken over
# Destinations (channels, people) sent to at the same time. Each destination's own messages stay in
# order, one after another (Slack allows about one message per second per channel), so a digest to
# 20 channels takes as long as the slowest channel, not the sum of all of them.
PARALLEL_DESTINATIONS = 20
SCHEDULER_KEY = web.AppKey("oppfolging_scheduler", object)


def engine_config(app: App, env: dict[str, str] | None = None) -> EngineConfig:
    """Policy and the secretariat channel from the environment (OPPFOLGING_REMINDER_POLICY, …)."""
    e = os.environ if env is None else env
    return EngineConfig(
        policy=parse_policy(e.get("OPPFOLGING_REMINDER_POLICY")),
        tz=app.settings.timezone,
        overview=parse_destination(e.get("OPPFOLGING_OVERVIEW_CHANNEL")),
    )


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Hooks(Protocol):
    """Test seams for crash and replica tests: called after planning (before claiming), right after
    claiming, and right after a platform accepted a message (before it is marked sent)."""

    async def after_plan(self, plan: Plan) -> None: ...

    async def after_claim(self, ids: list[int]) -> None: ...

    async def after_send(self, notification_id: int) -> None: ...


@dataclass
class Outcome:
    id: int
    key: str
    platform: str
    destination: str
    status: str  # sent, failed, skipped, deferred
    message_id: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "platform": self.platform,
            "destination": self.destination,
            "status": self.status,
            "message_id": self.message_id,
            "error": self.error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


@dataclass
class TickReport:
    plans: list[Plan] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)
    waiting: list[Planned] = field(default_factory=list)  # for platforms this process cannot send to
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def planned(self) -> list[Planned]:
        return [item for plan in self.plans for item in plan.items]

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


class ReminderRunner:
    """Plans, claims and sends; database work runs in a thread so the event loop keeps serving chat."""

    def __init__(
        self,
        app: App,
        config: EngineConfig | None = None,
        *,
        worker: str | None = None,
        deliverers: Callable[[str], delivery.Deliverer | None] = delivery.deliverer_for,
        platforms: Iterable[str] | None = None,
        hooks: Hooks | None = None,
        send_timeout: float = SEND_TIMEOUT,
        parallel: int = PARALLEL_DESTINATIONS,
        authoritative: bool = True,
    ) -> None:
        self.app = app
        self.config = config or engine_config(app)
        self.worker = worker or default_worker()
        self.deliverers = deliverers
        self._platforms = frozenset(platforms) if platforms is not None else None
        self.hooks = hooks
        self.send_timeout = send_timeout
        self.parallel = max(1, parallel)
        # False for a process that may lack some platform's credentials (the CLI): see `claim_plan`.
        self.authoritative = authoritative
        self._lock_: asyncio.Lock | None = None

    @property
    def lock(self) -> asyncio.Lock:
        """One tick at a time in this process (created lazily: it belongs to the running loop)."""
        if self._lock_ is None:
            self._lock_ = asyncio.Lock()
        return self._lock_

    @property
    def platforms(self) -> frozenset[str]:
        if self._platforms is not None:
            return self._platforms
        return frozenset(p for p in delivery.DELIVERERS if self.deliverers(p) is not None)

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            with transaction(self.app.sessions) as session:
                return fn(session, *args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(None, run)

    # -- the parts of a tick -----------------------------------------------------------------------

    async def sweep(self, now: datetime, *, dry_run: bool = False) -> TickReport:
        """Reminders, escalations and convener reminders due at `now`."""
        now = as_utc(now)
        plan = await self._db(engine.plan_sweep, now, self.config)
        report = TickReport(plans=[plan])
        if dry_run or not plan.in_hours:
            return report
        if self.hooks is not None:
            await self.hooks.after_plan(plan)
        report.claimed = await self._db(engine.claim_plan, plan, now, self.worker, self.platforms, sweep=True,
                                        authoritative=self.authoritative)
        report.waiting = [i for i in plan.items if i.destination.platform not in self.platforms]
        self._warn_unsendable(report)
        return report

    def _warn_unsendable(self, report: TickReport) -> None:
        if report.waiting and self.authoritative:
            platforms = sorted({i.destination.platform for i in report.waiting})
            log.warning("%d notification(s) for %s not sent: no deliverer is configured for that platform",
                        len(report.waiting), ", ".join(platforms))

    async def digest(self, now: datetime, *, party: str | None = None, dry_run: bool = False,
                     scheduled: bool = True) -> TickReport:
        """The week's digests: when due (scheduled), or now, as the CLI asks."""
        now = as_utc(now)
        if scheduled and not await self._db(engine.digest_due, now, self.config):
            return TickReport()
        plan = await self._db(engine.plan_digest, now, self.config, party=party)
        report = TickReport(plans=[plan])
        if dry_run:
            return report
        week = plan.digest_week if scheduled and party is None else None
        report.claimed = await self._db(engine.claim_plan, plan, now, self.worker, self.platforms, digest_week=week,
                                        authoritative=self.authoritative)
        report.waiting = [i for i in plan.items if i.destination.platform not in self.platforms]
        self._warn_unsendable(report)
        return report

    async def deliver(self, now: datetime, fresh: Iterable[int] = (), *, retries: bool = True,
                      force: bool = False) -> list[Outcome]:
        """Send the fresh claims, then every claim whose retry is due (outside office hours only if forced)."""
        now = as_utc(now)
        fresh = list(fresh)
        if not force and not in_office_hours(now, self.config.tz, self.config.policy):
            return []
        if fresh and self.hooks is not None:
            await self.hooks.after_claim(fresh)
        order = list(fresh)
        if retries:
            retry = await self._db(claims.ready, now, self.config.policy, self.platforms)
            order += [i for i in retry if i not in set(fresh)]
        if not order:
            return []
        fresh_set = set(fresh)
        # One lane per destination, in claim order within it; lanes run side by side (bounded).
        where = await self._db(_destinations, order)
        lanes: dict[tuple[str, str], list[int]] = {}
        for notification_id in order:
            lanes.setdefault(where.get(notification_id, ("", f"#{notification_id}")), []).append(notification_id)
        slots = asyncio.Semaphore(self.parallel)

        async def lane(ids: list[int]) -> list[Outcome]:
            async with slots:
                return await self._deliver_lane(ids, now, fresh_set)

        tasks = [asyncio.ensure_future(lane(ids)) for ids in lanes.values()]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            # Like a crash of the whole loop: the other lanes stop too; their claims are retried later.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        position = {notification_id: n for n, notification_id in enumerate(order)}
        return sorted((o for outcomes in results for o in outcomes), key=lambda o: position.get(o.id, 0))

    async def _deliver_lane(self, ids: list[int], now: datetime, fresh_set: set[int]) -> list[Outcome]:
        """The claims of one destination, one after another."""
        held: dict[str, datetime] = {}  # digest groups with a failed part: later parts wait for it
        outcomes: list[Outcome] = []
        for notification_id in ids:
            policy = self.config.policy
            if not await self._db(claims.lease, notification_id, now, self.worker, policy,
                                  fresh=notification_id in fresh_set):
                continue  # another process has it, or it is finished
            prepared = await self._db(engine.prepare, notification_id, now, self.config)
            if isinstance(prepared, str):
                outcomes.append(Outcome(notification_id, "", "", "", "skipped", error=prepared))
                continue
            if prepared.group and prepared.group in held:
                until = held[prepared.group]
                await self._db(claims.deferred, notification_id, self.worker, now, until, "waiting for an earlier part")
                outcomes.append(self._outcome(prepared, "deferred", next_at=until))
                continue
            outcome = await self._send(prepared, now)
            outcomes.append(outcome)
            if outcome.status == "failed" and prepared.group:
                held[prepared.group] = outcome.next_attempt_at or now + policy.retry_max
        return outcomes

    async def _send(self, prepared: Prepared, now: datetime) -> Outcome:
        target = prepared.destination
        deliverer = self.deliverers(target.platform)
        destination = delivery.Destination(target.platform, target.address, target.kind)
        try:
            if deliverer is None:
                raise delivery.DeliveryError(f"no deliverer for {target.platform} in this process")
            message_id = await asyncio.wait_for(deliverer.send(destination, prepared.reply), self.send_timeout)
        except delivery.DeliveryError as exc:
            return await self._failed(prepared, now, str(exc), exc.retry_after, exc.permanent)
        except (TimeoutError, OSError) as exc:
            return await self._failed(prepared, now, f"{exc.__class__.__name__}: {exc}", None, False)
        except Exception as exc:  # a deliverer bug must not lose the reminder: retry it, and say so in the log
            log.exception("deliverer for %s raised", target.platform)
            return await self._failed(prepared, now, f"{exc.__class__.__name__}: {exc}", None, False)
        if self.hooks is not None:
            await self.hooks.after_send(prepared.id)
        if not await self._db(claims.mark_sent, prepared.id, self.worker, now, str(message_id)):
            log.warning("notification %s was sent but its claim had been taken over", prepared.key)
        log.info("sent %s (%s)", prepared.key, message_id)
        return self._outcome(prepared, "sent", message_id=str(message_id))

    async def _failed(self, prepared: Prepared, now: datetime, error: str, retry_after: float | None,
                      permanent: bool) -> Outcome:
        next_at = await self._db(claims.mark_failed, prepared.id, self.worker, now, self.config.policy, error,
                                 retry_after=retry_after, permanent=permanent)
        log.warning("sending %s failed (%s); %s", prepared.key, error,
                    f"next attempt {next_at:%Y-%m-%d %H:%M} UTC" if next_at else "given up")
        return self._outcome(prepared, "failed", error=error, next_at=next_at)

    @staticmethod
    def _outcome(prepared: Prepared, status: str, *, message_id: str | None = None, error: str | None = None,
                 next_at: datetime | None = None) -> Outcome:
        d = prepared.destination
        return Outcome(prepared.id, prepared.key, d.platform, d.address, status, message_id, error, next_at)

    # -- what the clock calls ------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Everything due at `now`: this week's digest if not sent, new reminders, retries."""
        async with self.lock:
            moment = as_utc(now or self.app.clock())
            report = TickReport()
            try:
                digest = await self.digest(moment)
                reminders = await self.sweep(moment)
            except Exception:
                log.exception("reminder tick at %s could not plan (will retry on the next tick)", moment)
                digest, reminders = TickReport(), TickReport()
            report.plans = digest.plans + reminders.plans
            report.claimed = digest.claimed + reminders.claimed
            report.waiting = digest.waiting + reminders.waiting
            report.outcomes = await self.deliver(moment, report.claimed)
            return report


def _destinations(session: Any, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(platform, address) of each notification, to send to different destinations side by side."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Notification.id, Notification.platform, Notification.destination)
            .where(Notification.id.in_(ids[start : start + 500]))
        )
        for notification_id, platform, address in rows:
            found[notification_id] = (platform, address)
    return found


# --- the service part ---------------------------------------------------------------------------------


def build_scheduler(runner: ReminderRunner) -> AsyncIOScheduler:
    policy, tz = runner.config.policy, runner.config.tz
    scheduler = AsyncIOScheduler(timezone=tz)
    options: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60,
                               "replace_existing": True}

    async def tick() -> None:
        await runner.tick()

    scheduler.add_job(tick, CronTrigger(day_of_week="mon-fri", hour=policy.send_at.hour,
                                        minute=policy.send_at.minute, timezone=tz), id="reminders", **options)
    scheduler.add_job(tick, CronTrigger(day_of_week="mon", hour=policy.digest_at.hour,
                                        minute=policy.digest_at.minute, timezone=tz), id="digest", **options)
    last_hour = max(policy.office_start.hour, (datetime.combine(datetime.min, policy.office_end)
                                               - timedelta(minutes=1)).hour)
    scheduler.add_job(tick, CronTrigger(day_of_week="mon-fri", hour=f"{policy.office_start.hour}-{last_hour}",
                                        minute="*/5", timezone=tz), id="retry", **options)
    return scheduler


class SchedulerService:
    def __init__(self, app: App, runner: ReminderRunner | None = None) -> None:
        self.app = app
        self.runner = runner or ReminderRunner(app)
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self, _web_app: web.Application | None = None) -> None:
        console_delivery.install()
        self.scheduler = build_scheduler(self.runner)
        self.scheduler.start()
        log.warning("reminder scheduler started (worker %s)", self.runner.worker)

    async def stop(self, _web_app: web.Application | None = None) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # Let a tick that is sending finish its current message, so its claims are marked.
        async with self.runner.lock:
            pass


def enabled(env: dict[str, str] | None = None) -> bool:
    value = (os.environ if env is None else env).get("OPPFOLGING_SCHEDULER", "on")
    return value.strip().lower() not in ("off", "0", "false", "no", "nei")


def setup(web_app: web.Application, app: App) -> None:
    """Start the scheduler with the web app and stop it with it (OPPFOLGING_SCHEDULER=off disables it)."""
    if not enabled():
        return
    service = SchedulerService(app)
    web_app[SCHEDULER_KEY] = service
    web_app.on_startup.append(service.start)
    web_app.on_cleanup.append(service.stop)


