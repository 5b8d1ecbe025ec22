"""Configuration from the environment (and an optional `.env` file outside version control)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.db import DEFAULT_URL


def load_dotenv(path: Path = Path(".env")) -> None:
    """Read KEY=VALUE lines into the environment without overriding what is already set."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


class SecretFileError(ValueError):
    """A NAME_FILE that cannot be used (missing, unreadable, or inside the repository)."""


REPOSITORY = Path(__file__).resolve().parent.parent


def _secret(e: dict[str, str], *names: str) -> str | None:
    """The first of `names` set in the environment, or read from the file its NAME_FILE names.

    Secrets come from the environment (or `.env`, which git ignores) or from a file outside the
    repository (container and systemd secrets: SLACK_BOT_TOKEN_FILE=/run/secrets/slack_bot_token).
    """
    for name in names:
        if e.get(name):
            return e[name]
    for name in names:
        path = e.get(f"{name}_FILE")
        if not path:
            continue
        resolved = Path(path).resolve()
        if resolved.is_relative_to(REPOSITORY):
            raise SecretFileError(f"{name}_FILE must name a file outside the repository, not {path}")
        try:
            return resolved.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise SecretFileError(f"{name}_FILE: cannot read {path} ({exc.strerror})") from None
    return None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    # Secrets (and the database URL, which may hold a password) stay out of repr(), so a settings
    # object that reaches a log line or a traceback never shows them.
    database_url: str = field(default=DEFAULT_URL, repr=False)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Oslo"))
    # "platform:user-id" of administrators, e.g. "slack:U0123,teams:8d3c…"
    admins: frozenset[str] = frozenset()
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    # "usergroup-handle=party-key" pairs, e.g. "au=au,fk-vestland=vestland"
    slack_usergroup_parties: tuple[tuple[str, str], ...] = ()
    teams_app_id: str | None = None
    teams_app_password: str | None = field(default=None, repr=False)
    teams_tenant_id: str | None = None
    teams_anonymous: bool = False
    public_host: str | None = None
    port: int = 3978

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        pairs = []
        for item in _split(e.get("SLACK_USERGROUP_PARTIES")):
            handle, _, key = item.partition("=")
            if handle and key:
                pairs.append((handle.strip().lstrip("@"), key.strip()))
        return cls(
            database_url=_secret(e, "DATABASE_URL") or DEFAULT_URL,
            timezone=ZoneInfo(e.get("OPPFOLGING_TZ") or "Europe/Oslo"),
            admins=frozenset(_split(e.get("OPPFOLGING_ADMINS"))),
            slack_bot_token=_secret(e, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_secret(e, "SLACK_SIGNING_SECRET"),
            slack_app_token=_secret(e, "SLACK_APP_TOKEN"),
            slack_api_url=e.get("SLACK_API_URL") or None,
            slack_usergroup_parties=tuple(pairs),
            teams_app_id=e.get("TEAMS_APP_ID") or e.get("MICROSOFT_APP_ID") or None,
            teams_app_password=_secret(e, "TEAMS_APP_PASSWORD", "MICROSOFT_APP_PASSWORD"),
            teams_tenant_id=e.get("TEAMS_TENANT_ID") or e.get("MICROSOFT_APP_TENANTID") or None,
            teams_anonymous=(e.get("TEAMS_ALLOW_ANONYMOUS") or "").lower() in ("1", "true", "yes"),
            public_host=e.get("PUBLIC_HOST") or None,
            port=int(e.get("PORT") or 3978),
        )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id) or self.teams_anonymous
