"""The feeds of the lists: valid Atom, the list's own filters, only what the public sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.questions.models import Origin, QuestionState
from app.replies.models import ReplyType
from tests.feeds.conftest import listed, paths
from tests.questions.conftest import Council, People
from tests.replies.factories import Letters

Read = Callable[..., Any]


# --- initiatives ----------------------------------------------------------------------------


@pytest.fixture
def initiatives(make_initiative: Callable[..., int]) -> dict[str, int]:
    """One initiative at every stage, two of them public and listed on other topics."""
    return {
        "draft": make_initiative("draft", title="Osnutek pobude"),
        "submitted": make_initiative("submitted", title="Pobuda v moderaciji"),
        "rejected": make_initiative("rejected", title="Zavrnjena pobuda", body="Skrito besedilo"),
        "traffic": make_initiative("published", title="Semafor na Koroški"),
        "nature": make_initiative("published", title="Drevored ob Savi", topic="okolje"),
        "answered": make_initiative("progress", title="Klopi v parku"),
    }


def test_the_initiatives_feed_is_valid_atom_of_the_public_list(
    client: FlaskClient, read: Read, initiatives: dict[str, int]
) -> None:
    parsed = read("/initiatives/feed.atom")
    feed = parsed.feed
    assert feed.id == "http://localhost/initiatives/feed.atom"
    assert feed.title == "Pobude · Glas · Mestna občina Kranj"
    assert feed.language == "sl"
    assert feed.updated_parsed is not None
    links = {link.rel: link.href for link in feed.links}
    assert links == {
        "alternate": "http://localhost/initiatives/",
        "self": "http://localhost/initiatives/feed.atom",
    }
    # The list's items, in its order (newest first), and nothing it does not list.
    assert paths(parsed) == listed(client, "/initiatives/")
    titles = [entry.title for entry in parsed.entries]
    assert titles == ["Klopi v parku", "Drevored ob Savi", "Semafor na Koroški"]
    for entry in parsed.entries:
        assert entry.id.startswith("http://localhost/initiatives/")
        assert entry.id.removeprefix("http://localhost/initiatives/").isdigit()  # no slug
        assert entry.updated_parsed is not None
        assert entry.published_parsed is not None
        assert entry.author  # the author's public pseudonym
        assert entry.content[0].type == "text/html"


def test_an_initiatives_entry_holds_what_its_card_and_page_show(
    read: Read, initiatives: dict[str, int], people: People
) -> None:
    parsed = read("/initiatives/feed.atom")
    answered = next(entry for entry in parsed.entries if entry.title == "Klopi v parku")
    content = answered.content[0].value
    assert answered.id == f"http://localhost/initiatives/{initiatives['answered']}"
    assert answered.link == f"http://localhost/initiatives/{initiatives['answered']}-klopi-v-parku"
    assert "<strong>osvetljen</strong>" in content  # the sanitised text, as HTML
    assert "Prehod bomo uredili." in content  # the response
    assert "Promet in ceste" in content
    assert answered.summary == "Otroci prečkajo cesto brez semaforja."
    # Its last public change is the progress report, after its publication.
    assert answered.updated_parsed > answered.published_parsed or (
        answered.updated_parsed == answered.published_parsed
    )


@pytest.mark.parametrize(
    "query",
    ["", "?topic=okolje", "?state=open", "?state=answered", "?q=semafor", "?state=rejected"],
)
def test_the_initiatives_feed_filters_as_the_list_does(
    client: FlaskClient, read: Read, initiatives: dict[str, int], query: str
) -> None:
    parsed = read(f"/initiatives/feed.atom{query}")
    shown = listed(client, f"/initiatives/{query}")
    assert shown  # each filter finds something here
    if "q=" in query:  # the page orders a search by relevance, the feed is newest first
        assert sorted(paths(parsed)) == sorted(shown)
    else:
        assert paths(parsed) == shown


def test_a_rejected_initiative_shows_its_reason_not_its_text(
    read: Read, initiatives: dict[str, int]
) -> None:
    parsed = read("/initiatives/feed.atom?state=rejected")
    (entry,) = parsed.entries
    content = entry.content[0].value
    assert entry.title == "Zavrnjena pobuda"
    assert "Enaka pobuda je že objavljena." in content  # the moderator's public words
    assert "Skrito besedilo" not in content
    assert "Otroci prečkajo" not in entry.get("summary", "")


def test_what_is_not_public_is_in_no_initiatives_feed(
    read: Read, initiatives: dict[str, int]
) -> None:
    seen = {
        entry.title
        for query in ("", "?state=all", "?state=rejected", "?state=withdrawn", "?state=expired")
        for entry in read(f"/initiatives/feed.atom{query}").entries
    }
    assert "Osnutek pobude" not in seen
    assert "Pobuda v moderaciji" not in seen


@pytest.mark.parametrize(
    "query",
    ["?state=nonsense", "?topic=no-such-topic", "?sort=sideways", "?page=0", "?page=x"],
)
def test_a_filter_the_list_refuses_the_feed_refuses_alike(
    client: FlaskClient, reference: None, query: str
) -> None:
    page = client.get(f"/initiatives/{query}")
    feed = client.get(f"/initiatives/feed.atom{query}")
    assert page.status_code == 400
    assert feed.status_code == 400


def test_the_order_and_page_of_the_list_do_not_change_the_feed(
    read: Read, initiatives: dict[str, int]
) -> None:
    newest = read("/initiatives/feed.atom")
    for query in ("?sort=supported", "?sort=closing", "?page=2"):
        assert paths(read(f"/initiatives/feed.atom{query}")) == paths(newest)


def test_the_filtered_feed_says_so_in_its_title_and_links(
    read: Read, initiatives: dict[str, int]
) -> None:
    feed = read("/initiatives/feed.atom?topic=okolje&q=drevored").feed
    assert feed.title.startswith("Pobude: Okolje in narava, ")
    assert "drevored" in feed.title
    links = {link.rel: link.href for link in feed.links}
    assert links["self"] == "http://localhost/initiatives/feed.atom?topic=okolje&q=drevored"
    assert links["alternate"] == "http://localhost/initiatives/?topic=okolje&q=drevored"
    assert feed.id == links["self"]


def test_entry_ids_are_the_same_in_every_language_and_under_every_filter(
    client: FlaskClient,
    read: Read,
    initiatives: dict[str, int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    slovenian = read("/initiatives/feed.atom")
    filtered = read("/initiatives/feed.atom?topic=okolje")
    in_english(client)
    english = read("/initiatives/feed.atom")
    assert english.feed.language == "en"
    assert english.feed.title == "Initiatives · Glas · Mestna občina Kranj"
    assert [e.id for e in english.entries] == [e.id for e in slovenian.entries]
    assert {e.id for e in filtered.entries} <= {e.id for e in slovenian.entries}
    by_id = {e.id: e for e in english.entries}
    for entry in slovenian.entries:
        assert by_id[entry.id].updated == entry.updated
    answered = next(e for e in english.entries if e.title == "Klopi v parku")
    assert "Traffic and roads" in answered.content[0].value


# --- questions ------------------------------------------------------------------------------


@pytest.fixture
def questions(make_question: Callable[..., int]) -> dict[str, int]:
    return {
        "posed": make_question(Origin.RESIDENT, QuestionState.POSED, title="Pločnik na Koroški"),
        "submitted": make_question(
            Origin.RESIDENT, QuestionState.SUBMITTED, title="Vprašanje v moderaciji"
        ),
        "rejected": make_question(
            Origin.RESIDENT, QuestionState.REJECTED, title="Zavrnjeno vprašanje", body="Skrito"
        ),
        "councillor": make_question(
            Origin.COUNCILLOR, QuestionState.ANSWERED, title="Projekti e-demokracije"
        ),
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?origin=councillor",
        "?origin=resident",
        "?state=answered",
        "?state=rejected",
        "?q=pločnik",
        "?kind=question&state=open",
    ],
)
def test_the_questions_feed_filters_as_the_list_does(
    client: FlaskClient, read: Read, questions: dict[str, int], query: str
) -> None:
    parsed = read(f"/questions/feed.atom{query}")
    shown = listed(client, f"/questions/{query}")
    assert shown
    if "q=" in query:
        assert sorted(paths(parsed)) == sorted(shown)
    else:
        assert paths(parsed) == shown


def test_the_questions_feed_holds_the_public_questions_only(
    read: Read, questions: dict[str, int]
) -> None:
    parsed = read("/questions/feed.atom")
    assert [entry.title for entry in parsed.entries] == [
        "Projekti e-demokracije",
        "Pločnik na Koroški",
    ]
    councillor = parsed.entries[0]
    assert councillor.author == "Janez Černe"
    assert "Odgovor urada." in councillor.content[0].value  # the answer
    assert councillor.id == f"http://localhost/questions/{questions['councillor']}"
    rejected = read("/questions/feed.atom?state=rejected").entries
    assert [entry.title for entry in rejected] == ["Zavrnjeno vprašanje"]
    assert "Skrito" not in rejected[0].content[0].value
    everything = {
        entry.title
        for state in ("all", "open", "closed", "rejected", "answered", "partial", "overdue")
        for entry in read(f"/questions/feed.atom?state={state}").entries
    }
    assert "Vprašanje v moderaciji" not in everything


def test_a_question_withdrawn_before_moderation_is_in_no_feed(
    read: Read, make_question: Callable[..., int]
) -> None:
    """Its page is a 404; the feed leaves it out even where the list still names it."""
    make_question(
        Origin.RESIDENT, QuestionState.WITHDRAWN, published=False, title="Umaknjeno pred objavo"
    )
    make_question(Origin.RESIDENT, QuestionState.WITHDRAWN, title="Umaknjeno po objavi")
    for query in ("", "?state=closed", "?origin=resident"):
        titles = [entry.title for entry in read(f"/questions/feed.atom{query}").entries]
        assert titles == ["Umaknjeno po objavi"]


@pytest.mark.parametrize(
    "query", ["?origin=alien", "?councillor=abc", "?session=0", "?unit=NOPE", "?page=-1"]
)
def test_the_questions_feed_refuses_what_the_list_refuses(
    client: FlaskClient, reference: None, query: str
) -> None:
    assert client.get(f"/questions/{query}").status_code == 400
    assert client.get(f"/questions/feed.atom{query}").status_code == 400


def test_a_councillors_and_a_sessions_filter_name_them_in_the_title(
    read: Read, questions: dict[str, int], people: People, council: Council
) -> None:
    title = read(f"/questions/feed.atom?councillor={people.councillor_person}").feed.title
    assert title == "Vprašanja: Janez Černe · Glas · Mestna občina Kranj"
    by_session = read(f"/questions/feed.atom?session={council.held_session_id}")
    assert by_session.feed.title == "Vprašanja: 20. redna seja · Glas · Mestna občina Kranj"
    assert [entry.title for entry in by_session.entries] == ["Projekti e-demokracije"]


# --- replies --------------------------------------------------------------------------------


@pytest.fixture
def replies(app: Flask, letters: Letters) -> dict[str, int]:
    with app.app_context():
        made = {
            "draft": letters.make("draft", subject="Osnutek odgovora"),
            "sent": letters.make("sent", subject="Poslan, ne objavljen"),
            "published": letters.make("published", subject="Objavljen odgovor"),
            "retracted": letters.make("retracted", subject="Umaknjen odgovor"),
            "corrected": letters.make("corrected", subject="Popravljen odgovor"),
        }
        db.session.commit()
        return {name: reply.id for name, reply in made.items()}


def test_the_replies_feed_holds_the_public_letters_of_the_list(
    client: FlaskClient, read: Read, replies: dict[str, int]
) -> None:
    parsed = read("/replies/feed.atom")
    page = client.get("/replies/").get_data(as_text=True)
    cards = page.split('class="item-list"', 1)[-1]
    assert paths(parsed) == list(dict.fromkeys(re.findall(r'<a href="(/replies/\d+)"', cards)))
    by_id = {entry.id.rsplit("/", 1)[1]: entry for entry in parsed.entries}
    # Published, retracted and corrected letters, and the correction; never one in the works.
    assert str(replies["draft"]) not in by_id
    assert str(replies["sent"]) not in by_id
    for name in ("published", "retracted", "corrected"):
        entry = by_id[str(replies[name])]
        assert entry.author == "Kabinet župana"  # the issuing unit, never an official's name
        assert entry.summary == "Občina pripravlja dva projekta e-demokracije."
        assert "<strong>dva</strong>" in entry.content[0].value  # the letter, sanitised
    assert "Pismo je bilo poslano pomotoma." in by_id[str(replies["retracted"])].content[0].value
    corrected = by_id[str(replies["corrected"])].content[0].value
    assert "Ta dopis je bil popravljen." in corrected
    assert "Preberite popravek" in corrected
    assert len(by_id) == 4  # with the correction, which is a letter of its own


@pytest.mark.parametrize("query", ["?type=nope", "?year=1800", "?unit=NOPE", "?councillor=x"])
def test_the_replies_feed_refuses_what_the_list_refuses(
    client: FlaskClient, reference: None, query: str
) -> None:
    assert client.get(f"/replies/{query}").status_code == 400
    assert client.get(f"/replies/feed.atom{query}").status_code == 400


def test_the_replies_feed_filters_as_the_list_does(
    app: Flask, read: Read, letters: Letters
) -> None:
    with app.app_context():
        full = letters.make("published", subject="Polni odgovor")
        interim = letters.make("published", subject="Vmesni odgovor", reply_type=ReplyType.INTERIM)
        db.session.commit()
        full_id, interim_id = full.id, interim.id
    interim_feed = read("/replies/feed.atom?type=interim")
    assert [e.id for e in interim_feed.entries] == [f"http://localhost/replies/{interim_id}"]
    assert interim_feed.feed.title == "Odgovori: Vmesni odgovor · Glas · Mestna občina Kranj"
    assert [e.id for e in read("/replies/feed.atom?type=full").entries] == [
        f"http://localhost/replies/{full_id}"
    ]
    assert read("/replies/feed.atom?q=neobstojece").entries == []
