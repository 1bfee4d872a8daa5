"""How many SQL statements a feed costs: the same for one entry and for thirty.

Each feed is counted made afresh (not from the cache of anonymous pages), after a first
request that fills the per-process caches, with one item and again with thirty (each with a
timeline of its own). The bounds are today's counts, exactly, as the pages' are
(``tests/initiatives/test_query_counts.py``): a count that grows with the entries is an N+1
query, to be fixed, never a reason to raise a bound.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.initiatives import services
from app.initiatives.models import Initiative, ResponseKind
from app.questions.models import Origin, QuestionState
from app.replies.models import ReplyType
from app.replies.services import Covered
from tests.conftest import Queries, made_afresh
from tests.initiatives.test_query_counts import CountQueries
from tests.questions.conftest import Council, People, account
from tests.replies.factories import Letters

MANY = 30


def measure(client: FlaskClient, count_queries: CountQueries, path: str) -> Queries:
    first = client.get(path)
    assert first.status_code == 200, path
    with made_afresh(client.application), count_queries() as queries:
        response = client.get(path)
        assert response.status_code == 200, path
    return queries


def _same(one: Queries, many: Queries, bound: int) -> None:
    one.expect(bound)
    many.expect(bound)


# Lists: the list's query (and its capped count, for initiatives), one statement for what an
# entry shows beyond a card, one for the latest steps; the initiatives' next deadline (for how
# long the feed may be kept); the questions' councillors by one more (``selectinload``).
@pytest.mark.parametrize(
    ("path", "bound"),
    [
        ("/initiatives/feed.atom", 5),
        ("/initiatives/feed.atom?state=answered&topic=promet", 5),
    ],
)
def test_the_initiatives_feed_costs_the_same_for_one_and_many(
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    path: str,
    bound: int,
) -> None:
    make_initiative("progress", title="Prva")
    one = measure(client, count_queries, path)
    for n in range(MANY):
        make_initiative("progress" if n % 2 else "answered", title=f"Pobuda {n}")
    many = measure(client, count_queries, path)
    _same(one, many, bound)


def test_the_questions_feed_costs_the_same_for_one_and_many(
    client: FlaskClient, count_queries: CountQueries, make_question: Callable[..., int]
) -> None:
    make_question(Origin.COUNCILLOR, QuestionState.ANSWERED)
    one = measure(client, count_queries, "/questions/feed.atom")
    for n in range(MANY):
        origin = Origin.COUNCILLOR if n % 2 else Origin.RESIDENT
        make_question(origin, QuestionState.ANSWERED, title=f"Vprašanje {n}")
    many = measure(client, count_queries, "/questions/feed.atom")
    _same(one, many, 3)


def test_the_replies_feed_costs_the_same_for_one_and_many(
    app: Flask, client: FlaskClient, count_queries: CountQueries, letters: Letters
) -> None:
    with app.app_context():
        letters.make("published")
        db.session.commit()
    one = measure(client, count_queries, "/replies/feed.atom")
    with app.app_context():
        for n in range(MANY // 3):
            letters.make(("published", "retracted", "corrected")[n % 3])
        db.session.commit()
    many = measure(client, count_queries, "/replies/feed.atom")
    _same(one, many, 2)


# Items: the item with what its feed shows, its timeline, the letters that answer it.
def test_an_initiatives_feed_costs_the_same_for_a_short_and_a_long_timeline(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    letters: Letters,
    people: People,
) -> None:
    short = make_initiative("published")
    long = make_initiative("progress")
    with app.app_context():
        item = db.session.get(Initiative, long)
        assert item is not None
        for n in range(MANY):
            services.report_progress(
                account(people.official), item, note=f"Poročilo {n}", completed=False
            )
        for _ in range(3):
            letters.make(
                "published",
                covers=(Covered(initiative_id=long),),
                outcome=ResponseKind.ACCEPTED,
            )
        db.session.commit()
    one = measure(client, count_queries, f"/initiatives/{short}/feed.atom")
    many = measure(client, count_queries, f"/initiatives/{long}/feed.atom")
    _same(one, many, 3)


def test_a_questions_feed_costs_the_same_for_a_short_and_a_long_timeline(
    app: Flask, client: FlaskClient, count_queries: CountQueries, letters: Letters
) -> None:
    """One letter answered the one, three the other (two interim replies first). What only
    some questions have (an answering unit, a group) is read by a statement of its own when
    there is one, as on the question's page (``queries.page_options``): both have the same."""
    short = letters.question(QuestionState.ASSIGNED)
    long = letters.question(QuestionState.ASSIGNED)
    with app.app_context():
        letters.make("published", covers=(Covered(question_id=short),))
        for reply_type in (ReplyType.INTERIM, ReplyType.INTERIM, ReplyType.FULL):
            letters.make("published", covers=(Covered(question_id=long),), reply_type=reply_type)
        db.session.commit()
    one = measure(client, count_queries, f"/questions/{short}/feed.atom")
    many = measure(client, count_queries, f"/questions/{long}/feed.atom")
    # The question as its page loads it (five, with the unit that answered), its letters.
    _same(one, many, 6)


def test_a_letters_feed_costs_the_same_at_every_public_stage(
    app: Flask, client: FlaskClient, count_queries: CountQueries, letters: Letters
) -> None:
    with app.app_context():
        made = [letters.make(stage).id for stage in ("published", "retracted", "corrected")]
        db.session.commit()
    counts = [len(measure(client, count_queries, f"/replies/{i}/feed.atom")) for i in made]
    assert len(set(counts)) == 1, counts


def test_a_sessions_and_a_councillors_feed_cost_the_same_for_one_and_many(
    client: FlaskClient,
    count_queries: CountQueries,
    make_question: Callable[..., int],
    council: Council,
    people: People,
) -> None:
    paths = (
        f"/sessions/{council.held_session_id}/feed.atom",
        f"/councillors/{people.councillor_person}/feed.atom",
        "/sessions/feed.atom",
    )
    make_question(Origin.COUNCILLOR, QuestionState.POSED)
    one = [measure(client, count_queries, path) for path in paths]
    for n in range(MANY):
        make_question(Origin.COUNCILLOR, QuestionState.ANSWERED, title=f"Vprašanje {n}")
    many = [measure(client, count_queries, path) for path in paths]
    for path, first, second, bound in zip(paths, one, many, (4, 5, 4), strict=True):
        assert len(first) == len(second), path
        _same(first, second, bound)
