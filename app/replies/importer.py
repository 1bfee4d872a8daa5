"""Import of existing letters: the text (or PDF) of a letter becomes a draft reply.

``letters.parse`` reads the letter's parts; this module finds what they name in Glas — the
issuing and answering units, the council, the session, the councillors, the question — and
creates what does not exist yet: the session, the councillor's person record (with a seat
in the term, since the letter shows they held one), and the question. Then it writes the
draft with every field filled, for a second official to check and approve (four eyes apply
to imports too). A PDF is kept as the signed original, with its hash.

Nothing is saved when anything is wrong: ``plan`` collects every problem first and ``apply``
runs only on a plan without any; the caller's transaction holds everything else. A letter
already imported (same number) is refused, never duplicated.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.core.time import today as local_today
from app.council.models import CouncilBody, CouncillorGroup, CouncilMandate, Person, Term
from app.council.services import the_council
from app.extensions import db
from app.initiatives import lemmas
from app.notifications import recording
from app.org.models import OrgUnit
from app.questions import services as question_services
from app.questions.models import Form, Kind, Origin, Question
from app.replies import letters, pdftext, permissions, services
from app.replies.letters import BulletList, NumberedList, Paragraph, ParsedLetter, Span
from app.replies.models import (
    REFERENCE_MAX,
    AddresseeKind,
    DistributionKind,
    Reply,
    ReplyType,
    parse_reference,
)
from app.sessions import services as session_services
from app.sessions.models import CouncilSession, SessionKind

#: Largest file read (bytes): a letter is a few pages.
MAX_BYTES = 10 * 1024 * 1024


class Unreadable(Exception):
    """The input is not a letter Glas can read; ``problems`` says what is missing or wrong,
    in the user's language."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass
class Plan:
    """What an import would save: what it found, what it would create, what is wrong."""

    letter: ParsedLetter
    issuer: OrgUnit | None = None
    units: list[OrgUnit] = field(default_factory=list)
    council: CouncilBody | None = None
    addressee: Person | None = None
    term: Term | None = None
    session: CouncilSession | None = None
    new_session: bool = False
    people: list[Person | None] = field(default_factory=list)
    group: CouncillorGroup | None = None
    question: Question | None = None
    problems: list[str] = field(default_factory=list)
    pdf: bytes | None = None

    def summary(self) -> list[str]:
        """What would be saved, line by line (``--dry-run`` prints it)."""
        letter = self.letter
        return [
            f"number: {letter.reference_number} (case {letter.case_number}, "
            f"document {letter.document_seq}, suffix {letter.reference_suffix!r})",
            f"date: {letter.letter_date.isoformat()}, place: {letter.place}",
            f"issuer: {self.issuer.name if self.issuer else letter.letterhead.unit}",
            f"addressee: {letter.addressee}",
            f"subject: {letter.subject}",
            f"kind: {letter.question_kind}",
            "session: "
            + (
                f"{letter.session.number}. {letter.session.kind.value} "
                f"{letter.session.held_on.isoformat()}" + (" (new)" if self.new_session else "")
                if letter.session
                else f"none (written, received {letter.received_on})"
            ),
            "askers: "
            + ", ".join(
                f"{asker.name}{'' if person else ' (new)'}"
                for asker, person in zip(letter.askers, self.people, strict=False)
            ),
            f"group: {letter.group}" if letter.group else "group: none",
            "answering units: " + ", ".join(unit.name for unit in self.units),
            f"question: {'#' + str(self.question.id) if self.question else 'new'}",
            "prepared by: " + "; ".join(p.name for p in letter.prepared_by),
            "signed by: " + "; ".join(f"{s.name} ({s.function})" for s in letter.signatories),
            "sent to: " + "; ".join(letter.distribution),
            f"body: {len(letter.body_blocks)} blocks, {len(letter.body_text)} characters",
            f"signed PDF: {'yes' if self.pdf else 'no'}",
        ]


# --- reading ----------------------------------------------------------------------------------


