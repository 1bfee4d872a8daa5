"""Reply letters of the municipality's format, written from their parts, in many shapes.

``Letter`` holds what a letter says (issuing unit, letterhead, number, date, addressee, subject,
session or written date, who asked, the answer, who prepared and signed it, who gets it);
``text`` prints it the way the plain-text rendering of a real letter is printed
(``app/replies/demo_letters/kranj-reply-032-11-2016.txt``: parts apart by blank lines,
``**bold**``, a
page break as a line with only a non-breaking space), and ``tests/replies/pdfs.py`` writes the
same parts as a PDF. Unless a letter gives its restatement as printed, ``restatement`` writes
one in Slovenian from the session (or the written date) and the askers, with the forms of
number and gender the language requires (svetnik / svetnica / svetnika / svetnici / svetniki…).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: The real letter, as the demo keeps it in the repository (``reply-letter.md``'s sample).
SAMPLE_PATH = (
    Path(__file__).resolve().parents[2] / "app/replies/demo_letters/kranj-reply-032-11-2016.txt"
)

#: A page break inside a paragraph: the plain text prints the sample's artefact, a PDF a new page.
PAGE_BREAK = "\f"

Gender = Literal["m", "f"]
Kind = Literal["question", "initiative"]


@dataclass(frozen=True)
class Councillor:
    name: str
    gender: Gender


@dataclass(frozen=True)
class Session:
    number: int
    held_on: str  # as printed: "20.4.2016", "12. 3. 2019", "12. aprila 2016"
    kind: Literal["regular", "extraordinary", "correspondence"] = "regular"
    body: str = "Sveta Mestne občine Kranj"
    joiner: str = ", "  # between the body and the date: ", " or " dne "

    def phrase(self) -> str:
        adjective = {"regular": "", "extraordinary": "izredni ", "correspondence": "dopisni "}
        return (
            f"Na {self.number}. {adjective[self.kind]}seji {self.body}{self.joiner}{self.held_on}"
        )


@dataclass(frozen=True)
class Para:
    text: str  # ``**bold**`` inline; PAGE_BREAK where a page ends inside it


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    marker: str = "-"  # "-", "–" or "•"


@dataclass(frozen=True)
class Numbered:
    items: tuple[str, ...]
    style: str = "."  # "1." or "1)"


BodyBlock = Para | Bullets | Numbered


@dataclass(frozen=True)
class Signer:
    name: str
    function: str
    above: tuple[str, ...] = ()  # "Po pooblastilu župana"
    below: tuple[str, ...] = ()  # "r.p. 2011", "po pooblastilu"


@dataclass(frozen=True)
class Part:
    """A part of the printed letter: fixed lines, one paragraph of prose, or list items."""

    kind: Literal["lines", "prose", "items"]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Letter:
    subject: tuple[str, ...]  # its lines: the first after "Zadeva:", the rest as it wraps; ()
    body: tuple[BodyBlock, ...]
    signers: tuple[Signer, ...]
    distribution: tuple[str, ...]  # as printed, markers and all ("- Svet Mestne občine Kranj")
    municipality: str = "MESTNA OBČINA KRANJ"
    unit: tuple[str, ...] = ("Kabinet župana",)
    address: tuple[str, ...] = ("Slovenski trg 1, 4000 Kranj",)
    contacts: tuple[str, ...] = (
        "• T: 04 237 31 47",
        "• F: 04 237 31 06",
        "• E: mokj@kranj.si",
        "• S: www.kranj.si",
    )
    number: str | None = "032-11/2016-2-(52/17)"
    date_line: str | None = "Datum: 19.5.2016"
    addressee: tuple[str, ...] = ("SVET MESTNE OBČINE KRANJ",)
    restatement: str | None = None  # as printed; else written from the parts below
    session: Session | None = None
    written_on: str | None = None  # a written question: the date it was sent, as printed
    askers: tuple[Councillor, ...] = ()
    group: str | None = None
    kind: Kind = "question"
    topic: str = "ali bo občina uredila pločnik ob Cesti Staneta Žagarja."
    heading: str | None = "Odgovor Kabinet župana – Pisarna za podjetja:"
    prepared_label: str = "Pripravila:"
    prepared: tuple[str, ...] = ()
    distribution_label: str = "Poslano:"
    copies: tuple[str, ...] = ()  # "V vednost:" lines, as printed


# --- the restatement, in Slovenian ------------------------------------------------------------


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} in {names[-1]}"


def _who(letter: Letter) -> tuple[str, str, str]:
    """Who asked, the auxiliary verb, and the ending of the participle that agrees with them.

    One: svetnik / svetnica, "je", -Ø / -a. Two (the dual): svetnika (any man among them) /
    svetnici, "sta", -a / -i. More: svetniki / svetnice, "so", -i / -e. A group (svetniška
    skupina, feminine singular): "je", -a.
    """
    if letter.group is not None:
        return f"svetniška skupina {letter.group}", "je", "a"
    names = [asker.name for asker in letter.askers]
    women = all(asker.gender == "f" for asker in letter.askers)
    if len(names) == 1:
        return (f"svetnica {names[0]}", "je", "a") if women else (f"svetnik {names[0]}", "je", "")
    if len(names) == 2:
        title, ending = ("svetnici", "i") if women else ("svetnika", "a")
        return f"{title} {_names(names)}", "sta", ending
    title, ending = ("svetnice", "e") if women else ("svetniki", "i")
    return f"{title} {_names(names)}", "so", ending


def restatement(letter: Letter) -> str:
    """The opening paragraph: as the letter gives it, or written from who asked, when and what."""
    if letter.restatement is not None:
        return letter.restatement
    who, auxiliary, ending = _who(letter)
    verb, what = ("postavil", "vprašanje") if letter.kind == "question" else ("podal", "pobudo")
    asked = f"{verb}{ending} {what}, {letter.topic}"
    if letter.session is not None:
        return f"{letter.session.phrase()}, {auxiliary} {who} {asked}"
    written = f" dne {letter.written_on} v pisni obliki" if letter.written_on else ""
    return f"{who[0].upper()}{who[1:]} {auxiliary}{written} {asked}"


# --- the printed letter -----------------------------------------------------------------------


def _body_parts(blocks: tuple[BodyBlock, ...]) -> list[Part]:
    parts: list[Part] = []
    for block in blocks:
        if isinstance(block, Para):
            parts.append(Part("prose", (block.text,)))
        elif isinstance(block, Bullets):
            parts.append(Part("items", tuple(f"{block.marker} {item}" for item in block.items)))
        else:
            parts.append(
                Part(
                    "items",
                    tuple(f"{n}{block.style} {item}" for n, item in enumerate(block.items, 1)),
                )
            )
    return parts


def parts(letter: Letter) -> list[Part]:
    """The letter's parts, top to bottom (a missing part is left out, as from a broken letter)."""
    out = [Part("lines", (letter.municipality, *letter.unit)), Part("lines", letter.address)]
    if letter.contacts:
        out.append(Part("lines", letter.contacts))
    if letter.number is not None:
        out.append(Part("lines", (f"Številka: {letter.number}",)))
    if letter.date_line is not None:
        out.append(Part("lines", (letter.date_line,)))
    out.append(Part("lines", letter.addressee))
    if letter.subject:
        subject = (f"Zadeva: {letter.subject[0]}", *letter.subject[1:])
        out.append(Part("prose", subject) if len(subject) == 1 else Part("lines", subject))
    out.append(Part("prose", (restatement(letter),)))
    if letter.heading is not None:
        out.append(Part("lines", (letter.heading,)))
    out.extend(_body_parts(letter.body))
    if letter.prepared:
        out += [Part("lines", (letter.prepared_label,)), Part("lines", letter.prepared)]
    for signer in letter.signers:
        out.append(Part("lines", (*signer.above, signer.name, signer.function, *signer.below)))
    if letter.distribution:
        out += [Part("lines", (letter.distribution_label,)), Part("lines", letter.distribution)]
    if letter.copies:
        out += [Part("lines", ("V vednost:",)), Part("lines", letter.copies)]
    return out


