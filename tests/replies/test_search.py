"""Search of reply letters: the same words and lemmas as questions, public letters only.

The index of letters is kept by database triggers (migration ``l8rsearch0001``); what it holds
must follow every write, and never hold anything of a letter the public may not read (a
draft, one in review, signed or sent but not published). Letters are made here with the ORM,
in the state a test needs: the workflow itself is the services' tests' business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from app.core.time import utcnow
from app.council.models import CouncilBody
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind
from app.replies.models import (
    INTERNAL,
    AddresseeKind,
    Reply,
    ReplyState,
    ReplyType,
    parse_reference,
)
from app.search import engine
from tests.conftest import Databases
from tests.initiatives._migration_helpers import app_at
from tests.initiatives.test_query_counts import CountQueries, measure
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    Council,
    council,
    reference,
)

_R = ReplyState

#: The sample letter of 2016 (``reply-letter.md``), with a subject and text of our own.
SAMPLE_NUMBER = "032-11/2016-2-(52/17)"
SAMPLE_CASE = "032-11/2016"
SAMPLE_SUBJECT = "Odgovor na svetniško vprašanje – prehod za pešce pri osnovni šoli"
SAMPLE_TEXT = (
    "Urad za gospodarske dejavnosti in promet je preveril prometno ureditev ob šoli na "
    "Zlatem polju. Semaforizirani prehod bo postavljen do začetka novega šolskega leta, "
    "osvetlitev pa bo urejena že letos. Pred tem bo urad pripravil projektno dokumentacijo, "
    "pridobil soglasja upravljavca ceste in izbral izvajalca del v skladu s predpisi o javnem "
    "naročanju. Sredstva so zagotovljena v proračunu."
)

# Words that appear nowhere else: a hit can only come from the letter that holds them.
SECRET_SUBJECT = "Tajnopisno"
SECRET_TEXT = "Skrivnostnobesedilo"
UNIT = "Urad za gospodarske dejavnosti in promet"


def _reply(
    unit_id: int, body_id: int, state: ReplyState, number: str, subject: str, text: str
) -> Reply:
    """A letter of ``unit_id`` to the council ``body_id`` (not added to the session)."""
    parts = parse_reference(number)
    assert parts is not None, number
    public = state not in INTERNAL
    return Reply(
        state=state,
        reply_type=ReplyType.FULL,
        reference_number=number,
        classification=parts.classification,
        case_seq=parts.case_seq,
        case_year=parts.case_year,
        case_number=parts.case_number,
        document_seq=parts.document_seq,
        reference_suffix=parts.suffix,
        letter_date=date(2016, 5, 20),
        place="Kranj",
        issuer_unit_id=unit_id,
        addressee_kind=AddresseeKind.BODY,
        addressee_body_id=body_id,
        addressee_text="SVET MESTNE OBČINE KRANJ",
        subject=subject,
        question_restatement="Svetnik je vprašal, kdaj bo prehod urejen.",
        summary="Prehod bo urejen do začetka šolskega leta.",
        body=text,
        body_html=f"<p>{text}</p>",
        body_text=text,
        published_at=utcnow() if public else None,
        retraction_reason="Poslano pomotoma." if state is _R.RETRACTED else None,
    )


@pytest.fixture
def make_reply(app: Flask, council: Council) -> Callable[..., int]:  # noqa: F811
    """A letter of UGDP to the council in ``state``, made with the ORM; its id.

    Each has a case of its own (032-101/2026-1, 032-102/2026-1 …) unless ``number`` is given.
    """
    cases = count(101)

    def _make(
        state: ReplyState = _R.PUBLISHED,
        *,
        number: str | None = None,
        subject: str = SAMPLE_SUBJECT,
        text: str = SAMPLE_TEXT,
    ) -> int:
        with app.app_context():
            number = number or f"032-{next(cases)}/2026-1"
            reply = _reply(council.units["UGDP"], council.body_id, state, number, subject, text)
            db.session.add(reply)
            db.session.commit()
            return reply.id

    return _make


def _search(text: str) -> set[str]:
    """The reference numbers of the letters a search finds (the index alone, no filter)."""
    hits = engine.ranked(text, engine.REPLIES)
    if hits is None:
        return set()
    found = hits.subquery()
    query = sa.select(Reply.reference_number).join(found, found.c.id == Reply.id)
    return set(db.session.scalars(query))


def _found(app: Flask, text: str) -> set[str]:
    with app.app_context():
        return _search(text)


def _change(app: Flask, reply_id: int, **values: Any) -> None:
    """Set attributes of a letter through the ORM (its lemmas follow) and commit."""
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        for name, value in values.items():
            setattr(reply, name, value)
        db.session.commit()


def _in_the_index(app: Flask, reply_id: int, word: str) -> bool:
    """Whether anything of a letter is stored in the index: its document (PostgreSQL), or
    ``word`` in the index's vocabulary (SQLite's is exact; PostgreSQL's only grows)."""
    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            document = db.session.scalar(
                sa.text("SELECT count(*) FROM reply_search_documents WHERE reply_id = :id"),
                {"id": reply_id},
            )
            term = db.session.scalar(
                sa.text("SELECT count(*) FROM initiative_search_terms WHERE term = :word"),
                {"word": word},
            )
            return bool(document or term)
        rows = db.session.scalar(
            sa.text("SELECT count(*) FROM replies_fts_terms WHERE term = :word"), {"word": word}
        )
        return bool(rows)


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "prehod",
        "prehoda",  # another form: the lemma ("prehod")
        "prehodu",
        "sola",  # no accents: "šoli", "šolskega"
        "šole",  # another form, with accents
        "ŠOLI",
        "semafor",  # a prefix of "Semaforizirani"
        "proračunu",  # in the text only
        "zlatem polju",  # every word
        SAMPLE_NUMBER,  # the whole reference number, as printed
        SAMPLE_CASE,  # the case number
        "11/2016",
        "032 11 2016 2",  # typed with spaces
    ],
)
def test_a_search_finds_a_letter_by_its_words_and_its_number(
    app: Flask, make_reply: Callable[..., int], text: str
) -> None:
    make_reply(number=SAMPLE_NUMBER)
    assert _found(app, text) == {SAMPLE_NUMBER}


