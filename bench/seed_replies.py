"""Reply letters at municipal scale (issue 10): ``write_replies`` and ``finish_replies``.

The letters are planned from the councillors' questions as ``write_questions`` left them, so
that every letter and the question it answers tell the same story:

- **Full replies** (and those that **decline** with a reason) are the final answers of
  answered questions. One letter answers one to three questions that one unit answered for
  the same session (or the same day received), with the same due date, within ten days;
  those questions are then answered at the moment the letter was sent, as publishing it does
  (``replies.services``): ``answered_at`` = ``sent_at``, ``answered_on`` its day in Ljubljana,
  ``replied_on`` the letter's date, ``answer_text`` its summary, the unit that issued it,
  ``answer_declined`` for a declined one, and the case number where the question had none.
  Their timeline's "answered" step moves with them and names the letter.
- **Interim and partial replies** are the questions' own interim and partial answers.
- **Forwarded** letters send a question to the unit that later answered it; a **retracted**
  letter answered a question before the letter that stands (its timeline says it was
  reopened); a **correction** supersedes a full reply, which is then marked corrected.
- **In the works** (draft, in review, signed, sent): letters to questions still open.

The oldest tenth of the public letters are **imported** historical letters (no signed PDF, no
hash); the others have a signed original (a random SHA-256, and its attachment row), events
for every step of the four-eyes workflow and audit entries. About a fifth of the published
full, partial and declined letters have the asker's **verdict** (a councillor's account; only
letters published since the platform started, as the accounts are no older). The letters'
subjects and texts have their lemma columns (``lemmas.lemma_text``), so the search index's
trigger (``l8rsearch0001``) indexes them as the app's writes would.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bench.seed import (
    CASE_CLASS,
    HIGH,
    ISSUER,
    SUBSTANTIAL,
    Seeding,
    _between,
    _days,
    _local_at,
    copy_rows,
)

#: Shares of all letters, by what they are (the rest: full replies).
INTERNAL_SHARE = 0.05
RETRACTED_SHARE = 0.01
CORRECTION_SHARE = 0.03
FORWARDED_SHARE = 0.05
DECLINED_SHARE = 0.05
PARTIAL_SHARE = 0.05
INTERIM_SHARE = 0.10
#: Of the public letters, the oldest this share were imported from the archive.
IMPORTED_SHARE = 0.10
#: Published letters with the asker's verdict.
VERDICT_SHARE = 0.20
#: How many questions a full reply answers: 1, 2 or 3, with these weights.
GROUP_SIZES = (0.72, 0.20, 0.08)
#: Questions answered together: within this many days of the first (then all at its moment).
GROUP_DAYS = 10
#: Letters in the works, by state.
INTERNAL_STATES = {"draft": 0.35, "in_review": 0.30, "signed": 0.15, "sent": 0.20}
#: Letters with annexes besides the signed original.
ANNEX_SHARE = 0.08

MAYORS = ((date(2006, 1, 1), "Mohor Bogataj"), (date(2018, 12, 1), "Matjaž Rakovec"))
HEADS = {
    "KZ": "vodja Kabineta župana", "PZP": "vodja Pisarne za podjetja",
    "UDOU": "direktor občinske uprave", "UOP": "vodja Urada za okolje in prostor",
    "UGDP": "vodja Urada za gospodarske dejavnosti in promet",
    "UDD": "vodja Urada za družbene dejavnosti", "UF": "vodja Urada za finance",
    "SSMS": "vodja Strokovne službe mestnega sveta",
    "MIR": "vodja Medobčinskega inšpektorata in redarstva",
}  # fmt: skip
SESSION_WORDS = {
    "regular": "seji", "extraordinary": "izredni seji", "correspondence": "dopisni seji",
}  # fmt: skip
SUBJECT_HEADS = {
    "full": "Odgovor na svetniško {what}", "declined": "Odgovor na svetniško {what}",
    "partial": "Delni odgovor na svetniško {what}",
    "interim": "Vmesni odgovor na svetniško {what}",
    "forwarded": "Odstop svetniškega {whose} v pristojno reševanje",
    "correction": "Popravek odgovora na svetniško {what}",
}  # fmt: skip
SUMMARIES = {
    "full": "Odgovarjamo na vprašanje:", "declined": "Odgovora ne moremo dati, ker",
    "partial": "Delno odgovarjamo:", "interim": "Odgovor pripravljamo, ker",
    "forwarded": "Vprašanje smo odstopili pristojnemu uradu, ker",
    "correction": "Popravljamo odgovor:",
}  # fmt: skip
DECLINE_REASONS = [
    "zadeva ni v pristojnosti občine", "gre za varovane osebne podatke",
    "o zadevi teče sodni postopek", "vprašanje se nanaša na poslovno skrivnost",
]  # fmt: skip
RETRACTION_REASONS = [
    "Odgovor je bil poslan pred podpisom pristojnega vodje; nadomešča ga novi odgovor.",
    "Odgovor se je nanašal na drugo vprašanje iste seje.",
    "V odgovoru so bili napačni podatki o stroških; pripravljamo novega.",
]  # fmt: skip
VERDICT_REASONS = {
    "answered": ["Odgovor je jasen in popoln.", "Hvala za izčrpen odgovor."],
    "partly": ["Manjka podatek o rokih.", "Odgovor ne navaja stroškov."],
    "not_answered": ["Odgovor ne odgovarja na vprašanje.", "Odgovor je splošen."],
}  # fmt: skip
CC = ("Strokovna služba mestnega sveta", "Urad direktorja občinske uprave", "Kabinet župana")
PUBLIC_STATES = ("published", "corrected", "retracted")


@dataclass(slots=True)
class Asked:
    """A councillor's question as its letters need it."""

    id: int
    state: str
    kind: str
    form: str
    session_id: int | None
    received_on: date | None
    starts_on: date | None
    due: date | None  # the effective due date (extended or not)
    published_at: datetime
    answered_at: datetime | None
    unit_id: int | None  # the unit that answered
    responsible_id: int | None
    case_number: str | None
    title: str
    topic: str | None
    people: list[int] = field(default_factory=list)
    #: (event id, moment, kind) of each answer on its timeline, oldest first.
    answers: list[tuple[int, datetime, str]] = field(default_factory=list)


