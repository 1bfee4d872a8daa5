"""A public letter as data: the JSON of ``reply-letter.md`` and the list's CSV.

The JSON's shape is the one ``reply-letter.md`` sets out, and ``docs/schemas/reply.schema.json``
pins it (the tests validate every letter they publish against it). People appear by role, as
the letter prints them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from app.core import csvstream
from app.core.time import to_local
from app.core.urls import public_url_for
from app.extensions import db
from app.questions.models import Question
from app.replies import services
from app.replies.models import AddresseeKind, Reply, ReplyCoverage, ReplyUnit
from app.replies.queries import Filters, filtered
from app.sessions.models import SessionKind

#: ``reply-letter.md``: the session's type is null where the letter does not print it (a
#: regular session); extraordinary and correspondence sessions say so.
_SESSION_TYPE = {
    SessionKind.REGULAR: None,
    SessionKind.EXTRAORDINARY: "extraordinary",
    SessionKind.CORRESPONDENCE: "correspondence",
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _question(reply: Reply, row: ReplyCoverage, question: Question) -> dict[str, Any]:
    session = question.session
    return {
        "question_id": question.id,
        "kind": question.kind.value,
        "origin": question.origin.value,
        "form": "oral_at_session" if question.form.value == "oral" else "written",
        "title": question.title,
        "session": {
            "body": session.body.name_sl if session.body else None,
            "number": session.number,
            "type": _SESSION_TYPE.get(session.kind),
            "date": session.held_on.isoformat(),
        }
        if session
        else None,
        "received_on": _iso(question.received_on),
        "authors": [
            {"role": "councillor", "name": author.person.name} for author in question.authors
        ],
        "group": question.group.name if question.group else None,
        "coverage": row.coverage.value,
        "due_on": _iso(question.effective_due_on),
        "on_time": services.on_time(reply, question),
        "days_to_reply": services.days_to_reply(reply, question),
        "links": {"self": public_url_for("questions.detail", question_id=question.id)},
    }


def as_json(reply: Reply) -> dict[str, Any]:
    """The letter in the shape of ``reply-letter.md``."""
    in_reply_to = [
        _question(reply, row, row.question) for row in reply.coverage if row.question is not None
    ]
    initiatives = [
        {
            "initiative_id": row.initiative.id,
            "title": row.initiative.title,
            "coverage": row.coverage.value,
            "links": {
                "self": public_url_for("initiatives.detail", initiative_id=row.initiative.id)
            },
        }
        for row in reply.coverage
        if row.initiative is not None
    ]
    addressee: dict[str, Any] = (
        {"body": reply.addressee_body.name_sl if reply.addressee_body else None}
        if reply.addressee_kind is AddresseeKind.BODY
        else {"person": reply.addressee_text}
    )
    addressee["as_printed"] = reply.addressee_text
    return {
        "id": reply.id,
        "state": reply.state.value,
        "reference_number": reply.reference_number,
        "case_number": reply.case_number,
        "document_seq": reply.document_seq,
        "reference_suffix": reply.reference_suffix,
        "letter_date": reply.letter_date.isoformat(),
        "place": reply.place,
        "issuer": {"org_unit": reply.issuer_unit.name},
        "answering_units": [row.unit.name for row in reply.answering_units],
        "addressee": addressee,
        "subject": reply.subject,
        "question_restatement": reply.question_restatement,
        "session_reference_text": reply.session_reference_text,
        "in_reply_to": in_reply_to,
        "initiatives": initiatives,
        "reply_type": reply.reply_type.value,
        "initiative_outcome": reply.initiative_outcome.value if reply.initiative_outcome else None,
        "forwarded_to": reply.forwarded_to.name if reply.forwarded_to else None,
        "extended_to": _iso(reply.extended_to),
        "summary": reply.summary,
        "body_html": reply.body_html,
        "body_text": reply.body_text,
        "prepared_by": [{"name": p.name, "org_unit": p.unit_text} for p in reply.prepared_by],
        "signed_by": [
            {"order": n, "name": p.name, "function": p.function, "capacity": p.capacity}
            for n, p in enumerate(reply.signatories, start=1)
        ],
        "signature_method": reply.signature_method.value,
        "signed_at": _iso(reply.signed_at),
        "sent_at": _iso(reply.sent_at),
        "published_at": _iso(reply.published_at),
        "distribution": [
            {"recipient": r.recipient, "kind": r.kind.value} for r in reply.distribution
        ],
        "attachments": [
            {
                "title": a.title,
                "mime": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "is_signed_original": a.is_signed_original,
                "url": public_url_for(
                    "replies.attachment",
                    reply_id=reply.id,
                    attachment_id=a.id,
                    filename=a.filename,
                ),
            }
            for a in reply.attachments
        ],
        "page_count": reply.page_count,
        "signed_pdf_sha256": reply.signed_pdf_sha256,
        "imported": reply.imported,
        "commitments": [],
        "supersedes": reply.supersedes.reference_number if reply.supersedes else None,
        "superseded_by": reply.superseded_by.reference_number
        if reply.superseded_by and reply.superseded_by.is_public
        else None,
        "retraction_reason": reply.retraction_reason,
        "links": {
            "self": public_url_for("replies.detail", reply_id=reply.id),
            "json": public_url_for("replies.as_json_view", reply_id=reply.id),
            "verify": public_url_for("replies.verify"),
        },
    }


CSV_HEADER = (
    "id", "reference_number", "case_number", "letter_date", "sent_at", "state", "reply_type",
    "issuer", "answering_units", "subject", "summary", "questions", "initiatives",
    "signed_pdf_sha256", "url",
)  # fmt: skip
_BATCH = 500


def csv_chunks(filters: Filters) -> Iterator[str]:
    """The filtered list as CSV, read in batches of ids so memory stays flat at any size."""
    ids = list(
        db.session.scalars(
            filtered(filters)
            .with_only_columns(Reply.id)
            .order_by(Reply.letter_date.desc(), Reply.id.desc())
        )
    )

    def batches() -> Iterator[list[list[object]]]:
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            rows = db.session.scalars(
                sa.select(Reply)
                .where(Reply.id.in_(chunk))
                .options(
                    # The columns of the file only: a letter's texts are kilobytes each.
                    load_only(
                        Reply.reference_number,
                        Reply.case_number,
                        Reply.letter_date,
                        Reply.sent_at,
                        Reply.state,
                        Reply.reply_type,
                        Reply.issuer_unit_id,
                        Reply.subject,
                        Reply.summary,
                        Reply.signed_pdf_sha256,
                    ),
                    joinedload(Reply.issuer_unit),
                    selectinload(Reply.answering_units).joinedload(ReplyUnit.unit),
                    selectinload(Reply.coverage),
                    raiseload("*"),
                )
            )
            by_id = {reply.id: reply for reply in rows}
            yield [_row(by_id[reply_id]) for reply_id in chunk if reply_id in by_id]
            db.session.expunge_all()

    return csvstream.chunks(CSV_HEADER, batches())


def _row(reply: Reply) -> list[object]:
    return [
        reply.id,
        reply.reference_number,
        reply.case_number,
        reply.letter_date.isoformat(),
        to_local(reply.sent_at).isoformat() if reply.sent_at else "",
        reply.state.value,
        reply.reply_type.value,
        reply.issuer_unit.name,
        "; ".join(row.unit.name for row in reply.answering_units),
        reply.subject,
        reply.summary,
        " ".join(str(row.question_id) for row in reply.coverage if row.question_id),
        " ".join(str(row.initiative_id) for row in reply.coverage if row.initiative_id),
        reply.signed_pdf_sha256 or "",
        public_url_for("replies.detail", reply_id=reply.id),
    ]
