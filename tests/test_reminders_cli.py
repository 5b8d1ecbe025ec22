"""`oppfolging reminders run` and `oppfolging digest`: what a secretary checks before a meeting,
and simulated weeks driven through the command line with --now."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.cli import main
from storage.models import Notification, Setting
from tests.support.fake_delivery import join, new_action, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)


def cli(app, capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["--database-url", app.settings.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def claimed(app) -> int:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Notification)) or 0


def test_dry_run_shows_exactly_what_would_be_sent_and_changes_nothing(app, capsys) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "AU", "CAU", now=CREATED)
    join(app, "KDD", "slack:UKDD", now=CREATED)
    action = new_action(app, "AU og KDD: Avklare statssekretærmøte innen 20.01.2027", now=CREATED)
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30", "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] and data["in_office_hours"] and data["send_days"] == ["2027-01-20"]
    assert [(m["platform"], m["destination"], m["kind"], m["action"]) for m in data["messages"]] == [
        ("slack", "CAU", "due", action), ("slack", "UKDD", "due", action)]
    first = data["messages"][0]
    assert first["key"] == f"reminder:{action}:due:2027-01-20:slack:CAU"
    assert first["reply"]["title"] == "Påminnelse: frist i dag"
    assert [b["command"] for b in first["buttons"]] == [
        f"ferdig {action}", f"minn-igjen {action} slack:CAU i morgen", f"minn-igjen {action} slack:CAU om en uke",
        f"minn-igjen {action} slack:CAU", f"utsett {action}", f"vis {action}"]
    assert claimed(app) == 0
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30", "--dry-run")
    assert "Dette ville blitt sendt onsdag 20. januar 2027 kl. 09.30 (2 meldinger):" in out
    assert "→ slack:CAU (#cau)" in out and "→ slack:UKDD (UKDD)" in out
    assert out.count("Påminnelse: frist i dag") == 2 and f"[Ferdig: ferdig {action}]" in out
    # Without a Slack deliverer in this process, a real run leaves the Slack messages to the service.
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30")
    assert "Meldinger til slack som ikke kan sendes fra denne prosessen: 2." in out
    assert claimed(app) == 0
    with app.sessions() as session:
        assert session.get(Setting, "reminders.swept_until") is None


def test_outside_office_hours_nothing_is_sent(app, capsys) -> None:  # type: ignore[no-untyped-def]
    join(app, "KDD", "ola", now=CREATED)
    new_action(app, "KDD: Noe innen 23.01.2027", now=CREATED)  # a Saturday
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-23T09:30", "--dry-run")
    assert code == 0
    assert out.strip() == ("lørdag 23. januar 2027 kl. 09.30 er utenfor utsendingstid "
                           "(arbeidsdager kl. 08.00–16.00): ingenting sendes nå.")
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-22T09:30", "--json", "--dry-run")
    assert [m["kind"] for m in json.loads(out)["messages"]] == ["due"]  # the Friday before


def test_simulated_weeks_through_the_command_line(app, capsys) -> None:  # type: ignore[no-untyped-def]
    join(app, "Trøndelag", "kari", now=CREATED)
    action = new_action(app, "Trøndelag: Sende innspill innen 02.02.2027", now=CREATED)
    sent: list[tuple[date, str]] = []
    day = date(2027, 1, 4)
    while day <= date(2027, 2, 19):
        code, out, err = cli(app, capsys, "reminders", "run", "--now", f"{day.isoformat()}T09:00", "--json")
        assert code == 0
        data = json.loads(out)
        for message in data["messages"]:
            assert message["destination"] == "kari" and message["action"] == action
            sent.append((day, message["kind"]))
        assert all(r["status"] == "sent" for r in data["results"])
        if data["messages"]:
            assert "Påminnelse" in err or "Forfalt" in err  # the console deliverer printed it
        day += timedelta(days=1)
    assert sent == [
        (date(2027, 1, 19), "before-14"), (date(2027, 1, 26), "before-7"), (date(2027, 2, 1), "workdays-before-1"),
        (date(2027, 2, 2), "due"), (date(2027, 2, 9), "overdue-7"), (date(2027, 2, 16), "overdue-14"),
    ]
    # Run again for a day already swept: nothing new.
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-02-16T09:00")
    assert out.strip() == "Ingen påminnelser å sende tirsdag 16. februar 2027 kl. 09.00."


def test_digest_command(app, capsys) -> None:  # type: ignore[no-untyped-def]
    join(app, "Vestland", "kari", now=CREATED)
    new_action(app, "Vestland: Oppnevne representant innen 06.01.2027", now=CREATED)
    code, out, _ = cli(app, capsys, "digest", "--party", "vestland", "--dry-run", "--now", "2027-01-13T14:00")
    assert code == 0
    assert "→ console:kari (kari)" in out
    assert "Ukeoversikt for Vestland fylkeskommune – uke 2" in out and "Forfalt (1)" in out
    assert claimed(app) == 0
    code, out, err = cli(app, capsys, "digest", "--party", "vestland", "--now", "2027-01-13T14:00")
    assert code == 0 and "Sendt: 1." in out and "Ukeoversikt for Vestland" in out
    code, out, _ = cli(app, capsys, "digest", "--party", "vestland", "--now", "2027-01-13T15:00")
    assert out.strip() == "Ukens oversikt er allerede sendt."
    code, _, err = cli(app, capsys, "digest", "--party", "vestlandet", "--dry-run")
    assert code == 2 and "Kjenner ikke parten «vestlandet»" in err


def test_the_service_is_not_held_up_by_a_platform_it_is_not_configured_for(app, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.support.fake_delivery import Sim

    join(app, "KDD", "slack:UKDD", now=CREATED)
    join(app, "KDD", "kari", now=CREATED)
    new_action(app, "KDD: Noe innen 20.01.2027", now=CREATED)
    # The CLI cannot reach Slack: it sends to the console member and leaves the window open.
    code, out, _ = cli(app, capsys, "reminders", "run", "--now", "2027-01-20T09:30")
    assert code == 0 and "→ console:kari (user)" in out and "Påminnelse: frist i dag" in out
    assert "Meldinger til slack som ikke kan sendes fra denne prosessen: 1." in out and "Sendt: 1." in out
    with app.sessions() as session:
        assert session.get(Setting, "reminders.swept_until") is None
    # A service configured without Slack moves on (it is the only sender there is).
    Sim(app, platforms=("console",)).tick("2027-01-20T09:35")
    with app.sessions() as session:
        assert session.get(Setting, "reminders.swept_until").value == "2027-01-20T08:35:00"  # type: ignore[union-attr]
