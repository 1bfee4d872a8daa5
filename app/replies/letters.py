"""Reading a formal reply letter of the municipality: its text, as the fields of a reply.

The letter has a fixed anatomy (``reply-letter.md``; the sample is in ``demo_letters/``),
top to bottom:

1. the letterhead: "MESTNA OBČINA KRANJ", the issuing unit, the address with its postcode,
   and contact lines ("• T: 04 237 31 47", "E: …", "S: www.kranj.si");
2. "Številka:" (the reference number), "Datum:" or "Kranj, 19.5.2016" (the date);
3. the addressee ("SVET MESTNE OBČINE KRANJ"), then "Zadeva:" (the subject);
4. the restatement of the question: "Na 16. seji Sveta …, 20.4.2016, je svetnik … izpostavil …",
   or for a written question "… je dne 3. 2. 2020 v pisni obliki …";
5. the heading "Odgovor <units>:" and the answer (paragraphs, **bold**, lists);
6. "Pripravila:" (prepared by), the signatories (a name line, a function line, maybe more
   lines such as "r.p. 2011" or "po pooblastilu"), and "Poslano:" (the distribution).

``parse`` reads any letter of that format, whoever issued it, not the one sample: it finds the
parts by their labels and by the shape of their lines, never by their position. The text may
come straight from a PDF (``app.replies.pdftext``), so it copes with lines that break mid-sentence,
doubled spaces, non-breaking spaces, page numbers ("2/3", "Stran 2 od 3") and a paragraph cut in
two by a page break. ``**…**`` marks bold, in the plain-text renderings and in ``pdftext`` output.

Blank lines separate the parts (a PDF's vertical gaps become blank lines in ``pdftext``); every
label ("Zadeva:", "Pripravila:", "Poslano:", …) also starts a part of its own. Pure: no
database, no app.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

#: The reference number as MOK prints it, class-case/year-document-(suffix); the suffix has no
#: documented meaning and is kept verbatim (reply-letter.md, "Reference numbers").
REFERENCE_NUMBER = re.compile(
    r"^(?P<cls>\d{3,4})-(?P<case>\d+)/(?P<year>\d{4})-(?P<doc>\d+)(?:-\((?P<suffix>[^)]*)\))?$"
)


class Problem(enum.StrEnum):
    """A required part of the letter that could not be read, in the order of the letter."""

    NO_LETTERHEAD = "no_letterhead"
    NO_NUMBER = "no_number"
    BAD_NUMBER = "bad_number"
    NO_DATE = "no_date"
    BAD_DATE = "bad_date"
    NO_ADDRESSEE = "no_addressee"
    NO_SUBJECT = "no_subject"
    NO_RESTATEMENT = "no_restatement"
    BAD_SESSION_DATE = "bad_session_date"
    NO_ASKER = "no_asker"
    NO_ANSWER_HEADING = "no_answer_heading"
    NO_BODY = "no_body"
    NO_SIGNATORY = "no_signatory"
    NO_DISTRIBUTION = "no_distribution"


PROBLEM_MESSAGES: dict[Problem, LazyString] = {
    Problem.NO_LETTERHEAD: _l(
        "The letter has no letterhead (the municipality, its unit and an address with a postcode)."
    ),
    Problem.NO_NUMBER: _l("The letter has no reference number (“Številka:”)."),
    Problem.BAD_NUMBER: _l(
        "The reference number is not of the form 032-11/2016-2 or 032-11/2016-2-(52/17)."
    ),
    Problem.NO_DATE: _l("The letter has no date (“Datum:”)."),
    Problem.BAD_DATE: _l("The date of the letter is not a real date."),
    Problem.NO_ADDRESSEE: _l("The letter names no addressee (above “Zadeva:”)."),
    Problem.NO_SUBJECT: _l("The letter has no subject (“Zadeva:”)."),
    Problem.NO_RESTATEMENT: _l(
        "The letter does not restate the question (the paragraph after the subject)."
    ),
    Problem.BAD_SESSION_DATE: _l("The date of the council session is not a real date."),
    Problem.NO_ASKER: _l("The letter names no councillor or councillors' group who asked."),
    Problem.NO_ANSWER_HEADING: _l("The letter has no answer heading (“Odgovor …:”)."),
    Problem.NO_BODY: _l("The letter has no answer after its heading."),
    Problem.NO_SIGNATORY: _l("The letter has no signatory (a name line and a function line)."),
    Problem.NO_DISTRIBUTION: _l("The letter has no distribution list (“Poslano:”)."),
}


class LetterUnreadable(Exception):
    """The text is not a reply letter that can be read: every missing or bad part is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(", ".join(self.problems))


class SessionKind(enum.StrEnum):
    REGULAR = "regular"
    EXTRAORDINARY = "extraordinary"
    CORRESPONDENCE = "correspondence"


@dataclass(frozen=True)
class Letterhead:
    municipality: str
    unit: str  # "" when the municipality itself issues the letter
    address: str
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class SessionPhrase:
    text: str  # verbatim: "Na 16. seji Sveta Mestne občine Kranj, 20.4.2016"
    number: int
    kind: SessionKind
    held_on: date
    body: str  # as printed, in the genitive: "Sveta Mestne občine Kranj"


@dataclass(frozen=True)
class Asker:
    name: str  # as printed (a name after "svetnika" may be in the genitive)
    gender: Literal["m", "f"] | None


@dataclass(frozen=True)
class Participant:
    name: str
    unit: str | None


@dataclass(frozen=True)
class Signatory:
    order: int  # 1-based, as printed
    name: str
    function: str
    extra_lines: tuple[str, ...] = ()  # "r.p. 2011", "po pooblastilu": kept, never interpreted


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False


