"""The Teams app package: manifest.json and the two icons, zipped, built from configuration.

Upload the zip in Teams (Apps → Manage your apps → Upload an app) or in the Teams admin center.
The manifest follows schema 1.30; its command lists make Teams suggest the commands after @Oppfølging.
Every text in it is Norwegian, so `localizationInfo` declares nb-NO (Teams assumes en-us otherwise).

A production package must name the privacy statement and the terms of use (`TEAMS_PRIVACY_URL`,
`TEAMS_TERMS_URL`, or `--privacy-url` / `--terms-url`): a public-sector tenant's admins review
them before they allow the app. Only a development package (`dev=True`, `--dev`) may point both at
the website instead.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.teams.options import GUID
from handlers.core.catalog import t

SCHEMA_URL = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.30"
ACCENT_COLOR = "#1F4E79"
LANGUAGE = "nb-NO"  # the language of every text in the manifest (and of the bot)
DEVELOPER = "Nasjonal samhandlingsmodell"
# Teams requires a 192x192 colour icon and a 32x32 outline icon in white on transparent. They are
# package data (bot/assets, declared in pyproject.toml), so a new design is a file swap, not code.
COLOR_ICON = "teams-color.png"
OUTLINE_ICON = "teams-outline.png"

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
    dev: bool = False  # a development package: privacy and terms may default to the website

    def validate(self) -> None:
        if not self.app_id:
            raise PackageError("TEAMS_APP_ID is not set: the package needs the bot's Microsoft App ID.")
        if not GUID.match(self.app_id):
            raise PackageError("TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID.")
        if not self.host and not self.website_url:
            raise PackageError("Set PUBLIC_HOST (the host name Teams reaches the bot at) or pass --website-url.")
        missing = [name for name, url in (("TEAMS_PRIVACY_URL", self.privacy_url), ("TEAMS_TERMS_URL", self.terms_url))
                   if not url]
        if missing and not self.dev:
            raise PackageError(
                f"{' and '.join(missing)} not set: a production package must link the privacy statement and the "
                "terms of use (set them, or pass --privacy-url / --terms-url). For a development package, "
                "--dev lets both default to the website.")
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
        "localizationInfo": {"defaultLanguageTag": LANGUAGE},
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
        "composeExtensions": compose_extensions(settings),  # issue 15: message action + compose-box search
        **overview_tabs(host),  # issue 17: the overview as a personal tab, a channel tab, the meeting side panel
        # Single sign-on in those tabs (bot/teams/tab_auth.py): Teams asks Entra for a token for this resource.
        **({"webApplicationInfo": {"id": settings.app_id, "resource": f"api://{host}/{settings.app_id}"}}
           if host else {}),
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


# The message extension's command ids (`bot/teams/extension.py` answers their invokes).
ACTION_COMMAND = "lagOppfolgingspunkt"
SEARCH_COMMAND = "sokOppfolging"
SEARCH_PARAMETER = "sok"


def compose_extensions(settings: PackageSettings) -> list[dict[str, Any]]:
    """The message extension (`bot/teams/extension.py`): "Lag oppfølgingspunkt" in a message's "…" menu
    (chats, channels and meeting chats) and the compose-box search "Oppfølging"."""
    return [{
        "botId": settings.app_id,
        "composeExtensionType": "botBased",
        "canUpdateConfiguration": False,
        "commands": [
            {"id": ACTION_COMMAND, "type": "action", "context": ["message"], "fetchTask": True,
             "title": t("capture.teams.action_title"), "description": t("capture.teams.action_description")},
            {"id": SEARCH_COMMAND, "type": "query", "context": ["compose", "commandBox"],
             "initialRun": True, "title": t("capture.teams.search_title"),
             "description": t("capture.teams.search_description"),
             "parameters": [{"name": SEARCH_PARAMETER, "title": t("capture.teams.search_parameter"),
                             "description": t("capture.teams.search_parameter_description"), "inputType": "text"}]},
        ],
    }]


def icon(name: str) -> bytes:
    return (resources.files("bot") / "assets" / name).read_bytes()


def build_package(settings: PackageSettings) -> bytes:
    manifest = build_manifest(settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("color.png", icon(COLOR_ICON))
        archive.writestr("outline.png", icon(OUTLINE_ICON))
    return buffer.getvalue()


def write_package(settings: PackageSettings, path: Path) -> Path:
    data = build_package(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# The overview's tabs (`bot/web`): each page says how to open the overview with a personal link, so a
# tab shows no data to anyone who has not asked the bot for their own link.
OVERVIEW_TAB = "oppfolging-oversikt"


def overview_tabs(host: str | None) -> dict[str, Any]:
    """A personal tab, and one configurable tab for channels, group chats and meetings (chat, details
    and the side panel, where participants see the meeting's open actions). Without a host there is
    no page to point at, so there are no tabs."""
    if not host:
        return {}
    base = f"https://{host}/oversikt/teams"
    return {
        "staticTabs": [{
            "entityId": OVERVIEW_TAB, "name": t("overview.teams.tab_name"), "scopes": ["personal"],
            "contentUrl": f"{base}?kontekst=personlig", "websiteUrl": f"{base}?kontekst=personlig",
        }],
        "configurableTabs": [{
            "id": OVERVIEW_TAB, "configurationUrl": f"{base}/konfigurer", "canUpdateConfiguration": True,
            "scopes": ["team", "groupChat"],
            "context": ["channelTab", "privateChatTab", "meetingChatTab", "meetingDetailsTab", "meetingSidePanel"],
            "meetingSurfaces": ["sidePanel"],
        }],
    }
