"""Slovenian text for the seeded initiatives: real words at their real frequencies.

The vocabulary is the most frequent Slovenian words of ``wordfreq`` (Robyn Speer's word
frequencies from web text, subtitles, Wikipedia and news; its data is CC BY-SA 4.0) with their
measured frequencies, so a sampled word follows the natural, Zipf-like curve of the language:
"je", "in", "na" everywhere, thousands of words in a handful of texts. The grammar is not
Slovenian (sentences are drawn word by word), but what search and ranking see is: common words
in most documents, rare ones in few, word forms of the same lemma scattered across texts.

Titles and summaries read like real initiatives: hand-written phrases of municipal life in
Kranj (a crossing, a cycle lane, a playground …) placed at hand-written places of the city, so
that the list shows plausible titles and the "common" searches of the benchmark match many
initiatives, as they would in production.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

#: How many of the language's most frequent words the body text draws from.
VOCABULARY_SIZE = 20_000

#: What residents ask for (nominative, capitalised): the head of a title.
SUBJECTS = [
    "Varen prehod za pešce", "Kolesarska steza", "Nova avtobusna postaja", "Otroško igrišče",
    "Javna razsvetljava", "Več zelenih površin", "Pasji park", "Omejitev hitrosti na 30 km/h",
    "Ureditev pločnika", "Popravilo luknjaste ceste", "Koši za ločeno zbiranje odpadkov",
    "Pitnik s pitno vodo", "Klopi za starejše", "Daljši odpiralni čas knjižnice",
    "Brezplačen mestni avtobus", "Polnilnica za električna vozila", "Nov drevored",
    "Rolkarski park", "Zapora ceste za tovorni promet", "Nadstrešek na avtobusnem postajališču",
    "Ležeči policaji", "Boljša prometna signalizacija", "Javno stranišče", "Urejeno parkirišče",
    "Sanacija plazu", "Izgradnja kanalizacije", "Obnova vodovoda", "Zbiralnica kosovnih odpadkov",
    "Obnova športnega igrišča", "Nova avtobusna linija", "Varna šolska pot",
    "Stojala za kolesa", "Cvetlične grede", "Zaščita starih dreves", "Nočni avtobus",
    "Defibrilator", "Semafor za pešce", "Pokrita tržnica", "Fitnes na prostem",
    "Brezplačen dostop do interneta", "Skupnostni vrt", "Manj hrupa ponoči", "Čistejši zrak",
    "Urejena brežina reke", "Krožišče namesto semaforja", "Hitrejše zimsko pluženje",
    "Dodatni oddelek vrtca", "Podaljšano varstvo v šoli", "Prostor za mlade",
    "Medgeneracijski center", "Sprehajalna pot", "Razgledna ploščad", "Kopališče",
    "Javni kompostnik", "Manj svetlobnega onesnaženja", "Brezplačno parkiranje za stanovalce",
    "Dostop za invalidske vozičke", "Klančina za vozičke", "Prireditve v starem mestnem jedru",
    "Izposoja mestnih koles", "Poletno kino na prostem", "Zaščita pred poplavami",
]  # fmt: skip

#: Where (a prepositional phrase, already inflected): the tail of a title.
PLACES = [
    "ob Savski cesti", "na Planini", "v Stražišču", "pri OŠ Jakoba Aljaža", "na Glavnem trgu",
    "na Primskovem", "na Kokrici", "na Zlatem polju", "pri gimnaziji", "ob Kokri",
    "na Gorenjesavski cesti", "na Koroški cesti", "v starem mestnem jedru", "na Jezerski cesti",
    "pri zdravstvenem domu", "na Bleiweisovi cesti", "v Britofu", "na Golniku", "v Bitnjah",
    "v Žabnici", "v Predosljah", "na Drulovki", "na Savskem otoku",
    "na Cesti Staneta Žagarja", "na Šorlijevi ulici", "v Struževem", "v Hrastju", "v Čirčah",
    "v Mavčičah", "na Joštu", "pri Vodovodnem stolpu", "na Huju", "na Kidričevi cesti",
    "na Ljubljanski cesti", "pri avtobusni postaji", "pri železniški postaji",
    "na Partizanski cesti", "na Stritarjevi ulici", "ob Savi", "v Besnici", "v Podblici",
    "v Goričah", "v Tenetišah", "v Trsteniku", "na Gorenji Savi", "na Maistrovem trgu",
    "pri Prešernovem gaju", "na Šolski ulici", "v Orehku", "na Cesti 1. maja",
    "pri OŠ Stražišče", "pri vrtcu Čebelica", "na Tomšičevi ulici", "ob Mlaki", "v Kranju",
]  # fmt: skip

#: Streets of Kranj (nominative), for an initiative's optional place.
STREETS = [
    "Savska cesta", "Koroška cesta", "Bleiweisova cesta", "Cesta Staneta Žagarja",
    "Gorenjesavska cesta", "Jezerska cesta", "Kidričeva cesta", "Ljubljanska cesta",
    "Partizanska cesta", "Stritarjeva ulica", "Šorlijeva ulica", "Tomšičeva ulica",
    "Šolska ulica", "Glavni trg", "Maistrov trg", "Prešernova ulica", "Cesta 1. maja",
    "Delavska cesta", "Zoisova ulica", "Oldhamska cesta", "Planina", "Ulica Lojzeta Hrovata",
]  # fmt: skip

#: The opening of a summary.
OPENINGS = [
    "Predlagam, da občina uredi", "Prosimo za", "Stanovalci si želimo", "Potrebujemo",
    "Občino pozivamo, naj zagotovi", "Že dolgo pogrešamo", "Predlagamo", "Otroci potrebujejo",
    "Starejši občani prosimo za", "Kolesarji predlagamo",
]  # fmt: skip

FIRST_NAMES = [
    "Ana", "Marko", "Maja", "Luka", "Nina", "Jure", "Eva", "Matej", "Tina", "Rok", "Petra",
    "Janez", "Mojca", "Andrej", "Katja", "Gregor", "Urška", "Tomaž", "Špela", "Blaž", "Sara",
    "Miha", "Nataša", "Boštjan", "Tjaša", "Žiga", "Barbara", "Aleš", "Mateja", "Primož",
    "Lucija", "Jan", "Irena", "Peter", "Alenka", "Matjaž", "Polona", "Uroš", "Vesna", "Anže",
    "Metka", "Jaka", "Zala", "Nejc", "Neža", "Klemen", "Helena", "Tilen", "Zoja", "Dušan",
    "Marija", "Franc", "Jožica", "Stane", "Ivanka", "Milan", "Lea", "Vid", "Ema", "Gal",
]  # fmt: skip

SURNAMES = [
    "Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kovač", "Mlakar",
    "Kos", "Vidmar", "Golob", "Turk", "Božič", "Kralj", "Korošec", "Zupan", "Bizjak", "Hribar",
    "Kavčič", "Rozman", "Kastelic", "Oblak", "Petek", "Žagar", "Hočevar", "Kolar", "Košir",
    "Koren", "Klemenčič", "Zajc", "Knez", "Medved", "Pirc", "Jereb", "Šmid", "Logar", "Pintar",
    "Bergant", "Sušnik", "Debeljak", "Jenko", "Kern", "Gorjanc", "Meglič", "Dolenc", "Rupnik",
]  # fmt: skip

#: Where a resident says they are from, for public names such as "Marko s Primskovega".
HOMES = [
    "s Primskovega", "iz Stražišča", "s Planine", "iz Britofa", "s Kokrice", "iz Bitenj",
    "z Zlatega polja", "iz Predoselj", "iz Žabnice", "z Golnika", "iz Besnice", "iz centra",
    "z Drulovke", "iz Čirč", "iz Mavčič", "iz Hrastja", "s Huj", "iz Gorič", "iz Tenetiš",
]  # fmt: skip

#: The municipality's answers open with one of these (by response kind).
RESPONSES = {
    "accepted": "Pobudo sprejemamo.",
    "partly_accepted": "Pobudo delno sprejemamo.",
    "rejected": "Pobude žal ne moremo sprejeti.",
}
PROGRESS = [
    "Dela so naročena.", "Projektna dokumentacija je pripravljena.", "Izvajalec je izbran.",
    "Dela so se začela.", "Dela bodo končana do konca meseca.", "Sredstva so zagotovljena.",
]  # fmt: skip
REJECTION_NOTES = [
    "Podobna pobuda je že odprta za podporo.", "Zadeva spada v pristojnost države.",
    "Prosimo, pobudo napišite brez osebnih podatkov.", "Iz besedila ni jasno, kaj predlagate.",
]  # fmt: skip

#: Titles of questions and councillors' initiatives: ``{S}`` the subject, ``{s}`` the same in
#: lower case, ``{P}`` the place, ``{w}`` a word, ``{r}`` a rare word.
QUESTION_TITLES = {
    ("councillor", "question"): [
        "{S} {P}", "{S} {P}", "Stanje projekta: {s} {P}", "Kdaj bo urejeno: {s} {P}",
        "Stroški: {s} {P}", "{S} {P}: {w} {w} {r}",
    ],
    ("councillor", "initiative"): ["Pobuda: {s} {P}", "Predlog: {s} {P}", "{S} {P}"],
    ("resident", "question"): [
        "Kdaj bo urejeno: {s} {P}?", "Zakaj ni urejeno: {s} {P}?", "{S} {P}?",
        "Ali bo občina uredila: {s} {P}?", "Kdo je pristojen: {s} {P}?", "Kdaj bo {s} {P}?",
    ],
}  # fmt: skip
#: The openings of the municipality's answers to questions.
ANSWER_OPENINGS = [
    "Na vprašanje odgovarjamo:", "Pojasnjujemo:", "Pristojni urad sporoča:",
    "Mestna občina Kranj odgovarja:", "Po preverbi na terenu sporočamo:",
]  # fmt: skip
INTERIM_OPENINGS = ["Odgovor pripravljamo.", "Podatke še zbiramo.", "Zadevo preverjamo."]
#: Why the answer to a question needs more time (the public reason of an extension).
EXTENSION_REASONS = [
    "Odgovor zahteva podatke drugih institucij.", "Potrebna je terenska preverba.",
    "Ocena stroškov bo znana po zaključku razpisa.", "Odgovor usklajujeta dva urada.",
    "Čakamo na mnenje upravljavca infrastrukture.",
]  # fmt: skip
#: Items of a session's agenda besides the minutes and the councillors' questions.
AGENDA_ITEMS = [
    "Odlok o proračunu Mestne občine Kranj za leto {year}", "Rebalans proračuna za leto {year}",
    "Zaključni račun proračuna za leto {last}", "Poročilo nadzornega odbora za leto {last}",
    "Letni program športa za leto {year}", "Letni program kulture za leto {year}",
    "Odlok o občinskem podrobnem prostorskem načrtu", "Kadrovske zadeve",
    "Sklep o določitvi cen storitev javne službe", "Odlok o ureditvi cestnega prometa",
    "Načrt ravnanja z nepremičnim premoženjem za leto {year}",
    "Poročilo o delu Medobčinskega inšpektorata in redarstva",
    "Informacija o izvajanju investicij", "Pobude krajevnih skupnosti",
    "Odlok o spremembah statuta javnega zavoda", "Soglasje k ceniku parkiranja",
]  # fmt: skip


def load_vocabulary(size: int = VOCABULARY_SIZE) -> tuple[list[str], list[float]]:
    """The ``size`` most frequent Slovenian words (letters only) and their frequencies."""
    import wordfreq

    words = [word for word in wordfreq.top_n_list("sl", size * 2) if word.isalpha()][:size]
    return words, [wordfreq.word_frequency(word, "sl") for word in words]


@dataclass
class TextGenerator:
    """Draws words, sentences and whole initiatives from the vocabulary, reproducibly."""

    rng: random.Random
    words: list[str]
    frequencies: list[float]
    _cumulative: list[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._cumulative = list(accumulate(self.frequencies))

    @property
    def size(self) -> int:
        return len(self.words)

    def word(self) -> str:
        """One word at its natural frequency."""
        point = self.rng.random() * self._cumulative[-1]
        return self.words[min(bisect_right(self._cumulative, point), len(self.words) - 1)]

    def rare_word(self) -> str:
        """A word from the long tail (the less frequent half of the vocabulary)."""
        return self.words[self.rng.randrange(self.size // 2, self.size)]

    def sentence(self, low: int = 6, high: int = 18) -> str:
        words = [self.word() for _ in range(self.rng.randint(low, high))]
        if self.rng.random() < 0.3:  # a word of the long tail, as real texts have
            words[self.rng.randrange(len(words))] = self.rare_word()
        if self.rng.random() < 0.25:
            words.insert(self.rng.randrange(len(words)), self.subject().lower())
        text = " ".join(words)
        if self.rng.random() < 0.15:
            text += ", " + " ".join(self.word() for _ in range(self.rng.randint(3, 8)))
        return text[0].upper() + text[1:] + "."

    def subject(self) -> str:
        return self.rng.choice(SUBJECTS)

    def place(self) -> str:
        return self.rng.choice(PLACES)

    def title(self) -> str:
        title = f"{self.subject()} {self.place()}"
        roll = self.rng.random()
        if roll < 0.15:
            title = f"{title} in {self.rng.choice(SUBJECTS).lower()}"
        elif roll < 0.3:
            title = f"{title}: {self.word()} {self.word()} {self.rare_word()}"
        return title[:150]

    def summary(self, title: str) -> str:
        opening = self.rng.choice(OPENINGS)
        text = f"{opening} {title[0].lower()}{title[1:]}. {self.sentence(8, 20)}"
        return text[:400].rsplit(" ", 1)[0] if len(text) > 400 else text

    def body(self) -> str:
        """Markdown: paragraphs of sentences, now and then a list or a word in bold."""
        paragraphs = []
        for _ in range(self.rng.randint(2, 5)):
            sentences = [self.sentence() for _ in range(self.rng.randint(2, 5))]
            if self.rng.random() < 0.2:
                first = sentences[0].split(" ", 2)
                if len(first) == 3:
                    sentences[0] = f"{first[0]} **{first[1]}** {first[2]}"
            paragraphs.append(" ".join(sentences))
        if self.rng.random() < 0.35:
            items = [
                f"- {self.subject().lower()} {self.place()}" for _ in range(self.rng.randint(2, 4))
            ]
            paragraphs.insert(
                self.rng.randint(1, len(paragraphs)), "Predlagam:\n\n" + "\n".join(items)
            )
        return "\n\n".join(paragraphs)

    def location(self) -> str | None:
        if self.rng.random() < 0.6:
            return None
        return f"{self.rng.choice(STREETS)} {self.rng.randint(1, 120)}"

    def response(self, kind: str) -> str:
        return " ".join(
            [RESPONSES[kind], *(self.sentence(8, 22) for _ in range(self.rng.randint(2, 4)))]
        )

    def progress(self) -> str:
        return f"{self.rng.choice(PROGRESS)} {self.sentence(5, 12)}"

    def rejection_note(self) -> str | None:
        return self.rng.choice(REJECTION_NOTES) if self.rng.random() < 0.6 else None

    def question_title(self, origin: str, kind: str) -> str:
        """A question's heading, as residents and councillors word them."""
        templates = QUESTION_TITLES.get((origin, kind), QUESTION_TITLES[("councillor", kind)])
        subject = self.subject()
        title = self.rng.choice(templates).format(
            S=subject,
            s=subject[0].lower() + subject[1:],
            P=self.place(),
            w=self.word(),
            r=self.rare_word(),
        )
        return title[:250]

    def question_body(self) -> str:
        """Markdown of one to three short paragraphs."""
        paragraphs = [
            " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))
            for _ in range(self.rng.randint(1, 3))
        ]
        return "\n\n".join(paragraphs)

    def answer(self, kind: str) -> str:
        """The municipality's answer: full, partial or interim (a holding answer)."""
        if kind == "interim":
            return f"{self.rng.choice(INTERIM_OPENINGS)} {self.sentence(6, 14)}"
        sentences = [self.sentence(8, 20) for _ in range(self.rng.randint(2, 4))]
        text = f"{self.rng.choice(ANSWER_OPENINGS)} {' '.join(sentences)}"
        if kind == "partial":
            text = f"Delni odgovor. {text}"
        if self.rng.random() < 0.25:
            items = [f"- {self.sentence(4, 9)}" for _ in range(self.rng.randint(2, 4))]
            text += "\n\n" + "\n".join(items)
        return text

    def extension_reason(self) -> str:
        return self.rng.choice(EXTENSION_REASONS)

    def agenda_item(self, year: int) -> str:
        return self.rng.choice(AGENDA_ITEMS).format(year=year, last=year - 1)

    def pseudonym(self, n: int) -> str:
        """A public name of the kinds residents choose; the caller makes it unique."""
        first = self.rng.choice(FIRST_NAMES)
        surname = self.rng.choice(SURNAMES)
        kind = self.rng.random()
        if kind < 0.3:
            name = f"{first} {surname[0]}."
        elif kind < 0.55:
            name = f"{first} {surname}"
        elif kind < 0.7:
            name = f"{first} {self.rng.choice(HOMES)}"
        elif kind < 0.85:
            name = f"{first.lower()}.{surname.lower()}"
        else:
            name = f"{first}{n % 1000}"
        return name