def _spans_text(spans: Iterable[Span]) -> str:
    return "".join(span.text for span in spans)


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        return _spans_text(self.spans)


@dataclass(frozen=True)
class ListItem:
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        return _spans_text(self.spans)


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class NumberedList:
    items: tuple[ListItem, ...]
    start: int = 1


Block: TypeAlias = Paragraph | BulletList | NumberedList


@dataclass(frozen=True)
class ParsedLetter:
    reference_number: str
    classification: str
    case_seq: int
    case_year: int
    document_seq: int
    reference_suffix: str | None
    letter_date: date
    place: str
    letterhead: Letterhead
    addressee: str
    addressee_is_council: bool
    subject: str
    question_kind: Literal["question", "initiative"]
    restatement: str
    session: SessionPhrase | None
    received_on: date | None
    askers: tuple[Asker, ...]
    group: str | None
    answering_units: tuple[str, ...]
    body_blocks: tuple[Block, ...]
    body_html: str
    body_text: str
    prepared_by: tuple[Participant, ...]
    signatories: tuple[Signatory, ...]
    distribution: tuple[str, ...]
    raw_text: str = field(repr=False)
    page_count: int | None = None
    copies_to: tuple[str, ...] = ()  # "V vednost:" (for information), when the letter has it

    @property
    def case_number(self) -> str:
        """The matter (številka zadeve), shared by the question, the replies and follow-ups."""
        return f"{self.classification}-{self.case_seq}/{self.case_year}"

    @property
    def is_interim(self) -> bool:
        """A holding reply ("Vmesni odgovor …"): the question stays open."""
        return _INTERIM.search(self.subject) is not None


# --- text: lines, parts, and joining broken lines ---------------------------------------------

Lines: TypeAlias = tuple[str, ...]

_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
# Control characters, as binary garbage or a broken PDF font can leave them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Page artefacts of a PDF: "2/3", "Stran 2 od 3", "- 2 -"; a bare "2" only as a part of its own.
_PAGE_LABEL = re.compile(
    r"^(?:(?:stran|str\.)\s*\d+\s*(?:od|/)\s*\d+|\d{1,3}\s*/\s*\d{1,3}|-\s*\d{1,3}\s*-)$", re.I
)
_BARE_NUMBER = re.compile(r"^\d{1,3}$")
_BOLD_MARK = "**"
# A line that ends a sentence or a clause does not run on into the next one.
_TERMINAL = re.compile(r"[.!?:;][\"'”“»)]*$")
_CLAUSE_END = re.compile(r"[.!?:;,)][\"'”“»)]*$")
# Hyphenated at the line end right after a letter, as "e-" + "uprava": joined without a space.
_LINE_END_HYPHEN = re.compile(r"[^\W\d_]-$")
# A line at least this share of the longest line is taken to be full: the text ran on.
_FULL_LINE = 0.75


def _clean(line: str) -> str:
    line = _INVISIBLE.sub("", line)
    line = _CONTROL.sub(" ", line)
    return _SPACES.sub(" ", line).strip()


def _plain(line: str) -> str:
    """A line without bold marks: every part but the answer itself is read as plain text."""
    return line.replace(_BOLD_MARK, "")


def _join(lines: Iterable[str]) -> str:
    """Re-join the lines of one paragraph that the page width (not the writer) broke."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text.endswith("\u00ad"):  # a soft hyphen: the word was hyphenated at the line end
            text = text[:-1] + line
        elif _LINE_END_HYPHEN.search(text) and line[:1].isalpha():
            text += line
        else:
            text += " " + line
    return text.replace("\u00ad", "")


def _is_label(line: str) -> bool:
    """A line that starts a part of the letter of its own, even with no blank line before it."""
    line = _plain(line)
    return any(
        pattern.match(line)
        for pattern in (
            _NUMBER_LABEL,
            _DATE_LABEL,
            _PLACE_DATE,
            _SUBJECT_LABEL,
            _HEADING,
            _PREPARED_LABEL,
            _DISTRIBUTION_LABEL,
            _COPIES_LABEL,
            _ENCLOSURES_LABEL,
        )
    )


def _chunks(text: str) -> list[Lines]:
    """The text as parts: runs of lines between blank lines, page artefacts and labels."""
    chunks: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = _clean(raw)
        if not line or _PAGE_LABEL.match(_plain(line)):
            chunks.append([])
            continue
        if _is_label(line) and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
        # The answer heading stands alone: what follows it is already the answer.
        if _HEADING.match(_plain(line)):
            chunks.append([])
    return [
        tuple(chunk)
        for chunk in chunks
        if chunk and not (len(chunk) == 1 and _BARE_NUMBER.match(_plain(chunk[0])))
    ]


def _full_width(chunks: Sequence[Lines]) -> int:
    return max((len(_plain(line)) for chunk in chunks for line in chunk), default=0)


def _is_full(line: str, width: int) -> bool:
    return len(_plain(line)) >= _FULL_LINE * width


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether ``line``, after a blank line or page break, carries on ``previous``'s sentence.

    A Slovenian sentence starts with a capital: a part that starts in lower case after a line
    that ended no sentence is the rest of it (the sample's "Še pred" / "tem je župan"). So is
    anything after a full line that ended no sentence, where the page, not the writer, ended it.
    """
    if _TERMINAL.search(_plain(previous)) or _list_marker(line) is not None:
        return False
    first = _plain(line)[:1]
    return first.islower() or _is_full(previous, width)


def _paragraphs(chunks: Sequence[Lines], width: int) -> list[list[str]]:
    """Parts as paragraphs (lists of lines), with a paragraph cut by a page re-joined."""
    paragraphs: list[list[str]] = []
    for chunk in chunks:
        if paragraphs and _continues(paragraphs[-1][-1], chunk[0], width):
            paragraphs[-1].extend(chunk)
        else:
            paragraphs.append(list(chunk))
    return paragraphs


