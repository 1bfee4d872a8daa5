"""The pages of questions, sessions, councillors and search, over HTTP, on the demo's data.

The demo seeders build the council (two terms, the 16th regular session of 20 April 2016 and
sessions around today) and questions in every state; each test rolls them back. What a
visitor sees, what each role may do, and what bad input gets: a clear message and a 4xx,
nothing saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth import roles
from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.core.time import today as local_today
from app.council.models import Person
from app.extensions import db
from app.questions.models import (
    Question,
    QuestionEvent,
    QuestionEventKind,
    QuestionState,
    QuestionSupport,
)
from app.sessions.models import CouncilSession, SessionKind

_Q = QuestionState


def _id(app: Flask, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(Question.id).where(Question.title == title))
        assert found is not None, title
        return found


def _count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


SAMPLE = "Projekti e-demokracija, e-uprava"
SUBMITTED = "Ali bo v Kokrici nov vrtec?"
REJECTED = "Sosed parkira na pločniku"
OPEN_RESIDENT = "Kdaj bo obnovljen pločnik na Koroški cesti?"
ADOPTED = "Kdo nadzoruje nočna dela na gradbišču na Zlatem polju?"
OVERDUE = "Urnik mestnega avtobusa ob nedeljah"


@pytest.fixture
def councillor(app: Flask, make_user: Callable[..., int], demo: None) -> int:
    """Petra Novak's account, tied to her person record (seated in the current term)."""
    user_id = make_user(pseudonym="Petra Novak")
    with app.app_context():
        user = db.session.get(User, user_id)
        person = db.session.scalar(sa.select(Person).where(Person.name == "Petra Novak"))
        roles.grant_role(None, user, Role.COUNCILLOR, person=person)  # type: ignore[arg-type]
        db.session.commit()
    return user_id


def _session_id(app: Flask, term: int, kind: SessionKind, number: int) -> int:
    with app.app_context():
        sessions = db.session.scalars(
            sa.select(CouncilSession).where(
                CouncilSession.kind == kind, CouncilSession.number == number
            )
        ).all()
        chosen = sorted(sessions, key=lambda s: s.held_on)[term if len(sessions) > 1 else 0]
        return chosen.id


# --- what the public sees --------------------------------------------------------------------