def text(letter: Letter) -> str:
    """The letter as plain text: one line per paragraph, parts apart by a blank line."""
    printed = "\n\n".join("\n".join(part.lines) for part in parts(letter))
    # The sample's page break: the paragraph stops, then a line with a non-breaking space.
    return printed.replace(PAGE_BREAK, "\n\n\u00a0\n")


# --- the shapes ---------------------------------------------------------------------------------

#: The sample letter, part by part (its text must parse as the file does).
SAMPLE = Letter(
    restatement=(
        "Na 16. seji Sveta Mestne občine Kranj, 20.4.2016, je svetnik Janez Černe izpostavil, da "
        "so bila na njegov predlog v proračun uvrščena sredstva za e-demokracijo in "
        "e-upravljanje. Zanimalo ga je, ali je bila ustanovljena projektna skupina in če in "
        "kako poteka njeno delo."
    ),
    subject=("Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava",),
    body=(
        Para(
            "Mestna občina Kranj si je v strategiji trajnostnega razvoja do leta 2030 (v "
            "nadaljevanju TUS) zastavila cilj, da bo mesto priložnosti. To pomeni, da bo "
            "trajnostno naravnano, napredno in živahno središče Gorenjske. Med prednostnimi je "
            "cilj, da bo Kranj inovativno mesto, naklonjeno novim tehnologijam in spodbujanju "
            "mladih talentov. Kranj želimo postaviti tudi na zemljevid pametnih mest. V okviru "
            "cilja - Kranj inovativno mesto, je določenih več prioritet oz. ukrepov: Poslovni "
            "Kranj, mladi prebojniki, coworking (sodelovanje), Zelena rast, **Smart Kranj "
            "(pametna skupnost)**: referenčno mesto za uvajanje novih rešitev na osnovi sodobnih "
            "IKT tehnologij: (e-uprava, e-demokracija, e-zdravje, e-okolje, e-varnost)."
        ),
        Para(
            "Pobudniki umestitve t.i. Pametnega mesta so bili člani fokusne skupine za pripravo "
            "TUS in skupina kranjskih visokotehnoloških podjetij, ki je izdelala tudi strateški "
            "dokument Gorenjska pametna skupnost, katera zaključki so se umeščeni tudi v TUS."
        ),
        Para(
            "Ker gre za popolnoma nov projekt, so bila najprej izvedene poizvedbe katere pametne "
            "rešitve mestna uprava že uporablja oziroma izvaja. Ugotovljeno je bilo, da se "
            "nekatere pametne rešitve že uporabljajo na področju energetike, mobilnosti, "
            "komunalne oskrbe, komuniciranja s prebivalci... Izvedeni so bili tudi operativni "
            "sestanki pri koncesionarjih (npr. Alpetour) ter javnem podjetju Komunala Kranj in "
            "pri Lokalni energetske agenciji Gorenjske (LEAG). Tako je bila izvedena poizvedba "
            "pametnih rešitev, ki jih že izvajajo podjetja, javni zavodi in posamični uradi "
            "znotraj mestne uprave."
        ),
        Para(
            "Mestna občina Kranj je v vsem tem času prejela različne predstavitve ponudnikov "
            "oziroma izvajalcev pametnih rešitev. Da bi vsem lahko omogočili enakopravno "
            "obravnavo smo 11. maja 2016 organizirali Festival pametnih rešitev za pametno mesto "
            "Kranj. Festivala se je udeležilo 19 podjetij ter preko 70 udeležencev. Cilj "
            "organizacije festivala je bil pregledati ponudbo na tržišču pametnih rešitev. "
            f"Še pred{PAGE_BREAK}tem je župan vodjem uradom predstavil načrte in cilje projekta "
            "Pametno mesto. Cilj delovne skupine (znotraj MOK) je razvijanje prioriternih "
            "področjih, ki so:"
        ),
        Bullets(
            (
                "e-uprava in e-demokracija (posodobitev spletne strani MOK v sinergiji z javnimi "
                "zavodi), skupna promocija Mestne občine in javnih zavodov, več možnosti "
                "interaktivnega sodelovanja občanov, boljša dostopnost občanov do informacij, "
                "semafor projektov MOK, souporaba virov MOK in javnih zavodov – IOT (internet of "
                "things);",
                "e-mobilnost (transport) – npr. enotna aplikacija (kartica) za mobilne naprave;",
                "e-okolje (energetika, varčevanje z naravnimi viri) - Portal odprtih podatkov MOK "
                "– spremljanje kazalnikov, trendi, mednarodne primerjave, v nadaljevanju morda "
                "ISO standard)",
            )
        ),
        Para(
            "Od konkretnih rešitev, je v zadnji fazi izdelava t.i. Semaforja projektov, ki sodi "
            "v področje e-uprave oz. e-demokracije. Načrtovana je tudi delavnica z javnimi "
            "zavodi, kjer so bo predstavila pomembnost sodobne transparentne predstavitve "
            "poslovanja posameznih zavodov. Aktivno je tudi sodelovanje z Razvojno agencijo "
            "Gorenjske - BSC, kjer iščemo dodatne vire za financiranja projektov Pametno mesto."
        ),
    ),
    prepared=("Ana Vizovišek, Pisarna za podjetja",),
    signers=(
        Signer("Janez Rakar", "vodja Kabineta župana", below=("r.p. 2011",)),
        Signer("Boštjan Trilar", "župan Mestne občine Kranj"),
    ),
    distribution=("- Svet Mestne občine Kranj",),
)