# --- dates --------------------------------------------------------------------------------------

# Slovenian months, in the nominative ("maj") and in the genitive a date uses ("19. maja 2016").
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "januarja"),
            ("februar", "februarja"),
            ("marec", "marca"),
            ("april", "aprila"),
            ("maj", "maja"),
            ("junij", "junija"),
            ("julij", "julija"),
            ("avgust", "avgusta"),
            ("september", "septembra"),
            ("oktober", "oktobra"),
            ("november", "novembra"),
            ("december", "decembra"),
        ),
        start=1,
    )
    for name in names
}
_DATE_PATTERN = (
    r"(?<!\d)(?P<day>\d{1,2})\.\s*(?:(?P<month>\d{1,2})\.|(?P<month_name>[^\W\d_]+))"
    r"\s*(?P<year>\d{4})(?!\d)"
)
_DATE = re.compile(_DATE_PATTERN)


def _to_date(match: re.Match[str]) -> date | None:
    """The date a match names, or None if it names none (31.2.2016, "19. majj 2016")."""
    if match["month"] is not None:
        month = int(match["month"])
    else:
        month = _MONTHS.get(match["month_name"].casefold(), 0)
    try:
        return date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None


def _dates(text: str) -> Iterable[date]:
    """The real dates in a text, in order (a shape that names no date is passed over)."""
    for match in _DATE.finditer(text):
        found = _to_date(match)
        if found is not None:
            yield found


# --- the letterhead and the header ------------------------------------------------------------

_MUNICIPALITY = re.compile(r"^(?:mestna\s+)?občina\s+\S.*$", re.I)
_POSTCODE = re.compile(r"(?<!\d)\d{4}\s+(?P<place>[A-ZČŠŽĆĐ][^\W\d_]*(?:[ -][^\W\d_]+)*)\s*$")
_CONTACT_KEYS = (
    r"T|Tel\.?|Telefon|F|Faks|Fax|E|E-pošta|E-mail|Email|S|Splet|Spletna\s+stran|W|Web|Internet"
)
_CONTACT_SPLIT = re.compile(rf"\s*[•·|;]\s*|,\s*(?=(?:{_CONTACT_KEYS})\s*:)")
_CONTACT_ITEM = re.compile(rf"^(?P<key>{_CONTACT_KEYS})\s*:\s*(?P<value>\S.*)$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$")
_CONTACT_FIELDS = {
    "t": "phone",
    "tel": "phone",
    "tel.": "phone",
    "telefon": "phone",
    "f": "fax",
    "faks": "fax",
    "fax": "fax",
    "e": "email",
    "e-pošta": "email",
    "e-mail": "email",
    "email": "email",
}

_NUMBER_LABEL = re.compile(r"^(?:številka(?:\s+zadeve)?|štev\.|št\.)\s*:\s*(?P<value>.*)$", re.I)
_DATE_LABEL = re.compile(r"^datum\s*:\s*(?P<value>.*)$", re.I)
# "Kranj, 19.5.2016" or "Kranj, dne 19. maja 2016": the place and the date of the letter.
_PLACE_DATE = re.compile(
    r"^(?P<place>[A-ZČŠŽĆĐ][^\W\d_]*(?:[ -][^\W\d_]+)*)\s*,\s*(?:dne\s+)?"
    r"(?P<value>\d{1,2}\.\s*(?:\d{1,2}\.|[^\W\d_]+)\s*\d{4}\.?)$"
)
_SUBJECT_LABEL = re.compile(r"^zadeva\s*:\s*(?P<value>.*)$", re.I)
# The addressee is the council as a body when it is named first: "SVET MESTNE OBČINE KRANJ",
# "Svetu Mestne občine Kranj" (the dative of a cover line), "Mestni svet".
_COUNCIL = re.compile(r"^(?:za\s+)?(?:(?:mestn|občinsk)\w*\s+)?svet(?:u|a)?\b", re.I)


def _contacts(line: str) -> dict[str, str] | None:
    """The contact items of a letterhead line ("• T: 04 237 31 47"), or None if it is none."""
    found: dict[str, str] = {}
    for part in _CONTACT_SPLIT.split(line):
        if not part:
            continue
        item = _CONTACT_ITEM.match(part)
        if item is not None:
            key = re.sub(r"\s+", " ", item["key"].casefold())
            found.setdefault(_CONTACT_FIELDS.get(key, "website"), item["value"].strip())
        elif _EMAIL.match(part):
            found.setdefault("email", part)
        elif _WEBSITE.match(part) and part.casefold().startswith(("www.", "http")):
            found.setdefault("website", part)
        else:
            return None
    return found or None


def _letterhead(header: Sequence[str]) -> tuple[Letterhead | None, list[str]]:
    """The letterhead, and the header lines after it (where the number, date and addressee are).

    The municipality comes first; the unit's lines have no digits, the address ends with the
    postcode line ("Slovenski trg 1, 4000 Kranj"), contact lines follow.
    """
    start = next((i for i, line in enumerate(header) if _MUNICIPALITY.match(line)), None)
    if start is None:
        return None, list(header)
    i = start + 1
    unit: list[str] = []
    while i < len(header) and not re.search(r"\d", header[i]) and _contacts(header[i]) is None:
        if _is_label(header[i]) or len(unit) == 3:
            return None, list(header)
        unit.append(header[i])
        i += 1
    address: list[str] = []
    while i < len(header) and len(address) < 3 and not _is_label(header[i]):
        address.append(header[i])
        i += 1
        if _POSTCODE.search(address[-1]):
            break
    else:
        return None, list(header)
    contacts: dict[str, str] = {}
    while i < len(header) and (found := _contacts(header[i])) is not None:
        for key, value in found.items():
            contacts.setdefault(key, value)
        i += 1
    letterhead = Letterhead(
        municipality=header[start],
        unit=", ".join(unit),  # a unit on two lines ("Mestna uprava", "Oddelek …") is one
        address=", ".join(address),
        phone=contacts.get("phone"),
        fax=contacts.get("fax"),
        email=contacts.get("email"),
        website=contacts.get("website"),
    )
    return letterhead, list(header[i:])