class TestPublicPages:
    @pytest.mark.usefixtures("demo")
    def test_the_sample_question_shows_how_its_due_date_was_computed(
        self, app: Flask, client: FlaskClient
    ) -> None:
        page = client.get(f"/questions/{_id(app, SAMPLE)}", follow_redirects=True)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Janez Černe" in text
        assert "16. redni seji" in text or "16. redna seja" in text
        assert "20. aprila 2016" in text  # the session, in the genitive of running text
        assert "20. maja 2016" in text  # 30 days from then
        assert "032-11/2016" in text
        assert "še ni preverjeno" in text or "not yet confirmed" in text

    @pytest.mark.usefixtures("demo")
    def test_the_english_page_says_the_same_in_english(
        self, app: Flask, client: FlaskClient, in_english: Callable[[FlaskClient], None]
    ) -> None:
        in_english(client)
        text = client.get(f"/questions/{_id(app, SAMPLE)}", follow_redirects=True).get_data(
            as_text=True
        )
        assert "16th regular session" in text
        assert "April 20, 2016" in text
        assert "May 20, 2016" in text

    @pytest.mark.usefixtures("demo")
    def test_an_unmoderated_question_is_hidden_from_the_public(
        self, app: Flask, client: FlaskClient
    ) -> None:
        assert client.get(f"/questions/{_id(app, SUBMITTED)}").status_code == 404
        assert SUBMITTED not in client.get("/questions/").get_data(as_text=True)

    @pytest.mark.usefixtures("demo")
    def test_a_refused_question_shows_its_title_and_reason_not_its_text(
        self, app: Flask, client: FlaskClient
    ) -> None:
        text = client.get(f"/questions/{_id(app, REJECTED)}", follow_redirects=True).get_data(
            as_text=True
        )
        assert REJECTED in text
        assert "osebne podatke" in text
        assert "vsak dan parkira" not in text

    @pytest.mark.usefixtures("demo")
    def test_overdue_is_computed_and_said_in_words(self, app: Flask, client: FlaskClient) -> None:
        listed = client.get("/questions/?state=overdue").get_data(as_text=True)
        assert OVERDUE in listed
        assert OPEN_RESIDENT not in listed  # due in the future
        page = client.get(f"/questions/{_id(app, OVERDUE)}", follow_redirects=True)
        assert "zamuja" in page.get_data(as_text=True).lower() or "overdue" in page.get_data(
            as_text=True
        )

    @pytest.mark.usefixtures("demo")
    def test_the_adopted_question_links_to_the_councillors_and_back(
        self, app: Flask, client: FlaskClient
    ) -> None:
        resident = client.get(f"/questions/{_id(app, ADOPTED)}", follow_redirects=True)
        text = resident.get_data(as_text=True)
        assert "Petra Novak" in text
        councillors = _id(app, "Hrup z gradbišča na Zlatem polju ponoči")
        assert f"/questions/{councillors}-" in text
        back = client.get(f"/questions/{councillors}", follow_redirects=True).get_data(as_text=True)
        assert f"/questions/{_id(app, ADOPTED)}-" in back

    @pytest.mark.usefixtures("demo")
    @pytest.mark.parametrize(
        ("query", "present", "absent"),
        [
            ("origin=councillor", SAMPLE, OPEN_RESIDENT),
            ("origin=resident", OPEN_RESIDENT, SAMPLE),
            ("kind=initiative", "Zasaditev dreves ob Savskem otoku", SAMPLE),
            ("state=answered", SAMPLE, OVERDUE),
            ("state=rejected", REJECTED, SAMPLE),
            ("unit=UGDP", OPEN_RESIDENT, SAMPLE),
            ("topic=komunala", "Zakaj ni več zabojnika za steklo v Stražišču?", SAMPLE),
            ("community=zlato-polje", ADOPTED, SAMPLE),
            ("q=gradbi%C5%A1%C4%8De", ADOPTED, SAMPLE),
            ("q=gradbisce", ADOPTED, SAMPLE),  # without the accents
            ("q=igri%C5%A1%C4%8Da", "Obnova igrišča v Struževem", SAMPLE),  # another form
        ],
    )
    def test_the_list_filters(
        self, client: FlaskClient, query: str, present: str, absent: str
    ) -> None:
        page = client.get(f"/questions/?{query}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert present in text
        assert absent not in text

    @pytest.mark.usefixtures("demo")
    def test_the_councillor_and_session_filters(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            janez = db.session.scalar(sa.select(Person.id).where(Person.name == "Janez Černe"))
        text = client.get(f"/questions/?councillor={janez}").get_data(as_text=True)
        assert SAMPLE in text
        assert OVERDUE not in text
        session = _session_id(app, 0, SessionKind.REGULAR, 16)
        text = client.get(f"/questions/?session={session}").get_data(as_text=True)
        assert SAMPLE in text
        assert "Parkiranje pri Zdravstvenem domu" not in text  # the 17th

    @pytest.mark.usefixtures("demo")
    @pytest.mark.parametrize(
        "query",
        [
            "state=nope", "origin=alien", "kind=x", "sort=random", "unit=NOPE", "topic=x",
            "community=x", "page=0", "page=abc", "councillor=-1", "councillor=abc",
            "session=99999999999", "page=%C2%B2",
        ],
    )  # fmt: skip
    def test_a_filter_glas_does_not_know_is_a_400(self, client: FlaskClient, query: str) -> None:
        assert client.get(f"/questions/?{query}").status_code == 400

    @pytest.mark.usefixtures("demo")
    def test_the_csv_has_the_filtered_list(self, app: Flask, client: FlaskClient) -> None:
        response = client.get("/questions/export.csv?origin=councillor")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        text = response.get_data(as_text=True)
        header, *rows = text.lstrip("\ufeff").splitlines()
        assert header.startswith("id,url,origin,kind,form,title,state,overdue")
        assert any(SAMPLE in row and "Janez Černe" in row and "032-11/2016" in row for row in rows)
        assert not any(OPEN_RESIDENT in row for row in rows)
        assert not any(SUBMITTED in row for row in rows)
        # Several authors in one cell, in the order named.
        assert any("Ana Kovač; Luka Horvat" in row for row in rows)

    @pytest.mark.usefixtures("demo")
    def test_sessions_list_and_page(self, app: Flask, client: FlaskClient) -> None:
        listed = client.get("/sessions/")
        assert listed.status_code == 200
        # The latest term by default; the others one click away.
        with app.app_context():
            old = db.session.scalar(
                sa.select(CouncilSession.term_id).where(CouncilSession.number == 16)
            )
        assert "16. redna seja" not in listed.get_data(as_text=True)
        assert "16. redna seja" in client.get(f"/sessions/?term={old}").get_data(as_text=True)
        assert client.get("/sessions/?term=abc").status_code == 400
        assert client.get("/sessions/?term=99999").status_code == 404
        session = _session_id(app, 0, SessionKind.REGULAR, 16)
        page = client.get(f"/sessions/{session}").get_data(as_text=True)
        assert SAMPLE in page
        assert "Vprašanja in pobude svetnikov" in page  # the agenda
        # The 17th presents the answers given since the 16th: the sample's among them.
        following = client.get(f"/sessions/{_session_id(app, 0, SessionKind.REGULAR, 17)}")
        assert SAMPLE in following.get_data(as_text=True)
        assert client.get("/sessions/99999").status_code == 404

    @pytest.mark.usefixtures("demo")
    def test_councillors_list_and_record(self, app: Flask, client: FlaskClient) -> None:
        listed = client.get("/councillors/").get_data(as_text=True)
        assert "Janez Černe" in listed
        assert "Marta Kos" in listed  # a former councillor
        with app.app_context():
            janez = db.session.scalar(sa.select(Person.id).where(Person.name == "Janez Černe"))
        page = client.get(f"/councillors/{janez}").get_data(as_text=True)
        assert SAMPLE in page
        assert "Stroški prenove Prešernovega gledališča" in page
        # Two posed: the sample answered on time; the theatre's answered in the interim only
        # (still open, extended, not overdue).
        facts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        assert "Zastavljeno 2 " in facts
        assert "Odgovorjeno v celoti 1 " in facts
        assert "1 od 1" in facts
        assert "Čaka na odgovor 1 " in facts
        assert client.get("/councillors/99999").status_code == 404

    @pytest.mark.usefixtures("demo")
    def test_search_finds_both_kinds(self, app: Flask, client: FlaskClient) -> None:
        text = client.get("/search?q=gradbi%C5%A1%C4%8De").get_data(as_text=True)
        assert ADOPTED in text
        nothing = client.get("/search?q=zzzzqqq")
        assert nothing.status_code == 200
        assert client.get("/search").status_code == 200
        assert client.get("/search?q=" + "a" * 5000).status_code == 200


# --- a resident asks -------------------------------------------------------------------------


class TestAsking:
    @pytest.mark.usefixtures("demo")
    def test_a_question_goes_to_moderation(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user())
        with app.app_context():
            topic = db.session.execute(sa.text("SELECT id FROM topics LIMIT 1")).scalar()
        response = client.post(
            "/questions/new",
            data={"title": "Kdaj bo urejena Cesta 1. maja?", "body": "Luknje.", "topic": topic},
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"], follow_redirects=True)
        assert "Kdaj bo urejena Cesta 1. maja?" in page.get_data(as_text=True)
        with app.app_context():
            question = db.session.scalar(
                sa.select(Question).where(Question.title == "Kdaj bo urejena Cesta 1. maja?")
            )
            assert question is not None
            assert question.state is _Q.SUBMITTED
        assert client.get("/moderation/").status_code == 403

    @pytest.mark.usefixtures("demo")
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"title": "", "body": "x", "topic": "T"}, "vprašanje"),
            ({"title": "x" * 251, "body": "x", "topic": "T"}, "250"),
            ({"title": "Naslov", "body": "", "topic": "T"}, "Pojasnite"),
            ({"title": "Naslov", "body": "x", "topic": ""}, "temo"),
            ({"title": "Naslov", "body": "x", "topic": "999999"}, "Neveljavna izbira"),
            ({"title": "Naslov", "body": "x", "topic": "T", "unit": "999999"}, ""),
            ({"title": "Naslov\x1b", "body": "x", "topic": "T"}, "nevidne"),
        ],
    )
    def test_bad_input_gets_a_message_and_saves_nothing(
        self,
        app: Flask,
        client: FlaskClient,
        make_user: Callable[..., int],
        login: Any,
        data: dict[str, str],
        message: str,
    ) -> None:
        login(client, make_user())
        with app.app_context():
            topic = str(db.session.execute(sa.text("SELECT id FROM topics LIMIT 1")).scalar())
        before = _count(app, Question)
        filled = {key: (topic if value == "T" else value) for key, value in data.items()}
        response = client.post("/questions/new", data=filled)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert _count(app, Question) == before

    @pytest.mark.usefixtures("demo")
    def test_a_visitor_is_sent_to_sign_in(self, client: FlaskClient) -> None:
        response = client.get("/questions/new")
        assert response.status_code in (302, 401)

    @pytest.mark.usefixtures("demo")
    def test_support_is_counted_once(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user())
        question = _id(app, OPEN_RESIDENT)
        before = _count(app, QuestionSupport)
        assert client.post(f"/questions/{question}/support").status_code == 302
        assert client.post(f"/questions/{question}/support").status_code == 302
        assert _count(app, QuestionSupport) == before + 1
        with app.app_context():
            rows = db.session.scalar(
                sa.select(sa.func.count()).where(QuestionSupport.question_id == question)
            )
            assert db.session.get(Question, question).support_count == rows  # type: ignore[union-attr]
        assert client.post(f"/questions/{question}/support/withdraw").status_code == 302
        assert _count(app, QuestionSupport) == before

    @pytest.mark.usefixtures("demo")
    def test_a_councillors_question_cannot_be_supported(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user())
        assert client.post(f"/questions/{_id(app, OVERDUE)}/support").status_code == 403


