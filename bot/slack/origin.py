"""Who did something in Slack and where (`Origin`), and what listeners and file handlers use of the service.

`Service` is the part of `bot.slack.service.SlackService` the modules below it need; they take it
as a parameter instead of importing the service, which imports them to wire everything together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.app import App
    from bot.slack.client import Sleep
    from bot.slack.usergroups import DisplayNames
    from handlers.core.context import Context
    from handlers.core.replies import Reply


@dataclass(frozen=True)
class Origin:
    """Who did something in Slack, and where."""

    user: str
    user_name: str = ""
    channel: str | None = None
    channel_name: str = ""


class Service(Protocol):
    app: App
    client: AsyncWebClient
    bolt: AsyncApp
    sleep: Sleep
    names: DisplayNames

    async def handle(
        self, text: str, origin: Origin, *, request_key: str | None = None,
        run: Callable[[Context], Reply] | None = None,
    ) -> Reply:
        """`App.handle` as the Slack user of `origin`, off the event loop."""
        ...