@dataclass(frozen=True)
class _Reference:
    number: str
    classification: str
    case_seq: int
    case_year: int
    document_seq: int
    suffix: str | None


def _reference(header: Sequence[str], problems: set[Problem]) -> _Reference | None:
    for i, line in enumerate(header):
        label = _NUMBER_LABEL.match(line)
        if label is None:
            continue
        value = label["value"].strip()
        if not value and i + 1 < len(header):  # the number on the line under its label
            value = header[i + 1]
        match = REFERENCE_NUMBER.match(value)
        if match is None:
            problems.add(Problem.BAD_NUMBER)
            return None
        return _Reference(
            number=value,
            classification=match["cls"],
            case_seq=int(match["case"]),
            case_year=int(match["year"]),
            document_seq=int(match["doc"]),
            suffix=match["suffix"],
        )
    problems.add(Problem.NO_NUMBER)
    return None


def _letter_date(header: Sequence[str], problems: set[Problem]) -> tuple[date | None, str | None]:
    """The date of the letter ("Datum:" first, else "Kranj, 19.5.2016"), and the place if named."""
    labelled = next((m["value"] for line in header if (m := _DATE_LABEL.match(line))), None)
    place_date = next((m for line in header if (m := _PLACE_DATE.match(line))), None)
    place = None
    # "V Kranju, …" names the place in the locative: the letterhead's postcode names it better.
    if place_date is not None and not place_date["place"].casefold().startswith("v "):
        place = place_date["place"]
    value = labelled if labelled is not None else place_date["value"] if place_date else None
    if value is None:
        problems.add(Problem.NO_DATE)
        return None, place
    match = _DATE.search(value)
    found = _to_date(match) if match is not None else None
    if found is None:
        problems.add(Problem.BAD_DATE)
    return found, place


def _addressee(header: Sequence[str], problems: set[Problem]) -> str | None:
    lines = [
        line
        for line in header
        if not (_NUMBER_LABEL.match(line) or _DATE_LABEL.match(line) or _PLACE_DATE.match(line))
        and REFERENCE_NUMBER.match(line) is None  # a number on the line under its label
    ]
    if not lines:
        problems.add(Problem.NO_ADDRESSEE)
        return None
    return ", ".join(lines)


# --- the subject, the restatement and who asked -----------------------------------------------

_INTERIM = re.compile(r"\bvmesn\w*\s+odgovor", re.I)
# "pobuda" (an initiative) in any case: pobudo, pobude, pobudi…; not "pobudnik" (its author).
_KIND_WORD = re.compile(
    r"\b(?:(?P<initiative>pobud(?:a|e|i|o|am|ah|ami)?)|(?P<question>vprašanj\w*))\b", re.I
)
_SALUTATION = re.compile(r"^(?:spoštovan|cenjen|drag)\w*\b.{0,60}$", re.I)
_SESSION = re.compile(
    r"\b[Nn]a\s+(?P<number>\d{1,3})\.\s+(?P<adjective>(?:redn|izredn|dopisn|nujn)\w*\s+)?seji\s+"
    r"(?P<body>[^\W\d_][^,\d]*?)(?:\s*,\s*|\s+)(?:ki\s+je\s+bila\s+)?(?:(?:z\s+)?dne\s+)?"
    rf"(?P<date>{_DATE_PATTERN})"
)
_WRITTEN_ON = re.compile(rf"\bdne\s+(?P<date>{_DATE_PATTERN})", re.I)

# Names of councillors: capitalised words (a surname may be double: "Novak-Kos"), after
# optional titles ("mag.", "dr."). Case-sensitive: a name is what is capitalised.
_TITLE = r"(?:(?:dr|mag|prof|doc|izr|mr)\.\s*)"
_NAME_WORD = r"[A-ZČŠŽĆĐ](?:[^\W\d_]|['\u2019])+"  # O'Brien, with either apostrophe
_NAME = rf"{_TITLE}*{_NAME_WORD}(?:(?:\s+|-){_NAME_WORD}){{1,3}}"
# A councillor's title in every form a restatement uses: svetnik, svetnika (genitive, or the
# dual "svetnika X in Y"), svetniku, svetnikom, svetniki, svetnikov; svetnica, svetnice,
# svetnici (dative, or the dual), svetnico, svetnic. The title is capitalised at a sentence start.
_ASKERS = re.compile(
    r"\b(?i:svetni(?P<form>k|ka|ku|kom|ki|kov|koma|ca|ce|ci|co|c))\s+"
    rf"(?P<names>{_NAME}(?:(?:\s*,\s*|\s+in\s+|\s+ter\s+){_NAME})*)"
)
_ONE_NAME = re.compile(_NAME)
_GROUP = re.compile(r"\bsvetnišk(?:a|e|i|o)\s+skupin(?:a|e|i|o)\s+", re.I)
_QUOTED = re.compile(r"^[„\"“«'](?P<name>[^„\"“”«»']+)[\"“”»']")
# Short words inside a group's name ("Lista za Kranj", "Nova Slovenija – Krščanski demokrati").
_GROUP_JOINERS = {"za", "in", "iz", "v", "na", "z", "s", "ob", "pri", "–", "-"}


