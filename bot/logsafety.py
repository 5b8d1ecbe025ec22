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

# Environment variables whose values are secrets (NAME, or NAME_FILE naming a file holding it).
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|_KEY)$")
URL_NAMES = ("DATABASE_URL", "TEST_DATABASE_URL", "SMTP_URL")
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
        values.update(p for p in _passwords(url) if len(p) >= MIN_LENGTH)
    return values


def _passwords(url: str | None) -> set[str]:
    """The password of a URL, decoded and as written (percent-encoded): a library may log either."""
    if not url or "://" not in url:
        return set()
    # Imported here: every `oppfolging` command installs this filter, `healthcheck` and `--help` too,
    # and those need no SQLAlchemy otherwise.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found: set[str] = set()
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        found.add(str(password))
    userinfo = url.split("://", 1)[1].rpartition("@")[0]
    if ":" in userinfo:
        found.add(userinfo.split(":", 1)[1])
    return found


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
