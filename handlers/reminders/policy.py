"""When reminders are due: the configurable policy and the stages it gives an action's deadline.

A *stage* is one reminder the policy asks for (14 days before, 7 days before, 1 working day
before, on the day, every week while overdue, and the escalation to AU). Each stage has a
nominal date (what the policy says) and a send date (that date, or the previous working day when
it is a weekend or a holiday). Two stages of one track that land on the same send date are one
reminder: the later stage wins, so a Monday deadline after a holiday weekend is not announced
twice on the Friday.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

from handlers.dates.workdays import Workdays

PARTY = "party"
ESCALATION = "escalation"


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: tuple[int, ...] = (14, 7)  # calendar days before the deadline
    workdays_before: tuple[int, ...] = (1,)  # working days before the deadline
    on_the_day: bool = True
    overdue_every_days: int = 7  # 0: no reminders while overdue
    escalate_after_days: int = 14  # 0: never tell the escalation party
    escalate_to: str = "au"
    send_at: time = time(9, 0)  # local time of reminders
    digest_at: time = time(8, 0)  # local time of the weekly digest (first working day of the week)
    # Nothing is sent outside office hours on working days; failed sends wait for the next window.
    office_start: time = time(8, 0)
    office_end: time = time(16, 0)
    digest_horizon_days: int = 30  # "neste 30 dager"
    convener_days_before: int = 42  # KS / the county is reminded six weeks before the meeting
    # After downtime, stages at most this old are still considered (only the latest per action is sent).
    catch_up_days: int = 35
    # A database that was never swept starts with today's stages (plus this many earlier days).
    first_run_days: int = 0
    # A claim not marked sent or failed after this long belongs to a dead process and is taken over.
    stale_after: timedelta = timedelta(minutes=10)
    retry_base: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=1)
    # A message that keeps failing for a reason that may pass (an outage, rate limits) is retried,
    # however often, until this long after its send day; then the next stage or digest has taken over.
    # Only a permanent failure (channel gone, bot removed) ends it sooner.
    retry_window: timedelta = timedelta(days=7)
    # Digest parts stay well inside Slack's 50 blocks and Teams' card size.
    digest_max_items: int = 25
    digest_max_chars: int = 9000
    # Actions listed per digest section (most urgent first); the rest are counted with the list command
    # that shows them, so a digest's length does not grow with the table. 0: list every action.
    digest_section_max: int = 10
    overview_oldest: int = 10
    extra_closed_days: tuple[date, ...] = field(default=())

    @property
    def workdays(self) -> Workdays:
        return _workdays(self.extra_closed_days)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before attempt `attempts + 1`: 1, 2, 4 … minutes, capped."""
        factor = 2 ** max(0, min(attempts - 1, 20))
        return min(self.retry_base * factor, self.retry_max)


_WORKDAYS: dict[tuple[date, ...], Workdays] = {}


def _workdays(extra: tuple[date, ...]) -> Workdays:
    if extra not in _WORKDAYS:
        _WORKDAYS[extra] = Workdays(extra)
    return _WORKDAYS[extra]


@dataclass(frozen=True)
class Stage:
    kind: str  # "before-14", "workdays-before-1", "due", "overdue-7", "escalation"
    track: str  # PARTY or ESCALATION
    nominal: date
    send_on: date
    order: int  # later stages have higher numbers; the higher one wins a collision


