"""The clock of the reminder engine, and the loop that sends what the engine claimed.

APScheduler is only a clock here: cron triggers in the bot's zone (Europe/Oslo) fire at 09:00 on
weekdays (reminders), 08:00 on Mondays (digest) and every five minutes in office hours (retries
and catch-up). Each firing runs the same `tick`: the engine derives from the database what is due
at that moment, claims it, and this module hands the claims to the platforms' deliverers
(`bot.delivery`) in the order and at the pace `handlers/reminders/order.py` and
`handlers/reminders/pacing.py` say. Nothing is kept in a job store, so restarts, downtime and
replicas cannot lose or double a reminder; no job is ever scheduled between 02:00 and 03:00, so the
DST changes skip or repeat nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import console_delivery, delivery, logformat, metrics
from bot.app import App
from bot.sent_marks import SentMarks
from bot.takes import Takes
from handlers.core.clock import as_utc
from handlers.core.replies import Reply
from handlers.privacy import retention
from handlers.reminders import claims, engine, failures
from handlers.reminders import order as _order
from handlers.reminders import sweep as streamed
from handlers.reminders.due import Plan, Planned, in_office_hours
from handlers.reminders.engine import EngineConfig, Prepared
from handlers.reminders.pacing import Pacer
from handlers.reminders.policy import parse_policy
from handlers.reminders.routing import parse_destination
from storage.db import transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_TIMEOUT = 60.0  # seconds; far below `stale_after`, so a slow send is never taken over
# Destinations (channels, people) sent to at the same time. Each destination's own messages stay in
# order, one after another, at the pace its platform allows (`handlers/reminders/pacing.py`), so a
# digest to 20 channels takes as long as the slowest channel, not the sum of all of them.
PARALLEL_DESTINATIONS = 20
# Parties whose weekly digests are planned and claimed together (one transaction each).
DIGEST_BATCH = 5
# Due actions planned and claimed together in a sweep (one transaction each).
SWEEP_BATCH = 500
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
    permanent: bool = False  # a failure no retry will change

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


def _summarise(plan: Plan, into: Plan | None) -> Plan:
    """`plan` without its messages' bodies, added to `into`: what a report keeps of a claimed batch
    (keys, destinations, titles), so that reporting a digest does not hold every message."""
    light = [replace(item, reply=Reply(title=item.reply.title)) for item in plan.items]
    if into is None:
        return replace(plan, items=light, unroutable=list(plan.unroutable), routed=dict(plan.routed),
                       expired=dict(plan.expired), still_waiting=list(plan.still_waiting))
    into.items += light
    into.unroutable += plan.unroutable
    into.already += plan.already
    into.routed.update(plan.routed)
    into.expired.update(plan.expired)
    into.still_waiting += plan.still_waiting
    return into


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
        pacer: Pacer | None = None,
        digest_batch: int = DIGEST_BATCH,
        sweep_batch: int = SWEEP_BATCH,
        report_messages: bool = True,
    ) -> None:
        self.app = app
        self.config = config or engine_config(app)
        self.worker = worker or default_worker()
        self.deliverers = deliverers
        self._platforms = frozenset(platforms) if platforms is not None else None
        self.hooks = hooks
        self.send_timeout = send_timeout
        self.parallel = max(1, parallel)
        self.digest_batch = max(1, digest_batch)
        self.sweep_batch = max(1, sweep_batch)
        # False in the service: a sweep's report then counts its claims instead of listing its messages
        # (the CLI lists them; the service only counts them).
        self.report_messages = report_messages
        # One per process: every tick's sends share the platforms' rate windows and Retry-After holds.
        self.pacer = pacer or Pacer()
        # False for a process that may lack some platform's credentials (the CLI): see `claim_plan`.
        self.authoritative = authoritative
        self._lock_: asyncio.Lock | None = None
        # Claims made after a permanent failure (the party's next routes, the secretariat's notice),
        # sent in the same `deliver` call.
        self._rerouted: list[int] = []
        # Told after every tick and every heartbeat (the service's metrics); None in the CLI.
        self.on_tick: Callable[[datetime, TickReport], None] | None = None
        self.on_heartbeat: Callable[[datetime], None] | None = None

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
        if dry_run:
            return TickReport(plans=[await self._db(engine.plan_sweep, now, self.config)])
        # In batches (`handlers/reminders/sweep.py`): each is planned, claimed and let go before the
        # next, so the process never holds the whole sweep (the claims hold the messages from then on).
        state = await self._db(streamed.start, now, self.config)
        if not state.in_hours:
            return TickReport(plans=[Plan(now=now, in_hours=False)])
        summary: Plan | None = None
        report = TickReport()
        done = True
        while (plan := await self._db(streamed.next_batch, state, self.config, self.sweep_batch)) is not None:
            if summary is None and self.hooks is not None:
                await self.hooks.after_plan(plan)  # the first batch (a replica test's barrier)
            report.claimed += await self._db(engine.claim_plan, plan, now, self.worker, self.platforms,
                                             authoritative=self.authoritative)
            done = done and engine.complete(plan, self.platforms, self.authoritative)
            report.waiting += [i for i in plan.items if i.destination.platform not in self.platforms]
            if not self.report_messages:
                plan.items = []  # the claims hold them; a report of 100 000 messages would not be streamed
            summary = _summarise(plan, summary)
            if state.stage == "actions":
                # A full batch of due actions, and more to come. Its ORM objects refer to each other
                # (actions ↔ their parties), so only the cycle collector frees them; left to its
                # thresholds they pile up in the old generation batch after batch. Collected in a worker
                # thread (the event loop keeps serving chat); a sweep within one batch, the usual
                # tick, pays nothing for it.
                await asyncio.get_running_loop().run_in_executor(None, gc.collect)
        assert summary is not None
        if done:
            await self._db(streamed.finish, state)
        report.plans = [summary]
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
        if dry_run:
            return TickReport(plans=[await self._db(engine.plan_digest, now, self.config, party=party)])
        # A few parties at a time: each batch is planned, claimed and let go before the next, so the
        # process never holds the whole week's digest (the claims hold the messages from then on).
        keys = await self._db(engine.digest_keys, now, self.config, party=party)
        batches = [keys[i:i + self.digest_batch] for i in range(0, len(keys), self.digest_batch)] or [[]]
        summary: Plan | None = None
        report = TickReport()
        done = True
        for n, batch in enumerate(batches):
            plan = await self._db(engine.plan_digest, now, self.config, party=party, only=batch,
                                  include_overview=n == len(batches) - 1)
            report.claimed += await self._db(engine.claim_plan, plan, now, self.worker, self.platforms,
                                             authoritative=self.authoritative)
            done = done and engine.complete(plan, self.platforms, self.authoritative)
            summary = _summarise(plan, summary)
        assert summary is not None
        report.plans = [summary]
        week = summary.digest_week if scheduled and party is None else None
        if week and done:
            await self._db(engine.finish_digest, week)
        report.waiting = [i for i in summary.items if i.destination.platform not in self.platforms]
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
        self.pacer.catch_up(now.timestamp())
        lanes = await self._db(_order.lanes, order)
        slots = asyncio.Semaphore(self.parallel)
        marks = SentMarks(self._db, self.worker, now)
        takes = Takes(self._db, self.worker, now, self.config)

        async def lane(ids: list[int]) -> list[Outcome]:
            async with slots:
                return await self._deliver_lane(ids, now, fresh_set, takes, marks)

        tasks = [asyncio.ensure_future(lane(ids)) for ids in lanes]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            # Like a crash of the whole loop: the other lanes stop too; their claims are retried later.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            await takes.close()
            await marks.close()  # what went out is marked, also when the lanes stopped early
        position = {notification_id: n for n, notification_id in enumerate(order)}
        done = sorted((o for outcomes in results for o in outcomes), key=lambda o: position.get(o.id, 0))
        return done + await self._deliver_rerouted(now)

    async def _deliver_rerouted(self, now: datetime) -> list[Outcome]:
        """Send what permanent failures re-planned, in the same tick (a few rounds: a new route may fail too)."""
        outcomes: list[Outcome] = []
        for _round in range(5):
            ids, self._rerouted = self._rerouted, []
            if not ids:
                break
            outcomes += await self.deliver(now, ids, retries=False, force=True)
        return outcomes

    async def _deliver_lane(self, ids: list[int], now: datetime, fresh_set: set[int], takes: Takes,
                            marks: SentMarks) -> list[Outcome]:
        """The claims of one destination, one after another; what waits for what is `order.LaneHolds`."""
        holds = _order.LaneHolds(self.config.policy)
        outcomes: list[Outcome] = []
        for notification_id in ids:
            prepared = await takes.take(notification_id, fresh=notification_id in fresh_set)
            if prepared is None:
                continue  # another process has it, or it is finished
            if isinstance(prepared, str):
                outcomes.append(Outcome(notification_id, "", "", "", "skipped", error=prepared))
                continue
            until = holds.held_until(prepared.group)
            if until is None:
                # The platform's pace: a turn too far off goes back to the queue for a later tick.
                wait = self.pacer.earliest(prepared.destination.platform, prepared.destination.address) \
                    - self.pacer.clock()
                if wait > _order.LONGEST_PACE:
                    until = now + timedelta(seconds=wait)
                    holds.failed("", until, now, permanent=False)
            if until is not None:
                await self._db(claims.deferred, notification_id, self.worker, now, until,
                               "waiting for an earlier message to this destination")
                outcomes.append(self._outcome(prepared, "deferred", next_at=until))
                continue
            outcome = await self._send(prepared, now, marks)
            outcomes.append(outcome)
            if outcome.status == "failed":
                holds.failed(prepared.group, outcome.next_attempt_at, now, permanent=outcome.permanent)
        return outcomes

    async def _send(self, prepared: Prepared, now: datetime, marks: SentMarks) -> Outcome:
        action = (prepared.reply.data or {}).get("action") if isinstance(prepared.reply.data, dict) else None
        # Every line logged about this message (sent, failed, retried) names its action.
        with logformat.action(action.get("id") if isinstance(action, dict) else None):
            return await self._send_one(prepared, now, marks)

    async def _send_one(self, prepared: Prepared, now: datetime, marks: SentMarks) -> Outcome:
        """One message: wait for its turn, send; a short Retry-After is waited out and sent again."""
        target = prepared.destination
        deliverer = self.deliverers(target.platform)
        destination = delivery.Destination(target.platform, target.address, target.kind)
        tried = 0
        while True:
            try:
                # In this task (no wait_for task): the deliverer's further messages see the pacing context.
                async with self.pacer.turn(target.platform, target.address):
                    if deliverer is None:
                        raise delivery.DeliveryError(f"no deliverer for {target.platform} in this process")
                    async with asyncio.timeout(self.send_timeout):
                        message_id = await deliverer.send(destination, prepared.reply)
            except delivery.DeliveryError as exc:
                if exc.retry_after is not None:
                    self.pacer.hold(target.platform, target.address, exc.retry_after)
                if _order.retry_now(exc.retry_after, exc.permanent, tried):
                    tried += 1
                    log.info("%s: Retry-After %.0fs from %s; waiting, then sending again", prepared.key,
                             exc.retry_after or 0, target.platform)
                    continue
                return await self._failed(prepared, now, str(exc), exc.retry_after, exc.permanent,
                                          getattr(exc, "code", None))
            except (TimeoutError, OSError) as exc:
                return await self._failed(prepared, now, f"{exc.__class__.__name__}: {exc}", None, False)
            except Exception as exc:  # a deliverer bug must not lose the reminder: retry it, and say so in the log
                log.exception("deliverer for %s raised", target.platform)
                return await self._failed(prepared, now, f"{exc.__class__.__name__}: {exc}", None, False)
            break
        if self.hooks is not None:
            await self.hooks.after_send(prepared.id)
        marks.add(failures.Sent(prepared.id, str(message_id), target.platform, target.address), prepared.key)
        log.info("sent %s (%s)", prepared.key, message_id)
        return self._outcome(prepared, "sent", message_id=str(message_id))

    async def _failed(self, prepared: Prepared, now: datetime, error: str, retry_after: float | None,
                      permanent: bool, code: str | None = None) -> Outcome:
        next_at = await self._db(claims.mark_failed, prepared.id, self.worker, now, self.config.policy, error,
                                 retry_after=retry_after, permanent=permanent)
        if permanent:
            # Acted on, never only logged: route marked broken, the next route planned, the secretariat told.
            self._rerouted += await self._db(failures.permanent, prepared.id, now, code, error, self.config,
                                             self.worker, self.platforms)
        log.warning("sending %s failed (%s); %s", prepared.key, error,
                    f"next attempt {next_at:%Y-%m-%d %H:%M} UTC" if next_at else "given up")
        outcome = self._outcome(prepared, "failed", error=error, next_at=next_at)
        outcome.permanent = permanent
        return outcome

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
            if self.on_tick is not None:
                self.on_tick(moment, report)
            return report

    def heartbeat(self) -> None:
        """The scheduler is running (every minute, day and night): what a "no tick" alert watches."""
        if self.on_heartbeat is not None:
            self.on_heartbeat(as_utc(self.app.clock()))


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
        self.runner = runner or ReminderRunner(app, report_messages=False)
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self, _web_app: web.Application | None = None) -> None:
        console_delivery.install()
        self.scheduler = build_scheduler(self.runner)
        # Not a reminder job: it touches no database and only says the clock runs (the "no tick" alert).
        # An interval, not a wall-clock time, so the DST changes do not matter to it.
        self.scheduler.add_job(self.runner.heartbeat, IntervalTrigger(minutes=1), id="heartbeat",
                               coalesce=True, max_instances=1)
        # Retention (OPPFOLGING_RETENTION_DAYS) once a night, outside 02:00-03:00 like every job here.
        self.scheduler.add_job(self.retention, CronTrigger(hour=4, minute=30, timezone=self.runner.config.tz),
                               id="retention", coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)
        self.scheduler.start()
        self.runner.heartbeat()
        log.warning("reminder scheduler started (worker %s)", self.runner.worker)

    async def retention(self) -> retention.Purged | None:
        """Empty what is older than the retention period; every replica may run it (it is idempotent)."""
        days = self.app.settings.retention_days
        if not days:
            return None
        now = as_utc(self.app.clock())
        try:
            purged = await self.runner._db(retention.purge, now, days)
        except Exception:  # tried again tomorrow night; nothing is lost meanwhile
            log.exception("retention could not run")
            return None
        log.info("retention: %d request record(s), %d notification(s) emptied (older than %d days)",
                 purged.requests, purged.notifications, days)
        return purged

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
    observed = web_app.get(metrics.METRICS_KEY)
    if observed is not None:
        service.runner.on_tick = lambda moment, report: observed.tick(
            moment, len(report.claimed), {"sent": report.count("sent"), "failed": report.count("failed")})
        service.runner.on_heartbeat = observed.heartbeat
    web_app[SCHEDULER_KEY] = service
    web_app.on_startup.append(service.start)
    web_app.on_cleanup.append(service.stop)


