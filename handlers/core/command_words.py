"""The command language in one table: which words name which command, the catalogue key of its line
in `hjelp`, whether it only reads, and the feature module that handles it.

The table is data, so finding a command, listing the help or answering a typo loads no feature: a
command's module is imported the first time one of its words is used (`handlers.core.registry`).
A one-shot `oppfolging run` therefore loads only the feature it runs; `serve` loads them all at
start (`registry.load_all`). The order of the table is the order of the lines in `hjelp`.

A feature module supplies the handler with `@command("<name>")`, `<name>` being the entry's first
word; the registry refuses a handler for a name that is not here, or from another module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str  # the Norwegian word, shown in help and suggestions
    aliases: tuple[str, ...]  # more words for the same command (English, without ø/æ/å, synonyms)
    help_key: str | None  # catalogue key of the line in `hjelp`; None keeps it out of the help
    module: str  # the feature module whose `@command(name)` handles it
    # Only shows what is stored: adapters may run it again to refresh or page a list, and anything
    # it might write is rolled back when they do.
    read_only: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_ACTIONS = "handlers.actions.commands"
_HELP = "handlers.core.help"
_IMPORTING = "handlers.importing.commands"
_MEETINGS = "handlers.meetings.commands"
_OVERVIEW = "handlers.overview.commands"
_PARTIES = "handlers.parties.commands"
_COVERAGE = "handlers.reminders.coverage"
_SNOOZES = "handlers.reminders.snoozes"
_SUBSCRIPTIONS = "handlers.reminders.subscriptions"

TABLE: tuple[Entry, ...] = (
    Entry("liste", ("list", "ls"), "help.list", _ACTIONS, read_only=True),
    Entry("mine", ("my", "mine oppgaver"), "help.mine", _ACTIONS, read_only=True),
    Entry("ny", ("new", "add", "legg til"), "help.new", _ACTIONS),
    Entry("vis", ("show", "detaljer", "info"), "help.show", _ACTIONS, read_only=True),
    Entry("ferdig", ("done", "fullfort", "fullført", "complete"), "help.done", _ACTIONS),
    Entry("gjenåpne", ("gjenapne", "reopen", "apne", "åpne"), "help.reopen", _ACTIONS),
    Entry("påbegynt", ("pabegynt", "start", "startet", "igang"), "help.start", _ACTIONS),
    Entry("avbryt", ("cancel", "kanseller"), "help.cancel", _ACTIONS),
    Entry("utsett", ("postpone", "flytt"), "help.postpone", _ACTIONS),
    Entry("frist", ("deadline",), "help.deadline", _ACTIONS),
    Entry("kommenter", ("kommentar", "comment", "notat"), "help.comment", _ACTIONS),
    Entry("endre", ("edit", "rediger"), "help.edit", _ACTIONS),
    Entry("ansvar", ("ansvarlig", "assign"), "help.assign", _ACTIONS),
    Entry("hjelp", ("help", "?", "kommandoer"), None, _HELP),
    Entry("importer", ("import",), "help.import", _IMPORTING),
    Entry("neste møte", ("neste møter", "next meeting", "nestemøte"),
          "meeting.help.next", _MEETINGS, read_only=True),
    Entry("møter", ("meetings", "kalender", "calendar", "møteplan"),
          "meeting.help.list", _MEETINGS, read_only=True),
    Entry("møte", ("meeting", "mote"), "meeting.help.manage", _MEETINGS),
    Entry("rapport", ("report", "oppfølgingsrapport"), "meeting.help.report", _MEETINGS),
    Entry("oversikt", ("overview", "dashbord", "dashboard"), "overview.help", _OVERVIEW),
    Entry("medlem", ("member", "join", "bli med"), "help.member", _PARTIES),
    Entry("forlat", ("leave", "meld ut"), "help.leave", _PARTIES),
    Entry("parter", ("parties", "grupper", "groups"), "help.parties", _PARTIES),
    Entry("gruppe ny", ("ny gruppe", "group new", "new group"), "help.group_new", _PARTIES),
    Entry("kontakter", ("kontaktliste", "contacts", "roster"), "help.contacts", _PARTIES),
    Entry("dekning", ("coverage",), "reminders.help.coverage", _COVERAGE, read_only=True),
    Entry("varsling", ("notifications",), "reminders.help.notify_via", _COVERAGE),
    Entry("minn-igjen", ("minn meg på igjen", "minn meg paa igjen", "minn-meg-igjen", "remind-again"),
          "capture.help.snooze", _SNOOZES),
    Entry("abonner", ("subscribe",), "reminders.help.subscribe", _SUBSCRIPTIONS),
    Entry("avslutt-abonnement", ("avslutt abonnement", "avabonner", "unsubscribe"),
          "reminders.help.unsubscribe", _SUBSCRIPTIONS),
    Entry("abonnementer", ("subscriptions",), "reminders.help.subscriptions", _SUBSCRIPTIONS),
    Entry("oversiktskanal", ("overview channel",), "reminders.help.overview_channel", _SUBSCRIPTIONS),
    Entry("utsett-påminnelse", ("utsett-paminnelse", "utsett påminnelse", "snooze"),
          "reminders.help.snooze", _SUBSCRIPTIONS),
)

# The modules whose `@form`s take submitted forms (Slack modals, Teams cards); loaded on the first
# submit, as the commands are on their first use.
FORM_MODULES: tuple[str, ...] = ("handlers.actions.forms", "handlers.meetings.forms")