#: A councillor's (a woman's) initiative at an extraordinary session, answered by another
#: office, with a numbered list and one signatory; dated "Kranj, 12. 4. 2019".
EXTRAORDINARY_INITIATIVE = Letter(
    unit=("Urad za okolje in prostor",),
    contacts=("T: 04 237 31 00 • E: uop@kranj.si",),
    number="3505-4/2019-3",
    date_line="Kranj, 12. 4. 2019",
    subject=("Odgovor na svetniško pobudo – ureditev pločnika na Cesti Staneta Žagarja",),
    session=Session(3, "12. 3. 2019", kind="extraordinary"),
    askers=(Councillor("Nataša Majcen", "f"),),
    kind="initiative",
    topic="da občina ob Cesti Staneta Žagarja uredi pločnik in osvetli prehod za pešce.",
    heading="Odgovor Urada za okolje in prostor:",
    body=(
        Para("Pobudo smo preučili. Ureditev bo potekala v dveh fazah:"),
        Numbered(
            (
                "projektiranje pločnika v letu 2019 (izdelava projekta za izvedbo);",
                "gradnja in **javna razsvetljava prehoda** v letu 2020.",
            )
        ),
        Para("Sredstva so zagotovljena v proračunu za leto 2020."),
    ),
    prepared_label="Pripravil:",
    prepared=("Marko Zupan",),
    signers=(Signer("mag. Nina Kos", "vodja Urada za okolje in prostor"),),
    distribution=("- Svet Mestne občine Kranj",),
)

