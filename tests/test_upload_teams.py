"""Teams end to end: a protocol attached to a message → download from its link → preview card → Importer/Avbryt.

Activities go over HTTP to /api/messages with real tokens; the file is served by the fake connector
behind a pre-authenticated link (as SharePoint/OneDrive does), which must get no credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import func, select
from yarl import URL

from bot.config import Settings
from bot.teams.files import FILE_DOWNLOAD_INFO, allowed_hosts
from bot.teams.options import TeamsOptions
from bot.teams.package import PackageSettings, build_manifest
from storage.models import Action, PendingImport
from tests.conftest import NOW
from tests.support.teams_harness import (
    APP_ID,
    CHANNEL,
    KARI,
    OLA,
    PERSONAL,
    TeamsHarness,
    User,
    actions,
    message,
    texts,
)
from tests.test_upload_protocol import ACTION_TEXTS, protocol_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class UploadHarness(TeamsHarness):
    """The Teams harness with the file-host check as a test needs it (the fake serves plain http on 127.0.0.1)."""

    check_file_urls: bool = False

    def options(self) -> TeamsOptions:
        return replace(super().options(), check_file_urls=self.check_file_urls)


@pytest.fixture(name="teams")
def teams_fixture(db_url: str) -> Iterator[UploadHarness]:
    harness = UploadHarness(db_url, NOW)
    yield harness
    harness.close()


def count(h: TeamsHarness, model: type) -> int:
    assert h.app is not None
    with h.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def sources(h: TeamsHarness) -> set[str]:
    assert h.app is not None
    with h.app.sessions() as session:
        return set(session.scalars(select(Action.source)))


def file_info(url: str, name: str = "protokoll.docx") -> dict[str, Any]:
    """A file attachment as Teams sends it in a 1:1 chat."""
    return {"contentType": FILE_DOWNLOAD_INFO, "name": name,
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/ola/Documents/Microsoft Teams Chat Files/{name}",
            "content": {"downloadUrl": url, "uniqueId": "5c1f0a2e-8d7b-4f4e-9d1a-3b2c1d0e9f8a",
                        "fileType": name.rpartition(".")[2]}}


def send(h: TeamsHarness, attachments: list[dict[str, Any]], *, text: str = "importer", user: User = OLA,
         conversation: str = PERSONAL, kind: str = "personal") -> list[dict[str, Any]]:
    """Send a message with attachments; the cards the bot answered with."""
    activity = message(h, text, user=user, conversation=conversation, kind=kind)
    activity["attachments"] = attachments
    before = len(h.connector.delivered)
    response = h.post(activity)
    assert response.status in (200, 201, 202), response
    return [card for call in h.connector.delivered[before:] for card in call.cards]


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = actions(card, title)
    assert len(found) == 1 and found[0]["type"] == "Action.Execute", found
    return found[0]


def test_file_attachment_previews_then_importer_stores_once(teams: UploadHarness) -> None:
    url = teams.connector.add_file("høstmøtet.docx", protocol_docx())
    cards = send(teams, [file_info(url, "høstmøtet.docx")])
    assert len(cards) == 1
    text = texts(cards[0])
    assert "Forhåndsvisning av import fra «høstmøtet.docx»" in text
    for action_text in ACTION_TEXTS:
        assert action_text in text
    assert "15. januar 2027" in text and "Nettverket for fagdager (ukjent)" in text and "Ukjente parter" in text
    importer, avbryt = button(cards[0], "Importer"), button(cards[0], "Avbryt")
    assert importer["data"]["command"].startswith("importer bekreft ")
    assert avbryt["data"]["command"].startswith("importer avbryt ")
    # Fetched once from the link, with no credentials (the bot's token is for the Bot Connector only).
    assert [auth for _, auth in teams.connector.downloads] == [None]
    assert count(teams, Action) == 0 and count(teams, PendingImport) == 1

    done = teams.click(importer, user=OLA, card_id="msg-preview")
    assert done.status == 200 and done.body["type"] == INVOKE_CARD
    assert "3 nye oppfølgingspunkter, 0 fantes fra før" in texts(done.body["value"])
    assert teams.connector.updates[-1].activity_id == "msg-preview"  # the preview card is replaced
    assert count(teams, Action) == 3 and sources(teams) == {"import"}

    again = send(teams, [file_info(teams.connector.add_file("kopi.docx", protocol_docx()), "kopi.docx")],
                 text="/oppfølging importer")
    second = teams.click(button(again[0], "Importer"), user=OLA)
    assert "0 nye oppfølgingspunkter, 3 fantes fra før" in texts(second.body["value"])
    assert count(teams, Action) == 3


def test_avbryt_saves_nothing(teams: UploadHarness) -> None:
    cards = send(teams, [file_info(teams.connector.add_file("p.docx", protocol_docx()), "p.docx")], text="import")
    cancelled = teams.click(button(cards[0], "Avbryt"), user=OLA)
    assert cancelled.status == 200
    assert "Importen er avbrutt" in texts(teams.connector.delivered_cards()[-1])
    late = teams.click(button(cards[0], "Importer"), user=OLA)
    assert "avbrutt" in str(late.body["value"])
    assert count(teams, Action) == 0


def test_a_non_admin_is_refused_before_anything_is_downloaded(teams: UploadHarness) -> None:
    url = teams.connector.add_file("p.docx", protocol_docx())
    cards = send(teams, [file_info(url, "p.docx")], user=KARI)
    assert "Bare administratorer kan importere protokoller" in texts(cards[0])
    assert not actions(cards[0], "Importer")
    assert teams.connector.downloads == []
    assert count(teams, PendingImport) == 0 and count(teams, Action) == 0


def test_an_inline_attachment_with_a_content_url(teams: UploadHarness) -> None:
    url = teams.connector.add_file("referat.docx", protocol_docx())
    cards = send(teams, [{"contentType": DOCX, "contentUrl": url, "name": "referat.docx"}])
    assert "Forhåndsvisning av import fra «referat.docx»" in texts(cards[0])
    assert button(cards[0], "Importer")


def test_download_failures_get_a_clear_message(teams: UploadHarness) -> None:
    broken = teams.connector.add_file("p.docx", protocol_docx(), status=500)
    assert "Klarte ikke å hente filen «p.docx»" in texts(send(teams, [file_info(broken, "p.docx")])[0])

    expired = teams.connector.add_file("p.docx", protocol_docx()).replace("-signed", "-expired")
    assert "Lenken til filen «p.docx» er utløpt" in texts(send(teams, [file_info(expired, "p.docx")])[0])

    noise = teams.connector.add_file("støy.docx", os.urandom(4096))
    reply = texts(send(teams, [file_info(noise, "støy.docx")])[0])
    assert "Klarte ikke å lese «støy.docx» som et Word-dokument" in reply

    nowhere = f"{teams.connector.url}/files/ingen/p.docx"
    assert "Lenken til filen «p.docx» er utløpt" in texts(send(teams, [file_info(nowhere, "p.docx")])[0])
    assert count(teams, PendingImport) == 0 and count(teams, Action) == 0


def test_files_shared_in_a_channel_and_files_without_importer(teams: UploadHarness) -> None:
    reference = {"contentType": "reference", "name": "p.docx",
                 "contentUrl": "https://contoso.sharepoint.com/sites/samhandling/Shared Documents/p.docx"}
    cards = send(teams, [reference], conversation=CHANNEL, kind="channel")
    assert "send protokollen til meg i en 1:1-chat" in texts(cards[0]).lower()

    url = teams.connector.add_file("p.docx", protocol_docx())
    assert "Skriv «importer» i samme melding som filen" in texts(send(teams, [file_info(url)], text="")[0])
    assert "Oppfølgingspunkter" in texts(send(teams, [file_info(url)], text="liste")[0])
    assert teams.connector.downloads == []


def test_only_sharepoint_over_https_unless_configured(db_url: str) -> None:
    harness = UploadHarness(db_url, NOW, check_file_urls=True)
    try:
        url = harness.connector.add_file("p.docx", protocol_docx())
        cards = send(harness, [file_info(url, "p.docx")])
        assert "ligger et sted jeg ikke henter filer fra" in texts(cards[0])
        assert harness.connector.downloads == []
    finally:
        harness.close()

    options = TeamsOptions.from_settings(
        Settings(teams_app_id=APP_ID, teams_app_password="x", teams_tenant_id=APP_ID),
        {"TEAMS_FILE_HOSTS": "sharepoint.us, .example.gov"})
    assert options is not None and options.check_file_urls
    allowed = allowed_hosts(options)
    for ok in ("https://contoso.sharepoint.com/p.docx", "https://contoso-my.sharepoint.com/personal/x/p.docx",
               "https://contoso.sharepoint.us/p.docx", "https://files.example.gov/p.docx"):
        assert allowed(URL(ok)), ok
    for bad in ("http://contoso.sharepoint.com/p.docx", "https://sharepoint.com.evil.example/p.docx",
                "https://evilsharepoint.com/p.docx", "https://contoso.sharepoint.com:8443/p.docx",
                "https://127.0.0.1/p.docx"):
        assert not allowed(URL(bad)), bad
    loose = TeamsOptions.from_settings(Settings(teams_app_id=APP_ID, teams_app_password="x", teams_tenant_id=APP_ID),
                                       {"TEAMS_ALLOW_ANY_FILE_URL": "1"})
    assert loose is not None and not loose.check_file_urls


def test_the_app_package_declares_file_support() -> None:
    manifest = build_manifest(PackageSettings(app_id=APP_ID, host="oppfolging.example.no", dev=True))
    assert manifest["bots"][0]["supportsFiles"] is True
