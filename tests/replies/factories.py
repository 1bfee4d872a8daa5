"""Reply letters for the tests: their content, real PDFs, and the workflow walked through the
services, the way an issuing unit walks it.

``Letters`` writes letters of the mayor's cabinet (KZ), answered by KZ and UOP, drafted by one
official of KZ and reviewed by another, and takes each along the workflow to the stage a test
needs. It works in the caller's app context (the tests use ``ctx``) and returns ORM objects.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from fpdf import FPDF
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.core.time import LOCAL_TZ, utcnow
from app.core.time import today as local_today
from app.extensions import db
from app.initiatives.models import ResponseKind
from app.questions.models import Origin, QuestionState
from app.replies import services
from app.replies.models import AddresseeKind, DistributionKind, Reply, ReplyType, SignatureMethod
from app.replies.services import Content, Covered, Preparer, Recipient, Signatory
from tests.questions.conftest import Council

#: Every stage of a letter a test can ask for: the states, with "approved" for a letter in
#: review that the second official approved (still ``in_review``, waiting for the signature).
STAGES = (
    "draft", "in_review", "approved", "signed", "sent", "published", "corrected", "retracted",
)  # fmt: skip


def pdf_bytes(text: str = "Odgovor") -> bytes:
    """A real one-page PDF, as a word processor or a scanner would hand it over."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def pdf_upload(data: bytes | None = None, filename: str = "odgovor.pdf") -> FileStorage:
    return FileStorage(
        stream=io.BytesIO(pdf_bytes() if data is None else data),
        filename=filename,
        content_type="application/pdf",
    )


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def png_upload(filename: str = "odgovor.pdf") -> FileStorage:
    """A picture, named and declared as a PDF: the content decides."""
    return FileStorage(
        stream=io.BytesIO(png_bytes()), filename=filename, content_type="application/pdf"
    )


def midnight(on: date) -> datetime:
    """The start of a local day, as an aware datetime."""
    return datetime.combine(on, datetime.min.time(), LOCAL_TZ)


def moments(letter_date: date) -> tuple[datetime, datetime]:
    """A signing and a sending moment in the past, neither before the letter's date."""
    now = utcnow()
    signed_at = max(now - timedelta(hours=1), midnight(letter_date))
    sent_at = max(now - timedelta(minutes=30), signed_at)
    return signed_at, sent_at


def account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


@dataclass
class Letters:
    """Letters of KZ through the services; ids of who acts on them."""

    council: Council
    drafter: int  # an official of KZ (``people.official``)
    colleague: int  # another official of KZ: the second pair of eyes
    answering: int  # an official of UOP, an answering unit (``people.other_official``)
    unrelated: int  # an official of UGDP, which has nothing to do with the letter
    make_question: Callable[..., int]
    #: Each new letter opens a case of its own: 032-11/2026, 032-12/2026 …
    cases: Iterator[int] = field(default_factory=lambda: count(11))

    @property
    def kz(self) -> int:
        return self.council.units["KZ"]

    @property
    def uop(self) -> int:
        return self.council.units["UOP"]

    @property
    def ugdp(self) -> int:
        return self.council.units["UGDP"]

    def question(self, state: QuestionState = QuestionState.ASSIGNED, **content: Any) -> int:
        """A councillor's question, assigned to KZ: what a letter answers."""
        return self.make_question(Origin.COUNCILLOR, state, **content)

    def number(self) -> str:
        return f"032-{next(self.cases)}/2026-2"

    def content(self, *, covers: tuple[Covered, ...] = (), **overrides: Any) -> Content:
        """The sample letter's content, addressed to the council, in reply to ``covers``."""
        fields: dict[str, Any] = {
            "reference_number": self.number(),
            "letter_date": local_today() - timedelta(days=2),
            "place": "Kranj",
            "reply_type": ReplyType.FULL,
            "addressee_kind": AddresseeKind.BODY,
            "addressee_body_id": self.council.body_id,
            "addressee_text": "SVET MESTNE OBČINE KRANJ",
            "subject": "Odgovor na svetniško vprašanje – projekti e-demokracija, e-uprava",
            "question_restatement": (
                "Na 20. seji Sveta Mestne občine Kranj je svetnik izpostavil projekte "
                "e-demokracije. Zanimalo ga je, katere projekte občina pripravlja."
            ),
            "session_reference_text": "Na 20. seji Sveta Mestne občine Kranj",
            "summary": "Občina pripravlja dva projekta e-demokracije.",
            "body": "Občina pripravlja **dva** projekta:\n\n- e-demokracija\n- e-uprava\n",
            "answering_unit_ids": (self.kz, self.uop),
            "prepared_by": (Preparer("Maja Novak", "Pisarna za podjetja"),),
            "signatories": (
                Signatory("Ana Kranjc", "vodja Kabineta župana"),
                Signatory("Matjaž Rakovec", "župan Mestne občine Kranj"),
            ),
            "distribution": (
                Recipient("Svet Mestne občine Kranj"),
                Recipient("Arhiv", DistributionKind.ARCHIVE),
            ),
            "covers": covers,
        }
        fields.update(overrides)
        return Content(**fields)

    def create(
        self,
        *,
        covers: tuple[Covered, ...] | None = None,
        actor: int | None = None,
        imported: bool = False,
        **overrides: Any,
    ) -> Reply:
        """A draft by the drafter; without ``covers``, answering a new question in full."""
        if covers is None:
            covers = (Covered(question_id=self.question()),)
        return services.create(
            account(actor or self.drafter),
            issuer_unit_id=self.kz,
            content=self.content(covers=covers, **overrides),
            imported=imported,
        )

    def advance(
        self,
        reply: Reply,
        to: str,
        *,
        outcome: ResponseKind | None = None,
        pdf: bytes | None = None,
    ) -> Reply:
        """Walk ``reply`` from where it is to the stage ``to``, one service call per step."""
        drafter, colleague = account(self.drafter), account(self.colleague)
        while (stage := self.stage(reply)) != to:
            if stage == "draft":
                services.submit(drafter, reply)
            elif stage == "in_review":
                services.approve(colleague, reply)
            elif stage == "approved":
                signed_at, _ = moments(reply.letter_date)
                services.sign(
                    drafter,
                    reply,
                    upload=pdf_upload(pdf),
                    signed_at=signed_at,
                    method=SignatureMethod.QUALIFIED_ESIGNATURE,
                )
            elif stage == "signed":
                _, sent_at = moments(reply.letter_date)
                services.send(drafter, reply, sent_at=max(sent_at, reply.signed_at or sent_at))
            elif stage == "sent":
                services.publish(drafter, reply, outcome=outcome)
            elif stage == "published" and to == "corrected":
                correction = services.start_correction(drafter, reply)
                self.advance(correction, "published")
            elif stage == "published" and to == "retracted":
                services.retract(drafter, reply, reason="Pismo je bilo poslano pomotoma.")
            else:
                raise ValueError(f"cannot take a {stage} letter to {to}")
        return reply

    def make(self, to: str, *, outcome: ResponseKind | None = None, **create: Any) -> Reply:
        """A letter at the stage ``to``, taken there through the services."""
        return self.advance(self.create(**create), to, outcome=outcome)

    @staticmethod
    def stage(reply: Reply) -> str:
        if reply.state.value == "in_review" and reply.approved_at is not None:
            return "approved"
        return reply.state.value
