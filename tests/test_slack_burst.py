"""A burst of simultaneous slash commands (issue 19): every acknowledgement comes back without
touching the database, and the work after it still runs exactly once per request.

No time is measured: the database is locked by another connection while the burst arrives, so an
acknowledgement that waited for any database work could not come back before the lock is released.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, func, select, text

from storage.models import Action
from tests.support.slack_harness import Slack, all_text, loop_fixture, slack_fixture  # noqa: F401

BURST = 10


def lock(db_url: str):  # type: ignore[no-untyped-def]
    """Another connection holding the database (SQLite: the file reserved; PostgreSQL: the tables the
    requests write)."""
    locker = create_engine(db_url).connect()
    transaction = locker.begin()
    if db_url.startswith("postgresql"):
        locker.execute(text("LOCK TABLE actions, processed_requests IN EXCLUSIVE MODE"))
    else:
        locker.execute(text("INSERT INTO settings (key, value) VALUES ('test-lock', '\"x\"')"))
    return locker, transaction


def test_a_burst_is_acknowledged_while_the_database_is_locked(slack: Slack, db_url: str) -> None:
    locker, transaction = lock(db_url)
    try:
        with ThreadPoolExecutor(BURST) as pool:
            acks = list(pool.map(lambda n: slack.command(f"ny AU: Sak nummer {n} i samme møte"), range(BURST)))
        assert [status for status, _ in acks] == [200] * BURST
        assert slack.fake.responses == []  # nothing could be done yet: the acks did not wait for it
        transaction.commit()
    finally:
        locker.close()
    answers = slack.fake.wait_responses(BURST)
    slack.settle()
    assert len(slack.fake.responses) == BURST
    assert sum("Registrert som punkt" in all_text(a["blocks"]) for a in answers) == BURST
    with slack.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == BURST


def test_a_replayed_request_is_acknowledged_but_runs_once(slack: Slack) -> None:
    fields_body = None

    def capture(body: str, content_type: str, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal fields_body
        fields_body = (body, content_type, kwargs)
        return original(body, content_type, **kwargs)

    original = slack.post
    slack.post = capture  # type: ignore[method-assign]
    try:
        assert slack.command("ny AU: Bare én gang")[0] == 200
    finally:
        slack.post = original  # type: ignore[method-assign]
    slack.fake.wait_responses(1)
    assert fields_body is not None
    body, content_type, kwargs = fields_body
    assert slack.post(body, content_type, **kwargs)[0] == 200  # the same signature again
    slack.settle()
    assert len(slack.fake.responses) == 1
    with slack.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 1
