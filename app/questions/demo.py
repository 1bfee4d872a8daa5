"""Demo questions in every state: residents' and councillors', some overdue, one adopted.

Janez Černe's question at the 16th regular session of 20 April 2016 is the one the sample
reply letter answers: it waits here, and ``app.replies.demo`` imports and publishes the
letter. The current term's questions are placed around today (as the sessions are,
``app.council.demo``), so that some are due soon and some late whenever the demo runs. Due
dates are computed by the real rules (``app.questions.due``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.auth import pseudonyms
from app.auth.models import User
from app.core.text import render_markdown
from app.core.time import LOCAL_TZ
from app.core.time import today as local_today
from app.council.demo import council
from app.council.models import CouncillorGroup, Person
from app.extensions import db
from app.initiatives.demo import synthetic_residents
from app.org.models import OrgUnit
from app.questions import due
from app.questions.models import (
    Form,
    Kind,
    Origin,
    Question,
    QuestionAddressee,
    QuestionAuthor,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
    QuestionSupport,
)
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import slugify
from app.sessions.models import CouncilSession, SessionKind

_Q = QuestionState
_E = QuestionEventKind


@dataclass
class Demo:
    title: str
    body: str
    state: QuestionState
    origin: Origin = Origin.COUNCILLOR
    kind: Kind = Kind.QUESTION
    form: Form = Form.ORAL
    #: Councillors (by name) or the resident's pseudonym.
    authors: tuple[str, ...] = ()
    group: str | None = None
    #: (term: 0 the 2014–2018 one, 1 the current; kind; number) of the session.
    session: tuple[int, SessionKind, int] | None = None
    #: A written question's day of receipt, or a resident's of publication: days before today.
    days_ago: int = 0
    fixed_day: date | None = None
    to_mayor: bool = False
    units: tuple[str, ...] = ()
    unit: str | None = None
    case_number: str | None = None
    topic: str | None = None
    community: str | None = None
    supporters: int = 0
    #: (kind, text, days after the start) of the answer.
    answer: tuple[str, str, int] | None = None
    extension: tuple[int, str] | None = None  # (days after the due date, reason)
    reason: str | None = None
    adopts: str | None = None  # the title of the resident's question it takes up
    merged_into: str | None = None
    stages: list[QuestionState] = field(default_factory=list)


DEMOS = [
    Demo(
        "Projekti e-demokracija, e-uprava",
        "Svetnik je izpostavil, da občina zaostaja pri elektronskem poslovanju z občani. "
        "Zanimalo ga je, katere projekte e-demokracije in e-uprave občina pripravlja in kdaj "
        "bodo na voljo.",
        # Registered and waiting: the sample letter answers it (``app.replies.demo``).
        _Q.REGISTERED,
        authors=("Janez Černe",),
        session=(0, SessionKind.REGULAR, 16),
        to_mayor=True,
        units=("KZ",),
        unit="KZ",
        case_number="032-11/2016",
        topic="uprava",
    ),
    Demo(
        "Obnova igrišča v Struževem",
        "Svetnica sprašuje, kdaj bo obnovljeno otroško igrišče v Struževem.",
        _Q.ANSWERED,
        form=Form.WRITTEN,
        authors=("Marta Kos",),
        fixed_day=date(2016, 5, 10),
        units=("UDD",),
        unit="UDD",
        topic="kultura-sport",
        community="struževo",
        answer=("full", "Igrišče bo obnovljeno spomladi 2017; sredstva so v proračunu.", 41),
    ),
    Demo(
        "Parkiranje pri Zdravstvenem domu",
        "Svetnik predlaga dodatna parkirna mesta za invalide pri Zdravstvenem domu Kranj.",
        _Q.LAPSED,
        kind=Kind.INITIATIVE,
        authors=("Boris Pretnar",),
        session=(0, SessionKind.REGULAR, 17),
        units=("UGDP",),
        unit="UGDP",
        topic="promet",
    ),
    Demo(
        "Zasaditev dreves ob Savskem otoku",
        "Svetniški skupini predlagata zasaditev drevoreda ob Savskem otoku in zalivalni sistem.",
        _Q.IN_PREPARATION,
        kind=Kind.INITIATIVE,
        authors=("Ana Kovač", "Luka Horvat"),
        group="Svetniška skupina Zeleni",
        session=(1, SessionKind.REGULAR, 19),
        units=("UOP",),
        unit="UOP",
        case_number="354-20/2026",
        topic="okolje",
        stages=[_Q.IN_PREPARATION],
    ),
    Demo(
        "Razsvetljava pešpoti na Jezerski cesti",
        "Svetnica sprašuje, kdaj bo osvetljena pešpot ob Jezerski cesti proti Čirčam.",
        _Q.REGISTERED,
        authors=("Petra Novak",),
        session=(1, SessionKind.REGULAR, 20),
        units=("UGDP",),
        unit="UGDP",
        case_number="371-44/2026",
        topic="varnost",
        community="čirče",
    ),
    Demo(
        "Urnik mestnega avtobusa ob nedeljah",
        "Svetnica sprašuje, zakaj mestni avtobus ob nedeljah ne vozi do Golnika.",
        _Q.POSED,
        form=Form.WRITTEN,
        authors=("Mojca Zupan",),
        days_ago=40,
        to_mayor=True,
        topic="promet",
    ),
    Demo(
        "Stroški prenove Prešernovega gledališča",
        "Svetnik sprašuje, koliko bo stala prenova Prešernovega gledališča in kdo jo bo plačal.",
        _Q.INTERIM_ANSWERED,
        authors=("Janez Černe",),
        group=None,
        session=(1, SessionKind.EXTRAORDINARY, 4),
        units=("UF", "UDD"),
        unit="UF",
        topic="kultura-sport",
        answer=(
            "interim",
            "Odgovor pripravljamo; ocena stroškov bo znana po zaključku razpisa za projektno "
            "dokumentacijo.",
            20,
        ),
        extension=(30, "Ocena stroškov bo znana po razpisu za projektno dokumentacijo."),
    ),
    Demo(
        "Poročilo o kakovosti pitne vode",
        "Svetniška skupina predlaga, da občina vsako četrtletje objavi poročilo o kakovosti "
        "pitne vode po krajevnih skupnostih.",
        _Q.PARTIALLY_ANSWERED,
        kind=Kind.INITIATIVE,
        form=Form.WRITTEN,
        group="Svetniška skupina Neodvisni",
        days_ago=70,
        units=("UOP",),
        unit="UOP",
        topic="komunala",
        answer=("partial", "Poročila za leto 2025 so objavljena; četrtletna bodo sledila.", 25),
    ),
    Demo(
        "Hrup z gradbišča na Zlatem polju ponoči",
        "Svetnica povzema vprašanje občanov, zakaj gradbišče na Zlatem polju obratuje ponoči.",
        _Q.ASSIGNED,
        authors=("Petra Novak",),
        session=(1, SessionKind.REGULAR, 20),
        units=("MIR",),
        unit="MIR",
        topic="okolje",
        community="zlato-polje",
        adopts="Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?",
    ),
    Demo(
        "Sanacija plazu nad Besnico",
        "Svetnik sprašuje, kdaj bo saniran plaz nad cesto v Besnici.",
        _Q.MERGED,
        authors=("Luka Horvat",),
        session=(1, SessionKind.REGULAR, 18),
        units=("UGDP",),
        unit="UGDP",
        topic="promet",
        community="besnica",
        merged_into="Zasaditev dreves ob Savskem otoku",
    ),
    Demo(
        "Prostori za mladinski center",
        "Svetnica je vprašanje umaknila, ker je občina medtem objavila razpis.",
        _Q.WITHDRAWN,
        authors=("Ana Kovač",),
        session=(1, SessionKind.REGULAR, 18),
        units=("UDD",),
        topic="kultura-sport",
    ),
    Demo(
        "Vzdrževanje gozdnih cest v Podblici",
        "Svetnica sprašuje, kdo vzdržuje gozdne ceste v Podblici in kdaj bodo popravljene.",
        _Q.ASSIGNED,
        authors=("Mojca Zupan",),
        session=(1, SessionKind.REGULAR, 18),
        units=("UGDP",),
        unit="UGDP",
        topic="promet",
        community="podblica",
    ),
    Demo(
        "Prenova Pungerta",
        "Svetnik sprašuje, kdaj bo objavljen razpis za prenovo stavb na Pungertu.",
        _Q.AWAITING_SIGNATURE,
        authors=("Luka Horvat",),
        session=(1, SessionKind.REGULAR, 20),
        units=("UOP",),
        unit="UOP",
        case_number="350-7/2026",
        topic="prostor",
        community="center",
        stages=[_Q.IN_PREPARATION, _Q.AWAITING_SIGNATURE],
    ),
    # Residents' questions.
    Demo(
        "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?",
        "Že tri tedne gradbišče ob Ulici Tuga Vidmarja obratuje po 22. uri. Koga naj "
        "pokličemo in ali ima izvajalec dovoljenje za nočno delo?",
        _Q.POSED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Marko s Primskovega",),
        days_ago=20,
        topic="okolje",
        community="zlato-polje",
        supporters=37,
    ),
    Demo(
        "Kdaj bo obnovljen pločnik na Koroški cesti?",
        "Pločnik med Maistrovim trgom in Koroško cesto 20 je razpokan, ob dežju so luže.",
        _Q.ASSIGNED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Ana K.",),
        days_ago=8,
        unit="UGDP",
        topic="promet",
        community="center",
        supporters=12,
    ),
    Demo(
        "Zakaj ni več zabojnika za steklo v Stražišču?",
        "Zabojnik za steklo pri trgovini v Stražišču je bil odstranjen. Kje je najbližji?",
        _Q.ANSWERED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Ana K.",),
        days_ago=45,
        unit="UOP",
        topic="komunala",
        community="stražišče",
        supporters=5,
        answer=(
            "full",
            "Zabojnik je bil premaknjen za 50 metrov, na parkirišče pred pošto.",
            12,
        ),
    ),
    Demo(
        "Kdaj bodo razpisana sredstva za društva?",
        "Društva čakamo na razpis za sofinanciranje programov, ki je bil lani marca.",
        _Q.ASSIGNED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Marko s Primskovega",),
        days_ago=50,
        unit="UDD",
        topic="kultura-sport",
        supporters=21,
    ),
    Demo(
        "Ali bo v Kokrici nov vrtec?",
        "Zanima me, ali občina načrtuje nov vrtec v Kokrici, saj so vsi polni.",
        _Q.SUBMITTED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Ana K.",),
        days_ago=1,
        topic="solstvo",
        community="kokrica",
    ),
    Demo(
        "Sosed parkira na pločniku",
        "Sosed z naslova ... vsak dan parkira na pločniku.",
        _Q.REJECTED,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Marko s Primskovega",),
        days_ago=6,
        topic="promet",
        reason="personal-data",
    ),
    Demo(
        "Kopališče v poletnih mesecih",
        "Ali bo letno kopališče odprto tudi v septembru? Vprašanje umikam, odgovor sem dobil.",
        _Q.WITHDRAWN,
        origin=Origin.RESIDENT,
        form=Form.WRITTEN,
        authors=("Ana K.",),
        days_ago=30,
        topic="kultura-sport",
    ),
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


def _user(pseudonym: str, fallback: int) -> int:
    found = db.session.scalar(
        sa.select(User.id).where(User.pseudonym_key == pseudonyms.key(pseudonym))
    )
    return found if found is not None else fallback


def seed_questions() -> int:
    """Every demo question that is missing (by title), with its timeline and supports."""
    have = set(db.session.scalars(sa.select(Question.title)))
    # Residents' first: a councillor's question may take one of them up.
    todo = sorted(
        (demo for demo in DEMOS if demo.title not in have),
        key=lambda demo: demo.origin is not Origin.RESIDENT,
    )
    if not todo:
        return 0
    residents = synthetic_residents()
    today = local_today()
    for demo in todo:
        question = _build(demo, residents, today)
        db.session.add(question)
        db.session.flush()
    db.session.flush()
    return len(todo)


def _session(spec: tuple[int, SessionKind, int]) -> CouncilSession:
    body = council()
    terms = sorted(body.terms, key=lambda term: term.starts_on) if body else []
    term = terms[spec[0]]
    session = db.session.scalar(
        sa.select(CouncilSession).where(
            CouncilSession.term_id == term.id,
            CouncilSession.kind == spec[1],
            CouncilSession.number == spec[2],
        )
    )
    if session is None:
        raise LookupError(f"demo session {spec} is missing: seed the council first")
    return session


def _build(demo: Demo, residents: list[int], today: date) -> Question:
    units = {unit.code: unit for unit in db.session.scalars(sa.select(OrgUnit))}
    question = Question(
        origin=demo.origin,
        kind=demo.kind,
        form=demo.form,
        state=demo.state,
        title=demo.title,
        body=demo.body,
        body_html=render_markdown(demo.body),
        to_mayor=demo.to_mayor,
        case_number=demo.case_number,
        responsible_unit=units.get(demo.unit) if demo.unit else None,
    )
    if demo.topic:
        question.topic = db.session.scalar(sa.select(Topic).where(Topic.slug == demo.topic))
    if demo.community:
        question.community = db.session.scalar(
            sa.select(LocalCommunity).where(LocalCommunity.slug == slugify(demo.community))
        )
    day = demo.fixed_day or today - timedelta(days=demo.days_ago)
    if demo.origin is Origin.RESIDENT:
        question.author_id = _user(demo.authors[0], residents[0])
        question.recorded_by_id = question.author_id
        return _resident(question, demo, residents, day)
    session = _session(demo.session) if demo.session else None
    question.session = session
    start = session.held_on if session and demo.form is Form.ORAL else day
    if demo.form is Form.WRITTEN:
        question.received_on = day
    for position, name in enumerate(demo.authors):
        person = db.session.scalar(sa.select(Person).where(Person.name == name))
        question.authors.append(QuestionAuthor(person=person, position=position))
    if demo.group:
        question.group = db.session.scalar(
            sa.select(CouncillorGroup).where(CouncillorGroup.name == demo.group)
        )
    for position, code in enumerate(demo.units):
        question.addressees.append(QuestionAddressee(unit=units[code], position=position))
    if demo.adopts:
        question.adopts_question = db.session.scalar(
            sa.select(Question).where(Question.title == demo.adopts)
        )
    if demo.merged_into:
        question.merged_into = db.session.scalar(
            sa.select(Question).where(Question.title == demo.merged_into)
        )
    question.published_at = question.created_at = question.updated_at = _at(start, 18)
    _event(question, _E.RECORDED, question.published_at)
    _deadline(question)
    if question.adopts_question is not None:
        question.adopts_question.events.append(
            QuestionEvent(kind=_E.ADOPTED, created_at=question.published_at, data={})
        )
    _afterwards(question, demo, start, today)
    return question


def _resident(question: Question, demo: Demo, residents: list[int], day: date) -> Question:
    submitted = _at(day - timedelta(days=1), 9)
    question.created_at = question.updated_at = question.submitted_at = submitted
    _event(question, _E.SUBMITTED, submitted)
    if demo.state is _Q.SUBMITTED:
        return question
    if demo.state is _Q.REJECTED:
        question.rejection_reason = db.session.scalar(
            sa.select(RejectionReason).where(RejectionReason.slug == demo.reason)
        )
        question.closed_at = _at(day, 11)
        _event(question, _E.REJECTED, question.closed_at)
        return question
    question.published_at = _at(day, 11)
    _event(question, _E.PUBLISHED, question.published_at)
    _deadline(question)
    supporters = [r for r in residents if r != question.author_id][: demo.supporters]
    question.support_count = len(supporters)
    for n, user_id in enumerate(supporters):
        db.session.add(
            QuestionSupport(
                question=question,
                user_id=user_id,
                created_at=question.published_at + timedelta(hours=n + 1),
            )
        )
    _afterwards(question, demo, day, local_today())
    return question


def _deadline(question: Question) -> None:
    deadline = due.compute(question)
    if deadline is not None:
        question.deadline_rule = deadline.rule
        question.starts_on = deadline.due.start
        question.due_on = deadline.due.due_on


def _afterwards(question: Question, demo: Demo, start: date, today: date) -> None:
    """The steps after it was posed: assignment, stages, answer, extension, closing."""
    if question.responsible_unit is not None:
        _event(
            question,
            _E.ASSIGNED,
            _at(start + timedelta(days=2)),
            unit=question.responsible_unit.code,
        )
    if demo.case_number:
        _event(
            question, _E.REGISTERED, _at(start + timedelta(days=3)), case_number=demo.case_number
        )
    for n, stage in enumerate(demo.stages):
        _event(question, _E.STATE_CHANGED, _at(start + timedelta(days=6 + n)), to=stage.value)
    if demo.extension and question.due_on:
        days, reason = demo.extension
        question.extended_to = question.due_on + timedelta(days=days)
        question.extension_reason = reason
        _event(
            question, _E.EXTENDED, _at(start + timedelta(days=15)), note=reason,
            to=question.extended_to.isoformat(),
        )  # fmt: skip
    if demo.answer:
        kind, text, after = demo.answer
        answered = _at(start + timedelta(days=after), 12)
        question.answer_text = text
        question.answer_html = render_markdown(text)
        question.answered_at = answered
        question.answered_on = question.replied_on = answered.date()
        question.answered_by_unit = question.responsible_unit
        on_time = question.effective_due_on is None or answered.date() <= question.effective_due_on
        _event(question, _E.ANSWERED, answered, answer=kind, on_time=on_time)
        if kind == "full":
            question.closed_at = answered
    if demo.state is _Q.LAPSED:
        question.closed_at = _at(date(2018, 12, 17), 12)
        _event(question, _E.LAPSED, question.closed_at, term="2014–2018")
    if demo.state is _Q.WITHDRAWN:
        question.closed_at = _at(start + timedelta(days=5))
        _event(question, _E.WITHDRAWN, question.closed_at)
    if demo.state is _Q.MERGED:
        question.closed_at = _at(start + timedelta(days=9))
        _event(question, _E.MERGED, question.closed_at)
    if question.is_open and question.effective_due_on and question.effective_due_on < today:
        late = _at(question.effective_due_on + timedelta(days=1), 2)
        question.overdue_recorded_at = late
        _event(question, _E.OVERDUE, late, due=question.effective_due_on.isoformat())


def _event(
    question: Question,
    kind: QuestionEventKind,
    when: datetime,
    note: str | None = None,
    **data: object,
) -> None:
    question.events.append(QuestionEvent(kind=kind, created_at=when, note=note, data=dict(data)))
