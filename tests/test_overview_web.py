"""The overview at /oversikt over real HTTP: personal links (forged, expired, revoked → 401/403 with a
Norwegian page), filters, sorting, paging at 10 000 actions, the action page, "Ferdig" with CSRF,
meeting-scoped links, exports and the Teams tab pages."""

from __future__ import annotations

import io
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import jwt
import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert, select

from bot.app import App
from bot.config import Settings
from bot.server import build_web_app
from bot.web import service as overview_web
from handlers.actions import lifecycle
from handlers.core.context import Actor
from handlers.core.replies import Reply
from handlers.dates.values import DeadlineParse
from handlers.overview import links
from storage.models import Action, ActionParty, Party
from tests.conftest import NOW, Bot
from tests.support.web_server import running
from tests.test_meetings_commands import add_meeting

# Tests whose subject is no database behaviour run on SQLite only (the rest run on PostgreSQL too).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

ADMIN = "slack:UADMIN"
MEMBER = "slack:UAU"  # joins AU
OTHER = "slack:UOTHER"  # no party


def make_app(db_url: str, clock: list[datetime], **settings: object) -> App:
    base = Settings(database_url=db_url, admins=frozenset({ADMIN}), public_host="https://oppfolging.example.no")
    return App(replace(base, **settings), clock=lambda: clock[0])  # type: ignore[arg-type]


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def oapp(db_url: str, clock: list[datetime]) -> Iterator[App]:
    application = make_app(db_url, clock, secret_key=secrets.token_urlsafe(40))
    yield application
    application.close()


@pytest.fixture
def base_url(oapp: App) -> Iterator[str]:
    with running(build_web_app(oapp, modules=(overview_web,))) as url:
        yield url


def create(app: App, text: str, parties: tuple[str, ...], *, meeting: int | None = None,
           deadline: date | None = None, case: str = "", source_link: str | None = None) -> int:
    def run(ctx) -> Reply:  # type: ignore[no-untyped-def]
        parsed = DeadlineParse(date=deadline, meeting=None, text=deadline.isoformat()) if deadline else None
        action, _ = lifecycle.create(ctx, lifecycle.NewAction(text=text, party_keys=parties, meeting_id=meeting,
                                                              case_ref=case, deadline=parsed,
                                                              source_link=source_link))
        return Reply(data={"id": action.id})

    return app.handle("", Actor("console", "local"), now=NOW, run=run).data["id"]


def link_for(app: App, user: str, args: str = "", *, now: datetime | None = None) -> str:
    platform, _, external = user.partition(":")
    reply = app.handle(f"/oppfølging oversikt {args}".strip(), Actor(platform, external, external), now=now)
    assert not reply.error, reply.lines
    url = reply.data["url"]
    assert url.startswith("https://oppfolging.example.no/oversikt?t=")
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["t"][0]


