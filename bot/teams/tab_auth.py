"""Who opened the Teams tab: the Entra token Teams hands the tab (single sign-on), checked here.

The tab's page asks TeamsJS for a token (`authentication.getAuthToken`); Teams gets it from Entra for
the app's `webApplicationInfo` resource, `api://PUBLIC_HOST/TEAMS_APP_ID`. The token proves the
person, so the page can trade it for the personal overview link that `/oppfølging oversikt` would
give them. It must be signed by one of the tenant's published keys (fetched from the Entra
authority, `TEAMS_AUTHORITY_HOST`, and cached), be meant for this app (audience), come from the bot's
own tenant (issuer and `tid`: the app is single-tenant), be unexpired, and name the person (`oid`,
the same id the bot knows Teams users by). Anything else is refused with the reason, never a guess.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import jwt

# pyjwt (with cryptography) and requests are imported by the methods that check a token: the
# overview's routes import this module at every `serve` start, with or without Teams.

log = logging.getLogger(__name__)

KEYS_TTL = 3600.0  # Entra rolls its keys over days; an unknown key id makes us ask again at once
LEEWAY = 60  # seconds of clock difference allowed between Entra and this machine
TIMEOUT = 5.0


class TabSignInRefused(Exception):
    """The token proves nothing: `reason` says why (for the log and the page), never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TabUser:
    object_id: str  # Entra `oid`: how the bot knows a Teams user (from.aadObjectId)
    name: str


class TabSignIn:
    def __init__(self, *, app_id: str, tenant_id: str, host: str, authority_host: str,
                 ca_bundle: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.resource = f"api://{host}/{app_id}"
        self.authority_host = authority_host.rstrip("/")
        self.ca_bundle = ca_bundle
        self.clock = clock
        self._keys: jwt.PyJWKSet | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    @property
    def keys_url(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}/discovery/v2.0/keys"

    def _key_set(self, *, again: bool = False) -> jwt.PyJWKSet:
        with self._lock:
            if self._keys is None or again or self.clock() - self._fetched >= KEYS_TTL:
                import jwt
                import requests

                try:
                    answer = requests.get(self.keys_url, timeout=TIMEOUT, verify=self.ca_bundle or True)
                    answer.raise_for_status()
                    self._keys = jwt.PyJWKSet.from_dict(answer.json())
                except (requests.RequestException, ValueError, jwt.PyJWTError) as exc:
                    raise TabSignInRefused(f"Entra's signing keys could not be read ({exc.__class__.__name__})") from None
                self._fetched = self.clock()
            return self._keys

    def _key_for(self, kid: str) -> Any:
        for again in (False, True):
            keys = self._key_set(again=again)
            for key in keys.keys:
                if key.key_id == kid:
                    return key.key
        raise TabSignInRefused("the token is signed with a key Entra does not publish")

    def verify(self, token: str) -> TabUser:
        """The person the token proves, or `TabSignInRefused`."""
        if not token or len(token) > 16_000:
            raise TabSignInRefused("no token")
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TabSignInRefused("not a token") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise TabSignInRefused("the token is not signed the way Entra signs")
        key = self._key_for(header["kid"])
        issuers = [f"{self.authority_host}/{self.tenant_id}/v2.0", f"https://sts.windows.net/{self.tenant_id}/"]
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=[self.resource, self.app_id],
                                issuer=issuers, leeway=LEEWAY,
                                options={"require": ["exp", "iat", "aud", "iss", "tid", "oid"]})
        except jwt.ExpiredSignatureError:
            raise TabSignInRefused("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise TabSignInRefused("the token is meant for another app") from None
        except jwt.InvalidIssuerError:
            raise TabSignInRefused("the token comes from another tenant") from None
        except jwt.PyJWTError as exc:
            raise TabSignInRefused(f"the token is not valid ({exc.__class__.__name__})") from None
        if claims.get("tid") != self.tenant_id:
            raise TabSignInRefused("the token comes from another tenant")
        oid = claims.get("oid")
        if not isinstance(oid, str) or not 0 < len(oid) <= 100:
            raise TabSignInRefused("the token names nobody")
        name = claims.get("name")
        return TabUser(oid, name[:200] if isinstance(name, str) else "")


def from_settings(settings: Any, env: Mapping[str, str] | None = None) -> TabSignIn | None:
    """The sign-in for the bot's own app, or None where Teams or the public host is not configured."""
    e = os.environ if env is None else env
    host = urlsplit(settings.public_host if "//" in (settings.public_host or "") else f"//{settings.public_host or ''}")
    if not (settings.teams_app_id and settings.teams_tenant_id and host.hostname):
        return None
    return TabSignIn(app_id=settings.teams_app_id, tenant_id=settings.teams_tenant_id, host=host.hostname.lower(),
                     authority_host=e.get("TEAMS_AUTHORITY_HOST") or "https://login.microsoftonline.com",
                     ca_bundle=e.get("TEAMS_CA_BUNDLE") or None)
