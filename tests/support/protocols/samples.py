"""Two test protocols, one per table layout, with the plan each must produce in every format.

Written for these tests (not copied from any real protocol). Each row exercises something:
multi-sentence cells, context before an action, information without an owner, several parties,
unknown groups, a county that no longer exists, week numbers, dates that roll into next year,
meeting-bound deadlines, rows without follow-up, continuation rows, an unreadable "Frist".
"""

from __future__ import annotations

from tests.support.protocols.build import Protocol

# --- layout A: "Saker | Oppfølging", national autumn meeting 2023 (year at the end, as in the
# real protocols) --------------------------------------------------------------------------------

TWO_COLUMNS = Protocol(
    before=[
        "Nasjonal samhandlingsmodell Gardermoen 19. oktober kl. 09:00 - kl. 15:30 2023",
        "Deltakere: representanter for partene.",
    ],
    table=[
        [["Saker"], ["Oppfølging"]],
        # no follow-up: no action
        [["1. Godkjenning av innkalling og saksliste."], []],
        # one action; the passive sentence after it belongs to it; week number deadline
        [
            ["2. Status for regionale samarbeidsavtaler.", "Flere fylker la fram sin status."],
            [
                "Siva og Innovasjon Norge utarbeider en felles oversikt innen uke 46. "
                "Oversikten sendes til alle fylkeskommunene."
            ],
        ],
        # context + action in one paragraph; a second paragraph that is only information
        [
            [
                "3. Kompetansesatsing.",
                "Innspill fra diskusjonen:",
                "• Behov for felles kunnskapsgrunnlag.",
                "• Ønske om flere møteplasser.",
            ],
            [
                "Det er behov for bedre koordinering av kompetansetiltak. "
                "KS og KDD lager et felles notat til vårmøtet 2024.",
                "Saken er ellers til orientering.",
            ],
        ],
        # unknown group (never guessed); Viken is valid in 2023
        [
            ["4. Fagdager for virkemiddelaktørene."],
            [
                "Arbeidsgruppa for fagdager kommer tilbake med datoforslag innen 1. desember.",
                "Viken fylkeskommune og Vestland fylkeskommune deltar i planleggingen.",
            ],
        ],
        # a date without year after the meeting rolls into next year
        [["5. Samarbeid med departementet."], ["KDD sender invitasjon til et felles møte innen 15. januar."]],
        # continuation row: empty case cell, same case
        [[], ["Forskningsrådet følger opp saken."]],
        # unnumbered case; inverted word order; deadline tied to a meeting
        [["Orienteringssaker"], ["Til høstmøtet 2024 legger AU fram en plan for arbeidet."]],
    ],
    after=["Neste møte: Vårmøte 18. april 2024 i Tromsø"],
)

TWO_COLUMNS_PLAN = {
    "meeting": {
        "title": "Nasjonal samhandlingsmodell",
        "kind": "national-autumn",
        "date": "2023-10-19",
        "start": "09:00",
        "end": "15:30",
        "place": "Gardermoen",
        "region": None,
    },
    "next_meeting": {
        "title": "Vårmøte",
        "kind": "national-spring",
        "date": "2024-04-18",
        "start": None,
        "end": None,
        "place": "Tromsø",
        "region": None,
    },
    "actions": [
        {
            "id": None,
            "text": "Siva og Innovasjon Norge utarbeider en felles oversikt innen uke 46. "
            "Oversikten sendes til alle fylkeskommunene.",
            "parties": ["siva", "innovasjon-norge"],
            "deadline": "2023-11-17",  # Friday of ISO week 46
            "deadline_text": "innen uke 46",
            "status": "open",
            "meeting": None,
            "case": "2",
        },
        {
            "id": None,
            "text": "Det er behov for bedre koordinering av kompetansetiltak. "
            "KS og KDD lager et felles notat til vårmøtet 2024.",
            "parties": ["ks", "kdd"],
            "deadline": None,  # the spring meeting 2024 is not scheduled (no lookup given)
            "deadline_text": "til vårmøtet 2024",
            "status": "open",
            "meeting": None,
            "case": "3",
        },
        {
            "id": None,
            "text": "Arbeidsgruppa for fagdager kommer tilbake med datoforslag innen 1. desember.",
            "parties": ["?Arbeidsgruppa for fagdager"],
            "deadline": "2023-12-01",
            "deadline_text": "innen 1. desember",
            "status": "open",
            "meeting": None,
            "case": "4",
        },
        {
            "id": None,
            "text": "Viken fylkeskommune og Vestland fylkeskommune deltar i planleggingen.",
            "parties": ["viken", "vestland"],
            "deadline": None,
            "deadline_text": None,
            "status": "open",
            "meeting": None,
            "case": "4",
        },
        {
            "id": None,
            "text": "KDD sender invitasjon til et felles møte innen 15. januar.",
            "parties": ["kdd"],
            "deadline": "2024-01-15",
            "deadline_text": "innen 15. januar",
            "status": "open",
            "meeting": None,
            "case": "5",
        },
        {
            "id": None,
            "text": "Forskningsrådet følger opp saken.",
            "parties": ["forskningsradet"],
            "deadline": None,
            "deadline_text": None,
            "status": "open",
            "meeting": None,
            "case": "5",
        },
        {
            "id": None,
            "text": "Til høstmøtet 2024 legger AU fram en plan for arbeidet.",
            "parties": ["au"],
            "deadline": None,
            "deadline_text": "Til høstmøtet 2024",
            "status": "open",
            "meeting": None,
            "case": None,
        },
    ],
    # warnings are asserted by content in the tests (some wording comes from other modules)
}