def stages_between(deadline: date, first: date, last: date, policy: ReminderPolicy) -> list[Stage]:
    """The stages of `deadline` whose send date lies in [first, last], in send order."""
    wd = policy.workdays
    found: list[Stage] = []

    def add(kind: str, track: str, nominal: date, order: int, send_on: date | None = None) -> None:
        found.append(Stage(kind, track, nominal, send_on or wd.on_or_before(nominal), order))

    for days in sorted(set(policy.days_before), reverse=True):
        add(f"before-{days}", PARTY, deadline - timedelta(days=days), -10_000 - days * 10)
    for count in sorted(set(policy.workdays_before), reverse=True):
        send_on = wd.before(deadline, count)
        # Ordered by the actual day, so "1 working day before" beats "7 days before" on a tie.
        add(f"workdays-before-{count}", PARTY, send_on, -10_000 - (deadline - send_on).days * 10 + 5, send_on)
    if policy.on_the_day:
        add("due", PARTY, deadline, 0)
    if policy.overdue_every_days > 0:
        step = policy.overdue_every_days
        low = max(1, math.ceil(((first - deadline).days) / step))
        high = ((last + timedelta(days=7) - deadline).days) // step
        for k in range(low, high + 1):
            add(f"overdue-{k * step}", PARTY, deadline + timedelta(days=k * step), k)
    if policy.escalate_after_days > 0:
        add(ESCALATION, ESCALATION, deadline + timedelta(days=policy.escalate_after_days), 1)

    # One reminder per track and send date: the later stage wins.
    best: dict[tuple[str, date], Stage] = {}
    for stage in found:
        key = (stage.track, stage.send_on)
        if key not in best or stage.order > best[key].order:
            best[key] = stage
    return sorted(
        (s for s in best.values() if first <= s.send_on <= last), key=lambda s: (s.send_on, s.track, s.order)
    )


# --- configuration text ------------------------------------------------------------------------


def _bool(value: str) -> bool:
    folded = value.strip().lower()
    if folded in ("1", "ja", "yes", "true", "on"):
        return True
    if folded in ("0", "nei", "no", "false", "off"):
        return False
    raise ValueError(f"expected yes/no, got {value!r}")


def _ints(value: str) -> tuple[int, ...]:
    if not value.strip():
        return ()
    numbers = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    if any(n < 0 for n in numbers):
        raise ValueError("day counts must be zero or positive")
    return numbers


def _time(value: str) -> time:
    hour, _, minute = value.strip().replace(".", ":").partition(":")
    return time(int(hour), int(minute or 0))


def parse_policy(spec: str | None, base: ReminderPolicy | None = None) -> ReminderPolicy:
    """`before=14,7;workdays_before=1;on_day=yes;overdue_every=7;escalate_after=14;escalate_to=au;
    at=09:00;digest_at=08:00;office=08:00-16:00;convener_days=42;closed=2026-12-24,2026-12-31`.

    Unknown or malformed settings raise ValueError: a typo in the policy must not silently turn
    reminders off.
    """
    policy = base or ReminderPolicy()
    if not spec or not spec.strip():
        return policy
    changes: dict[str, object] = {}
    for part in spec.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep:
            raise ValueError(f"reminder policy: {part.strip()!r} has no '='")
        if name == "before":
            changes["days_before"] = _ints(value)
        elif name == "workdays_before":
            changes["workdays_before"] = _ints(value)
        elif name == "on_day":
            changes["on_the_day"] = _bool(value)
        elif name == "overdue_every":
            changes["overdue_every_days"] = int(value)
        elif name == "escalate_after":
            changes["escalate_after_days"] = int(value)
        elif name == "escalate_to":
            changes["escalate_to"] = value.strip()
        elif name == "at":
            changes["send_at"] = _time(value)
        elif name == "digest_at":
            changes["digest_at"] = _time(value)
        elif name == "office":
            start, _, end = value.partition("-")
            changes["office_start"], changes["office_end"] = _time(start), _time(end)
        elif name == "convener_days":
            changes["convener_days_before"] = int(value)
        elif name == "digest_section_max":
            changes["digest_section_max"] = int(value)
        elif name == "digest_horizon":
            changes["digest_horizon_days"] = int(value)
        elif name == "closed":
            changes["extra_closed_days"] = tuple(
                date.fromisoformat(d.strip()) for d in value.split(",") if d.strip()
            )
        else:
            raise ValueError(f"reminder policy: unknown setting {name!r}")
    result = replace(policy, **changes)  # type: ignore[arg-type]
    if result.overdue_every_days < 0 or result.escalate_after_days < 0 or result.digest_section_max < 0:
        raise ValueError("reminder policy: day counts must be zero or positive")
    if not (result.office_start <= result.digest_at < result.office_end) or not (
        result.office_start <= result.send_at < result.office_end
    ):
        raise ValueError("reminder policy: 'at' and 'digest_at' must lie within office hours")
    return result
