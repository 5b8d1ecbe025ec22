"""The Adaptive Card renderer and the reading of clicks, without HTTP."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.teams import cards
from bot.teams.incoming import base_conversation_id
from handlers.core.replies import ActionItem, Button, Form, FormField, Option, Reply, Section
from tests.support.teams_harness import actions, color_of, inputs, text_of, texts


def item(n: int, text: str = "Sende brev", **kw: object) -> ActionItem:
    fields: dict = dict(id=n, text=text, parties=("AU",), party_keys=("au",), deadline=date(2027, 3, 1),
                        deadline_label="1. mars 2027", status="open", status_label="åpen",
                        buttons=(Button("Ferdig", f"ferdig {n}", style="primary"),
                                 Button("Utsett", f"utsett {n}", ask="date", ask_label="Ny frist"),
                                 Button("Kommenter", f"kommenter {n}", ask="text", ask_label="Kommentar")))
    fields.update(kw)
    return ActionItem(**fields)


def utf8_size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def test_split_text_never_loses_anything() -> None:
    text = ("ærlig å øve " * 2000).strip()
    pieces = cards.split_text(text, 1000)
    assert len(pieces) > 20
    assert all(len(p.encode()) <= 1000 for p in pieces)
    assert " ".join(pieces) == text
    assert cards.split_text("") == [""]
    one_word = "x" * 2500
    assert "".join(cards.split_text(one_word, 1000)) == one_word


def test_backticks_become_bold() -> None:
    assert [(r["text"], r.get("weight")) for r in cards.runs("Skriv `liste AU` eller `hjelp`.")] == [
        ("Skriv ", None), ("liste AU", "Bolder"), (" eller ", None), ("hjelp", "Bolder"), (".", None)]


def test_items_carry_their_commands_and_inputs() -> None:
    (card,) = cards.render(Reply(title="Liste", sections=[Section("Senere (1)", items=[item(12)])]), source="liste AU")
    assert card["version"] == "1.5"
    done = [a for a in actions(card) if a.get("data", {}).get("command") == "ferdig 12"]
    assert done and done[0]["type"] == "Action.Execute" and done[0]["style"] == "positive"
    assert done[0]["data"]["source"] == "liste AU"
    (postpone,) = actions(card, "Utsett")
    assert postpone["type"] == "Action.ShowCard"
    field = postpone["card"]["actions"][0]["data"]["ask"]
    assert inputs(card)[field]["type"] == "Input.Date"
    # Two asking buttons never share an input id.
    asked = [a["data"]["ask"] for a in actions(card) if "ask" in a.get("data", {})]
    assert len(asked) == len(set(asked)) == 2


def test_a_change_carries_no_source() -> None:
    (card,) = cards.render(Reply(title="Punkt 12 er markert som ferdig", private=False,
                                 sections=[Section("", items=[item(12)])]), source="ferdig 12")
    assert all("source" not in a.get("data", {}) for a in actions(card))


def test_overdue_and_status_are_visible() -> None:
    (card,) = cards.render(Reply(sections=[Section("", items=[
        item(1, overdue=True), item(2, status="done", status_label="ferdig", case="24/1")])]))
    body = texts(card)
    assert "⚠ AU · 1. mars 2027" in body
    assert "✅ ferdig" in body and "sak 24/1" in body


def test_errors_are_marked() -> None:
    (card,) = cards.render(Reply(lines=["Fant ikke punkt 999.", "Skriv `liste`."], error=True))
    first = card["body"][0]
    assert text_of(first) == "⚠ Fant ikke punkt 999." and color_of(first) == "Attention"


def test_long_replies_are_split_under_the_teams_limit() -> None:
    long = "Beskrivelse av oppfølgingen med mange ord " * 90
    reply = Reply(title="Ukens oversikt", lines=["Alle åpne punkter"],
                  sections=[Section(f"Del {s}", lines=[f"Linje {s}"], items=[item(s * 100 + n, f"Sak {s}-{n}. {long}")
                                                                           for n in range(12)]) for s in range(3)],
                  buttons=[Button("Neste side", "liste side 2")])
    rendered = cards.render(reply)
    assert len(rendered) > 3
    assert all(utf8_size(c) <= cards.MAX_CARD_BYTES for c in rendered)
    everything = "\n".join(texts(c) for c in rendered)
    for s in range(3):
        assert f"Del {s}" in everything and f"Linje {s}" in everything
        for n in range(12):
            assert f"Sak {s}-{n}." in everything
    assert everything.count("Beskrivelse av oppfølgingen") == 36 * 90
    # The page button comes once, at the end; later parts say which part they are.
    assert [c for c in rendered if "actions" in c] == [rendered[-1]]
    assert f"Ukens oversikt – del 2 av {len(rendered)}" in texts(rendered[1])


def test_one_huge_line_is_split_too() -> None:
    line = "ø" * 60_000
    rendered = cards.render(Reply(title="Stor", lines=[line]))
    assert all(utf8_size(c) <= cards.MAX_CARD_BYTES for c in rendered)
    assert "".join(texts(c).replace("\n", "") for c in rendered).count("ø") == 60_000


FORM = Form(id="new_action", title="Nytt oppfølgingspunkt", submit_label="Lagre", fields=[
    FormField("text", "Hva skal gjøres?", kind="multiline", required=True, max_length=4000),
    FormField("parties", "Ansvarlig", kind="parties", required=True, options=[Option("au", "AU"), Option("kdd", "KDD")]),
    FormField("deadline_date", "Frist", kind="date"),
    FormField("meeting", "Fra møte", kind="select", options=[Option("3", "Høstmøtet")]),
], context={"channel": "x"})


def test_a_form_after_a_refused_submit_keeps_the_values_and_shows_the_errors() -> None:
    card = cards.render_form(FORM, title="Skjemaet har feil", values={"text": "Noe", "parties": ["au", "kdd"],
                                                                    "deadline_date": "2020-01-01"},
                             errors={"deadline_date": "Fristen kan ikke være tilbake i tid."}, opener="ny")
    fields = inputs(card)
    assert fields["f:text"]["value"] == "Noe" and fields["f:parties"]["value"] == "au,kdd"
    assert fields["f:deadline_date"]["value"] == "2020-01-01"
    # An optional choice can be left empty: "(ingen)" has a value of its own (renderers refuse ""), read back as "".
    assert fields["f:meeting"]["choices"][0]["value"] == cards.NO_CHOICE
    body = card["body"]
    at = body.index(fields["f:deadline_date"])
    assert text_of(body[at + 1]) == "⚠ Fristen kan ikke være tilbake i tid." and color_of(body[at + 1]) == "Attention"
    (save,) = actions(card, "Lagre")
    assert save["data"] == {"oppfolging": "form", "form": "new_action", "context": {"channel": "x"}, "opener": "ny"}


def test_clicks_are_read_back() -> None:
    assert cards.parse_action({"oppfolging": "command", "command": " ferdig 12 ", "source": "liste"}) == \
        cards.CardAction("command", "ferdig 12", "liste")
    asked = cards.parse_action({"oppfolging": "command", "command": "utsett 12", "ask": "ask:1", "label": "Ny frist",
                                "ask:1": "2027-06-15"})
    assert asked is not None and asked.command == "utsett 12 2027-06-15"
    missing = cards.parse_action({"oppfolging": "command", "command": "utsett 12", "ask": "ask:1", "label": "Ny frist"})
    assert missing is not None and missing.missing == "Ny frist"
    form = cards.parse_action({"oppfolging": "form", "form": "new_action", "context": {"a": 1}, "opener": "ny",
                               "f:text": "Noe", "f:parties": "au", "other": "x"})
    assert form == cards.CardAction("form", form_id="new_action", form_context={"a": 1}, opener="ny",
                                    values={"text": "Noe", "parties": "au"})


@pytest.mark.parametrize("data", [
    None, "ferdig 1", [], {}, {"oppfolging": "command"}, {"oppfolging": "command", "command": 12},
    {"oppfolging": "command", "command": "   "}, {"oppfolging": "command", "command": "x" * 5000},
    {"oppfolging": "form"}, {"oppfolging": "delete"}, {"command": "ferdig 1"},
])
def test_anything_else_is_not_an_action(data: object) -> None:
    assert cards.parse_action(data) is None


def test_thread_ids_name_their_channel() -> None:
    assert base_conversation_id("19:abc@thread.tacv2;messageid=1700000000001") == "19:abc@thread.tacv2"
    assert base_conversation_id("a:1personal") == "a:1personal"
