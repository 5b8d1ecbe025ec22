"""A reply as an e-mail: both parts, in Norwegian, the buttons as commands, every text escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser

from bot.email.render import build_message, render_html, render_text, subject
from handlers.core.replies import ActionItem, Button, Reply, Section

HOSTILE = '<script>alert("x")</script> & <b>fet</b> \'sitat\''
ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "h1", "h2", "p", "ul", "li", "strong", "br", "span",
                "code", "hr"}


def item(id: int, text: str, **kw: object) -> ActionItem:
    values: dict[str, object] = {
        "parties": ("Vestland fylkeskommune",), "party_keys": ("vestland",), "deadline": date(2027, 1, 20),
        "deadline_label": "frist 20.01.2027", "status": "open", "status_label": "åpen",
    }
    values.update(kw)
    return ActionItem(id=id, text=text, **values)  # type: ignore[arg-type]


def reminder() -> Reply:
    return Reply(
        title="Påminnelse: frist i dag",
        lines=["Frist: onsdag 20. januar 2027", f"Ansvarlig: {HOSTILE}"],
        sections=[Section(title="", items=[item(12, f"Sende brev til KDD {HOSTILE}", case="2027/12 & <3>")]),
                  Section(title="", lines=["Ikke nå? `/oppfølging utsett-påminnelse 12 1 uke` setter påminnelsene på pause."])],
        buttons=[Button("Ferdig", "ferdig 12", style="primary"), Button("Utsett 1 uke", "utsett 12 27.01.2027"),
                 Button("Utsett …", "utsett 12", ask="date", ask_label="Ny frist"), Button("Vis", "vis 12")],
        private=False,
    )


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_text_part_says_what_chat_says_and_how_to_answer() -> None:
    text = render_text(reminder())
    assert text.startswith("Påminnelse: frist i dag\n=======================\n\nFrist: onsdag 20. januar 2027\n")
    assert f"#12 Sende brev til KDD {HOSTILE}" in text  # plain text is shown as typed
    assert "   Vestland fylkeskommune · frist 20.01.2027 · sak 2027/12 & <3>" in text
    assert "Ikke nå? /oppfølging utsett-påminnelse 12 1 uke setter" in text  # chat's `code` without backticks
    assert "Slik svarer du (skriv kommandoen til Oppfølging i Slack eller Teams):" in text
    assert "  - Ferdig: /oppfølging ferdig 12\n" in text
    assert "  - Utsett 1 uke: /oppfølging utsett 12 27.01.2027\n" in text
    assert "  - Utsett …: /oppfølging utsett 12 <ny frist> (f.eks. /oppfølging utsett 12 uke 35)\n" in text
    assert "  - Vis: /oppfølging vis 12\n" in text
    assert text.endswith("-- \nDenne e-posten er sendt automatisk av Oppfølging, Nasjonal samhandlingsmodell. "
                         "Svar på e-posten blir ikke lest.\n")


def test_the_html_part_escapes_everything_from_the_reply() -> None:
    html = render_html(reminder())
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt; &#x27;sitat&#x27;" in html
    assert "sak 2027/12 &amp; &lt;3&gt;" in html
    parser = Tags()
    parser.feed(html)
    assert parser.tags <= ALLOWED_TAGS  # only the template's own markup
    shown = "".join(parser.text)
    assert f"Sende brev til KDD {HOSTILE}" in shown  # what a reader sees is the text as typed
    assert "<code>/oppfølging ferdig 12</code>" in html
    assert "<code>/oppfølging utsett 12 &lt;ny frist&gt;</code> (f.eks. <code>/oppfølging utsett 12 uke 35</code>)" in html
    assert '<html lang="nb">' in html and "<title>Påminnelse: frist i dag</title>" in html


def test_overdue_items_and_lists_without_buttons() -> None:
    digest = Reply(
        title="Ukeoversikt for Vestland fylkeskommune – uke 3",
        lines=["Åpne punkter: 2."],
        sections=[Section(title="Forfalt (1)", items=[item(7, "Gammelt punkt", overdue=True, status="in_progress",
                                                             status_label="under arbeid", meeting="Høstmøtet 2026")]),
                  Section(title="Denne uken (1)", items=[item(9, "Nytt punkt")])],
    )
    text = render_text(digest)
    assert "Forfalt (1)\n-----------\n#7 Gammelt punkt\n" in text
    assert "   Vestland fylkeskommune · frist 20.01.2027 · under arbeid · Høstmøtet 2026  ⚠ forfalt" in text
    # No buttons in a digest: one line says how to close or postpone, with a real item number.
    assert ("Marker et punkt som ferdig med /oppfølging ferdig 7, eller gi det ny frist med "
            "/oppfølging utsett 7 <ny frist>") in text
    html = render_html(digest)
    assert '<strong style="color:#b00020">⚠ forfalt</strong>' in html
    assert "<code>/oppfølging utsett 7 &lt;ny frist&gt;</code>" in html
    # A message without actions (a convener reminder) gets no instructions.
    convener = Reply(title="Påminnelse til KS: send innkalling", lines=["Møtet er i morgen."])
    assert "Slik svarer du" not in render_text(convener) and "/oppfølging" not in render_text(convener)


def test_the_message_headers_and_parts() -> None:
    reply = reminder()
    reply.title = "Påminnelse: <frist>\r\nBcc: alle@example.no"  # a line break must not make a header
    when = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
    raw = build_message(reply, to="post@vestland.no", sender="Oppfølging <oppfolging@example.no>", when=when,
                        message_id="<abc.123@example.no>").as_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Subject"] == "Påminnelse: <frist> Bcc: alle@example.no" == subject(reply)
    assert message["Bcc"] is None
    assert message["To"] == "post@vestland.no" and message["From"] == "Oppfølging <oppfolging@example.no>"
    assert message["Date"] == "Wed, 20 Jan 2027 09:00:00 +0000"
    assert message["Message-ID"] == "<abc.123@example.no>"
    assert message["Auto-Submitted"] == "auto-generated" and message["Content-Language"] == "nb"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert plain.get_content() == render_text(reply).replace("\r\n", "\n")
    assert "&lt;script&gt;" in html.get_content()
    assert subject(Reply(lines=["x"])) == "Oppfølging"
