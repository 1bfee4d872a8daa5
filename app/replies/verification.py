"""Checking a letter: is this PDF (or this fingerprint) one the municipality published?

The SHA-256 of the signed original is computed when it is uploaded and printed on the
letter's page beside a QR code that links to the page. Anyone holding a copy — printed,
e-mailed, forwarded — can upload it or paste its fingerprint and learn whether it is the
letter the municipality published, which one, and whether it was corrected or retracted
since. Only public letters are ever confirmed: a fingerprint of a draft finds nothing, so the
check reveals nothing the letter's page would not.
"""

from __future__ import annotations

import hashlib
import io

import segno
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.replies.models import PUBLIC, Reply, ReplyAttachment

#: Largest PDF the public check reads (bytes): a letter with annexes is well under it, and it
#: stays under the request limit (MAX_CONTENT_LENGTH, 16 MB), so the page's message answers.
MAX_BYTES = 15 * 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find(sha256: str) -> Reply | None:
    """The public letter whose signed original (or annex) has this fingerprint, if any."""
    reply = db.session.scalar(
        sa.select(Reply)
        .where(Reply.signed_pdf_sha256 == sha256, Reply.state.in_(PUBLIC))
        .options(joinedload(Reply.issuer_unit), joinedload(Reply.superseded_by))
        .order_by(Reply.id)
        .limit(1)
    )
    if reply is not None:
        return reply
    # An annex of a public letter is the municipality's document too.
    return db.session.scalar(
        sa.select(Reply)
        .join(ReplyAttachment, ReplyAttachment.reply_id == Reply.id)
        .where(ReplyAttachment.sha256 == sha256, Reply.state.in_(PUBLIC))
        .options(joinedload(Reply.issuer_unit), joinedload(Reply.superseded_by))
        .order_by(Reply.id)
        .limit(1)
    )


def qr_svg(url: str) -> str:
    """An SVG QR code of ``url``: served as a file, since the CSP allows no ``data:`` image."""
    out = io.BytesIO()
    # Error correction M survives a fold or a coffee stain on a printed letter.
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=4, border=2, xmldecl=False, title="QR", svgclass=None, lineclass=None
    )
    return out.getvalue().decode("utf-8")
