"""Reach: every responsible party is reached, nothing waits in silence, nothing goes out twice.

Over the real engine and a real database (SQLite; PostgreSQL when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryError
from handlers.core.replies import Reply
from storage.db import transaction
from storage.models import DeliveryHealth, Notification, Party, Person, RosterEntry, Subscription
from tests.support.fake_delivery import Recorder, Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)


def roster(app, party: str, name: str, email: str, person: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A roster line as the roster import would leave it (`person`: the matched chat user, "slack:U1")."""
    with transaction(app.sessions) as session:
        party_id = session.scalar(select(Party.id).where(Party.key == party))
        person_id = None
        if person is not None:
            platform, _, external = person.partition(":")
            row = session.scalar(select(Person).where(Person.platform == platform, Person.external_id == external))
            if row is None:
                row = Person(platform=platform, external_id=external, display_name=name, created_at=datetime(2027, 1, 1))
                session.add(row)
                session.flush()
            person_id = row.id
        session.add(RosterEntry(party_id=party_id, name=name, email=email.lower(), role="", person_id=person_id,
                                created_at=datetime(2027, 1, 1), updated_at=datetime(2027, 1, 1)))


def rows(app, **where) -> list[Notification]:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        query = select(Notification).order_by(Notification.id)
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def sent_to(sim: Sim, kind: str = "reminder") -> list[tuple[str, str]]:
    return [(s.platform, s.address) for s in sim.log if s.kind == kind]


# --- the issue's reproduction ---------------------------------------------------------------------------


