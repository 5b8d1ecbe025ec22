"""Sending a reply to a place nobody asked from: reminders, digests, proactive messages.

Each platform registers a `Deliverer` when its service starts (Slack, Teams); the console one
prints. The reminder engine decides *what* is due and claims it; a deliverer only sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.core.replies import Reply


@dataclass(frozen=True)
class Destination:
    platform: str  # "slack", "teams", "email", "console"
    address: str  # Slack channel/user id, Teams conversation id or user, e-mail address, or a console label
    kind: str = "channel"  # "channel" or "user" (a direct message to a person)


class DeliveryError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said so; `permanent` when retrying
    is useless. `code` names the platform's reason where the reminder engine acts on it: Slack's
    `not_in_channel`, `channel_not_found`, `is_archived`; Teams' `forbidden` (403: the user does not
    have the app) and `not_found` (404: the conversation is gone); SMTP's `mailbox` (a 5xx for the
    address)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.code = code


class Deliverer(Protocol):
    async def send(self, destination: Destination, reply: Reply) -> str:
        """Send `reply`; return the platform's message id. Raise `DeliveryError` on failure."""
        ...


DELIVERERS: dict[str, Deliverer] = {}


def register(platform: str, deliverer: Deliverer) -> None:
    DELIVERERS[platform] = deliverer


def deliverer_for(platform: str) -> Deliverer | None:
    return DELIVERERS.get(platform)