def test_the_number_finds_its_letter_and_the_case_all_of_its_letters(
    app: Flask, make_reply: Callable[..., int]
) -> None:
    make_reply(number=SAMPLE_NUMBER)
    make_reply(number="032-11/2016-3", subject="Dopolnitev odgovora", text="Dopolnjujemo.")
    make_reply(number="032-12/2016-2", subject="Drug primer", text="Nekaj drugega.")
    make_reply(number="354-110/2016-1", subject="Tretji primer", text="Spet drugega.")
    assert _found(app, SAMPLE_NUMBER) == {SAMPLE_NUMBER}
    assert _found(app, SAMPLE_CASE) == {SAMPLE_NUMBER, "032-11/2016-3"}
    assert _found(app, "032-11/2016-3") == {"032-11/2016-3"}
    assert _found(app, "032-12/2016") == {"032-12/2016-2"}
    assert _found(app, "033-11/2016") == set()


def test_every_word_must_match(app: Flask, make_reply: Callable[..., int]) -> None:
    make_reply(number=SAMPLE_NUMBER)
    assert _found(app, "prehod vrtec") == set()


def test_the_indexes_are_apart(app: Flask, make_reply: Callable[..., int]) -> None:
    """A letter's words find no question nor initiative."""
    make_reply(subject=f"Odgovor {SECRET_SUBJECT}")
    assert _found(app, SECRET_SUBJECT)
    with app.app_context():
        for index in (engine.INITIATIVES, engine.QUESTIONS):
            hits = engine.ranked(SECRET_SUBJECT, index)
            assert hits is not None
            assert not db.session.execute(sa.select(hits.subquery())).all()


# --- public letters only --------------------------------------------------------------------


@pytest.mark.parametrize("state", INTERNAL, ids=[s.value for s in INTERNAL])
def test_a_letter_not_yet_published_matches_nothing(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient, state: ReplyState
) -> None:
    number = "032-77/2026-1"
    reply_id = make_reply(
        state, number=number, subject=f"Odgovor {SECRET_SUBJECT}", text=f"Besedilo {SECRET_TEXT}."
    )
    for probe in (SECRET_SUBJECT, SECRET_TEXT, SECRET_TEXT[:7], "odgovor", number, "77/2026"):
        assert _found(app, probe) == set(), probe
        page = client.get("/search", query_string={"q": probe}).get_data(as_text=True)
        assert not _cards(_section(page, "replies")), probe
    assert not _in_the_index(app, reply_id, SECRET_TEXT.lower())
    assert not _in_the_index(app, reply_id, SECRET_SUBJECT.lower())


def test_a_letter_is_found_only_once_published(app: Flask, make_reply: Callable[..., int]) -> None:
    reply_id = make_reply(_R.DRAFT, subject=f"Odgovor {SECRET_SUBJECT}", text=SECRET_TEXT)
    # Every step before publication rewrites the letter, and leaves nothing in the index.
    for state in (_R.IN_REVIEW, _R.SIGNED, _R.SENT):
        _change(app, reply_id, state=state, subject=f"Odgovor {SECRET_SUBJECT} {state.value}")
        assert _found(app, SECRET_SUBJECT) == set(), state
        assert not _in_the_index(app, reply_id, SECRET_TEXT.lower()), state
    _change(app, reply_id, state=_R.PUBLISHED, published_at=utcnow())
    assert len(_found(app, SECRET_SUBJECT)) == len(_found(app, SECRET_TEXT)) == 1
    assert _in_the_index(app, reply_id, SECRET_TEXT.lower())