def _subject(chunk: Lines | None, problems: set[Problem]) -> str | None:
    if chunk is None:
        problems.add(Problem.NO_SUBJECT)
        return None
    lines = [_plain(line) for line in chunk]
    label = _SUBJECT_LABEL.match(lines[0])
    first = label["value"].strip() if label is not None else lines[0]
    subject = _join([line for line in (first, *lines[1:]) if line])
    if not subject:
        problems.add(Problem.NO_SUBJECT)
        return None
    return subject


def _restatement(chunks: Sequence[Lines], width: int, problems: set[Problem]) -> str | None:
    chunks = [
        chunk for chunk in chunks if not (len(chunk) == 1 and _SALUTATION.match(_plain(chunk[0])))
    ]
    paragraphs = [_join(_plain(line) for line in lines) for lines in _paragraphs(chunks, width)]
    if not paragraphs:
        problems.add(Problem.NO_RESTATEMENT)
        return None
    return "\n\n".join(paragraphs)


def _question_kind(subject: str, restatement: str) -> Literal["question", "initiative"]:
    """A question (vprašanje) or an initiative (pobuda): the subject says, else the restatement."""
    for text in (subject, restatement):
        match = _KIND_WORD.search(text)
        if match is not None:
            return "initiative" if match["initiative"] else "question"
    return "question"


def _session(restatement: str, problems: set[Problem]) -> SessionPhrase | None:
    match = _SESSION.search(restatement)
    if match is None:
        return None
    held_on = _to_date(match)
    if held_on is None:
        problems.add(Problem.BAD_SESSION_DATE)
        return None
    adjective = (match["adjective"] or "").casefold()
    kind = SessionKind.REGULAR
    if adjective.startswith("izredn"):  # "Na 3. izredni seji"
        kind = SessionKind.EXTRAORDINARY
    elif adjective.startswith("dopisn"):  # "Na 2. dopisni seji": voted by correspondence
        kind = SessionKind.CORRESPONDENCE
    return SessionPhrase(
        text=match[0],
        number=int(match["number"]),
        kind=kind,
        held_on=held_on,
        body=match["body"].strip(),
    )


def _received_on(restatement: str) -> date | None:
    """The date of a written question: "je dne 3. 2. 2020 v pisni obliki", "z dopisom z dne …"."""
    for match in _WRITTEN_ON.finditer(restatement):
        found = _to_date(match)
        if found is not None:
            return found
    return next(iter(_dates(restatement)), None)


def _askers(restatement: str) -> tuple[Asker, ...]:
    """The councillors named after svetnik/svetnica, with the gender the form tells.

    One name after a masculine form is a man (svetnik, svetnika, svetniku), after a feminine form
    a woman (svetnica, svetnice, svetnici, svetnico). Several names after a feminine form (the
    dual "svetnici", the plural "svetnice") are all women; after a masculine one (the dual
    "svetnika", the plural "svetniki") the group may be mixed, as Slovenian uses the masculine
    for mixed groups, so their genders are not known.
    """
    askers: dict[str, Asker] = {}
    for match in _ASKERS.finditer(restatement):
        names = _ONE_NAME.findall(match["names"])
        feminine = match["form"].startswith("c")
        gender: Literal["m", "f"] | None = "f" if feminine else "m"
        if len(names) > 1 and not feminine:
            gender = None
        for name in names:
            askers.setdefault(name, Asker(name=name, gender=gender))
    return tuple(askers.values())


def _group(restatement: str) -> str | None:
    """The councillors' group: "svetniška skupina SDS" → "SDS", "… Lista za Kranj je …"."""
    match = _GROUP.search(restatement)
    if match is None:
        return None
    rest = restatement[match.end() :]
    quoted = _QUOTED.match(rest)
    if quoted is not None:
        return quoted["name"].strip()
    words = rest.split()
    name: list[str] = []
    for i, word in enumerate(words):
        bare = word.rstrip(",.;:!?)")
        following = words[i + 1] if i + 1 < len(words) else ""
        if bare[:1].isupper() or bare[:1] == "(":
            name.append(bare.strip("()"))
        elif word in _GROUP_JOINERS and following[:1].isupper() and name:
            name.append(word)
        else:
            break
        if bare != word:  # punctuation ends the name
            break
    return " ".join(name) or None


# --- the answer: heading, body blocks, inline bold --------------------------------------------

_HEADING = re.compile(r"^(?:vmesni\s+)?odgovor(?P<units>\s+[^:]{1,200}?)?\s*:\s*$", re.I)
# Units are split at dashes, and at commas and "in" only before a capital: "Urada za okolje in
# prostor" is one unit, "Kabineta župana in Urada za finance" two.
_UNIT_SEPARATOR = re.compile(r"\s+[–-]\s+|,\s+(?=[A-ZČŠŽĆĐ])|\s+in\s+(?=[A-ZČŠŽĆĐ])")
_BULLET = re.compile(r"^(?:[-–]\s+|[•·▪●◦]\s*)(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^(?P<number>\d{1,2})[.)]\s+(?P<text>\S.*)$")
_LEADING_DATE = re.compile(rf"^{_DATE_PATTERN}|^\d{{1,2}}\.\s*(?:{'|'.join(_MONTHS)})\b", re.I)
_BOLD = re.compile(r"\*\*(?=\S)(?P<text>.+?)(?<=\S)\*\*")


def _heading(chunk: Lines) -> tuple[str, ...] | None:
    """The answering units of an answer heading ("Odgovor Kabinet župana – Pisarna …:")."""
    match = _HEADING.match(_plain(chunk[0])) if len(chunk) == 1 else None
    if match is None:
        return None
    units = (match["units"] or "").strip()
    return tuple(unit.strip() for unit in _UNIT_SEPARATOR.split(units) if unit.strip())


