"""Configuration from the environment (and an optional `.env` file outside version control)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

# The database layer (storage.db, SQLAlchemy) and the link signing rules are imported by the
# functions that need them: every `oppfolging` command reads this module, `--help` and
# `healthcheck` too, and those need neither.


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


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it (and never a secret's value)."""


class SecretFileError(ConfigError):
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


OFF = ("off", "0", "false", "no", "nei")
DEFAULT_RETENTION_DAYS = 180


def retention_days(value: str | None) -> int | None:
    """OPPFOLGING_RETENTION_DAYS: a number of days (default 180), or off/0 to keep everything."""
    text = (value or "").strip().lower()
    if not text:
        return DEFAULT_RETENTION_DAYS
    if text in OFF:
        return None
    if not text.isdigit():
        raise ConfigError(f"OPPFOLGING_RETENTION_DAYS must be a number of days or off, not {value!r}")
    return int(text) or None


def _hours(value: str | None) -> float:
    """OPPFOLGING_OVERVIEW_LINK_HOURS: 12 unless set; a value that is no positive number up to a
    week is refused at start, not silently replaced."""
    if not value:
        return 12.0
    try:
        hours = float(value)
    except ValueError:
        raise ConfigError(f"OPPFOLGING_OVERVIEW_LINK_HOURS must be a number of hours, not {value!r}") from None
    if not 0 < hours <= 24 * 7:
        raise ConfigError(f"OPPFOLGING_OVERVIEW_LINK_HOURS must be between 0 and 168, not {value!r}")
    return hours


def _signing_key(value: str | None) -> str | None:
    """OPPFOLGING_SECRET_KEY signs overview links with HS256, which a short key weakens (RFC 7518 §3.2)."""
    from handlers.overview.links import MIN_KEY_LENGTH

    if value is not None and len(value) < MIN_KEY_LENGTH:
        raise ConfigError(f"OPPFOLGING_SECRET_KEY must be at least {MIN_KEY_LENGTH} characters "
                              "(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    return value


def _default_url() -> str:
    """SQLite in ./data, as storage.db says."""
    from storage.db import DEFAULT_URL

    return DEFAULT_URL


@dataclass(frozen=True)
class Settings:
    # Secrets (and the database URL, which may hold a password) stay out of repr(), so a settings
    # object that reaches a log line or a traceback never shows them.
    database_url: str = field(default_factory=_default_url, repr=False)
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
    # The Teams app package's privacy statement and terms of use (https://); a production package requires both.
    teams_privacy_url: str | None = None
    teams_terms_url: str | None = None
    public_host: str | None = None
    port: int = 3978
    # E-mail (see bot/email/config.py): the URL may hold the SMTP password.
    smtp_url: str | None = field(default=None, repr=False)
    email_from: str | None = None
    # Operations (bot/metrics.py, bot/logformat.py, handlers/privacy/retention.py).
    metrics_enabled: bool = True
    metrics_token: str | None = field(default=None, repr=False)
    log_format: str = "text"
    retention_days: int | None = DEFAULT_RETENTION_DAYS
    # Overview links (bot/web): the signing key (else one is generated and kept in the database),
    # and how long a personal link lives.
    secret_key: str | None = field(default=None, repr=False)
    overview_link_hours: float = 12.0
    # A .docx the follow-up report starts from (styles, letterhead); None: the template in the package.
    report_template: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        pairs = []
        for item in _split(e.get("SLACK_USERGROUP_PARTIES")):
            handle, _, key = item.partition("=")
            if handle and key:
                pairs.append((handle.strip().lstrip("@"), key.strip()))
        return cls(
            database_url=_secret(e, "DATABASE_URL") or _default_url(),
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
            teams_privacy_url=e.get("TEAMS_PRIVACY_URL") or None,
            teams_terms_url=e.get("TEAMS_TERMS_URL") or None,
            public_host=e.get("PUBLIC_HOST") or None,
            port=int(e.get("PORT") or 3978),
            smtp_url=_secret(e, "SMTP_URL"),
            email_from=e.get("OPPFOLGING_EMAIL_FROM") or None,
            metrics_enabled=(e.get("OPPFOLGING_METRICS") or "on").strip().lower() not in OFF,
            metrics_token=_secret(e, "OPPFOLGING_METRICS_TOKEN"),
            log_format="json" if (e.get("LOG_FORMAT") or "").strip().lower() == "json" else "text",
            retention_days=retention_days(e.get("OPPFOLGING_RETENTION_DAYS")),
            secret_key=_signing_key(_secret(e, "OPPFOLGING_SECRET_KEY")),
            overview_link_hours=_hours(e.get("OPPFOLGING_OVERVIEW_LINK_HOURS")),
            report_template=e.get("OPPFOLGING_REPORT_TEMPLATE") or None,
        )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def teams_configured(self) -> bool:
        """Any Teams setting at all: `serve` then loads Teams, whose options check that the rest is there."""
        return bool(self.teams_app_id or self.teams_app_password or self.teams_anonymous)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id) or self.teams_anonymous
