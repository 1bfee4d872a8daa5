"""Search of questions: the same words and matches on both databases, public text only.

The index of questions is kept by database triggers (migration ``j6qsearch0001``); what it
holds must follow every write, and never hold what the public may not read: nothing of a
question waiting for moderation, only the title of one moderation refused.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.questions.models import Question, QuestionState
from app.search import engine

_Q = QuestionState


def _found(app: Flask, text: str) -> set[str]:
    """The titles of the questions a search finds (the index alone, no state filter)."""
    with app.app_context():
        hits = engine.ranked(text, engine.QUESTIONS)
        if hits is None:
            return set()
        found = hits.subquery()
        query = sa.select(Question.title).join(found, found.c.id == Question.id)
        return set(db.session.scalars(query))


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("gradbišče", "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"),
        ("gradbisce", "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"),  # no accents
        ("GRADBIŠČU", "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"),
        ("igrišče", "Obnova igrišča v Struževem"),  # another form: the lemma
        ("prenov", "Stroški prenove Prešernovega gledališča"),  # a prefix
        ("golnika", "Urnik mestnega avtobusa ob nedeljah"),  # in the text only
        ("pitne vode", "Poročilo o kakovosti pitne vode"),  # every word
    ],
)
def test_a_search_finds_a_question_by_its_words_in_any_form(
    app: Flask, text: str, title: str
) -> None:
    assert title in _found(app, text)


@pytest.mark.usefixtures("demo")
def test_every_word_must_match(app: Flask) -> None:
    assert "Poročilo o kakovosti pitne vode" not in _found(app, "pitne gradbišče")


@pytest.mark.usefixtures("demo")
def test_what_the_public_may_not_read_is_not_found(app: Flask) -> None:
    # Waiting for moderation: neither its title nor its text.
    assert not _found(app, "Kokrici")
    assert not _found(app, "vrtec")
    # Refused by moderation: its title is public, its text is not.
    assert "Sosed parkira na pločniku" in _found(app, "sosed")
    assert not _found(app, "vsak dan parkira")


@pytest.mark.usefixtures("demo")
def test_the_index_follows_every_write(app: Flask) -> None:
    with app.app_context():
        waiting = db.session.scalar(
            sa.select(Question).where(Question.title == "Ali bo v Kokrici nov vrtec?")
        )
        assert waiting is not None
        # Published: found.
        waiting.state = _Q.POSED
        waiting.published_at = sa.func.now()
        db.session.commit()
    assert "Ali bo v Kokrici nov vrtec?" in _found(app, "vrtec")
    with app.app_context():
        question = db.session.scalar(
            sa.select(Question).where(Question.title == "Ali bo v Kokrici nov vrtec?")
        )
        assert question is not None
        # A corrected text: the new words are found, the old ones no more.
        question.title = "Ali bo v Kokrici nova šola?"
        question.body = "Zanima me, ali občina načrtuje novo šolo."
        db.session.commit()
    assert "Ali bo v Kokrici nova šola?" in _found(app, "sola")
    assert not _found(app, "vrtec")
    with app.app_context():
        question = db.session.scalar(
            sa.select(Question).where(Question.title == "Ali bo v Kokrici nova šola?")
        )
        assert question is not None
        # Refused after all: the title stays, the text goes.
        question.state = _Q.REJECTED
        db.session.commit()
    assert "Ali bo v Kokrici nova šola?" in _found(app, "Kokrici")
    assert not _found(app, "načrtuje")
    with app.app_context():
        question = db.session.scalar(
            sa.select(Question).where(Question.title == "Ali bo v Kokrici nova šola?")
        )
        assert question is not None
        db.session.delete(question)
        db.session.commit()
    assert not _found(app, "Kokrici")


@pytest.mark.usefixtures("demo")
def test_a_question_is_still_found_after_a_support(app: Flask) -> None:
    """A support is an UPDATE of the counter, which the triggers do not watch."""
    with app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.support_count > 0))
        assert question is not None
        title = question.title
        db.session.execute(
            sa.update(Question)
            .where(Question.id == question.id)
            .values(support_count=Question.support_count + 1)
        )
        db.session.commit()
    assert title in _found(app, title.split()[1])


@pytest.mark.usefixtures("demo")
def test_the_two_indexes_are_apart(app: Flask) -> None:
    """An initiative's words do not find questions, nor the other way round."""
    assert not _found(app, "kolesarska")  # only in the demo's initiatives
    with app.app_context():
        hits = engine.ranked("Golnika", engine.INITIATIVES)
        assert hits is not None
        assert not db.session.execute(sa.select(hits.subquery())).all()