# --- moderation ---------------------------------------------------------------------------------


class TestModeration:
    @pytest.mark.usefixtures("demo")
    def test_one_queue_holds_initiatives_and_questions(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        text = client.get("/moderation/").get_data(as_text=True)
        assert SUBMITTED in text

    @pytest.mark.usefixtures("demo")
    def test_publish_starts_the_deadline_and_the_version_check_holds(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        question = _id(app, SUBMITTED)
        stale = client.post(f"/questions/{question}/publish", data={"seen": "2000-01-01"})
        assert stale.status_code == 303
        with app.app_context():
            found = db.session.get(Question, question)
            assert found is not None
            assert found.state is _Q.SUBMITTED
            seen = found.updated_at.isoformat()
        assert client.post(f"/questions/{question}/publish", data={"seen": seen}).status_code == 302
        with app.app_context():
            found = db.session.get(Question, question)
            assert found is not None
            assert found.state is _Q.POSED
            assert found.due_on is not None
            assert found.due_on >= local_today() + timedelta(days=30)

    @pytest.mark.usefixtures("demo")
    def test_reject_needs_a_reason(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.MODERATOR, None)]))
        question = _id(app, SUBMITTED)
        with app.app_context():
            seen = db.session.get(Question, question).updated_at.isoformat()  # type: ignore[union-attr]
            other = db.session.execute(
                sa.text("SELECT id FROM rejection_reasons WHERE slug = 'other'")
            ).scalar()
        empty = client.post(
            f"/questions/{question}/reject", data={"seen": seen, "reject-reason": ""}
        )
        assert empty.status_code == 422
        no_note = client.post(
            f"/questions/{question}/reject",
            data={"seen": seen, "reject-reason": str(other), "reject-note": " "},
        )
        assert no_note.status_code == 422
        with app.app_context():
            assert db.session.get(Question, question).state is _Q.SUBMITTED  # type: ignore[union-attr]


