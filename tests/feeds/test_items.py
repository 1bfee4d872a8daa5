"""The feeds of items: an initiative's, a question's and a letter's public timeline, a session's
and a councillor's questions; a 404 for whatever the public does not see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import User
from app.council.models import Person
from app.extensions import db
from app.initiatives.models import Initiative, ResponseKind
from app.questions.models import Origin, QuestionState
from app.replies.services import Covered
from tests.feeds.conftest import parse
from tests.questions.conftest import Council, People
from tests.replies.factories import Letters

Read = Callable[..., Any]


def _rename(app: Flask, user_id: int, name: str) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        user.pseudonym = name
        db.session.commit()


# --- an initiative --------------------------------------------------------------------------


def test_an_initiatives_feed_is_its_public_timeline_newest_first(
    app: Flask,
    client: FlaskClient,
    read: Read,
    make_initiative: Callable[..., int],
    people: People,
) -> None:
    _rename(app, people.moderator, "Moderatorka Mojca")
    _rename(app, people.official, "Uradnik Urban")
    initiative = make_initiative("progress", title="Klopi v parku")
    parsed = read(f"/initiatives/{initiative}/feed.atom")
    feed = parsed.feed
    assert feed.id == f"http://localhost/initiatives/{initiative}/feed.atom"
    assert feed.title == "Klopi v parku · Glas · Mestna občina Kranj"
    links = {link.rel: link.href for link in feed.links}
    assert links["alternate"] == f"http://localhost/initiatives/{initiative}-klopi-v-parku"
    assert links["self"] == feed.id
    # The draft's creation is not on the page's timeline, and not here.
    assert [entry.title for entry in parsed.entries] == [
        "Poročilo o napredku: Klopi v parku",
        "Občina je odgovorila: Klopi v parku",
        "Objavljena in odprta za podporo: Klopi v parku",
        "Oddana v moderacijo: Klopi v parku",
    ]
    progress, answered, published, _submitted = parsed.entries
    assert "Dela so se začela." in progress.content[0].value
    assert "Prehod bomo uredili." in answered.content[0].value
    assert "Sprejeta" in answered.content[0].value  # the decision
    assert "<strong>osvetljen</strong>" in published.content[0].value
    for entry in parsed.entries:
        assert entry.id.startswith(f"http://localhost/initiatives/{initiative}#event-")
        assert entry.link == links["alternate"]
        assert entry.updated_parsed == entry.published_parsed
    assert len({entry.id for entry in parsed.entries}) == 4
    # Nobody who acted on it is named: not the moderator, not the official.
    body = client.get(f"/initiatives/{initiative}/feed.atom").get_data(as_text=True)
    assert "Moderatorka Mojca" not in body
    assert "Uradnik Urban" not in body


def test_an_initiatives_feed_has_the_letters_that_answer_it(
    app: Flask, read: Read, make_initiative: Callable[..., int], letters: Letters
) -> None:
    initiative = make_initiative("published", title="Klopi v parku")
    with app.app_context():
        reply = letters.make(
            "published",
            covers=(Covered(initiative_id=initiative),),
            outcome=ResponseKind.ACCEPTED,
            subject="Odgovor na pobudo o klopeh",
        )
        draft = letters.make("draft", covers=(Covered(initiative_id=initiative),))
        db.session.commit()
        reply_id, draft_id = reply.id, draft.id
    ids = [entry.id for entry in read(f"/initiatives/{initiative}/feed.atom").entries]
    assert f"http://localhost/replies/{reply_id}" in ids
    assert f"http://localhost/replies/{draft_id}" not in ids


def test_a_rejected_initiatives_feed_gives_the_reason_not_the_text(
    client: FlaskClient, read: Read, make_initiative: Callable[..., int]
) -> None:
    initiative = make_initiative("rejected", title="Zavrnjena pobuda", body="Skrito besedilo")
    parsed = read(f"/initiatives/{initiative}/feed.atom")
    assert [entry.title.split(":")[0] for entry in parsed.entries] == [
        "Ni objavljena",
        "Oddana v moderacijo",
    ]
    assert "Enaka pobuda je že objavljena." in parsed.entries[0].content[0].value
    assert "Skrito besedilo" not in client.get(f"/initiatives/{initiative}/feed.atom").text


@pytest.mark.parametrize("stage", ["draft", "submitted"])
def test_an_initiative_the_public_does_not_see_has_no_feed(
    client: FlaskClient,
    make_initiative: Callable[..., int],
    login: Callable[..., None],
    people: People,
    stage: str,
) -> None:
    initiative = make_initiative(stage)
    assert client.get(f"/initiatives/{initiative}/feed.atom").status_code == 404
    # Not for its author either, who sees its page: a feed is what the public sees.
    login(client, people.resident)
    assert client.get(f"/initiatives/{initiative}").status_code == 200
    assert client.get(f"/initiatives/{initiative}/feed.atom").status_code == 404


def test_an_initiative_withdrawn_before_publication_has_no_feed(
    app: Flask, client: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative = make_initiative("submitted")
    with app.app_context():
        item = db.session.get(Initiative, initiative)
        assert item is not None
        item.state = item.state.WITHDRAWN
        db.session.commit()
    assert client.get(f"/initiatives/{initiative}").status_code == 404
    assert client.get(f"/initiatives/{initiative}/feed.atom").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/initiatives/999999/feed.atom",
        "/initiatives/0/feed.atom",
        "/initiatives/99999999999/feed.atom",
        "/questions/999999/feed.atom",
        "/replies/999999/feed.atom",
        "/sessions/999999/feed.atom",
        "/councillors/999999/feed.atom",
        "/initiatives/abc/feed.atom",
    ],
)
def test_a_feed_of_nothing_is_a_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- a question -----------------------------------------------------------------------------


def test_a_questions_feed_is_its_public_timeline(
    app: Flask, read: Read, make_question: Callable[..., int], letters: Letters
) -> None:
    question = letters.question(QuestionState.ASSIGNED, title="Projekti e-demokracije")
    with app.app_context():
        reply = letters.make("published", covers=(Covered(question_id=question),))
        db.session.commit()
        reply_id = reply.id
    parsed = read(f"/questions/{question}/feed.atom")
    assert parsed.feed.title == "Projekti e-demokracije · Glas · Mestna občina Kranj"
    titles = [entry.title.split(":")[0] for entry in parsed.entries]
    # The letter and what it did, the assignment, the recording: newest first.
    assert titles[-1] == "Vpisano"
    assert "Dodeljeno enoti" in titles
    assert "Občina je odgovorila" in titles
    ids = [entry.id for entry in parsed.entries]
    assert f"http://localhost/replies/{reply_id}" in ids
    answered = next(e for e in parsed.entries if e.title.startswith("Občina je odgovorila"))
    assert "Občina pripravlja dva projekta e-demokracije." in answered.content[0].value


@pytest.mark.parametrize(
    ("state", "published"),
    [(QuestionState.SUBMITTED, True), (QuestionState.WITHDRAWN, False)],
)
def test_a_question_the_public_does_not_see_has_no_feed(
    client: FlaskClient,
    make_question: Callable[..., int],
    state: QuestionState,
    published: bool,
) -> None:
    question = make_question(Origin.RESIDENT, state, published=published)
    assert client.get(f"/questions/{question}").status_code == 404
    assert client.get(f"/questions/{question}/feed.atom").status_code == 404


def test_a_rejected_questions_feed_keeps_its_text_back(
    client: FlaskClient, read: Read, make_question: Callable[..., int]
) -> None:
    question = make_question(Origin.RESIDENT, QuestionState.REJECTED, body="Skrito vprašanje")
    parsed = read(f"/questions/{question}/feed.atom")
    assert parsed.entries[0].title.startswith("Moderacija ni objavila")
    assert "Skrito vprašanje" not in client.get(f"/questions/{question}/feed.atom").text


# --- a letter -------------------------------------------------------------------------------


def test_a_letters_feed_has_its_publication_correction_and_retraction(
    app: Flask, client: FlaskClient, read: Read, letters: Letters
) -> None:
    with app.app_context():
        published = letters.make("published")
        retracted = letters.make("retracted")
        corrected = letters.make("corrected")
        draft = letters.make("draft")
        sent = letters.make("sent")
        db.session.commit()
        ids = {
            "published": published.id,
            "retracted": retracted.id,
            "corrected": corrected.id,
            "correction": corrected.superseded_by.id if corrected.superseded_by else 0,
            "draft": draft.id,
            "sent": sent.id,
        }

    def steps(name: str) -> list[str]:
        parsed = read(f"/replies/{ids[name]}/feed.atom")
        return [entry.title.split(":")[0] for entry in parsed.entries]

    assert steps("published") == ["Objavljen"]
    assert steps("retracted") == ["Preklican", "Objavljen"]
    assert steps("corrected") == ["Nadomeščen s popravkom", "Objavljen"]
    assert steps("correction") == ["Objavljen"]
    retraction = read(f"/replies/{ids['retracted']}/feed.atom").entries[0]
    assert "Pismo je bilo poslano pomotoma." in retraction.content[0].value
    correction = read(f"/replies/{ids['corrected']}/feed.atom").entries[0]
    assert f"/replies/{ids['correction']}" in correction.content[0].value
    for name in ("draft", "sent"):
        assert client.get(f"/replies/{ids[name]}/feed.atom").status_code == 404
    # The workflow's steps and who took them stay with the units.
    body = client.get(f"/replies/{ids['published']}/feed.atom").text
    for hidden in ("Sent for review", "Poslano v pregled", "Approved", "Odobril"):
        assert hidden not in body


# --- a session, a councillor, the sessions ---------------------------------------------------


def test_a_sessions_feed_has_the_questions_posed_at_it(
    client: FlaskClient,
    read: Read,
    make_question: Callable[..., int],
    council: Council,
) -> None:
    posed = make_question(Origin.COUNCILLOR, QuestionState.POSED, title="Vprašanje na seji")
    make_question(Origin.RESIDENT, QuestionState.POSED, title="Vprašanje občana")
    parsed = read(f"/sessions/{council.held_session_id}/feed.atom")
    assert parsed.feed.title.startswith("20. redna seja, ")
    assert [entry.id for entry in parsed.entries] == [f"http://localhost/questions/{posed}"]
    assert parsed.entries[0].author == "Janez Černe"
    assert read(f"/sessions/{council.future_session_id}/feed.atom").entries == []


def test_a_councillors_feed_has_their_questions(
    app: Flask,
    client: FlaskClient,
    read: Read,
    make_question: Callable[..., int],
    people: People,
) -> None:
    asked = make_question(Origin.COUNCILLOR, QuestionState.ANSWERED, title="Svetniško vprašanje")
    make_question(Origin.RESIDENT, QuestionState.POSED, title="Vprašanje občana")
    parsed = read(f"/councillors/{people.councillor_person}/feed.atom")
    assert parsed.feed.title == "Janez Černe · Glas · Mestna občina Kranj"
    assert [entry.id for entry in parsed.entries] == [f"http://localhost/questions/{asked}"]
    assert read(f"/councillors/{people.other_councillor_person}/feed.atom").entries == []
    with app.app_context():
        seatless = Person(name="Brez mandata")
        db.session.add(seatless)
        db.session.commit()
        seatless_id = seatless.id
    assert client.get(f"/councillors/{seatless_id}").status_code == 404
    assert client.get(f"/councillors/{seatless_id}/feed.atom").status_code == 404


def test_the_sessions_feed_is_a_terms_sessions_as_the_list(
    client: FlaskClient, read: Read, make_question: Callable[..., int], council: Council
) -> None:
    make_question(Origin.COUNCILLOR, QuestionState.POSED, title="Vprašanje na seji")
    parsed = read("/sessions/feed.atom")
    assert parsed.feed.title.startswith("Seje mestnega sveta, ")
    assert [entry.id for entry in parsed.entries] == [
        f"http://localhost/sessions/{council.future_session_id}",
        f"http://localhost/sessions/{council.held_session_id}",
    ]
    held = parsed.entries[1]
    assert "Vprašanje na seji" in held.content[0].value
    assert "načrtovana" in parsed.entries[0].content[0].value
    ended = read(f"/sessions/feed.atom?term={council.ended_term_id}")
    assert [entry.id for entry in ended.entries] == [
        f"http://localhost/sessions/{council.session_2016_id}"
    ]
    assert {link.rel: link.href for link in ended.feed.links}["alternate"] == (
        f"http://localhost/sessions/?term={council.ended_term_id}"
    )
    assert client.get("/sessions/feed.atom?term=999999").status_code == 404
    assert client.get("/sessions/feed.atom?term=abc").status_code == 400
    assert client.get("/sessions/?term=abc").status_code == 400


def test_a_feed_is_valid_atom_in_english_too(
    client: FlaskClient,
    make_initiative: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    initiative = make_initiative("progress", title="Klopi v parku")
    in_english(client)
    response = client.get(f"/initiatives/{initiative}/feed.atom")
    parsed = parse(response.data, response.headers["Content-Type"])
    assert parsed.feed.language == "en"
    assert parsed.entries[0].title == "Progress report: Klopi v parku"


def test_the_sessions_feed_of_a_council_without_sessions_is_empty_and_valid(
    client: FlaskClient, reference: None
) -> None:
    with client.application.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM council_sessions")) == 0
    response = client.get("/sessions/feed.atom")
    parsed = parse(response.data, response.headers["Content-Type"])
    assert parsed.entries == []
    assert parsed.feed.updated_parsed is not None