#: A question at a correspondence session ("Na 2. dopisni seji … dne …"), answered by two units,
#: "•" bullets, bold over several words, two signatories.
CORRESPONDENCE = Letter(
    unit=("Urad za gospodarske dejavnosti in turizem",),
    contacts=("• T: 04 237 31 20", "• E: ugdt@kranj.si"),
    number="322-7/2020-2-(41/05)",
    date_line="Datum: 25. 5. 2020",
    subject=("Odgovor na svetniško vprašanje – pomoč gostincem",),
    session=Session(2, "7. 5. 2020", kind="correspondence", joiner=" dne "),
    askers=(Councillor("Igor Velov", "m"),),
    topic="kako bo občina pomagala gostincem po zaprtju lokalov.",
    heading="Odgovor Urada za gospodarske dejavnosti in turizem – Pisarna za podjetja:",
    body=(
        Para(
            "Občina je gostincem, ki imajo v najemu občinske prostore, **odpustila najemnino za "
            "čas zaprtja lokalov** in podaljšala rok za plačilo komunalnih prispevkov."
        ),
        Bullets(
            (
                "brezplačna uporaba javnih površin za gostinske vrtove do konca leta 2020;",
                "svetovanje Pisarne za podjetja pri prijavah na državne razpise.",
            ),
            marker="•",
        ),
    ),
    prepared=("Tina Šmid, Pisarna za podjetja",),
    signers=(
        Signer("Matej Žibert", "vodja Urada za gospodarske dejavnosti in turizem"),
        Signer("Matjaž Rakovec", "župan Mestne občine Kranj"),
    ),
    distribution_label="Vročiti:",
    distribution=("– Svet Mestne občine Kranj",),
)

