"""Chat commands for where reminders go and for pausing them: abonner, avslutt-abonnement,
abonnementer, oversiktskanal, utsett-påminnelse."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import Action, Party, Setting, Subscription
from tests.support.fake_delivery import join, new_action, say

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 1, 11, 10, tzinfo=OSLO)


def subscriptions(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        rows = session.execute(select(Subscription.platform, Subscription.channel_id, Party.key)
                               .join(Party, Party.id == Subscription.party_id).order_by(Subscription.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_subscribe_list_and_unsubscribe_in_a_channel(app) -> None:  # type: ignore[no-untyped-def]
    reply = say(app, "/oppfølging abonner Vestland og Nordland", "slack:UADMIN", now=NOW, channel="C1")
    assert reply.title == "Denne kanalen får nå påminnelser og ukeoversikt for Vestland fylkeskommune, Nordland fylkeskommune."
    assert not reply.private
    assert subscriptions(app) == [("slack", "C1", "vestland"), ("slack", "C1", "nordland")]
    again = say(app, "/oppfølging subscribe vestland", "slack:UADMIN", now=NOW, channel="C1")
    assert again.lines == ["Denne kanalen abonnerer allerede på Vestland fylkeskommune."]
    assert len(subscriptions(app)) == 2
    listed = say(app, "/oppfølging abonnementer", "slack:UADMIN", now=NOW, channel="C1")
    assert listed.data == {"parties": ["vestland", "nordland"]}
    assert say(app, "/oppfølging abonnementer", "slack:UADMIN", now=NOW, channel="C2").data == {"parties": []}
    removed = say(app, "/oppfølging avslutt-abonnement Nordland", "slack:UADMIN", now=NOW, channel="C1")
    assert removed.title == "Denne kanalen får ikke lenger påminnelser for Nordland fylkeskommune."
    assert subscriptions(app) == [("slack", "C1", "vestland")]
    missing = say(app, "/oppfølging avabonner Nordland", "slack:UADMIN", now=NOW, channel="C1", ok=False)
    assert missing.error and missing.lines[0] == "Denne kanalen abonnerer ikke på Nordland fylkeskommune."
    say(app, "/oppfølging unsubscribe vestland", "slack:UADMIN", now=NOW, channel="C1")
    assert subscriptions(app) == []


def test_platform_and_console_channels(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "KS", "teams:AAD-1", now=NOW)
    say(app, "/oppfølging abonner KS", "teams:AAD-1", now=NOW, channel="19:ks@thread.tacv2")
    say(app, "/oppfølging abonner AU", now=NOW)  # the local operator, in the terminal
    assert subscriptions(app) == [("teams", "19:ks@thread.tacv2", "ks"), ("console", "console", "au")]


def test_refusals_save_nothing(app) -> None:  # type: ignore[no-untyped-def]
    no_channel = say(app, "/oppfølging abonner Vestland", "slack:UADMIN", now=NOW, ok=False)
    assert no_channel.error and "Skriv kommandoen i kanalen" in no_channel.lines[0]
    unknown = say(app, "/oppfølging abonner Vestlandet", "slack:UADMIN", now=NOW, channel="C1", ok=False)
    assert unknown.error and "Vestlandet" in unknown.lines[0]
    empty = say(app, "/oppfølging abonner", "slack:UADMIN", now=NOW, channel="C1", ok=False)
    assert empty.error and empty.lines[0] == "Hvilken part? Skriv f.eks. `/oppfølging abonner Vestland`."
    stranger = say(app, "/oppfølging abonner Vestland", "slack:USTRANGER", now=NOW, channel="C1", ok=False)
    assert stranger.error and "Vestland fylkeskommune" in stranger.lines[0]
    join(app, "KDD", "slack:UKDD", now=NOW)
    other = say(app, "/oppfølging abonner Vestland og KDD", "slack:UKDD", now=NOW, channel="C1", ok=False)
    assert other.error  # one party refused refuses all
    assert subscriptions(app) == []


def test_members_may_subscribe_their_party_and_its_groups(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "Vestland", "slack:UVEST", now=NOW)
    say(app, "/oppfølging abonner Vestland", "slack:UVEST", now=NOW, channel="CVEST")
    say(app, "/oppfølging abonner FK", "slack:UVEST", now=NOW, channel="CVEST")
    refused = say(app, "/oppfølging abonner Nordland", "slack:UVEST", now=NOW, channel="CVEST", ok=False)
    assert refused.error
    assert subscriptions(app) == [("slack", "CVEST", "vestland"), ("slack", "CVEST", "fylkeskommunene")]


def test_overview_channel_is_set_by_an_admin_in_that_channel(app) -> None:  # type: ignore[no-untyped-def]
    refused = say(app, "/oppfølging oversiktskanal", "slack:UNOBODY", now=NOW, channel="CSEK", ok=False)
    assert refused.error and refused.lines[0] == "Bare administratorer kan velge kanalen for sekretariatets oversikt."
    assert say(app, "/oppfølging oversiktskanal vis", "slack:UNOBODY", now=NOW).lines == [
        "Ingen kanal er valgt for sekretariatets oversikt. Skriv `/oppfølging oversiktskanal` i kanalen som skal få den."]
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=NOW, channel="CSEK")
    with app.sessions() as session:
        assert session.get(Setting, "overview_channel").value == {  # type: ignore[union-attr]
            "platform": "slack", "channel": "CSEK", "name": "#csek"}
    shown = say(app, "/oppfølging oversiktskanal vis", "slack:UNOBODY", now=NOW)
    assert shown.lines == ["Sekretariatets oversikt sendes til slack:#csek."]
    say(app, "/oppfølging oversiktskanal av", "slack:UADMIN", now=NOW)
    with app.sessions() as session:
        assert session.get(Setting, "overview_channel") is None


def test_snooze_keeps_the_deadline(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "Nordland", "slack:UNORD", now=NOW)
    action = new_action(app, "Nordland: Sende svar innen 15.01.2027", now=NOW)
    reply = say(app, f"/oppfølging utsett-påminnelse {action} 1 uke", "slack:UNORD", now=NOW)
    assert reply.title == (f"Påminnelser for punkt {action} er satt på pause til 18. januar 2027. "
                           "Fristen er fortsatt 15. januar 2027.")
    with app.sessions() as session:
        row = session.get(Action, action)
        assert row is not None and row.deadline.isoformat() == "2027-01-15"
        assert row.snoozed_until == datetime(2027, 1, 17, 23, 0)  # local midnight, stored as UTC
    by_date = say(app, f"/oppfølging snooze {action} til 1. februar", "slack:UNORD", now=NOW)
    assert "1. februar 2027" in by_date.title
    shown = say(app, f"/oppfølging vis {action}", now=NOW)
    assert "Påminnelser satt på pause til 1. februar 2027" in " ".join(line for s in shown.sections for line in s.lines)


def test_snooze_refusals(app) -> None:  # type: ignore[no-untyped-def]
    action = new_action(app, "Nordland: Sende svar innen 15.01.2027", now=NOW)
    stranger = say(app, f"/oppfølging utsett-påminnelse {action} 1 uke", "slack:USTRANGER", now=NOW, ok=False)
    assert stranger.error and "Nordland fylkeskommune" in stranger.lines[0]
    assert say(app, f"/oppfølging utsett-påminnelse {action}", now=NOW, ok=False).lines[0].startswith("Hvor lenge?")
    past = say(app, f"/oppfølging utsett-påminnelse {action} 10.01.2027", now=NOW, ok=False)
    assert past.error
    say(app, f"/oppfølging ferdig {action}", now=NOW)
    closed = say(app, f"/oppfølging utsett-påminnelse {action} 1 uke", now=NOW, ok=False)
    assert closed.lines[0] == f"Punkt {action} er ferdig; det sendes ingen påminnelser for det."
    with app.sessions() as session:
        assert session.get(Action, action).snoozed_until is None  # type: ignore[union-attr]


def test_help_lists_the_reminder_commands(app) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(say(app, "/oppfølging hjelp", now=NOW).sections[0].lines)
    for word in ("abonner Vestland", "avslutt-abonnement", "abonnementer", "oversiktskanal", "utsett-påminnelse"):
        assert word in text