@dataclass(slots=True)
class Letter:
    kind: str  # full, declined, partial, interim, forwarded, correction
    state: str
    questions: list[Asked]
    issuer_id: int
    sent_at: datetime | None
    letter_date: date
    #: The answer events on the questions' timelines this letter is.
    answer_events: list[int] = field(default_factory=list)
    forwarded_to_id: int | None = None
    supersedes: Letter | None = None
    retracted_at: datetime | None = None
    #: Retracted: the letter that stands after it (its questions stay answered).
    stands: Letter | None = None
    #: An interim or partial reply the question's timeline lacks (it is added).
    adds_answer: bool = False
    imported: bool = False
    #: Whether it is the last answer of its questions (they then show its text).
    final: bool = False
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    signed_at: datetime | None = None
    published_at: datetime | None = None
    id: int = 0
    reference: str = ""
    case_number: str = ""
    document_seq: int = 0
    row: dict[str, Any] = field(default_factory=dict)


def write_replies(seeding: Seeding) -> str:
    """Reply letters to councillors' questions, with everything around them (see above)."""
    if not seeding.scale.replies:
        return "no replies at this scale"
    with seeding.app.app_context():
        return _write(seeding)


def _load(seeding: Seeding) -> tuple[dict[int, Asked], dict[int, tuple[int, str, date]]]:
    connection = seeding.connection
    asked: dict[int, Asked] = {}
    for row in connection.execute(
        "SELECT q.id, q.state, q.kind, q.form, q.session_id, q.received_on, q.starts_on,"
        " coalesce(q.extended_to, q.due_on), q.published_at, q.answered_at,"
        " q.answered_by_unit_id, q.responsible_unit_id, q.case_number, q.title, t.slug"
        " FROM questions q LEFT JOIN topics t ON t.id = q.topic_id"
        " WHERE q.origin = 'councillor' AND q.published_at IS NOT NULL ORDER BY q.id"
    ):
        asked[row[0]] = Asked(*row)
    for question_id, person_id in connection.execute(
        "SELECT question_id, person_id FROM question_authors ORDER BY question_id, position"
    ):
        if question_id in asked:
            asked[question_id].people.append(person_id)
    for event_id, question_id, moment, data in connection.execute(
        "SELECT id, question_id, created_at, data FROM question_events"
        " WHERE kind = 'answered' ORDER BY created_at, id"
    ):
        if question_id in asked:
            kind = (data if isinstance(data, dict) else json.loads(data)).get("answer", "full")
            asked[question_id].answers.append((event_id, moment, kind))
    sessions = {
        row[0]: (row[1], row[2], row[3])
        for row in connection.execute("SELECT id, number, kind, held_on FROM council_sessions")
    }
    return asked, sessions


def _groups(rng: random.Random, asked: dict[int, Asked]) -> list[list[Asked]]:
    """Answered questions in the groups one letter answers (same unit, session, due date)."""
    finals = [
        q
        for q in asked.values()
        if q.state == "answered"
        and q.unit_id is not None
        and q.answered_at is not None
        and q.answers
        and q.answers[-1][2] == "full"
    ]

    def key(q: Asked) -> tuple[Any, ...]:
        where = q.session_id if q.form == "oral" else q.received_on
        return (q.unit_id, str(where), str(q.due))

    finals.sort(key=lambda q: (key(q), q.answered_at))
    groups: list[list[Asked]] = []
    size = 1
    for q in finals:
        last = groups[-1] if groups else None
        if (
            last is not None
            and len(last) < size
            and key(last[0]) == key(q)
            and q.answered_at - last[0].answered_at <= _days(GROUP_DAYS)  # type: ignore[operator]
        ):
            last.append(q)
            continue
        groups.append([q])
        size = rng.choices((1, 2, 3), weights=GROUP_SIZES)[0]
    return groups


def _local_day(moment: datetime | None) -> date:
    from app.core.time import to_local

    assert moment is not None  # noqa: S101
    return to_local(moment).date()


def _letter_date(rng: random.Random, sent_at: datetime, questions: list[Asked]) -> date:
    """A few working days before it was sent, never before the question was posed."""
    day = _local_day(sent_at) - timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    floor = max(
        max((q.starts_on for q in questions if q.starts_on), default=day),
        max(_local_day(q.published_at) for q in questions),
    )
    return min(max(day, floor), _local_day(sent_at))


def _in_the_works(seeding: Seeding, asked: dict[int, Asked], count: int) -> list[Letter]:
    """Letters not yet published, for questions still open (the latest ones)."""
    from bench.seed import OPEN_STATES

    rng, now = seeding.rng, seeding.now
    letters: list[Letter] = []
    open_questions = sorted(
        (
            q
            for q in asked.values()
            if q.state in OPEN_STATES
            and (q.responsible_id or q.unit_id) is not None
            and q.published_at < now - _days(2)
        ),
        key=lambda q: q.published_at,
    )[-count * 3 :]
    today = _local_day(now)
    for q in rng.sample(open_questions, min(len(open_questions), count)):
        state = rng.choices(list(INTERNAL_STATES), weights=list(INTERNAL_STATES.values()))[0]
        kind = "full" if rng.random() < 0.7 else "interim"
        floor = max(q.starts_on or today, _local_day(q.published_at))
        day = max(floor, today - timedelta(days=rng.randint(0, 14)))
        sent = None
        if state == "sent":
            sent = min(now - _days(0.01), _local_at(day, 14) + _days(rng.uniform(0, 2)))
            sent = max(sent, _local_at(day, 8))
            if sent > now:
                state = "signed"
                sent = None
        letters.append(Letter(kind, state, [q], q.responsible_id or q.unit_id or 0, sent, day))
    return letters