def cli(app, capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    from bot.cli import main

    try:
        code = main(["--database-url", app.settings.database_url, *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_issue_reproduction_through_the_cli(app, capsys) -> None:  # type: ignore[no-untyped-def]
    """init; ny AU: … innen 8. desember; reminders run; abonner AU; run again that day → delivered once."""
    assert cli(app, capsys, "init", "--now", "2026-11-30T10:00")[0] == 0
    code, _, err = cli(app, capsys, "run", "--now", "2026-11-30T10:00",
                       "ny AU: Sende referatet til partene innen 8. desember")
    assert code == 0, err
    code, out, err = cli(app, capsys, "reminders", "run", "--now", "2026-12-01T09:30")
    assert code == 0, err
    assert "venter" in out and "Påminnelse: frist om 7 dager" not in out
    assert cli(app, capsys, "run", "--now", "2026-12-01T09:40", "abonner AU")[0] == 0
    code, out, err = cli(app, capsys, "reminders", "run", "--now", "2026-12-01T09:45")
    assert code == 0, err
    assert out.count("Påminnelse: frist om 7 dager") == 1, out
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2026-12-01T10:30")
    assert "Påminnelse: frist om 7 dager" not in out
    statuses = [(r.platform, r.status) for r in rows(app)]
    assert statuses.count(("console", "sent")) == 1 and ("none", "routed") in statuses


def test_waiting_reminder_is_delivered_the_same_day_a_route_appears(app) -> None:  # type: ignore[no-untyped-def]
    action = new_action(app, "AU: Sende referatet innen 8. desember 2026", now=datetime(2026, 11, 30, 10, tzinfo=OSLO))
    sim = Sim(app)
    sim.tick("2026-12-01T09:30")
    assert sent_to(sim) == []
    waiting = rows(app, status="waiting")
    assert [(w.platform, w.destination, w.party_key, w.action_id) for w in waiting] == [("none", "au", "au", action)]
    assert waiting[0].key == f"reminder:{action}:before-7:2026-12-08:none:au"
    # The secretariat has no overview channel here; with one, it is told (see the next test).
    subscribe(app, "AU", "CAU", now=datetime(2026, 12, 1, 9, 40, tzinfo=OSLO))
    sim.tick("2026-12-01T09:45")
    assert sent_to(sim) == [("slack", "CAU")]
    assert sim.log[-1].title == "Påminnelse: frist om 7 dager"
    sim.tick("2026-12-01T09:50")
    sim.tick("2026-12-01T14:00")
    assert sent_to(sim) == [("slack", "CAU")]
    assert [r.status for r in rows(app, platform="none")] == ["routed"]


def test_secretariat_is_told_what_waits_and_waiting_expires_visibly(app) -> None:  # type: ignore[no-untyped-def]
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=CREATED, channel="CSEK")
    action = new_action(app, "Siva: Levere tall innen 20.01.2027", now=CREATED)
    sim = Sim(app)
    sim.tick("2027-01-06T09:00")  # 14 days before: nobody listens for Siva
    notice = [s for s in sim.log if s.kind == "coverage"]
    assert len(notice) == 1 and notice[0].address == "CSEK"
    assert f"Ingen mottaker for: Siva — 1 påminnelse venter (punkt {action})" in notice[0].reply.lines
    sim.tick("2027-01-06T10:00")
    assert len([s for s in sim.log if s.kind == "coverage"]) == 1  # once a day
    # The next stage (7 days before) takes over: the old one is closed as superseded, the new one waits.
    sim.tick("2027-01-13T09:00")
    closed = {r.kind: r.status for r in rows(app, platform="none")}
    assert closed == {"before-14": "expired", "before-7": "waiting"}
    cover = say(app, "/oppfølging dekning Siva", now=datetime(2027, 1, 13, 10, tzinfo=OSLO))
    entry = cover.data["coverage"][0]  # type: ignore[index]
    assert entry["party"] == "siva" and entry["waiting"] == 1 and entry["waiting_actions"] == [action]
    assert any("Ingen mottaker for: Siva — 1 påminnelse venter" in line
               for section in cover.sections for line in section.lines)
    assert sent_to(sim) == []


# --- routes: roster, e-mail, preferences ------------------------------------------------------------------


def test_roster_people_are_reached_in_chat_and_by_email_without_joining(app) -> None:  # type: ignore[no-untyped-def]
    roster(app, "nordland", "Kari Chat", "kari@nfk.no", person="slack:UKARI")
    roster(app, "nordland", "Ola Post", "ola@nfk.no")  # no chat user: by e-mail
    action = new_action(app, "Nordland: Svare på høringen innen 20.01.2027", now=CREATED)
    sim = Sim(app, platforms=("slack", "email"))
    sim.tick("2027-01-06T09:00")
    assert sorted(sent_to(sim)) == [("email", "ola@nfk.no"), ("slack", "UKARI")]
    mail = next(s for s in sim.log if s.platform == "email" and s.kind == "reminder")
    assert mail.action == action
    assert any("kontaktperson for Nordland" in line for section in mail.reply.sections for line in section.lines)
    chat = next(s for s in sim.log if s.platform == "slack" and s.kind == "reminder")
    assert any("kontaktlisten til Nordland" in line for section in chat.reply.sections for line in section.lines)
    parties = {r.destination: r.party_key for r in rows(app, status="sent") if r.kind != "digest"}
    assert parties == {"ola@nfk.no": "nordland", "UKARI": "nordland"}
    # A removed roster line is no longer reached.
    with transaction(app.sessions) as session:
        entry = session.scalar(select(RosterEntry).where(RosterEntry.email == "ola@nfk.no"))
        entry.removed_at = datetime(2027, 1, 7)  # type: ignore[union-attr]
    sim.tick("2027-01-13T09:00")
    assert [a for _, a in sent_to(sim)].count("ola@nfk.no") == 1


def test_notify_via_preferences(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "Agder", "slack:UANNE", now=CREATED)
    join(app, "Agder", "slack:UBJORN", now=CREATED)
    join(app, "Agder", "slack:UCARL", now=CREATED)
    refused = say(app, "/oppfølging varsling e-post", "slack:UANNE", now=CREATED, ok=False)
    assert refused.error and "kontaktliste" in " ".join(refused.lines)
    with transaction(app.sessions) as session:
        assert session.scalar(select(Person.notify_via).where(Person.external_id == "UANNE")) == "chat"
    roster(app, "agder", "Anne", "anne@agderfk.no", person="slack:UANNE")
    roster(app, "agder", "Bjørn", "bjorn@agderfk.no", person="slack:UBJORN")
    assert say(app, "/oppfølging varsling e-post", "slack:UANNE", now=CREATED).data["notify_via"] == "email"
    assert say(app, "/oppfølging varsling begge", "slack:UBJORN", now=CREATED).data["notify_via"] == "both"
    assert say(app, "/oppfølging varsling ja takk", "slack:UCARL", now=CREATED, ok=False).error
    new_action(app, "Agder: Sende innspill innen 20.01.2027", now=CREATED)
    sim = Sim(app, platforms=("slack", "email"))
    sim.tick("2027-01-06T09:00")
    assert sorted(sent_to(sim)) == [("email", "anne@agderfk.no"), ("email", "bjorn@agderfk.no"),
                                    ("slack", "UBJORN"), ("slack", "UCARL")]


def test_failing_email_address_is_skipped(app) -> None:  # type: ignore[no-untyped-def]
    roster(app, "nordland", "Ola Post", "ola@nfk.no")
    with transaction(app.sessions) as session:
        session.add(DeliveryHealth(platform="email", address="ola@nfk.no", failing=True, last_error="mailbox: 550",
                                   updated_at=datetime(2027, 1, 1)))
    new_action(app, "Nordland: Svare innen 20.01.2027", now=CREATED)
    sim = Sim(app, platforms=("slack", "email"))
    sim.tick("2027-01-06T09:00")
    assert sent_to(sim) == []
    assert [r.status for r in rows(app, platform="none")] == ["waiting"]


# --- failures acted on ---------------------------------------------------------------------------------------


class Refusing(Recorder):
    """A deliverer whose platform refuses some addresses for good, with the contract's codes."""

    def __init__(self, refuse: dict[str, str]) -> None:
        super().__init__()
        self.refuse = refuse

    async def send(self, destination, reply: Reply) -> str:  # type: ignore[no-untyped-def]
        if destination.address in self.refuse:
            raise DeliveryError(f"refused: {self.refuse[destination.address]}", permanent=True,
                                code=self.refuse[destination.address])
        return await super().send(destination, reply)


def test_broken_subscription_is_marked_and_the_next_route_used_in_the_same_tick(app) -> None:  # type: ignore[no-untyped-def]
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=CREATED, channel="CSEK")
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    join(app, "Vestland", "slack:UVEST", now=CREATED)  # not messaged while the channel works
    action = new_action(app, "Vestland: Melde inn behov innen 20.01.2027", now=CREATED)
    slack = Refusing({"CVEST": "not_in_channel"})
    sim = Sim(app, platforms=("slack",), deliverers={"slack": slack})
    sim.tick("2027-01-06T09:00")
    got = [(d.address, (r.data or {}).get("kind")) for d, r in slack.sent]
    assert ("UVEST", "reminder") in got and got.count(("UVEST", "reminder")) == 1
    notices = [r for d, r in slack.sent if d.address == "CSEK" and (r.data or {}).get("kind") == "failure"]
    assert notices and all(n.data["party"] == "vestland" for n in notices)  # type: ignore[index]
    assert all("not_in_channel" in n.lines[0] and "merket som brutt" in n.lines[1] for n in notices)
    assert any("slack:UVEST" in n.lines[1] for n in notices)  # the reminder went to the next route
    # The admin who subscribed the channel is told how to fix it, once.
    told = [r for d, r in slack.sent if d.address == "UADMIN" and (r.data or {}).get("broken")]
    assert len(told) == 1 and "`/invite @Oppfølging`" in " ".join(told[0].lines)
    with transaction(app.sessions) as session:
        sub = session.scalar(select(Subscription).where(Subscription.channel_id == "CVEST"))
        assert sub is not None and sub.broken_at is not None and sub.broken_reason == "not_in_channel"
        health = session.scalar(select(DeliveryHealth).where(DeliveryHealth.address == "CVEST"))
        assert health is not None and health.failing
        ok = session.scalar(select(DeliveryHealth).where(DeliveryHealth.address == "UVEST"))
        assert ok is not None and ok.last_ok_at is not None and not ok.failing
    # The next stage goes straight to the person; the broken channel is not tried again.
    sim.tick("2027-01-13T09:00")
    later = [d.address for d, r in slack.sent if (r.data or {}).get("kind") == "reminder"]
    assert later == ["UVEST", "UVEST"]
    assert len([r for d, r in slack.sent if (r.data or {}).get("broken")]) == 1
    cover = say(app, "/oppfølging dekning Vestland", now=datetime(2027, 1, 13, 10, tzinfo=OSLO))
    entry = cover.data["coverage"][0]  # type: ignore[index]
    assert entry["channels"][0]["broken"] == "not_in_channel"
    assert entry["last_reached"] is not None and entry["chat"]
    assert entry["last_failure"]["destination"] == "slack:CVEST"
    assert any("BRUTT (not_in_channel)" in line for s in cover.sections for line in s.lines)
    assert action


def test_a_digest_refused_for_good_goes_to_the_next_route_the_same_week(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    join(app, "Vestland", "slack:UVEST", now=CREATED)
    new_action(app, "Vestland: Melde inn behov innen 20.01.2027", now=CREATED)
    slack = Refusing({"CVEST": "channel_not_found"})
    sim = Sim(app, platforms=("slack",), deliverers={"slack": slack})
    sim.tick("2027-01-11T08:00")  # Monday: the weekly digest
    digests = [d.address for d, r in slack.sent if (r.data or {}).get("kind") == "digest"]
    assert digests == ["UVEST"]
    sim.tick("2027-01-11T08:05")
    sim.tick("2027-01-12T08:00")
    assert [d.address for d, r in slack.sent if (r.data or {}).get("kind") == "digest"] == ["UVEST"]


def test_failure_with_no_other_route_waits(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "KDD", "CKDD", now=CREATED)
    new_action(app, "KDD: Avklare finansiering innen 20.01.2027", now=CREATED)
    slack = Refusing({"CKDD": "channel_not_found"})
    sim = Sim(app, platforms=("slack",), deliverers={"slack": slack})
    sim.tick("2027-01-06T09:00")
    assert [r.status for r in rows(app, platform="none")] == ["waiting"]
    subscribe(app, "KDD", "CKDD2", now=datetime(2027, 1, 6, 10, tzinfo=OSLO))
    sim.tick("2027-01-06T10:05")
    assert [d.address for d, r in slack.sent if (r.data or {}).get("kind") == "reminder"] == ["CKDD2"]


# --- reminder correctness ------------------------------------------------------------------------------------


def test_catch_up_after_a_week_and_the_days_own_stage_are_one_message(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "Nordland", "CNORD", now=CREATED)
    action = new_action(app, "Nordland: Sende rapport innen 20.01.2027", now=CREATED)
    sim = Sim(app)
    sim.tick("2027-01-12T09:00")  # the last sweep before a week without any
    sim.tick("2027-01-20T08:00")  # the deadline day, before 09:00: the catch-up
    sim.tick("2027-01-20T09:00")  # the day's own stage
    sim.tick("2027-01-20T09:05")
    today = [s for s in sim.log if s.day == date(2027, 1, 20) and s.action == action]
    assert [s.title for s in today] == ["Påminnelse: frist i dag"]


def test_digest_sections_are_bounded_and_point_to_the_list(app) -> None:  # type: ignore[no-untyped-def]
    from tests.test_digest_weekly import dry_digest, make_many

    now = datetime(2027, 1, 11, 8, tzinfo=OSLO)
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    make_many(app, "vestland", 120, now)
    plan = dry_digest(app, now, party="vestland")
    parts = [i for i in plan.items if i.destination.address == "CVEST"]
    sections = [s for part in parts for s in part.reply.sections]
    listed = [s for s in sections if s.items]
    assert sum(len(s.items) for s in listed) <= 40  # four sections of at most 10, whatever the table holds
    overdue = next(s for s in listed if s.title.startswith("Forfalt"))
    assert len(overdue.items) == 10
    assert [i.deadline for i in overdue.items] == sorted(i.deadline for i in overdue.items)  # most urgent first
    mores = [line for s in sections for line in s.lines if line.startswith("… og ")]
    assert any(line.endswith("`/oppfølging liste vestland forfalt`") for line in mores)
    # The same digest for a table twice as large is no longer.
    make_many(app, "vestland", 120, now)
    again = [i for i in dry_digest(app, now, party="vestland").items if i.destination.address == "CVEST"]
    assert len(again) == len(parts)


@pytest.mark.parametrize("argv", [
    ["reminders", "run", "--now", "garbage"],
    ["reminders", "run", "--now", "2027-13-01"],
    ["reminders", "run", "--now", "0001-01-01"],
    ["reminders", "run", "--now", "9999-12-31T23:59"],
    ["digest", "--now", "2027-13-01"],
    ["run", "--now", "0001-01-01", "liste"],
    ["init", "--now", "garbage"],
])
def test_unreadable_now_is_a_norwegian_error_with_exit_code_2(app, capsys, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(app, capsys, *argv)
    assert code == 2, err
    assert "Ugyldig --now" in err and "Traceback" not in err


# --- a simulated year ---------------------------------------------------------------------------------------


def test_a_year_of_sweeps_with_roster_routes_sends_each_message_once(app) -> None:  # type: ignore[no-untyped-def]
    roster(app, "nordland", "Kari", "kari@nfk.no", person="slack:UKARI")
    roster(app, "nordland", "Ola", "ola@nfk.no")
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    ids = [new_action(app, f"Nordland: Sak {n} innen {d:%d.%m.%Y}", now=CREATED)
           for n, d in enumerate([date(2027, 2, 15), date(2027, 5, 18), date(2027, 9, 1)])]
    ids.append(new_action(app, "Vestland: Sak V innen 03.03.2027", now=CREATED))
    ids.append(new_action(app, "Troms: Ingen når oss innen 10.03.2027", now=CREATED))
    sim = Sim(app, platforms=("slack", "email", "console"))
    day = date(2027, 1, 5)
    while day <= date(2027, 12, 31):
        for hour, minute in ((8, 5), (9, 0), (9, 5), (13, 0)):
            sim.tick(datetime(day.year, day.month, day.day, hour, minute))
        day += timedelta(days=1)
    reminders = [(s.platform, s.address, s.action, s.stage) for s in sim.log if s.kind in ("reminder", "escalation")]
    assert len(reminders) == len(set(reminders))  # every message exactly once
    per_day = [(s.day, s.address, s.action) for s in sim.log if s.kind == "reminder"]
    assert len(per_day) == len(set(per_day))  # at most one reminder per action, destination and day
    for action in ids[:3]:
        got = {(p, a) for p, a, act, _ in reminders if act == action}
        assert got == {("slack", "UKARI"), ("email", "ola@nfk.no")}
        stages = [st for p, a, act, st in reminders if act == action and a == "UKARI"]
        assert stages[:4] == ["before-14", "before-7", "workdays-before-1", "due"]
    assert {a for p, a, act, _ in reminders if act == ids[3]} == {"CVEST"}
    assert not [r for r in reminders if r[2] == ids[4]]
    troms = [r for r in rows(app, platform="none") if r.party_key == "troms"]
    assert troms and {r.status for r in troms} <= {"expired", "waiting"} and all(r.party_key == "troms" for r in troms)