@dataclass
class Got:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def ids(self) -> list[int]:
        return [int(i) for i in re.findall(r'<tr data-action="(\d+)">', self.text)]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def get(base: str, path: str, params: dict[str, str] | None = None, *, data: dict[str, str] | None = None) -> Got:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with OPENER.open(urllib.request.Request(url, data=body), timeout=20) as response:
            return Got(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Got(exc.code, exc.read(), dict(exc.headers))


@pytest.fixture
def data(oapp: App) -> dict[str, int]:
    bot = Bot(oapp, NOW)
    assert not bot.say("/oppfølging medlem AU", MEMBER).error
    ids = {
        "ns26": add_meeting(bot, "national-spring", date(2026, 4, 23), time(10), place="Trondheim"),
        "na26": add_meeting(bot, "national-autumn", date(2026, 10, 22), time(10), place="Oslo"),
    }
    ids["au_overdue"] = create(oapp, "Skrive notat om Missionssatsingen", ("au",), meeting=ids["na26"],
                               deadline=date(2026, 11, 1), case="3")
    ids["ks_later"] = create(oapp, "Invitere til fagdager", ("ks",), meeting=ids["na26"],
                             deadline=date(2027, 2, 1), case="4")
    ids["vestland"] = create(oapp, "Oppdatere samarbeidsavtalen 50% raskere", ("vestland",), meeting=ids["ns26"],
                             deadline=date(2026, 12, 15), source_link="https://example.slack.com/archives/C1/p1")
    ids["au_done"] = create(oapp, "Sende ut protokollen", ("au",), meeting=ids["na26"], deadline=date(2026, 11, 5))
    ids["loose"] = create(oapp, "Uten møte eller frist", ("siva",))
    assert not bot.say(f"/oppfølging ferdig {ids['au_done']}").error
    assert not bot.say(f"/oppfølging kommenter {ids['vestland']} Utkast sendt til fylket").error
    return ids


def test_a_personal_link_opens_the_page_in_norwegian(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, OTHER)
    page = get(base_url, "/oversikt", {"t": token})
    assert page.status == 200
    assert '<html lang="nb">' in page.text
    assert "Oppfølgingspunkter (4)" in page.text  # open and in progress by default
    assert set(page.ids()) == {data["au_overdue"], data["ks_later"], data["vestland"], data["loose"]}
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # The chart per party and each meeting's follow-up are on the page.
    assert '<svg id="diagram" role="img"' in page.text
    assert 'data-party="au"' in page.text
    assert "Nasjonalt høstmøte 2026" in page.text and "Andel ferdig" in page.text
    # Every link on the page keeps the token; no link leaves without it.
    for target in re.findall(r'href="(/oversikt[^"]*)"', page.text):
        assert "t=" in target, target


@SQLITE_ONLY
def test_the_reply_says_how_long_the_link_lives(oapp: App, data: dict[str, int]) -> None:
    reply = oapp.handle("/oppfølging oversikt", Actor("slack", "UOTHER", "Ola"))
    assert reply.private and not reply.error
    assert reply.data["expires"] == (NOW + timedelta(hours=12)).isoformat()
    assert "gjelder til mandag 23. november 2026 kl. 22.00" in "\n".join(reply.lines)
    short = make_app(oapp.settings.database_url, [NOW], secret_key=oapp.settings.secret_key, overview_link_hours=1)
    assert short.handle("/oppfølging oversikt", Actor("slack", "UOTHER")).data["expires"] == \
        (NOW + timedelta(hours=1)).isoformat()
    short.close()


def test_forged_links_get_401_with_a_norwegian_page(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, ADMIN)
    claims = jwt.decode(token, options={"verify_signature": False})
    cases = {
        "missing": None,
        "garbage": "ikke-en-lenke",
        "tampered": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "other_key": jwt.encode(claims, secrets.token_urlsafe(40), algorithm="HS256"),
        "alg_none": jwt.encode(claims, None, algorithm="none"),
        "no_expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, oapp.settings.secret_key,
                                algorithm="HS256"),
    }
    for case, forged in cases.items():
        for path in ("/oversikt", f"/oversikt/punkt/{data['au_overdue']}", "/oversikt/eksport.csv"):
            page = get(base_url, path, {"t": forged} if forged else None)
            assert page.status == 401, (case, path)
            assert "Ingen tilgang" in page.text and "/oppfølging oversikt" in page.text
            assert "Skrive notat" not in page.text


@SQLITE_ONLY
def test_an_expired_link_is_refused(oapp: App, base_url: str, data: dict[str, int], clock: list[datetime]) -> None:
    token = link_for(oapp, OTHER)
    clock[0] = NOW + timedelta(hours=11, minutes=59)
    assert get(base_url, "/oversikt", {"t": token}).status == 200
    clock[0] = NOW + timedelta(hours=12)
    page = get(base_url, "/oversikt", {"t": token})
    assert page.status == 401 and "Lenken er utløpt" in page.text and "Skrive notat" not in page.text


