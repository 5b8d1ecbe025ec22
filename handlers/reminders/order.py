"""In which order claimed notifications go out, and what waits for what.

- One lane per destination (a channel, a person): its messages go out one after another, in claim
  order (oldest claim first, so a retried message goes before newer ones), so a digest in parts
  reads in order and a channel is never flooded. Different lanes may run side by side; how many at
  once is the sender's business, how fast is `handlers/reminders/pacing.py`'s.
- When a message fails for a reason that may pass (a 5xx, a timeout, a rate limit), the rest of its
  lane waits for that message's next attempt, so nothing overtakes it: after an outage the lane
  resumes in order. A permanent failure holds nothing (the message is re-routed).
- A digest sent in parts is one group: when a part fails for good, the later parts of that group
  still wait as long as a retry could take, so a reader never gets part 3 before part 2.
- A rate limit (`Retry-After`) that is short is waited out within the same run, a few times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.reminders.policy import ReminderPolicy
from storage.models import Notification

_BATCH = 500  # ids per IN (...) list: well under every database's parameter limit


def lanes(session: Session, ids: Sequence[int]) -> list[list[int]]:
    """The claims grouped by destination, each lane in claim order; lanes in order of first appearance."""
    where: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(
            select(Notification.id, Notification.platform, Notification.destination).where(
                Notification.id.in_(ids[start : start + _BATCH])
            )
        )
        for notification_id, platform, address in rows:
            where[notification_id] = (platform, address)
    grouped: dict[tuple[str, str], list[int]] = {}
    for notification_id in ids:
        # A claim that vanished still gets a lane of its own: leasing it will find nothing to do.
        grouped.setdefault(where.get(notification_id, ("", f"#{notification_id}")), []).append(notification_id)
    # Ids grow in claim order: an older claim (a retry) goes before a newer one to the same place.
    return [sorted(lane) for lane in grouped.values()]


# Rate limits shorter than this are waited out in the same run, at most `IN_RUN_RETRIES` times per
# message; a longer one (or more of them) hands the message to the retry queue.
IN_RUN_WAIT = 60.0  # seconds
IN_RUN_RETRIES = 3
# A message whose turn (by the platform's rate windows) is further off than this goes back to the
# queue for a later tick, so one run never holds its claims anywhere near `stale_after`.
LONGEST_PACE = 120.0  # seconds


def retry_now(retry_after: float | None, permanent: bool, tried: int) -> bool:
    """Wait out this rate limit and send again within the run, instead of a later tick?"""
    return (not permanent and retry_after is not None and retry_after <= IN_RUN_WAIT
            and tried < IN_RUN_RETRIES)


class LaneHolds:
    """Within one lane: until when its later messages wait, because an earlier one failed."""

    def __init__(self, policy: ReminderPolicy) -> None:
        self._policy = policy
        self._lane: datetime | None = None
        self._groups: dict[str, datetime] = {}

    def held_until(self, group: str) -> datetime | None:
        """When a message of `group` ("" for none) may go, if it must wait; None when it may go now."""
        held = [t for t in (self._lane, self._groups.get(group) if group else None) if t is not None]
        return max(held) if held else None

    def failed(self, group: str, next_attempt_at: datetime | None, now: datetime, *, permanent: bool) -> None:
        if not permanent and next_attempt_at is not None:
            # Transient: nothing overtakes the failed message; the whole lane resumes with its retry.
            self._lane = max(self._lane or next_attempt_at, next_attempt_at)
        if group:
            # Given up for good (no next attempt): the rest waits as long as a retry could take.
            self._groups[group] = next_attempt_at or now + self._policy.retry_max