#: Two councillors, a man and a woman: the masculine dual "svetnika", which does not tell each
#: one's gender. Units joined by "in", numbered recipients under "Vročiti:".
DUAL = Letter(
    number="450-12/2021-4",
    date_line="Datum: 3.11.2021",
    subject=("Odgovor na svetniško vprašanje – sredstva za šport",),
    session=Session(21, "13.10.2021"),
    askers=(Councillor("Janez Černe", "m"), Councillor("Ana Kovač", "f")),
    topic="koliko sredstev bo občina namenila športnim društvom v letu 2022.",
    heading="Odgovor Kabineta župana in Urada za finance:",
    body=(Para("V predlogu proračuna za leto 2022 je za športna društva namenjenih 850.000 EUR."),),
    prepared=("Maja Bizjak, Urad za finance",),
    signers=(Signer("Boštjan Trilar", "župan Mestne občine Kranj"),),
    distribution_label="Vročiti:",
    distribution=("1. Svet Mestne občine Kranj", "2. Urad za finance"),
)

#: A councillors' group's initiative ("svetniška skupina Lista za Kranj"), "–" bullets.
GROUP = Letter(
    number="371-2/2022-5",
    date_line="Datum: 14.3.2022",
    subject=("Odgovor na pobudo svetniške skupine – parkiranje ob Savi",),
    session=Session(28, "23.2.2022"),
    group="Lista za Kranj",
    kind="initiative",
    topic="da občina uredi parkirišče ob Savi.",
    heading="Odgovor Kabinet župana:",
    body=(
        Para("Občina bo parkirišče uredila v dveh korakih:"),
        Bullets(("odkup zemljišča v letu 2022;", "ureditev parkirišča v letu 2023."), marker="–"),
    ),
    signers=(Signer("Boštjan Trilar", "župan Mestne občine Kranj"),),
    distribution=("- Svet Mestne občine Kranj", "- Svetniška skupina Lista za Kranj"),
)

#: A written question: no session, the date it was sent ("je dne 3. 2. 2020 v pisni obliki").
WRITTEN = Letter(
    number="032-5/2020-2",
    date_line="Datum: 2.3.2020",
    subject=("Odgovor na pisno svetniško vprašanje – zimska služba",),
    written_on="3. 2. 2020",
    askers=(Councillor("Igor Velov", "m"),),
    topic="zakaj pločniki v Stražišču po sneženju niso bili očiščeni.",
    heading="Odgovor Kabinet župana – Komunala Kranj:",
    body=(Para("Izvajalec zimske službe je pločnike očistil v 24 urah, kot določa pogodba."),),
    prepared=("Ana Vizovišek, Kabinet župana",),
    signers=(Signer("Janez Rakar", "vodja Kabineta župana"),),
    distribution=("- Svet Mestne občine Kranj", "- Igor Velov, svetnik"),
)

#: Three signatories, the second on the mayor's authority ("Po pooblastilu župana"); three
#: councillors (the plural "svetniki"); a body long enough for two pages of PDF.
THREE_SIGNERS = Letter(
    number="410-33/2019-6-(52/04)",
    date_line="Datum: 20. 12. 2019",
    subject=("Odgovor na svetniško vprašanje – gradnja športne dvorane",),
    session=Session(9, "27. 11. 2019"),
    askers=(
        Councillor("Janez Černe", "m"),
        Councillor("Marko Novak", "m"),
        Councillor("Ana Kovač", "f"),
    ),
    topic="kdaj se bo začela gradnja športne dvorane na Planini.",
    heading="Odgovor Kabinet župana – Urad za investicije:",
    body=tuple(
        Para(
            f"Faza {n}: projektna dokumentacija za športno dvorano na Planini je izdelana, "
            "gradbeno dovoljenje je bilo izdano novembra 2019, razpis za izbiro izvajalca pa bo "
            "objavljen januarja 2020, ko bo sprejet proračun za leto 2020 in bodo zagotovljena "
            "sredstva za prvo fazo gradnje, ki obsega zemeljska dela, temelje in nosilno "
            "konstrukcijo dvorane, ki jo bodo uporabljali šole in športna društva iz vseh "
            "krajevnih skupnosti občine"
            + ("." if n % 2 else ", kot je bilo predstavljeno na seji odbora za šport.")
        )
        for n in range(1, 10)
    ),
    prepared=("Petra Hribar, Urad za investicije",),
    signers=(
        Signer("Mojca Lah", "višja svetovalka za investicije", below=("po pooblastilu",)),
        Signer("Janez Rakar", "direktor občinske uprave", above=("Po pooblastilu župana",)),
        Signer("Boštjan Trilar", "župan Mestne občine Kranj"),
    ),
    distribution=("- Svet Mestne občine Kranj",),
)

