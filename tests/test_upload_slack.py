"""Slack end to end: a protocol shared with the bot → download with the bot token → preview → Importer/Avbryt.

Everything over real HTTP: signed events and clicks to the service, the file served by the fake Slack
at its `url_private` (which, like Slack, only answers the bot token).
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from handlers.importing.protocol_import import MAX_FILE
from storage.models import Action, PendingImport
from tests.support.slack_harness import Slack, all_text, buttons, loop_fixture, serve, slack_fixture  # noqa: F401
from tests.test_upload_protocol import ACTION_TEXTS, protocol_docx

ADMIN = "UADMIN"  # an admin in the harness's settings
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def count(slack: Slack, model: type) -> int:
    with slack.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def sources(slack: Slack) -> set[str]:
    with slack.app.sessions() as session:
        return set(session.scalars(select(Action.source)))


def share_in_dm(slack: Slack, file: dict[str, Any], *, text: str = "importer", user: str = ADMIN) -> None:
    status, _ = slack.event({"type": "message", "subtype": "file_share", "channel_type": "im", "user": user,
                             "channel": f"D{user}", "text": text, "files": [file], "ts": "1790000000.000700"})
    assert status == 200


def dm_answer(slack: Slack, n: int = 1) -> dict[str, Any]:
    """The n-th message the bot posted (1-based)."""
    return slack.fake.wait_calls("chat.postMessage", n)[n - 1].params


def click(slack: Slack, message: dict[str, Any], label: str, *, user: str = ADMIN) -> dict[str, Any]:
    """Click a button of a posted DM message; returns what the bot answered on the response_url."""
    before = len(slack.fake.responses)
    status, _ = slack.click(buttons(message["blocks"])[label], user=user, channel=message["channel"],
                            message={"text": message["text"], "blocks": message["blocks"]})
    assert status == 200
    return slack.fake.wait_responses(before + 1)[before]


def test_dm_file_share_previews_then_importer_stores_once(slack: Slack) -> None:
    file = slack.fake.add_file("høstmøtet.docx", protocol_docx(), mimetype=DOCX)
    share_in_dm(slack, file)
    preview = dm_answer(slack)
    assert preview["channel"] == f"D{ADMIN}"
    text = all_text(preview["blocks"])
    assert "Forhåndsvisning av import fra «høstmøtet.docx»" in text
    for action_text in ACTION_TEXTS:
        assert action_text in text
    assert "15. januar 2027" in text and "Forskningsrådet, Innovasjon Norge" in text
    assert "Nettverket for fagdager (ukjent)" in text and "Ukjente parter" in text
    assert set(buttons(preview["blocks"])) == {"Importer", "Avbryt"}
    # Downloaded once, from url_private, with the bot token; nothing stored but the pending preview.
    assert slack.fake.downloads == [(f"/files-pri/T0001-{file['id']}/høstmøtet.docx",
                                     f"Bearer {slack.settings.slack_bot_token}")]
    assert count(slack, Action) == 0 and count(slack, PendingImport) == 1

    done = click(slack, preview, "Importer")
    assert "Protokollen er importert" in all_text(done["blocks"])
    assert "3 nye oppfølgingspunkter, 0 fantes fra før" in all_text(done["blocks"])
    assert count(slack, Action) == 3 and sources(slack) == {"import"}

    # The same protocol once more (a new upload): a new preview, but importing it adds nothing.
    again = slack.fake.add_file("høstmøtet (1).docx", protocol_docx(), mimetype=DOCX)
    share_in_dm(slack, again, text="/oppfølging importer")
    second = dm_answer(slack, 2)
    answer = click(slack, second, "Importer")
    assert "0 nye oppfølgingspunkter, 3 fantes fra før" in all_text(answer["blocks"])
    assert count(slack, Action) == 3
    # Clicking Importer on the first preview again changes nothing either.
    assert "allerede importert" in all_text(click(slack, preview, "Importer")["blocks"])
    assert count(slack, Action) == 3


def test_avbryt_saves_nothing(slack: Slack) -> None:
    share_in_dm(slack, slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX), text="import")
    preview = dm_answer(slack)
    answer = click(slack, preview, "Avbryt")
    assert "Importen er avbrutt" in all_text(answer["blocks"]) and "Ingenting er lagret" in all_text(answer["blocks"])
    assert "avbrutt" in all_text(click(slack, preview, "Importer")["blocks"])
    assert count(slack, Action) == 0


def test_a_non_admin_is_refused_before_anything_is_downloaded(slack: Slack) -> None:
    share_in_dm(slack, slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX), user="U0KARI")
    answer = dm_answer(slack)
    assert "Bare administratorer kan importere protokoller" in all_text(answer["blocks"])
    assert "Importer" not in buttons(answer["blocks"])
    assert slack.fake.downloads == []
    assert count(slack, PendingImport) == 0 and count(slack, Action) == 0


def test_a_mention_with_a_file_in_a_channel_answers_the_uploader_only(slack: Slack) -> None:
    file = slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX)
    slack.event({"type": "app_mention", "user": ADMIN, "channel": "C0FORUM", "text": "<@UBOT> importer",
                 "files": [file], "ts": "1790000000.000800"})
    preview = slack.fake.wait_calls("chat.postEphemeral")[0].params
    assert (preview["channel"], preview["user"]) == ("C0FORUM", ADMIN)
    assert set(buttons(preview["blocks"])) == {"Importer", "Avbryt"}
    before = len(slack.fake.responses)
    slack.click(buttons(preview["blocks"])["Importer"], user=ADMIN, ephemeral=True)
    done = slack.fake.wait_responses(before + 1)[before]
    assert done["replace_original"] is True and "Protokollen er importert" in all_text(done["blocks"])
    assert count(slack, Action) == 3
    assert slack.fake.of("chat.postMessage") == []  # nothing in the channel itself


def test_incomplete_file_metadata_is_completed_with_files_info(slack: Slack) -> None:
    full = slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX)
    share_in_dm(slack, {"id": full["id"], "file_access": "check_file_info"})
    preview = dm_answer(slack)
    assert set(buttons(preview["blocks"])) == {"Importer", "Avbryt"}
    call = slack.fake.of("files.info")[0]
    assert call.params["file"] == full["id"] and call.token == slack.settings.slack_bot_token

    share_in_dm(slack, {"id": "F99999", "file_access": "check_file_info"})
    assert "finnes ikke lenger" in all_text(dm_answer(slack, 2)["blocks"])


def test_download_failures_get_a_clear_message(slack: Slack) -> None:
    broken = slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX, status=500)
    share_in_dm(slack, broken)
    assert "Klarte ikke å hente filen «protokoll.docx»" in all_text(dm_answer(slack)["blocks"])

    random = slack.fake.add_file("tilfeldig.docx", os.urandom(4096), mimetype=DOCX)
    share_in_dm(slack, random)
    assert "Klarte ikke å lese «tilfeldig.docx» som et Word-dokument" in all_text(dm_answer(slack, 2)["blocks"])

    binary = slack.fake.add_file("data.bin", os.urandom(512))
    share_in_dm(slack, binary)
    assert "Filtypen «.bin» støttes ikke" in all_text(dm_answer(slack, 3)["blocks"])

    # A token Slack does not accept for files: Slack sends the login page; so does the fake.
    slack.fake.bot_token = "xoxb-" + secrets.token_hex(8)
    share_in_dm(slack, slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX))
    assert "Appen trenger tillatelsen files:read" in all_text(dm_answer(slack, 4)["blocks"])
    assert count(slack, PendingImport) == 0 and count(slack, Action) == 0


def test_too_large_files_are_refused_by_size_and_by_content(slack: Slack) -> None:
    big = slack.fake.add_file("stor.docx", b"x" * (MAX_FILE + 1), mimetype=DOCX)
    share_in_dm(slack, big)
    assert "Filen «stor.docx» er for stor (20,0 MB)" in all_text(dm_answer(slack)["blocks"])
    assert slack.fake.downloads == []  # the size in the metadata was enough
    # Metadata that understates the size: the download stops at the limit.
    share_in_dm(slack, {**big, "size": 1000})
    assert "er for stor" in all_text(dm_answer(slack, 2)["blocks"])
    assert len(slack.fake.downloads) == 1


def test_the_token_never_goes_to_another_host(slack: Slack) -> None:
    seen: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.Response(body=protocol_docx())

    other = web.Application()
    other.router.add_get("/{tail:.*}", elsewhere)
    runner, url = slack.loop.run(serve(other))
    try:
        file = slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX)
        for n, target in enumerate((f"{url}/protokoll.docx", "https://files.slack.com.example.net/p.docx",
                                    "http://files.slack.com/p.docx"), start=1):
            share_in_dm(slack, {**file, "url_private": target, "url_private_download": target})
            assert "ligger et sted jeg ikke henter filer fra" in all_text(dm_answer(slack, n)["blocks"])
        assert seen == [] and slack.fake.downloads == []
    finally:
        slack.loop.run(runner.cleanup())


def test_files_without_importer(slack: Slack) -> None:
    file = slack.fake.add_file("protokoll.docx", protocol_docx(), mimetype=DOCX)
    share_in_dm(slack, file, text="")
    assert "Skriv «importer» i samme melding som filen" in all_text(dm_answer(slack)["blocks"])
    share_in_dm(slack, file, text="liste")  # a command of its own: the file is not for us
    assert "Oppfølgingspunkter" in all_text(dm_answer(slack, 2)["blocks"])
    assert slack.fake.downloads == [] and count(slack, PendingImport) == 0
