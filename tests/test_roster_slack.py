"""The roster in Slack, over real HTTP: the file shared with "kontakter importer", and people found by e-mail.

The fake Slack answers `users.lookupByEmail` as https://api.slack.com/methods/users.lookupByEmail
documents it, including the `users_not_found` error for an address no member has.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.slack.people import RosterLookup
from bot.slack.service import SLACK_KEY
from storage.models import Person, RosterEntry
from tests.support.slack_harness import Slack, all_text, loop_fixture, slack_fixture  # noqa: F401
from tests.test_roster import FIXTURES
from tests.test_upload_slack import ADMIN, click, count, dm_answer, share_in_dm


def links(slack: Slack) -> dict[str, str | None]:
    """roster e-mail -> "platform:external id" of the linked person."""
    with slack.app.sessions() as session:
        return {e.email: (f"{e.person.platform}:{e.person.external_id}" if e.person else None)
                for e in session.scalars(select(RosterEntry))}


def lookup(slack: Slack, clock: list[float]) -> RosterLookup:
    return RosterLookup(slack.app, slack.web_app[SLACK_KEY].client, retry_after=3600.0, clock=lambda: clock[0])


def test_roster_file_shared_in_slack_previews_then_importer_stores(slack: Slack) -> None:
    file = slack.fake.add_file("kontakter.csv", (FIXTURES / "kontakter_semikolon.csv").read_bytes(), mimetype="text/csv")
    share_in_dm(slack, file, text="kontakter importer")
    preview = dm_answer(slack)
    text = all_text(preview["blocks"])
    assert "Kontaktlista fra kontakter.csv" in text and "3 nye" in text
    assert count(slack, RosterEntry) == 0
    done = click(slack, preview, "Importer")
    assert "Kontaktlista er oppdatert" in all_text(done["blocks"])
    assert count(slack, RosterEntry) == 3


def test_a_non_admin_roster_upload_is_refused_before_the_download(slack: Slack) -> None:
    file = slack.fake.add_file("kontakter.csv", (FIXTURES / "kontakter_komma.csv").read_bytes(), mimetype="text/csv")
    share_in_dm(slack, file, text="kontakter importer", user="U0KARI")
    assert "importere kontaktlista" in all_text(dm_answer(slack)["blocks"])
    assert slack.fake.downloads == [] and count(slack, RosterEntry) == 0


def test_lookup_by_email_links_roster_people_and_is_quiet_about_strangers(slack: Slack) -> None:
    file = slack.fake.add_file("kontakter.csv", (FIXTURES / "kontakter_semikolon.csv").read_bytes(), mimetype="text/csv")
    share_in_dm(slack, file, text="kontakter importer")
    click(slack, dm_answer(slack), "Importer")
    # Slack keeps the address as the user typed it; the roster has it in lower case.
    slack.fake.add_user("U0KARI", "Kari.Nordmann@nfk.no", "Kari Nordmann")
    slack.fake.add_user("U0GONE", "per.olsen@nfk.no", "Per Olsen", deleted=True)
    clock = [0.0]
    finder = lookup(slack, clock)
    assert slack.loop.run(finder.run_once()) == 1
    assert links(slack) == {"kari.nordmann@nfk.no": "slack:U0KARI", "per.olsen@nfk.no": None,
                            "ola.hansen@kdd.dep.no": None}
    calls = slack.fake.of("users.lookupByEmail")
    assert sorted(c.params["email"] for c in calls) == ["kari.nordmann@nfk.no", "ola.hansen@kdd.dep.no",
                                                        "per.olsen@nfk.no"]
    assert {c.result.get("error") for c in calls if not c.result["ok"]} == {"users_not_found"}
    with slack.app.sessions() as session:
        kari = session.scalars(select(Person).where(Person.external_id == "U0KARI")).one()
        assert (kari.platform, kari.email, kari.display_name) == ("slack", "kari.nordmann@nfk.no", "Kari Nordmann")

    # Nobody new: the addresses Slack did not know are not asked for again until retry_after.
    assert slack.loop.run(finder.run_once()) == 0
    assert len(slack.fake.of("users.lookupByEmail")) == 3
    # Ola joins the workspace and writes to the bot: someone new in Slack, so the misses are asked again.
    slack.fake.add_user("U0OLA", "ola.hansen@kdd.dep.no", "Ola Hansen")
    with slack.app.sessions.begin() as session:
        session.add(Person(platform="slack", external_id="U0OLA", display_name="Ola", created_at=slack.now.replace(tzinfo=None)))
    assert slack.loop.run(finder.run_once()) == 1
    assert links(slack)["ola.hansen@kdd.dep.no"] == "slack:U0OLA"
    with slack.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person).where(Person.external_id == "U0OLA")) == 1
    # After retry_after, Per's address is asked again (still a deactivated user: still not linked).
    asked = len(slack.fake.of("users.lookupByEmail"))
    clock[0] = 3601.0
    assert slack.loop.run(finder.run_once()) == 0
    assert [c.params["email"] for c in slack.fake.of("users.lookupByEmail")[asked:]] == ["per.olsen@nfk.no"]


def test_missing_scope_ends_the_round_without_asking_further(slack: Slack) -> None:
    file = slack.fake.add_file("kontakter.csv", (FIXTURES / "kontakter_semikolon.csv").read_bytes(), mimetype="text/csv")
    share_in_dm(slack, file, text="kontakter importer", user=ADMIN)
    click(slack, dm_answer(slack), "Importer")
    slack.fake.errors["users.lookupByEmail"] = "missing_scope"
    assert slack.loop.run(lookup(slack, [0.0]).run_once()) == 0
    assert len(slack.fake.of("users.lookupByEmail")) == 1
    assert set(links(slack).values()) == {None}
