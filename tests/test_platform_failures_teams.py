"""Teams refusals are acted on (issue 13): the app installed through Microsoft Graph for people who lack it,
conversations that answer 403/404 retired, and a clear `forbidden` when nothing helps.

Over real HTTP: the fake Bot Connector answers as documented for people without the app, and the
fake Entra token endpoint and Graph run over HTTPS with a certificate made for this test, so msal
does its real client-credentials flow against them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.delivery import DeliveryError, Destination
from bot.teams import graph
from handlers.core.replies import Reply
from storage.models import ConversationRef
from tests.support.fake_graph import GRAPH_SCOPE, FakeGraph, TestCertificate
from tests.support.teams_harness import (
    APP_ID,
    CHANNEL,
    KARI,
    OLA,
    PERSONAL,
    TENANT,
    TeamsHarness,
    installed,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

CATALOG_ID = "e3b0c442-98fc-1c14-9afb-f4c8996fb924"
SECRET = "test-secret"  # what the Teams harness configures as the bot's client secret
REMINDER = Reply(title="Påminnelse: frist om tre dager", lines=["Punkt 1 «Sende brev til KDD» har frist 26. november."])


class Graph:
    def __init__(self, teams: TeamsHarness, directory: Path) -> None:
        self.teams = teams
        self.cert = TestCertificate(directory)
        self.fake = FakeGraph(TENANT, APP_ID, SECRET, CATALOG_ID)
        self.fake.on_install = teams.connector.install_app
        self.runner, port = teams.loop.run(self._start())
        self.fake.url = f"https://127.0.0.1:{port}"
        self.env = {"TEAMS_APP_CATALOG_ID": CATALOG_ID, "GRAPH_API_URL": self.fake.api_url,
                    "GRAPH_AUTHORITY_HOST": self.fake.authority_host, "GRAPH_CA_BUNDLE": str(self.cert.cert_file)}
        self.configure()

    async def _start(self) -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(self.fake.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self.cert.server_context())
        await site.start()
        return runner, runner.addresses[0][1]

    def configure(self, **env: str) -> None:
        """The deliverer's installer as `bot.teams.graph` reads it from the environment."""
        self.teams.deliverer.installer = graph.installer_from_env(self.teams.service.options, self.env | env)

    def close(self) -> None:
        self.teams.loop.run(self.runner.cleanup())


@pytest.fixture
def msgraph(teams: TeamsHarness, tmp_path: Path) -> Iterator[Graph]:
    fake = Graph(teams, tmp_path)
    yield fake
    fake.close()


def references(h: TeamsHarness) -> dict[str, ConversationRef]:
    assert h.app is not None
    with h.app.sessions() as session:
        return {r.conversation_id: r for r in session.scalars(select(ConversationRef))}


def seeded(h: TeamsHarness) -> None:
    """The bot was installed in a channel: a service URL and claims to open 1:1 chats with are known."""
    h.post(installed(h, conversation=CHANNEL, kind="channel"))
    h.connector.clear()


def statuses(h: TeamsHarness) -> list[tuple[str, int]]:
    return [("create" if c.conversation_id is None else "post", c.status) for c in h.connector.calls]


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.teams.graph" and r.levelno >= logging.ERROR]


# --- Graph installs the app for people who lack it ----------------------------------------------


def test_a_person_without_the_app_gets_it_installed_and_the_reminder(teams: TeamsHarness, msgraph: Graph) -> None:
    seeded(teams)
    teams.connector.remove_app(OLA.aad)
    message_id = teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)

    assert statuses(teams) == [("create", 403), ("create", 200), ("post", 200)]
    (token,) = msgraph.fake.of("/oauth2/v2.0/token")
    assert token.form["grant_type"] == "client_credentials" and token.form["scope"] == GRAPH_SCOPE
    assert token.form["client_id"] == APP_ID
    (install,) = msgraph.fake.of("/teamwork/installedApps")
    assert install.path == f"/v1.0/users/{OLA.aad}/teamwork/installedApps" and install.status == 201
    assert install.body == {"teamsApp@odata.bind": f"{msgraph.fake.api_url}/appCatalogs/teamsApps/{CATALOG_ID}"}
    assert install.authorization == f"Bearer {next(iter(msgraph.fake.tokens))}"
    post = teams.connector.delivered[-1]
    assert message_id == post.answer_id and "Påminnelse" in texts(post.cards[0])
    assert references(teams)[post.conversation_id].retired_at is None

    # The chat is known now; another person without the app reuses msal's cached token.
    teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    teams.connector.remove_app(KARI.aad)
    teams.deliver(Destination("teams", KARI.aad, kind="user"), REMINDER)
    assert len(msgraph.fake.of("/oauth2/v2.0/token")) == 1
    assert [r.status for r in msgraph.fake.of("/teamwork/installedApps")] == [201, 201]


