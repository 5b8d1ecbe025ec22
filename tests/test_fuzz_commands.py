"""Random command strings never raise: every input gets a reply, and refused input writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from handlers.core.context import Actor
from storage.models import Action
from tests.conftest import NOW

WORDS = [
    "/oppfølging", "/oppfolging", "ny", "new", "liste", "list", "vis", "ferdig", "utsett", "frist", "kommenter",
    "avbryt", "gjenåpne", "mine", "medlem", "hjelp", "AU", "KDD", "FK", "og", ":", "innen", "til", "uke", "35",
    "15.", "juni", "31.02.2027", "neste", "møte", "fredag", "om", "to", "uker", "12", "0", "-1", "#3", "Viken",
    "Møre-", "Romsdal", "alle", "forfalt", "side", "gruppe", "'; DROP TABLE actions; --", "<@U123>", "🎉", "\u202e",
]

commandish = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)
anything = st.text(max_size=200)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(commandish, anything, st.builds(lambda a, b: f"/oppfølging {a} {b}", commandish, anything)))
def test_every_input_gets_a_reply(sqlite_url: str, text: str) -> None:
    app = _app(sqlite_url)
    actor = Actor("slack", "UFUZZ", "Fuzz")  # not an admin: permission paths are exercised too
    reply = app.handle(text, actor, now=NOW)
    assert reply.title or reply.lines or reply.sections or reply.form
    if reply.error:
        assert "noe gikk galt" not in " ".join(reply.lines).lower(), (text, reply.lines)


_apps: dict[str, App] = {}


def _app(url: str) -> App:
    # One app per database file: hypothesis reuses the function-scoped fixture across examples.
    if url not in _apps:
        _apps[url] = App(Settings(database_url=url), clock=lambda: NOW)
    return _apps[url]


def test_refused_input_writes_nothing(sqlite_url: str) -> None:
    app = _app(sqlite_url)
    actor = Actor("slack", "UFUZZ2", "Fuzz")
    for text in ["/oppfølging ny Narnia: Noe", "/oppfølging ny AU: Noe innen 31.02.2027", "/oppfølging ferdig 77"]:
        assert app.handle(text, actor, now=NOW).error
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
