"""How log lines look: plain text, or with `LOG_FORMAT=json` one JSON object per line.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, and when known the
`request_id` and `action_id`; an exception adds `exception` (its traceback, secrets masked like the
message). The request id is the platform's own where there is one (Slack's `event_id` or
`trigger_id`, the Teams activity id), so a line can be matched with what the platform logged; else
the caller's `X-Request-Id`, else a new random one. It is kept in a context variable, so whatever is
logged while the request is handled carries it, in this task and the tasks it starts.

Personal data: e-mail addresses are masked in every line (`k***@example.no`), whichever format;
platform user ids (pseudonymous) may appear, names do not (docs/PERSONVERN.md).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("oppfolging_request_id", default=None)
ACTION_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("oppfolging_action_id", default=None)

# A request id from outside is used only when it looks like one (no log injection, bounded length).
SAFE_ID = re.compile(r"^[A-Za-z0-9._:@|-]{1,128}$")
EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def new_request_id() -> str:
    return secrets.token_hex(8)


def bind_request(request_id: str | None) -> None:
    """Name the current request (a platform's id replaces the one the middleware made up)."""
    if request_id and SAFE_ID.match(request_id):
        REQUEST_ID.set(request_id)


@contextmanager
def action(action_id: int | None) -> Iterator[None]:
    """Lines logged inside the block carry `action_id`."""
    token = ACTION_ID.set(action_id)
    try:
        yield
    finally:
        ACTION_ID.reset(token)


def slack_request_id(payload: dict[str, Any]) -> str | None:
    """Slack's id for a request: the Events API `event_id`, or the `trigger_id` of a command or click."""
    for key in ("event_id", "trigger_id"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return None


class ContextFields(logging.Filter):
    """Copies the request and action id of the moment onto each record (unless set with `extra=`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "action_id", None) is None:
            record.action_id = ACTION_ID.get()
        return True


class MaskEmails(logging.Filter):
    """E-mail addresses come out as `k***@example.no`: enough to tell a domain's problem, not who."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the logging module reports it itself
            return True
        masked = mask_emails(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask_emails(record.exc_text)
        return True


def mask_emails(text: str) -> str:
    return EMAIL.sub(r"\1***@\2", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "action_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(log_format: str, handlers: Iterable[logging.Handler] | None = None) -> None:
    """Give `handlers` (the root logger's) the format, the context fields and e-mail masking.

    Filters run in the order added: call this before `logsafety.install`, which masks secrets, is
    added after and so sees the message already formatted into its final text.
    """
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
        for kind in (ContextFields, MaskEmails):
            for existing in [f for f in handler.filters if isinstance(f, kind)]:
                handler.removeFilter(existing)
            handler.addFilter(kind())


def start_request(given: str | None) -> None:
    """A new HTTP request: the caller's X-Request-Id when it looks like one, else a new id."""
    REQUEST_ID.set(given if given and SAFE_ID.match(given) else new_request_id())
    ACTION_ID.set(None)