# --- layout B: "Sak | Beskrivelse | Videre oppfølging | Ansvarlig | Frist", a regional spring
# dialogue meeting in Nordland 2024 ---------------------------------------------------------------

WIDE = Protocol(
    before=["Protokoll", "Dialogmøte Nordland fylkeskommune, Bodø 2. april 2024 kl. 10:00–15:00"],
    table=[
        [["Sak"], ["Beskrivelse"], ["Videre oppfølging"], ["Ansvarlig"], ["Frist"]],
        [["Sak 1/24"], ["Godkjenning av referat fra forrige møte."], [], [], []],
        # no subject in the sentence: the "Ansvarlig" column owns it; "Fylkeskommunen" in a
        # regional meeting is that meeting's county
        [
            ["Sak 2/24"],
            ["Handlingsplan for næringsutvikling."],
            ["Utarbeide forslag til revidert handlingsplan."],
            ["Fylkeskommunen"],
            ["uke 20"],
        ],
        # subjects win over the column; two commitments, both with the column's deadline
        [
            ["Sak 3/24"],
            ["Mobilisering til EU-program."],
            ["Innovasjon Norge og Forskningsrådet holder et felles informasjonsmøte. Siva bidrar med et innlegg."],
            ["IN"],
            ["15.06.2024"],
        ],
        # continuation row with its own deadline, an unknown group as subject
        [
            [],
            [],
            ["Prosjektgruppa for grønn omstilling rapporterer status til styringsgruppen."],
            [],
            ["Høstmøtet"],
        ],
        [["Sak 4/24"], ["Eventuelt."], ["Det var enighet om å fortsette samarbeidet."], [], []],
        # a "Frist" the date parser cannot read: kept as text, with a warning
        [["Sak 5/24"], ["Rapportering."], ["Sekretariatet sender ut referat."], [], ["snarest"]],
        # a county that no longer existed on the meeting date: unknown, with suggestions
        [["Sak 6/24"], ["Regional omstilling."], ["Status legges fram."], ["Viken"], []],
    ],
    after=["Neste møte: 5. november 2024, Mo i Rana"],
)
WIDE_PDF_WIDTHS = [60.0, 85.0, 146.0, 95.0, 65.0]

WIDE_PLAN = {
    "meeting": {
        "title": "Dialogmøte Nordland fylkeskommune",
        "kind": "regional-spring",
        "date": "2024-04-02",
        "start": "10:00",
        "end": "15:00",
        "place": "Bodø",
        "region": "nordland",
    },
    "next_meeting": {
        "title": None,
        "kind": "regional-autumn",
        "date": "2024-11-05",
        "start": None,
        "end": None,
        "place": "Mo i Rana",
        "region": "nordland",
    },
    "actions": [
        {
            "id": None,
            "text": "Utarbeide forslag til revidert handlingsplan.",
            "parties": ["nordland"],
            "deadline": "2024-05-17",
            "deadline_text": "uke 20",
            "status": "open",
            "meeting": None,
            "case": "2/24",
        },
        {
            "id": None,
            "text": "Innovasjon Norge og Forskningsrådet holder et felles informasjonsmøte.",
            "parties": ["innovasjon-norge", "forskningsradet"],
            "deadline": "2024-06-15",
            "deadline_text": "15.06.2024",
            "status": "open",
            "meeting": None,
            "case": "3/24",
        },
        {
            "id": None,
            "text": "Siva bidrar med et innlegg.",
            "parties": ["siva"],
            "deadline": "2024-06-15",
            "deadline_text": "15.06.2024",
            "status": "open",
            "meeting": None,
            "case": "3/24",
        },
        {
            "id": None,
            "text": "Prosjektgruppa for grønn omstilling rapporterer status til styringsgruppen.",
            "parties": ["?Prosjektgruppa for grønn omstilling"],
            "deadline": None,
            "deadline_text": "Høstmøtet",
            "status": "open",
            "meeting": None,
            "case": "3/24",
        },
        {
            "id": None,
            "text": "Sekretariatet sender ut referat.",
            "parties": ["au"],  # the secretariat is AU (issue 16)
            "deadline": None,
            "deadline_text": "snarest",
            "status": "open",
            "meeting": None,
            "case": "5/24",
        },
        {
            "id": None,
            "text": "Status legges fram.",
            "parties": ["akershus", "buskerud", "ostfold"],  # Viken after 2023: its successors (issue 16)
            "deadline": None,
            "deadline_text": None,
            "status": "open",
            "meeting": None,
            "case": "6/24",
        },
    ],
    # warnings are asserted by content in the tests (their wording comes from other modules)
}
