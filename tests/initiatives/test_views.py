"""Pages of initiatives: list, export, detail, forms and every action over HTTP."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import Role
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState, ResponseKind, Support
from app.reference.models import RejectionReason, Topic

_S = InitiativeState


def _get(app: Flask, initiative_id: int) -> Initiative:
    with app.app_context():
        item = db.session.get(Initiative, initiative_id)
        assert item is not None
        db.session.expunge(item)
        return item


def _topic_id(app: Flask, slug: str = "promet") -> int:
    with app.app_context():
        topic_id = db.session.scalar(sa.select(Topic.id).filter_by(slug=slug))
        assert topic_id is not None
        return topic_id


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) or 0)


class TestList:
    def test_shows_published_not_drafts(self, client: FlaskClient, make_initiative) -> None:
        make_initiative(_S.PUBLISHED, title="Objavljena pobuda")
        make_initiative(_S.DRAFT, title="Skrit osnutek")
        make_initiative(_S.SUBMITTED, title="Čaka moderacijo")
        page = client.get("/initiatives/").get_data(as_text=True)
        assert "Objavljena pobuda" in page
        assert "Skrit osnutek" not in page
        assert "Čaka moderacijo" not in page

    def test_filters_sort_and_shareable_urls(self, client: FlaskClient, make_initiative) -> None:
        make_initiative(title="Malo podpore", supporters=1)
        make_initiative(title="Veliko podpore", supporters=3)
        make_initiative(
            _S.ANSWERED, title="Pobuda z odgovorom", response_kind=ResponseKind.ACCEPTED
        )
        page = client.get("/initiatives/?sort=supported&state=open").get_data(as_text=True)
        assert page.index("Veliko podpore") < page.index("Malo podpore")
        assert "Pobuda z odgovorom" not in page
        answered = client.get("/initiatives/?state=answered").get_data(as_text=True)
        assert "Pobuda z odgovorom" in answered
        assert "Malo podpore" not in answered
        by_topic = client.get("/initiatives/?topic=okolje").get_data(as_text=True)
        assert "Malo podpore" not in by_topic

    @pytest.mark.parametrize(
        "query",
        ["state=bogus", "sort=random", "page=0", "page=abc", "page=99999999", "topic=nope",
         "community=atlantis"],
    )  # fmt: skip
    def test_unknown_filters_are_a_clear_400(
        self, client: FlaskClient, reference, query: str
    ) -> None:
        response = client.get(f"/initiatives/?{query}")
        assert response.status_code == 400
        assert "filter, ki ga ne poznamo" in response.get_data(as_text=True)

    def test_a_page_past_the_end_is_404(self, client: FlaskClient, make_initiative) -> None:
        make_initiative()
        assert client.get("/initiatives/?page=2").status_code == 404

    def test_pagination(self, app: Flask, client: FlaskClient, make_initiative) -> None:
        for n in range(22):
            make_initiative(title=f"Pobuda {n:02d}")
        first = client.get("/initiatives/").get_data(as_text=True)
        assert "Stran 1 od 2" in first
        second = client.get("/initiatives/?page=2").get_data(as_text=True)
        assert second.count('class="item-card"') == 2

    def test_the_same_number_of_queries_for_any_page_size(
        self, app: Flask, client: FlaskClient, make_initiative, count_queries
    ) -> None:
        make_initiative(title="Ena")
        client.get("/initiatives/")  # the reference data, kept in the process afterwards
        with count_queries() as few:
            client.get("/initiatives/?sort=supported")
        for n in range(25):
            make_initiative(title=f"Še ena {n}", supporters=n % 3)
        with count_queries() as many:
            client.get("/initiatives/?sort=supported")
        assert len(many) == len(few)
        assert len(many) <= 6

    def test_search_without_diacritics(self, client: FlaskClient, make_initiative) -> None:
        make_initiative(title="Nova igrala pri šoli")
        make_initiative(title="Kolesarska steza")
        page = client.get("/initiatives/?q=SOLI").get_data(as_text=True)
        assert "Nova igrala pri šoli" in page
        assert "Kolesarska steza" not in page
        nothing = client.get("/initiatives/?q=%22%29%28*%26").get_data(as_text=True)
        assert "Nobena pobuda ne ustreza" in nothing


class TestExport:
    def test_csv_of_the_filtered_list(self, client: FlaskClient, make_initiative) -> None:
        make_initiative(title='=HYPERLINK("http://evil")', supporters=2)
        make_initiative(_S.DRAFT, title="Osnutek")
        response = client.get("/initiatives/export.csv?state=open")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert len(rows) == 1
        assert rows[0]["title"].startswith("'=")  # no formula in a spreadsheet
        assert rows[0]["supporters"] == "2"
        assert rows[0]["state"] == "published"
        assert rows[0]["url"].startswith("http://localhost/initiatives/")

    def test_bad_filters_are_400_too(self, client: FlaskClient, reference) -> None:
        assert client.get("/initiatives/export.csv?state=x").status_code == 400


class TestDetail:
    def test_public_page_with_progress(self, client: FlaskClient, make_initiative) -> None:
        item = make_initiative(supporters=2, threshold=300)
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert "2 od 300 podpornikov" in page
        assert '<progress class="progress-block__bar" max="300" value="2"' in page
        assert "<strong>osvetljen</strong>" in page

    def test_slug_in_the_url(self, client: FlaskClient, make_initiative) -> None:
        item = make_initiative(title="Prehod pri šoli")
        assert client.get(f"/initiatives/{item}-prehod-pri-soli").status_code == 200
        # Any other slug is sent to the one address (not a second copy of the page).
        wrong = client.get(f"/initiatives/{item}-anything")
        assert wrong.status_code == 302
        assert wrong.headers["Location"] == f"/initiatives/{item}-prehod-pri-soli"
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert f'rel="canonical" href="http://localhost/initiatives/{item}-prehod-pri-soli"' in page

    def test_drafts_are_404_to_others(
        self, client: FlaskClient, make_initiative, make_user, login
    ) -> None:
        item = make_initiative(_S.DRAFT)
        assert client.get(f"/initiatives/{item}").status_code == 404
        login(client, make_user())
        assert client.get(f"/initiatives/{item}").status_code == 404

    def test_unknown_and_huge_ids_are_404(self, client: FlaskClient) -> None:
        assert client.get("/initiatives/424242").status_code == 404
        assert client.get("/initiatives/99999999999999").status_code == 404

    def test_a_rejected_initiative_shows_the_reason_not_the_text(
        self, app: Flask, client: FlaskClient, make_initiative
    ) -> None:
        with app.app_context():
            reason_id = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="duplicate"))
        item = make_initiative(_S.REJECTED, rejection_reason_id=reason_id)
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert "Enaka pobuda ali enako vprašanje je že objavljeno." in page
        assert "osvetljen" not in page


@pytest.fixture
def resident(make_user, login, client: FlaskClient) -> int:
    user_id = make_user()
    login(client, user_id)
    return user_id


class TestWriting:
    def _form(self, app: Flask, **changes: str) -> dict[str, str]:
        data = {
            "title": "Klop na avtobusni postaji",
            "summary": "Starejši nimajo kje sesti.",
            "body": "Predlagam klop s streho.",
            "topic": str(_topic_id(app)),
            "community": "",
            "location": "",
            "action": "save",
        }
        data.update(changes)
        return data

    def test_new_draft(self, app: Flask, client: FlaskClient, resident: int, reference) -> None:
        response = client.post("/initiatives/new", data=self._form(app))
        assert response.status_code == 302
        with app.app_context():
            [item] = db.session.scalars(sa.select(Initiative))
            assert item.state is _S.DRAFT
            assert item.author_id == resident
            assert response.headers["Location"].startswith(f"/initiatives/{item.id}-klop-na")

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"title": ""}, "Naslovite svojo pobudo."),
            ({"title": "x" * 151}, "Uporabite največ 150 znakov."),
            ({"summary": "   "}, "Napišite kratek povzetek."),
            ({"body": "x" * 10_001}, "Uporabite največ 10000 znakov."),
            ({"topic": ""}, "Izberite temo."),
            ({"topic": "99999"}, "Neveljavna izbira."),
            ({"topic": "abc"}, "Neveljavna izbira."),
            ({"community": "99999"}, "Neveljavna izbira."),
            ({"location": "x" * 201}, "Uporabite največ 200 znakov."),
        ],
    )
    def test_bad_input_is_explained_and_nothing_saved(
        self, app: Flask, client: FlaskClient, resident: int, reference, changes, message
    ) -> None:
        response = client.post("/initiatives/new", data=self._form(app, **changes))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert _count(app) == 0

    def test_look_for_similar_saves_nothing(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        make_initiative(title="Klop in streha na postaji Primskovo")
        before = _count(app)
        response = client.post(
            "/initiatives/new", data=self._form(app, title="klop na postaji", action="check")
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Podobne pobude" in page
        assert "Klop in streha na postaji Primskovo" in page
        assert 'value="klop na postaji"' in page  # what was typed is kept
        assert _count(app) == before

    def test_an_unverified_person_is_told_why(self, client: FlaskClient, make_user, login) -> None:
        login(client, make_user(resident_verified_at=None, residency_source=None))
        response = client.get("/initiatives/new")
        assert response.status_code == 403
        assert "Pobude še ne morete predlagati" in response.get_data(as_text=True)

    def test_visitors_are_sent_to_sign_in(self, client: FlaskClient) -> None:
        response = client.get("/initiatives/new")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")

    def test_edit_submit_withdraw(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative(_S.DRAFT, author_id=resident)
        response = client.post(
            f"/initiatives/{item}/edit", data=self._form(app, title="Popravljen naslov")
        )
        assert response.status_code == 302
        assert _get(app, item).title == "Popravljen naslov"
        assert client.post(f"/initiatives/{item}/submit").status_code == 302
        assert _get(app, item).state is _S.SUBMITTED
        # A second click changes nothing and says why (test_second_click.py has the rest).
        assert client.post(f"/initiatives/{item}/submit").status_code == 303
        # Waiting for moderation it can only go back to a draft: a withdrawal would make a
        # text public that no moderator has seen.
        assert client.post(f"/initiatives/{item}/withdraw").status_code == 303
        assert _get(app, item).state is _S.SUBMITTED
        assert client.post(f"/initiatives/{item}/unsubmit").status_code == 302
        assert _get(app, item).state is _S.DRAFT

    def test_withdraw_and_delete_ask_first(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        published = make_initiative(author_id=resident)
        page = client.get(f"/initiatives/{published}/withdraw").get_data(as_text=True)
        assert "Želite umakniti pobudo?" in page
        assert _get(app, published).state is _S.PUBLISHED
        assert client.post(f"/initiatives/{published}/withdraw").status_code == 302
        assert _get(app, published).state is _S.WITHDRAWN
        draft = make_initiative(_S.DRAFT, author_id=resident)
        assert "Želite izbrisati osnutek?" in client.get(f"/initiatives/{draft}/delete").get_data(
            as_text=True
        )
        assert client.post(f"/initiatives/{draft}/delete").status_code == 302
        assert _count(app) == 1

    def test_a_withdrawn_submission_never_becomes_public(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative(_S.SUBMITTED, author_id=resident, title="Nikoli moderirano")
        client.post(f"/initiatives/{item}/unsubmit")
        anonymous = app.test_client()
        assert anonymous.get(f"/initiatives/{item}").status_code == 404
        for url in ("/initiatives/?state=withdrawn", "/initiatives/export.csv?state=withdrawn"):
            assert "Nikoli moderirano" not in anonymous.get(url).get_data(as_text=True)

    def test_others_cannot_touch_a_draft(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative(_S.DRAFT)
        for path in ("edit", "submit", "delete"):
            assert (
                client.post(f"/initiatives/{item}/{path}", data=self._form(app)).status_code == 404
            )


class TestSupportOverHttp:
    def test_support_and_withdraw(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative()
        response = client.post(f"/initiatives/{item}/support")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#support")
        assert _get(app, item).support_count == 1
        again = client.post(f"/initiatives/{item}/support", follow_redirects=True)
        assert "To pobudo že podpirate." in again.get_data(as_text=True)
        assert _get(app, item).support_count == 1
        client.post(f"/initiatives/{item}/support/withdraw")
        assert _get(app, item).support_count == 0

    def test_visitors_and_authors(
        self, client: FlaskClient, make_initiative, make_user, login
    ) -> None:
        item = make_initiative()
        assert client.post(f"/initiatives/{item}/support").status_code == 302  # to sign-in
        author = make_user()
        own = make_initiative(author_id=author)
        login(client, author)
        assert client.post(f"/initiatives/{own}/support").status_code == 403

    def test_closed_initiatives_take_no_support(
        self, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative(_S.ANSWERED, response_kind=ResponseKind.REJECTED)
        assert client.post(f"/initiatives/{item}/support").status_code == 403

    @pytest.mark.usefixtures("csrf_enabled")
    def test_support_needs_a_csrf_token(
        self, app: Flask, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative()
        assert client.post(f"/initiatives/{item}/support").status_code == 400
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Support)) == 0


class TestModerationAndResponse:
    def test_queue_is_for_moderators(
        self, client: FlaskClient, make_user, login, make_initiative
    ) -> None:
        make_initiative(_S.SUBMITTED, title="V čakalni vrsti")
        login(client, make_user())
        # The old address sends to the shared queue, which is for moderators only.
        moved = client.get("/initiatives/moderation")
        assert moved.status_code == 301
        assert moved.headers["Location"].endswith("/moderation/")
        assert client.get("/moderation/").status_code == 403
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        assert "V čakalni vrsti" in client.get("/moderation/").get_data(as_text=True)

    def test_publish_and_reject(
        self, app: Flask, client: FlaskClient, make_user, login, make_initiative
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        first, second = make_initiative(_S.SUBMITTED), make_initiative(_S.SUBMITTED)
        seen = _get(app, first).updated_at.isoformat()
        assert client.post(f"/initiatives/{first}/publish", data={"seen": seen}).status_code == 302
        assert _get(app, first).state is _S.PUBLISHED
        response = client.post(f"/initiatives/{second}/reject", data={"reject-reason": ""})
        assert response.status_code == 422
        assert "Izberite razlog." in response.get_data(as_text=True)
        with app.app_context():
            reason = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="unclear"))
        client.post(
            f"/initiatives/{second}/reject",
            data={
                "seen": _get(app, second).updated_at.isoformat(),
                "reject-reason": str(reason),
                "reject-note": "Premalo podrobno.",
            },
        )
        assert _get(app, second).state is _S.REJECTED

    def test_respond_and_report(
        self, app: Flask, client: FlaskClient, make_user, login, make_initiative
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "UOP")]))
        item = make_initiative(supporters=1, threshold=1)
        bad = client.post(
            f"/initiatives/{item}/respond", data={"respond-kind": "maybe", "respond-text": ""}
        )
        assert bad.status_code == 422
        assert _get(app, item).state is _S.AWAITING_RESPONSE
        client.post(
            f"/initiatives/{item}/respond",
            data={"respond-kind": "accepted", "respond-text": "Sprejeto."},
        )
        assert _get(app, item).state is _S.ANSWERED
        client.post(
            f"/initiatives/{item}/progress",
            data={"progress-note": "Končano.", "progress-completed": "y"},
        )
        assert _get(app, item).state is _S.COMPLETED
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert "Sprejeto." in page
        assert "Končano." in page

    def test_residents_cannot_respond(
        self, client: FlaskClient, resident: int, make_initiative
    ) -> None:
        item = make_initiative(supporters=1, threshold=1)
        response = client.post(
            f"/initiatives/{item}/respond", data={"respond-kind": "accepted", "respond-text": "x"}
        )
        assert response.status_code == 403


class TestReviewFindings:
    """Cases a review of the feature found; each stays fixed."""

    @pytest.mark.parametrize(
        "query",
        ["topic=%00", "community=a%00b", "page=%C2%B2", "q=%00"],
    )
    def test_odd_query_strings_are_400_not_500(
        self, client: FlaskClient, reference, query: str
    ) -> None:
        for path in ("/initiatives/", "/initiatives/export.csv"):
            assert client.get(f"{path}?{query}").status_code == 400

    @pytest.mark.parametrize("field", ["title", "body", "location"])
    def test_invisible_characters_in_a_form_are_refused(
        self, app: Flask, client: FlaskClient, resident: int, reference, field: str
    ) -> None:
        data = TestWriting()._form(app, **{field: "pre\x07kinjeno"})
        response = client.post("/initiatives/new", data=data)
        assert response.status_code == 422
        assert "Odstranite nevidne kontrolne znake." in response.get_data(as_text=True)
        assert client.post("/initiatives/new", data={**data, field: "x\x00y"}).status_code == 400
        assert _count(app) == 0

    @pytest.mark.parametrize("field", ["title", "summary", "body", "location"])
    def test_direction_controls_in_an_initiative_are_refused(
        self, app: Flask, client: FlaskClient, resident: int, reference, field: str
    ) -> None:
        # U+202E turns the rest of a line around: refused here as in names and file names.
        data = TestWriting()._form(app, **{field: "Varen \u202eodlokiv\u202c prehod"})
        response = client.post("/initiatives/new", data=data)
        assert response.status_code == 422
        assert "Odstranite nevidne znake, ki spreminjajo smer besedila." in response.get_data(
            as_text=True
        )
        assert _count(app) == 0

    def test_direction_controls_in_a_response_are_refused(
        self, app: Flask, client: FlaskClient, make_user, login, make_initiative
    ) -> None:
        login(client, make_user(roles=[(Role.ADMINISTRATOR, None)]))
        item = make_initiative(_S.AWAITING_RESPONSE)
        response = client.post(
            f"/initiatives/{item}/respond",
            data={"respond-kind": "accepted", "respond-text": "Sprejeto \u2066x\u2069."},
        )
        assert response.status_code == 422
        assert _get(app, item).state is _S.AWAITING_RESPONSE

    @pytest.mark.parametrize("unit", ["\u00b2", "-1", "99999999999999999999", "abc"])
    def test_a_bad_unit_on_publish_is_400(
        self, app: Flask, client: FlaskClient, make_user, login, make_initiative, unit: str
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        item = make_initiative(_S.SUBMITTED)
        seen = _get(app, item).updated_at.isoformat()
        response = client.post(f"/initiatives/{item}/publish", data={"seen": seen, "unit": unit})
        assert response.status_code == 400
        assert _get(app, item).state is _S.SUBMITTED

    def test_publishing_a_text_changed_meanwhile_asks_to_read_again(
        self, app: Flask, client: FlaskClient, make_user, login, make_initiative
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        item = make_initiative(_S.SUBMITTED)
        response = client.post(f"/initiatives/{item}/publish", data={"seen": "an older version"})
        assert response.status_code == 303
        assert _get(app, item).state is _S.SUBMITTED
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "preberite znova" in page

    def test_a_rejected_initiatives_text_is_not_exported_or_searchable(
        self, app: Flask, client: FlaskClient, make_initiative
    ) -> None:
        with app.app_context():
            reason_id = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="duplicate"))
        make_initiative(
            _S.REJECTED,
            title="Zavrnjena",
            body="skrivnostnobesedilo",
            rejection_reason_id=reason_id,
        )
        found = client.get("/initiatives/?state=rejected&q=skrivnostnobesedilo")
        assert "Zavrnjena" not in found.get_data(as_text=True)
        rows = list(
            csv.DictReader(
                io.StringIO(
                    client.get("/initiatives/export.csv?state=rejected")
                    .get_data(as_text=True)
                    .lstrip("\ufeff")
                )
            )
        )
        assert rows[0]["title"] == "Zavrnjena"
        assert rows[0]["summary"] == ""
        assert rows[0]["location"] == ""

    def test_lists_are_in_slovenian_alphabetical_order(
        self, client: FlaskClient, reference
    ) -> None:
        page = client.get("/initiatives/").get_data(as_text=True)
        assert page.index(">Center<") < page.index(">Čirče<") < page.index(">Golnik<")

    def test_similar_list_keeps_focus_on_its_place(
        self, app: Flask, client: FlaskClient, resident: int, reference
    ) -> None:
        page = client.get("/initiatives/new").get_data(as_text=True)
        assert 'formaction="/initiatives/new#similar-title"' in page
