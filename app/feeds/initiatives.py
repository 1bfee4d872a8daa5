"""The entries of initiatives: one per initiative in a list, one per step of its timeline.

What an entry holds is what the public page shows to a visitor who is signed out: the text
only where ``permissions.can_view_body`` allows it (a rejected initiative shows its title and
the reason), the timeline without the steps the page leaves out, and nobody's name but the
author's public one (never a moderator's: events keep their actor, the page never shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.feeds import html
from app.feeds.atom import Entry, newest_first
from app.feeds.replies import letter_entry
from app.feeds.urls import absolute, item_id, step_id
from app.initiatives import lifecycle, permissions, queries
from app.initiatives.models import (
    RESPONSE_LABELS,
    STATE_LABELS,
    EventKind,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    ResponseKind,
)
from app.initiatives.views import detail_url
from app.replies.models import Reply

#: The steps as the page names them: the msgids of ``templates/initiatives/detail.html``, so
#: that the catalogue translates both alike.
EVENT_LABELS = {
    EventKind.SUBMITTED: _l("Submitted for moderation"),
    EventKind.PUBLISHED: _l("Published and open for support"),
    EventKind.REJECTED: _l("Not published"),
    EventKind.THRESHOLD_REACHED: _l("Threshold reached: the municipality must respond"),
    EventKind.ANSWERED: _l("The municipality responded"),
    EventKind.PROGRESS: _l("Progress report"),
    EventKind.COMPLETED: _l("Carried out"),
    EventKind.EXPIRED: _l("Expired: not enough support in time"),
    EventKind.WITHDRAWN: _l("Withdrawn by the author"),
    EventKind.EDITED: _l("The text was corrected by moderation"),
    EventKind.ADOPTED: _l("Taken up by a councillor"),
}
#: Steps the page's timeline leaves out (``initiatives.views._detail``): a draft's creation.
HIDDEN = frozenset({EventKind.CREATED})


def public_events(initiative: Initiative) -> list[InitiativeEvent]:
    return [event for event in initiative.events if event.kind not in HIDDEN]


def item_options() -> tuple[Any, ...]:
    """What an initiative's entry and feed show besides its columns: one statement each."""
    return (
        joinedload(Initiative.topic),
        joinedload(Initiative.community),
        joinedload(Initiative.author),
        joinedload(Initiative.rejection_reason),
    )


def load(initiative_id: int) -> Initiative | None:
    """An initiative with everything its feed shows (its timeline by one more statement)."""
    return db.session.scalar(
        sa.select(Initiative)
        .where(Initiative.id == initiative_id)
        .options(*item_options(), selectinload(Initiative.events))
    )


def page_url(initiative: Initiative) -> str:
    return absolute(detail_url(initiative))


def entry_id(initiative_id: int) -> str:
    return item_id("initiatives.detail", initiative_id=initiative_id)


# --- the list -------------------------------------------------------------------------------


def list_entries(filters: queries.Filters, now: datetime, limit: int) -> list[Entry]:
    """The newest ``limit`` initiatives of the list as ``filters`` filter it, newest first.

    The list's own query chooses them (``queries.list_page``, newest first whatever the
    page's order: a feed is read as news); one more statement loads what an entry shows beyond
    a card (the texts, the author, the reason of a rejection), and one the time of each one's
    latest public step. Four statements, however many entries.
    """
    newest = replace(filters, sort=queries.Sort.NEWEST, page=1)
    ids = [initiative.id for initiative in queries.list_page(newest, now, limit).items]
    if not ids:
        return []
    # The list loaded cards (long texts deferred): the same rows again, whole this time.
    loaded = {
        initiative.id: initiative
        for initiative in db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.id.in_(ids))
            .options(*item_options())
            .execution_options(populate_existing=True)
        ).unique()
    }
    latest = _latest_steps(ids)
    return [_entry(loaded[i], latest.get(i), now) for i in ids]


def _latest_steps(ids: Sequence[int]) -> dict[int, datetime]:
    """Each initiative's latest public step, in one statement."""
    rows = db.session.execute(
        sa.select(InitiativeEvent.initiative_id, sa.func.max(InitiativeEvent.created_at))
        .where(InitiativeEvent.initiative_id.in_(ids), InitiativeEvent.kind.not_in(HIDDEN))
        .group_by(InitiativeEvent.initiative_id)
    )
    return {initiative_id: moment for initiative_id, moment in rows if moment is not None}