def _list_marker(line: str) -> tuple[str, int | None, str] | None:
    """("bullet" | "numbered", number, text) if the line starts a list item by its shape."""
    bullet = _BULLET.match(line)
    if bullet is not None:
        return "bullet", None, bullet["text"]
    numbered = _NUMBERED.match(line)
    if numbered is not None and not _LEADING_DATE.match(_plain(line)):
        return "numbered", int(numbered["number"]), numbered["text"]
    return None


@dataclass
class _Draft:
    """A block being put together from lines: a paragraph (kind "paragraph") or a list."""

    kind: str
    items: list[list[str]]
    start: int = 1

    @property
    def last_line(self) -> str:
        return self.items[-1][-1]

    @property
    def next_number(self) -> int:
        return self.start + len(self.items)


def _item_start(
    line: str, previous: str | None, last: _Draft | None, width: int
) -> tuple[str, int | None, str] | None:
    """The marker of a line that starts a list item, or None if it carries a sentence on.

    A wrapped line can start with "- " or "16. " by chance ("V okviru cilja" / "- Kranj …");
    an item starts where the line before it ended (with punctuation, or short of the width),
    and a number must be the next one of its list (or 1).
    """
    marker = _list_marker(line)
    if marker is None:
        return None
    if previous is not None and _is_full(previous, width) and not _CLAUSE_END.search(previous):
        return None
    kind, number, _ = marker
    if kind == "numbered":
        expected = last.next_number if last is not None and last.kind == "numbered" else 1
        if number not in (1, expected):
            return None
    return marker


def _drafts(chunks: Sequence[Lines], width: int) -> list[_Draft]:
    drafts: list[_Draft] = []
    for chunk in chunks:
        for k, line in enumerate(chunk):
            previous = chunk[k - 1] if k else None
            last = drafts[-1] if drafts else None
            marker = _item_start(line, previous, last, width)
            if marker is not None:
                kind, number, text = marker
                if last is not None and last.kind == kind and number in (None, last.next_number):
                    last.items.append([text])  # the next item (after a blank line too)
                else:
                    drafts.append(_Draft(kind, [[text]], start=number or 1))
            elif (
                last is None
                or (k == 0 and not _continues(last.last_line, line, width))
                or (last.kind != "paragraph" and _ends_list(previous, line, width))
            ):
                drafts.append(_Draft("paragraph", [[line]]))
            else:
                last.items[-1].append(line)  # a wrapped line, or the rest after a page break
    return drafts


def _ends_list(previous: str | None, line: str, width: int) -> bool:
    """A line with no marker after a list item, in one part: a new paragraph if the item ended."""
    return (
        previous is not None
        and not _is_full(previous, width)
        and _TERMINAL.search(_plain(previous)) is not None
        and _plain(line)[:1].isupper()
    )


def _spans(text: str) -> tuple[Span, ...]:
    """Inline text with ``**bold**`` as spans; bold words split by a line break are one span."""
    spans: list[Span] = []
    position = 0
    for match in _BOLD.finditer(text):
        between = text[position : match.start()]
        if spans and spans[-1].bold and between.isspace():
            spans[-1] = Span(spans[-1].text + " " + match["text"], bold=True)
        else:
            if between:
                spans.append(Span(between))
            spans.append(Span(match["text"], bold=True))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:]))
    return tuple(spans)


def _blocks(chunks: Sequence[Lines], width: int) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for draft in _drafts(chunks, width):
        if draft.kind == "paragraph":
            blocks.append(Paragraph(_spans(_join(draft.items[0]))))
            continue
        items = tuple(ListItem(_spans(_join(lines))) for lines in draft.items)
        if draft.kind == "bullet":
            blocks.append(BulletList(items))
        else:
            blocks.append(NumberedList(items, start=draft.start))
    return tuple(blocks)


def _inline_html(spans: Iterable[Span]) -> str:
    return "".join(
        f"<strong>{html.escape(span.text)}</strong>" if span.bold else html.escape(span.text)
        for span in spans
    )


def body_html(blocks: Iterable[Block]) -> str:
    """The answer as HTML of <p>, <strong>, <ul>, <ol> and <li> only, the text escaped."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{_inline_html(block.spans)}</p>")
        else:
            tag = "ul" if isinstance(block, BulletList) else "ol"
            items = "".join(f"<li>{_inline_html(item.spans)}</li>" for item in block.items)
            parts.append(f"<{tag}>{items}</{tag}>")
    return "\n".join(parts)


def body_text(blocks: Iterable[Block]) -> str:
    """The answer as plain text: paragraphs apart by blank lines, items as "- …" or "1. …"."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, BulletList):
            parts.append("\n".join(f"- {item.text}" for item in block.items))
        else:
            parts.append(
                "\n".join(f"{block.start + i}. {item.text}" for i, item in enumerate(block.items))
            )
    return "\n\n".join(parts)


# --- the end: prepared by, signatories, distribution ------------------------------------------

_PREPARED_LABEL = re.compile(
    r"^pripravil(?:a|i|e)?(?:\s+(?:je|sta|so))?\s*:\s*(?P<value>.*)$", re.I
)
_DISTRIBUTION_LABEL = re.compile(
    r"^(?:poslano|poslati|vročiti|vročeno|prejmejo|prejemniki)\s*:\s*(?P<value>.*)$", re.I
)
_COPIES_LABEL = re.compile(r"^v\s+vednost\s*:\s*(?P<value>.*)$", re.I)
_ENCLOSURES_LABEL = re.compile(r"^prilog[aei]\s*:\s*(?P<value>.*)$", re.I)
_ENTRY_MARKER = re.compile(r"^(?:[-–•·▪]\s*|\d{1,2}[.)]\s+)")
# A name line of a signature: capitalised words, maybe with titles and ", l.r." after it.
_NAME_LINE = re.compile(rf"^{_NAME}(?:,?\s*(?:l\.\s*r\.|univ\.|dipl\.|mag\.)[\w .,]*)?$")
# "Po pooblastilu župana" above a name signs on the mayor's authority: it belongs to that name.
_BY_AUTHORITY_ABOVE = re.compile(r"^Po\s+pooblastilu\b")
_SIGNATURE_LINE_MAX = 80


