"""Finding the deadline inside an action text ("Sende brev til KDD innen 15. juni")."""

from __future__ import annotations

import re
from datetime import date

from handlers.core.errors import DateError
from handlers.dates.parse import parse_date
from handlers.dates.values import _NotUnderstood
from handlers.dates.vocabulary import _EDGE, _MONTHS, _NUMBER_WORDS, _UNITS, _WEEKDAYS_FULL


def split_deadline(text: str) -> tuple[str, str | None]:
    """Split an action text into (text without the deadline, deadline expression or None).

    The main case is a trailing phrase: "Sende brev til KDD innen 15. juni" ->
    ("Sende brev til KDD", "innen 15. juni"). A phrase at the very start ("Innen fredag: ringe KS")
    or introduced by innen/senest/frist/"i uke" in the middle is found too. A candidate only counts
    when it is a date or meeting expression as a whole, which is what keeps "til KDD" in the text.

    "legges fram for styringsgruppen" and similar verb phrases are returned as the expression but
    left in the text, because removing them would leave a broken sentence ("…forslag som").
    """
    words = list(re.finditer(r"\S+", text))
    count = len(words)

    def word(i: int) -> str:
        return words[i].group().lower().strip(_EDGE)

    def span(i: int, j: int) -> str:
        return text[words[i].start() : words[j - 1].end()].strip(_EDGE)

    def may_start(i: int) -> bool:
        trigger = word(i)
        if trigger in _PREPOSITIONS:
            return True
        if trigger not in _TRIGGERS and not (trigger.isdigit() and len(trigger) <= 3):
            return False
        # "brev om neste møte", "plan for slutten av mai": the phrase belongs to the word before.
        if i > 0 and word(i - 1) in _BINDING_WORDS:
            return False
        if trigger in _NEXT_WORDS:
            # "Planlegge neste møte" is work to do, "ringe KS neste fredag" is a deadline.
            return i + 1 < count and (word(i + 1) in _WEEKDAYS_FULL or word(i + 1) in ("uke", "veke", "week"))
        return True

    def dangling_start(i: int) -> int:
        """Where date words left in front of a phrase starting at `i` begin ("to uker" + "før møtet")."""
        j = i
        while j > 0 and i - j < _DANGLING_MAX and (word(j - 1) in _DATE_WORDS or word(j - 1) in _CONNECT
                                                   or _is_number(word(j - 1))):
            j -= 1
        while j < i and word(j) in _CONNECT:
            j += 1
        # The run must hold a date word: "kapittel 3 innen mai" has no leftover.
        if not any(word(k) in _DATE_WORDS for k in range(j, i)) or (j > 0 and word(j - 1) in _BINDING_WORDS):
            return i  # "rapport for uke 12 innen fredag": the week is the topic, not the deadline
        return j

    # Leftmost start first: that is the longest trailing phrase that still parses as a whole.
    for i in range(max(0, count - _SPLIT_MAX_WORDS), count):
        if not may_start(i):
            continue
        expression = span(i, count)
        if expression and _is_deadline(expression):
            start = dangling_start(i)
            if start < i and _same_day(span(start, i), expression):
                # "denne uken innen fredag": the words in front say the same thing again.
                return text[: words[start].start()].strip(_REST_EDGE), expression
            if start < i:
                # Date words in front that the phrase did not take: hand over the whole run, so
                # that parsing it either understands all of it or refuses; never the half.
                return text[: words[start].start()].strip(_REST_EDGE), span(start, count)
            if word(i) in _KEEP_IN_TEXT or (word(i) == "i" and i + 1 < count and word(i + 1) in _MONTHS):
                # "Arrangere fagdag i mai": the month may belong to the task as well as to the deadline.
                return text.strip(), expression
            return text[: words[i].start()].strip(_REST_EDGE), expression

    for i in range(count):
        trigger = word(i)
        inside = trigger in _STRONG_TRIGGERS or (
            trigger == "i" and i + 1 < count and word(i + 1) in ("uke", "veke")
        )
        leading = i == 0 and trigger in _LEADING_TRIGGERS
        if not (inside or leading):
            continue
        for j in range(min(count - 1, i + _SPLIT_MAX_WORDS), i, -1):
            expression = span(i, j)
            if expression and _is_deadline(expression):
                start = dangling_start(i)
                end = j
                if end < count and word(end) in _RELATIVE_WORDS:
                    # "innen en uke etter møtet": counted from something else; the whole rest decides.
                    end = min(count, end + _DANGLING_MAX)
                while end < count and end - j < _DANGLING_MAX and (
                    word(end) in _DATE_WORDS or (word(end) == "om" and end + 1 < count and _is_number(word(end + 1)))
                    or (word(end) in _ALTERNATIVE_WORDS and end + 1 < count
                        and (_is_number(word(end + 1)) or word(end + 1) in _DATE_WORDS))
                    or (end > j and (_is_number(word(end)) or word(end) in _CONNECT))
                ):
                    end += 1
                while end > j and (word(end - 1) in _CONNECT or word(end - 1) == "om"):
                    end -= 1
                before = text[: words[start].start()].rstrip(_REST_EDGE)
                after = text[words[end].start() :].lstrip(_REST_EDGE) if end < count else ""
                return f"{before} {after}".strip(), span(start, end)
    return text.strip(), None


