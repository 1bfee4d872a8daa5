"""The entries of reply letters: one per public letter in a list, and a letter's public steps.

Only what the public letter's page shows: a letter is public once published (and stays so,
marked, when corrected or retracted: ``models.PUBLIC``); of its history only publication,
correction and retraction are public — the drafting, the review, who signed it in the
workflow and every official's name stay with the units (``templates/replies/_workflow.html``
is shown to them alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.feeds import html
from app.feeds.atom import Entry, newest_first
from app.feeds.urls import absolute, item_id, step_id
from app.replies import queries
from app.replies.models import (
    EVENT_LABELS,
    STATE_LABELS,
    TYPE_LABELS,
    Reply,
    ReplyEvent,
    ReplyEventKind,
    ReplyState,
)
from app.replies.views import detail_url

_E = ReplyEventKind
#: The steps of a letter the public sees happen (the rest is the units' workflow).
PUBLIC_STEPS = frozenset({_E.PUBLISHED, _E.CORRECTED, _E.RETRACTED})
#: The list's order (``queries.list_page``): the newest letter first.
_NEWEST = (Reply.letter_date.desc(), Reply.id.desc())


def entry_id(reply_id: int) -> str:
    return item_id("replies.detail", reply_id=reply_id)


def page_url(reply: Reply) -> str:
    return absolute(detail_url(reply))


def title(reply: Reply) -> str:
    # As the letter's page is titled: number and subject, in any language.
    return f"{reply.reference_number} · {reply.subject}"


# --- the list -------------------------------------------------------------------------------


def list_entries(filters: queries.Filters, limit: int) -> list[Entry]:
    """The newest ``limit`` public letters of the list as ``filters`` filter it.

    The list's own filter (``queries.filtered``) and order; the issuer, the correction and the
    letter corrected are joined in, and one more statement finds each letter's latest public
    step. Two statements, however many letters.
    """
    replies = list(
        db.session.scalars(
            queries.filtered(filters)
            .order_by(*_NEWEST)
            .limit(limit)
            .options(
                joinedload(Reply.issuer_unit),
                joinedload(Reply.superseded_by),
                joinedload(Reply.supersedes),
            )
        ).unique()
    )
    latest = _latest_steps([reply.id for reply in replies])
    return [
        _entry(
            reply,
            latest=latest.get(reply.id),
            correction=reply.superseded_by,
            corrects=reply.supersedes,
        )
        for reply in replies
    ]


def _latest_steps(ids: Sequence[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ReplyEvent.reply_id, sa.func.max(ReplyEvent.created_at))
        .where(ReplyEvent.reply_id.in_(ids), ReplyEvent.kind.in_(PUBLIC_STEPS))
        .group_by(ReplyEvent.reply_id)
    )
    return {reply_id: moment for reply_id, moment in rows if moment is not None}


def letter_entry(reply: Reply) -> Entry:
    """A letter's entry in the feed of what it answers, from the letter's columns and issuer
    alone (``queries.published_for_question`` loads nothing else)."""
    return _entry(reply, latest=None, correction=None, corrects=None)


def _entry(
    reply: Reply,
    *,
    latest: datetime | None,
    correction: Reply | None,
    corrects: Reply | None,
) -> Entry:
    moments = [latest, reply.published_at, reply.retracted_at]
    return Entry(
        id=entry_id(reply.id),
        title=title(reply),
        link=page_url(reply),
        updated=max((m for m in moments if m is not None), default=reply.created_at),
        published=reply.published_at,
        author=reply.issuer_unit.name,
        summary=reply.summary,
        content=html.join(*_letter(reply, correction=correction, corrects=corrects)),
    )


def _letter(reply: Reply, *, correction: Reply | None, corrects: Reply | None) -> list[Markup]:
    """What the letter's page says of it, then its text."""
    blocks = [
        html.paragraph(
            str(STATE_LABELS[reply.state]) if reply.state is not ReplyState.PUBLISHED else None,
            str(TYPE_LABELS[reply.reply_type]),
            reply.issuer_unit.name,
            strong=True,
        ),
        html.paragraph(reply.reference_number, html.day(reply.letter_date)),
    ]
    if reply.state is ReplyState.RETRACTED:
        blocks += [_retracted(reply), html.paragraph(reply.retraction_reason)]
    if reply.state is ReplyState.CORRECTED:
        blocks.append(_corrected(correction))
    if corrects is not None:
        blocks.append(
            Markup("<p>{} {}.</p>").format(
                _("This letter corrects"),
                html.link(page_url(corrects), corrects.reference_number),
            )
        )
    blocks += [html.paragraph(reply.summary), html.sanitised(reply.body_html)]
    return blocks


def _retracted(reply: Reply) -> Markup:
    if reply.retracted_at is None:
        return Markup("")
    return html.paragraph(
        _("This letter was retracted on %(date)s.", date=html.day(reply.retracted_at)),
        strong=True,
    )


def _corrected(correction: Reply | None) -> Markup:
    notice = Markup("<p>{}</p>").format(_("This letter was corrected."))
    if correction is None or not correction.is_public:
        return notice
    read = _("Read the correction, %(number)s", number=correction.reference_number)
    return notice + Markup("<p>{}</p>").format(html.link(page_url(correction), read))


# --- one letter -----------------------------------------------------------------------------


def item_entries(reply: Reply) -> list[Entry]:
    """The public steps of a letter (``queries.for_page`` loads it with them), newest first."""
    steps = [event for event in reply.events if event.kind in PUBLIC_STEPS]
    return newest_first([_step(reply, event) for event in steps])


def _step(reply: Reply, event: ReplyEvent) -> Entry:
    page = page_url(reply)
    if event.kind is _E.PUBLISHED:
        blocks = _letter(reply, correction=None, corrects=reply.supersedes)
    elif event.kind is _E.CORRECTED:
        blocks = [_corrected(reply.superseded_by)]
    else:
        # The reason is public (the page shows it); who retracted the letter is not.
        notice = _("This letter was retracted on %(date)s.", date=html.day(event.created_at))
        blocks = [html.paragraph(notice, strong=True), html.paragraph(event.note)]
    return Entry(
        id=step_id(entry_id(reply.id), "event", event.id),
        title=html.step_title(str(EVENT_LABELS[event.kind]), title(reply)),
        link=page,
        updated=event.created_at,
        published=event.created_at,
        author=reply.issuer_unit.name,
        content=html.join(*blocks),
    )