def test_an_admin_revokes_every_link_at_once(oapp: App, base_url: str, data: dict[str, int]) -> None:
    first, second = link_for(oapp, OTHER), link_for(oapp, MEMBER)
    refused = oapp.handle("/oppfølging oversikt tilbakekall", Actor("slack", "UOTHER"))
    assert refused.error and "administrator" in " ".join(refused.lines)
    assert get(base_url, "/oversikt", {"t": first}).status == 200
    done = oapp.handle("/oppfølging oversikt tilbakekall", Actor("slack", "UADMIN"))
    assert not done.error and done.data["generation"] == 1
    for token in (first, second):
        page = get(base_url, "/oversikt", {"t": token})
        assert page.status == 403 and "trukket tilbake" in page.text
    assert get(base_url, "/oversikt", {"t": link_for(oapp, OTHER)}).status == 200  # a new link works


def test_filters_sorting_and_search_narrow_the_table(oapp: App, base_url: str, data: dict[str, int]) -> None:
    t = link_for(oapp, OTHER)

    def ids(**params: str) -> list[int]:
        page = get(base_url, "/oversikt", {"t": t, **params})
        assert page.status == 200
        return page.ids()

    assert ids() == [data["au_overdue"], data["vestland"], data["ks_later"], data["loose"]]  # by deadline
    assert ids(sorter="-nr") == sorted(ids(), reverse=True)
    assert ids(part="au") == [data["au_overdue"]]
    assert ids(part="Arbeidsutvalget", status="alle") == [data["au_overdue"], data["au_done"]]
    assert ids(mote=str(data["na26"])) == [data["au_overdue"], data["ks_later"]]
    assert ids(status="done") == [data["au_done"]]
    assert ids(forfalt="1") == [data["au_overdue"]]
    assert ids(frist_for="2027-01-01") == [data["au_overdue"], data["vestland"]]
    assert ids(q="SAMARBEIDSAVTALEN") == [data["vestland"]]
    assert ids(q="50%") == [data["vestland"]]
    assert ids(q="%") == [data["vestland"]]  # a literal per cent, not a wildcard
    assert ids(q="_") == []


ODD_VALUES = [
    {"mote": "abc"}, {"part": "Narnia"}, {"status": "slettet"}, {"frist_for": "2026-13-01"}, {"side": "-1"},
    {"sorter": "tekst; DROP TABLE actions"}, {"forfalt": "kanskje"}, {"mote": "9" * 30},
]


def test_odd_filter_values_give_an_empty_result_with_a_note(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, OTHER)
    for params in ODD_VALUES:
        page = get(base_url, "/oversikt", {"t": token, **params})
        assert page.status == 200, params
        assert page.ids() == [], params
        assert 'class="note"' in page.text and "Derfor vises ingen punkter" in page.text, params


@SQLITE_ONLY
def test_odd_input_never_breaks_the_page(oapp: App, base_url: str, data: dict[str, int]) -> None:
    t = link_for(oapp, OTHER)
    for params in ({"q": "a\x00b"}, {"q": "ø" * 1000}, {"mote": "99999"}, {"side": "99999"}, {"part": ""}):
        assert get(base_url, "/oversikt", {"t": t, **params}).status == 200, params
    for path in ("/oversikt/punkt/abc", "/oversikt/punkt/99999", "/oversikt/punkt/" + "9" * 40):
        page = get(base_url, path, {"t": t})
        assert page.status == 404 and "finnes ikke" in page.text


@SQLITE_ONLY
def test_the_action_page_shows_history_and_origin(oapp: App, base_url: str, data: dict[str, int]) -> None:
    page = get(base_url, f"/oversikt/punkt/{data['vestland']}", {"t": link_for(oapp, OTHER)})
    assert page.status == 200
    assert "Oppdatere samarbeidsavtalen" in page.text
    assert 'href="https://example.slack.com/archives/C1/p1"' in page.text
    assert "Utkast sendt til fylket" in page.text and "Historikk" in page.text
    done = get(base_url, f"/oversikt/punkt/{data['au_done']}", {"t": link_for(oapp, OTHER)})
    assert "åpen → ferdig" in done.text or "ferdig" in done.text