def test_a_person_who_removed_the_app_gets_it_back_in_the_same_chat(teams: TeamsHarness, msgraph: Graph) -> None:
    teams.say("hjelp", user=KARI)  # their 1:1 chat is known
    teams.connector.clear()
    teams.connector.remove_app(KARI.aad, chat=PERSONAL)
    teams.deliver(Destination("teams", KARI.aad, kind="user"), REMINDER)
    assert statuses(teams) == [("post", 403), ("create", 403), ("create", 200), ("post", 200)]
    assert teams.connector.delivered[-1].conversation_id == PERSONAL
    # Retired on the 403, then heard from again when the chat was reopened: usable once more.
    assert references(teams)[PERSONAL].retired_at is None


def test_an_app_already_installed_is_a_conflict_and_the_chat_is_opened(teams: TeamsHarness, msgraph: Graph) -> None:
    seeded(teams)
    msgraph.fake.installed.add(OLA.aad)  # Graph says installed; the connector refuses once more (e.g. a race)
    teams.connector.remove_app(OLA.aad)
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    assert (failed.value.permanent, failed.value.code) == (True, "forbidden")
    assert [r.status for r in msgraph.fake.of("/teamwork/installedApps")] == [409]
    assert statuses(teams) == [("create", 403), ("create", 403)]  # tried once more, then given up


@pytest.mark.parametrize(("setup", "expected"), [
    ("no_permission", "TeamsAppInstallation.ReadWriteForUser.All"),
    ("not_in_catalogue", "TEAMS_APP_CATALOG_ID"),
    ("wrong_secret", "invalid_client"),
])
def test_graph_refusing_is_a_permanent_forbidden_with_one_clear_log_line(
    teams: TeamsHarness, msgraph: Graph, caplog: pytest.LogCaptureFixture, setup: str, expected: str,
) -> None:
    seeded(teams)
    if setup == "no_permission":
        msgraph.fake.granted = False
    elif setup == "not_in_catalogue":
        msgraph.fake.catalog.clear()
    else:
        msgraph.fake.client_secret = "another-secret"
    teams.connector.remove_app(OLA.aad)
    teams.connector.remove_app(KARI.aad)
    caplog.set_level(logging.DEBUG)
    for person in (OLA, KARI, OLA):
        with pytest.raises(DeliveryError) as failed:
            teams.deliver(Destination("teams", person.aad, kind="user"), REMINDER)
        assert (failed.value.permanent, failed.value.code) == (True, "forbidden")
    (line,) = refusal_lines(caplog)
    assert expected in line and "e-mail" in line
    assert teams.connector.delivered == []


def test_without_graph_configured_a_person_without_the_app_is_forbidden(teams: TeamsHarness) -> None:
    assert teams.deliverer.installer is None  # TEAMS_APP_CATALOG_ID is not set
    seeded(teams)
    teams.connector.remove_app(OLA.aad)
    with pytest.raises(DeliveryError) as failed:
        teams.deliver(Destination("teams", OLA.aad, kind="user"), REMINDER)
    assert (failed.value.permanent, failed.value.code) == (True, "forbidden")
    assert statuses(teams) == [("create", 403)]


def test_graph_is_off_until_the_catalogue_id_is_set(teams: TeamsHarness) -> None:
    options = teams.service.options
    assert graph.GraphConfig.from_env(options, {}) is None
    config = graph.GraphConfig.from_env(options, {"TEAMS_APP_CATALOG_ID": CATALOG_ID})
    assert config is not None
    assert (config.api_url, config.authority_host) == (graph.DEFAULT_API_URL, graph.DEFAULT_AUTHORITY_HOST)
    assert (config.client_id, config.tenant_id) == (APP_ID, TENANT)
    assert SECRET not in repr(config)


# --- conversations that answer 403/404 are retired ---------------------------------------------


@pytest.mark.parametrize(("refuse", "code"), [("gone", "not_found"), ("forbidden", "forbidden")])
def test_a_channel_answering_403_or_404_is_retired_and_not_tried_again(
    teams: TeamsHarness, refuse: str, code: str,
) -> None:
    seeded(teams)
    if refuse == "gone":
        teams.connector.gone.add(CHANNEL)
    else:
        teams.connector.fail_next(1, status=403)
    with pytest.raises(DeliveryError) as first:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert (first.value.permanent, first.value.code) == (True, code)
    assert len(teams.connector.calls) == 1
    assert references(teams)[CHANNEL].retired_at == teams.now.replace(tzinfo=None)

    with pytest.raises(DeliveryError) as again:
        teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert again.value.permanent and again.value.code == "not_found"
    assert len(teams.connector.calls) == 1  # never tried again

    # The app added to the channel again: the conversation is heard from, and works once more.
    teams.connector.gone.discard(CHANNEL)
    teams.post(installed(teams, conversation=CHANNEL, kind="channel"))
    assert references(teams)[CHANNEL].retired_at is None
    teams.deliver(Destination("teams", CHANNEL), REMINDER)
    assert teams.connector.delivered[-1].conversation_id == CHANNEL
