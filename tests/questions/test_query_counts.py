"""How many SQL statements the pages of questions, sessions and councillors cost.

Each page is counted on the demo's data and again with many more questions (more than a
page), anonymous and signed in. The bounds are today's counts, exactly (see the initiatives'
test): a count that grows with the items is an N+1 query, to be fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.council.models import Person
from app.extensions import db
from app.questions.models import Question, QuestionAuthor
from app.sessions.models import CouncilSession, SessionKind
from tests.initiatives.test_query_counts import CountQueries, measure

#: More than a page of the list (20).
MANY = 25


def _more_questions(app: Flask) -> None:
    """``MANY`` more councillors' questions, each with two authors, at the same session."""
    with app.app_context():
        model = db.session.scalar(
            sa.select(Question).where(Question.title == "Razsvetljava pešpoti na Jezerski cesti")
        )
        assert model is not None
        people = db.session.scalars(sa.select(Person).limit(2)).all()
        for n in range(MANY):
            copy = Question(
                **{
                    column.key: getattr(model, column.key)
                    for column in Question.__mapper__.column_attrs
                    if column.key not in ("id", "adopts_question_id", "adopts_initiative_id")
                }
            )
            copy.title = f"{model.title} {n}"
            copy.authors = [QuestionAuthor(person=p, position=i) for i, p in enumerate(people)]
            db.session.add(copy)
        db.session.commit()


@pytest.fixture(params=["anonymous", "resident"])
def visitor(
    request: pytest.FixtureRequest, client: FlaskClient, make_user: Callable[..., int], login: Any
) -> str:
    if request.param == "resident":
        login(client, make_user())
    return str(request.param)


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = db.session.scalar(
            sa.select(CouncilSession.id).where(
                CouncilSession.kind == SessionKind.REGULAR, CouncilSession.number == 20
            )
        )
        person = db.session.scalar(sa.select(Person.id).where(Person.name == "Petra Novak"))
        council = db.session.scalar(
            sa.select(Question.id).where(Question.title == "Projekti e-demokracija, e-uprava")
        )
        resident = db.session.scalar(
            sa.select(Question.id).where(
                Question.title == "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"
            )
        )
    found = {"session": session, "person": person, "council": council, "resident": resident}
    assert all(found.values()), found
    return found  # type: ignore[return-value]


#: Path -> statements for (anonymous, resident). A list: the total and the page (session,
#: group and the resident author joined in), and the councillors of the page's questions in
#: one more query; signed in, the session with its account and its roles.
PAGES = {
    "/questions/": (3, 5),
    "/questions/?state=overdue&sort=due": (3, 5),
    "/questions/?origin=councillor&kind=initiative": (3, 5),
    "/questions/?q=razsvetljava": (3, 5),
    "/questions/?session={session}": (3, 5),
    "/questions/?councillor={person}": (3, 5),
    "/sessions/": (2, 4),  # the terms, and the latest one's sessions
    # The session with its body and term, its agenda, the previous regular session, what was
    # posed at it and the answers presented (each a page of cards: two queries), and the
    # follow button (how many follow, and whether the visitor does: one query).
    "/sessions/{session}": (8, 10),
    "/councillors/": (2, 4),
    # The person, their seats (term, body, group), their latest questions (cards: two
    # queries), how all of them fared (four columns of each), and the follow button.
    "/councillors/{person}": (6, 8),
    # and the reply letters' and the projects' count and page
    "/search?q=razsvetljava": (9, 11),
}


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("path", "bounds"), PAGES.items(), ids=list(PAGES))
def test_a_page_costs_the_same_for_few_questions_and_many(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    visitor: str,
    path: str,
    bounds: tuple[int, int],
) -> None:
    bound = bounds[visitor == "resident"]
    url = path.format(**_ids(app))
    measure(client, count_queries, url).expect(bound)
    _more_questions(app)
    measure(client, count_queries, url).expect(bound)


#: A question's page: the question (what every page shows joined in), its authors,
#: addressees and timeline, and what only some have (the unit that answered, a group, the
#: question it follows up …) each in one query where it has one — the sample: the unit that
#: answered; the rules, work-free days and regular sessions its due date is explained by
#: (``due.context``); a resident's also what took it up (with its authors) and, signed in,
#: whether one supports it. Signed in: the session with its account and its roles. Both: the
#: public reply letters that answer it, and where there is one (the sample) their verdicts.
#: And the follow button: how many follow, and whether the visitor does (one query); and the
#: projects it led to or that speak of it (one, ``projects.queries.projects_of``).
DETAIL = {"council": (12, 14), "resident": (12, 15)}


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("which", "bounds"), DETAIL.items(), ids=list(DETAIL))
def test_a_question_page_costs_a_fixed_number(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    visitor: str,
    which: str,
    bounds: tuple[int, int],
) -> None:
    question = _ids(app)[which]
    measure(client, count_queries, f"/questions/{question}").expect(bounds[visitor == "resident"])


@pytest.mark.usefixtures("demo")
def test_the_moderation_queue_costs_the_same(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_user: Callable[..., int],
    login: Any,
) -> None:
    login(client, make_user(roles=[(Role.MODERATOR, None)]))
    # The session and roles; the initiatives waiting, the questions waiting, the responses due.
    measure(client, count_queries, "/moderation/").expect(5)