def test_ferdig_needs_the_csrf_value_and_the_right_to_complete(oapp: App, base_url: str,
                                                                data: dict[str, int]) -> None:
    action_id = data["au_overdue"]
    other = link_for(oapp, OTHER)
    page = get(base_url, "/oversikt", {"t": other})
    assert f'action="/oversikt/punkt/{action_id}/ferdig"' not in page.text  # not offered to a non-member
    member = link_for(oapp, MEMBER)
    page = get(base_url, "/oversikt", {"t": member})
    assert f'action="/oversikt/punkt/{action_id}/ferdig"' in page.text
    csrf = re.search(rf'punkt/{action_id}/ferdig">\s*<input[^>]+>\s*<input type="hidden" name="csrf" value="(\w+)"',
                     page.text).group(1)
    # Without or with a wrong CSRF value nothing changes.
    assert get(base_url, f"/oversikt/punkt/{action_id}/ferdig", data={"t": member}).status == 403
    assert get(base_url, f"/oversikt/punkt/{action_id}/ferdig", data={"t": member, "csrf": "0" * 64}).status == 403
    # The CSRF value of one link does not work with another person's link.
    with oapp.sessions() as session:
        grant = links.verify(session, oapp.overview_links, other, NOW)
        other_csrf = links.csrf_token(session, oapp.overview_links, grant, action_id)
    refused = get(base_url, f"/oversikt/punkt/{action_id}/ferdig", data={"t": other, "csrf": other_csrf})
    assert refused.status == 403 and "Arbeidsutvalget" in refused.text
    with oapp.sessions() as session:
        assert session.get(Action, action_id).status == "open"
    done = get(base_url, f"/oversikt/punkt/{action_id}/ferdig", data={"t": member, "csrf": csrf})
    assert done.status == 303 and done.headers["Location"].startswith(f"/oversikt/punkt/{action_id}?t=")
    with oapp.sessions() as session:
        assert session.get(Action, action_id).status == "done"
    shown = get(base_url, done.headers["Location"])
    assert "er markert som ferdig" in shown.text


def test_a_meeting_link_shows_only_that_meeting(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, OTHER, f"møte {data['na26']}")
    page = get(base_url, "/oversikt", {"t": token, "mote": str(data["ns26"]), "status": "alle"})
    assert page.ids() == [data["au_overdue"], data["au_done"], data["ks_later"]] or \
        set(page.ids()) == {data["au_overdue"], data["au_done"], data["ks_later"]}
    assert "Oppfølging – Nasjonalt høstmøte 2026" in page.text
    refused = get(base_url, f"/oversikt/punkt/{data['vestland']}", {"t": token})
    assert refused.status == 403 and "Oppdatere samarbeidsavtalen" not in refused.text
    csv_text = get(base_url, "/oversikt/eksport.csv", {"t": token, "status": "alle"}).body.decode("utf-8-sig")
    assert "Oppdatere samarbeidsavtalen" not in csv_text and "Sende ut protokollen" in csv_text


def test_exports_download_with_the_filters(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, OTHER)
    got = get(base_url, "/oversikt/eksport.xlsx", {"t": token, "status": "alle", "mote": str(data["na26"])})
    assert got.status == 200
    assert got.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in got.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(got.body))
    assert book.sheetnames == ["Punkter", "Parter", "Møter"]
    sheet = book["Punkter"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M4"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Nr", "Sak", "Oppfølgingspunkt", "Ansvarlig", "Partnøkler", "Frist")
    assert [r[0] for r in rows[1:]] == [data["au_overdue"], data["au_done"], data["ks_later"]]
    first = rows[1]
    assert isinstance(first[5], datetime) and first[5].date() == date(2026, 11, 1)  # a date cell
    assert first[7] == "åpen" and first[8] == "ja"
    assert book["Møter"]["A2"].value == "Nasjonalt høstmøte 2026"
    csv_got = get(base_url, "/oversikt/eksport.csv", {"t": token, "part": "ks"})
    lines = csv_got.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Nr;Sak;Oppfølgingspunkt") and len(lines) == 2
    assert lines[1].startswith(f"{data['ks_later']};4;Invitere til fagdager;KS;ks;2027-02-01")


