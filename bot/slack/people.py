"""Roster people found in Slack by e-mail (`users.lookupByEmail`, scope `users:read.email`).

A roster entry names a person by e-mail; a reminder in Slack needs their user id. For every active
roster address that no Slack person has yet, this asks Slack who has it, stores that user as a
Person (platform "slack", their user id, the address) and links the roster entry
(`handlers.parties.roster.learn_email`).

It runs in the background of `oppfolging serve` (`setup` is listed in `bot.server.SERVICE_MODULES`),
once a minute: a new roster address is looked up within a minute of its import. An address Slack
does not know (`users_not_found`, the normal answer for someone outside the workspace) is asked
again only after `retry_after`, or as soon as a new Slack user shows up, who may be that person.
A missing scope or a Slack that cannot be reached ends the round (logged), never the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.app import App
from bot.slack.usergroups import API_ERRORS
from handlers.parties import roster
from storage import people
from storage.db import transaction
from storage.models import Person

log = logging.getLogger(__name__)

PLATFORM = "slack"
INTERVAL = 60.0  # seconds between rounds
RETRY_AFTER = 6 * 3600.0  # seconds before an address Slack did not know is asked again
NOT_FOUND = "users_not_found"
# Errors that will not go away by asking about the next address: stop the round.
FATAL = frozenset({"missing_scope", "not_allowed_token_type", "invalid_auth", "account_inactive", "token_revoked",
                   "no_permission", "ekm_access_denied"})


class RosterLookup:
    def __init__(self, app: App, client: AsyncWebClient, *, retry_after: float = RETRY_AFTER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.client = client
        self.retry_after = retry_after
        self.clock = clock
        self._missed: dict[str, float] = {}  # address -> when Slack last said nobody has it
        self._slack_people = -1  # how many Slack people there were at the last round

    async def run_once(self) -> int:
        """One round; returns how many roster addresses were found in Slack."""
        emails, slack_people = await asyncio.to_thread(self._unmatched)
        if slack_people != self._slack_people:
            self._missed.clear()  # someone new in Slack may be one of the missing addresses
            self._slack_people = slack_people
        found = 0
        for email in emails:
            missed = self._missed.get(email)
            if missed is not None and self.clock() - missed < self.retry_after:
                continue
            try:
                response = await self.client.users_lookupByEmail(email=email)
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error == NOT_FOUND:
                    self._missed[email] = self.clock()
                    continue
                log.warning("Slack users.lookupByEmail failed (%s)%s", error,
                            "; add the scope users:read.email to the app" if error == "missing_scope" else "")
                if error in FATAL:
                    return found
                continue
            except API_ERRORS as exc:
                log.warning("Slack could not be asked for roster e-mails (%s)", exc.__class__.__name__)
                return found
            user = response.get("user")
            if not isinstance(user, dict) or not user.get("id") or user.get("deleted") or user.get("is_bot"):
                self._missed[email] = self.clock()  # a deactivated user or a bot can receive nothing
                continue
            profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
            name = str(profile.get("display_name") or profile.get("real_name") or user.get("real_name") or "")
            # Our own new people are no reason to forget the misses.
            self._slack_people = await asyncio.to_thread(self._link, str(user["id"]), name, email)
            found += 1
        return found

    def _unmatched(self) -> tuple[list[str], int]:
        with transaction(self.app.sessions) as session:
            count = session.scalar(select(func.count()).select_from(Person).where(Person.platform == PLATFORM))
            return roster.unmatched_emails(session, PLATFORM), int(count or 0)

    def _link(self, user_id: str, name: str, email: str) -> int:
        """Store the Slack user's address and link the roster; returns how many Slack people there are."""
        now = self.app.clock().astimezone(UTC).replace(tzinfo=None)
        with transaction(self.app.sessions) as session:
            person = people.get_or_create(session, PLATFORM, user_id, name, now)
            roster.learn_email(session, person, email)
            count = session.scalar(select(func.count()).select_from(Person).where(Person.platform == PLATFORM))
            return int(count or 0)

    async def run_forever(self, interval: float = INTERVAL) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database may be down for a while; the next round tries again
                log.exception("roster lookup in Slack failed")
            await asyncio.sleep(interval)


LOOKUP_KEY = web.AppKey("oppfolging_slack_roster", RosterLookup)
_TASK_KEY = web.AppKey("oppfolging_slack_roster_task", asyncio.Task)


def setup(web_app: web.Application, app: App) -> None:
    from bot.slack.service import SLACK_KEY

    service = web_app.get(SLACK_KEY)
    if service is None:  # Slack is not configured
        return
    lookup = RosterLookup(app, service.client)
    web_app[LOOKUP_KEY] = lookup

    async def start(web_app: web.Application) -> None:
        web_app[_TASK_KEY] = asyncio.create_task(lookup.run_forever())

    async def stop(web_app: web.Application) -> None:
        task = web_app.get(_TASK_KEY)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)
