"""How many SQL statements the accountability page and its files cost, whatever the data.

Counted on the fixed data and again with many more questions, initiatives and verdicts (more
than a page of overdue answers, more councillors and units), anonymous and signed in. The
bounds are today's counts, exactly (see ``tests/initiatives/test_query_counts.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.council.models import CouncilBody, CouncillorGroup, Person, Term
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.org.models import OrgUnit, OrgUnitKind
from app.questions.models import Origin, Question, QuestionAuthor, QuestionState
from app.replies.models import AnswerVerdict, Reply, Verdict
from tests.accountability.conftest import NOW, Data
from tests.conftest import Queries
from tests.initiatives.test_query_counts import CountQueries, measure

pytestmark = pytest.mark.usefixtures("fixed_clock")

#: More than a page of overdue answers (20).
MANY = 30


def _more(app: Flask, data: Data, make_user: Callable[..., int]) -> None:
    """``MANY`` more of everything: units, councillors with a group, overdue and answered
    questions, initiatives, verdicts."""
    voters = [make_user() for _ in range(3)]
    with app.app_context():
        model = db.session.get(Question, data.questions["A5"])
        answered = db.session.get(Question, data.questions["A1"])
        initiative = db.session.get(Initiative, data.initiatives["I1"])
        reply = db.session.scalar(sa.select(Reply.id))
        assert model is not None
        assert answered is not None
        assert initiative is not None
        assert reply is not None
        body = CouncilBody(slug="svet-stevec", name_sl="Svet")
        term = Term(body=body, starts_on=date(2022, 12, 15), ends_on=None)
        group = CouncillorGroup(term=term, name="Svetniška skupina")
        db.session.add_all([body, term, group])
        columns = [c.key for c in Question.__mapper__.column_attrs if c.key != "id"]
        for n in range(MANY):
            unit = OrgUnit(code=f"U{n}", name=f"Urad {n}", kind=OrgUnitKind.OFFICE)
            people = [Person(name=f"Svetnik {n}"), Person(name=f"Svetnica {n}")]
            db.session.add_all([unit, *people])
            db.session.flush()
            for source, days in ((model, n), (answered, n + 3)):
                copy = Question(**{key: getattr(source, key) for key in columns})
                copy.title = f"{source.title} {n}"
                copy.responsible_unit_id = copy.answered_by_unit_id = unit.id
                copy.group = group
                if source is model:
                    copy.due_on = model.due_on - timedelta(days=days)  # all overdue
                else:
                    copy.replied_on = copy.starts_on + timedelta(days=days)
                copy.authors = [
                    QuestionAuthor(person_id=person.id, position=i)
                    for i, person in enumerate(people)
                ]
                db.session.add(copy)
                db.session.flush()
                if source is answered:
                    for voter in voters:
                        db.session.add(
                            AnswerVerdict(
                                reply_id=reply,
                                question_id=copy.id,
                                user_id=voter,
                                by_asker=voter == voters[0],
                                verdict=Verdict.PARTLY,
                                reason="Delno.",
                            )
                        )
            db.session.add(
                Initiative(
                    title=f"Pobuda {n}",
                    summary="Povzetek.",
                    body="Besedilo.",
                    body_html="<p>Besedilo.</p>",
                    topic_id=initiative.topic_id,
                    author_id=initiative.author_id,
                    state=InitiativeState.AWAITING_RESPONSE,
                    threshold=100,
                    responsible_unit_id=unit.id,
                    threshold_reached_at=NOW - timedelta(days=40 + n),
                    response_due_at=NOW - timedelta(days=10 - n),
                )
            )
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Question.id))) > 2 * MANY
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Question.id)).where(
                    Question.origin == Origin.COUNCILLOR,
                    Question.state == QuestionState.ASSIGNED,
                )
            )
            == MANY + 1
        )


@pytest.fixture(params=["anonymous", "resident"])
def visitor(
    request: pytest.FixtureRequest, client: FlaskClient, make_user: Callable[..., int], login: Any
) -> str:
    if request.param == "resident":
        login(client, make_user())
    return str(request.param)


#: Path -> statements for (anonymous, resident). The page: the years, the overdue answers
#: (their count and one page, with their unit, group and councillors joined in), the figures
#: per unit of the questions (both origins at once) and of the initiatives, per councillor,
#: the verdicts, and the commitments per unit; signed in, the session with its account, and
#: its roles. The files and
#: charts: their figures (units.csv: the questions' and the initiatives'); signed in, the
#: session with its account (no template asks for the roles).
PAGES = {
    "/accountability/": (8, 10),
    "/accountability/?year=2025&page=1": (8, 10),
    "/accountability/?group=initiative": (5, 7),  # no councillors, no verdicts
    "/accountability/?group=resident": (6, 8),  # no councillors, no initiatives
    "/accountability/?page=2": (8, 10),
    "/accountability/overdue.csv": (1, 2),
    "/accountability/units.csv": (2, 3),
    "/accountability/councillors.csv": (1, 2),
    "/accountability/verdicts.csv": (1, 2),
    "/accountability/charts/on-time.svg?group=councillor": (1, 2),
    "/accountability/charts/median-days.svg?group=initiative": (1, 2),
}


def _measure(client: FlaskClient, count_queries: CountQueries, path: str) -> Queries:
    """As ``measure``, reading the body inside the count: a CSV file is streamed."""
    if not path.endswith(".csv"):
        return measure(client, count_queries, path)
    assert client.get(path).status_code == 200
    with count_queries() as queries:
        response = client.get(path)
        assert response.status_code == 200
        response.get_data()
    return queries


@pytest.mark.parametrize(("path", "bounds"), PAGES.items(), ids=list(PAGES))
def test_a_page_costs_the_same_for_little_data_and_much(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    figures_data: Data,
    make_user: Callable[..., int],
    visitor: str,
    path: str,
    bounds: tuple[int, int],
) -> None:
    bound = bounds[visitor == "resident"]
    if "page=2" not in path:  # the fixed data fills one page only
        _measure(client, count_queries, path).expect(bound)
    _more(app, figures_data, make_user)
    _measure(client, count_queries, path).expect(bound)
