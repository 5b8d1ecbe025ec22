"""Installing the Teams app for a person through Microsoft Graph, so the bot can message them first.

The Bot Connector only opens a 1:1 chat with someone who has the app; for anyone else it answers
403. With this configured, the deliverer then installs the app for that person
(`POST /users/{id}/teamwork/installedApps`, application permission
TeamsAppInstallation.ReadWriteForUser.All with admin consent; see README "Teams: reaching people who
do not have the app") and opens the chat again. Off unless `TEAMS_APP_CATALOG_ID` is set.

Settings (environment): `TEAMS_APP_CATALOG_ID`, the app's id in the tenant's app catalogue (Teams
admin center → Manage apps → the app → App ID; not the bot's Microsoft App ID); `GRAPH_API_URL`
(default https://graph.microsoft.com/v1.0; a sovereign cloud has its own); `GRAPH_AUTHORITY_HOST`
(default https://login.microsoftonline.com); `GRAPH_CA_BUNDLE`, an extra CA file for TLS (a
TLS-inspecting proxy). The credentials are the bot's own app registration (TEAMS_APP_ID,
TEAMS_APP_PASSWORD, TEAMS_TENANT_ID). The token comes from msal's client-credentials flow and is
cached by msal until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import msal

from bot.delivery import DeliveryError
from bot.teams.options import TeamsOptions
from bot.teams.retry import retry_after
from bot.teams.tokens import VerifyingSession

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PERMISSION = "TeamsAppInstallation.ReadWriteForUser.All"
TIMEOUT = 30.0


@dataclass(frozen=True)
class GraphConfig:
    catalog_app_id: str
    client_id: str
    client_secret: str = field(repr=False)
    tenant_id: str
    api_url: str = DEFAULT_API_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST
    ca_bundle: str | None = None

    @classmethod
    def from_env(cls, options: TeamsOptions, env: Mapping[str, str] | None = None) -> GraphConfig | None:
        """The configuration, or None when installing is off (no catalogue id, or no credentials to use)."""
        e = os.environ if env is None else env
        catalog = (e.get("TEAMS_APP_CATALOG_ID") or "").strip()
        if not catalog:
            return None
        if options.anonymous or not (options.app_id and options.app_password and options.tenant_id):
            log.warning("TEAMS_APP_CATALOG_ID is set, but Teams runs without credentials: "
                        "installing the app for people through Microsoft Graph stays off")
            return None
        return cls(
            catalog_app_id=catalog, client_id=options.app_id, client_secret=options.app_password,
            tenant_id=options.tenant_id,
            api_url=(e.get("GRAPH_API_URL") or DEFAULT_API_URL).rstrip("/"),
            authority_host=(e.get("GRAPH_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST).rstrip("/"),
            ca_bundle=e.get("GRAPH_CA_BUNDLE") or None,
        )


class InstallRefused(Exception):
    """Graph will not install the app (missing permission, unknown app, bad credentials): no retry helps."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "token", "permission", "not_found", "refused"


class AppInstaller:
    def __init__(self, config: GraphConfig) -> None:
        self.config = config
        self._msal: msal.ConfidentialClientApplication | None = None
        self._msal_lock = threading.Lock()
        self._logged: set[str] = set()  # refusal reasons already logged as errors

    # --- the token ---------------------------------------------------------------------------------

    def _client(self) -> msal.ConfidentialClientApplication:
        with self._msal_lock:
            if self._msal is None:
                # Creating it reads the authority's OpenID metadata, so it is done once, on first use.
                http = VerifyingSession(self.config.ca_bundle, TIMEOUT) if self.config.ca_bundle else None
                self._msal = msal.ConfidentialClientApplication(
                    self.config.client_id, client_credential=self.config.client_secret,
                    authority=f"{self.config.authority_host}/{self.config.tenant_id}",
                    instance_discovery=False, http_client=http, timeout=TIMEOUT,
                )
            return self._msal

    def _token_sync(self) -> str:
        try:
            result = self._client().acquire_token_for_client(scopes=[GRAPH_SCOPE])
        except (ValueError, OSError) as exc:  # metadata unreachable or unreadable; requests' errors are OSErrors
            raise InstallRefused("token", f"no Graph token: {exc}") from exc
        token = (result or {}).get("access_token")
        if not token:
            error = (result or {}).get("error") or "unknown"
            description = str((result or {}).get("error_description") or "").splitlines()[0:1]
            raise InstallRefused("token", f"no Graph token: {error} {' '.join(description)}".strip())
        return str(token)

    async def token(self) -> str:
        return await asyncio.to_thread(self._token_sync)

    # --- installing --------------------------------------------------------------------------------

    def _ssl(self) -> ssl.SSLContext | bool:
        return ssl.create_default_context(cafile=self.config.ca_bundle) if self.config.ca_bundle else True

    async def install_for(self, user_id: str) -> bool:
        """Install the app for `user_id` (an Entra object id). True when installed now, False when it already
        was (409). Raises `InstallRefused` (and logs why, once) or a transient `DeliveryError`."""
        try:
            return await self._install(user_id)
        except InstallRefused as refused:
            self._log_refusal(refused)
            raise

    async def _install(self, user_id: str) -> bool:
        token = await self.token()
        url = f"{self.config.api_url}/users/{user_id}/teamwork/installedApps"
        body = {"teamsApp@odata.bind": f"{self.config.api_url}/appCatalogs/teamsApps/{self.config.catalog_app_id}"}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session, \
                    session.post(url, json=body, headers={"Authorization": f"Bearer {token}"},
                                 ssl=self._ssl()) as response:
                status, headers = response.status, response.headers
                answer = await _json(response)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryError(f"Microsoft Graph unreachable: {exc.__class__.__name__}") from exc
        if status in (200, 201, 204):
            log.warning("Teams app installed for %s through Microsoft Graph", user_id)
            return True
        if status == 409:  # already installed: the chat exists, it only needs opening
            return False
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        detail = f"HTTP {status} {error.get('code') or ''}: {error.get('message') or ''}".strip()
        if status == 429 or status >= 500:
            wait = retry_after(headers, datetime.now(UTC)) if status == 429 else None
            raise DeliveryError(f"Microsoft Graph answered {detail}", retry_after=wait)
        if status == 401:
            raise InstallRefused("token", f"Microsoft Graph refused the token: {detail}")
        if status == 403:
            raise InstallRefused("permission", f"Microsoft Graph refused to install the app ({detail}); "
                                               f"the app registration {self.config.client_id} needs the application "
                                               f"permission {PERMISSION} with admin consent")
        if status == 404:
            raise InstallRefused("not_found", f"Microsoft Graph found no app {self.config.catalog_app_id} in the "
                                              f"tenant's app catalogue, or no user {user_id} ({detail}); "
                                              "check TEAMS_APP_CATALOG_ID")
        raise InstallRefused("refused", f"Microsoft Graph refused to install the app: {detail}")

    def _log_refusal(self, refused: InstallRefused) -> None:
        """One clear line per kind of refusal; after that, the same cause is only a debug line per person."""
        if refused.reason in self._logged:
            log.debug("%s", refused)
            return
        self._logged.add(refused.reason)
        log.error("Teams: cannot install the app for people who lack it, so they get e-mail instead: %s", refused)


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return data if isinstance(data, dict) else {}


def installer_from_env(options: TeamsOptions, env: Mapping[str, str] | None = None) -> AppInstaller | None:
    config = GraphConfig.from_env(options, env)
    return AppInstaller(config) if config is not None else None