def _plan(seeding: Seeding, asked: dict[int, Asked]) -> list[Letter]:
    """Which letters there are, of what kind and state, when sent, answering what."""
    rng, now = seeding.rng, seeding.now
    total = seeding.scale.replies
    counts = {
        "internal": round(total * INTERNAL_SHARE),
        "retracted": round(total * RETRACTED_SHARE),
        "correction": round(total * CORRECTION_SHARE),
        "forwarded": round(total * FORWARDED_SHARE),
        "declined": round(total * DECLINED_SHARE),
        "interim": round(total * INTERIM_SHARE),
        "partial": round(total * PARTIAL_SHARE),
    }
    letters = _in_the_works(seeding, asked, counts["internal"])
    # Too few questions open: the rest in the works are corrections being drafted.
    drafts_of_corrections = counts["internal"] - len(letters)
    # Interim and partial replies: the questions' own interim and partial answers …
    missing: dict[str, int] = {}
    for kind in ("interim", "partial"):
        slots = [
            (q, event_id, moment)
            for q in asked.values()
            if q.unit_id is not None or q.responsible_id is not None
            for event_id, moment, answer in q.answers
            if answer == kind
        ]
        chosen_slots = rng.sample(slots, min(len(slots), counts[kind]))
        missing[kind] = counts[kind] - len(chosen_slots)
        for q, event_id, moment in chosen_slots:
            last = q.answers[-1][0] == event_id
            letters.append(
                Letter(
                    kind,
                    "published",
                    [q],
                    q.unit_id or q.responsible_id or 0,
                    moment,
                    _letter_date(rng, moment, [q]),
                    answer_events=[event_id],
                    final=last,
                )
            )
    # … and, where they are too few, before the full answer of a question that took long.
    full_count = (
        total
        - len(letters)
        - drafts_of_corrections
        - sum(missing.values())
        - sum(counts[kind] for kind in ("retracted", "correction", "forwarded", "declined"))
    )
    groups = _groups(rng, asked)
    chosen = rng.sample(groups, min(len(groups), full_count + counts["declined"]))
    fulls: list[Letter] = []
    for n, group in enumerate(chosen):
        sent = min(q.answered_at for q in group if q.answered_at)
        letter = Letter(
            "declined" if n < counts["declined"] else "full",
            "published",
            group,
            group[0].unit_id or 0,
            sent,
            _letter_date(rng, sent, group),
            answer_events=[q.answers[-1][0] for q in group],
            final=True,
        )
        fulls.append(letter)
    letters += fulls
    full_only = [letter for letter in fulls if letter.kind == "full"]
    rng.shuffle(full_only)

    # Corrections of published full replies, weeks later (the original is then corrected).
    for original in full_only[: counts["correction"]]:
        assert original.sent_at is not None  # noqa: S101
        sent = original.sent_at + _days(rng.uniform(3, 60))
        if sent > now - _days(0.5):
            continue
        original.state = "corrected"
        letters.append(
            Letter(
                "correction",
                "published",
                list(original.questions),
                original.issuer_id,
                sent,
                _letter_date(rng, sent, original.questions),
                supersedes=original,
            )
        )
    rest = full_only[counts["correction"] :]
    # A single question that took a while: forwarded first, answered in the interim or in
    # part first, or answered by a letter later retracted; each question one of these.
    slow = [
        letter
        for letter in rest
        if len(letter.questions) == 1
        and letter.sent_at is not None
        and letter.sent_at - letter.questions[0].published_at > _days(8)
    ]
    rng.shuffle(slow)
    units = seeding.units
    taken = 0

    def earlier(share: tuple[float, float]) -> Iterable[tuple[Letter, Asked, datetime]]:
        nonlocal taken
        for letter in slow[taken:]:
            taken += 1
            q = letter.questions[0]
            assert letter.sent_at is not None  # noqa: S101
            low, high = share
            sent = q.published_at + (letter.sent_at - q.published_at) * rng.uniform(low, high)
            yield letter, q, max(sent, q.published_at + _days(1))

    for _, (letter, q, sent) in zip(range(counts["forwarded"]), earlier((0.1, 0.35)), strict=False):
        issuer = units["KZ"] if letter.issuer_id != units["KZ"] else units["UDOU"]
        letters.append(
            Letter(
                "forwarded",
                "published",
                [q],
                issuer,
                sent,
                _letter_date(rng, sent, [q]),
                forwarded_to_id=letter.issuer_id,
            )
        )
    for kind in ("interim", "partial"):
        for _, (letter, q, sent) in zip(range(missing[kind]), earlier((0.3, 0.6)), strict=False):
            letters.append(
                Letter(
                    kind,
                    "published",
                    [q],
                    letter.issuer_id,
                    sent,
                    _letter_date(rng, sent, [q]),
                    adds_answer=True,
                )
            )
    for _, (letter, q, sent) in zip(range(counts["retracted"]), earlier((0.3, 0.5)), strict=False):
        assert letter.sent_at is not None  # noqa: S101
        retracted = sent + (letter.sent_at - sent) * rng.uniform(0.3, 0.6)
        letters.append(
            Letter(
                "full",
                "retracted",
                [q],
                letter.issuer_id,
                sent,
                _letter_date(rng, sent, [q]),
                retracted_at=retracted,
                stands=letter,
            )
        )
    # Corrections being drafted (or in review) of letters published earlier.
    today = _local_day(now)
    candidates = [
        letter
        for letter in rest[::-1]
        if letter.state == "published"
        and letter.sent_at is not None
        and letter.sent_at < now - _days(5)
    ]
    for original in candidates[:drafts_of_corrections]:
        assert original.sent_at is not None  # noqa: S101
        day = today - timedelta(days=rng.randint(0, 10))
        day = max(day, _local_day(original.sent_at) + timedelta(days=3))
        state = "draft" if rng.random() < 0.6 else "in_review"
        letters.append(
            Letter(
                "correction",
                state,
                list(original.questions),
                original.issuer_id,
                None,
                min(day, today),
                supersedes=original,
            )
        )
    return letters


def _times(seeding: Seeding, letter: Letter) -> None:
    """The workflow's moments, in order, from the draft to publication."""
    rng, now = seeding.rng, seeding.now
    floor = max(q.published_at for q in letter.questions) + timedelta(hours=1)
    if letter.supersedes is not None and letter.supersedes.published_at is not None:
        floor = max(floor, letter.supersedes.published_at + timedelta(hours=1))
    day_start = _local_at(letter.letter_date, 8)
    if letter.sent_at is not None:
        end = letter.sent_at
    else:  # not sent yet: it was written lately
        end = min(now - _days(0.01), _local_at(letter.letter_date, 15))
    end = max(end, floor + timedelta(minutes=30))
    start = max(floor, min(day_start, end) - _days(rng.uniform(0.5, 6)))
    moments = sorted(_between(rng, start, end) for _ in range(3))
    letter.created_at, letter.submitted_at, letter.approved_at = moments
    if letter.sent_at is not None or letter.state == "signed":
        low = max(moments[-1], min(day_start, end))
        letter.signed_at = _between(rng, low, end)
    if letter.state in PUBLIC_STATES and letter.sent_at is not None:
        letter.published_at = min(
            letter.sent_at + _days(rng.uniform(0.01, 2.5)),
            now - _days(0.001),
        )
        stands = letter.stands.sent_at if letter.stands else None
        if stands is not None:  # retracted before the letter that stands was sent
            letter.published_at = min(letter.published_at, _between(rng, letter.sent_at, stands))
            letter.retracted_at = _between(rng, letter.published_at, stands)