def read(data: bytes) -> tuple[ParsedLetter, bytes | None]:
    """The letter in a file's bytes: a PDF (kept as the signed original) or plain text.

    :raise Unreadable: not a PDF with text, not UTF-8 text, or not a letter.
    """
    if not data.strip():
        raise Unreadable([gettext("The file is empty.")])
    if len(data) > MAX_BYTES:
        raise Unreadable([gettext("The file is too large to be a letter.")])
    pdf: bytes | None = None
    page_count: int | None = None
    if data.startswith(b"%PDF-"):
        try:
            extracted = pdftext.extract(data)
        except pdftext.PdfUnreadable as error:
            raise Unreadable([str(error) or gettext("The PDF has no text to read.")]) from None
        text, page_count, pdf = extracted.text, extracted.page_count, data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Unreadable(
                [gettext("The file is neither a PDF nor plain text in UTF-8.")]
            ) from None
    return parse_text(text, page_count=page_count), pdf


def parse_text(text: str, *, page_count: int | None = None) -> ParsedLetter:
    try:
        return letters.parse(text, page_count=page_count)
    except letters.LetterUnreadable as error:
        raise Unreadable([str(letters.PROBLEM_MESSAGES[p]) for p in error.problems]) from None


# --- matching what the letter names -------------------------------------------------------------


def name_key(text: str) -> tuple[str, ...]:
    """A name compared by its words' lemmas: "Urada za okolje" finds "Urad za okolje".

    Letters name units and people in whatever case the sentence needs (the genitive after
    "Odgovor", "svetnika Janeza Novaka"); the lemmas and the folded letters make the forms
    of one name equal.
    """
    words = lemmas.split(unicodedata.normalize("NFC", text))
    return tuple((lemmas.keys(written, folded) or (folded,))[0] for written, folded in words)


def _find_unit(name: str) -> OrgUnit | None:
    key = name_key(name)
    if not key:
        return None
    for unit in db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.id)):
        if name_key(unit.name) == key:
            return unit
    return None


def _find_person(name: str) -> Person | None:
    key = name_key(name)
    exact = db.session.scalar(sa.select(Person).where(Person.name == name))
    if exact is not None:
        return exact
    for person in db.session.scalars(sa.select(Person).order_by(Person.id)):
        if name_key(person.name) == key:
            return person
    return None


def _term_on(council: CouncilBody, day: object) -> Term | None:
    return db.session.scalar(
        sa.select(Term).where(
            Term.body_id == council.id,
            Term.starts_on <= day,
            sa.or_(Term.ends_on.is_(None), Term.ends_on >= day),
        )
    )


_SESSION_KINDS = {
    letters.SessionKind.REGULAR: SessionKind.REGULAR,
    letters.SessionKind.EXTRAORDINARY: SessionKind.EXTRAORDINARY,
    letters.SessionKind.CORRESPONDENCE: SessionKind.CORRESPONDENCE,
}


def _find_session(council: CouncilBody, phrase: letters.SessionPhrase) -> CouncilSession | None:
    # Regular unless the phrase says otherwise, matched by number and date.
    return db.session.scalar(
        sa.select(CouncilSession).where(
            CouncilSession.body_id == council.id,
            CouncilSession.kind == _SESSION_KINDS[phrase.kind],
            CouncilSession.number == phrase.number,
            CouncilSession.held_on == phrase.held_on,
        )
    )


def _find_question(plan: Plan) -> Question | None:
    """The councillor's question the letter answers, if Glas has it already."""
    letter = plan.letter
    query = sa.select(Question).where(
        Question.origin == Origin.COUNCILLOR,
        Question.kind
        == (Kind.INITIATIVE if letter.question_kind == "initiative" else Kind.QUESTION),
    )
    if plan.session is not None:
        query = query.where(Question.session_id == plan.session.id)
    elif letter.received_on is not None:
        query = query.where(Question.received_on == letter.received_on)
    else:
        return None
    candidates = list(db.session.scalars(query.order_by(Question.id)))
    by_case = [q for q in candidates if q.case_number == letter.case_number]
    if by_case:
        return by_case[0]
    people = {person.id for person in plan.people if person is not None}
    for question in candidates:
        authors = {author.person_id for author in question.authors}
        if people and people <= authors:
            return question
        if plan.group is not None and question.group_id == plan.group.id:
            return question
    return None


