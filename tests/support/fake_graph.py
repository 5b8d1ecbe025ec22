"""A fake Microsoft Entra token endpoint and Microsoft Graph (installing a Teams app for a user), over real HTTPS.

msal only talks to an https authority, so the fake serves TLS with a certificate generated per test
run (`TestCertificate`; the bot is given it as `GRAPH_CA_BUNDLE`). It follows the documentation,
with payloads in tests/fixtures/graph/ (each names its page):

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OpenID metadata msal reads first;
- `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant; a wrong secret is
  `invalid_client` (401), a scope without `/.default` is `invalid_scope` (400);
- `POST /v1.0/users/{id}/teamwork/installedApps`: needs a bearer token this fake issued (401
  otherwise), the permission TeamsAppInstallation.ReadWriteForUser.All (`granted`; 403 "Insufficient
  privileges" otherwise), an app in the catalogue (404 otherwise); 409 Conflict when the user has
  the app already; 201 on success, after which the fake Bot Connector lets the bot message the user.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "graph"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@cache
def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class TestCertificate:
    """A self-signed certificate for 127.0.0.1, written to `directory`; it is its own CA bundle."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.cert_file = directory / "graph-test-cert.pem"
        self.key_file = directory / "graph-test-key.pem"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@dataclass
class Request:
    method: str
    path: str
    form: dict[str, str] = field(default_factory=dict)
    body: Any = None
    authorization: str | None = None
    status: int = 0


class FakeGraph:
    def __init__(self, tenant: str, client_id: str, client_secret: str, catalog_app_id: str) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.catalog = {catalog_app_id}
        self.granted = True  # TeamsAppInstallation.ReadWriteForUser.All with admin consent
        self.installed: set[str] = set()  # users who have the app
        self.on_install: Callable[[str], None] = lambda user: None
        self.tokens: set[str] = set()
        self.requests: list[Request] = []
        self.url = ""  # https://127.0.0.1:port

    @property
    def authority_host(self) -> str:
        return self.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1.0"

    def of(self, path_part: str) -> list[Request]:
        return [r for r in self.requests if path_part in r.path]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v1.0/users/{user}/teamwork/installedApps", self._install)
        return app

    def _record(self, request: web.Request, status: int, **kw: Any) -> None:
        self.requests.append(Request(request.method, request.path, authorization=request.headers.get("Authorization"),
                                     status=status, **kw))

    async def _metadata(self, request: web.Request) -> web.Response:
        if request.match_info["tenant"] != self.tenant:
            self._record(request, 400)
            return web.json_response({"error": "invalid_tenant"}, status=400)
        authority = f"{self.url}/{self.tenant}"
        body = {k: v.replace("{authority}", authority) if isinstance(v, str) else v
                for k, v in fixture("openid-configuration").items() if not k.startswith("_")}
        self._record(request, 200)
        return web.json_response(body)

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        documented = fixture("token")
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret):
            refusal = documented["invalid_client"]
        elif form.get("scope", "").split() != [GRAPH_SCOPE]:
            refusal = documented["invalid_scope"]
        else:
            token = secrets.token_urlsafe(24)
            self.tokens.add(token)
            self._record(request, 200, form=form)
            return web.json_response({**documented["ok"], "access_token": token})
        self._record(request, refusal["status"], form=form)
        return web.json_response(refusal["body"], status=refusal["status"])

    async def _install(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = request.match_info["user"]
        auth = request.headers.get("Authorization", "")
        documented = fixture("installedApps")
        bind = str(body.get("teamsApp@odata.bind") or "")
        app_id = bind.rpartition("/appCatalogs/teamsApps/")[2] if "/appCatalogs/teamsApps/" in bind else ""
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self.tokens:
            answer = documented["unauthorized"]
        elif not self.granted:
            answer = documented["forbidden"]
        elif app_id not in self.catalog:
            answer = documented["not_found"]
        elif user in self.installed:
            answer = documented["conflict"]
        else:
            self.installed.add(user)
            self.on_install(user)
            answer = documented["created"]
        self._record(request, answer["status"], body=body)
        if "body" in answer:
            return web.json_response(answer["body"], status=answer["status"])
        return web.Response(status=answer["status"])