@dataclass
class _Tail:
    prepared: list[str] = field(default_factory=list)
    distribution: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    signature_chunks: list[Lines] = field(default_factory=list)


_TAIL_LABELS = (
    ("prepared", _PREPARED_LABEL),
    ("distribution", _DISTRIBUTION_LABEL),
    ("copies", _COPIES_LABEL),
    ("enclosures", _ENCLOSURES_LABEL),
)


def _is_tail_label(chunk: Lines) -> bool:
    return _tail_label(chunk) is not None


def _is_signature(chunk: Lines) -> bool:
    """Short lines with a name followed by a function (or a lone name or "Po pooblastilu")."""
    lines = [_plain(line) for line in chunk]
    if len(lines) > 6 or any(len(line) > _SIGNATURE_LINE_MAX for line in lines):
        return False
    if len(lines) == 1:
        return bool(_NAME_LINE.match(lines[0]) or _BY_AUTHORITY_ABOVE.match(lines[0]))
    return any(_NAME_LINE.match(line) for line in lines[:-1][:3])


def _signature_start(chunks: Sequence[Lines], start: int, end: int) -> int:
    """Where the signatures just before the end labels begin (``end`` if there are none)."""
    i = end
    while i > start:
        chunk = chunks[i - 1]
        if not _is_signature(chunk):
            # A short line of its own goes with a signature above it: a function under a name
            # alone (the room for the signature between them), or "r.p. 2011" between two.
            above = chunks[i - 2] if i - 1 > start else None
            short = len(chunk) == 1 and len(_plain(chunk[0])) <= _SIGNATURE_LINE_MAX
            if not (short and above is not None and _is_signature(above)):
                break
            if i == end and not (len(above) == 1 and _NAME_LINE.match(_plain(above[0]))):
                break
        i -= 1
    return i


def _entries(lines: Iterable[str]) -> list[str]:
    """Distribution entries: "- Svet Mestne občine Kranj"; an unmarked line carries one on."""
    lines = [_plain(line) for line in lines]
    marked = any(_ENTRY_MARKER.match(line) for line in lines)
    entries: list[str] = []
    for line in lines:
        marker = _ENTRY_MARKER.match(line)
        if marker is not None or not marked or not entries:
            entries.append(line[marker.end() :] if marker else line)
        else:
            entries[-1] = _join([entries[-1], line])
    return [entry.strip() for entry in entries if entry.strip()]


def _tail_label(chunk: Lines) -> tuple[str, str] | None:
    """("prepared" | "distribution" | "copies" | "enclosures", the rest of the line) of a label."""
    first = _plain(chunk[0])
    for section, pattern in _TAIL_LABELS:
        match = pattern.match(first)
        if match is not None:
            return section, match["value"].strip()
    return None


def _tail(chunks: Sequence[Lines]) -> _Tail:
    """Sort the parts after the answer into prepared-by, distribution, copies and signatures."""
    tail = _Tail()
    i = 0
    while i < len(chunks):
        label = _tail_label(chunks[i])
        if label is None:
            tail.signature_chunks.append(chunks[i])
            i += 1
            continue
        section, rest = label
        lines = [line for line in (rest, *map(_plain, chunks[i][1:])) if line]
        i += 1
        if not lines and i < len(chunks) and _tail_label(chunks[i]) is None:
            lines = [_plain(line) for line in chunks[i]]  # the entries under a label of its own
            i += 1
        if section == "prepared":
            tail.prepared.extend(lines)
            continue
        # A list goes on over blank lines while its lines keep their markers.
        while i < len(chunks) and _ENTRY_MARKER.match(_plain(chunks[i][0])):
            lines.extend(_plain(line) for line in chunks[i])
            i += 1
        if section == "distribution":
            tail.distribution.extend(_entries(lines))
        elif section == "copies":
            tail.copies.extend(_entries(lines))
        # Enclosures ("Priloge:") are read past: the signed original keeps them.
    return tail


def _participant(line: str) -> Participant:
    """ "Ana Vizovišek, Pisarna za podjetja" → the name, and the unit after the first comma."""
    name, _, unit = line.rstrip(" .;").partition(",")
    return Participant(name=name.strip(), unit=unit.strip() or None)


def _signatories(chunks: Sequence[Lines]) -> tuple[Signatory, ...]:
    """Name + function blocks in order; lines that are neither go with the name they qualify."""
    merged: list[list[str]] = []
    for chunk in chunks:
        lines = [_plain(line) for line in chunk]
        # A name alone, its function after a gap (a signature's room): one block.
        lone_name = merged and len(merged[-1]) == 1 and _NAME_LINE.match(merged[-1][0])
        if lone_name and not _NAME_LINE.match(lines[0]):
            merged[-1].extend(lines)
            continue
        merged.append(lines)
    signatories: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []
    for lines in merged:
        at = next(
            (i for i, line in enumerate(lines[:-1]) if _NAME_LINE.match(line)),
            None,
        )
        if at is None:
            if signatories and not _BY_AUTHORITY_ABOVE.match(lines[0]):
                signatories[-1][2].extend(lines)  # "r.p. 2011" under the block above
            else:
                pending.extend(lines)
            continue
        extra = [*pending, *lines[:at], *lines[at + 2 :]]
        pending = []
        signatories.append((lines[at], lines[at + 1], extra))
    if pending and signatories:
        signatories[-1][2].extend(pending)
    return tuple(
        Signatory(order=n, name=name, function=function, extra_lines=tuple(extra))
        for n, (name, function, extra) in enumerate(signatories, start=1)
    )


