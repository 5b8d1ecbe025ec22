"""The Block Kit renderer and the modal builder: Slack's limits are kept and nothing is cut off silently."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.blocks import (
    MAX_SECTION_TEXT,
    ButtonValue,
    escape,
    render,
    replace_item,
    split_text,
)
from bot.slack.home import home_view
from bot.slack.modals import errors_for, form_view, submitted_values
from handlers.core.replies import ActionItem, Button, Form, FormField, Option, Reply, Section

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=4000)


def item(n: int, text: str = "Sende brev", **fields: Any) -> ActionItem:
    defaults: dict[str, Any] = dict(
        id=n, text=text, parties=("AU",), party_keys=("au",), deadline=date(2027, 6, 15),
        deadline_label="15. juni 2027", status="open", status_label="åpen",
        buttons=(Button("Ferdig", f"ferdig {n}", style="primary"),
                 Button("Utsett", f"utsett {n}", ask="date", ask_label="Ny frist"), Button("Vis", f"vis {n}")),
    )
    defaults.update(fields)
    return ActionItem(**defaults)


def check_limits(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(actions) == len(set(actions))
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= MAX_SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000


def section_text(messages: list[Any]) -> str:
    return "\n".join(b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=30), TEXT)
def test_any_reply_fits_the_limits_and_keeps_all_its_text(texts: list[str], line: str) -> None:
    reply = Reply(title="Oversikt", lines=[line], sections=[Section("Forfalt", items=[item(n + 1, t or "x")
                                                                                      for n, t in enumerate(texts)])])
    messages = render(reply, source="liste")
    for message in messages:
        check_limits(message.blocks)
        assert message.text
    body = squeeze(section_text(messages))
    for text in [*texts, line]:
        assert squeeze(escape(text)) in body  # escaped, split at whitespace, never shortened


@given(TEXT, st.integers(min_value=20, max_value=3000))
def test_split_text_keeps_everything_and_respects_the_limit(text: str, limit: int) -> None:
    escaped = escape(text)
    chunks = split_text(escaped, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert squeeze("".join(chunks)) == squeeze(escaped)
    for chunk in chunks:  # an escape is never cut in two
        assert "&" not in re.sub(r"&(amp|lt|gt);", "", chunk)


def test_a_very_long_action_text_becomes_several_sections_with_its_buttons_after_them() -> None:
    text = ("Avklare finansiering av fagdager " * 130).strip()  # about 4200 characters
    blocks = render(Reply(sections=[Section("", items=[item(7, text)])]))[0].blocks
    assert [b["type"] for b in blocks] == ["section", "section", "actions"]
    assert squeeze("".join(b["text"]["text"] for b in blocks[:2])).startswith(squeeze("*#7*" + text[:100]))


def test_user_text_cannot_ping_a_channel_or_inject_links() -> None:
    blocks = render(Reply(sections=[Section("", items=[item(1, "Si fra til <!channel> & <https://x|her>")])]))[0].blocks
    assert "&lt;!channel&gt; &amp; &lt;https://x|her&gt;" in blocks[0]["text"]["text"]


def test_overdue_items_stand_out() -> None:
    text = render(Reply(sections=[Section("", items=[item(1, overdue=True, deadline_label="1. mars 2026")])]))[0]
    assert "🔴 *#1*" in text.blocks[0]["text"]["text"]
    assert "*Frist: 1. mars 2026 – forfalt*" in text.blocks[0]["text"]["text"]


def test_long_titles_and_labels() -> None:
    title = "Oversikt " * 30
    messages = render(Reply(title=title, buttons=[Button("Knapp med en altfor lang tekst " * 4, "liste")]))
    blocks = messages[0].blocks
    assert blocks[0]["type"] == "section" and title.strip() in blocks[0]["text"]["text"]  # not cut: no header
    label = blocks[-1]["elements"][0]["text"]["text"]
    assert len(label) == 75 and label.endswith("…")


def test_errors_are_marked() -> None:
    messages = render(Reply(lines=["Fant ikke punkt 9.", "Skriv liste."], error=True))
    assert messages[0].text.startswith("⚠️ Fant ikke punkt 9.")
    assert messages[0].blocks[0]["text"]["text"].startswith("⚠️ Fant ikke punkt 9.")


def test_button_values_round_trip_and_drop_an_overlong_source() -> None:
    value = ButtonValue("utsett 12", ask="date", ask_label="Ny frist", item=12, source="liste AU")
    assert ButtonValue.decode(value.encode()) == value
    assert ButtonValue.decode("{}") is None and ButtonValue.decode(None) is None
    long = ButtonValue("vis 1", source="liste " + "x" * 2100)
    assert len(long.encode()) <= 2000 and ButtonValue.decode(long.encode()) == ButtonValue("vis 1")


def test_replace_item_swaps_only_that_item() -> None:
    blocks = render(Reply(title="Oversikt", sections=[Section("", items=[item(1), item(12), item(2)])]))[0].blocks
    done = item(12, status="done", status_label="ferdig", buttons=(Button("Gjenåpne", "gjenåpne 12"),))
    patched = replace_item(blocks, done, "✔️ Ferdig")
    assert patched is not None
    check_limits(patched)
    text = json.dumps(patched, ensure_ascii=False)
    assert "✅ *#12*" in text and "Gjenåpne" in text and "✔️ Ferdig" in text
    assert [b for b in patched if str(b.get("block_id", "")).startswith("item-1-")] == \
        [b for b in blocks if str(b.get("block_id", "")).startswith("item-1-")]
    assert replace_item(blocks, item(99), "x") is None


def test_home_view_stays_within_100_blocks_and_says_when_it_is_cut() -> None:
    many = [item(n) for n in range(1, 80)]
    reply = Reply(title="Mine oppfølgingspunkter", lines=["Intro"],
                  sections=[Section("Senere", items=many), Section("Neste møter", lines=["*i morgen* – AU-møte"])])
    view = home_view(reply)
    check_limits(view["blocks"], max_blocks=100)
    text = json.dumps(view, ensure_ascii=False)
    assert "Det er flere punkter enn det er plass til her" in text and "AU-møte" in text


def form(**fields: Any) -> Form:
    return Form(id="new_action", title="Et skjema med en altfor lang tittel", submit_label="Lagre", fields=[
        FormField("text", "Hva skal gjøres?", kind="multiline", required=True, max_length=4000),
        FormField("parties", "Ansvarlig", kind="parties", required=True,
                  options=[Option(f"part-{n}", f"Part nummer {n}") for n in range(fields.get("parties", 10))]),
        FormField("deadline_date", "Frist", kind="date"),
        FormField("meeting", "Fra møte", kind="select", options=fields.get("meetings", [])),
    ])


def test_form_view_respects_block_kit_limits() -> None:
    view = form_view(form(parties=230), response_url="https://hooks.example/1", channel="C1")
    assert view["title"]["text"] == "Et skjema med en altfor…" and len(view["title"]["text"]) <= 24
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert "meeting" not in blocks  # nothing to choose from: left out instead of an invalid empty select
    assert blocks["text"]["element"]["max_length"] == 3000 and blocks["text"]["optional"] is False
    groups = blocks["parties"]["element"]["option_groups"]
    assert [len(g["options"]) for g in groups] == [100, 100, 30]
    assert blocks["deadline_date"]["optional"] is True
    assert json.loads(view["private_metadata"])["r"] == "https://hooks.example/1"


def test_submitted_values_and_field_errors() -> None:
    view = form_view(form(meetings=[Option("3", "Vårmøtet")]))
    view["state"] = {"values": {
        "text": {"text": {"type": "plain_text_input", "value": "Skrive notat"}},
        "parties": {"parties": {"type": "multi_static_select", "selected_options": [{"value": "part-1"}]}},
        "deadline_date": {"deadline_date": {"type": "datepicker", "selected_date": None}},
        "meeting": {"meeting": {"type": "static_select", "selected_option": {"value": "3"}}},
    }}
    assert submitted_values(view) == {"text": "Skrive notat", "parties": ["part-1"], "deadline_date": None,
                                      "meeting": "3"}
    refused = Reply(lines=["Feil"], error=True, field_errors={"deadline_date": "Ugyldig dato", "ukjent": "x"})
    assert errors_for(refused, view) == {"deadline_date": "Ugyldig dato"}
    assert errors_for(Reply(title="Ikke lov", lines=["Bare admin"], error=True), view) == {"text": "Ikke lov Bare admin"}


def test_home_view_of_an_error_still_has_a_title() -> None:
    view = home_view(Reply(lines=["Oppfølging er midlertidig utilgjengelig."], error=True))
    assert view["blocks"][0]["text"]["text"] == "Mine oppfølgingspunkter"
    assert "⚠️ Oppfølging er midlertidig utilgjengelig." in json.dumps(view, ensure_ascii=False)


def test_titles_without_content_are_kept_once_in_order() -> None:
    blocks = render(Reply(title="Oversikt", sections=[Section("Tom"), Section("Neste", lines=["en linje"])]))[0].blocks
    assert [b["text"]["text"] for b in blocks] == ["Oversikt", "*Tom*", "*Neste*", "en linje"]