@SQLITE_ONLY
def test_a_formula_is_written_as_text(oapp: App, base_url: str, data: dict[str, int]) -> None:
    create(oapp, "=HYPERLINK(\"http://evil\")", ("au",))
    csv_text = get(base_url, "/oversikt/eksport.csv", {"t": link_for(oapp, OTHER), "part": "au"}).text
    assert ';"\'=HYPERLINK' in csv_text


def test_the_key_is_generated_once_and_shared_without_configuration(db_url: str, clock: list[datetime]) -> None:
    first, second = make_app(db_url, clock), make_app(db_url, clock)
    try:
        token = link_for(first, OTHER)
        with second.sessions() as session:
            assert links.verify(session, second.overview_links, token, NOW).person_id > 0
        with first.sessions() as session:
            key = session.get(links.Setting, links.KEY_SETTING).value
        assert len(key) >= 48
        link_for(second, OTHER)
        with second.sessions() as session:
            assert session.get(links.Setting, links.KEY_SETTING).value == key
    finally:
        first.close()
        second.close()


@SQLITE_ONLY
def test_a_configured_key_is_used_and_none_is_stored(db_url: str, clock: list[datetime], tmp_path) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(40) + "\n")
    settings = Settings.from_env({"DATABASE_URL": db_url, "OPPFOLGING_SECRET_KEY_FILE": str(key_file),
                                  "PUBLIC_HOST": "oppfolging.example.no", "OPPFOLGING_OVERVIEW_LINK_HOURS": "2"})
    assert settings.secret_key == key_file.read_text().strip()
    application = App(settings, clock=lambda: NOW)
    try:
        token = link_for(application, OTHER)
        jwt.decode(token, settings.secret_key, algorithms=["HS256"], audience=links.AUDIENCE,
                   options={"verify_exp": False})
        with application.sessions() as session:
            assert session.get(links.Setting, links.KEY_SETTING) is None
    finally:
        application.close()


@SQLITE_ONLY
def test_without_public_host_the_command_says_so(db_url: str, clock: list[datetime]) -> None:
    application = make_app(db_url, clock, public_host=None)
    reply = application.handle("/oppfølging oversikt", Actor("slack", "UOTHER"))
    application.close()
    assert reply.error and "PUBLIC_HOST" in reply.lines[0]


@SQLITE_ONLY
def test_the_teams_tab_pages_show_no_data(oapp: App, base_url: str, data: dict[str, int]) -> None:
    for path in ("/oversikt/teams", "/oversikt/teams?kontekst=mote", "/oversikt/teams/konfigurer"):
        page = get(base_url, path.split("?")[0], dict(urllib.parse.parse_qsl(path.partition("?")[2])))
        assert page.status == 200
        assert "@Oppfølging oversikt" in page.text or "<code>oversikt</code>" in page.text or "fane" in page.text
        assert "Skrive notat" not in page.text
    assert get(base_url, "/oversikt/teams/konfigurer.js").status == 200


def _bulk(app: App, count: int) -> None:
    """`count` actions straight into the tables (the use case would take minutes for 10 000)."""
    with app.sessions() as session:
        au = session.scalar(select(Party.id).where(Party.key == "au"))
        ks = session.scalar(select(Party.id).where(Party.key == "ks"))
        start = session.scalar(select(Action.id).order_by(Action.id.desc()).limit(1)) or 0
        when = NOW.replace(tzinfo=None)
        session.execute(insert(Action), [
            {"id": start + i + 1, "text": f"Massepunkt {i}", "status": ("open", "done", "in_progress")[i % 3],
             "deadline": date(2026, 1, 1) + timedelta(days=i % 700), "deadline_text": "", "case_ref": "",
             "source": "import", "created_at": when, "updated_at": when} for i in range(count)])
        session.execute(insert(ActionParty), [
            {"action_id": start + i + 1, "party_id": au if i % 2 else ks, "position": 0} for i in range(count)])
        session.commit()