def test_the_index_follows_every_write(app: Flask, make_reply: Callable[..., int]) -> None:
    reply_id = make_reply(number=SAMPLE_NUMBER)
    # A new subject and text: the new words are found (in any form), the old ones no more.
    _change(
        app,
        reply_id,
        subject="Odgovor o avtobusni postaji",
        body_text="Nadstrešek bo obnovljen v marcu.",
    )
    assert _found(app, "postaja") == _found(app, "nadstreška") == {SAMPLE_NUMBER}
    assert _found(app, "prehod") == _found(app, "semafor") == set()
    # Retracted: still public, still found.
    _change(app, reply_id, state=_R.RETRACTED, retraction_reason="Pomotoma.")
    assert _found(app, "postaja") == _found(app, SAMPLE_CASE) == {SAMPLE_NUMBER}
    # Back to a draft (no service does that; the index must follow all the same): gone.
    _change(app, reply_id, state=_R.DRAFT, retraction_reason=None)
    assert _found(app, "postaja") == _found(app, SAMPLE_NUMBER) == set()
    _change(app, reply_id, state=_R.PUBLISHED)
    assert _found(app, "postaja") == {SAMPLE_NUMBER}
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        db.session.delete(reply)
        db.session.commit()
    assert _found(app, "postaja") == set()


def test_spellings_are_offered_from_public_letters_only(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient, in_english: Any
) -> None:
    in_english(client)
    make_reply(subject="Odgovor o kolesarnici", text="Kolesarnica bo pokrita.")
    make_reply(_R.SENT, subject="Odgovor o gradbenici", text="Gradbenica ob reki.")
    page = client.get("/search?q=kolesarnca").get_data(as_text=True)
    assert "Did you mean:" in page
    assert 'href="/search?q=kolesarnica"' in page
    page = client.get("/search?q=gradbenca").get_data(as_text=True)
    assert "gradbenica" not in page.lower()
    assert "Did you mean" not in page


# --- the page -------------------------------------------------------------------------------


def _section(page: str, name: str) -> str:
    start = page.index(f'aria-labelledby="found-{name}"')
    return page[start : page.index("</section>", start)]


def _cards(section: str) -> list[str]:
    return re.findall(r"<article.*?</article>", section, flags=re.DOTALL)


def test_letters_are_grouped_under_replies_with_their_facts(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient, in_english: Any
) -> None:
    reply_id = make_reply(number=SAMPLE_NUMBER)
    in_english(client)
    page = client.get("/search", query_string={"q": "prehoda"}).get_data(as_text=True)
    assert '<h2 id="found-replies">Replies</h2>' in page
    assert "Nothing matches" not in page
    assert SAMPLE_SUBJECT not in _section(page, "questions")
    assert SAMPLE_SUBJECT not in _section(page, "initiatives")
    replies = _section(page, "replies")
    assert "1 reply" in replies
    (card,) = _cards(replies)
    assert re.search(rf'href="/replies/{reply_id}\b', card)
    assert SAMPLE_SUBJECT in card
    assert SAMPLE_NUMBER in card
    assert '<time datetime="2016-05-20">' in card
    assert UNIT in card  # the issuing unit
    # A few words of the text around what matched, the match marked; not the whole text.
    assert "<mark>prehod</mark>" in card
    assert "Semaforizirani" in card
    assert "proračunu" not in card
    assert "Corrected" not in card
    assert "Retracted" not in card
    assert 'href="/replies/?q=' not in replies  # all of them are shown


def test_the_page_in_slovenian(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient
) -> None:
    make_reply(number=SAMPLE_NUMBER)
    page = client.get("/search", query_string={"q": "šola"}).get_data(as_text=True)
    (card,) = _cards(_section(page, "replies"))
    assert SAMPLE_NUMBER in card
    assert UNIT in card


def test_corrected_and_retracted_letters_are_found_and_marked(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient, in_english: Any
) -> None:
    make_reply(_R.PUBLISHED, subject="Odgovor o klopeh – objavljen")
    make_reply(_R.CORRECTED, subject="Odgovor o klopeh – popravljen")
    make_reply(_R.RETRACTED, subject="Odgovor o klopeh – umaknjen")
    assert len(_found(app, "klopeh")) == 3
    in_english(client)
    page = client.get("/search", query_string={"q": "klopeh"}).get_data(as_text=True)
    cards = {
        re.search(r"– (\w+)</a>", card).group(1): card  # type: ignore[union-attr]
        for card in _cards(_section(page, "replies"))
    }
    assert set(cards) == {"objavljen", "popravljen", "umaknjen"}
    assert "Corrected" in cards["popravljen"]
    assert "Retracted" in cards["umaknjen"]
    assert "Corrected" not in cards["objavljen"]
    assert "Retracted" not in cards["objavljen"]


