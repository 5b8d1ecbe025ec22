"""Texts for dates and deadlines (`handlers/dates.py`): messages for bad input, and the words used
when a date or a meeting reference is shown to the user."""

from __future__ import annotations

_EXAMPLES = (
    "«15. juni», «15.06.2027», «fredag», «neste fredag», «om to uker», «uke 35», "
    "«ultimo mars», «innen utgangen av mai» eller «til neste møte»"
)

TEXTS: dict[str, str] = {
    # --- problems with the input -------------------------------------------------------------
    "dates.empty": f"Fristen mangler. Skriv den for eksempel slik: {_EXAMPLES}.",
    "dates.not_understood": (
        "Jeg skjønte ikke fristen «{text}». Dette forstår jeg blant annet: " + _EXAMPLES + "."
    ),
    "dates.unknown_month": (
        "«{word}» er ikke et månedsnavn jeg kjenner igjen (i «{text}»). Mente du «{suggestion}»? "
        "Skriv for eksempel «15. juni», «15. jun» eller «15.06»."
    ),
    "dates.duration_not_deadline": (
        "«{text}» er en varighet, ikke en frist. Skriv «om {text}» eller «innen {text}»."
    ),
    "dates.month_only": (
        "«{text}» sier bare hvilken måned, ikke hvilken dag. Skriv «utgangen av {month}» "
        "(siste dag i måneden), «medio {month}» (den 15.) eller en bestemt dato som «1. {month}»."
    ),
    "dates.invalid_month": "«{text}» finnes ikke: måned {month} går ikke, det er bare tolv måneder.",
    "dates.invalid_day_zero": "«{text}» finnes ikke: dagene i en måned begynner på 1.",
    "dates.invalid_day": "«{text}» finnes ikke: {month} {year} har bare {days} dager.",
    "dates.invalid_day_any_year": "«{text}» finnes ikke: {month} har aldri mer enn {days} dager.",
    "dates.not_leap_year": (
        "«{text}» finnes ikke: {year} er ikke et skuddår, så februar det året slutter den 28."
    ),
    "dates.year_out_of_range": "Årstallet {year} i «{text}» ser ikke riktig ut.",
    "dates.invalid_week": (
        "Uke {week} finnes ikke. Ukene nummereres fra 1 til 52, og noen år har også uke 53."
    ),
    "dates.no_week_53": "{year} har bare 52 uker, så uke 53 finnes ikke det året.",
    "dates.no_week_53_passed": (
        "Uke 53 i {previous} er over, og {year} har bare 52 uker. Skriv en dato eller et annet ukenummer."
    ),
    "dates.partly_understood": (
        "Jeg forstod «{understood}», men ikke «{rest}» i fristen «{text}», så jeg har ikke lagret noen frist. "
        "Skriv hele fristen på nytt, for eksempel «15. juni», «to uker før vårmøtet» eller «fredag om to uker»."
    ),
    "dates.question": "«{text}» kan bety mer enn én dato. Mente du {options}?",
    "dates.or": "eller",
    "dates.question_short": "Mente du {options}?",
    "dates.month_end_label": "{date} (utgangen av {month})",
    "dates.month_only_question": (
        "«{text}» sier bare hvilken måned, ikke hvilken dag. {question} "
        "Du kan også skrive «medio {month}» (den 15.) eller en bestemt dato."
    ),
    "dates.with_week": "{date} (uke {week})",
    "dates.season_label": "{date} ({reading})",
    "dates.season_reading.spring.0": "før sommeren",
    "dates.season_reading.spring.1": "utgangen av mai",
    "dates.season_reading.autumn.0": "før jul",
    "dates.season_reading.autumn.1": "utgangen av november",
    "dates.season_vague": (
        "«{text}» sier ikke hvilken dag fristen er – før årstiden begynner eller før den slutter? "
        "Skriv en dato, for eksempel «30. juni» eller «innen utgangen av august»."
    ),
    "dates.weekday_days_mismatch": (
        "«{text}» peker ikke på én bestemt ukedag: {days} dager er ikke et helt antall uker. "
        "Skriv for eksempel «fredag om to uker» eller «om {days} dager»."
    ),
    "dates.duration_zero": "«{text}» er ingen frist: antallet må være minst 1.",
    "dates.meeting_offset_unit": (
        "Frister før eller etter {meeting} regner jeg i dager eller uker, fordi de skal følge møtet om det "
        "flyttes. Skriv for eksempel «3 dager før» eller «to uker før» i stedet for «{text}»."
    ),
    "dates.relative_past": (
        "«{text}» blir {date} ({meeting} er {meeting_date}), og den datoen har allerede vært. "
        "Velg en senere frist."
    ),
    "dates.invalid_time": "Klokkeslettet i «{text}» finnes ikke. Skriv for eksempel «kl. 12» eller «kl. 14.30».",
    "dates.past": (
        "{date} har allerede vært (i dag er det {today}). En frist må ligge fram i tid – "
        "sjekk årstallet."
    ),
    "dates.meeting_past": "{meeting} ble holdt {date}, og det er allerede passert. Velg et senere møte.",
    "dates.meeting_year_past": "{meeting} er allerede passert. Velg et senere møte.",
    "dates.too_far": (
        "{date} ligger mer enn {years} år fram i tid. Det er nok en skrivefeil – sjekk årstallet."
    ),
    "dates.weekday_mismatch": "{date} er en {actual}, ikke en {given}.",
    "dates.week_passed": (
        "Fredag denne uka ({date}) har allerede vært. Skriv «neste uke» eller en bestemt dato."
    ),
    "dates.duration_not_understood": (
        "Jeg skjønte ikke varigheten «{text}». Skriv for eksempel «3 dager», «1 uke», «to uker», "
        "«14 dager» eller «1 måned»."
    ),
    "dates.duration_too_long": "Varigheten «{text}» er for lang; det største jeg godtar er ti år.",
    # --- words used when showing dates -----------------------------------------------------------
    "dates.month.1": "januar",
    "dates.month.2": "februar",
    "dates.month.3": "mars",
    "dates.month.4": "april",
    "dates.month.5": "mai",
    "dates.month.6": "juni",
    "dates.month.7": "juli",
    "dates.month.8": "august",
    "dates.month.9": "september",
    "dates.month.10": "oktober",
    "dates.month.11": "november",
    "dates.month.12": "desember",
    "dates.weekday.0": "mandag",
    "dates.weekday.1": "tirsdag",
    "dates.weekday.2": "onsdag",
    "dates.weekday.3": "torsdag",
    "dates.weekday.4": "fredag",
    "dates.weekday.5": "lørdag",
    "dates.weekday.6": "søndag",
    "dates.date": "{day}. {month} {year}",
    "dates.datetime": "{weekday} {day}. {month} {year} kl. {hour:02d}.{minute:02d}",
    "dates.weekday_date": "{weekday} {day}. {month} {year}",
    # --- meeting references --------------------------------------------------------------------
    "dates.meeting.next": "neste møte",
    "dates.meeting.national-spring": "vårmøtet",
    "dates.meeting.national-autumn": "høstmøtet",
    "dates.meeting.regional-spring": "det regionale vårmøtet",
    "dates.meeting.regional-autumn": "det regionale høstmøtet",
    "dates.meeting.au": "neste AU-møte",
    "dates.meeting.steering-group": "neste møte i styringsgruppen",
    "dates.meeting.other": "neste møte",
    "dates.meeting.national": "det nasjonale møtet",
    "dates.meeting.regional": "dialogmøtet",
    "dates.meeting.with_year": "{meeting} {year}",
    "dates.meeting.days_before": "{n:dag|dager} før {meeting}",
    "dates.meeting.days_after": "{n:dag|dager} etter {meeting}",
    "dates.meeting.weeks_before": "{n:uke|uker} før {meeting}",
    "dates.meeting.weeks_after": "{n:uke|uker} etter {meeting}",
    "dates.deadline.meeting_on": "{meeting} ({date})",
    "dates.deadline.meeting_unscheduled": "{meeting} (ikke berammet ennå)",
}
