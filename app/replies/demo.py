"""Demo reply letters: the sample letter, imported and published, and letters at every step.

The sample (``demo_letters/kranj-reply-032-11-2016.txt``, the real letter of the mayor's
cabinet of 19 May 2016) is imported by the real importer, approved and published as an
imported historical letter: it answers Janez Černe's question of the 16th session, 29 days
after it was posed.

With the demo personas (``make demo``), the cabinet's officials Maja (who drafts) and Vesna (who
reviews) have a letter at each step of the workflow, so that each step can be tried: a draft,
one in review, one approved and waiting for its signed PDF, one signed, one sent (a full
reply to a residents' initiative: publishing asks for the decision), and one published with
its signed PDF — its fingerprint is found at ``/replies/verify`` — on which the asking
councillor Petra Novak has said whether it answered. The signed PDFs are files of this folder,
written by ``devtools/demo_pdfs.py`` from the same letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, RoleGrant, User
from app.core.time import LOCAL_TZ
from app.core.time import today as local_today
from app.council.services import the_council
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState, ResponseKind
from app.org.models import OrgUnit
from app.questions.models import Question
from app.replies import importer, services
from app.replies.models import (
    AddresseeKind,
    DistributionKind,
    Reply,
    ReplyType,
    SignatureMethod,
    Verdict,
)

LETTERS = Path(__file__).with_name("demo_letters")
SAMPLE = LETTERS / "kranj-reply-032-11-2016.txt"
SAMPLE_NUMBER = "032-11/2016-2-(52/17)"


@dataclass(frozen=True)
class DemoLetter:
    """A letter of the cabinet, taken by the services to ``stage``."""

    number: str
    stage: str  # draft, in_review, approved, signed, sent, published
    reply_type: ReplyType
    subject: str
    restatement: str
    summary: str
    body: str
    #: What it answers: a question's title, or an initiative's.
    question: str | None = None
    initiative: str | None = None
    answering: tuple[str, ...] = ("KZ",)
    #: A (verdict, reason) of the asking councillor, on a published letter.
    verdict: tuple[Verdict, str] | None = None

    @property
    def pdf(self) -> Path:
        return LETTERS / f"{self.number.replace('/', '-')}.pdf"


_CABINET_BODY = (
    "Spoštovani,\n\n"
    "{first}\n\n"
    "Pri tem bomo upoštevali:\n\n"
    "- stališča krajevne skupnosti,\n"
    "- razpoložljiva sredstva v **proračunu za leto 2027**,\n"
    "- mnenje pristojnega urada.\n\n"
    "O nadaljnjih korakih vas bomo obveščali."
)

DEMO_LETTERS = (
    DemoLetter(
        "032-41/2026-2",
        "published",
        ReplyType.FULL,
        "Odgovor na svetniško vprašanje – hrup z gradbišča na Zlatem polju ponoči",
        "Na seji Sveta Mestne občine Kranj je svetnica Petra Novak vprašala, kdo nadzoruje "
        "nočna dela na gradbišču na Zlatem polju in kaj občina stori zoper hrup.",
        "Nočna dela so dovoljena le z dovoljenjem; redarstvo bo gradbišče nadzorovalo vsak "
        "teden do konca del.",
        _CABINET_BODY.format(
            first="nočna dela na gradbišču na Zlatem polju so dovoljena le z dovoljenjem "
            "upravne enote. Medobčinski inšpektorat in redarstvo bo gradbišče nadzoroval "
            "vsak teden do konca del."
        ),
        question="Hrup z gradbišča na Zlatem polju ponoči",
        answering=("KZ", "MIR"),
        verdict=(
            Verdict.PARTLY,
            "Odgovor pove, kdo nadzoruje, ne pa, kaj bo občina storila, če izvajalec "
            "dovoljenja nima.",
        ),
    ),
    DemoLetter(
        "032-42/2026-2",
        "sent",
        ReplyType.FULL,
        "Odgovor na pobudo prebivalcev – kolesarska steza ob Savi",
        "Prebivalci so s pobudo, ki jo je podprlo dovolj podpornikov, predlagali ureditev "
        "kolesarske steze ob Savi.",
        "Pobudo sprejemamo delno: steza bo urejena na odseku do Struževega.",
        _CABINET_BODY.format(
            first="pobudo sprejemamo delno: kolesarska steza bo v letu 2027 urejena na "
            "odseku do Struževega, za nadaljevanje pa pripravljamo projektno dokumentacijo."
        ),
        initiative="awaiting",
    ),
    DemoLetter(
        "032-43/2026-2",
        "signed",
        ReplyType.FULL,
        "Odgovor na svetniško pobudo – zasaditev dreves ob Savskem otoku",
        "Svetnica Ana Kovač in svetnik Luka Horvat sta dala pobudo za zasaditev dreves ob "
        "Savskem otoku.",
        "Drevesa bodo zasajena jeseni 2027, ko bo urejena tudi pot.",
        _CABINET_BODY.format(
            first="pobudo bomo upoštevali: drevesa ob Savskem otoku bodo zasajena jeseni "
            "2027, ko bo urejena tudi sprehajalna pot."
        ),
        question="Zasaditev dreves ob Savskem otoku",
        answering=("KZ", "UOP"),
    ),
    DemoLetter(
        "032-44/2026-2",
        "approved",
        ReplyType.FULL,
        "Odgovor na svetniško vprašanje – prenova Pungerta",
        "Svetnik Luka Horvat je vprašal, kdaj se bo začela prenova Pungerta.",
        "Prenova Pungerta se začne spomladi 2027.",
        _CABINET_BODY.format(first="prenova Pungerta se bo začela spomladi 2027."),
        question="Prenova Pungerta",
        answering=("KZ", "UOP"),
    ),
    DemoLetter(
        "032-45/2026-2",
        "in_review",
        ReplyType.INTERIM,
        "Vmesni odgovor na svetniško vprašanje – razsvetljava pešpoti na Jezerski cesti",
        "Svetnica Petra Novak je vprašala, kdaj bo osvetljena pešpot ob Jezerski cesti.",
        "Odgovor pripravljamo; zbiramo podatke pristojnih služb.",
        _CABINET_BODY.format(
            first="na vprašanje bomo odgovorili v celoti, ko bomo zbrali podatke pristojnih služb."
        ),
        question="Razsvetljava pešpoti na Jezerski cesti",
        answering=("KZ", "UGDP"),
    ),
    DemoLetter(
        "032-46/2026-2",
        "draft",
        ReplyType.FULL,
        "Odgovor na svetniško vprašanje – vzdrževanje gozdnih cest v Podblici",
        "Svetnica Mojca Zupan je vprašala, kdo vzdržuje gozdne ceste v Podblici.",
        "Gozdne ceste vzdržuje Zavod za gozdove; občina prispeva sredstva.",
        _CABINET_BODY.format(
            first="gozdne ceste v Podblici vzdržuje Zavod za gozdove Slovenije, občina pa "
            "za vzdrževanje prispeva sredstva iz proračuna."
        ),
        question="Vzdrževanje gozdnih cest v Podblici",
        answering=("KZ", "UGDP"),
    ),
)

#: The order of the stages a letter walks through.
STAGES = ("draft", "in_review", "approved", "signed", "sent", "published")


def seed_replies() -> int:
    added = 0
    if (
        db.session.scalar(sa.select(Reply.id).where(Reply.reference_number == SAMPLE_NUMBER))
        is None
    ):
        _plan, reply = importer.import_file(None, SAMPLE.read_bytes())
        assert reply is not None  # noqa: S101 (not a dry run)
        services.submit(None, reply)
        services.approve(None, reply)
        services.publish(None, reply)
        added += 1
    maja, vesna = _official("Maja"), _official("Vesna")
    if maja is None or vesna is None:
        return added  # without the demo personas there is nobody to write and review
    for letter in DEMO_LETTERS:
        if db.session.scalar(sa.select(Reply.id).where(Reply.reference_number == letter.number)):
            continue
        if _seed(letter, maja, vesna):
            added += 1
    db.session.flush()
    return added


def _official(pseudonym_start: str) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
        .where(
            RoleGrant.role == Role.OFFICIAL,
            OrgUnit.code == "KZ",
            User.pseudonym.startswith(pseudonym_start),
        )
        .limit(1)
    )


def _covered(letter: DemoLetter) -> services.Covered | None:
    if letter.question is not None:
        question_id = db.session.scalar(
            sa.select(Question.id).where(Question.title == letter.question)
        )
        return services.Covered(question_id=question_id) if question_id else None
    initiative_id = db.session.scalar(
        sa.select(Initiative.id)
        .where(Initiative.state == InitiativeState.AWAITING_RESPONSE)
        .order_by(Initiative.id)
        .limit(1)
    )
    return services.Covered(initiative_id=initiative_id) if initiative_id else None


def _seed(letter: DemoLetter, maja: User, vesna: User) -> bool:
    covered = _covered(letter)
    units = {
        unit.code: unit.id
        for unit in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(letter.answering)))
    }
    if covered is None or len(units) != len(letter.answering):
        return False
    letter_date = local_today() - timedelta(days=STAGES.index(letter.stage) + 1)
    content = services.Content(
        reference_number=letter.number,
        letter_date=letter_date,
        place="Kranj",
        reply_type=letter.reply_type,
        addressee_kind=AddresseeKind.BODY,
        addressee_body_id=council.id if (council := the_council()) else None,
        addressee_text="SVET MESTNE OBČINE KRANJ",
        subject=letter.subject,
        question_restatement=letter.restatement,
        summary=letter.summary,
        body=letter.body,
        answering_unit_ids=tuple(units[code] for code in letter.answering),
        prepared_by=(services.Preparer("Maja Potočnik", "Kabinet župana"),),
        signatories=(
            services.Signatory("Vida Kranjc", "vodja Kabineta župana"),
            services.Signatory("Janez Župan", "župan Mestne občine Kranj"),
        ),
        distribution=(
            services.Recipient("Svet Mestne občine Kranj"),
            services.Recipient("Medobčinski inšpektorat in redarstvo", DistributionKind.CC)
            if "MIR" in letter.answering
            else services.Recipient("Arhiv Kabineta župana", DistributionKind.ARCHIVE),
        ),
        covers=(covered,),
    )
    cabinet = db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == "KZ"))
    assert cabinet is not None  # noqa: S101 (the units are seeded first)
    reply = services.create(maja, issuer_unit_id=cabinet, content=content)
    target = STAGES.index(letter.stage)
    moment = datetime.combine(letter_date, time(10), LOCAL_TZ)
    if target >= 1:
        services.submit(maja, reply)
    if target >= 2:
        services.approve(vesna, reply)
    if target >= 3:
        upload = FileStorage(
            stream=letter.pdf.open("rb"), filename=letter.pdf.name, content_type="application/pdf"
        )
        with upload.stream:
            services.sign(
                maja,
                reply,
                upload=upload,
                signed_at=moment,
                method=SignatureMethod.QUALIFIED_ESIGNATURE,
            )
    if target >= 4:
        services.send(maja, reply, sent_at=moment + timedelta(hours=2))
    if target >= 5:
        outcome = ResponseKind.PARTLY_ACCEPTED if letter.initiative else None
        services.publish(maja, reply, outcome=outcome)
        if letter.verdict is not None:
            _verdict(reply, *letter.verdict)
    return True


def _verdict(reply: Reply, verdict: Verdict, reason: str) -> None:
    """The asking councillor's view, if the demo persona speaking for them exists."""
    petra = db.session.scalar(
        sa.select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COUNCILLOR, User.pseudonym.startswith("Petra"))
        .limit(1)
    )
    question = next((row.question for row in reply.coverage if row.question), None)
    if petra is None or question is None:
        return
    services.give_verdict(
        petra, reply, question, verdict=verdict, reason=reason, asker=True, supporter=False
    )
