"""A submitted modal is acknowledged before any database work (Slack allows three seconds).

The order of events is asserted, never wall time: the acknowledgement's HTTP response has come back
before the action is written, however slow or locked the database is.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, event, func, select, text

from storage.models import Action
from tests.support.slack_harness import Slack, all_text, loop_fixture, slack_fixture  # noqa: F401

VALUES = {"text": "Invitere til fagdag om EU-midler", "parties": ["au"], "deadline_text": "1. mars 2027"}


def open_form(slack: Slack) -> dict[str, Any]:
    slack.command("ny", trigger_id="7002.1.form")
    return slack.fake.opened_view()


def count_actions(slack: Slack) -> int:
    with slack.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def test_the_ack_comes_back_before_the_action_is_written(slack: Slack) -> None:
    """The database is slowed down on the write itself: the write waits (at most 5 s) for the
    acknowledgement to have arrived. Acknowledged first: order ack, insert. Acknowledged after the
    work (the old way): the write gives up waiting and the order is insert, ack."""
    view = open_form(slack)
    order: list[str] = []
    acked = threading.Event()

    def slow_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ACTIONS "):
            acked.wait(5)
            order.append("insert")

    event.listen(slack.app.engine, "before_cursor_execute", slow_insert)
    try:
        status, answer = slack.submit(view, VALUES)
        order.append("ack")
        acked.set()
        assert status == 200 and answer["response_action"] == "update"
        assert "Lagrer" in all_text(answer["view"]["blocks"]) and "submit" not in answer["view"]
        receipt = slack.fake.wait_calls("views.update")[0].params["view"]
        slack.settle()
    finally:
        event.remove(slack.app.engine, "before_cursor_execute", slow_insert)
    assert order == ["ack", "insert"]
    assert "Registrert som punkt 1" in all_text(receipt["blocks"])
    assert count_actions(slack) == 1
    assert slack.fake.wait_responses(1)[0]["response_type"] == "in_channel"


def test_a_locked_table_does_not_hold_the_ack_back(slack: Slack, db_url: str) -> None:
    """A real lock held by another connection (PostgreSQL: the actions table locked exclusively;
    SQLite: the whole file reserved for writing). The request's replay check, a database write,
    runs beside the acknowledgement, so the ack does not wait for the lock either (issue 19)."""
    view = open_form(slack)
    locker = create_engine(db_url).connect()
    try:
        transaction = locker.begin()
        if db_url.startswith("postgresql"):
            locker.execute(text("LOCK TABLE actions IN EXCLUSIVE MODE"))
        else:
            locker.execute(text("INSERT INTO settings (key, value) VALUES ('test-lock', '\"x\"')"))
        status, answer = slack.submit(view, VALUES)
        assert status == 200 and answer["response_action"] == "update"
        assert count_actions(slack) == 0 and slack.fake.of("views.update") == []
        transaction.commit()
    finally:
        locker.close()
    slack.fake.wait_calls("views.update")
    slack.settle()
    assert count_actions(slack) == 1


def test_a_modal_closed_while_saving_gets_the_error_as_a_message(slack: Slack) -> None:
    """Slack refuses views.update once the person has closed the modal: the error then comes privately."""
    view = open_form(slack)
    slack.fake.errors["views.update"] = "not_found"
    _, answer = slack.submit(view, {**VALUES, "deadline_text": "31.02.2027"})
    assert answer["response_action"] == "update"
    response = slack.fake.wait_responses(1)[0]
    slack.settle()
    assert response["response_type"] == "ephemeral" and "31" in all_text(response["blocks"])
    assert count_actions(slack) == 0