# --- the municipality ---------------------------------------------------------------------------


class TestOfficials:
    @pytest.mark.usefixtures("demo")
    def test_an_official_of_the_unit_answers(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "UGDP")]))
        question = _id(app, OPEN_RESIDENT)
        empty = client.post(f"/questions/{question}/answer", data={"answer-kind": "full"})
        assert empty.status_code == 422
        done = client.post(
            f"/questions/{question}/answer",
            data={"answer-kind": "full", "answer-text": "Pločnik bo obnovljen maja."},
        )
        assert done.status_code == 302
        with app.app_context():
            found = db.session.get(Question, question)
            assert found is not None
            assert found.state is _Q.ANSWERED
            assert db.session.scalar(
                sa.select(AuditEntry.id).where(
                    AuditEntry.action == "question.answer", AuditEntry.target_id == question
                )
            )

    @pytest.mark.usefixtures("demo")
    def test_an_official_of_another_unit_may_not(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "UF")]))
        question = _id(app, OPEN_RESIDENT)
        response = client.post(
            f"/questions/{question}/answer",
            data={"answer-kind": "full", "answer-text": "Ne."},
        )
        assert response.status_code == 403

    @pytest.mark.usefixtures("demo")
    def test_forwarding_needs_another_unit_and_a_reason(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "UGDP")]))
        question = _id(app, OPEN_RESIDENT)
        with app.app_context():
            units = dict(db.session.execute(sa.text("SELECT code, id FROM org_units")).all())
        missing = client.post(
            f"/questions/{question}/forward", data={"forward-unit": str(units["UOP"])}
        )
        assert missing.status_code == 422
        unknown = client.post(
            f"/questions/{question}/forward",
            data={"forward-unit": "999999", "forward-note": "Ni naše."},
        )
        assert unknown.status_code == 422
        done = client.post(
            f"/questions/{question}/forward",
            data={"forward-unit": str(units["UOP"]), "forward-note": "Pločnike ureja UOP."},
        )
        assert done.status_code == 302
        with app.app_context():
            found = db.session.get(Question, question)
            assert found is not None
            assert found.responsible_unit_id == units["UOP"]
            assert any(e.kind is QuestionEventKind.FORWARDED for e in found.events)

    @pytest.mark.usefixtures("demo")
    @pytest.mark.parametrize(
        ("data", "status"),
        [
            ({"extend-reason": "Razpis."}, 422),  # no date
            ({"extend-to": "2000-01-01", "extend-reason": "Razpis."}, 422),  # earlier
            ({"extend-to": "nope", "extend-reason": "Razpis."}, 422),
            ({"extend-to": "2099-01-01"}, 422),  # no reason
            ({"extend-to": "9999-12-31", "extend-reason": "Nikoli."}, 422),  # beyond any rule
            ({"extend-to": "LATER", "extend-reason": "Razpis traja."}, 302),
        ],
    )
    def test_an_extension_needs_a_later_date_and_a_reason(
        self,
        app: Flask,
        client: FlaskClient,
        make_user: Callable[..., int],
        login: Any,
        data: dict[str, str],
        status: int,
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "UGDP")]))
        question = _id(app, OPEN_RESIDENT)
        later = (local_today() + timedelta(days=200)).isoformat()  # past its due date, in range
        data = {key: later if value == "LATER" else value for key, value in data.items()}
        assert client.post(f"/questions/{question}/extend", data=data).status_code == status
        with app.app_context():
            found = db.session.get(Question, question)
            assert found is not None
            assert (found.extended_to is not None) == (status == 302)

    @pytest.mark.usefixtures("demo")
    def test_a_malformed_case_number_is_refused(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any
    ) -> None:
        login(client, make_user(roles=[(Role.COUNCIL_OFFICE, None)]))
        question = _id(app, OVERDUE)
        bad = client.post(f"/questions/{question}/register", data={"register-case_number": "32/16"})
        assert bad.status_code == 422
        assert "032-11/2016" in bad.get_data(as_text=True)  # the example in the message
        good = client.post(
            f"/questions/{question}/register", data={"register-case_number": " 032-14/2026 "}
        )
        assert good.status_code == 302
        with app.app_context():
            assert db.session.get(Question, question).case_number == "032-14/2026"  # type: ignore[union-attr]