def plan(letter: ParsedLetter, *, pdf: bytes | None = None) -> Plan:
    """Match the letter against Glas without writing anything; every problem is collected."""
    found = Plan(letter=letter, pdf=pdf)
    problems = found.problems
    existing = db.session.scalar(
        sa.select(Reply.id).where(Reply.reference_number == letter.reference_number)
    )
    if existing is not None:
        problems.append(
            gettext(
                "A letter with the number %(number)s is already in Glas.",
                number=letter.reference_number,
            )
        )
    problems.extend(_content_problems(letter))
    unit_name = letter.letterhead.unit or (
        letter.answering_units[0] if letter.answering_units else ""
    )
    found.issuer = _find_unit(unit_name) if unit_name else None
    if found.issuer is None:
        problems.append(
            gettext("No unit in Glas is called “%(name)s” (the letterhead).", name=unit_name)
        )
    for name in letter.answering_units:
        unit = _find_unit(name)
        if unit is None:
            problems.append(
                gettext("No unit in Glas is called “%(name)s” (the answer's heading).", name=name)
            )
        elif unit not in found.units:
            found.units.append(unit)
    found.council = the_council()
    if found.council is None:
        problems.append(gettext("Glas has no council yet (flask council add-term)."))
        return found
    if not letter.addressee_is_council:
        found.addressee = _find_person(letter.addressee)
    day = letter.session.held_on if letter.session else letter.received_on
    if day is None:
        problems.append(gettext("The letter names neither a session nor the day it was received."))
        return found
    found.term = _term_on(found.council, day)
    if found.term is None:
        problems.append(gettext("The council has no term on %(day)s.", day=day.isoformat()))
        return found
    if letter.session is not None:
        found.session = _find_session(found.council, letter.session)
        found.new_session = found.session is None
    found.people = [_find_person(asker.name) for asker in letter.askers]
    if letter.group:
        key = name_key(letter.group)
        found.group = next((g for g in found.term.groups if name_key(g.name) == key), None)
        # A group Glas does not know yet is created with the question (``_question``).
    if found.session is not None or letter.session is None:
        found.question = _find_question(found)
    return found


def _content_problems(letter: ParsedLetter) -> list[str]:
    """What the letter says that a reply cannot hold, as the services would refuse it."""
    problems = []
    if parse_reference(letter.reference_number) is None:
        problems.append(
            gettext(
                "The number %(number)s is not one of the municipality's: a document number "
                "of at least 1 and at most %(max)d characters.",
                number=letter.reference_number[:80],
                max=REFERENCE_MAX,
            )
        )
    if letter.letter_date > local_today() or letter.letter_date.year < 1990:
        problems.append(
            gettext(
                "The letter's date %(date)s is in the future or before 1990.",
                date=letter.letter_date.isoformat(),
            )
        )
    for name, value, limit in (
        (gettext("The subject"), letter.subject, 300),
        (gettext("The place"), letter.place, 80),
        (gettext("The addressee"), letter.addressee, 300),
    ):
        if len(" ".join(value.split())) > limit:
            problems.append(
                gettext("%(part)s is longer than %(max)d characters.", part=name, max=limit)
            )
    return problems


# --- saving -------------------------------------------------------------------------------------


_ESCAPE = re.compile(r"([\\`*_\[\]#<>])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)")


def _markdown_spans(spans: Sequence[Span]) -> str:
    out = []
    for span in spans:
        text = _ESCAPE.sub(r"\\\1", span.text)
        out.append(f"**{text.strip()}**" if span.bold and text.strip() else text)
    return "".join(out)