#: Addressed to the councillor, not the council; several recipients, and copies ("V vednost:").
SEVERAL_RECIPIENTS = Letter(
    number="354-18/2023-3",
    date_line="Datum: 9.6.2023",
    addressee=("Janez Černe", "svetnik Sveta Mestne občine Kranj"),
    subject=("Odgovor na svetniško vprašanje – vodovod v Mavčičah",),
    session=Session(14, "17.5.2023"),
    askers=(Councillor("Janez Černe", "m"),),
    topic="kdaj bo obnovljen vodovod v Mavčičah.",
    heading="Odgovor Kabinet župana – Komunala Kranj:",
    body=(Para("Obnova vodovoda v Mavčičah je načrtovana za leto 2024."),),
    prepared=("Ana Vizovišek, Kabinet župana",),
    signers=(Signer("Matjaž Rakovec", "župan Mestne občine Kranj"),),
    distribution=(
        "- Janez Černe, svetnik",
        "- Svet Mestne občine Kranj",
        "- Komunala Kranj, d.o.o.",
    ),
    copies=("- arhiv",),
)

#: An interim reply of a department of two letterhead lines, to two councillors who are women
#: (the feminine dual "svetnici"); its subject wraps onto a second line.
INTERIM = Letter(
    unit=("Mestna uprava", "Oddelek za okolje"),
    contacts=("E: okolje@kranj.si",),
    number="354-2/2024-2",
    date_line="Datum: 5.2.2024",
    subject=(
        "Vmesni odgovor na svetniško pobudo – zbiralnice odpadkov",
        "v krajevni skupnosti Zlato polje",
    ),
    session=Session(7, "17.1.2024"),
    askers=(Councillor("Nataša Majcen", "f"), Councillor("Ana Kovač", "f")),
    kind="initiative",
    topic="da občina postavi podzemne zbiralnice odpadkov v Zlatem polju.",
    heading="Vmesni odgovor Oddelka za okolje:",
    body=(
        Para(
            "Pobudo obravnavamo skupaj s Komunalo Kranj. Odgovor bomo poslali do 15. 3. 2024, ko "
            "bo znana ocena stroškov."
        ),
    ),
    prepared_label="Pripravili:",
    prepared=("Nina Kos, Oddelek za okolje", "Marko Zupan, Komunala Kranj"),
    signers=(Signer("Nina Kos", "vodja Oddelka za okolje"),),
    distribution=("- Svet Mestne občine Kranj",),
)

#: Dates with Slovenian month names: the letter's ("19. maja 2016") and the session's.
MONTH_NAMES = Letter(
    number="032-9/2016-2",
    date_line="Datum: 19. maja 2016",
    subject=("Odgovor na svetniško vprašanje – kolesarske poti",),
    session=Session(15, "23. marca 2016"),
    askers=(Councillor("Janez Černe", "m"),),
    topic="kdaj bo zgrajena kolesarska pot do Naklega.",
    heading="Odgovor Kabinet župana:",
    body=(Para("Kolesarska pot do Naklega bo zgrajena do **konca leta 2017**."),),
    signers=(Signer("Boštjan Trilar", "župan Mestne občine Kranj"),),
    distribution=("- Svet Mestne občine Kranj",),
)

SHAPES: dict[str, Letter] = {
    "sample": SAMPLE,
    "extraordinary_initiative": EXTRAORDINARY_INITIATIVE,
    "correspondence": CORRESPONDENCE,
    "dual": DUAL,
    "group": GROUP,
    "written": WRITTEN,
    "three_signers": THREE_SIGNERS,
    "several_recipients": SEVERAL_RECIPIENTS,
    "interim": INTERIM,
    "month_names": MONTH_NAMES,
}
