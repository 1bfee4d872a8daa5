"""The councillors: who sits on the council, and what each asked and how it was answered."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from app.core import pagecache
from app.core.time import next_midnight
from app.core.time import today as local_today
from app.councillors import bp
from app.questions import queries as question_queries


@bp.get("/")
@pagecache.cached(lambda: ("council",))
def index() -> ResponseReturnValue:
    today = local_today()
    people = question_queries.councillors()
    current = [p for p in people if p.mandate_on(today)]
    former = [p for p in people if not p.mandate_on(today)]
    return render_template("council/list.html", current=current, former=former, today=today)


@bp.get("/<id:person_id>")
@pagecache.cached(lambda person_id: ("council", f"councillor:{person_id}", "questions"))
def detail(person_id: int) -> ResponseReturnValue:
    person = question_queries.councillor(person_id)
    if person is None or not person.mandates:
        abort(404)  # a person record with no seat is not a councillor's public page
    today = local_today()
    pagecache.expires_by(next_midnight())
    return render_template(
        "council/detail.html",
        person=person,
        questions=question_queries.by_councillor(person.id),
        record=question_queries.record_of(person.id, today),
        today=today,
    )
