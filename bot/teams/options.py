"""Teams configuration, checked once at startup so a half-configured bot never starts.

From the environment (through `bot.config.Settings`): `TEAMS_APP_ID`, `TEAMS_APP_PASSWORD`,
`TEAMS_TENANT_ID` (single tenant), `TEAMS_ALLOW_ANONYMOUS` (local development only), and some
rarely needed ones read here: `TEAMS_OPENID_METADATA_URL` (where the signing keys of incoming tokens
are published; a sovereign cloud or a test identity provider) and `TEAMS_ALLOW_ANY_SERVICE_URL`
(answer a `serviceUrl` outside Microsoft's hosts; local emulators). Shared files are downloaded
only over HTTPS from SharePoint/OneDrive (`*.sharepoint.com`); `TEAMS_FILE_HOSTS` adds host
suffixes (a sovereign cloud's SharePoint) and `TEAMS_ALLOW_ANY_FILE_URL` lifts the check (local
emulators, tests). The bot's token comes from `TEAMS_AUTHORITY_HOST` (default Entra's
https://login.microsoftonline.com; a sovereign cloud has its own), trusting `TEAMS_CA_BUNDLE` too
when set (a TLS-inspecting proxy).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

from bot.config import Settings
from bot.teams.retry import RetryPolicy

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# OneDrive for Business and SharePoint document libraries: <tenant>.sharepoint.com, <tenant>-my.sharepoint.com.
DEFAULT_FILE_HOSTS = ("sharepoint.com",)

TokenProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]


class TeamsConfigError(ValueError):
    """The Teams settings cannot work together; the message says what to change."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class TeamsOptions:
    app_id: str | None = None
    app_password: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    anonymous: bool = False
    openid_metadata_url: str | None = None
    # Only Microsoft's Bot Connector hosts may be named as serviceUrl: a valid token must not be
    # enough to make the bot send its own access token somewhere else.
    check_service_url: bool = True
    # Likewise a file's download URL: a payload must not make the bot fetch from anywhere it names.
    file_hosts: tuple[str, ...] = DEFAULT_FILE_HOSTS
    check_file_urls: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    authority_host: str = "https://login.microsoftonline.com"
    ca_bundle: str | None = None
    # How outgoing calls get the bot's token. None: MSAL with the app id, password and tenant.
    token_provider: TokenProviderFactory | None = field(default=None, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str] | None = None) -> TeamsOptions | None:
        """The options, or None when Teams is not configured at all. Raises `TeamsConfigError`."""
        e = os.environ if env is None else env
        if not settings.teams_configured:
            return None
        options = cls(
            app_id=settings.teams_app_id,
            app_password=settings.teams_app_password,
            tenant_id=settings.teams_tenant_id,
            anonymous=settings.teams_anonymous,
            openid_metadata_url=e.get("TEAMS_OPENID_METADATA_URL") or None,
            check_service_url=not (settings.teams_anonymous or _truthy(e.get("TEAMS_ALLOW_ANY_SERVICE_URL"))),
            file_hosts=DEFAULT_FILE_HOSTS + tuple(
                h.strip().lower().lstrip(".") for h in (e.get("TEAMS_FILE_HOSTS") or "").split(",") if h.strip()),
            check_file_urls=not (settings.teams_anonymous or _truthy(e.get("TEAMS_ALLOW_ANY_FILE_URL"))),
            authority_host=(e.get("TEAMS_AUTHORITY_HOST") or "https://login.microsoftonline.com").rstrip("/"),
            ca_bundle=e.get("TEAMS_CA_BUNDLE") or None,
        )
        options.validate()
        return options

    def validate(self) -> None:
        if self.anonymous:
            if self.app_id or self.app_password:
                raise TeamsConfigError(
                    "TEAMS_ALLOW_ANONYMOUS=1 turns token validation off and is only for local development; "
                    "it is refused while Teams credentials (TEAMS_APP_ID / TEAMS_APP_PASSWORD) are set. "
                    "Remove TEAMS_ALLOW_ANONYMOUS, or the credentials."
                )
            return
        missing = [name for name, value in (("TEAMS_APP_ID", self.app_id), ("TEAMS_APP_PASSWORD", self.app_password),
                                            ("TEAMS_TENANT_ID", self.tenant_id)) if not value]
        if missing:
            raise TeamsConfigError(
                f"Teams is half configured: {', '.join(missing)} missing. The bot is registered as a single-tenant "
                "Azure Bot and needs its app id, client secret and tenant id (see README, 'Connecting Microsoft Teams')."
            )
        if not GUID.match(self.app_id or ""):
            raise TeamsConfigError("TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID.")
        if not GUID.match(self.tenant_id or ""):
            raise TeamsConfigError("TEAMS_TENANT_ID must be the Entra tenant id (directory id), a GUID.")
