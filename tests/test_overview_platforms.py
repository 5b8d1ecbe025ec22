"""The overview from the platforms: a personal link in Slack's App Home, and the Teams tabs (personal,
channel, meeting side panel) in the app package."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from bot.slack.home import OVERVIEW_ACTION
from bot.teams.package import PackageSettings, build_manifest
from handlers.core.context import Actor
from handlers.overview import links
from storage.models import Person
from tests.conftest import NOW
from tests.support.slack_harness import LoopThread, Slack, all_text, loop_fixture  # noqa: F401
from tests.support.teams_harness import APP_ID
from tests.test_slack_home import open_home
from tests.test_teams_package import SCHEMA

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def slack_with_host(loop_thread: LoopThread, db_url: str) -> Iterator[Slack]:
    harness = Slack(loop_thread, db_url, public_host="https://oppfolging.example.no")
    yield harness
    harness.close()


def test_app_home_links_to_the_overview_with_a_personal_link(slack_with_host: Slack) -> None:
    slack = slack_with_host
    slack.app.handle("/oppfølging ny AU: Skrive notat innen 20. januar", Actor("console", "local"))
    view = open_home(slack)
    block = next(b for b in view["blocks"] if b.get("block_id") == "home-overview")
    button = block["elements"][0]
    assert button["action_id"] == OVERVIEW_ACTION and button["text"]["text"] == "Åpne oversikten"
    url = button["url"]
    assert url.startswith("https://oppfolging.example.no/oversikt?t=")
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["t"][0]
    with slack.app.sessions() as session:
        grant = links.verify(session, slack.app.overview_links, token, NOW)
        person = session.get(Person, grant.person_id)
        assert (person.platform, person.external_id) == ("slack", "U0KARI")  # the person who opened Home
    assert "gjelder til" in all_text(view["blocks"])


@SQLITE_ONLY
def test_without_public_host_home_has_no_overview_link(slack_with_host: Slack, loop_thread: LoopThread,
                                                       db_url: str) -> None:
    plain = Slack(loop_thread, db_url)
    try:
        view = open_home(plain)
        assert not [b for b in view["blocks"] if b.get("block_id") == "home-overview"]
    finally:
        plain.close()


def manifest() -> dict:  # type: ignore[type-arg]
    return build_manifest(PackageSettings(app_id=APP_ID, host="oppfolging.example.no", dev=True))


def test_the_teams_package_has_a_personal_tab_and_a_configurable_tab_for_channels_and_meetings() -> None:
    data = manifest()
    (personal,) = data["staticTabs"]
    assert personal["scopes"] == ["personal"]
    assert personal["contentUrl"] == "https://oppfolging.example.no/oversikt/teams?kontekst=personlig"
    (configurable,) = data["configurableTabs"]
    assert configurable["configurationUrl"] == "https://oppfolging.example.no/oversikt/teams/konfigurer"
    assert set(configurable["scopes"]) == {"team", "groupChat"}
    assert {"channelTab", "meetingSidePanel", "meetingChatTab"} <= set(configurable["context"])
    assert "oppfolging.example.no" in data["validDomains"]
    # Without a host there is no page to point at, so no tabs (and the manifest still validates).
    no_host = build_manifest(PackageSettings(app_id=APP_ID, website_url="https://example.no/", dev=True))
    assert "staticTabs" not in no_host and "configurableTabs" not in no_host


@pytest.mark.skipif(not SCHEMA.exists(), reason="the shared Teams manifest schema is not present")
def test_the_manifest_with_tabs_validates_against_the_official_schema() -> None:
    from jsonschema import Draft4Validator

    errors = sorted(Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).iter_errors(manifest()),
                    key=str)
    assert errors == []
