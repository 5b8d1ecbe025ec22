"""The Teams app package: manifest.json and the two icons, zipped, built from configuration.

Upload the zip in Teams (Apps → Manage your apps → Upload an app) or in the Teams admin center.
The manifest follows schema 1.30; its command lists make Teams suggest the commands after @Oppfølging.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.teams.options import GUID
from bot.teams.png import color_icon, outline_icon
from handlers.catalog import t

SCHEMA_URL = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.30"
ACCENT_COLOR = "#1F4E79"
DEVELOPER = "Nasjonal samhandlingsmodell"

# (title Teams inserts, catalogue key of its description); what the menu offers, not all there is.
PERSONAL_COMMANDS = (
    ("liste", "teams.cmd.liste"),
    ("mine", "teams.cmd.mine"),
    ("ny", "teams.cmd.ny"),
    ("vis", "teams.cmd.vis"),
    ("ferdig", "teams.cmd.ferdig"),
    ("utsett", "teams.cmd.utsett"),
    ("kommenter", "teams.cmd.kommenter"),
    ("medlem", "teams.cmd.medlem"),
    ("når er neste møte?", "teams.cmd.neste"),
    ("hjelp", "teams.cmd.hjelp"),
)
TEAM_COMMANDS = (
    ("liste", "teams.cmd.liste"),
    ("mine", "teams.cmd.mine"),
    ("ny", "teams.cmd.ny"),
    ("vis", "teams.cmd.vis"),
    ("ferdig", "teams.cmd.ferdig"),
    ("utsett", "teams.cmd.utsett"),
    ("kommenter", "teams.cmd.kommenter"),
    ("abonner", "teams.cmd.abonner"),
    ("når er neste møte?", "teams.cmd.neste"),
    ("hjelp", "teams.cmd.hjelp"),
)


class PackageError(ValueError):
    """The package cannot be built from this configuration; the message says what is missing."""


def host_of(value: str) -> str:
    """`bot.example.no` from `bot.example.no`, `https://bot.example.no/` or `bot.example.no:8443`."""
    value = value.strip()
    parsed = urlsplit(value if "//" in value else f"//{value}")
    return (parsed.hostname or "").lower()


@dataclass(frozen=True)
class PackageSettings:
    app_id: str
    host: str | None = None  # the public host name of the bot service (PUBLIC_HOST)
    website_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None
    developer: str = DEVELOPER
    version: str | None = None

    def validate(self) -> None:
        if not self.app_id:
            raise PackageError("TEAMS_APP_ID is not set: the package needs the bot's Microsoft App ID.")
        if not GUID.match(self.app_id):
            raise PackageError("TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID.")
        if not self.host and not self.website_url:
            raise PackageError("Set PUBLIC_HOST (the host name Teams reaches the bot at) or pass --website-url.")
        for url in (self.website_url, self.privacy_url, self.terms_url):
            if url and not url.lower().startswith("https://"):
                raise PackageError(f"{url} is not an https:// address; Teams requires https.")


def _version() -> str:
    try:
        return metadata.version("oppfolging")
    except metadata.PackageNotFoundError:
        return "1.0.0"


def _commands(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"title": title, "description": t(key)} for title, key in pairs]


def build_manifest(settings: PackageSettings) -> dict[str, Any]:
    settings.validate()
    host = host_of(settings.host) if settings.host else None
    website = settings.website_url or f"https://{host}/"
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": settings.version or _version(),
        "id": settings.app_id,
        "developer": {
            "name": settings.developer[:32],
            "websiteUrl": website,
            "privacyUrl": settings.privacy_url or website,
            "termsOfUseUrl": settings.terms_url or website,
        },
        "name": {"short": t("teams.app_short_name"), "full": t("teams.app_full_name")},
        "description": {"short": t("teams.app_short_description"), "full": t("teams.app_full_description")},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": settings.app_id,
                "scopes": ["personal", "team", "groupChat"],
                "isNotificationOnly": False,
                "supportsFiles": True,  # protocols sent in a 1:1 chat for "importer"
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
                    {"scopes": ["team", "groupChat"], "commands": _commands(TEAM_COMMANDS)},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


def build_package(settings: PackageSettings) -> bytes:
    manifest = build_manifest(settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def write_package(settings: PackageSettings, path: Path) -> Path:
    data = build_package(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
