"""Secrets never reach the logs.

The service itself never logs a token, but libraries may (at DEBUG level, in an exception's text,
in a URL). `install` puts a filter on the root logger's handlers that replaces every configured
secret value with `***` in the message, its arguments, the traceback and the stack, whatever logger
the record comes from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# Environment variables whose values are secrets (NAME, or NAME_FILE naming a file holding it).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|_KEY)$")
URL_NAMES = ("DATABASE_URL", "TEST_DATABASE_URL")
MIN_LENGTH = 6  # shorter values would blank ordinary words ("test", "1234")
MASK = "***"


def secret_values(env: Mapping[str, str], urls: Iterable[str | None] = ()) -> set[str]:
    """The secret values named by `env` (directly or through NAME_FILE), and the passwords in URLs."""
    values: set[str] = set()
    for name, value in env.items():
        if name.endswith("_FILE") and SECRET_NAME.search(name[: -len("_FILE")]):
            try:
                value = Path(value).read_text(encoding="utf-8").strip()
            except OSError:
                continue
        elif not SECRET_NAME.search(name):
            continue
        if value and len(value) >= MIN_LENGTH:
            values.add(value)
    files = []
    for name in URL_NAMES:
        try:
            files.append(Path(env[f"{name}_FILE"]).read_text(encoding="utf-8").strip() if env.get(f"{name}_FILE") else None)
        except OSError:
            continue
    for url in [*(env.get(n) for n in URL_NAMES), *files, *urls]:
        password = _password(url)
        if password and len(password) >= MIN_LENGTH:
            values.add(password)
    return values


def _password(url: str | None) -> str | None:
    if not url or "://" not in url:
        return None
    try:
        return make_url(url).password  # type: ignore[return-value]
    except (ArgumentError, ValueError):
        return None


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the logging module reports it itself
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: Iterable[str], logger: logging.Logger | None = None) -> RedactSecrets:
    """Add the filter to every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    redactor = RedactSecrets(secrets)
    for handler in target.handlers:
        for existing in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(existing)
        handler.addFilter(redactor)
    return redactor
