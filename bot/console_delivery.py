"""The console deliverer: reminders and digests printed to the terminal (local use, tests, dry runs)."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from bot import delivery
from bot.console import render_text
from bot.delivery import Destination
from handlers.core.replies import Reply


class ConsoleDeliverer:
    """Prints each message under a line naming its destination; the message id is a counter."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out
        self._ids = itertools.count(1)

    async def send(self, destination: Destination, reply: Reply) -> str:
        out = self.out or sys.stdout
        print(f"→ {destination.platform}:{destination.address} ({destination.kind})", file=out)
        print(render_text(reply), file=out)
        print(file=out, flush=True)
        return f"console-{next(self._ids)}"


def install(out: TextIO | None = None) -> delivery.Deliverer:
    """Register the console deliverer unless something is registered for "console" already."""
    existing = delivery.deliverer_for("console")
    if existing is not None:
        if isinstance(existing, ConsoleDeliverer) and out is not None:
            existing.out = out
        return existing
    deliverer = ConsoleDeliverer(out)
    delivery.register("console", deliverer)
    return deliverer