def last_change(initiative: Initiative, latest_step: datetime | None, now: datetime) -> datetime:
    """The initiative's last public change: its latest step, or when support closed by the
    clock (expired before the cron job wrote it), or its publication."""
    moments = [latest_step, initiative.published_at]
    closes = initiative.support_closes_at
    if initiative.state is InitiativeState.PUBLISHED and closes is not None and closes <= now:
        moments.append(closes)
    return max((m for m in moments if m is not None), default=initiative.created_at)


def _entry(initiative: Initiative, latest_step: datetime | None, now: datetime) -> Entry:
    state = lifecycle.effective_state(initiative, now)
    shows_body = permissions.can_view_body(None, initiative)
    blocks = [
        html.paragraph(
            str(STATE_LABELS[state]),
            str(RESPONSE_LABELS[initiative.response_kind]) if initiative.response_kind else None,
            strong=True,
        ),
        html.paragraph(
            initiative.topic.name,
            initiative.community.name if initiative.community else _("The whole municipality"),
        ),
    ]
    if state is InitiativeState.REJECTED:
        blocks.append(_rejection(initiative))
    if initiative.response_html:
        heading = html.heading(_("The municipality's response"))
        blocks += [heading, html.sanitised(initiative.response_html)]
    if shows_body:
        blocks += [html.paragraph(initiative.summary), html.sanitised(initiative.body_html)]
    return Entry(
        id=entry_id(initiative.id),
        title=initiative.title,
        link=page_url(initiative),
        updated=last_change(initiative, latest_step, now),
        published=initiative.published_at,
        author=initiative.author.display_name,
        summary=initiative.summary if shows_body else None,
        content=html.join(*blocks),
    )


def _rejection(initiative: Initiative) -> Markup:
    reason = initiative.rejection_reason
    return Markup("").join(
        (
            html.heading(_("Why this initiative was not published")),
            html.paragraph(reason.name if reason else None),
            html.paragraph(initiative.rejection_note),
        )
    )


# --- one initiative -------------------------------------------------------------------------


def item_entries(initiative: Initiative, letters: Sequence[Reply]) -> list[Entry]:
    """The steps of an initiative's public timeline and the letters that answer it, newest
    first. ``letters``: its public reply letters (``replies.queries.published_for_initiative``)."""
    events = public_events(initiative)
    answers = [event for event in events if event.kind is EventKind.ANSWERED]
    latest_answer = answers[-1] if answers else None
    entries = [_step(initiative, event, latest_answer=event is latest_answer) for event in events]
    entries += [letter_entry(letter) for letter in letters]
    return newest_first(entries)


def _response_kind(value: object) -> ResponseKind | None:
    try:
        return ResponseKind(str(value))
    except ValueError:
        return None


def _step(initiative: Initiative, event: InitiativeEvent, *, latest_answer: bool) -> Entry:
    page = page_url(initiative)
    return Entry(
        id=step_id(entry_id(initiative.id), "event", event.id),
        title=html.step_title(str(EVENT_LABELS.get(event.kind, "")), initiative.title),
        link=page,
        updated=event.created_at,
        published=event.created_at,
        content=html.join(*_step_content(initiative, event, latest_answer=latest_answer)),
    )


def _step_content(
    initiative: Initiative, event: InitiativeEvent, *, latest_answer: bool
) -> list[Markup]:
    data = event.data or {}
    blocks = [html.paragraph(initiative.title, strong=True)]
    if event.kind is EventKind.PUBLISHED and permissions.can_view_body(None, initiative):
        blocks += [html.paragraph(initiative.summary), html.sanitised(initiative.body_html)]
    elif event.kind is EventKind.REJECTED:
        blocks.append(_rejection(initiative))
        return blocks  # the reason is the note: not twice
    elif event.kind is EventKind.THRESHOLD_REACHED and data.get("due"):
        due = html.day_written(str(data["due"]))
        if due:
            blocks.append(html.paragraph(_("The municipality must respond by %(date)s.", date=due)))
    elif event.kind is EventKind.ANSWERED:
        kind = _response_kind(data.get("response"))
        if kind is not None:
            blocks.append(html.paragraph(str(RESPONSE_LABELS[kind]), strong=True))
        if latest_answer and initiative.response_html:
            blocks.append(html.sanitised(initiative.response_html))
    elif event.kind is EventKind.ADOPTED and data.get("question_id"):
        target = item_id("questions.detail", question_id=int(data["question_id"]))
        blocks.append(
            Markup("<p>{}</p>").format(
                html.link(target, _("The councillor's initiative and its answer"))
            )
        )
    blocks.append(html.paragraph(event.note))
    return blocks