# --- the letter ---------------------------------------------------------------------------------


def _first(chunks: Sequence[Lines], start: int, test: Callable[[Lines], object]) -> int | None:
    return next((i for i in range(start, len(chunks)) if test(chunks[i])), None)


def _is_prose(chunk: Lines) -> bool:
    text = _plain(" ".join(chunk))
    return len(text) > 120 or bool(_SESSION.search(text) or _ASKERS.search(text))


@dataclass(frozen=True)
class _Layout:
    """Where the parts of the letter are, as indices into its chunks."""

    header: slice
    subject: int | None
    restatement: slice
    heading: int | None
    body: slice
    signatures: slice
    tail: slice


def _layout(chunks: Sequence[Lines]) -> _Layout:
    """Find the parts by their anchors: the subject ("Zadeva:") and the answer heading.

    The restatement lies between the two; with one of them missing it is the paragraph after
    the subject or the prose before the heading, and with both missing it cannot be told.
    """
    end = len(chunks)
    subject = _first(chunks, 0, lambda c: _SUBJECT_LABEL.match(_plain(c[0])))
    heading = _first(
        chunks, 0 if subject is None else subject + 1, lambda c: _heading(c) is not None
    )
    if subject is not None:
        header_end, start = subject, subject + 1
    else:
        found = _first(chunks, 0, lambda c: _is_prose(c) or _heading(c) is not None)
        header_end = start = end if found is None else found
    if heading is not None:
        restatement, body_start = slice(start, heading), heading + 1
    elif subject is not None:
        restatement, body_start = slice(start, min(start + 1, end)), min(start + 1, end)
    else:
        restatement, body_start = slice(start, start), start
    tail_start = _first(chunks, body_start, _is_tail_label)
    tail_start = end if tail_start is None else tail_start
    signatures_start = _signature_start(chunks, body_start, tail_start)
    has_body = heading is not None or subject is not None
    return _Layout(
        header=slice(0, header_end),
        subject=subject,
        restatement=restatement,
        heading=heading,
        body=slice(body_start, signatures_start if has_body else body_start),
        signatures=slice(signatures_start, tail_start),
        tail=slice(tail_start, end),
    )


def parse(text: str, *, page_count: int | None = None) -> ParsedLetter:
    """Read a reply letter from its text, or raise ``LetterUnreadable`` naming every problem.

    ``page_count`` is the number of pages of the PDF the text came from, when it did.
    """
    chunks = _chunks(text)
    width = _full_width(chunks)
    layout = _layout(chunks)
    problems: set[Problem] = set()

    header = [_plain(line) for chunk in chunks[layout.header] for line in chunk]
    letterhead, after_letterhead = _letterhead(header)
    if letterhead is None:
        problems.add(Problem.NO_LETTERHEAD)
    reference = _reference(after_letterhead, problems)
    letter_date, dated_at = _letter_date(after_letterhead, problems)
    # Without a letterhead above it or a subject below it, nothing tells where it would be.
    bounded = letterhead is not None or layout.subject is not None
    addressee = _addressee(after_letterhead if bounded else [], problems)
    subject = _subject(chunks[layout.subject] if layout.subject is not None else None, problems)
    restatement = _restatement(chunks[layout.restatement], width, problems)
    session = _session(restatement, problems) if restatement is not None else None
    askers = _askers(restatement or "")
    group = _group(restatement or "")
    if not askers and group is None:
        problems.add(Problem.NO_ASKER)
    units = _heading(chunks[layout.heading]) if layout.heading is not None else None
    if units is None:
        problems.add(Problem.NO_ANSWER_HEADING)
    blocks = _blocks(chunks[layout.body], width)
    if not blocks:
        problems.add(Problem.NO_BODY)
    tail = _tail(chunks[layout.tail])
    signatories = _signatories([*chunks[layout.signatures], *tail.signature_chunks])
    if not signatories:
        problems.add(Problem.NO_SIGNATORY)
    if not tail.distribution:
        problems.add(Problem.NO_DISTRIBUTION)

    if (
        problems
        or letterhead is None
        or reference is None
        or letter_date is None
        or addressee is None
        or subject is None
        or restatement is None
        or units is None
    ):
        raise LetterUnreadable([problem for problem in Problem if problem in problems])
    return ParsedLetter(
        reference_number=reference.number,
        classification=reference.classification,
        case_seq=reference.case_seq,
        case_year=reference.case_year,
        document_seq=reference.document_seq,
        reference_suffix=reference.suffix,
        letter_date=letter_date,
        place=dated_at or _place(letterhead),
        letterhead=letterhead,
        addressee=addressee,
        addressee_is_council=_COUNCIL.match(addressee) is not None,
        subject=subject,
        question_kind=_question_kind(subject, restatement),
        restatement=restatement,
        session=session,
        received_on=_received_on(restatement) if session is None else None,
        askers=askers,
        group=group,
        answering_units=units,
        body_blocks=blocks,
        body_html=body_html(blocks),
        body_text=body_text(blocks),
        prepared_by=tuple(_participant(line) for line in tail.prepared),
        signatories=signatories,
        distribution=tuple(tail.distribution),
        copies_to=tuple(tail.copies),
        raw_text=text,
        page_count=page_count,
    )


def _place(letterhead: Letterhead) -> str:
    """The place after the postcode of the letterhead's address ("4000 Kranj" → "Kranj")."""
    match = _POSTCODE.search(letterhead.address)
    return match["place"] if match is not None else ""
