"""From what a user typed (or clicked) to a `Reply`, inside one transaction.

`handle()` is what every adapter calls. It owns the transaction: a `UserError` anywhere rolls
everything back and becomes a Norwegian message; an unexpected error is logged and the user gets
a short apology, never a stack trace; an unreachable database gets "try again shortly".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handlers.core import command_text, registry
from handlers.core.catalog import t
from handlers.core.clock import DEFAULT_TZ
from handlers.core.context import Actor, Context
from handlers.core.errors import UserError
from handlers.core.replies import Reply, error_reply
from handlers.core.text import clean_input, strip_prefix

log = logging.getLogger(__name__)


def load_features() -> None:
    """Every feature module, for a service that should pay for loading them at start rather than on
    a user's first command (`dispatch` loads a command's feature when it is first used)."""
    from handlers.meetings import questions  # noqa: F401  (answers text that names no command)

    registry.load_all()


def dispatch(text: str, ctx: Context) -> Reply:
    """Run one input; raises `UserError` for bad input (the caller rolls back)."""
    body = strip_prefix(clean_input(text))
    if not body:
        return registry.COMMANDS["hjelp"].handler(ctx, "")
    found, rest = registry.find(body)
    if found is not None:
        return found.handler(ctx, rest)
    # Text that is no command is a question in plain words. Imported here, as commands are: a
    # one-shot `oppfolging run` loads only the feature it uses.
    from handlers.meetings.questions import answer

    return answer(ctx, body)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_input(value)
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def submit_form(ctx: Context, form_id: str, values: Mapping[str, Any], form_context: Mapping[str, Any]) -> Reply:
    """A submitted form (Slack modal, Teams card) to the feature that registered its id."""
    submitter = registry.submitter(form_id)
    if submitter is None:
        raise UserError(t("form.unknown"))
    # Form fields skip the command parser, so they are cleaned here as typed commands are.
    return submitter(ctx, {str(k): _clean(v) for k, v in values.items()}, form_context)


def read_only_source(text: str) -> str | None:
    """The command to run again to refresh or page a list, if `text` is a read-only command."""
    body = strip_prefix(clean_input(text))
    found, _ = registry.find(body)
    return body if found is not None and found.read_only else None


def read_only(text: str) -> Callable[[Context], Reply]:
    """A `run` for `handle` that answers `text` and keeps nothing it may have written: a click's
    data names the list to show again, and re-running it must never change anything, whatever the
    data says."""

    def run(ctx: Context) -> Reply:
        reply = dispatch(text, ctx)
        ctx.session.rollback()
        return reply

    return run


# SQLite's SQLITE_FULL and PostgreSQL's disk_full (53100): the write was refused and rolled back.
_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"


def storage_full(exc: BaseException) -> bool:
    """Whether `exc`, or what caused it, says the disk is full. SQLite rolls the whole transaction
    back on SQLITE_FULL, so inside a savepoint the error seen is "no such savepoint"; the cause is
    in its context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = getattr(current, "orig", current)
        if getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL or getattr(orig, "sqlstate", None) == _PG_DISK_FULL:
            return True
        current = current.__cause__ or current.__context__
    return False


def handle(
    factory: sessionmaker[Session],
    text: str,
    actor: Actor,
    now: datetime,
    *,
    tz: ZoneInfo = DEFAULT_TZ,
    configure: Callable[[Context], None] | None = None,
    run: Callable[[Context], Reply] | None = None,
) -> Reply:
    """One request in one transaction. `run` replaces command dispatch (forms, buttons with values)."""
    session = factory()
    kind = ""
    try:
        ctx = Context(session=session, actor=actor, now=now, tz=tz)
        if configure is not None:
            configure(ctx)
        kind = ctx.conversation_kind
        reply = run(ctx) if run is not None else dispatch(text, ctx)
        session.commit()
        # Commands in the texts are shown the way this platform takes them (handlers.core.command_text).
        return command_text.reply_for(reply, actor.platform, kind)
    except UserError as exc:
        session.rollback()
        return command_text.reply_for(error_reply(exc.message, exc.suggestions), actor.platform, kind)
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if storage_full(exc):
            log.error("database full: nothing was stored (%s)", exc.__class__.__name__)
            return error_reply(t("security.db_full"))
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            log.warning("database unavailable: %s", exc.__class__.__name__)
            return error_reply(t("router.db_unavailable"))
        log.exception("database error while handling input")
        return error_reply(t("router.internal_error"))
    except Exception:
        session.rollback()
        log.exception("unexpected error while handling input")
        return error_reply(t("router.internal_error"))
    finally:
        session.close()
