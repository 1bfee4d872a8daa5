"""``/search``: one search across initiatives, questions, reply letters and projects, grouped
by kind.

Each kind is ranked within its own index and shown with its count and its best hits; "all"
leads to the kind's own list, which searches the same way and adds its filters and pages.
Ranks of different indexes are not compared (bm25 and ``ts_rank`` score against each index's
own words), so the groups are not merged into one order; Decidim's global search groups the
same way.

A reply letter's card shows its reference number, subject, date, issuing unit and a few
words of its text around what matched; "all" leads to the public list of letters
(``replies.index``). Only public letters are in their index (migration ``l8rsearch0001``);
the page asks for the public states once more all the same.

A project's card shows its code, its light in words (the colour's name and what it means,
never a colour alone), its responsible unit and its summary; "all" leads to the list of
projects (``projects.index``), which searches the same index (migration ``o11psearch0001``).
Every project is public.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload, load_only, raiseload
from werkzeug.routing import BuildError

from app.core import pagecache, pagination
from app.core.pagination import Page
from app.core.time import next_midnight, utcnow
from app.core.time import today as local_today
from app.initiatives import queries as initiatives
from app.projects.models import LIGHT_COLOURS, LIGHT_LABELS, Project
from app.questions import queries as questions
from app.replies.models import PUBLIC, STATE_LABELS, Reply, ReplyState
from app.search import bp, engine

#: Best hits shown per kind; the rest are on the kind's list.
SHOWN = 5
PARAMETERS = ("q",)
#: The count of letters (and of projects) found stops here ("more than 1,000"), as the lists'
#: counts do.
REPLY_COUNT_CAP = 1000
PROJECT_COUNT_CAP = 1000
#: The states a letter's card marks: still readable, but not the municipality's last word.
MARKED_STATES = (ReplyState.CORRECTED, ReplyState.RETRACTED)


def _canonical(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    text = " ".join(dict(pairs).get("q", "").split())
    return [("q", text)] if text else []


@bp.get("/search")
@pagecache.cached(
    lambda: ("initiatives", "questions", "replies", "projects"),
    params=PARAMETERS,
    free=PARAMETERS,
    canonical=_canonical,
)
def search() -> ResponseReturnValue:
    text = " ".join(str(request.args.get("q", "")).split())[:200]
    now, today = utcnow(), local_today()
    found_initiatives = found_questions = found_replies = found_projects = None
    suggestions: list[str] = []
    if text:
        initiative_filters = initiatives.Filters(text=text, sort=initiatives.Sort.RELEVANCE)
        question_filters = questions.Filters(text=text, sort=questions.Sort.RELEVANCE)
        found_initiatives = initiatives.list_page(initiative_filters, now, page_size=SHOWN)
        found_questions = questions.list_page(question_filters, today, page_size=SHOWN)
        found_replies = replies_page(text, page_size=SHOWN)
        found_projects = projects_page(text, page_size=SHOWN)
        if not (
            found_initiatives.total
            or found_questions.total
            or found_replies.total
            or found_projects.total
        ):
            suggestions = _spellings(text)
        pagecache.expires_by(next_midnight())
    return render_template(
        "search/results.html",
        text=text,
        initiatives=found_initiatives,
        questions=found_questions,
        replies=found_replies,
        projects=found_projects,
        suggestions=suggestions,
        now=now,
        today=today,
        reply_url=reply_url,
        all_replies_url=_replies_list_url(text) if text else None,
        reply_snippet=engine.snippet,
        reply_state_labels=STATE_LABELS,
        marked_reply_states=MARKED_STATES,
        project_url=project_url,
        all_projects_url=_projects_list_url(text) if text else None,
        light_labels=LIGHT_LABELS,
        light_colours=LIGHT_COLOURS,
    )


def _spellings(text: str) -> list[str]:
    """Other spellings that find something in any kind (each checked in its own index)."""
    offered: list[str] = []
    for index in (engine.INITIATIVES, engine.QUESTIONS, engine.REPLIES, engine.PROJECTS):
        for spelling in engine.corrections(text, limit=initiatives.SUGGESTIONS, index=index):
            if spelling not in offered:
                offered.append(spelling)
    return offered[: initiatives.SUGGESTIONS]


# --- reply letters --------------------------------------------------------------------------


def reply_card_options() -> tuple[Any, ...]:
    """What a letter's card shows, loaded with it in the page's one statement.

    The issuing unit is joined (every letter has one); any other column or relation raises
    when read, so that a card that starts reading more fails a test instead of sending a
    query per letter.
    """
    return (
        load_only(
            Reply.id,
            Reply.state,
            Reply.reference_number,
            Reply.subject,
            Reply.letter_date,
            Reply.issuer_unit_id,
            Reply.published_at,
            Reply.body_text,
            raiseload=True,
        ),
        joinedload(Reply.issuer_unit, innerjoin=True),
        raiseload("*"),
    )


def replies_page(text: str, page_size: int = SHOWN) -> Page[Reply]:
    """The public letters matching every word of ``text``, best first: the first page and
    the capped count (two queries; none when ``text`` has no usable word)."""
    found = engine.ranked(text, engine.REPLIES)
    if found is None:
        return Page([], 1, page_size, 0)
    hits = found.subquery()
    query = (
        sa.select(Reply)
        .join(hits, hits.c.id == Reply.id)
        # The index holds public letters only; asked again, so a fault there shows nothing.
        .where(
            Reply.state.in_(
                sa.bindparam("public", list(PUBLIC), expanding=True, literal_execute=True)
            )
        )
        .order_by(*engine.best_first(hits, Reply))
        .options(*reply_card_options())
    )
    return pagination.paginate(query, page=1, size=page_size, count_cap=REPLY_COUNT_CAP)


def _replies_list_url(text: str) -> str | None:
    """The public list of letters searching ``text`` (with its filters), if the app has it."""
    try:
        return url_for("replies.index", q=text)
    except BuildError:
        return None


def reply_url(reply: Reply) -> str:
    """The public page of a letter (``replies.detail``), or its address while that page is
    not part of the app yet."""
    try:
        return url_for("replies.detail", reply_id=reply.id)
    except BuildError:
        return f"{request.script_root}/replies/{reply.id}"


# --- projects -------------------------------------------------------------------------------


def project_card_options() -> tuple[Any, ...]:
    """What a project's card shows, loaded with it in the page's one statement (the
    responsible unit joined; anything else raises when read, as the letters' card)."""
    return (
        load_only(
            Project.id,
            Project.code,
            Project.title,
            Project.summary,
            Project.light,
            Project.progress,
            Project.unit_id,
            Project.created_at,
            Project.updated_at,
            raiseload=True,
        ),
        joinedload(Project.unit, innerjoin=True),
        raiseload("*"),
    )


def projects_page(text: str, page_size: int = SHOWN) -> Page[Project]:
    """The projects matching every word of ``text``, best first: the first page and the
    capped count (two queries; none when ``text`` has no usable word)."""
    found = engine.ranked(text, engine.PROJECTS)
    if found is None:
        return Page([], 1, page_size, 0)
    hits = found.subquery()
    query = (
        sa.select(Project)
        .join(hits, hits.c.id == Project.id)
        .order_by(*engine.best_first(hits, Project))
        .options(*project_card_options())
    )
    return pagination.paginate(query, page=1, size=page_size, count_cap=PROJECT_COUNT_CAP)


def _projects_list_url(text: str) -> str | None:
    """The list of projects searching ``text`` (with its filters), if the app has it."""
    try:
        return url_for("projects.index", q=text)
    except BuildError:
        return None


def project_url(project: Project) -> str:
    """The page of a project (``projects.detail``), or its address while that page is not
    part of the app yet."""
    try:
        return url_for("projects.detail", project_id=project.id)
    except BuildError:
        return f"{request.script_root}/projects/{project.id}"
