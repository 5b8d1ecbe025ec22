"""A fake Microsoft Entra login endpoint for the bot's own token, over real HTTPS (msal speaks only https).

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OpenID metadata msal reads first
  (tests/fixtures/graph/openid-configuration.json, which names its page);
- `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant, answered as
  tests/fixtures/teams/entra_token.json documents: the token (the one the fake Bot Connector
  expects), or after `refuse("expired_secret")` Entra's 400 `invalid_client` AADSTS7000222.

- `GET /{tenant}/discovery/v2.0/keys`: the tenant's signing keys as a JWK set (the format of
  tests/fixtures/teams/entra_keys.json); `id_token(...)` signs a token the way Entra signs the one
  TeamsJS `authentication.getAuthToken` gives a tab (RS256, `kid` in the header; aud, iss, tid, oid,
  name, iat, nbf, exp as claims).

`stop()` makes it unreachable (nothing listens on its port: connection refused) and `start()`
brings it back on the same port.
"""

from __future__ import annotations

import json
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.fake_graph import TestCertificate, fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "teams"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"


@cache
def token_answers() -> dict[str, Any]:
    return json.loads((FIXTURES / "entra_token.json").read_text(encoding="utf-8"))


@cache
def fixture_keys() -> dict[str, Any]:
    return json.loads((FIXTURES / "entra_keys.json").read_text(encoding="utf-8"))


class FakeEntra:
    def __init__(self, tenant: str, client_id: str, client_secret: str, token: str, certificate: TestCertificate) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.token = token
        self.certificate = certificate
        self.refusal: str | None = None  # a key of entra_token.json to answer every token request with
        self.requests: list[tuple[str, int]] = []  # (path, status) of every request answered
        self.port = 0
        self._runner: web.AppRunner | None = None
        # Entra's token-signing key for this tenant (generated per test; never a real one).
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"test-{uuid.uuid4().hex[:12]}"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_bundle(self) -> str:
        return str(self.certificate.cert_file)

    def refuse(self, answer: str | None) -> None:
        self.refusal = answer

    def token_requests(self) -> list[int]:
        return [status for path, status in self.requests if path.endswith("/oauth2/v2.0/token")]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        return app

    def id_token(self, *, oid: str, audience: str, name: str = "Kari Nordmann", tenant: str | None = None,
                 issuer: str | None = None, lifetime: int = 3600, key: rsa.RSAPrivateKey | None = None,
                 kid: str | None = None, drop: tuple[str, ...] = ()) -> str:
        """A token as Entra gives a Teams tab; each argument bends one thing a check must catch."""
        now = int(time.time())
        tid = tenant or self.tenant
        claims = {"aud": audience, "iss": issuer or f"{self.url}/{tid}/v2.0", "iat": now - 60, "nbf": now - 60,
                  "exp": now + lifetime, "tid": tid, "oid": oid, "name": name, "ver": "2.0",
                  "scp": "access_as_user", "preferred_username": "kari@example.no"}
        for claim in drop:
            claims.pop(claim, None)
        return jwt.encode(claims, key or self.signing_key, algorithm="RS256", headers={"kid": kid or self.kid})

    async def _keys(self, request: web.Request) -> web.Response:
        if request.match_info["tenant"] != self.tenant:
            self.requests.append((request.path, 400))
            return web.json_response({"error": "invalid_tenant"}, status=400)
        jwk = RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        shape = {k: v for k, v in fixture_keys()["keys"][0].items() if not k.startswith("_")}
        key = {**shape, **jwk, "kid": self.kid}
        key.pop("x5c", None)
        key.pop("x5t", None)
        self.requests.append((request.path, 200))
        return web.json_response({"keys": [key]})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self.certificate.server_context(),
                           reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metadata(self, request: web.Request) -> web.Response:
        if request.match_info["tenant"] != self.tenant:
            self.requests.append((request.path, 400))
            return web.json_response({"error": "invalid_tenant"}, status=400)
        authority = f"{self.url}/{self.tenant}"
        body = {k: v.replace("{authority}", authority) if isinstance(v, str) else v
                for k, v in fixture("openid-configuration").items() if not k.startswith("_")}
        self.requests.append((request.path, 200))
        return web.json_response(body)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        answers = token_answers()
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
                or str(form.get("scope", "")).split() != [BOT_FRAMEWORK_SCOPE]):
            # A mistake of the bot itself, not a state of Entra the test asked for: make it loud.
            self.requests.append((request.path, 401))
            return web.json_response({"error": "invalid_request", "error_description": "not the bot's own grant"},
                                     status=401)
        answer = answers[self.refusal or "ok"]
        body = dict(answer["body"])
        if "access_token" in body:
            body["access_token"] = self.token
        self.requests.append((request.path, answer["status"]))
        return web.json_response(body, status=answer["status"])