def _mayor(day: date) -> str:
    return [name for since, name in MAYORS if since <= day][-1]


def _write(seeding: Seeding) -> str:
    from app.core.text import render_markdown
    from app.council.demo import COUNCIL_NAME, COUNCIL_SLUG
    from app.initiatives.lemmas import lemma_text
    from app.replies import models as rm
    from app.replies.text import render_body
    from bench.text import FIRST_NAMES, SURNAMES

    started = time.perf_counter()
    rng, text, now, connection = seeding.rng, seeding.text, seeding.now, seeding.connection
    asked, sessions = _load(seeding)
    letters = _plan(seeding, asked)
    units = {
        row[0]: (row[1], row[2])
        for row in connection.execute("SELECT id, code, name FROM org_units")
    }
    people = dict(connection.execute("SELECT id, name FROM people").fetchall())
    body = connection.execute(
        "SELECT id FROM council_bodies WHERE slug = %s", (COUNCIL_SLUG,)
    ).fetchone()
    body_id = body[0] if body else None

    # The moments, then ids in the order the letters were drafted.
    for letter in letters:
        _times(seeding, letter)
    public = sorted(
        (x for x in letters if x.state in PUBLIC_STATES), key=lambda x: (x.letter_date, x.kind)
    )
    for letter in public[: round(len(public) * IMPORTED_SHARE)]:
        letter.imported = True
    letters.sort(key=lambda x: (x.created_at, x.letter_date))
    for n, letter in enumerate(letters, start=1):
        letter.id = n

    # Case numbers: the question's, or a new one of its class and year; documents in order.
    taken: dict[tuple[str, int], int] = {}
    for (number,) in connection.execute(
        "SELECT case_number FROM questions WHERE case_number IS NOT NULL"
    ):
        mark, _, rest = number.partition("-")
        seq, _, year = rest.partition("/")
        if seq.isdigit() and year.isdigit():
            key = (mark, int(year))
            taken[key] = max(taken.get(key, 0), int(seq))
    new_cases: dict[int, str] = {}
    for letter in sorted(letters, key=lambda x: (x.letter_date, x.id)):
        first = letter.questions[0]
        case = first.case_number or new_cases.get(first.id)
        if case is None:
            mark = CASE_CLASS.get(first.topic or "", "032")
            year = (first.starts_on or letter.letter_date).year
            taken[(mark, year)] = taken.get((mark, year), rng.randint(0, 20)) + rng.randint(1, 3)
            case = f"{mark}-{taken[(mark, year)]}/{year}"
        if letter.state in PUBLIC_STATES:  # publishing gives the questions the letter's case
            for q in letter.questions:
                if q.case_number is None:
                    new_cases.setdefault(q.id, case)
        letter.case_number = case
    documents: dict[str, int] = {}
    for letter in sorted(letters, key=lambda x: (x.letter_date, x.id)):
        documents[letter.case_number] = documents.get(letter.case_number, 1) + 1
        letter.document_seq = documents[letter.case_number]
        suffix = ""
        if rng.random() < 0.15:
            suffix = f"-({rng.randint(1, 150)}/{letter.letter_date.year % 100:02d})"
        letter.reference = f"{letter.case_number}-{letter.document_seq}{suffix}"

    # Accounts: a second official in every unit (four eyes), councillors for their verdicts.
    officials = {
        seeding.units[key.split(":", 1)[1]]: user_id
        for key, user_id in seeding.staff.items()
        if key.startswith("official:")
    }
    next_user = int(connection.execute("SELECT max(id) FROM users").fetchone()[0]) + 1  # type: ignore[index]
    names_taken = {key for (key,) in connection.execute("SELECT pseudonym_key FROM users") if key}
    new_accounts: list[tuple[int, str, datetime]] = []
    grants: list[tuple[int, str, int | None, int | None, datetime]] = []

    def account(name: str, created: datetime) -> int:
        nonlocal next_user
        from app.auth import pseudonyms

        candidate, suffix = name, 1
        while pseudonyms.key(candidate) in names_taken or pseudonyms.problem(candidate):
            suffix += 1
            candidate = f"{name} {suffix}"[:40]
        names_taken.add(pseudonyms.key(candidate))
        user_id = next_user
        next_user += 1
        new_accounts.append((user_id, candidate, created))
        return user_id

    history = now - _days(4 * 365)  # the platform's start (``seed.HISTORY_DAYS``)
    first = min((x.created_at for x in letters if x.created_at), default=history) - _days(30)
    reviewers: dict[int, int] = {}
    for unit_id in sorted(units):
        reviewer = account(f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", first)
        reviewers[unit_id] = reviewer
        grants.append((reviewer, "official", unit_id, None, first))
    councillor_accounts: dict[int, int] = {}

    def councillor(person_id: int) -> int:
        if person_id not in councillor_accounts:
            user_id = account(people[person_id], history)
            councillor_accounts[person_id] = user_id
            grants.append((user_id, "councillor", None, person_id, history))
        return councillor_accounts[person_id]

    # --- the rows -----------------------------------------------------------------------
    unit_rows: list[tuple[int, int, int]] = []
    participant_rows: list[tuple[Any, ...]] = []
    recipient_rows: list[tuple[int, str, int, str]] = []
    coverage_rows: list[tuple[int, int, str]] = []
    attachment_rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    audits: list[tuple[datetime, int | None, str, str, int, str]] = []
    verdict_rows: list[tuple[Any, ...]] = []
    question_events: list[tuple[int, str, datetime, int | None, str | None, str]] = []
    answer_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[int, datetime, int, bool | None]] = []
    names = [
        "id", "state", "reply_type", "reference_number", "classification", "case_seq",
        "case_year", "case_number", "document_seq", "reference_suffix", "letter_date", "place",
        "issuer_unit_id", "addressee_kind", "addressee_body_id", "addressee_person_id",
        "addressee_text", "subject", "question_restatement", "session_reference_text",
        "summary", "body", "body_html", "body_text", "forwarded_to_id", "extended_to",
        "extension_reason", "initiative_outcome", "signature_method", "signed_at", "sent_at",
        "published_at", "signed_pdf_sha256", "page_count", "raw_text", "imported",
        "supersedes_id", "retraction_reason", "retracted_at", "drafted_by_id", "reviewed_by_id",
        "approved_at", "written_by", "created_at", "updated_at",
        *rm.SEARCHABLE_TEXT.values(),
    ]  # fmt: skip

    def step(
        letter: Letter,
        kind: str,
        at: datetime | None,
        actor: int | None,
        before: str | None,
        after: str | None,
        action: str | None,
        note: str | None = None,
        **data: Any,
    ) -> None:
        assert at is not None  # noqa: S101
        events.append((letter.id, kind, before, after, actor, note, json.dumps(data), at))
        if action:
            audits.append((at, actor, action, "reply", letter.id, json.dumps(data)))

    for letter in letters:
        q0 = letter.questions[0]
        issuer_code, issuer_name = units[letter.issuer_id]
        drafter = officials.get(letter.issuer_id) or seeding.staff["administrator"]
        reviewer = reviewers[letter.issuer_id]
        reference = rm.parse_reference(letter.reference)
        assert reference is not None, letter.reference  # noqa: S101
        what = "pobudo" if q0.kind == "initiative" else "vprašanje"
        whose = "pobude" if q0.kind == "initiative" else "vprašanja"
        subject = SUBJECT_HEADS[letter.kind].format(what=what, whose=whose)
        subject = f"{subject} – {q0.title}"[:300]
        session_text = None
        if q0.session_id is not None and q0.form == "oral":
            number, kind, held_on = sessions[q0.session_id]
            session_text = (
                f"Na {number}. {SESSION_WORDS.get(kind, 'seji')} Sveta Mestne občine Kranj, "
                f"{held_on.day}.{held_on.month}.{held_on.year}"
            )
        askers = [people[p] for p in q0.people] or ["svetniška skupina"]
        restatement = (
            f"{session_text + ' je' if session_text else 'V pisni obliki je'} "
            f"{', '.join(askers)} zastavil {what}: »{q0.title}«. {text.sentence(6, 14)}"
        )
        reason = rng.choice(DECLINE_REASONS) if letter.kind in ("declined", "interim") else ""
        summary = f"{SUMMARIES[letter.kind]} {reason or text.sentence(5, 12)}"[:300]
        if letter.kind == "forwarded" and letter.forwarded_to_id:
            summary = (
                f"Vprašanje smo odstopili: {units[letter.forwarded_to_id][1]}, ki bo odgovoril "
                "v roku."
            )[:300]
        paragraphs = ["Spoštovani,", text.answer("interim" if letter.kind == "interim" else "full")]
        paragraphs += [
            " ".join(text.sentence() for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(1, 3))
        ]
        if rng.random() < 0.3:
            paragraphs.append("\n".join(f"- {text.sentence(4, 9)}" for _ in range(3)))
        paragraphs.append("Lep pozdrav.")
        source = "\n\n".join(paragraphs)
        html, plain = render_body(source)
        to_person = rng.random() < 0.25 and bool(q0.people)
        hashed = not letter.imported and letter.signed_at is not None
        sha = f"{rng.getrandbits(256):064x}" if hashed else None
        written = [drafter]
        row: dict[str, Any] = {
            "id": letter.id,
            "state": letter.state,
            "reply_type": letter.kind,
            "reference_number": letter.reference,
            "classification": reference.classification,
            "case_seq": reference.case_seq,
            "case_year": reference.case_year,
            "case_number": reference.case_number,
            "document_seq": reference.document_seq,
            "reference_suffix": reference.suffix,
            "letter_date": letter.letter_date,
            "place": "Kranj",
            "issuer_unit_id": letter.issuer_id,
            "addressee_kind": "person" if to_person else "body",
            "addressee_body_id": None if to_person else body_id,
            "addressee_person_id": q0.people[0] if to_person else None,
            "addressee_text": people[q0.people[0]] if to_person else COUNCIL_NAME[0].upper(),
            "subject": subject,
            "question_restatement": restatement,
            "session_reference_text": session_text,
            "summary": summary,
            "body": source,
            "body_html": html,
            "body_text": plain,
            "forwarded_to_id": letter.forwarded_to_id,
            "extended_to": None,
            "extension_reason": None,
            "initiative_outcome": None,
            "signature_method": "unknown"
            if letter.imported or letter.signed_at is None
            else rng.choice(("qualified_esig", "qualified_esig", "handwritten_scan", "eseal")),
            "signed_at": letter.signed_at,
            "sent_at": letter.sent_at,
            "published_at": letter.published_at,
            "signed_pdf_sha256": sha,
            "page_count": rng.randint(1, 4) if hashed else None,
            "raw_text": plain if letter.imported else None,
            "imported": letter.imported,
            "supersedes_id": letter.supersedes.id if letter.supersedes else None,
            "retraction_reason": rng.choice(RETRACTION_REASONS)
            if letter.state == "retracted"
            else None,
            "retracted_at": letter.retracted_at if letter.state == "retracted" else None,
            "drafted_by_id": drafter,
            "reviewed_by_id": None if letter.state in ("draft", "in_review") else reviewer,
            "approved_at": None if letter.state in ("draft", "in_review") else letter.approved_at,
            "written_by": json.dumps(written),
            "created_at": letter.created_at,
        }
        for source_column, target in rm.SEARCHABLE_TEXT.items():
            row[target] = lemma_text(row[source_column])
        letter.row = row

        # Units, people, distribution, what it answers, files.
        unit_rows.append((letter.id, letter.issuer_id, 0))
        if rng.random() < 0.25:
            other = rng.choice([u for u in units if u != letter.issuer_id])
            unit_rows.append((letter.id, other, 1))
        preparer = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        participant_rows.append((letter.id, "prepared_by", 0, preparer, None, issuer_name, None))
        signatories = [(HEADS.get(issuer_code, "vodja"), None)]
        if rng.random() < 0.5:
            signatories.append(("župan Mestne občine Kranj", None))
        if rng.random() < 0.1:
            signatories.insert(0, ("podžupan", "po pooblastilu župana"))
        for position, (function, capacity) in enumerate(signatories):
            name = (
                _mayor(letter.letter_date)
                if function.startswith("župan")
                else f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            )
            participant_rows.append(
                (letter.id, "signed_by", position, name, function, None, capacity)
            )
        recipients = [("to", "Svet Mestne občine Kranj")]
        if to_person:
            recipients.insert(0, ("to", people[q0.people[0]]))
        for extra in rng.sample(CC, rng.randint(0, 2)):
            recipients.append(("cc", extra))
        if rng.random() < 0.3:
            recipients.append(("archive", "Arhiv"))
        for position, (kind, recipient) in enumerate(recipients[:4]):
            recipient_rows.append((letter.id, kind, position, recipient))
        coverage = "partial" if letter.kind == "partial" else "full"
        for q in letter.questions:
            coverage_rows.append((letter.id, q.id, coverage))
        if sha is not None:
            attachment_rows.append(
                (letter.id, f"Podpisan odgovor {letter.reference}", True,
                 f"{rng.getrandbits(128):032x}.pdf",
                 f"odgovor-{letter.case_number.replace('/', '-')}.pdf", "application/pdf",
                 rng.randint(60_000, 900_000), sha, letter.signed_at)
            )  # fmt: skip
            if rng.random() < ANNEX_SHARE:
                for n in range(rng.randint(1, 2)):
                    attachment_rows.append(
                        (letter.id, f"Priloga {n + 1}: {text.subject().lower()}", False,
                         f"{rng.getrandbits(128):032x}.pdf", f"priloga-{n + 1}.pdf",
                         "application/pdf", rng.randint(30_000, 2_000_000),
                         f"{rng.getrandbits(256):064x}", letter.signed_at)
                    )  # fmt: skip

        # The workflow, step by step (as ``replies.services`` records it).
        if letter.imported:
            step(letter, "imported", letter.created_at, drafter, None, "draft", "reply.import",
                 number=letter.reference)  # fmt: skip
            step(letter, "submitted", letter.submitted_at, drafter, "draft", "in_review",
                 "reply.submit")  # fmt: skip
            sent_on = letter.letter_date.isoformat()
            step(letter, "approved", letter.approved_at, reviewer, "in_review", "sent",
                 "reply.approve", sent_on=sent_on)  # fmt: skip
        else:
            step(letter, "created", letter.created_at, drafter, None, "draft", "reply.create",
                 number=letter.reference)  # fmt: skip
            if letter.state != "draft":
                step(letter, "submitted", letter.submitted_at, drafter, "draft", "in_review",
                     "reply.submit")  # fmt: skip
            if letter.state not in ("draft", "in_review"):
                step(letter, "approved", letter.approved_at, reviewer, "in_review", "in_review",
                     "reply.approve")  # fmt: skip
            if letter.signed_at is not None:
                step(letter, "signed", letter.signed_at, drafter, "in_review", "signed",
                     "reply.sign", sha256=sha)  # fmt: skip
            if letter.sent_at is not None:
                step(letter, "sent", letter.sent_at, drafter, "signed", "sent", "reply.send",
                     sent_at=letter.sent_at.isoformat())  # fmt: skip
        if letter.published_at is not None:
            step(letter, "published", letter.published_at, drafter, "sent", "published",
                 "reply.publish", type=letter.kind)  # fmt: skip
        moments = [m for m in (letter.created_at, letter.published_at, letter.signed_at,
                               letter.sent_at, letter.approved_at) if m]  # fmt: skip
        row["updated_at"] = max(moments)

        # What its publication did to the questions.
        if letter.published_at is None:
            continue
        if letter.kind in ("full", "declined", "partial", "interim") and letter.final:
            assert letter.sent_at is not None  # noqa: S101
            for q in letter.questions:
                answer_rows.append(
                    (q.id, letter.sent_at, _local_day(letter.sent_at), letter.letter_date,
                     summary, render_markdown(summary), letter.issuer_id,
                     letter.kind == "declined")
                )  # fmt: skip
        for event_id, q in zip(letter.answer_events, letter.questions, strict=False):
            assert letter.sent_at is not None  # noqa: S101
            on_time = None if q.due is None else _local_day(letter.sent_at) <= q.due
            event_rows.append((event_id, letter.sent_at, letter.id, on_time))
        if letter.adds_answer:
            assert letter.sent_at is not None  # noqa: S101
            for q in letter.questions:
                on_time = None if q.due is None else _local_day(letter.sent_at) <= q.due
                question_events.append(
                    (q.id, "answered", letter.sent_at, drafter, None,
                     json.dumps({"answer": letter.kind, "declined": False, "on_time": on_time,
                                 "reply": letter.id}))
                )  # fmt: skip
        if letter.kind == "forwarded" and letter.forwarded_to_id:
            for q in letter.questions:
                question_events.append(
                    (q.id, "forwarded", letter.published_at, drafter, summary,
                     json.dumps({"unit": units[letter.forwarded_to_id][1], "reply": letter.id}))
                )  # fmt: skip
        if letter.state == "retracted" and letter.retracted_at is not None:
            reason_text = row["retraction_reason"]
            reopened = [q.id for q in letter.questions]
            for q in letter.questions:
                on_time = None if q.due is None else letter.letter_date <= q.due
                question_events.append(
                    (q.id, "answered", letter.published_at, drafter, None,
                     json.dumps({"answer": "full", "declined": False, "on_time": on_time,
                                 "reply": letter.id}))
                )  # fmt: skip
                question_events.append(
                    (q.id, "state_changed", letter.retracted_at, drafter, reason_text,
                     json.dumps({"to": "assigned", "reply": letter.id, "retracted": True}))
                )  # fmt: skip
            step(letter, "retracted", letter.retracted_at, drafter, "published", "retracted",
                 "reply.retract", note=reason_text, reopened=reopened)  # fmt: skip
            row["updated_at"] = max(row["updated_at"], letter.retracted_at)

    # Corrections: the letter they supersede is marked when they are published.
    for letter in letters:
        original = letter.supersedes
        if original is None or letter.published_at is None:
            continue
        step(original, "corrected", letter.published_at, officials.get(letter.issuer_id),
             "published", "corrected", "reply.supersede", by=letter.id)  # fmt: skip
        original.row["updated_at"] = max(original.row["updated_at"], letter.published_at)

    # The askers' verdicts on a fifth of the published letters.
    # (Only since the platform started: the accounts that give them are no older.)
    published = [
        x for x in letters if x.state == "published" and x.kind in ("full", "partial", "declined")
    ]
    recent = [
        x
        for x in published
        if x.published_at
        and x.published_at > history + _days(7)
        and any(q.people for q in x.questions)
    ]
    wanted = min(len(recent), round(len(published) * VERDICT_SHARE))
    for letter in rng.sample(recent, wanted):
        q = next((q for q in letter.questions if q.people), None)
        if q is None or letter.published_at is None:
            continue
        user_id = councillor(q.people[0])
        verdict = rng.choices(("answered", "partly", "not_answered"), weights=(55, 25, 20))[0]
        at = min(now - _days(0.001), letter.published_at + _days(rng.uniform(0.2, 30)))
        verdict_rows.append(
            (letter.id, q.id, user_id, True, verdict, rng.choice(VERDICT_REASONS[verdict]), at, at)
        )
        audits.append(
            (at, user_id, "reply.verdict", "reply", letter.id,
             json.dumps({"question": q.id, "verdict": verdict}))
        )  # fmt: skip

    # --- writing ------------------------------------------------------------------------
    _write_accounts(seeding, new_accounts)
    copy_rows(
        connection,
        "role_grants",
        ["user_id", "role", "org_unit_id", "person_id", "granted_at"],
        grants,
    )
    copied = time.perf_counter()
    count = copy_rows(connection, "replies", names, ([r.row[n] for n in names] for r in letters))
    seeding.timings["replies (text, lemmas, search index)"] = time.perf_counter() - copied
    copy_rows(connection, "reply_units", ["reply_id", "unit_id", "position"], unit_rows)
    copy_rows(
        connection,
        "reply_participants",
        ["reply_id", "role", "position", "name", "function", "unit_text", "capacity"],
        participant_rows,
    )
    copy_rows(
        connection, "reply_recipients", ["reply_id", "kind", "position", "recipient"],
        recipient_rows,
    )  # fmt: skip
    copy_rows(connection, "reply_coverage", ["reply_id", "question_id", "coverage"], coverage_rows)
    copy_rows(
        connection,
        "reply_attachments",
        ["reply_id", "title", "is_signed_original", "stored_name", "filename", "content_type",
         "size", "sha256", "created_at"],
        attachment_rows,
    )  # fmt: skip
    copy_rows(
        connection,
        "reply_events",
        ["reply_id", "kind", "from_state", "to_state", "actor_id", "note", "data", "created_at"],
        sorted(events, key=lambda e: (e[7], e[0])),
    )
    copy_rows(
        connection,
        "answer_verdicts",
        ["reply_id", "question_id", "user_id", "by_asker", "verdict", "reason", "created_at",
         "updated_at"],
        verdict_rows,
    )  # fmt: skip
    copy_rows(
        connection,
        "audit_entries",
        ["created_at", "actor_id", "action", "target_type", "target_id", "data"],
        sorted(audits, key=lambda a: a[0]),
    )
    moved = _update_questions(seeding, answer_rows, event_rows, question_events, new_cases)

    kinds: dict[str, int] = {}
    for letter in letters:
        label = letter.state if letter.state not in ("published",) else letter.kind
        kinds[label] = kinds.get(label, 0) + 1
    mix = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda i: -i[1]))
    seeding.timings["replies (all)"] = time.perf_counter() - started
    return (
        f"{count:,} replies ({mix}; {sum(x.imported for x in letters)} imported), "
        f"{len(coverage_rows):,} questions covered, {len(unit_rows):,} answering units, "
        f"{len(participant_rows):,} participants, {len(recipient_rows):,} recipients, "
        f"{len(attachment_rows):,} files, {len(events):,} events, {len(verdict_rows)} verdicts, "
        f"{len(new_accounts)} accounts (second officials, councillors); {moved}"
    )