def _same_day(first: str, second: str) -> bool:
    try:
        a = parse_date(first, _SPLIT_TODAY, allow_past=True)
        b = parse_date(second, _SPLIT_TODAY, allow_past=True)
    except DateError:
        return False
    return a.meeting is None and b.meeting is None and a.date == b.date


def _is_number(w: str) -> bool:
    return w.isdigit() or w in _NUMBER_WORDS


# --- finding a deadline inside an action text ------------------------------------------------------

# Words that can open a deadline phrase; a phrase only counts if it parses as a whole.
_PREPOSITIONS = frozenset(
    {"innen", "innan", "før", "til", "senest", "seinast", "seinest", "frist", "fristen", "by", "om", "i",
     "på", "ved", "before", "until", "within", "in"}
)  # fmt: skip
_NEXT_WORDS = frozenset({"neste", "kommende", "førstkommende", "next"})
_KEEP_IN_TEXT = frozenset(
    {"legges", "legge", "leggast", "tas", "takast", "behandles", "handsamast", "presenteres", "rapporteres",
     "drøftes", "diskuteres"}
)  # fmt: skip
_TRIGGERS = frozenset(
    {*_PREPOSITIONS, *_NEXT_WORDS, *_KEEP_IN_TEXT, *_WEEKDAYS_FULL, "uke", "veke", "ultimo", "medio",
     "primo", "utgangen", "slutten", "midten", "begynnelsen", "første", "fyrste", "siste", "dagen",
     *(w for w in _NUMBER_WORDS if len(w) > 1 and w not in ("an", "et", "ett", "one"))}
)  # fmt: skip
# Prepositions after which a date or meeting is the topic of the action, not its deadline.
_BINDING_WORDS = frozenset(
    {"om", "fra", "av", "for", "med", "etter", "mellom", "angående", "ang", "vedrørende", "rundt", "siden",
     "about", "from", "of", "after"}
)  # fmt: skip
# Words that may introduce a deadline in the middle of a sentence, not only at its end.
_STRONG_TRIGGERS = frozenset({"innen", "innan", "senest", "seinast", "seinest", "frist", "fristen"})
# At the very start of a text ("Innen fredag: ringe KS") these are clearly about time.
_LEADING_TRIGGERS = _STRONG_TRIGGERS | {"før", "til", "by", "ultimo", "medio", "primo", "before", "until"}
_REST_EDGE = " \t\n,;:-–—("
# Words that only make sense as part of a date; left in front of (or after) a deadline phrase they
# mean the phrase was only partly understood. Numbers and connectors may sit inside such a run.
_DATE_WORDS = frozenset(
    {*_WEEKDAYS_FULL, *(u for u in _UNITS if u not in ("år", "a")), *(m for m in _MONTHS if len(m) > 3),
     "dagen", "dagane", "dagene", "døgnet", "uka", "uken", "veka", "virkedag", "virkedager", "virkedagar",
     "arbeidsdag", "arbeidsdager", "arbeidsdagar", "yrkedagar", "utgangen", "slutten", "midten", "begynnelsen",
     "starten", "løpet", "ultimo", "medio", "primo", "første", "fyrste", "siste", "kvartal", "halvår",
     "kommende", "førstkommende", "neste", "tid"}
)  # fmt: skip
_CONNECT = frozenset({"av", "i", "om", "etter", "før", "innen", "innan", "og", "på", "eller", "elle"})
# After a deadline phrase these make it relative to something else or one of two: "innen en uke
# etter møtet", "i uke 12 eller 13". The phrase alone would be silently wrong.
_RELATIVE_WORDS = frozenset({"etter", "før", "after", "before", "forut"})
_ALTERNATIVE_WORDS = frozenset({"eller", "elle", "or", "til", "og", "-", "–"})
_DANGLING_MAX = 5
_SPLIT_MAX_WORDS = 10
# Any fixed day will do: `split_deadline` only asks whether a phrase is a date expression at all.
_SPLIT_TODAY = date(2000, 1, 3)


def _is_deadline(expression: str) -> bool:
    try:
        parse_date(expression, _SPLIT_TODAY, allow_past=True)
    except _NotUnderstood:
        return False
    except DateError:
        return True  # a deadline with a mistake in it: the caller's parse_date will say what
    return True