# --- the council's record ----------------------------------------------------------------------


def _record_form(app: Flask, **changes: Any) -> dict[str, Any]:
    with app.app_context():
        petra = db.session.scalar(sa.select(Person.id).where(Person.name == "Petra Novak"))
        session = sorted(
            (
                s
                for s in db.session.scalars(sa.select(CouncilSession))
                if s.held_on <= local_today() and s.kind is SessionKind.REGULAR
            ),
            key=lambda s: s.held_on,
        )[-1]
        unit = db.session.execute(sa.text("SELECT id FROM org_units WHERE code = 'UOP'")).scalar()
    data: dict[str, Any] = {
        "kind": "question",
        "form": "oral",
        "session": str(session.id),
        "title": "Kdaj bodo urejene klopi v parku?",
        "body": "Svetnica sprašuje, kdaj bodo urejene klopi v parku.",
        "authors": [str(petra)],
        "units": [str(unit)],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


class TestRecording:
    def test_a_councillor_records_their_own_question(
        self, app: Flask, client: FlaskClient, councillor: int, login: Any
    ) -> None:
        login(client, councillor)
        assert client.get("/questions/record").status_code == 200
        response = client.post("/questions/record", data=_record_form(app))
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            question = db.session.scalar(
                sa.select(Question).where(Question.title == "Kdaj bodo urejene klopi v parku?")
            )
            assert question is not None
            assert question.state is _Q.ASSIGNED  # addressed to one unit, which answers
            assert question.due_on is not None

    @pytest.mark.parametrize(
        ("changes", "field_message"),
        [
            ({"title": ""}, "zadevo"),
            ({"title": "x" * 251}, "250"),
            ({"body": ""}, "vprašanje"),
            ({"session": ""}, "sejo"),
            ({"form": "written", "received_on": ""}, "prejet"),
            ({"form": "written", "received_on": "2999-01-01", "session": ""}, "prihodnosti"),
            ({"units": []}, "županu"),
            ({"units": ["999999"]}, "Neveljavna"),
            ({"authors": [], "group": ""}, "svetnika"),
            ({"case_number": "032/11-2016"}, "032-11/2016"),
            ({"follow_up_of": "abc"}, ""),
            ({"kind": "rant"}, ""),
        ],
    )
    def test_bad_input_gets_a_message_and_saves_nothing(
        self,
        app: Flask,
        client: FlaskClient,
        councillor: int,
        login: Any,
        changes: dict[str, Any],
        field_message: str,
    ) -> None:
        login(client, councillor)
        before = _count(app, Question)
        response = client.post("/questions/record", data=_record_form(app, **changes))
        assert response.status_code == 422
        assert field_message in response.get_data(as_text=True)
        assert _count(app, Question) == before

    def test_an_oral_question_at_a_session_not_yet_held_is_refused(
        self, app: Flask, client: FlaskClient, councillor: int, login: Any
    ) -> None:
        login(client, councillor)
        with app.app_context():
            future = db.session.scalar(
                sa.select(CouncilSession.id).where(CouncilSession.held_on > local_today())
            )
        before = _count(app, Question)
        response = client.post("/questions/record", data=_record_form(app, session=str(future)))
        assert response.status_code == 422
        assert _count(app, Question) == before

    def test_a_councillor_cannot_record_a_question_of_others(
        self, app: Flask, client: FlaskClient, councillor: int, login: Any
    ) -> None:
        login(client, councillor)
        with app.app_context():
            ana = db.session.scalar(sa.select(Person.id).where(Person.name == "Ana Kovač"))
        before = _count(app, Question)
        response = client.post("/questions/record", data=_record_form(app, authors=[str(ana)]))
        assert response.status_code == 422
        assert _count(app, Question) == before

    def test_a_councillor_edits_only_their_own(
        self, app: Flask, client: FlaskClient, councillor: int, login: Any
    ) -> None:
        login(client, councillor)
        others = _id(app, "Zasaditev dreves ob Savskem otoku")
        assert client.get(f"/questions/{others}/edit").status_code == 403

    def test_a_resident_may_not_record(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any, demo: None
    ) -> None:
        login(client, make_user())
        assert client.get("/questions/record").status_code == 403
        assert client.post("/questions/record", data=_record_form(app)).status_code == 403

    def test_adoption_links_both_and_happens_once(
        self, app: Flask, client: FlaskClient, councillor: int, login: Any
    ) -> None:
        login(client, councillor)
        resident = _id(app, OPEN_RESIDENT)
        form = client.get(f"/questions/record?adopt_question={resident}")
        assert form.status_code == 200
        assert OPEN_RESIDENT in form.get_data(as_text=True)  # prefilled
        data = _record_form(app, title="Pločnik na Koroški", adopt_question=str(resident))
        assert client.post("/questions/record", data=data).status_code == 302
        with app.app_context():
            assert db.session.scalar(
                sa.select(QuestionEvent.id).where(
                    QuestionEvent.question_id == resident,
                    QuestionEvent.kind == QuestionEventKind.ADOPTED,
                )
            )
        again = client.post(
            "/questions/record",
            data=_record_form(app, title="Še enkrat", adopt_question=str(resident)),
        )
        assert again.status_code in (302, 303)
        with app.app_context():
            assert (
                db.session.scalar(
                    sa.select(sa.func.count()).where(Question.adopts_question_id == resident)
                )
                == 1
            )
        assert client.get("/questions/record?adopt_question=abc").status_code == 400
        waiting = _id(app, SUBMITTED)  # not public: as if it did not exist
        assert client.get(f"/questions/record?adopt_question={waiting}").status_code == 404
        assert client.get("/questions/record?adopt_question=99999999").status_code == 404


class TestSessions:
    def test_the_council_office_records_a_session_and_edits_it(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any, demo: None
    ) -> None:
        login(client, make_user(roles=[(Role.COUNCIL_OFFICE, None)]))
        with app.app_context():
            body = db.session.execute(sa.text("SELECT id FROM council_bodies")).scalar()
            term = db.session.execute(
                sa.text("SELECT id FROM council_terms WHERE ends_on IS NULL")
            ).scalar()
        data = {
            "body": str(body), "term": str(term), "kind": "extraordinary", "number": "9",
            "held_on": local_today().isoformat(), "agenda": "Prva točka\n\nDruga točka",
        }  # fmt: skip
        response = client.post("/sessions/new", data=data)
        assert response.status_code == 302
        again = client.post("/sessions/new", data=data)
        assert again.status_code == 422  # the same number twice
        with app.app_context():
            session = db.session.scalar(
                sa.select(CouncilSession).where(
                    CouncilSession.kind == SessionKind.EXTRAORDINARY, CouncilSession.number == 9
                )
            )
            assert session is not None
            assert [item.title for item in session.agenda] == ["Prva točka", "Druga točka"]
            assert db.session.scalar(
                sa.select(AuditEntry.id).where(AuditEntry.action == "session.create")
            )
        edited = dict(data, agenda="Druga točka\nTretja")
        assert client.post(f"/sessions/{session.id}/edit", data=edited).status_code == 302

    @pytest.mark.parametrize(
        "changes",
        [
            {"number": "0"}, {"number": "abc"}, {"number": "99999999999999999999"},
            {"held_on": "1990-01-01"}, {"held_on": "nope"}, {"kind": "secret"},
            {"term": "999999"}, {"agenda": "x" * 301},
        ],
    )  # fmt: skip
    def test_bad_input_is_refused(
        self,
        app: Flask,
        client: FlaskClient,
        make_user: Callable[..., int],
        login: Any,
        demo: None,
        changes: dict[str, str],
    ) -> None:
        login(client, make_user(roles=[(Role.COUNCIL_OFFICE, None)]))
        with app.app_context():
            body = db.session.execute(sa.text("SELECT id FROM council_bodies")).scalar()
            term = db.session.execute(
                sa.text("SELECT id FROM council_terms WHERE ends_on IS NULL")
            ).scalar()
        data = {
            "body": str(body), "term": str(term), "kind": "regular", "number": "40",
            "held_on": local_today().isoformat(),
        }  # fmt: skip
        data.update(changes)
        before = _count(app, CouncilSession)
        assert client.post("/sessions/new", data=data).status_code == 422
        assert _count(app, CouncilSession) == before

    def test_only_the_council_office_records_sessions(
        self, client: FlaskClient, make_user: Callable[..., int], login: Any, demo: None
    ) -> None:
        login(client, make_user(roles=[(Role.OFFICIAL, "KZ")]))
        assert client.get("/sessions/new").status_code == 403
        assert client.post("/sessions/new", data={}).status_code == 403


class TestDeadlineAdministration:
    def test_a_new_work_free_day_moves_the_due_dates_it_falls_on(
        self, app: Flask, client: FlaskClient, make_user: Callable[..., int], login: Any, demo: None
    ) -> None:
        login(client, make_user(roles=[(Role.ADMINISTRATOR, None)]))
        assert client.get("/admin/deadlines").status_code == 200
        question = _id(app, OPEN_RESIDENT)
        with app.app_context():
            due_on = db.session.get(Question, question).due_on  # type: ignore[union-attr]
        assert due_on is not None
        response = client.post(
            "/admin/work-free-days", data={"day-on": due_on.isoformat(), "day-name": "Dan MOK"}
        )
        assert response.status_code == 302
        with app.app_context():
            moved = db.session.get(Question, question)
            assert moved is not None
            assert moved.due_on is not None
            assert moved.due_on > due_on
            assert any(e.kind is QuestionEventKind.DUE_RECOMPUTED for e in moved.events)
        twice = client.post(
            "/admin/work-free-days", data={"day-on": due_on.isoformat(), "day-name": "Dan MOK"}
        )
        assert twice.status_code == 422

    def test_deadlines_are_for_administrators(
        self, client: FlaskClient, make_user: Callable[..., int], login: Any, demo: None
    ) -> None:
        login(client, make_user(roles=[(Role.COUNCIL_OFFICE, None)]))
        assert client.get("/admin/deadlines").status_code == 403


class TestOrder:
    @pytest.mark.usefixtures("demo")
    def test_due_soonest_puts_the_longest_overdue_first_and_the_closed_after(
        self, app: Flask, client: FlaskClient
    ) -> None:
        with app.app_context():
            questions = db.session.scalars(
                sa.select(Question).where(Question.published_at.is_not(None))
            ).all()
            listed = [q for q in questions if q.state not in (_Q.REJECTED,)]
            listed = [q for q in listed if not (q.state is _Q.WITHDRAWN and not q.published_at)]
            open_ones = sorted(
                (q for q in listed if q.is_open and q.effective_due_on),
                key=lambda q: (q.effective_due_on, -q.published_at.timestamp(), -q.id),
            )
            expected_first = [q.title for q in open_ones[:3]]
        text = client.get("/questions/?sort=due").get_data(as_text=True)
        places = [text.index(title) for title in expected_first]
        assert places == sorted(places)
        # The answered sample comes after every open question.
        assert text.index(SAMPLE) > max(places)

    @pytest.mark.usefixtures("demo")
    def test_newest_first_and_pages_do_not_repeat(self, app: Flask, client: FlaskClient) -> None:
        first = client.get("/questions/").get_data(as_text=True)
        assert first.index(OPEN_RESIDENT) < first.index(SAMPLE)  # published 2026, not 2016
        assert client.get("/questions/?page=2").status_code == 404  # 18 public: one page
