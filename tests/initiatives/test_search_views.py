"""Search over HTTP: hidden text never matches, the similarity check is limited, "nothing found".

The list's search and the forms' "Look for similar initiatives" are the two doors to the index;
these tests knock on both, on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.initiatives.models import InitiativeState
from app.initiatives.queries import StateFilter
from app.reference.models import RejectionReason, Topic

_S = InitiativeState

# Words that appear nowhere else: a hit can only come from the initiative that holds them.
SECRET_SUMMARY = "Tajnopisno"
SECRET_BODY = "Skrivnostnobesedilo"


@pytest.fixture
def resident(make_user: Callable[..., int], login, client: FlaskClient) -> int:
    user_id = make_user()
    login(client, user_id)
    return user_id


def _topic_id(app: Flask) -> int:
    with app.app_context():
        topic_id = db.session.scalar(sa.select(Topic.id).filter_by(slug="promet"))
        assert topic_id is not None
        return topic_id


def _form(app: Flask, title: str, action: str = "check") -> dict[str, str]:
    return {
        "title": title,
        "summary": "Povzetek.",
        "body": "Besedilo.",
        "topic": str(_topic_id(app)),
        "community": "",
        "location": "",
        "action": action,
    }


@pytest.fixture
def hidden(app: Flask, make_initiative: Callable[..., int]) -> dict[str, int]:
    """Initiatives whose summary and text the public never saw, by state; titles are unique."""
    with app.app_context():
        reason_id = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="duplicate"))
    text = {"summary": f"Povzetek {SECRET_SUMMARY}.", "body": f"Besedilo {SECRET_BODY}."}
    return {
        "Zavrnjena pobuda": make_initiative(
            _S.REJECTED, title="Zavrnjena pobuda", rejection_reason_id=reason_id, **text
        ),
        "Zasebni osnutek": make_initiative(_S.DRAFT, title="Zasebni osnutek", **text),
        "Oddana v moderacijo": make_initiative(_S.SUBMITTED, title="Oddana v moderacijo", **text),
        "Umaknjena pred objavo": make_initiative(
            _S.WITHDRAWN, title="Umaknjena pred objavo", published_at=None, **text
        ),
    }


# Each secret word, prefixes of it (letter by letter), and without its capital.
_PROBES = [
    word[:n] if n else word.lower()
    for word in (SECRET_SUMMARY, SECRET_BODY)
    for n in (0, 4, 7, len(word))
]


class TestHiddenTextNeverMatches:
    def test_look_for_similar_on_a_new_initiative(
        self, app: Flask, client: FlaskClient, resident: int, hidden: dict[str, int]
    ) -> None:
        for probe in _PROBES:
            response = client.post("/initiatives/new", data=_form(app, f"Pobuda {probe}"))
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert "Podobne pobude" in page
            for title in hidden:
                assert title not in page, (probe, title)

    def test_look_for_similar_while_editing(
        self,
        app: Flask,
        client: FlaskClient,
        resident: int,
        hidden: dict[str, int],
        make_initiative: Callable[..., int],
    ) -> None:
        draft = make_initiative(_S.DRAFT, author_id=resident, title="Moj osnutek")
        for probe in _PROBES:
            response = client.post(
                f"/initiatives/{draft}/edit", data=_form(app, f"Moj osnutek {probe}")
            )
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            for title in hidden:
                assert title not in page, (probe, title)

    @pytest.mark.parametrize("state", [*(s.value for s in StateFilter), ""])
    def test_the_list_search_with_any_state(
        self, client: FlaskClient, hidden: dict[str, int], state: str
    ) -> None:
        for probe in _PROBES:
            page = client.get("/initiatives/", query_string={"q": probe, "state": state}).get_data(
                as_text=True
            )
            for title in hidden:
                assert title not in page, (probe, title)

    def test_the_csv_export_of_a_search(self, client: FlaskClient, hidden: dict[str, int]) -> None:
        for state in ("rejected", "withdrawn", ""):
            for probe in _PROBES:
                text = client.get(
                    "/initiatives/export.csv", query_string={"q": probe, "state": state}
                ).get_data(as_text=True)
                for title in hidden:
                    assert title not in text, (state, probe, title)

    def test_the_list_of_withdrawn_ones_leaves_out_those_never_published(
        self, client: FlaskClient, hidden: dict[str, int]
    ) -> None:
        # No search at all: its title was never public either (its page is a 404).
        page = client.get("/initiatives/?state=withdrawn").get_data(as_text=True)
        assert "Umaknjena pred objavo" not in page
        assert client.get(f"/initiatives/{hidden['Umaknjena pred objavo']}").status_code == 404

    def test_the_public_title_of_a_rejected_initiative_is_searchable(
        self, client: FlaskClient, hidden: dict[str, int]
    ) -> None:
        # Its title is shown in the list of initiatives that were not published, so finding
        # it by its title reveals nothing; only its summary and text were never public.
        page = client.get(
            "/initiatives/", query_string={"q": "zavrnjen", "state": "rejected"}
        ).get_data(as_text=True)
        assert "Zavrnjena pobuda" in page
        for title in hidden:
            if title != "Zavrnjena pobuda":
                assert title not in page


class TestTheSimilarityCheckIsLimited:
    def test_sixty_checks_an_hour_per_account(
        self,
        app: Flask,
        client: FlaskClient,
        resident: int,
        make_user: Callable[..., int],
        login,
        make_initiative: Callable[..., int],
        reference: None,
    ) -> None:
        draft = make_initiative(_S.DRAFT, author_id=resident, title="Moj osnutek")
        # New and edit share one budget: the same index answers both.
        statuses = [
            client.post("/initiatives/new", data=_form(app, f"Klop {n}")).status_code
            for n in range(30)
        ] + [
            client.post(f"/initiatives/{draft}/edit", data=_form(app, f"Klop {n}")).status_code
            for n in range(30)
        ]
        assert statuses == [200] * 60
        over = client.post("/initiatives/new", data=_form(app, "Klop"))
        assert over.status_code == 429
        assert "Preveč poskusov" in over.get_data(as_text=True)
        assert client.post(f"/initiatives/{draft}/edit", data=_form(app, "K")).status_code == 429
        # Saving is limited on its own, so the checks did not use it up …
        saved = client.post("/initiatives/new", data=_form(app, "Klop na postaji", "save"))
        assert saved.status_code == 302
        # … and another resident has a budget of their own.
        other = app.test_client()
        login(other, make_user())
        assert other.post("/initiatives/new", data=_form(app, "Klop")).status_code == 200


def _links(page: str) -> list[str]:
    """The targets of the links in the "nothing found" part of a page, in order."""
    start = page.index('aria-labelledby="no-results-title"')
    end = page.index("</section>", start)
    return re.findall(r'href="([^"]*)"', page[start:end])


class TestNothingFound:
    def test_it_says_so_and_offers_the_nearest_spelling(
        self, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        make_initiative(title="Kolesarska steza ob Kokri")
        page = client.get("/initiatives/?q=kolesrska").get_data(as_text=True)
        assert "Nobena pobuda ne ustreza iskanju »kolesrska«." in page
        assert "Ste morda mislili:" in page
        links = _links(page)
        assert "/initiatives/?q=kolesarska" in links
        # A visitor is asked to sign in first, then comes back to the form.
        assert "/auth/login?next=/initiatives/new" in links
        assert "/initiatives/" in links  # clear the search
        # The suggestion finds what was meant.
        found = client.get("/initiatives/?q=kolesarska").get_data(as_text=True)
        assert "Kolesarska steza ob Kokri" in found

    def test_in_english(
        self, client: FlaskClient, make_initiative: Callable[..., int], in_english
    ) -> None:
        make_initiative(title="Kolesarska steza ob Kokri")
        in_english(client)
        page = client.get("/initiatives/?q=kolesrska").get_data(as_text=True)
        assert "No initiative matches “kolesrska”." in page
        assert "Did you mean:" in page
        assert "Sign in to propose an initiative" in page

    def test_filters_can_be_cleared_keeping_the_text(
        self, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        make_initiative(title="Kolesarska steza ob Kokri")
        page = client.get("/initiatives/?q=kolesarska&state=answered&topic=promet")
        text = page.get_data(as_text=True)
        assert "Nobena pobuda s temi filtri ne ustreza iskanju »kolesarska«." in text
        assert "Ste morda mislili" not in text  # the word is right: the filters are not
        links = _links(text)
        assert "/initiatives/?q=kolesarska" in links
        assert "/initiatives/" in links
        assert links.index("/initiatives/?q=kolesarska") < links.index("/initiatives/")

    def test_a_signed_in_resident_goes_straight_to_the_form(
        self, client: FlaskClient, resident: int, reference: None
    ) -> None:
        page = client.get("/initiatives/?q=nekajcisto").get_data(as_text=True)
        assert "/initiatives/new" in _links(page)
        assert "Predlagajte pobudo" in page

    def test_without_a_search_only_the_filters_are_cleared(
        self, client: FlaskClient, reference: None
    ) -> None:
        page = client.get("/initiatives/?state=answered").get_data(as_text=True)
        assert "Nobena pobuda ne ustreza tem filtrom." in page
        assert "/initiatives/" in _links(page)

    def test_up_to_three_spellings_the_commonest_first(
        self, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        for title in ("Klub upokojencev", "Prostor za klub mladih", "Klop v parku", "Kup peska"):
            make_initiative(title=title)
        links = _links(client.get("/initiatives/?q=klup").get_data(as_text=True))
        offered = [link for link in links if link.startswith("/initiatives/?q=")]
        # klub (two initiatives) before klop and kup (one each, in alphabetical order).
        assert offered == ["/initiatives/?q=klub", "/initiatives/?q=klop", "/initiatives/?q=kup"]

    def test_a_misspelt_word_beside_a_right_one(
        self, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        make_initiative(title="Kolesarska steza ob Kokri")
        make_initiative(title="Kolesarska pot na Jezersko")
        links = _links(client.get("/initiatives/?q=kolesarska+stzea").get_data(as_text=True))
        # Only a spelling that finds something together with the other word is offered.
        assert "/initiatives/?q=kolesarska+steza" in links
        assert not any("pot" in link for link in links)

    def test_spellings_come_only_from_public_text(
        self, app: Flask, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        with app.app_context():
            reason_id = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="duplicate"))
        make_initiative(
            _S.REJECTED,
            title="Zavrnjena",
            body="Gradbenica ob reki.",
            rejection_reason_id=reason_id,
        )
        make_initiative(_S.DRAFT, title="Gradbenica osnutek", summary="Gradbenica.")
        make_initiative(_S.SUBMITTED, title="Gradbenica v moderaciji")
        for state in ("", "rejected"):
            page = client.get(
                "/initiatives/", query_string={"q": "gradbenca", "state": state}
            ).get_data(as_text=True)
            assert "gradbenica" not in page.lower(), state
            assert "Ste morda mislili" not in page

    def test_a_spelling_must_find_something_with_the_filters(
        self, client: FlaskClient, make_initiative: Callable[..., int]
    ) -> None:
        make_initiative(title="Kolesarska steza ob Kokri")  # open, not answered
        page = client.get("/initiatives/?q=kolesrska&state=answered").get_data(as_text=True)
        assert "Ste morda mislili" not in page
        assert "/initiatives/?q=kolesrska" in _links(page)  # but the filter can go

    def test_the_text_is_shown_escaped(self, client: FlaskClient, reference: None) -> None:
        page = client.get("/initiatives/", query_string={"q": "<b>x</b>"}).get_data(as_text=True)
        assert "<b>x</b>" not in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page

    def test_a_bounded_number_of_queries(
        self, app: Flask, client: FlaskClient, make_initiative: Callable[..., int], count_queries
    ) -> None:
        for n in range(12):
            make_initiative(title=f"Kolesarska steza številka {n}")
        client.get("/initiatives/")  # the reference data, kept in the process afterwards
        with count_queries() as one_typo:
            client.get("/initiatives/?q=kolesrska")
        with count_queries() as two_typos:
            client.get("/initiatives/?q=kolesrska+stzea+%C5%A1tevilka")
        with count_queries() as found:
            client.get("/initiatives/?q=kolesarska")
        # The list's own queries, then the known words, their near spellings (on PostgreSQL:
        # which exist, then how common each is), and one check of every suggestion with the
        # filters; whatever the index and the query hold.
        postgresql = app.extensions["test_connection"].dialect.name == "postgresql"
        assert len(one_typo) == len(two_typos) == len(found) + (4 if postgresql else 3), (
            one_typo.report()
        )