def test_the_page_costs_the_same_for_one_letter_and_many(
    app: Flask, make_reply: Callable[..., int], client: FlaskClient, count_queries: CountQueries
) -> None:
    make_reply(number=SAMPLE_NUMBER)
    one = measure(client, count_queries, "/search?q=prehod")
    for _ in range(14):
        make_reply()
    many = measure(client, count_queries, "/search?q=prehod")
    assert len(one) == len(many), many.report()
    # The letters' own: the capped count, and the page with the issuing units joined in.
    letters = [statement for statement in many if "replies" in statement]
    assert len(letters) == 2, many.report()
    assert "org_units" in letters[1]
    page = client.get("/search?q=prehod").get_data(as_text=True)
    replies = _section(page, "replies")
    assert len(_cards(replies)) == 5
    assert "15 " in replies
    # The rest are on the list of letters, which searches the same index.
    assert 'href="/replies/?q=prehod"' in replies


# --- the migration --------------------------------------------------------------------------

BEFORE = "k7replies0001"
REVISION = "l8rsearch0001"


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    """An app on a fresh database migrated up to the revision before this one."""
    with app_at(databases, "reply_search_migration", BEFORE) as app:
        yield app


def _old_letters() -> None:
    """A published, a sent and a retracted letter of UGDP, written before this revision.

    Written with the models: this revision adds no column, so they match the tables of the
    revision before it (a later revision that changes ``replies`` would mean raw SQL here).
    """
    unit = OrgUnit(code="UGDP", name=UNIT, kind=OrgUnitKind.OFFICE)
    body = CouncilBody(slug="mestni-svet", name_sl="Mestni svet Mestne občine Kranj")
    db.session.add_all([unit, body])
    db.session.flush()
    for state, number, subject, text in (
        (_R.PUBLISHED, SAMPLE_NUMBER, SAMPLE_SUBJECT, SAMPLE_TEXT),
        (_R.SENT, "032-12/2016-1", f"Odgovor {SECRET_SUBJECT}", SECRET_TEXT),
        (_R.RETRACTED, "032-13/2016-1", "Umaknjeni odgovor o klopeh", "Klopi."),
    ):
        db.session.add(_reply(unit.id, body.id, state, number, subject, text))
    db.session.commit()


def _search_objects() -> set[str]:
    """The names of the reply index's tables, views, triggers and functions that exist."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT relname FROM pg_class WHERE relname LIKE 'reply_search%'"
            " UNION SELECT proname FROM pg_proc WHERE proname LIKE 'reply_search%'"
            " UNION SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reply_search%'"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE name LIKE 'replies_%'"
    return set(db.session.scalars(sa.text(query)))


def test_the_migration_indexes_existing_public_letters_and_goes_down(old_app: Flask) -> None:
    with old_app.app_context():
        _old_letters()
        assert _search_objects() == set()
        db.session.remove()

        upgrade(revision=REVISION)

        assert _search_objects()
        for text in ("prehoda", "sola", SAMPLE_NUMBER, SAMPLE_CASE):
            assert _search(text) == {SAMPLE_NUMBER}, text
        assert _search("klopeh") == {"032-13/2016-1"}
        for hidden in (SECRET_SUBJECT, SECRET_TEXT, "032-12/2016"):
            assert _search(hidden) == set(), hidden
        # New writes are followed.
        db.session.execute(sa.text("UPDATE replies SET state = 'published' WHERE case_seq = 12"))
        db.session.commit()
        assert _search(SECRET_TEXT) == {"032-12/2016-1"}
        db.session.remove()

        downgrade(revision=BEFORE)

        assert _search_objects() == set()
        # The letters are untouched, and can still be written.
        db.session.execute(
            sa.text("UPDATE replies SET subject = 'Popravljeno' WHERE case_seq = 11")
        )
        db.session.commit()
        assert db.session.scalar(sa.text("SELECT count(*) FROM replies")) == 3
        db.session.remove()

        # Up again: the index is built anew from the letters as they are.
        upgrade(revision=REVISION)
        assert _search("popravljeno") == {SAMPLE_NUMBER}
        assert _search("klopeh") == {"032-13/2016-1"}
        assert _search(SECRET_TEXT) == {"032-12/2016-1"}
        # Empty again for the way down to the base: on SQLite, k7replies0001's downgrade
        # cannot rebuild org_units once letters that named a unit were there.
        for table in ("replies", "council_bodies", "org_units"):
            db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
        db.session.commit()
        db.session.remove()
