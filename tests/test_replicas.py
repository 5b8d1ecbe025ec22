"""Three `oppfolging serve` replicas on one PostgreSQL database, driven like Slack would drive them.

Each replica is a real `oppfolging serve` process (bot.cli) on its own port, started at the same
moment on a fresh database, with SLACK_API_URL pointing at a fake Slack in this process. The only
addition is this module as one more service module (the `bot.server.SERVICE_MODULES` extension
point), which adds `POST /test/tick?now=ISO`: one scheduler tick at a chosen moment, because the
real clock is not Monday 09:00 when the test runs (the replicas' own scheduler is switched off so
that the wall clock cannot interfere).

What it shows:
- chat requests are stateless: signed slash commands and button clicks round-robin over the replicas;
- a retried request (same trigger id) that reaches two replicas at once creates one action;
- a digest and a reminder sweep run on all three replicas at once send every notification once;
- a replica killed with SIGKILL in the middle of traffic does not stop the others.

Skipped without TEST_DATABASE_URL (PostgreSQL). No timing is asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench.slack_requests import button_click, sign, slash_command
from storage.db import head_revision, make_engine, normalize_url
from storage.models import Action, ActionParty, Notification, Party, Person, Subscription
from storage.registry import REGISTRY
from tests.support.fake_slack import FakeSlack

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")

ROOT = Path(__file__).resolve().parent.parent
SECRET = "replica-test-signing-secret-0123456789"
ADMIN = "UADMIN"
# Monday 23 November 2026, 09:00 in Oslo: the weekly digest and the reminders are due.
TICK_AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DUE = date(2026, 11, 23)
CHANNELS = {"au": "CAU", "vestland": "CVESTLAND", "siva": "CSIVA", "fylkeskommunene": "CFK"}


# --- the test-only service module (loaded inside each replica) --------------------------------------


def setup(web_app: Any, app: Any) -> None:
    """`POST /test/tick?now=ISO`: one tick of the reminder scheduler, as the cron job would run it."""
    from aiohttp import web

    from bot.scheduler import ReminderRunner

    runner = ReminderRunner(app)

    async def tick(request: web.Request) -> web.Response:
        report = await runner.tick(datetime.fromisoformat(request.query["now"]))
        return web.json_response({"worker": runner.worker, "claimed": len(report.claimed),
                                  "outcomes": [o.status for o in report.outcomes]})

    web_app.router.add_post("/test/tick", tick)


REPLICA_MAIN = (
    "import sys, bot.server as s, tests.test_replicas as r; s.SERVICE_MODULES += (r,); "
    "from bot.cli import main; sys.exit(main(['serve', '--host', '127.0.0.1', '--port', sys.argv[1]]))"
)


# --- processes and HTTP ---------------------------------------------------------------------------------


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None


def start_replica(name: str, env: dict[str, str], tmp: Path) -> Replica:
    port = free_port()
    log = tmp / f"{name}.log"
    proc = subprocess.Popen([sys.executable, "-c", REPLICA_MAIN, str(port)], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Replica(name, port, proc, log)


def wait_healthy(replica: Replica, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert replica.alive(), f"{replica.name} exited:\n{replica.log.read_text(errors='replace')[-3000:]}"
        try:
            with urllib.request.urlopen(replica.url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{replica.name} did not become healthy:\n{replica.log.read_text(errors='replace')[-3000:]}")


def post(url: str, body: str, headers: dict[str, str], timeout: float = 15.0) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@dataclass
class Cluster:
    replicas: list[Replica]
    fake: FakeSlack
    db_url: str
    tokens: Iterator[int]

    def slash(self, replica: Replica, text_: str, *, trigger: str | None = None, user: str = ADMIN,
              wait: float = 15.0) -> dict[str, Any] | None:
        """A signed slash command to one replica; its answer from the response_url (None: not waited for)."""
        token = f"r{next(self.tokens)}"
        url = self.fake.response_url(token)
        body = slash_command(text_, user=user, response_url=url, trigger_id=trigger or f"trig.{token}")
        return self._send(replica, body, token, wait)

    def click(self, replica: Replica, command: str, item: int, *, user: str = ADMIN) -> dict[str, Any] | None:
        token = f"r{next(self.tokens)}"
        url = self.fake.response_url(token)
        body = button_click(command, item=item, user=user, response_url=url, trigger_id=f"trig.{token}")
        return self._send(replica, body, token, 15.0)

    def _send(self, replica: Replica, body: str, token: str, wait: float) -> dict[str, Any] | None:
        status, answer = post(replica.url + "/slack/events", body, sign(SECRET, body), timeout=max(wait, 5.0))
        assert status == 200, f"{replica.name} answered HTTP {status}: {answer}"
        if not wait:
            return None
        got = self.fake.wait_for(lambda fake: fake.answer(token), timeout=wait)
        return got.body

    def engine(self):  # type: ignore[no-untyped-def]
        return make_engine(self.db_url)


def text_of(answer: dict[str, Any] | None) -> str:
    return json.dumps(answer or {}, ensure_ascii=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = normalize_url(os.environ["TEST_DATABASE_URL"])
    name = f"oppf_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(base).set(database=name).render_as_string(hide_password=False)
    loop = LoopThread()
    fake = FakeSlack()
    fake_runner = loop.run(fake.start())
    tmp = tmp_path_factory.mktemp("replicas")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))}
    env.update({
        "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-" + secrets.token_hex(8), "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url + "/api/", "OPPFOLGING_ADMINS": f"slack:{ADMIN}", "OPPFOLGING_SCHEDULER": "off",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    # All three at once on an empty database: they must not race each other's migrations.
    replicas = [start_replica(f"replica-{n}", env, tmp) for n in (1, 2, 3)]
    try:
        for replica in replicas:
            wait_healthy(replica)
        yield Cluster(replicas, fake, db_url, iter(range(1, 1_000_000)))
    finally:
        for replica in replicas:
            if replica.alive():
                replica.proc.terminate()
        for replica in replicas:
            try:
                replica.proc.wait(10)
            except subprocess.TimeoutExpired:
                replica.proc.kill()
        loop.run(fake_runner.cleanup())
        loop.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the tests --------------------------------------------------------------------------------------------


def test_replicas_started_together_migrated_once(cluster: Cluster) -> None:
    engine = cluster.engine()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
        keys = conn.execute(select(Party.key)).scalars().all()
    engine.dispose()
    assert sorted(keys) == sorted(info.key for info in REGISTRY)  # every registry party once


def test_chat_round_robin_over_replicas(cluster: Cluster) -> None:
    a, b, c = cluster.replicas
    assert "Du er nå medlem av Arbeidsutvalget" in text_of(cluster.slash(a, "medlem AU"))
    created = []
    for n, replica in enumerate([b, c, a, b, c, a]):
        answer = cluster.slash(replica, f"ny AU: Sende brev nummer {n} til KDD innen 15. juni 2027")
        assert "Registrert som punkt" in text_of(answer)
        created.append(answer)
    # What one replica wrote, the others read at once: no state lives in a process.
    listing = text_of(cluster.slash(c, "mine"))
    for n in range(6):
        assert f"Sende brev nummer {n} til KDD" in listing
    engine = cluster.engine()
    with engine.connect() as conn:
        ids = conn.execute(select(Action.id).order_by(Action.id)).scalars().all()
    engine.dispose()
    assert len(ids) == 6
    assert f"punkt {ids[2]}" in text_of(cluster.slash(a, f"vis {ids[2]}")).lower()
    assert "ferdig" in text_of(cluster.click(b, f"ferdig {ids[2]}", ids[2])).lower()
    assert "ferdig" in text_of(cluster.slash(c, f"vis {ids[2]}")).lower()


def test_a_retry_reaching_two_replicas_creates_one_action(cluster: Cluster) -> None:
    a, b, c = cluster.replicas
    engine = cluster.engine()
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Action)).scalar()
    for attempt in range(3):
        trigger = f"retry.{uuid.uuid4().hex}"
        token = f"retry{attempt}"
        url = cluster.fake.response_url(token)
        body = slash_command(f"ny Vestland: Melde inn behov for kompetanse, runde {attempt} innen 1. mars 2027",
                             user=ADMIN, response_url=url, trigger_id=trigger)
        headers = sign(SECRET, body)  # the very same signed request, twice
        targets = [(a, b), (b, c), (c, a)][attempt]
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(post, [r.url + "/slack/events" for r in targets], [body] * 2, [headers] * 2))
        assert [status for status, _ in statuses] == [200, 200]
        # The second copy carries a signature already used: acknowledged, and not run again (replay
        # protection, tests/test_security_requests.py), so one answer.
        answers = cluster.fake.wait_for(lambda fake, token=token: fake.answers_for(token))
        texts = sorted(text_of(answer.body) for answer in answers)
        assert sum("Registrert som punkt" in t for t in texts) == 1, texts
        with engine.connect() as conn:
            assert conn.execute(
                select(func.count()).select_from(Action).where(Action.origin_key == f"req:{trigger}")).scalar() == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Action)).scalar() == before + 3
    engine.dispose()


def seed_due_reminders(cluster: Cluster) -> None:
    """Actions due on the tick's Monday and subscribed channels, so that the tick has work to share."""
    engine = cluster.engine()
    created = (TICK_AT - timedelta(days=30)).replace(tzinfo=None)
    with engine.begin() as conn:
        parties = dict(conn.execute(select(Party.key, Party.id)).all())
        person = conn.execute(select(Person.id).where(Person.external_id == ADMIN)).scalar()
        conn.execute(insert(Subscription), [
            {"platform": "slack", "channel_id": channel, "channel_name": key, "party_id": parties[key],
             "created_by_id": person, "created_at": created} for key, channel in CHANNELS.items()
        ])
        for n in range(48):
            keys = [["au"], ["vestland"], ["siva"], ["vestland", "siva"]][n % 4]
            action_id = conn.execute(insert(Action).values(
                text=f"Frist i dag nummer {n}", status="open", deadline=DUE, deadline_text="", case_ref="",
                source="import", created_by_id=person, updated_by_id=person, created_at=created, updated_at=created,
            ).returning(Action.id)).scalar()
            conn.execute(insert(ActionParty), [{"action_id": action_id, "party_id": parties[k], "position": i}
                                               for i, k in enumerate(keys)])
    engine.dispose()