def body_markdown(blocks: Sequence[letters.Block]) -> str:
    """The letter's body as the Markdown an official edits: paragraphs, bold and lists."""
    parts = []
    for block in blocks:
        if isinstance(block, Paragraph):
            # A paragraph that starts like a list item is still a paragraph.
            parts.append(_LIST_START.sub(r"\1\2\\\3", _markdown_spans(block.spans), count=1))
        elif isinstance(block, BulletList):
            parts.append("\n".join(f"- {_markdown_spans(item.spans)}" for item in block.items))
        elif isinstance(block, NumberedList):
            parts.append(
                "\n".join(
                    f"{block.start + n}. {_markdown_spans(item.spans)}"
                    for n, item in enumerate(block.items)
                )
            )
    return "\n\n".join(parts)


def _title(letter: ParsedLetter) -> str:
    """The question's heading from the subject: "Odgovor na … – projekti e-demokracija"."""
    subject = letter.subject
    for dash in (" – ", " - ", ": "):
        if dash in subject:
            return subject.split(dash, 1)[1].strip()[:250] or subject[:250]
    return subject[:250]


def _person(plan: Plan, index: int) -> Person:
    """The asker's person record, and a seat in the term: the letter shows they held one."""
    asker = plan.letter.askers[index]
    person = plan.people[index]
    assert plan.term is not None  # noqa: S101 (plan refuses a letter without one)
    if person is None:
        person = Person(name=" ".join(asker.name.split())[:120], gender=asker.gender)
        db.session.add(person)
        db.session.flush()
        plan.people[index] = person
    elif person.gender is None and asker.gender:
        person.gender = asker.gender
    if not any(m.term_id == plan.term.id for m in person.mandates):
        db.session.add(
            CouncilMandate(
                person=person,
                term=plan.term,
                list_name="",
                group=plan.group,
                starts_on=plan.term.starts_on,
                ends_on=plan.term.ends_on,
            )
        )
        db.session.flush()
    return person


def _question(plan: Plan) -> Question:
    letter = plan.letter
    assert plan.term is not None  # noqa: S101
    if plan.group is None and letter.group:
        plan.group = CouncillorGroup(term=plan.term, name=letter.group[:200])
        db.session.add(plan.group)
        db.session.flush()
    people = [_person(plan, n) for n in range(len(letter.askers))]
    # The session and the question are the council's record, which officials do not keep:
    # the import writes them as the system, for the letter that shows they exist, and the
    # import itself is audited under the official's name.
    if plan.session is None and letter.session is not None:
        plan.session = session_services.create(
            None,
            session_services.SessionContent(
                body_id=plan.council.id if plan.council else 0,
                term_id=plan.term.id,
                kind=_SESSION_KINDS[letter.session.kind],
                number=letter.session.number,
                held_on=letter.session.held_on,
                note=None,
                agenda=(),
            ),
        )
    if plan.question is not None:
        return plan.question
    content = question_services.CouncilContent(
        kind=Kind.INITIATIVE if letter.question_kind == "initiative" else Kind.QUESTION,
        form=Form.ORAL if letter.session else Form.WRITTEN,
        title=_title(letter),
        body=letter.restatement,
        author_ids=tuple(person.id for person in people),
        group_id=plan.group.id if plan.group else None,
        session_id=plan.session.id if plan.session else None,
        agenda_item_id=None,
        received_on=None if letter.session else letter.received_on,
        to_mayor=False,
        unit_ids=tuple(unit.id for unit in plan.units),
        case_number=letter.case_number,
        follow_up_of_id=None,
        topic_id=None,
        community_id=None,
    )
    return question_services.record(None, content)


_REPLY_TYPES = (
    ("vmesni odgovor", ReplyType.INTERIM),
    ("delni odgovor", ReplyType.PARTIAL),
    ("popravek", ReplyType.FULL),  # a printed correction without the letter it corrects
)


def _reply_type(letter: ParsedLetter) -> ReplyType:
    subject = letter.subject.casefold()
    for words, kind in _REPLY_TYPES:
        if words in subject:
            return kind
    return ReplyType.FULL


