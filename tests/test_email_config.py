"""SMTP_URL and OPPFOLGING_EMAIL_FROM: the forms that work, the ones refused at start, and the
password kept out of reprs, errors and logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import delivery, logsafety
from bot.cli import main
from bot.config import Settings
from bot.email.config import EmailConfigError, from_settings, parse
from storage.models import Notification

ROOT = Path(__file__).resolve().parent.parent
FROM = "oppfolging@example.no"


@pytest.fixture(autouse=True)
def no_email_deliverer():  # type: ignore[no-untyped-def]
    """The registry is process-wide: a test that registers the e-mail deliverer takes it away again."""
    before = delivery.DELIVERERS.get("email")
    yield
    if before is None:
        delivery.DELIVERERS.pop("email", None)
    else:
        delivery.DELIVERERS["email"] = before


def test_the_three_forms() -> None:
    tls = parse("smtps://ola:hemmelig@smtp.example.no", FROM)
    assert (tls.host, tls.port, tls.implicit_tls, tls.starttls, tls.username, tls.password) == (
        "smtp.example.no", 465, True, False, "ola", "hemmelig")
    starttls = parse("smtp://ola%40example.no:p%40ss%3Aord@smtp.example.no:587", FROM)
    assert (starttls.port, starttls.implicit_tls, starttls.starttls) == (587, False, True)
    assert (starttls.username, starttls.password) == ("ola@example.no", "p@ss:ord")  # percent-decoded
    assert parse("smtp://ola:pw@smtp.example.no", FROM).port == 587
    relay = parse("smtp://127.0.0.1:2525", FROM)
    assert (relay.port, relay.implicit_tls, relay.starttls, relay.username) == (2525, False, False, None)
    assert parse("smtp://relay.example.no", FROM).port == 25
    assert parse("smtp://relay.example.no?timeout=5", FROM).timeout == 5


def test_the_sender() -> None:
    assert parse("smtp://relay", FROM).from_header == "Oppfølging <oppfolging@example.no>"
    named = parse("smtp://relay", "Sekretariatet <post@ks.no>")
    assert (named.sender, named.from_header, named.domain) == ("post@ks.no", "Sekretariatet <post@ks.no>", "ks.no")


@pytest.mark.parametrize(("url", "sender", "says"), [
    ("http://smtp.example.no", FROM, "must start with smtps://"),
    ("smtp://", FROM, "names no host"),
    ("smtps://ola@smtp.example.no", FROM, "user name without a password"),
    ("smtps://ola:@smtp.example.no", FROM, "user name without a password"),
    ("smtp://ola:topsecret@smtp.example.no:465", FROM, "port 465 is implicit TLS"),
    ("smtp://smtp.example.no/inbox", FROM, "takes no path"),
    ("smtp://smtp.example.no?tls=off", FROM, "unknown option tls"),
    ("smtp://smtp.example.no?timeout=soon", FROM, "must be a number"),
    ("smtp://smtp.example.no:99999", FROM, "not a valid URL"),
    ("smtps://ola:topsecret@smtp.example.no", None, "OPPFOLGING_EMAIL_FROM is required"),
    ("smtps://ola:topsecret@smtp.example.no", "ikke en adresse", "not an e-mail address"),
    ("smtps://ola:topsecret@smtp.example.no", "a@b.no\nBcc: x@y.no", "one line"),
])
def test_a_configuration_that_cannot_work_is_refused(url: str, sender: str | None, says: str) -> None:
    with pytest.raises(EmailConfigError, match=re.escape(says)) as caught:
        parse(url, sender)
    assert "topsecret" not in str(caught.value)


def test_from_without_url_is_half_a_configuration() -> None:
    with pytest.raises(EmailConfigError, match="SMTP_URL is not"):
        from_settings(Settings.from_env({"OPPFOLGING_EMAIL_FROM": FROM}))
    assert from_settings(Settings.from_env({})) is None


def test_the_url_is_a_secret(tmp_path: Path) -> None:
    secret_file = tmp_path / "smtp_url"
    secret_file.write_text("smtps://ola:p%40ssw0rd-fil@smtp.example.no:465\n", encoding="utf-8")
    settings = Settings.from_env({"SMTP_URL_FILE": str(secret_file), "OPPFOLGING_EMAIL_FROM": FROM})
    config = from_settings(settings)
    assert config is not None and config.password == "p@ssw0rd-fil"
    assert "ssw0rd" not in repr(settings) and "ssw0rd" not in repr(config)
    # The log filter masks the password, decoded and as written in the URL, from the variable or its file
    env = {"SMTP_URL": "smtp://ola:hemmelig%2Fpassord@smtp.example.no:587"}
    assert {"hemmelig/passord", "hemmelig%2Fpassord"} <= logsafety.secret_values(env)
    assert {"p@ssw0rd-fil", "p%40ssw0rd-fil"} <= logsafety.secret_values({"SMTP_URL_FILE": str(secret_file)})
    redactor = logsafety.RedactSecrets(logsafety.secret_values(env))
    record = logging.LogRecord("smtplib", logging.WARNING, __file__, 1, "login %s failed", ("hemmelig/passord",), None)
    redactor.filter(record)
    assert record.getMessage() == "login *** failed"


def test_the_cli_refuses_a_broken_configuration_before_it_changes_anything(sqlite_url: str, capsys,
                                                                           monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMTP_URL", "smtp://ola:topsecret@127.0.0.1:2525")
    monkeypatch.delenv("OPPFOLGING_EMAIL_FROM", raising=False)
    for argv in (["reminders", "run", "--now", "2027-01-20T09:30"], ["digest", "--now", "2027-01-18T08:00"]):
        with pytest.raises(SystemExit) as caught:
            main(["--database-url", sqlite_url, *argv])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert "OPPFOLGING_EMAIL_FROM is required" in err and "topsecret" not in err
    assert "email" not in delivery.DELIVERERS
    from storage.db import make_engine

    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Notification)) == 0
    engine.dispose()


def test_serve_refuses_a_broken_configuration_and_registers_a_good_one(sqlite_url: str) -> None:
    from aiohttp import web

    from bot.app import App
    from bot.email.deliverer import EmailDeliverer
    from bot.email.service import setup

    broken = App(Settings(database_url=sqlite_url, smtp_url="smtps://ola:topsecret@smtp.example.no"))
    with pytest.raises(SystemExit, match="OPPFOLGING_EMAIL_FROM is required") as caught:
        setup(web.Application(), broken)
    assert "topsecret" not in str(caught.value)
    broken.close()
    good = App(Settings(database_url=sqlite_url, smtp_url="smtps://ola:topsecret@smtp.example.no", email_from=FROM))
    setup(web.Application(), good)
    assert isinstance(delivery.deliverer_for("email"), EmailDeliverer)
    good.close()


def test_every_environment_variable_is_in_the_readme() -> None:
    """Each variable the code reads has a row in a README table (the configuration table, or a
    feature's own table it links to)."""
    names: set[str] = set()
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            # os.environ.get("X"), env.get("X"), e.get("X") (the environment as a dict), os.getenv("X")
            names.update(re.findall(r"""(?:\benviron|\benv|\be|else env\))\.get\(\s*"([A-Z][A-Z0-9_]{2,})\"""", source))
            names.update(re.findall(r"""(?:getenv|_env_int)\(\s*"([A-Z][A-Z0-9_]{2,})\"""", source))
            for call in re.findall(r"_secret\(e((?:,\s*\"[A-Z0-9_]+\")+)\)", source):
                names.update(re.findall(r"\"([A-Z0-9_]+)\"", call))
    assert {"SMTP_URL", "OPPFOLGING_EMAIL_FROM", "DATABASE_URL", "OPPFOLGING_SCHEDULER", "DATABASE_POOL_SIZE"} <= names
    rows = "\n".join(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                     if line.startswith("| `"))
    assert sorted(n for n in names if f"`{n}`" not in rows) == []
