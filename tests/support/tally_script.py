"""One script of chat commands that touches every way an action's counts can change (new, status,
deadline, responsible party, cancel, reopen), for the tests that check the tallies kept by database
triggers against a plain count after each step (tests/test_list_tally.py, tests/test_overview_tally.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from storage.models import Action, ActionParty, Party

NEW = ("/oppfølging ny AU: Skrive brev innen 20. november",
       "/oppfølging ny AU og KDD: Felles notat innen 26. november",
       "/oppfølging ny Vestland: Rapport innen 15. januar 2027",
       "/oppfølging ny KDD: Avklare rammer")


def changes(ids: list[int]) -> tuple[str, ...]:
    return (f"/oppfølging påbegynt {ids[0]}", f"/oppfølging ferdig {ids[1]}",
            f"/oppfølging frist {ids[2]} 24. november", f"/oppfølging frist {ids[3]} 1. desember",
            f"/oppfølging ansvar {ids[0]} Vestland", f"/oppfølging ansvar {ids[3]} AU og KDD",
            f"/oppfølging avbryt {ids[2]}", f"/oppfølging gjenåpne {ids[1]}", f"/oppfølging ferdig {ids[3]}")


def play(bot: Any, check: Callable[[], None], after_new: Callable[[], None]) -> None:
    """Says the script to `bot` (tests/conftest.py's `Bot`): `check` after every step, `after_new`
    once the new actions exist."""
    ids = []
    for line in NEW:
        reply = bot.say(line)
        assert not reply.error, bot.text(reply)
        ids.append(reply.data["action"]["id"])
    check()
    after_new()
    for command in changes(ids):
        reply = bot.say(command)
        assert not reply.error, (command, bot.text(reply))
        check()


ALL = ("open", "in_progress", "done", "cancelled")


def bulk_load(session: Session) -> tuple[int, dict[str, int]]:
    """60 actions and their links inserted in bulk, as an import or a data load writes them (no ORM
    objects, no application code): the id of the first, and the parties' ids by key."""
    now = datetime(2026, 11, 1)
    parties = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
    start = (session.scalar(select(func.max(Action.id))) or 0) + 1
    session.execute(insert(Action), [
        {"id": start + i, "text": f"Sak {i}", "status": ALL[i % 4],
         "deadline": None if i % 5 == 0 else date(2026, 11, 1 + i % 28), "deadline_text": "",
         "source": "import", "created_at": now, "updated_at": now} for i in range(60)])
    session.execute(insert(ActionParty), [
        {"action_id": start + i, "party_id": parties[("au", "kdd", "vestland")[i % 3]], "position": 0}
        for i in range(60)])
    session.execute(insert(ActionParty), [
        {"action_id": start + i, "party_id": parties["kdd"], "position": 1} for i in range(0, 60, 3)])
    return start, parties


def hand_typed_changes(session: Session, start: int) -> None:
    """Statuses and deadlines of `bulk_load`'s actions changed in bulk and by hand-typed SQL, and a
    change that touches neither."""
    session.execute(update(Action).where(Action.id < start + 20).values(status="done"))
    session.execute(update(Action).where(Action.id >= start + 40).values(deadline=None))
    session.execute(text("UPDATE actions SET deadline = :d WHERE id % 7 = 0"), {"d": date(2026, 11, 25)})
    session.execute(update(Action).where(Action.id == start + 30).values(text="Bare teksten"))
