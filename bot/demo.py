"""Example data for `oppfolging init --demo` and the local chat.

The actions restate, in our own words, the follow-up column of the national meeting at Frosta on
11 May 2023. Deadlines and coming meetings are placed relative to the moment the demo is loaded, so
the lists always show something overdue, something due this week and something later.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.actions import lifecycle
from handlers.core.clock import at_local, local_date
from handlers.core.context import Actor, Context
from handlers.dates.values import DeadlineParse
from handlers.dates.workdays import Workdays
from storage.models import Action, Meeting, Party


def _next(month: int, day: int, today: date) -> date:
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)


def _workday(day: date) -> date:
    """Meetings are held on working days: a newcomer's first `neste møte` must not answer "lørdag"."""
    return Workdays().on_or_after(day)


def _meeting(session: Session, now: datetime, **fields: object) -> Meeting:
    meeting = Meeting(created_at=now, updated_at=now, source="demo", **fields)
    session.add(meeting)
    session.flush()
    return meeting


def load_demo(session: Session, now: datetime) -> tuple[int, int]:
    """Add the demo meetings and actions; returns (actions, meetings) added, (0, 0) if data exists."""
    if session.scalar(select(func.count()).select_from(Action)):
        return 0, 0
    ctx = Context(session=session, actor=Actor("console", "demo", "Sekretariatet (eksempel)"), now=now,
                  source="import")
    naive = ctx.naive_now
    today = local_date(now)

    frosta = _meeting(
        session, naive, kind="national-spring", title="Nasjonalt vårmøte 2023", place="Frosta",
        starts_at=at_local(date(2023, 5, 11), time(8, 30)).replace(tzinfo=None),
        ends_at=at_local(date(2023, 5, 11), time(14, 0)).replace(tzinfo=None), convener="ks",
    )
    autumn = _workday(_next(10, 21, today))
    spring = _workday(_next(4, 22, today))
    au_day = _workday(today + timedelta(days=4))
    dialogue_day = _workday(today + timedelta(days=11))
    meetings = [
        frosta,
        _meeting(session, naive, kind="au", title="Møte i arbeidsutvalget", place="Teams",
                 starts_at=at_local(au_day, time(10, 0)).replace(tzinfo=None),
                 ends_at=at_local(au_day, time(11, 30)).replace(tzinfo=None), convener="au"),
        _meeting(session, naive, kind="regional-autumn", title="Dialogmøte Vestland, høst", place="Bergen",
                 region="vestland", convener="vestland",
                 starts_at=at_local(dialogue_day, time(9, 0)).replace(tzinfo=None),
                 ends_at=at_local(dialogue_day, time(15, 0)).replace(tzinfo=None)),
        _meeting(session, naive, kind="national-autumn", title=f"Nasjonalt høstmøte {autumn.year}", place="Oslo",
                 convener="ks", starts_at=at_local(autumn, time(9, 0)).replace(tzinfo=None),
                 ends_at=at_local(autumn, time(15, 0)).replace(tzinfo=None)),
        _meeting(session, naive, kind="national-spring", title=f"Nasjonalt vårmøte {spring.year}",
                 place="Trondheim", convener="ks", starts_at=at_local(spring, time(9, 0)).replace(tzinfo=None),
                 ends_at=at_local(spring, time(15, 0)).replace(tzinfo=None)),
    ]

    if session.scalar(select(Party).where(Party.key == "arbeidsgruppa-for-fagdager")) is None:
        session.add(Party(key="arbeidsgruppa-for-fagdager", name="Arbeidsgruppa for fagdager",
                          short="Arbeidsgruppa for fagdager", kind="adhoc", aliases=["arbeidsgruppa"],
                          members=[], created_at=naive))
        session.flush()
        ctx.__dict__.pop("resolver", None)

    def due(days: int | None) -> DeadlineParse | None:
        if days is None:
            return None
        day = today + timedelta(days=days)
        return DeadlineParse(date=day, meeting=None, text=day.strftime("%d.%m.%Y"))

    plan: list[tuple[tuple[str, ...], str, int | None, str, str]] = [
        (("partene",), "Legge ut nyheten om den nye samhandlingsavtalen på egne nettsider", -20, "1", "done"),
        (("fylkeskommunene", "virkemiddelaktorene"),
         "Avklare i dialog hvordan fylkeskommunene kan trekkes tettere inn i VMA 2.0", -6, "4", "open"),
        (("au",), "Følge opp dialogen mellom fylkeskommunene og virkemiddelaktørene om VMA 2.0", 2, "4", "in_progress"),
        (("au",), "Lage forslag til vedtak om oppfølging av anbefalingene i den tredje Mission-rapporten, "
         "til godkjenning i Nasjonal samhandlingsmodell", 25, "5", "open"),
        (("au",), "Arbeide videre med forslaget til organisering av Missionssatsingen og sende det på godkjenning",
         40, "6", "open"),
        (("au",), "Følge opp og videreutvikle tiltaks- og aktivitetsplanen for Missionssatsingen", None, "6", "open"),
        (("au",), "Foreslå hvordan en sekretariatsressurs for Missionssatsingen kan opprettes, og legge det fram "
         "for styringsgruppen", 60, "6", "open"),
        (("kdd",), "Komme tilbake med mulige samarbeidsarenaer og tiltak mellom Missionssatsingen og arbeidet med "
         "klimanøytrale og smarte byer", None, "7", "open"),
        (("arbeidsgruppa-for-fagdager",), "Foreslå tema og tidspunkt for fagdagene", 5, "8", "open"),
        (("nordland", "innlandet", "more-og-romsdal"),
         "Stille representanter i arbeidsgruppen om innretningen av de distrikts- og regionalpolitiske ordningene",
         -2, "8", "open"),
        (("fylkeskommunene", "kdd"), "Opprette en felles programkomité for regionalt utviklingsverksted; "
         "fylkeskommunene foreslår kandidater", 14, "8", "open"),
        (("au",), "Sende brev til KDD og be om et møte med statssekretæren", -35, "8", "done"),
    ]
    for keys, text, days, case, status in plan:
        action, _ = lifecycle.create(ctx, lifecycle.NewAction(
            text=text, party_keys=keys, deadline=due(days), meeting_id=frosta.id, case_ref=case,
            origin_key=f"demo:{case}:{text[:40]}",
        ))
        if status != "open":
            old = action.status
            action.status = status
            lifecycle.record(ctx, action, "status", old, status)
    session.flush()
    return len(plan), len(meetings)
