"""The Adaptive Cards validator (tests/support/adaptive_cards.py) itself: it accepts the bot's cards and refuses
what Microsoft's 1.5 schema or the renderers refuse, so the guard over every sent card can fail."""

from __future__ import annotations

from bot.teams import cards
from handlers.core.replies import Button, Form, FormField, Option, Reply
from tests.support.adaptive_cards import card_problems, payload_problems


def test_the_bots_own_cards_are_valid() -> None:
    reply = Reply(title="Tittel", lines=["Linje med `kommando`"], buttons=[Button("Utsett", "utsett 1", ask="date")])
    form = Form(id="f", title="Skjema", submit_label="Lagre", fields=[
        FormField("meeting", "Møte", kind="select", options=[Option("1", "Vårmøtet")]),
        FormField("parties", "Parter", kind="parties", required=True, options=[Option("au", "AU")])])
    for card in [*cards.render(reply), cards.render_form(form)]:
        assert card_problems(card) == []


def test_schema_violations_are_found() -> None:
    good = cards.card([{"type": "TextBlock", "text": "hei"}])
    assert card_problems(good) == []
    assert card_problems(good | {"msteams": {"width": "Full"}}) == []
    unknown_property = good | {"colour": "red"}
    assert any("colour" in p for p in card_problems(unknown_property))
    bad_element = cards.card([{"type": "TextBlock"}])  # text is required
    assert card_problems(bad_element)
    newer = good | {"version": "1.6"}
    assert any("newer" in p for p in card_problems(newer))
    bad_msteams = good | {"msteams": {"width": "Half"}}
    assert card_problems(bad_msteams)


def test_renderer_rules_beyond_the_schema_are_found() -> None:
    choice_set = {"type": "Input.ChoiceSet", "id": "f:meeting", "choices": [{"title": "(ingen)", "value": ""}]}
    problems = card_problems(cards.card([choice_set]))
    assert problems == ["/body/0/choices/0: empty value (renderers: PropertyCantBeNull)"]
    # Cards are found wherever an activity or an invoke response carries them.
    activity = {"type": "message", "attachments": [{"contentType": cards.CONTENT_TYPE,
                                                    "content": cards.card([choice_set])}]}
    invoke = {"statusCode": 200, "type": cards.CONTENT_TYPE, "value": cards.card([choice_set])}
    assert len(payload_problems(activity)) == 1 and len(payload_problems(invoke)) == 1
