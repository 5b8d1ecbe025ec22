"""Who may call POST /api/messages, and how the bot proves itself when it calls back.

Incoming: the Bot Connector sends a JWT signed by Microsoft. The SDK's `JwtTokenValidator` checks
the signature, audience (our app id), lifetime and — because we turn it on — the issuer
(Bot Framework, or our own tenant's Entra issuers). We add two things: an optional OpenID metadata
URL from which the signing keys are read (sovereign clouds, and the tests' local identity
provider), and a required `exp` claim. Anything wrong gives 401 before any handler runs.

Outgoing: tokens from Entra through msal (`bot.teams.tokens`: client secret, single tenant) and the
SDK's `ConnectionManager`; whatever provider is used (tests may inject another one) is guarded, so a
failure to get a token is reported to /healthz and handled, never a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
from typing import Any

from aiohttp import web
from jwt import PyJWK, PyJWKClient, PyJWTError
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
    JwtTokenValidator,
)

from bot.teams.options import TeamsOptions
from bot.teams.tokens import EntraTokenProvider, GuardedTokenProvider

log = logging.getLogger(__name__)

UNAUTHORIZED = {"error": "Unauthorized"}


def agent_auth_configuration(options: TeamsOptions) -> AgentAuthConfiguration:
    if options.anonymous:
        return AgentAuthConfiguration(anonymous_allowed=True, connection_name="SERVICE_CONNECTION")
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=options.app_id,
        tenant_id=options.tenant_id,
        client_secret=options.app_password,
        connection_name="SERVICE_CONNECTION",
        validate_issuer=True,  # off by default in the SDK; a token from another tenant must not get in
        anonymous_allowed=False,
    )


def connection_manager(options: TeamsOptions, config: AgentAuthConfiguration) -> ConnectionManager:
    def provider(configuration: AgentAuthConfiguration) -> GuardedTokenProvider:
        if options.token_provider is not None:
            return GuardedTokenProvider(options.token_provider(configuration))
        return GuardedTokenProvider(EntraTokenProvider(configuration, authority_host=options.authority_host,
                                                       ca_bundle=options.ca_bundle))

    return ConnectionManager(provider_factory=provider, connections_configurations={"SERVICE_CONNECTION": config})


class MetadataKeys:
    """Signing keys from one OpenID metadata document, whatever issuer the token names.

    Same interface as the SDK's internal JWKS cache (`get_signing_key(jwks_uri, header)`); the
    `jwks_uri` the SDK derives from the (unverified) issuer is ignored on purpose.
    """

    # Keys already fetched are used without a thread hop for this long; then they are asked for again,
    # so a key taken out of the published set stops being accepted.
    KEEP_SECONDS = 300.0

    def __init__(self, metadata_url: str) -> None:
        self._metadata_url = metadata_url
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()
        self._known: dict[str, tuple[PyJWK, float]] = {}

    def _signing_key(self, kid: str) -> PyJWK:
        with self._lock:
            if self._client is None:
                with urllib.request.urlopen(self._metadata_url, timeout=10) as response:
                    metadata = json.load(response)
                self._client = PyJWKClient(metadata["jwks_uri"])
            key = self._client.get_signing_key(kid)
            self._known[kid] = (key, time.monotonic())
            return key

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        kid = header.get("kid", "")
        known = self._known.get(kid)
        if known is not None and time.monotonic() - known[1] < self.KEEP_SECONDS:
            # No thread: the worker threads may all be waiting for a busy database, and checking a
            # token must not queue behind them (issue 19: a burst while the database is locked).
            return known[0]
        return await asyncio.to_thread(self._signing_key, kid)


class TokenValidator(JwtTokenValidator):
    def __init__(self, configuration: AgentAuthConfiguration, metadata_url: str | None = None) -> None:
        super().__init__(configuration)
        if metadata_url:
            self._jwk_client_manager = MetadataKeys(metadata_url)  # type: ignore[assignment]

    async def validate_token(self, token: str) -> ClaimsIdentity:
        identity = await super().validate_token(token)
        # PyJWT checks `exp` only when present; a token that never expires is refused.
        if not isinstance(identity.claims.get("exp"), int | float):
            raise ValueError("token without expiry")
        return identity


async def authenticate(request: web.Request, config: AgentAuthConfiguration,
                       validator: TokenValidator) -> ClaimsIdentity | web.Response:
    """The caller's identity, or the 401 response to give. Mirrors the SDK's `_authorize_request`."""
    header = request.headers.get("Authorization")
    if not header:
        if config.ANONYMOUS_ALLOWED:
            return ClaimsIdentity()
        return web.json_response(UNAUTHORIZED, status=401)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        return web.json_response(UNAUTHORIZED, status=401)
    try:
        return await validator.validate_token(token)
    except (PyJWTError, ValueError, KeyError, OSError) as exc:
        # Only the kind of failure is logged: never the token or its claims.
        log.warning("Teams request refused: %s", exc.__class__.__name__)
        return web.json_response(UNAUTHORIZED, status=401)
