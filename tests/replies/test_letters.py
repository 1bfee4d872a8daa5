"""Reading reply letters: every field of the sample and of nine other shapes, the forms a letter
prints its parts in, and texts that are no letter (each names all of its problems).

Pure: no database and no app are used (the suite's autouse fixtures still make one). Expected
values are written out; only the answer's blocks of the long letters are derived, by a small
oracle of the test's own, from what the letter was written with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from datetime import date
from typing import Any

import pytest

from app.replies.letters import (
    PROBLEM_MESSAGES,
    Asker,
    Block,
    BulletList,
    Letterhead,
    LetterUnreadable,
    ListItem,
    NumberedList,
    Paragraph,
    ParsedLetter,
    Participant,
    Problem,
    SessionKind,
    SessionPhrase,
    Signatory,
    Span,
    parse,
)
from tests.replies.letters import (
    DUAL,
    INTERIM,
    MONTH_NAMES,
    PAGE_BREAK,
    SAMPLE,
    SAMPLE_PATH,
    SEVERAL_RECIPIENTS,
    SHAPES,
    THREE_SIGNERS,
    WRITTEN,
    Bullets,
    Letter,
    Numbered,
    Para,
    Session,
    Signer,
    text,
)

#: Every field a test must state; raw_text and page_count are checked on their own.
FIELDS = {f.name for f in dataclasses.fields(ParsedLetter)} - {"raw_text", "page_count"}

KRANJ = Letterhead(
    municipality="MESTNA OBČINA KRANJ",
    unit="Kabinet župana",
    address="Slovenski trg 1, 4000 Kranj",
    phone="04 237 31 47",
    fax="04 237 31 06",
    email="mokj@kranj.si",
    website="www.kranj.si",
)
COUNCIL = "SVET MESTNE OBČINE KRANJ"
BODY = "Sveta Mestne občine Kranj"
TRILAR = Signatory(1, "Boštjan Trilar", "župan Mestne občine Kranj")
TO_COUNCIL = ("Svet Mestne občine Kranj",)


# --- an oracle for the answer's blocks: from what the letter was written with ------------------


def _spans(source: str) -> tuple[Span, ...]:
    """``**`` toggles bold; a page break inside a paragraph reads as the space it stands for."""
    pieces = source.replace(PAGE_BREAK, " ").split("**")
    return tuple(Span(piece, bold=n % 2 == 1) for n, piece in enumerate(pieces) if piece)


def expected_blocks(letter: Letter) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for block in letter.body:
        if isinstance(block, Para):
            blocks.append(Paragraph(_spans(block.text)))
        elif isinstance(block, Bullets):
            blocks.append(BulletList(tuple(ListItem(_spans(item)) for item in block.items)))
        else:
            blocks.append(NumberedList(tuple(ListItem(_spans(item)) for item in block.items)))
    return tuple(blocks)


def _inline_html(spans: tuple[Span, ...]) -> str:
    return "".join(
        f"<strong>{html.escape(s.text)}</strong>" if s.bold else html.escape(s.text) for s in spans
    )


def expected_html(letter: Letter) -> str:
    out = []
    for block in expected_blocks(letter):
        if isinstance(block, Paragraph):
            out.append(f"<p>{_inline_html(block.spans)}</p>")
        else:
            tag = "ul" if isinstance(block, BulletList) else "ol"
            lis = "".join(f"<li>{_inline_html(item.spans)}</li>" for item in block.items)
            out.append(f"<{tag}>{lis}</{tag}>")
    return "\n".join(out)


def expected_text(letter: Letter) -> str:
    out = []
    for block in expected_blocks(letter):
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, BulletList):
            out.append("\n".join(f"- {item.text}" for item in block.items))
        else:
            out.append("\n".join(f"{n}. {item.text}" for n, item in enumerate(block.items, 1)))
    return "\n\n".join(out)


def answer(letter: Letter) -> dict[str, Any]:
    return {
        "body_blocks": expected_blocks(letter),
        "body_html": expected_html(letter),
        "body_text": expected_text(letter),
    }


# --- every field of every shape ------------------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "sample": {
        "reference_number": "032-11/2016-2-(52/17)",
        "classification": "032",
        "case_seq": 11,
        "case_year": 2016,
        "document_seq": 2,
        "reference_suffix": "52/17",
        "letter_date": date(2016, 5, 19),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava",
        "question_kind": "question",
        "restatement": (
            "Na 16. seji Sveta Mestne občine Kranj, 20.4.2016, je svetnik Janez Černe "
            "izpostavil, da so bila na njegov predlog v proračun uvrščena sredstva za "
            "e-demokracijo in e-upravljanje. Zanimalo ga je, ali je bila ustanovljena projektna "
            "skupina in če in kako poteka njeno delo."
        ),
        "session": SessionPhrase(
            text="Na 16. seji Sveta Mestne občine Kranj, 20.4.2016",
            number=16,
            kind=SessionKind.REGULAR,
            held_on=date(2016, 4, 20),
            body=BODY,
        ),
        "received_on": None,
        "askers": (Asker("Janez Černe", "m"),),
        "group": None,
        "answering_units": ("Kabinet župana", "Pisarna za podjetja"),
        **answer(SAMPLE),
        "prepared_by": (Participant("Ana Vizovišek", "Pisarna za podjetja"),),
        "signatories": (
            Signatory(1, "Janez Rakar", "vodja Kabineta župana", ("r.p. 2011",)),
            Signatory(2, "Boštjan Trilar", "župan Mestne občine Kranj"),
        ),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
    "extraordinary_initiative": {
        "reference_number": "3505-4/2019-3",
        "classification": "3505",
        "case_seq": 4,
        "case_year": 2019,
        "document_seq": 3,
        "reference_suffix": None,
        "letter_date": date(2019, 4, 12),
        "place": "Kranj",
        "letterhead": Letterhead(
            municipality="MESTNA OBČINA KRANJ",
            unit="Urad za okolje in prostor",
            address="Slovenski trg 1, 4000 Kranj",
            phone="04 237 31 00",
            email="uop@kranj.si",
        ),
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško pobudo – ureditev pločnika na Cesti Staneta Žagarja",
        "question_kind": "initiative",
        "restatement": (
            "Na 3. izredni seji Sveta Mestne občine Kranj, 12. 3. 2019, je svetnica Nataša Majcen "
            "podala pobudo, da občina ob Cesti Staneta Žagarja uredi pločnik in osvetli prehod "
            "za pešce."
        ),
        "session": SessionPhrase(
            text="Na 3. izredni seji Sveta Mestne občine Kranj, 12. 3. 2019",
            number=3,
            kind=SessionKind.EXTRAORDINARY,
            held_on=date(2019, 3, 12),
            body=BODY,
        ),
        "received_on": None,
        "askers": (Asker("Nataša Majcen", "f"),),
        "group": None,
        "answering_units": ("Urada za okolje in prostor",),
        "body_blocks": (
            Paragraph((Span("Pobudo smo preučili. Ureditev bo potekala v dveh fazah:"),)),
            NumberedList(
                (
                    ListItem(
                        (
                            Span(
                                "projektiranje pločnika v letu 2019 (izdelava projekta za izvedbo);"
                            ),
                        )
                    ),
                    ListItem(
                        (
                            Span("gradnja in "),
                            Span("javna razsvetljava prehoda", bold=True),
                            Span(" v letu 2020."),
                        )
                    ),
                )
            ),
            Paragraph((Span("Sredstva so zagotovljena v proračunu za leto 2020."),)),
        ),
        "body_html": (
            "<p>Pobudo smo preučili. Ureditev bo potekala v dveh fazah:</p>\n"
            "<ol><li>projektiranje pločnika v letu 2019 (izdelava projekta za izvedbo);</li>"
            "<li>gradnja in <strong>javna razsvetljava prehoda</strong> v letu 2020.</li></ol>\n"
            "<p>Sredstva so zagotovljena v proračunu za leto 2020.</p>"
        ),
        "body_text": (
            "Pobudo smo preučili. Ureditev bo potekala v dveh fazah:\n\n"
            "1. projektiranje pločnika v letu 2019 (izdelava projekta za izvedbo);\n"
            "2. gradnja in javna razsvetljava prehoda v letu 2020.\n\n"
            "Sredstva so zagotovljena v proračunu za leto 2020."
        ),
        "prepared_by": (Participant("Marko Zupan", None),),
        "signatories": (Signatory(1, "mag. Nina Kos", "vodja Urada za okolje in prostor"),),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
    "correspondence": {
        "reference_number": "322-7/2020-2-(41/05)",
        "classification": "322",
        "case_seq": 7,
        "case_year": 2020,
        "document_seq": 2,
        "reference_suffix": "41/05",
        "letter_date": date(2020, 5, 25),
        "place": "Kranj",
        "letterhead": Letterhead(
            municipality="MESTNA OBČINA KRANJ",
            unit="Urad za gospodarske dejavnosti in turizem",
            address="Slovenski trg 1, 4000 Kranj",
            phone="04 237 31 20",
            email="ugdt@kranj.si",
        ),
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško vprašanje – pomoč gostincem",
        "question_kind": "question",
        "restatement": (
            "Na 2. dopisni seji Sveta Mestne občine Kranj dne 7. 5. 2020, je svetnik Igor Velov "
            "postavil vprašanje, kako bo občina pomagala gostincem po zaprtju lokalov."
        ),
        "session": SessionPhrase(
            text="Na 2. dopisni seji Sveta Mestne občine Kranj dne 7. 5. 2020",
            number=2,
            kind=SessionKind.CORRESPONDENCE,
            held_on=date(2020, 5, 7),
            body=BODY,
        ),
        "received_on": None,
        "askers": (Asker("Igor Velov", "m"),),
        "group": None,
        "answering_units": ("Urada za gospodarske dejavnosti in turizem", "Pisarna za podjetja"),
        "body_blocks": (
            Paragraph(
                (
                    Span("Občina je gostincem, ki imajo v najemu občinske prostore, "),
                    Span("odpustila najemnino za čas zaprtja lokalov", bold=True),
                    Span(" in podaljšala rok za plačilo komunalnih prispevkov."),
                )
            ),
            BulletList(
                (
                    ListItem(
                        (
                            Span(
                                "brezplačna uporaba javnih površin za gostinske vrtove do konca "
                                "leta 2020;"
                            ),
                        )
                    ),
                    ListItem(
                        (Span("svetovanje Pisarne za podjetja pri prijavah na državne razpise."),)
                    ),
                )
            ),
        ),
        "body_html": (
            "<p>Občina je gostincem, ki imajo v najemu občinske prostore, <strong>odpustila "
            "najemnino za čas zaprtja lokalov</strong> in podaljšala rok za plačilo komunalnih "
            "prispevkov.</p>\n"
            "<ul><li>brezplačna uporaba javnih površin za gostinske vrtove do konca leta 2020;"
            "</li><li>svetovanje Pisarne za podjetja pri prijavah na državne razpise.</li></ul>"
        ),
        "body_text": (
            "Občina je gostincem, ki imajo v najemu občinske prostore, odpustila najemnino za čas "
            "zaprtja lokalov in podaljšala rok za plačilo komunalnih prispevkov.\n\n"
            "- brezplačna uporaba javnih površin za gostinske vrtove do konca leta 2020;\n"
            "- svetovanje Pisarne za podjetja pri prijavah na državne razpise."
        ),
        "prepared_by": (Participant("Tina Šmid", "Pisarna za podjetja"),),
        "signatories": (
            Signatory(1, "Matej Žibert", "vodja Urada za gospodarske dejavnosti in turizem"),
            Signatory(2, "Matjaž Rakovec", "župan Mestne občine Kranj"),
        ),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
    "dual": {
        "reference_number": "450-12/2021-4",
        "classification": "450",
        "case_seq": 12,
        "case_year": 2021,
        "document_seq": 4,
        "reference_suffix": None,
        "letter_date": date(2021, 11, 3),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško vprašanje – sredstva za šport",
        "question_kind": "question",
        "restatement": (
            "Na 21. seji Sveta Mestne občine Kranj, 13.10.2021, sta svetnika Janez Černe in Ana "
            "Kovač postavila vprašanje, koliko sredstev bo občina namenila športnim društvom v "
            "letu 2022."
        ),
        "session": SessionPhrase(
            text="Na 21. seji Sveta Mestne občine Kranj, 13.10.2021",
            number=21,
            kind=SessionKind.REGULAR,
            held_on=date(2021, 10, 13),
            body=BODY,
        ),
        "received_on": None,
        # The masculine dual names a pair of men or a mixed pair: it tells no one's gender.
        "askers": (Asker("Janez Černe", None), Asker("Ana Kovač", None)),
        "group": None,
        "answering_units": ("Kabineta župana", "Urada za finance"),
        **answer(DUAL),
        "prepared_by": (Participant("Maja Bizjak", "Urad za finance"),),
        "signatories": (TRILAR,),
        "distribution": ("Svet Mestne občine Kranj", "Urad za finance"),
        "copies_to": (),
    },
    "group": {
        "reference_number": "371-2/2022-5",
        "classification": "371",
        "case_seq": 2,
        "case_year": 2022,
        "document_seq": 5,
        "reference_suffix": None,
        "letter_date": date(2022, 3, 14),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na pobudo svetniške skupine – parkiranje ob Savi",
        "question_kind": "initiative",
        "restatement": (
            "Na 28. seji Sveta Mestne občine Kranj, 23.2.2022, je svetniška skupina Lista za "
            "Kranj podala pobudo, da občina uredi parkirišče ob Savi."
        ),
        "session": SessionPhrase(
            text="Na 28. seji Sveta Mestne občine Kranj, 23.2.2022",
            number=28,
            kind=SessionKind.REGULAR,
            held_on=date(2022, 2, 23),
            body=BODY,
        ),
        "received_on": None,
        "askers": (),
        "group": "Lista za Kranj",
        "answering_units": ("Kabinet župana",),
        "body_blocks": (
            Paragraph((Span("Občina bo parkirišče uredila v dveh korakih:"),)),
            BulletList(
                (
                    ListItem((Span("odkup zemljišča v letu 2022;"),)),
                    ListItem((Span("ureditev parkirišča v letu 2023."),)),
                )
            ),
        ),
        "body_html": (
            "<p>Občina bo parkirišče uredila v dveh korakih:</p>\n"
            "<ul><li>odkup zemljišča v letu 2022;</li><li>ureditev parkirišča v letu 2023.</li>"
            "</ul>"
        ),
        "body_text": (
            "Občina bo parkirišče uredila v dveh korakih:\n\n"
            "- odkup zemljišča v letu 2022;\n- ureditev parkirišča v letu 2023."
        ),
        "prepared_by": (),
        "signatories": (TRILAR,),
        "distribution": ("Svet Mestne občine Kranj", "Svetniška skupina Lista za Kranj"),
        "copies_to": (),
    },
    "written": {
        "reference_number": "032-5/2020-2",
        "classification": "032",
        "case_seq": 5,
        "case_year": 2020,
        "document_seq": 2,
        "reference_suffix": None,
        "letter_date": date(2020, 3, 2),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na pisno svetniško vprašanje – zimska služba",
        "question_kind": "question",
        "restatement": (
            "Svetnik Igor Velov je dne 3. 2. 2020 v pisni obliki postavil vprašanje, zakaj "
            "pločniki v Stražišču po sneženju niso bili očiščeni."
        ),
        "session": None,
        "received_on": date(2020, 2, 3),
        "askers": (Asker("Igor Velov", "m"),),
        "group": None,
        "answering_units": ("Kabinet župana", "Komunala Kranj"),
        **answer(WRITTEN),
        "prepared_by": (Participant("Ana Vizovišek", "Kabinet župana"),),
        "signatories": (Signatory(1, "Janez Rakar", "vodja Kabineta župana"),),
        "distribution": ("Svet Mestne občine Kranj", "Igor Velov, svetnik"),
        "copies_to": (),
    },
    "three_signers": {
        "reference_number": "410-33/2019-6-(52/04)",
        "classification": "410",
        "case_seq": 33,
        "case_year": 2019,
        "document_seq": 6,
        "reference_suffix": "52/04",
        "letter_date": date(2019, 12, 20),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško vprašanje – gradnja športne dvorane",
        "question_kind": "question",
        "restatement": (
            "Na 9. seji Sveta Mestne občine Kranj, 27. 11. 2019, so svetniki Janez Černe, Marko "
            "Novak in Ana Kovač postavili vprašanje, kdaj se bo začela gradnja športne dvorane na "
            "Planini."
        ),
        "session": SessionPhrase(
            text="Na 9. seji Sveta Mestne občine Kranj, 27. 11. 2019",
            number=9,
            kind=SessionKind.REGULAR,
            held_on=date(2019, 11, 27),
            body=BODY,
        ),
        "received_on": None,
        "askers": (
            Asker("Janez Černe", None),
            Asker("Marko Novak", None),
            Asker("Ana Kovač", None),
        ),
        "group": None,
        "answering_units": ("Kabinet župana", "Urad za investicije"),
        **answer(THREE_SIGNERS),
        "prepared_by": (Participant("Petra Hribar", "Urad za investicije"),),
        "signatories": (
            Signatory(1, "Mojca Lah", "višja svetovalka za investicije", ("po pooblastilu",)),
            Signatory(2, "Janez Rakar", "direktor občinske uprave", ("Po pooblastilu župana",)),
            Signatory(3, "Boštjan Trilar", "župan Mestne občine Kranj"),
        ),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
    "several_recipients": {
        "reference_number": "354-18/2023-3",
        "classification": "354",
        "case_seq": 18,
        "case_year": 2023,
        "document_seq": 3,
        "reference_suffix": None,
        "letter_date": date(2023, 6, 9),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": "Janez Černe, svetnik Sveta Mestne občine Kranj",
        "addressee_is_council": False,
        "subject": "Odgovor na svetniško vprašanje – vodovod v Mavčičah",
        "question_kind": "question",
        "restatement": (
            "Na 14. seji Sveta Mestne občine Kranj, 17.5.2023, je svetnik Janez Černe postavil "
            "vprašanje, kdaj bo obnovljen vodovod v Mavčičah."
        ),
        "session": SessionPhrase(
            text="Na 14. seji Sveta Mestne občine Kranj, 17.5.2023",
            number=14,
            kind=SessionKind.REGULAR,
            held_on=date(2023, 5, 17),
            body=BODY,
        ),
        "received_on": None,
        "askers": (Asker("Janez Černe", "m"),),
        "group": None,
        "answering_units": ("Kabinet župana", "Komunala Kranj"),
        **answer(SEVERAL_RECIPIENTS),
        "prepared_by": (Participant("Ana Vizovišek", "Kabinet župana"),),
        "signatories": (Signatory(1, "Matjaž Rakovec", "župan Mestne občine Kranj"),),
        "distribution": (
            "Janez Černe, svetnik",
            "Svet Mestne občine Kranj",
            "Komunala Kranj, d.o.o.",
        ),
        "copies_to": ("arhiv",),
    },
    "interim": {
        "reference_number": "354-2/2024-2",
        "classification": "354",
        "case_seq": 2,
        "case_year": 2024,
        "document_seq": 2,
        "reference_suffix": None,
        "letter_date": date(2024, 2, 5),
        "place": "Kranj",
        "letterhead": Letterhead(
            municipality="MESTNA OBČINA KRANJ",
            unit="Mestna uprava, Oddelek za okolje",
            address="Slovenski trg 1, 4000 Kranj",
            email="okolje@kranj.si",
        ),
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": (
            "Vmesni odgovor na svetniško pobudo – zbiralnice odpadkov v krajevni skupnosti "
            "Zlato polje"
        ),
        "question_kind": "initiative",
        "restatement": (
            "Na 7. seji Sveta Mestne občine Kranj, 17.1.2024, sta svetnici Nataša Majcen in Ana "
            "Kovač podali pobudo, da občina postavi podzemne zbiralnice odpadkov v Zlatem polju."
        ),
        "session": SessionPhrase(
            text="Na 7. seji Sveta Mestne občine Kranj, 17.1.2024",
            number=7,
            kind=SessionKind.REGULAR,
            held_on=date(2024, 1, 17),
            body=BODY,
        ),
        "received_on": None,
        # The feminine dual "svetnici" names two women.
        "askers": (Asker("Nataša Majcen", "f"), Asker("Ana Kovač", "f")),
        "group": None,
        "answering_units": ("Oddelka za okolje",),
        **answer(INTERIM),
        "prepared_by": (
            Participant("Nina Kos", "Oddelek za okolje"),
            Participant("Marko Zupan", "Komunala Kranj"),
        ),
        "signatories": (Signatory(1, "Nina Kos", "vodja Oddelka za okolje"),),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
    "month_names": {
        "reference_number": "032-9/2016-2",
        "classification": "032",
        "case_seq": 9,
        "case_year": 2016,
        "document_seq": 2,
        "reference_suffix": None,
        "letter_date": date(2016, 5, 19),
        "place": "Kranj",
        "letterhead": KRANJ,
        "addressee": COUNCIL,
        "addressee_is_council": True,
        "subject": "Odgovor na svetniško vprašanje – kolesarske poti",
        "question_kind": "question",
        "restatement": (
            "Na 15. seji Sveta Mestne občine Kranj, 23. marca 2016, je svetnik Janez Černe "
            "postavil vprašanje, kdaj bo zgrajena kolesarska pot do Naklega."
        ),
        "session": SessionPhrase(
            text="Na 15. seji Sveta Mestne občine Kranj, 23. marca 2016",
            number=15,
            kind=SessionKind.REGULAR,
            held_on=date(2016, 3, 23),
            body=BODY,
        ),
        "received_on": None,
        "askers": (Asker("Janez Černe", "m"),),
        "group": None,
        "answering_units": ("Kabinet župana",),
        "body_blocks": (
            Paragraph(
                (
                    Span("Kolesarska pot do Naklega bo zgrajena do "),
                    Span("konca leta 2017", bold=True),
                    Span("."),
                )
            ),
        ),
        "body_html": (
            "<p>Kolesarska pot do Naklega bo zgrajena do <strong>konca leta 2017</strong>.</p>"
        ),
        "body_text": "Kolesarska pot do Naklega bo zgrajena do konca leta 2017.",
        "prepared_by": (),
        "signatories": (TRILAR,),
        "distribution": TO_COUNCIL,
        "copies_to": (),
    },
}


def assert_fields(letter: ParsedLetter, expected: dict[str, Any]) -> None:
    """Every field as expected; the expectation must name every field (none left unchecked)."""
    assert set(expected) == FIELDS
    actual = {name: getattr(letter, name) for name in FIELDS}
    assert actual == expected


def test_every_shape_has_its_expectation() -> None:
    assert set(EXPECTED) == set(SHAPES)
    assert len(SHAPES) >= 8


def test_the_sample_letter_every_field() -> None:
    raw = SAMPLE_PATH.read_text(encoding="utf-8")
    letter = parse(raw, page_count=2)
    assert_fields(letter, EXPECTED["sample"])
    assert letter.raw_text is raw
    assert letter.page_count == 2
    assert letter.case_number == "032-11/2016"
    assert not letter.is_interim


def test_the_sample_as_the_brief_describes_it() -> None:
    """The parts the sample is known for, spelled out one by one."""
    letter = parse(SAMPLE_PATH.read_text(encoding="utf-8"))
    assert letter.reference_number == "032-11/2016-2-(52/17)"
    assert letter.letter_date == date(2016, 5, 19)
    assert letter.session is not None
    assert (letter.session.number, letter.session.kind) == (16, SessionKind.REGULAR)
    assert letter.session.held_on == date(2016, 4, 20)
    assert letter.askers == (Asker("Janez Černe", "m"),)
    assert letter.answering_units == ("Kabinet župana", "Pisarna za podjetja")
    bold = [
        s.text for b in letter.body_blocks if isinstance(b, Paragraph) for s in b.spans if s.bold
    ]
    assert bold == ["Smart Kranj (pametna skupnost)"]
    lists = [b for b in letter.body_blocks if isinstance(b, BulletList)]
    assert [len(b.items) for b in lists] == [3]
    assert lists[0].items[1].text == (
        "e-mobilnost (transport) – npr. enotna aplikacija (kartica) za mobilne naprave;"
    )
    # The paragraph the page break cut ("Še pred" / "tem je župan") is one again.
    assert any(
        "Še pred tem je župan" in b.text for b in letter.body_blocks if isinstance(b, Paragraph)
    )
    assert "<strong>Smart Kranj (pametna skupnost)</strong>" in letter.body_html
    assert letter.prepared_by == (Participant("Ana Vizovišek", "Pisarna za podjetja"),)
    assert letter.signatories[0].extra_lines == ("r.p. 2011",)
    assert [s.function for s in letter.signatories] == [
        "vodja Kabineta župana",
        "župan Mestne občine Kranj",
    ]
    assert letter.distribution == ("Svet Mestne občine Kranj",)


def test_the_builder_prints_the_sample_as_the_file_reads() -> None:
    from_file = parse(SAMPLE_PATH.read_text(encoding="utf-8"))
    built = parse(text(SAMPLE))
    assert dataclasses.replace(built, raw_text="") == dataclasses.replace(from_file, raw_text="")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_field_of_each_shape(shape: str) -> None:
    printed = text(SHAPES[shape])
    letter = parse(printed)
    assert_fields(letter, EXPECTED[shape])
    assert letter.raw_text is printed
    assert letter.page_count is None
    assert letter.case_number == (
        f"{EXPECTED[shape]['classification']}-{EXPECTED[shape]['case_seq']}"
        f"/{EXPECTED[shape]['case_year']}"
    )


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_only_the_interim_reply_is_interim(shape: str) -> None:
    assert parse(text(SHAPES[shape])).is_interim is (shape == "interim")


def test_the_long_letter_has_every_paragraph() -> None:
    letter = parse(text(THREE_SIGNERS))
    assert [b.text[:7] for b in letter.body_blocks if isinstance(b, Paragraph)] == [
        f"Faza {n}:" for n in range(1, 10)
    ]


# --- the forms a letter prints its parts in ---------------------------------------------------

#: A short letter whose restatement wraps as a PDF's lines do (no line longer than ~85
#: characters): where a line is full, the page broke it, not the writer.
WRAPPED = dataclasses.replace(
    MONTH_NAMES,
    restatement=(
        "Na 15. seji Sveta Mestne občine Kranj, 23. marca 2016, je svetnik Janez Černe\n"
        "postavil vprašanje, kdaj bo zgrajena kolesarska pot do Naklega."
    ),
)


@pytest.mark.parametrize(
    ("date_line", "expected", "place"),
    [
        ("Datum: 19.5.2016", date(2016, 5, 19), "Kranj"),
        ("Datum: 19. 5. 2016", date(2016, 5, 19), "Kranj"),
        ("Datum: 19.05.2016", date(2016, 5, 19), "Kranj"),
        ("Datum: 19. maj 2016", date(2016, 5, 19), "Kranj"),
        ("Datum: 19. maja 2016", date(2016, 5, 19), "Kranj"),
        ("Datum: 1. januarja 2020", date(2020, 1, 1), "Kranj"),
        ("Datum: 3. marca 2021", date(2021, 3, 3), "Kranj"),
        ("Datum: 29. februarja 2024", date(2024, 2, 29), "Kranj"),
        ("Datum: 24. decembra 2019", date(2019, 12, 24), "Kranj"),
        ("Kranj, 19.5.2016", date(2016, 5, 19), "Kranj"),
        ("Kranj, dne 19. 5. 2016", date(2016, 5, 19), "Kranj"),
        ("Ljubljana, 19. maja 2016", date(2016, 5, 19), "Ljubljana"),
        ("V Kranju, 19. 5. 2016", date(2016, 5, 19), "Kranj"),  # locative: the postcode's place
    ],
)
def test_date_forms(date_line: str, expected: date, place: str) -> None:
    letter = parse(text(dataclasses.replace(MONTH_NAMES, date_line=date_line)))
    assert (letter.letter_date, letter.place) == (expected, place)


@pytest.mark.parametrize(
    ("session", "kind"),
    [
        (Session(5, "3.3.2021"), SessionKind.REGULAR),
        (Session(5, "3.3.2021", body="Sveta MOK"), SessionKind.REGULAR),
        (Session(5, "3.3.2021", kind="extraordinary"), SessionKind.EXTRAORDINARY),
        (Session(5, "3.3.2021", kind="correspondence"), SessionKind.CORRESPONDENCE),
        (Session(5, "3.3.2021", joiner=" dne "), SessionKind.REGULAR),
    ],
)
def test_session_kinds(session: Session, kind: SessionKind) -> None:
    letter = parse(text(dataclasses.replace(MONTH_NAMES, session=session)))
    assert letter.session is not None
    assert letter.session.text == session.phrase()
    assert (letter.session.number, letter.session.kind) == (5, kind)
    assert (letter.session.held_on, letter.session.body) == (date(2021, 3, 3), session.body)


def test_a_regular_session_named_so() -> None:
    letter = parse(
        text(
            dataclasses.replace(
                MONTH_NAMES,
                restatement="Na 12. redni seji Sveta Mestne občine Kranj, ki je bila 4. 7. 2018, "
                "je svetnik Janez Černe vprašal, kdaj bo urejena pot.",
            )
        )
    )
    assert letter.session == SessionPhrase(
        text="Na 12. redni seji Sveta Mestne občine Kranj, ki je bila 4. 7. 2018",
        number=12,
        kind=SessionKind.REGULAR,
        held_on=date(2018, 7, 4),
        body=BODY,
    )


@pytest.mark.parametrize(
    ("restatement", "askers"),
    [
        ("Na 5. seji Sveta MOK, 3.3.2021, je svetnica Ana Novak vprašala, ali …",
         (Asker("Ana Novak", "f"),)),
        ("Na 5. seji Sveta MOK, 3.3.2021, je vprašanje svetnika Marka Kosa zadevalo …",
         (Asker("Marka Kosa", "m"),)),  # the genitive, as printed
        ("Na pobudo svetnice mag. Mojce Kos, dane na 5. seji Sveta MOK, 3.3.2021, …",
         (Asker("mag. Mojce Kos", "f"),)),
        ("Na 5. seji Sveta MOK, 3.3.2021, sta svetnici Ana Novak in Mojca Kos vprašali …",
         (Asker("Ana Novak", "f"), Asker("Mojca Kos", "f"))),
        ("Na 5. seji Sveta MOK, 3.3.2021, so svetnice Ana Novak, Mojca Kos in Eva Zupan …",
         (Asker("Ana Novak", "f"), Asker("Mojca Kos", "f"), Asker("Eva Zupan", "f"))),
        ("Na 5. seji Sveta MOK, 3.3.2021, so svetniki Ana Novak, Igor Velov in Marko Kos …",
         (Asker("Ana Novak", None), Asker("Igor Velov", None), Asker("Marko Kos", None))),
        ("Na 5. seji Sveta MOK, 3.3.2021, sta svetnica Ana Novak in svetnik Igor Velov-Kos …",
         (Asker("Ana Novak", "f"), Asker("Igor Velov-Kos", "m"))),
    ],
)  # fmt: skip
def test_councillors_and_their_gender(restatement: str, askers: tuple[Asker, ...]) -> None:
    assert parse(text(dataclasses.replace(MONTH_NAMES, restatement=restatement))).askers == askers


@pytest.mark.parametrize(
    ("restatement", "group"),
    [
        ("Na 5. seji Sveta MOK, 3.3.2021, je svetniška skupina SDS izpostavila …", "SDS"),
        ("Na 5. seji Sveta MOK, 3.3.2021, je v imenu svetniške skupine NSi, …", "NSi"),
        ("Na 5. seji Sveta MOK, 3.3.2021, je Svetniška skupina „Lista za Kranj“ dala …",
         "Lista za Kranj"),
        ("Svetnik Igor Velov (svetniška skupina SD) je dne 3. 2. 2020 v pisni obliki …", "SD"),
    ],
)  # fmt: skip
def test_councillors_groups(restatement: str, group: str) -> None:
    letter = parse(text(dataclasses.replace(MONTH_NAMES, restatement=restatement)))
    assert letter.group == group


def test_a_written_question_sent_by_letter() -> None:
    letter = parse(
        text(
            dataclasses.replace(
                WRITTEN,
                restatement="Svetnica Ana Novak je z dopisom z dne 12. 1. 2021 vprašala, kdaj …",
            )
        )
    )
    assert (letter.session, letter.received_on) == (None, date(2021, 1, 12))
    assert letter.askers == (Asker("Ana Novak", "f"),)


@pytest.mark.parametrize(
    ("heading", "units"),
    [
        ("Odgovor:", ()),
        ("Odgovor Urada za okolje in prostor:", ("Urada za okolje in prostor",)),
        ("Odgovor Kabinet župana - Pisarna za podjetja:",
         ("Kabinet župana", "Pisarna za podjetja")),
        ("Odgovor Urada za okolje in prostor in Kabineta župana:",
         ("Urada za okolje in prostor", "Kabineta župana")),
        ("Odgovor Urada za finance, Urada za investicije:",
         ("Urada za finance", "Urada za investicije")),
        ("ODGOVOR Kabinet župana:", ("Kabinet župana",)),
    ],
)  # fmt: skip
def test_answering_units(heading: str, units: tuple[str, ...]) -> None:
    letter = parse(text(dataclasses.replace(MONTH_NAMES, heading=heading)))
    assert letter.answering_units == units


def test_numbered_items_with_parentheses_and_bullets_without_a_space() -> None:
    letter = parse(
        text(
            dataclasses.replace(
                MONTH_NAMES,
                body=(
                    Para("Načrt:"),
                    Numbered(("prva faza;", "druga faza."), style=")"),
                    Para("Hkrati:"),
                ),
            )
        ).replace("- Svet", "•Svet")
    )
    assert letter.body_blocks == (
        Paragraph((Span("Načrt:"),)),
        NumberedList((ListItem((Span("prva faza;"),)), ListItem((Span("druga faza."),)))),
        Paragraph((Span("Hkrati:"),)),
    )
    assert letter.body_text == "Načrt:\n\n1. prva faza;\n2. druga faza.\n\nHkrati:"
    assert letter.distribution == TO_COUNCIL


def test_a_line_starting_like_an_item_inside_a_sentence_is_no_item() -> None:
    """Lines broken by the page: "16." or "- Kranj" at a line start go on with the sentence."""
    body = (
        "Na seji odbora smo se dogovorili, da bo projekt Kranj inovativno mesto, ki ga vodi\n"
        "- Kranj inovativno mesto, zaživel do leta 2020, kot so sklenili člani odbora na\n"
        "16. seji odbora, in to je bilo potrjeno tudi na seji sveta, ki je bila v aprilu."
    )
    printed = text(dataclasses.replace(WRAPPED, body=(Para("BODY"),))).replace("BODY", body)
    letter = parse(printed)
    assert letter.body_blocks == (Paragraph((Span(" ".join(body.split("\n"))),)),)


def test_lines_broken_mid_sentence_doubled_spaces_and_page_artefacts() -> None:
    """The text of a PDF: wrapped lines, doubled and non-breaking spaces, a page break."""
    printed = text(SAMPLE)
    wrapped = (
        printed.replace(
            "je svetnik Janez Černe izpostavil, da so bila",
            "je  svetnik\nJanez\u00a0Černe  izpostavil, da so bila",
        )
        .replace(
            "organizirali Festival pametnih rešitev",
            "organizirali\nFestival  pametnih\u00a0rešitev",
        )
        .replace("\n\n\u00a0\n", "\n\n2/3\n\nStran 2 od 3\n\n")
        .replace("\n", "\r\n")
    )
    assert dataclasses.replace(parse(wrapped), raw_text="") == dataclasses.replace(
        parse(printed), raw_text=""
    )


def test_a_page_break_after_a_full_line_joins_a_capitalised_word() -> None:
    """A page that ends mid-sentence before a capital ("z" / "Mestno občino") joins too."""
    first = "Projekt vodimo skupaj z občinami Gorenjske in z Razvojno agencijo Gorenjske ter z"
    body = (Para(f"{first}{PAGE_BREAK}Mestno občino Jesenice."), Para("Drugi odstavek."))
    letter = parse(text(dataclasses.replace(WRAPPED, body=body)))
    assert [b.text for b in letter.body_blocks if isinstance(b, Paragraph)] == [
        f"{first} Mestno občino Jesenice.",
        "Drugi odstavek.",
    ]


def test_the_signature_and_its_lines() -> None:
    """A name alone with its function after a gap; "Po pooblastilu" above a name belongs to it."""
    signers = (Signer("Janez Rakar", "direktor občinske uprave", above=("Po pooblastilu župana",)),)
    printed = text(dataclasses.replace(MONTH_NAMES, signers=signers)).replace(
        "Po pooblastilu župana\nJanez Rakar\n", "Po pooblastilu župana\n\nJanez Rakar\n\n\n"
    )
    assert parse(printed).signatories == (
        Signatory(1, "Janez Rakar", "direktor občinske uprave", ("Po pooblastilu župana",)),
    )


def test_prepared_by_on_the_label_line_and_unmarked_recipients() -> None:
    printed = text(
        dataclasses.replace(
            MONTH_NAMES,
            prepared=("Ana Novak, Urad za finance",),
            distribution=("Svet Mestne občine Kranj", "Urad za finance"),
        )
    ).replace("Pripravila:\n\nAna", "Pripravila: Ana")
    letter = parse(printed)
    assert letter.prepared_by == (Participant("Ana Novak", "Urad za finance"),)
    assert letter.distribution == ("Svet Mestne občine Kranj", "Urad za finance")


def test_the_answer_is_escaped_in_html() -> None:
    body = (Para("Stroški < 5.000 EUR & **manj kot <lani>**."),)
    letter = parse(text(dataclasses.replace(MONTH_NAMES, body=body)))
    assert letter.body_html == (
        "<p>Stroški &lt; 5.000 EUR &amp; <strong>manj kot &lt;lani&gt;</strong>.</p>"
    )
    assert letter.body_text == "Stroški < 5.000 EUR & manj kot <lani>."


def test_a_salutation_is_not_the_restatement() -> None:
    printed = text(MONTH_NAMES).replace("\n\nNa 15. seji", "\n\nSpoštovani,\n\nNa 15. seji")
    assert parse(printed).restatement == EXPECTED["month_names"]["restatement"]


def test_contacts_on_one_line_and_a_website_without_a_label() -> None:
    contacts = ("T: 04 237 31 47, F: 04 237 31 06", "mokj@kranj.si | www.kranj.si")
    letter = parse(text(dataclasses.replace(MONTH_NAMES, contacts=contacts)))
    assert letter.letterhead == KRANJ


# --- texts that are no letter ---------------------------------------------------------------------

#: What a text that is no letter lacks: every part (nothing is there to be bad).
NOT_A_LETTER = tuple(
    p for p in Problem if p not in (Problem.BAD_NUMBER, Problem.BAD_DATE, Problem.BAD_SESSION_DATE)
)


def _without(**changes: Any) -> str:
    return text(dataclasses.replace(SAMPLE, **changes))


@pytest.mark.parametrize(
    ("raw", "problems"),
    [
        pytest.param(_without(number=None), (Problem.NO_NUMBER,), id="no number"),
        pytest.param(_without(number="032-11-2016"), (Problem.BAD_NUMBER,), id="malformed number"),
        pytest.param(_without(number="32-11/2016-2"), (Problem.BAD_NUMBER,), id="short class"),
        pytest.param(_without(number="032-11/16-2"), (Problem.BAD_NUMBER,), id="two-digit year"),
        pytest.param(_without(date_line=None), (Problem.NO_DATE,), id="no date"),
        pytest.param(_without(date_line="Datum: 31.2.2016"), (Problem.BAD_DATE,), id="31.2.2016"),
        pytest.param(_without(date_line="Datum: 19. majj 2016"), (Problem.BAD_DATE,), id="month"),
        pytest.param(_without(date_line="Datum: včeraj"), (Problem.BAD_DATE,), id="no date shape"),
        pytest.param(_without(signers=()), (Problem.NO_SIGNATORY,), id="no signatory"),
        pytest.param(
            _without(number=None, date_line=None, signers=()),
            (Problem.NO_NUMBER, Problem.NO_DATE, Problem.NO_SIGNATORY),
            id="no number, date or signatory",
        ),
        pytest.param(
            _without(number="x", date_line="Datum: 30.2.2016"),
            (Problem.BAD_NUMBER, Problem.BAD_DATE),
            id="bad number and date",
        ),
        pytest.param(_without(subject=()), (Problem.NO_SUBJECT,), id="no subject"),
        pytest.param(_without(heading=None), (Problem.NO_ANSWER_HEADING,), id="no heading"),
        pytest.param(_without(distribution=()), (Problem.NO_DISTRIBUTION,), id="no distribution"),
        pytest.param(_without(body=()), (Problem.NO_BODY,), id="no answer"),
        pytest.param(
            _without(restatement="Na 16. seji Sveta Mestne občine Kranj, 31.4.2016, je svetnik "
                     "Janez Černe vprašal …"),
            (Problem.BAD_SESSION_DATE,),
            id="impossible session date",
        ),
        pytest.param(
            _without(restatement="Zanimalo nas je, ali je bila ustanovljena skupina."),
            (Problem.NO_ASKER,),
            id="no councillor",
        ),
        pytest.param(
            _without(municipality="Kabinet župana", unit=()),
            (Problem.NO_LETTERHEAD,),
            id="no letterhead",
        ),
        pytest.param("", NOT_A_LETTER, id="empty"),
        pytest.param(" \n\t\n\u00a0\n\r\n  ", NOT_A_LETTER, id="only whitespace"),
        pytest.param(
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n\nSed do eiusmod tempor "
            "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud.",
            NOT_A_LETTER,
            id="not a letter",
        ),
        pytest.param(
            "Seznam za trgovino:\n- mleko\n- kruh\n\nKupi do petka.", NOT_A_LETTER, id="a list"
        ),
        pytest.param(
            b"".join(hashlib.sha256(b"%d" % n).digest() for n in range(700)).decode(
                "utf-8", errors="replace"
            ),
            NOT_A_LETTER,
            id="binary garbage",
        ),
        pytest.param((bytes(range(256)) * 40).decode("latin-1"), NOT_A_LETTER, id="every byte"),
    ],
)  # fmt: skip
def test_unreadable_letters_name_every_problem(raw: str, problems: tuple[Problem, ...]) -> None:
    with pytest.raises(LetterUnreadable) as raised:
        parse(raw)
    assert raised.value.problems == problems


def test_every_problem_has_a_message() -> None:
    assert set(PROBLEM_MESSAGES) == set(Problem)
    assert str(PROBLEM_MESSAGES[Problem.NO_NUMBER]) == (
        "The letter has no reference number (“Številka:”)."
    )


def test_the_exception_lists_the_problems() -> None:
    error = LetterUnreadable([Problem.NO_NUMBER, Problem.NO_DATE])
    assert error.problems == (Problem.NO_NUMBER, Problem.NO_DATE)
    assert str(error) == "no_number, no_date"


def test_enclosures_are_read_past() -> None:
    printed = text(MONTH_NAMES) + "\n\nPriloge:\n\n- načrt kolesarske poti\n- popis del"
    letter = parse(printed)
    assert letter.distribution == TO_COUNCIL
    assert letter.signatories == (TRILAR,)
