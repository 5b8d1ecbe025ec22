"""App Home over HTTP: buttons instead of typed commands (Home has no input), and paging through every page.

Each step is what Slack sends (app_home_opened, then block_actions from the published view) and
each assertion reads the views.publish the bot sent.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.core.context import Actor
from tests.support.slack_harness import Slack, all_text, buttons, loop_fixture, slack_fixture  # noqa: F401

ADMIN = Actor("console", "local", "lokal operatør")


def setup_actions(slack: Slack, count: int) -> None:
    for n in range(count):
        reply = slack.app.handle(f"/oppfølging ny AU: Oppgave nummer {n + 1} innen 20. januar", ADMIN)
        assert not reply.error, reply.lines
    slack.app.handle("/oppfølging medlem AU", Actor("slack", "U0KARI"))


def open_home(slack: Slack) -> dict[str, Any]:
    slack.event({"type": "app_home_opened", "user": "U0KARI", "channel": "D0HOME", "tab": "home",
                 "event_ts": "1790000000.000100"})
    return published(slack, 1)


def published(slack: Slack, count: int) -> dict[str, Any]:
    call = slack.fake.wait_calls("views.publish", count)[count - 1]
    assert call.params["user_id"] == "U0KARI"
    return call.params["view"]


def shown_ids(view: dict[str, Any]) -> set[int]:
    return {int(n) for n in re.findall(r"\*#(\d+)\*", all_text(view["blocks"]))}


def test_home_has_buttons_and_tells_nobody_to_type(slack: Slack) -> None:
    setup_actions(slack, 2)
    view = open_home(slack)
    nav = buttons([b for b in view["blocks"] if b.get("block_id", "").startswith("home-nav")])
    assert list(nav) == ["Nytt punkt", "Mine punkter", "Alle punkter", "Neste møte"]
    text = all_text(view["blocks"])
    assert "Skriv `/oppfølging" not in text and "/oppfølging" not in text


def test_next_page_reaches_every_page_of_home(slack: Slack) -> None:
    setup_actions(slack, 45)  # 20 a page: three pages
    first = open_home(slack)
    assert len(shown_ids(first)) == 20 and "Side 1 av 3" in all_text(first["blocks"])

    slack.click(buttons(first["blocks"])["Neste side"], home_view=first)
    second = published(slack, 2)
    assert "Side 2 av 3" in all_text(second["blocks"])
    assert len(shown_ids(second)) == 20 and not shown_ids(second) & shown_ids(first)

    slack.click(buttons(second["blocks"])["Neste side"], home_view=second)
    third = published(slack, 3)
    assert "Side 3 av 3" in all_text(third["blocks"]) and len(shown_ids(third)) == 5
    assert "Neste side" not in buttons(third["blocks"])
    assert shown_ids(first) | shown_ids(second) | shown_ids(third) == set(range(1, 46))

    # A change made on page 2 shows page 2 again, with the change noted.
    slack.click(buttons(second["blocks"])["Mine punkter"], home_view=second)
    assert "Side 1 av 3" in all_text(published(slack, 4)["blocks"])
    item = min(shown_ids(second))
    slack.click(buttons(second["blocks"], item)["Ferdig"], home_view=second)
    after = published(slack, 5)
    text = all_text(after["blocks"])
    assert "Side 2 av 3" in text and f"Punkt {item} er markert som ferdig" in text
    assert slack.fake.responses == []


def test_home_buttons_open_the_form_and_show_the_next_meeting(slack: Slack) -> None:
    setup_actions(slack, 1)
    home = open_home(slack)
    slack.click(buttons(home["blocks"])["Nytt punkt"], home_view=home)
    form = slack.fake.opened_view()
    assert form["title"]["text"] == "Nytt oppfølgingspunkt"

    slack.click(buttons(home["blocks"])["Neste møte"], home_view=home)
    meeting = published(slack, 2)
    assert meeting["blocks"][0]["text"]["text"] != "Mine oppfølgingspunkter"
    assert "Neste møter" in all_text(meeting["blocks"])  # the calendar below stays
    assert "Mine punkter" in buttons(meeting["blocks"])