def test_a_page_costs_one_page_of_sql_at_10000_actions(oapp: App, base_url: str) -> None:
    token = link_for(oapp, OTHER)
    statements: list[str] = []

    @event.listens_for(oapp.engine, "before_cursor_execute")
    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def cost(params: dict[str, str]) -> list[str]:
        statements.clear()
        page = get(base_url, "/oversikt", {"t": token, **params})
        assert page.status == 200
        return list(statements)

    _bulk(oapp, 100)
    small = cost({"part": "au", "side": "2"})
    _bulk(oapp, 10_000)
    large = cost({"part": "au", "side": "2"})
    assert len(large) == len(small)  # the number of queries does not grow with the table
    page = get(base_url, "/oversikt", {"t": token, "side": "3"})
    assert len(page.ids()) == 50 and "side 3 av" in page.text
    # Every query that reads action rows is paged (LIMIT) or aggregated (count / GROUP BY).
    for statement in large:
        flat = " ".join(statement.split()).upper()
        if flat.startswith("SELECT") and "FROM ACTIONS" in flat and "ACTIONS.TEXT" in flat:
            assert "LIMIT" in flat or "ACTIONS.ID IN" in flat, flat[:300]
    event.remove(oapp.engine, "before_cursor_execute", seen)


@SQLITE_ONLY
def test_the_agenda_report_downloads_from_the_page(oapp: App, base_url: str, data: dict[str, int]) -> None:
    from tests.test_report_docx import check_agenda_ready

    bot = Bot(oapp, NOW)
    next_meeting = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10), place="Gardermoen")
    token = link_for(oapp, OTHER)
    assert "/oversikt/rapport.docx?t=" in get(base_url, "/oversikt", {"t": token}).text
    got = get(base_url, "/oversikt/rapport.docx", {"t": token, "mote": str(next_meeting)})
    assert got.status == 200 and got.headers["Content-Type"].endswith("wordprocessingml.document")
    document = check_agenda_ready(got.body, "Oppfølging fra forrige møte – Nasjonalt vårmøte 2027")
    assert "Skrive notat om Missionssatsingen" in [c.text for t in document.tables for r in t.rows for c in r.cells]
    scoped = link_for(oapp, OTHER, f"møte {data['na26']}")
    assert get(base_url, "/oversikt/rapport.docx", {"t": scoped}).status == 403


@SQLITE_ONLY
def test_the_meeting_side_panel_adds_an_action_to_its_meeting(oapp: App, base_url: str, data: dict[str, int]) -> None:
    token = link_for(oapp, OTHER, f"møte {data['na26']}")
    page = get(base_url, "/oversikt", {"t": token})
    assert 'action="/oversikt/nytt"' in page.text
    csrf = re.search(r'action="/oversikt/nytt"[^>]*>\s*<input[^>]+>\s*<input type="hidden" name="csrf" value="(\w+)"',
                     page.text).group(1)
    form = {"t": token, "csrf": csrf, "tekst": "Sende referatet til alle parter", "ansvarlig": "AU og KS",
            "frist": "15. desember"}
    assert get(base_url, "/oversikt/nytt", data={**form, "csrf": "0" * 64}).status == 403
    unknown = get(base_url, "/oversikt/nytt", data={**form, "ansvarlig": "Narnia"})
    assert unknown.status == 400 and "Narnia" in unknown.text and "Tilbake" in unknown.text
    added = get(base_url, "/oversikt/nytt", data=form)
    assert added.status == 303
    new_id = int(urllib.parse.parse_qs(urllib.parse.urlsplit(added.headers["Location"]).query)["lagt_til"][0])
    with oapp.sessions() as session:
        action = session.get(Action, new_id)
        assert (action.meeting_id, action.deadline, action.party_keys) == (data["na26"], date(2026, 12, 15),
                                                                            ["au", "ks"])
    shown = get(base_url, added.headers["Location"])
    assert f"Punkt {new_id} er lagt til møtet." in shown.text and new_id in shown.ids()
    # A link for the whole overview has no form and cannot add.
    whole = link_for(oapp, OTHER)
    assert 'action="/oversikt/nytt"' not in get(base_url, "/oversikt", {"t": whole}).text
    assert get(base_url, "/oversikt/nytt", data={**form, "t": whole}).status == 403
