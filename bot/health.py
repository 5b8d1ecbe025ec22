"""What the service knows about its own health, beyond the database: each part reports here.

A platform adapter calls `health.report("teams", ok=False, reason="…")` when, say, its token can no
longer be obtained, and `report("teams", ok=True)` once it works again. `/healthz` (and `/readyz`)
show every part; a part that is not ok makes the service "degraded" (it still answers what it can),
while an unreachable database makes it "unavailable". A change of state is logged once, not per
request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartHealth:
    ok: bool
    reason: str = ""


class Health:
    def __init__(self, *, shared: Health | None = None) -> None:
        self._parts: dict[str, PartHealth] = {}
        self._lock = threading.Lock()
        # A readiness check that finds what an adapter already reported to the process-wide state says
        # nothing new: the change is logged once, by whoever saw it first.
        self._shared = shared

    def report(self, part: str, *, ok: bool, reason: str = "") -> None:
        state = PartHealth(ok, "" if ok else reason)
        with self._lock:
            before = self._parts.get(part)
            self._parts[part] = state
        if before == state or (ok and before is None):  # a first "ok" is no news
            return
        if self._shared is not None and self._shared.parts().get(part) == state:
            return
        if ok:
            log.warning("%s: working again", part)
        else:
            log.error("%s: degraded: %s", part, reason)

    def forget(self, part: str) -> None:
        """Drop what `part` reported (it was stopped); nothing is logged."""
        with self._lock:
            self._parts.pop(part, None)

    def parts(self) -> dict[str, PartHealth]:
        with self._lock:
            return dict(self._parts)

    def degraded(self) -> dict[str, str]:
        return {name: state.reason for name, state in self.parts().items() if not state.ok}


# One per process: adapters and the health endpoint share it.
HEALTH = Health()


# --- readiness checks: a registry each configured platform adds its own auth check to ----------------
#
# `/readyz` asks every registered check (a platform's "does our authentication still work"), at most
# once per `ttl` seconds each, so a probe every few seconds does not turn into a call to Slack or
# Entra every few seconds. A check returns a `PartHealth`; one that raises or takes longer than
# `timeout` counts as not ok, with the exception's class as reason (never its text, which may hold a
# URL or a token). The results are kept in their own `Health`, one per web app, so two services in
# one process (tests) never see each other's state.

AuthCheck = Callable[[], Awaitable[PartHealth]]


@dataclass
class _Cached:
    at: float
    state: PartHealth
    seen: PartHealth | None = None  # what the adapters had reported for the part when this was asked


class Checks:
    def __init__(self, *, ttl: float = 60.0, timeout: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self.clock = clock
        self.state = Health(shared=HEALTH)
        self._checks: dict[str, AuthCheck] = {}
        self._cache: dict[str, _Cached] = {}

    def add(self, part: str, check: AuthCheck) -> None:
        """Register `part`'s check (a platform's auth); a second call for the same part replaces it."""
        self._checks[part] = check
        self._cache.pop(part, None)

    def names(self) -> list[str]:
        return sorted(self._checks)

    async def run(self) -> dict[str, PartHealth]:
        """Every check's state, asking again only those older than `ttl`."""
        now = self.clock()
        reported = HEALTH.parts()
        # Asked again when older than `ttl`, or when the adapter has seen a change since (a token refused
        # or working again): traffic is newer news than a cached check.
        stale = [name for name in self._checks
                 if name not in self._cache or now - self._cache[name].at >= self.ttl
                 or reported.get(name) != self._cache[name].seen]
        if stale:
            results = await asyncio.gather(*(self._one(name) for name in stale))
            reported = HEALTH.parts()
            for name, state in zip(stale, results, strict=True):
                self._cache[name] = _Cached(self.clock(), state, reported.get(name))
                self.state.report(name, ok=state.ok, reason=state.reason)
        return {name: self._cache[name].state for name in self._checks}

    async def _one(self, name: str) -> PartHealth:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._checks[name]()
        except TimeoutError:
            return PartHealth(False, f"no answer within {self.timeout:.0f} s")
        except Exception as exc:  # any failure of the check is the answer "not ok"; its text may hold secrets
            return PartHealth(False, f"check failed ({exc.__class__.__name__})")


CHECKS_KEY = web.AppKey("oppfolging_health_checks", Checks)


def checks_of(web_app: web.Application) -> Checks:
    """The web app's check registry (created on first use), for a service module's `setup`."""
    if CHECKS_KEY not in web_app:
        web_app[CHECKS_KEY] = Checks()
    return web_app[CHECKS_KEY]