def _write_accounts(seeding: Seeding, accounts: list[tuple[int, str, datetime]]) -> None:
    """Staff and councillors' accounts: not residents (the benchmark never signs them in)."""
    from app.auth import identity, pseudonyms

    names = [
        "id", "subject_key", "subject_key_version", "pseudonym", "pseudonym_key", "language",
        "is_adult", "last_acr", "created_at", "last_sign_in_at",
    ]  # fmt: skip
    rows = [
        (
            user_id,
            identity.subject_key(ISSUER, f"bench-{seeding.scale.factor}-staff-{user_id}"),
            1,
            name,
            pseudonyms.key(name),
            "sl",
            True,
            HIGH if seeding.rng.random() < 0.5 else SUBSTANTIAL,
            created,
            seeding.now - _days(seeding.rng.uniform(0, 20)),
        )
        for user_id, name, created in accounts
    ]
    copy_rows(seeding.connection, "users", names, rows)


def _copy_temporary(
    connection: Any, table: str, names: list[str], rows: Iterable[Sequence[Any]]
) -> None:
    """``COPY`` into a temporary table (``copy_rows`` reads the public schema's columns)."""
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _update_questions(
    seeding: Seeding,
    answers: list[tuple[Any, ...]],
    events: list[tuple[int, datetime, int, bool | None]],
    question_events: list[tuple[int, str, datetime, int | None, str | None, str]],
    cases: dict[int, str],
) -> str:
    """Questions answered by a seeded letter: the letter's moment, day, date, text and unit."""
    connection = seeding.connection
    connection.execute(
        "CREATE TEMP TABLE bench_reply_answers (question_id integer PRIMARY KEY,"
        " answered_at timestamptz, answered_on date, replied_on date, answer_text text,"
        " answer_html text, unit_id integer, declined boolean) ON COMMIT DROP"
    )
    connection.execute(
        "CREATE TEMP TABLE bench_reply_events (event_id integer PRIMARY KEY,"
        " created_at timestamptz, reply_id integer, on_time boolean) ON COMMIT DROP"
    )
    connection.execute(
        "CREATE TEMP TABLE bench_reply_cases (question_id integer PRIMARY KEY,"
        " case_number text) ON COMMIT DROP"
    )
    # A question answered by several letters: the latest one's is what it shows.
    latest: dict[int, tuple[Any, ...]] = {}
    for row in answers:
        if row[0] not in latest or latest[row[0]][1] <= row[1]:
            latest[row[0]] = row
    _copy_temporary(
        connection,
        "bench_reply_answers",
        ["question_id", "answered_at", "answered_on", "replied_on", "answer_text",
         "answer_html", "unit_id", "declined"],
        latest.values(),
    )  # fmt: skip
    _copy_temporary(
        connection,
        "bench_reply_events",
        ["event_id", "created_at", "reply_id", "on_time"],
        list({row[0]: row for row in events}.values()),
    )
    _copy_temporary(connection, "bench_reply_cases", ["question_id", "case_number"], cases.items())
    updated = connection.execute(
        "UPDATE questions q SET answered_at = a.answered_at, answered_on = a.answered_on,"
        " replied_on = a.replied_on, answer_text = a.answer_text, answer_html = a.answer_html,"
        " answered_by_unit_id = a.unit_id, answer_declined = a.declined,"
        " closed_at = CASE WHEN q.state = 'answered' THEN a.answered_at ELSE q.closed_at END,"
        " updated_at = greatest(q.updated_at, a.answered_at)"
        " FROM bench_reply_answers a WHERE q.id = a.question_id"
    ).rowcount
    connection.execute(
        "UPDATE questions q SET case_number = c.case_number FROM bench_reply_cases c"
        " WHERE q.id = c.question_id AND q.case_number IS NULL"
    )
    connection.execute(
        "UPDATE question_events e SET created_at = m.created_at,"
        " data = (e.data::jsonb || jsonb_build_object('reply', m.reply_id,"
        " 'on_time', m.on_time))::json"
        " FROM bench_reply_events m WHERE e.id = m.event_id"
    )
    # Steps that came before the answer stay before it, where a letter answered earlier.
    connection.execute(
        "UPDATE question_events e SET created_at = a.answered_at - interval '1 hour'"
        " FROM bench_reply_answers a WHERE e.question_id = a.question_id"
        " AND e.kind IN ('registered', 'assigned', 'state_changed', 'extended')"
        " AND e.created_at > a.answered_at"
    )
    connection.execute(
        "DELETE FROM question_events e USING bench_reply_answers a"
        " WHERE e.question_id = a.question_id AND e.kind = 'overdue'"
        " AND e.created_at > a.answered_at"
    )
    connection.execute(
        "UPDATE questions q SET overdue_recorded_at = NULL FROM bench_reply_answers a"
        " WHERE q.id = a.question_id AND q.overdue_recorded_at > a.answered_at"
    )
    copy_rows(
        connection,
        "question_events",
        ["question_id", "kind", "created_at", "actor_id", "note", "data"],
        sorted(question_events, key=lambda e: e[2]),
    )
    return (
        f"{updated:,} questions answered as their letters say, {len(cases):,} case numbers "
        f"given, {len(question_events)} timeline steps added"
    )