def expected_messages(cluster: Cluster) -> int:
    """What one tick at TICK_AT should send, derived read-only in this process (a dry run)."""
    from bot.app import App
    from bot.config import Settings
    from bot.scheduler import ReminderRunner

    app = App(Settings(database_url=cluster.db_url))
    runner = ReminderRunner(app, deliverers=lambda _p: None, platforms={"slack"})

    async def dry() -> int:
        digest = await runner.digest(TICK_AT, dry_run=True)
        sweep = await runner.sweep(TICK_AT, dry_run=True)
        return len(digest.planned) + len(sweep.planned)

    try:
        return asyncio.run(dry())
    finally:
        app.close()


def test_digest_and_sweep_on_all_replicas_at_once_send_everything_once(cluster: Cluster) -> None:
    seed_due_reminders(cluster)
    expected = expected_messages(cluster)
    assert expected >= 40  # digests (some in several parts) for four channels, and reminders to several channels
    cluster.fake.reset()

    def tick(replica: Replica) -> dict[str, Any]:
        status, body = post(f"{replica.url}/test/tick?now={quote(TICK_AT.isoformat())}", "", {}, timeout=60)
        assert status == 200, replica.log.read_text(errors="replace")[-4000:]
        return json.loads(body)

    with ThreadPoolExecutor(3) as pool:
        reports = list(pool.map(tick, cluster.replicas))
    posts = cluster.fake.of("chat.postMessage")
    assert len(posts) == expected, (len(posts), expected, reports)
    sent = Counter((str(c.params.get("channel")), json.dumps(c.params.get("blocks"), sort_keys=True)) for c in posts)
    assert max(sent.values()) == 1  # no message twice
    assert {str(c.params.get("channel")) for c in posts} == set(CHANNELS.values())
    assert sum(r["claimed"] for r in reports) == expected  # each notification claimed by exactly one replica
    engine = cluster.engine()
    with engine.connect() as conn:
        rows = conn.execute(select(Notification.status, Notification.message_id)).all()
    engine.dispose()
    assert len(rows) == expected
    assert {status for status, _ in rows} == {"sent"}
    assert len({message_id for _, message_id in rows}) == expected

    # The same tick again on every replica (the next five-minute tick, or a restarted one): nothing new.
    with ThreadPoolExecutor(3) as pool:
        again = list(pool.map(tick, cluster.replicas))
    assert sum(r["claimed"] for r in again) == 0
    assert len(cluster.fake.of("chat.postMessage")) == expected