def apply(actor: User | None, plan: Plan) -> Reply:
    """Save the planned import as a draft of the issuing unit (nothing on any problem)."""
    if plan.problems:
        raise Unreadable(plan.problems)
    letter = plan.letter
    if plan.issuer is None or plan.council is None:  # plan() reports both as problems
        raise Unreadable(plan.problems)
    if actor is not None and not permissions.can_draft(actor, plan.issuer.id):
        raise services.NotAllowed  # before anything is written: nothing to undo
    with recording.quietly():  # an archived question is not news to its followers
        question = _question(plan)
    content = services.Content(
        reference_number=letter.reference_number,
        letter_date=letter.letter_date,
        place=letter.place,
        reply_type=_reply_type(letter),
        addressee_kind=AddresseeKind.BODY if letter.addressee_is_council else AddresseeKind.PERSON,
        addressee_body_id=plan.council.id if letter.addressee_is_council else None,
        addressee_person_id=plan.addressee.id if plan.addressee else None,
        addressee_text=letter.addressee,
        subject=letter.subject,
        question_restatement=letter.restatement,
        session_reference_text=letter.session.text if letter.session else None,
        summary=_summary(letter),
        body=body_markdown(letter.body_blocks),
        answering_unit_ids=tuple(unit.id for unit in plan.units),
        prepared_by=tuple(services.Preparer(p.name, p.unit) for p in letter.prepared_by),
        signatories=tuple(
            services.Signatory(s.name, s.function, _capacity(s.extra_lines))
            for s in letter.signatories
        ),
        distribution=(
            *(services.Recipient(name, DistributionKind.TO) for name in letter.distribution),
            *(services.Recipient(name, DistributionKind.CC) for name in letter.copies_to),
        ),
        covers=(services.Covered(question_id=question.id),),
    )
    reply = services.create(
        actor,
        issuer_unit_id=plan.issuer.id,
        content=content,
        imported=True,
        raw_text=letter.raw_text,
        page_count=letter.page_count,
    )
    if plan.pdf is not None:
        upload = FileStorage(
            stream=io.BytesIO(plan.pdf),
            filename=f"{letter.reference_number.replace('/', '-')}.pdf",
            content_type="application/pdf",
        )
        services.store_signed_original(reply, upload)
    return reply


def _capacity(extra: Sequence[str]) -> str | None:
    """ "po pooblastilu župana" is the capacity a person signs in; other lines stay in raw_text."""
    for line in extra:
        if "pooblastil" in line.casefold():
            return line
    return None


def _summary(letter: ParsedLetter) -> str:
    """A first summary from the first sentence of the answer; the official rewrites it."""
    text = " ".join(letter.body_text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return (first if len(first) <= 300 else first[:297].rsplit(" ", 1)[0] + " …") or letter.subject[
        :300
    ]


def import_file(
    actor: User | None, data: bytes, *, dry_run: bool = False
) -> tuple[Plan, Reply | None]:
    """Read, plan and (unless ``dry_run``) save one letter; the caller commits.

    :raise Unreadable: the letter cannot be read, or the plan has problems.
    """
    letter, pdf = read(data)
    found = plan(letter, pdf=pdf)
    if found.problems:
        raise Unreadable(found.problems)
    if dry_run:
        return found, None
    try:
        return found, apply(actor, found)
    except session_services.Duplicate:
        # "Na 16. seji …, 20.4.2016", but the 16th session Glas has was on another day.
        raise Unreadable(
            [gettext("The council already has a session of this number on another day.")]
        ) from None
    except (
        services.InvalidValue,
        question_services.InvalidValue,
        question_services.InvalidChoice,
        session_services.InvalidValue,
    ) as error:
        # What plan() does not foresee (a councillor without a seat that day …): refused.
        field = getattr(error, "field", "")
        if field == "authors":
            message = gettext("A councillor the letter names held no seat on the council that day.")
        else:
            message = gettext("The letter cannot be saved as it is (%(field)s).", field=field)
        raise Unreadable([message]) from None