#: The tables the replies fill or change (or that their triggers write).
REPLY_TABLES = (
    "replies", "reply_units", "reply_participants", "reply_recipients", "reply_coverage",
    "reply_attachments", "reply_events", "answer_verdicts", "reply_search_documents",
    "questions", "question_events", "question_search_documents", "initiative_search_terms",
    "audit_entries", "users", "role_grants",
)  # fmt: skip


def finish_replies(seeding: Seeding) -> str:
    """Sequences, the checks that letters and questions agree, statistics."""
    if not seeding.scale.replies:
        return "no replies at this scale"
    connection = seeding.connection
    for table in ("users", "replies"):
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608  (our names)
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    checks = {
        # A question a published full reply answers in full is answered, on the letter's date.
        "answered questions whose letter does not agree": (
            "SELECT count(*) FROM questions q WHERE q.state = 'answered' AND EXISTS ("
            " SELECT 1 FROM reply_coverage c JOIN replies r ON r.id = c.reply_id"
            " WHERE c.question_id = q.id AND r.state IN ('published', 'corrected')"
            " AND r.reply_type IN ('full', 'declined')"
            " AND (q.replied_on <> r.letter_date OR q.answered_at <> r.sent_at))"
            " AND NOT EXISTS (SELECT 1 FROM reply_coverage c2 JOIN replies r2"
            " ON r2.id = c2.reply_id WHERE c2.question_id = q.id"
            " AND r2.state IN ('published', 'corrected') AND r2.reply_type IN ('full', 'declined')"
            " AND q.replied_on = r2.letter_date)"
        ),
        "answered questions without answered_on": (
            "SELECT count(*) FROM questions WHERE answered_at IS NOT NULL"
            " AND (answered_on IS NULL OR replied_on IS NULL)"
        ),
        "public letters missing from the search index": (
            "SELECT count(*) FROM replies r WHERE r.state IN ('published', 'corrected',"
            " 'retracted') AND NOT EXISTS (SELECT 1 FROM reply_search_documents d"
            " WHERE d.reply_id = r.id)"
        ),
        "letters in the works in the search index": (
            "SELECT count(*) FROM reply_search_documents d JOIN replies r ON r.id = d.reply_id"
            " WHERE r.state NOT IN ('published', 'corrected', 'retracted')"
        ),
    }
    for name, sql in checks.items():
        found = connection.execute(sql).fetchone()  # type: ignore[call-overload]
        if found is None or found[0]:
            raise SystemExit(f"seeding error: {found[0] if found else '?'} {name}")
    indexed = connection.execute("SELECT count(*) FROM reply_search_documents").fetchone()
    connection.commit()
    started = time.perf_counter()
    connection.autocommit = True
    for table in REPLY_TABLES:
        connection.execute(f"VACUUM ANALYZE {table}")
    connection.autocommit = False
    seeding.timings["vacuum analyze (replies)"] = time.perf_counter() - started
    size = connection.execute(
        "SELECT pg_size_pretty(pg_database_size(current_database()))"
    ).fetchone()
    return (
        f"letters and questions agree; {indexed[0] if indexed else 0:,} letters in the search "
        f"index; database {size[0] if size else '?'}"
    )
