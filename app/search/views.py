"""``/search``: one search across initiatives and questions, grouped by kind.

Each kind is ranked within its own index and shown with its count and its best hits; "all"
leads to the kind's own list, which searches the same way and adds its filters and pages.
Ranks of different indexes are not compared (bm25 and ``ts_rank`` score against each index's
own words), so the groups are not merged into one order; Decidim's global search groups the
same way.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.core import pagecache
from app.core.time import next_midnight, utcnow
from app.core.time import today as local_today
from app.initiatives import queries as initiatives
from app.questions import queries as questions
from app.search import bp, engine

#: Best hits shown per kind; the rest are on the kind's list.
SHOWN = 5
PARAMETERS = ("q",)


def _canonical(pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    text = " ".join(dict(pairs).get("q", "").split())
    return [("q", text)] if text else []


@bp.get("/search")
@pagecache.cached(
    lambda: ("initiatives", "questions"), params=PARAMETERS, free=PARAMETERS, canonical=_canonical
)
def search() -> ResponseReturnValue:
    text = " ".join(str(request.args.get("q", "")).split())[:200]
    now, today = utcnow(), local_today()
    found_initiatives = found_questions = None
    suggestions: list[str] = []
    if text:
        initiative_filters = initiatives.Filters(text=text, sort=initiatives.Sort.RELEVANCE)
        question_filters = questions.Filters(text=text, sort=questions.Sort.RELEVANCE)
        found_initiatives = initiatives.list_page(initiative_filters, now, page_size=SHOWN)
        found_questions = questions.list_page(question_filters, today, page_size=SHOWN)
        if not found_initiatives.total and not found_questions.total:
            suggestions = _spellings(text)
        pagecache.expires_by(next_midnight())
    return render_template(
        "search/results.html",
        text=text,
        initiatives=found_initiatives,
        questions=found_questions,
        suggestions=suggestions,
        now=now,
        today=today,
    )


def _spellings(text: str) -> list[str]:
    """Other spellings that find something in either kind (each checked in its own index)."""
    offered: list[str] = []
    for index in (engine.INITIATIVES, engine.QUESTIONS):
        for spelling in engine.corrections(text, limit=initiatives.SUGGESTIONS, index=index):
            if spelling not in offered:
                offered.append(spelling)
    return offered[: initiatives.SUGGESTIONS]
