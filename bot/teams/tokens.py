"""The bot's own access token from Microsoft Entra, and what the service does when Entra refuses it.

Every call the bot makes to the Bot Connector carries a token from Entra's client-credentials grant
(msal's `ConfidentialClientApplication`, single tenant, cached by msal until shortly before it
expires). When Entra cannot give one — the client secret expired (AADSTS7000222), the secret or app
id is wrong, the login endpoint is unreachable — nothing the bot sends can get through. Instead of a
500 on every request that would be a silent outage, `GuardedTokenProvider`:

- raises `TokenUnavailable` with a reason an operator can act on (never the secret);
- reports the "teams" part of `bot.health.HEALTH` as degraded with that reason (so `/healthz` says
  `degraded`), and as working again after the next token; `Health.report` logs only the changes,
  so an outage is one log line, not one per request.

`bot.teams.retry.RetryingClientFactory` and `bot.teams.service` then answer what needs no token
(card clicks and other invokes are answered in the HTTP response) and refuse the rest with 503.

Why not the SDK's `MsalAuth`: it gives msal neither an authority host without instance discovery
(sovereign clouds, the tests' local Entra) nor a CA file (a TLS-inspecting proxy), and it reports
Entra's answer only as text inside a ValueError. The msal calls are the same public ones.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import msal
import requests
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

from bot.health import HEALTH

PART = "teams"  # the part of bot.health this reports
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
TIMEOUT = 30.0

# Entra's error codes an operator meets with a client secret, and what to do about each
# (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
KNOWN_CODES = {
    7000222: "the client secret has expired: create a new one for the app registration and set TEAMS_APP_PASSWORD",
    7000215: "the client secret is wrong: set TEAMS_APP_PASSWORD to the secret's value (not its id)",
    700016: "the app id is not registered in the tenant: check TEAMS_APP_ID and TEAMS_TENANT_ID",
    90002: "the tenant does not exist: check TEAMS_TENANT_ID",
}
_AADSTS = re.compile(r"AADSTS(\d+)")


class TokenUnavailable(Exception):
    """No token for the bot: nothing can be sent to the Bot Connector until Entra gives one again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VerifyingSession(requests.Session):
    """msal's HTTP client with an extra CA file and a timeout. Setting `Session.verify` is not enough:
    requests lets REQUESTS_CA_BUNDLE from the environment override it, so it is passed with every request."""

    def __init__(self, ca_bundle: str | None, timeout: float = TIMEOUT) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self._ca_bundle:
            kwargs.setdefault("verify", self._ca_bundle)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


def refusal_reason(result: dict[str, Any]) -> str:
    """What Entra's error answer means, from its documented fields (`error`, `error_codes`)."""
    error = str(result.get("error") or "unknown_error")
    codes = [c for c in result.get("error_codes") or [] if isinstance(c, int)]
    if not codes:
        found = _AADSTS.search(str(result.get("error_description") or ""))
        codes = [int(found.group(1))] if found else []
    code = codes[0] if codes else None
    label = f"{error}, AADSTS{code}" if code is not None else error
    advice = KNOWN_CODES.get(code or 0, "see the error code in Entra's documentation")
    return f"Microsoft Entra refused the bot's token ({label}): {advice}"


class EntraTokenProvider(AccessTokenProviderBase):
    """Client-credentials tokens for the bot's app registration (client secret, single tenant)."""

    def __init__(self, configuration: AgentAuthConfiguration, *, authority_host: str = DEFAULT_AUTHORITY_HOST,
                 ca_bundle: str | None = None) -> None:
        self._configuration = configuration
        self.authority_host = authority_host.rstrip("/")
        self.ca_bundle = ca_bundle
        self._client: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    def _msal(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._client is None:
                # Creating it reads the authority's OpenID metadata; when that fails, the next call tries again.
                config = self._configuration
                self._client = msal.ConfidentialClientApplication(
                    config.CLIENT_ID, client_credential=config.CLIENT_SECRET,
                    authority=f"{self.authority_host}/{config.TENANT_ID}", instance_discovery=False,
                    http_client=VerifyingSession(self.ca_bundle), timeout=TIMEOUT,
                )
            return self._client

    def _token(self, scopes: list[str]) -> str:
        try:
            result = self._msal().acquire_token_for_client(scopes=scopes)
        except OSError as exc:  # requests' connection errors and timeouts are OSErrors
            raise TokenUnavailable(f"the Microsoft Entra login endpoint ({self.authority_host}) is unreachable: "
                                   f"{exc.__class__.__name__}") from exc
        except ValueError as exc:  # msal: the authority's metadata is missing or unreadable
            raise TokenUnavailable(f"the Microsoft Entra login endpoint ({self.authority_host}) gave no usable "
                                   f"OpenID metadata for the tenant: {exc.__class__.__name__}") from exc
        token = (result or {}).get("access_token")
        if not token:
            raise TokenUnavailable(refusal_reason(result or {}))
        return str(token)

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        wanted = list(scopes or []) or [f"{resource_url.rstrip('/')}/.default"]
        return await asyncio.to_thread(self._token, wanted)

    def get_token_credential(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("the bot needs no Azure SDK credential")


class GuardedTokenProvider(AccessTokenProviderBase):
    """Any token provider, with its failures turned into `TokenUnavailable` and reported to /healthz."""

    def __init__(self, inner: AccessTokenProviderBase) -> None:
        self.inner = inner

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self.inner.configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        try:
            token = await self.inner.get_access_token(resource_url, scopes, force_refresh)
        except TokenUnavailable as exc:
            HEALTH.report(PART, ok=False, reason=exc.reason)
            raise
        except Exception as exc:  # any other provider's failure means the same: nothing can be sent
            reason = f"no token for the bot: {exc.__class__.__name__}"
            HEALTH.report(PART, ok=False, reason=reason)
            raise TokenUnavailable(reason) from exc
        HEALTH.report(PART, ok=True)
        return token

    def get_token_credential(self):  # type: ignore[no-untyped-def]
        return self.inner.get_token_credential()