def channel_message(cluster: Cluster) -> tuple[list[dict[str, Any]], list[int]]:
    """The blocks of a message with several actions, as the bot renders them (rendered here)."""
    from bot.app import App
    from bot.config import Settings
    from bot.slack.blocks import render
    from handlers.core.context import Actor

    app = App(Settings(database_url=cluster.db_url, admins=frozenset({f"slack:{ADMIN}"})))
    try:
        reply = app.handle("/oppfølging liste AU", Actor("slack", ADMIN, "Admin"))
    finally:
        app.close()
    return render(reply, source="liste AU")[0].blocks, [item.id for item in reply.items]


def test_a_form_opened_on_one_replica_is_submitted_on_another(cluster: Cluster) -> None:
    """Utsett on one item of a channel message opens a date modal (replica A); Slack sends the
    submission to replica B, which must still update just that item in the message."""
    from bot.slack.blocks import ButtonValue
    from bot.slack.modals import ASK_CALLBACK, ASK_FIELD

    a, b, _ = cluster.replicas
    blocks, ids = channel_message(cluster)
    assert len(ids) >= 3
    target = ids[1]
    button = next(e for block in blocks if block.get("type") == "actions" for e in block["elements"]
                  if (v := ButtonValue.decode(e.get("value"))) and v.ask == "date" and v.item == target)
    token = f"r{next(cluster.tokens)}"
    url = cluster.fake.response_url(token)
    payload = {
        "type": "block_actions", "user": {"id": ADMIN, "username": "admin", "name": "admin", "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": f"trig.{token}", "response_url": url,
        "team": {"id": "T0001", "domain": "testlag"}, "channel": {"id": "CAU", "name": "au"},
        "container": {"type": "message", "message_ts": "1790000000.000100", "channel_id": "CAU",
                      "is_ephemeral": False},
        "message": {"type": "message", "ts": "1790000000.000100", "text": "Punkter", "blocks": blocks},
        "actions": [{**button, "block_id": "b", "action_ts": "1790000000.000200"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    assert post(a.url + "/slack/events", body, sign(SECRET, body))[0] == 200
    opened = cluster.fake.wait_for(lambda fake: [c for c in fake.of("views.open")
                                                 if f"trig.{token}" == c.params.get("trigger_id")])[-1]
    view = {**opened.params["view"], **opened.result["view"], "team_id": "T0001", "state": {"values": {
        ASK_FIELD: {ASK_FIELD: {"type": "datepicker", "selected_date": "2027-09-15"}}}}}
    assert view["callback_id"] == ASK_CALLBACK
    submission = {"type": "view_submission", "team": {"id": "T0001"}, "api_app_id": "A0001", "token": "legacy",
                  "user": {"id": ADMIN, "username": "admin", "name": "admin", "team_id": "T0001"}, "view": view}
    body = urllib.parse.urlencode({"payload": json.dumps(submission, ensure_ascii=False)})
    assert post(b.url + "/slack/events", body, sign(SECRET, body))[0] == 200
    update = cluster.fake.wait_for(lambda fake: fake.answer(token)).body
    assert update.get("replace_original") is True
    shown = json.dumps(update["blocks"], ensure_ascii=False)
    assert "15. september 2027" in shown  # the changed item
    others = [i for i in ids if i != target]
    assert all(f"item-{i}-" in shown for i in others), "the other items of the message were lost"


def test_a_replica_killed_mid_traffic_does_not_stop_the_others(cluster: Cluster) -> None:
    a, b, c = cluster.replicas
    answered: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    killed = threading.Event()

    def traffic(worker: int) -> None:
        for n in range(24):
            replica = cluster.replicas[(worker + n) % 3]
            if n == 6 and worker == 0:
                os.kill(b.proc.pid, signal.SIGKILL)  # in the middle of the other workers' requests
                killed.set()
            command = "liste" if n % 3 else f"ny Siva: Kartlegge inkubatorer, arbeider {worker} nr {n} innen 1. april 2027"
            try:
                answer = cluster.slash(replica, command, wait=4.0)
            except (OSError, AssertionError):
                assert replica is b and killed.is_set(), f"{replica.name} failed while alive"
                refused[replica.name] += 1
                continue
            assert answer is not None and "response_type" in answer
            answered[replica.name] += 1

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(traffic, range(3)))
    b.proc.wait(10)
    assert b.proc.returncode == -signal.SIGKILL
    assert answered[a.name] == 24 and answered[c.name] == 24  # the survivors answered everything
    assert refused[b.name] > 0  # a load balancer would have taken it out of rotation
    for replica in (a, c):
        wait_healthy(replica)
        assert "Registrert som punkt" in text_of(cluster.slash(replica, "ny AU: Etter at en replika falt ut innen 1. mai 2027"))
