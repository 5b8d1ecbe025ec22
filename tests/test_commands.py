"""The command language end to end through the handler layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from storage.models import Action, ActionEvent, Comment, Party
from tests.conftest import NOW, Bot


def count_actions(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def new(bot: Bot, text: str, user: str | None = None) -> int:
    reply = bot.say(f"/oppfølging ny {text}", user)
    assert not reply.error, reply.lines
    return reply.data["action"]["id"]


# --- help and aliases --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["/oppfølging", "/oppfølging hjelp", "/oppfolging help", "oppfølging hjelp", "/OPPFØLGING  Hjelp "])
def test_help_in_every_spelling(bot: Bot, text: str) -> None:
    reply = bot.say(text)
    assert not reply.error
    body = bot.text(reply)
    assert "liste" in body and "ny PART" in body and "ferdig 12" in body


def test_unknown_command_suggests_close_one(bot: Bot) -> None:
    reply = bot.say("/oppfølging lsite")
    assert reply.error
    assert "liste" in bot.text(reply)


def test_suggestions_are_norwegian_command_words(bot: Bot) -> None:
    for typo, word in (("calender", "møter"), ("subscirbe", "abonner"), ("shwo", "vis")):
        reply = bot.say(f"/oppfølging {typo}")
        assert reply.error
        suggested = [line for line in reply.lines if line.startswith("Mente du")]
        assert any(f"`/oppfølging {word}`" in line for line in suggested), (typo, reply.lines)
        for english in ("calendar", "subscribe", "edit", "meetings"):
            assert f"`/oppfølging {english}`" not in bot.text(reply)


# --- quick add ---------------------------------------------------------------------------------


def test_quick_add_with_party_and_deadline(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny AU: Sende brev til KDD om statssekretærmøte innen 15. juni")
    assert not reply.error, reply.lines
    action = reply.data["action"]
    assert action["parties"] == ["au"]
    assert action["text"] == "Sende brev til KDD om statssekretærmøte"
    assert action["deadline"] == "2027-06-15"  # next 15 June after 23 Nov 2026
    assert action["status"] == "open"


def test_quick_add_several_parties(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny FK og KDD: Opprette en programkomité")
    assert reply.data["action"]["parties"] == ["fylkeskommunene", "kdd"]
    assert reply.data["action"]["deadline"] is None


def test_quick_add_county_list(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny Nordland, Innlandet og Møre- og Romsdal: Stille i arbeidsgruppe")
    assert reply.data["action"]["parties"] == ["nordland", "innlandet", "more-og-romsdal"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/oppfølging ny Sende brev til KDD", "Hvem er ansvarlig"),
        ("/oppfølging ny Arbeidsgruppa for fagdager: Foreslå tema", "Arbeidsgruppa for fagdager"),
        ("/oppfølging ny Nordlandd: Noe", "Nordland"),
        ("/oppfølging ny AU:", "Teksten mangler"),
        ("/oppfølging ny AU: Sende brev innen 31.02.2027", "31"),
    ],
)
def test_quick_add_refuses_and_saves_nothing(bot: Bot, text: str, expected: str) -> None:
    before = count_actions(bot)
    reply = bot.say(text)
    assert reply.error
    assert expected.lower() in bot.text(reply).lower()
    assert count_actions(bot) == before


def test_unknown_party_can_be_created_as_group(bot: Bot) -> None:
    reply = bot.say("/oppfølging gruppe ny Arbeidsgruppa for fagdager")
    assert not reply.error, reply.lines
    reply = bot.say("/oppfølging ny Arbeidsgruppa for fagdager: Foreslå tema og tid for fagdager")
    assert not reply.error, reply.lines
    assert reply.data["action"]["parties"] == ["arbeidsgruppa-for-fagdager"]
    with bot.app.sessions() as session:
        assert session.scalar(select(Party.kind).where(Party.key == "arbeidsgruppa-for-fagdager")) == "adhoc"


def test_same_request_key_never_creates_twice(bot: Bot) -> None:
    def configure(ctx) -> None:  # type: ignore[no-untyped-def]
        ctx.request_key = "slack-trigger-123"

    from handlers.core.context import Actor

    first = bot.app.handle("/oppfølging ny AU: Skrive referat", Actor("slack", "U1"), configure=configure)
    second = bot.app.handle("/oppfølging ny AU: Skrive referat", Actor("slack", "U1"), configure=configure)
    assert first.data["action"]["id"] == second.data["action"]["id"]
    assert second.data["created"] is False
    assert count_actions(bot) == 1


# --- lists -------------------------------------------------------------------------------------


def _seed(bot: Bot) -> dict[str, int]:
    ids: dict[str, int] = {}
    # Create with future deadlines, then move the clock: deadlines in the past cannot be typed.
    early = NOW - timedelta(days=30)
    ids["overdue"] = bot.say("/oppfølging ny AU: Forfalt sak innen 10.11.2026", now=early).data["action"]["id"]
    ids["this_week"] = new(bot, "KDD: Denne uken innen fredag")
    ids["later"] = new(bot, "Nordland: Senere sak innen 15. januar")
    ids["none"] = new(bot, "FK: Uten frist")
    ids["done"] = new(bot, "KS: Ferdig sak")
    bot.say(f"/oppfølging ferdig {ids['done']}")
    return ids


def test_list_groups_by_deadline(bot: Bot) -> None:
    ids = _seed(bot)
    reply = bot.say("/oppfølging liste")
    titles = [s.title for s in reply.sections]
    assert titles == ["Forfalt (1)", "Denne uken (1)", "Senere (1)", "Uten frist (1)"]
    assert [s.items[0].id for s in reply.sections] == [ids["overdue"], ids["this_week"], ids["later"], ids["none"]]
    assert reply.sections[0].items[0].overdue
    assert ids["done"] not in [i.id for i in reply.items]


def test_list_filters(bot: Bot) -> None:
    ids = _seed(bot)
    assert [i.id for i in bot.say("/oppfølging liste AU").items] == [ids["overdue"]]
    assert [i.id for i in bot.say("/oppfølging liste forfalt").items] == [ids["overdue"]]
    # Nordland sees its own action and the one given to all county councils.
    assert sorted(i.id for i in bot.say("/oppfølging liste Nordland").items) == sorted([ids["later"], ids["none"]])
    everything = bot.say("/oppfølging list all")
    assert ids["done"] in [i.id for i in everything.items]
    assert everything.sections[-1].title.startswith("Ferdige")


def test_list_unknown_party_is_an_error(bot: Bot) -> None:
    reply = bot.say("/oppfølging liste Narnia")
    assert reply.error and "Narnia" in bot.text(reply)


def test_list_pages(bot: Bot) -> None:
    for n in range(25):
        new(bot, f"AU: Sak nummer {n}")
    first = bot.say("/oppfølging liste")
    assert len(first.items) == 20
    assert "Side 1 av 2" in bot.text(first)
    second = bot.say("/oppfølging liste side 2")
    assert len(second.items) == 5
    assert not set(i.id for i in first.items) & set(i.id for i in second.items)


def test_next_page_keeps_the_filter(bot: Bot) -> None:
    au = [new(bot, f"AU: Sak nummer {n}") for n in range(23)]
    for n in range(5):
        new(bot, f"KDD: Annen sak {n}")
    first = bot.say("/oppfølging liste AU")
    assert [b.command for b in first.buttons] == ["liste AU side 2"]
    second = bot.say("/oppfølging " + first.buttons[0].command)
    assert sorted(i.id for i in first.items + second.items) == sorted(au)
    assert not second.buttons
    # "alle" and the page number are kept apart: the button repeats the filter, not the page.
    assert [b.command for b in bot.say("/oppfølging liste side 1 alle AU").buttons] == ["liste alle AU side 2"]


def test_next_page_of_mine_keeps_to_my_parties(bot: Bot) -> None:
    assert not bot.say("/oppfølging medlem Vestland", "slack:U1").error
    mine = [new(bot, f"Vestland: Sak {n}") for n in range(21)]
    new(bot, "KDD: Ikke min")
    first = bot.say("/oppfølging mine", "slack:U1")
    assert [b.command for b in first.buttons] == ["mine side 2"]
    second = bot.say("/oppfølging " + first.buttons[0].command, "slack:U1")
    assert sorted(i.id for i in first.items + second.items) == sorted(mine)


def test_mine_and_membership(bot: Bot) -> None:
    reply = bot.say("/oppfølging mine", "slack:U1")
    assert "medlem" in bot.text(reply)
    a = new(bot, "Vestland: Invitere til dialogmøte")
    b = new(bot, "FK: Svare på høring")
    new(bot, "KDD: Noe annet")
    assert not bot.say("/oppfølging medlem Vestland", "slack:U1").error
    mine = bot.say("/oppfølging mine", "slack:U1")
    assert sorted(i.id for i in mine.items) == sorted([a, b])
    assert bot.say("/oppfølging medlem Vestland", "slack:U1").lines[0].startswith("Du er allerede")
    assert not bot.say("/oppfølging forlat Vestland", "slack:U1").error
    assert "medlem" in bot.text(bot.say("/oppfølging mine", "slack:U1"))


# --- one action --------------------------------------------------------------------------------


def test_show_has_history(bot: Bot) -> None:
    action_id = new(bot, "AU: Lage forslag innen 1. mars")
    bot.say(f"/oppfølging kommenter {action_id} Utkast sendt på høring")
    bot.say(f"/oppfølging utsett {action_id} til uke 35")
    reply = bot.say(f"/oppfølging vis {action_id}")
    body = bot.text(reply)
    assert "opprettet punktet" in body
    assert "Utkast sendt på høring" in body
    assert "endret frist fra 1. mars 2027 til" in body
    assert [e["kind"] for e in reply.data["history"]] == ["created", "comment", "deadline"]


@pytest.mark.parametrize("text", ["/oppfølging vis 999", "/oppfølging ferdig 999", "/oppfølging utsett 999 fredag"])
def test_missing_id_is_explained(bot: Bot, text: str) -> None:
    reply = bot.say(text)
    assert reply.error and "999" in bot.text(reply)


@pytest.mark.parametrize("text", ["/oppfølging vis", "/oppfølging ferdig abc", "/oppfølging vis 12x"])
def test_bad_id_is_explained(bot: Bot, text: str) -> None:
    assert bot.say(text).error


def test_done_reopen_cycle(bot: Bot) -> None:
    action_id = new(bot, "AU: Noe")
    assert bot.say(f"/oppfølging done {action_id}").title == f"Punkt {action_id} er markert som ferdig"
    assert "allerede" in bot.say(f"/oppfølging ferdig {action_id}").title
    assert "åpnet igjen" in bot.say(f"/oppfølging gjenåpne {action_id}").title
    assert "åpnet igjen" not in bot.say(f"/oppfølging gjenapne {action_id}").title
    with bot.app.sessions() as session:
        kinds = session.scalars(select(ActionEvent.new_value).where(ActionEvent.kind == "status")).all()
    assert kinds == ["done", "open"]


def test_deadline_and_postpone(bot: Bot) -> None:
    action_id = new(bot, "AU: Noe")
    reply = bot.say(f"/oppfølging frist {action_id} 1. september")
    assert reply.data["action"]["deadline"] == "2027-09-01"
    reply = bot.say(f"/oppfølging utsett {action_id} om to uker")
    assert reply.data["action"]["deadline"] == (date(2026, 11, 23) + timedelta(days=14)).isoformat()
    before = bot.say(f"/oppfølging vis {action_id}").data["action"]["deadline"]
    assert bot.say(f"/oppfølging utsett {action_id} til 31.02.2027").error
    assert bot.say(f"/oppfølging vis {action_id}").data["action"]["deadline"] == before


def test_comment_is_stored(bot: Bot) -> None:
    action_id = new(bot, "AU: Noe")
    bot.say(f"/oppfølging kommenter {action_id} Første utkast er klart")
    with bot.app.sessions() as session:
        assert session.scalars(select(Comment.text)).all() == ["Første utkast er klart"]
    assert bot.say(f"/oppfølging kommenter {action_id}").error


# --- permissions -------------------------------------------------------------------------------


def test_cancel_is_for_admins_only(bot: Bot) -> None:
    action_id = new(bot, "AU: Noe")
    refused = bot.say(f"/oppfølging avbryt {action_id}", "slack:U1")
    assert refused.error and "administratorer" in bot.text(refused)
    assert bot.say(f"/oppfølging vis {action_id}").data["action"]["status"] == "open"
    # Configured admin (OPPFOLGING_ADMINS) and the local operator may.
    assert not bot.say(f"/oppfølging avbryt {action_id} Ikke aktuelt lenger", "slack:UADMIN").error
    assert bot.say(f"/oppfølging vis {action_id}").data["action"]["status"] == "cancelled"


def test_members_of_responsible_party_may_complete(bot: Bot) -> None:
    action_id = new(bot, "FK: Svare på høring")
    refused = bot.say(f"/oppfølging ferdig {action_id}", "slack:U2")
    assert refused.error and "medlem" in bot.text(refused)
    bot.say("/oppfølging medlem Agder", "slack:U2")  # a county is part of "FK"
    assert not bot.say(f"/oppfølging ferdig {action_id}", "slack:U2").error
    assert not bot.say(f"/oppfølging kommenter {action_id} Gjort", "slack:U2").error
    assert bot.say(f"/oppfølging kommenter {action_id} Hei", "slack:U3").error


def test_everyone_may_add_and_read(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny KS: Kalle inn til vårmøtet", "teams:abc")
    assert not reply.error
    assert not bot.say("/oppfølging liste", "teams:xyz").error


def test_start_edit_assign_and_parties(bot: Bot) -> None:
    action_id = new(bot, "AU: Noe")
    assert bot.say(f"/oppfølging påbegynt {action_id}").data["action"]["status"] == "in_progress"
    assert bot.say(f"/oppfølging endre {action_id} Skrive et nytt forslag").data["action"]["text"] == "Skrive et nytt forslag"
    assert bot.say(f"/oppfølging ansvar {action_id} KDD og KS").data["action"]["parties"] == ["kdd", "ks"]
    assert bot.say(f"/oppfølging endre {action_id} Kapret", "slack:U5").error
    assert bot.say(f"/oppfølging ansvar {action_id} Narnia").error
    history = bot.say(f"/oppfølging vis {action_id}").data["history"]
    assert [h["kind"] for h in history] == ["created", "status", "text", "parties"]
    assert history[2]["old"] == "Noe"
    body = bot.text(bot.say("/oppfølging parter"))
    assert "Vestland fylkeskommune (`vestland`)" in body and "Viken" not in body


def test_new_action_form_validates_every_field(bot: Bot) -> None:
    from handlers import router

    form = bot.say("/oppfølging ny").form
    assert form is not None and form.id == "new_action"
    assert {f.name for f in form.fields} == {"text", "parties", "deadline_date", "deadline_text", "meeting", "case"}

    def submit(values: dict[str, object]):  # type: ignore[no-untyped-def]
        from handlers.core.context import Actor

        return bot.app.handle("", Actor("slack", "U1"), run=lambda ctx: router.submit_form(ctx, "new_action", values, {}))

    bad = submit({"text": "", "parties": ["narnia"], "deadline_text": "31.02.2027", "meeting": "999"})
    assert bad.error
    assert set(bad.field_errors) == {"text", "parties", "deadline_text", "meeting"}
    assert count_actions(bot) == 0
    both = submit({"text": "Noe", "parties": ["au"], "deadline_date": "2027-01-10", "deadline_text": "fredag"})
    assert set(both.field_errors) == {"deadline_text"}
    good = submit({"text": "Lage forslag", "parties": ["au", "kdd"], "deadline_text": "uke 3", "case": "12/26"})
    assert not good.error, good.lines
    assert good.data["action"]["parties"] == ["au", "kdd"]
    assert good.data["action"]["deadline"] == "2027-01-22"
    assert good.data["action"]["case"] == "12/26"
