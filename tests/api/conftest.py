"""Fixtures of the API's tests: ``api``, a test client through which every request is checked
against the OpenAPI document, and the data of ``tests/feeds`` and ``tests/questions``.

Every request a test sends through ``api`` is validated with openapi-core: the request (a
request the document refuses must be refused by the server, with a 4xx problem), the
response (status, headers that are required, the body against its schema). A path or method
the document does not have must be answered with a problem that fits its schema. So no test
can forget to check the contract, and the document cannot drift from the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import TestResponse

from app.api import openapi
from tests.conftest import SeedOnce
from tests.feeds.conftest import make_initiative  # noqa: F401 (fixtures, found by name)
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    account,
    council,
    make_councillor,
    make_question,
    people,
    reference,
)
from tests.replies.conftest import letters, upload_folder  # noqa: F401 (fixtures)

PROBLEM = "application/problem+json"


def document(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return openapi.document()


@pytest.fixture(scope="session")
def spec(app: Flask) -> OpenAPI:
    # Problem details are JSON too: openapi-core must read them to check them against Problem.
    config = Config(extra_media_type_deserializers={PROBLEM: json.loads})
    return OpenAPI.from_dict(document(app), config=config)


@dataclass
class Api:
    """A test client whose every exchange is checked against the OpenAPI document."""

    client: FlaskClient
    spec: OpenAPI
    document: dict[str, Any]
    #: The documented (path template, method) pairs this client has exercised.
    seen: set[tuple[str, str]] = field(default_factory=set)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("OPTIONS", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.open(path, method=method, **kwargs)
        self.check(response)
        return response

    def check(self, response: TestResponse) -> None:
        request = WerkzeugOpenAPIRequest(response.request)
        method = response.request.method.lower()
        template = documented(self.document, response.request.path, method)
        if template is None:
            # Not in the document: only ever a 404 (no such path) or 405 (no such method).
            assert response.status_code in (404, 405), (response.request.path, response.status)
            self.check_problem(response)
            return
        self.seen.add((template, method))
        refused = list(self.spec.iter_request_errors(request))
        if refused:
            # What the document refuses, the server must refuse too, in its words.
            assert 400 <= response.status_code < 500, (response.request.url, refused)
            self.check_problem(response)
        self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))
        if response.status_code >= 400:
            self.check_problem(response)

    def check_problem(self, response: TestResponse) -> None:
        assert response.mimetype == PROBLEM, response.headers
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_json(force=True)
        jsonschema.validate(body, self.document["components"]["schemas"]["Problem"])
        assert body["status"] == response.status_code


PREFIX = "/api/v1"


def documented(document: dict[str, Any], path: str, method: str) -> str | None:
    """The document's path template that ``path`` and ``method`` match, if any."""
    if not path.startswith(PREFIX):
        return None
    relative = path.removeprefix(PREFIX) or "/"
    for template, item in document["paths"].items():
        pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, relative) and method in item:
            return str(template)
    return None


@pytest.fixture
def api(app: Flask, spec: OpenAPI) -> Api:
    """The test client of the API; every exchange checked against the document (``Api``)."""
    return Api(app.test_client(), spec, document(app))


@pytest.fixture
def api_for(spec: OpenAPI) -> Callable[[Flask], Api]:
    """``api_for(other_app)``: the same checks for an app made by ``app_for``."""

    def _make(other: Flask) -> Api:
        return Api(other.test_client(), spec, document(other))

    return _make


def walk(api: Api, path: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a list, following ``next`` links page by page."""
    url: str | None = path
    while url is not None:
        response = api.get(url, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        yield from body["items"]
        url = body["links"]["next"]


@dataclass(frozen=True)
class Dataset:
    """Ids of public items of every resource, and texts that must never leave the API."""

    initiatives: list[int]
    rejected_initiative: int
    hidden_initiatives: list[int]
    questions: list[int]
    rejected_question: int
    hidden_questions: list[int]
    replies: list[int]
    hidden_replies: list[int]
    sessions: list[int]
    councillors: list[int]
    #: Texts and values that are not public: none may appear in any response of the API.
    secrets: list[str]
    projects: list[int]
    #: Commitments of the published letter (public) and of one in review (not public).
    commitments: list[int]
    hidden_commitments: list[int]


SECRET_EMAIL = "skrivni.naslov@example.org"


@pytest.fixture
def dataset(
    app: Flask,
    people: Any,  # noqa: F811
    council: Any,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    make_question: Callable[..., int],  # noqa: F811
    letters: Any,  # noqa: F811
    seed_once: SeedOnce,
) -> Dataset:
    """Public and non-public items of every resource, with private texts in the hidden ones
    and e-mail addresses on every account (``Dataset.secrets``)."""
    return seed_once(
        "api.dataset",
        lambda: _dataset(app, people, council, make_initiative, make_question, letters),
        counters=[(letters, "cases")],
    )


def _dataset(
    app: Flask,
    people: Any,  # noqa: F811
    council: Any,  # noqa: F811
    make_initiative: Callable[..., int],  # noqa: F811
    make_question: Callable[..., int],  # noqa: F811
    letters: Any,  # noqa: F811
) -> Dataset:
    import sqlalchemy as sa

    from app.auth.models import User
    from app.extensions import db
    from app.questions.models import Origin, QuestionState

    secrets = [SECRET_EMAIL]
    draft = make_initiative("draft", title="Osnutek: SKRIVNI-OSNUTEK-1", body="SKRIVNO-BESEDILO-1")
    submitted = make_initiative(
        "submitted", title="Čaka: SKRIVNI-OSNUTEK-2", body="SKRIVNO-BESEDILO-2"
    )
    rejected = make_initiative("rejected", title="Zavrnjena pobuda", body="SKRIVNO-BESEDILO-3")
    secrets += ["SKRIVNI-OSNUTEK-1", "SKRIVNI-OSNUTEK-2", "SKRIVNO-BESEDILO-"]
    initiatives = [
        make_initiative("published", title="Klopi v parku"),
        make_initiative("answered", title="Kolesarska steza"),
        make_initiative("progress", title="Javna razsvetljava"),
    ]
    q_submitted = make_question(
        Origin.RESIDENT, QuestionState.SUBMITTED, title="SKRIVNO-VPRASANJE-1", body="SKRITO-1"
    )
    q_withdrawn = make_question(
        Origin.RESIDENT,
        QuestionState.WITHDRAWN,
        published=False,
        title="SKRIVNO-VPRASANJE-2",
        body="SKRITO-2",
    )
    q_rejected = make_question(
        Origin.RESIDENT, QuestionState.REJECTED, title="Zavrnjeno vprašanje", body="SKRITO-3"
    )
    secrets += ["SKRIVNO-VPRASANJE-", "SKRITO-"]
    questions = [
        make_question(Origin.RESIDENT, QuestionState.POSED, title="Pločnik na Koroški"),
        make_question(Origin.RESIDENT, QuestionState.ANSWERED, title="Urnik avtobusov"),
        make_question(Origin.COUNCILLOR, QuestionState.ASSIGNED, title="Projekti e-demokracije"),
        make_question(Origin.COUNCILLOR, QuestionState.LAPSED, title="Stari projekt"),
    ]
    with app.app_context():
        published = letters.create(summary="Objavljeno pismo.")
        letters.advance(published, "published")
        in_review = letters.create(summary="SKRIVNO-PISMO-1", subject="SKRIVNA-ZADEVA-1")
        letters.advance(in_review, "in_review")
        draft_letter = letters.create(summary="SKRIVNO-PISMO-2", subject="SKRIVNA-ZADEVA-2")
        db.session.flush()
        secrets += ["SKRIVNO-PISMO-", "SKRIVNA-ZADEVA-"]
        replies = [published.id]
        hidden_replies = [in_review.id, draft_letter.id]
        # Every account has an address and a key: none may appear anywhere.
        for user in db.session.scalars(sa.select(User)):
            user.email = f"oseba{user.id}.{SECRET_EMAIL}"
            secrets.append(user.subject_key)
        projects, commitments, hidden_commitments = _projects(initiatives[1], published, in_review)
        secrets += ["SKRIVNA-ZAVEZA-"]
        db.session.commit()
    return Dataset(
        initiatives=initiatives,
        rejected_initiative=rejected,
        hidden_initiatives=[draft, submitted],
        questions=questions,
        rejected_question=q_rejected,
        hidden_questions=[q_submitted, q_withdrawn],
        replies=replies,
        hidden_replies=hidden_replies,
        sessions=[council.held_session_id, council.future_session_id, council.session_2016_id],
        councillors=[people.councillor_person, people.other_councillor_person],
        secrets=secrets,
        projects=projects,
        commitments=commitments,
        hidden_commitments=hidden_commitments,
    )


def _projects(initiative_id: int, published: Any, in_review: Any) -> tuple[list[int], ...]:
    """Two projects (one red, linked to an initiative and the published letter, with years,
    a milestone and a delay on its timeline), a commitment of the published letter and one
    of a letter still in review, whose text must never leave the API."""
    from datetime import date

    import sqlalchemy as sa

    from app.extensions import db
    from app.org.models import OrgUnit
    from app.projects import services
    from app.projects.models import Light, LinkRelation, LinkTarget
    from app.reference.models import Topic

    unit = db.session.scalar(sa.select(OrgUnit.id).order_by(OrgUnit.id))
    topic = db.session.scalar(sa.select(Topic.id).filter_by(slug="promet"))
    with services.as_the_system():
        lit = services.create(
            None,
            "OB-2026-014",
            services.Details("Osvetljen prehod", "Prehod pri šoli.", "Opis.", unit, topic, None,
                             "Šolska ulica"),
            starts_on=date(2026, 1, 10),
            ends_on=date(2026, 9, 1),
            years=[services.YearMoney(2026, 6_800_000, 120_000)],
        )  # fmt: skip
        services.add_milestone(None, lit, title="Izbira izvajalca", planned_on=date(2026, 3, 1))
        services.update_schedule(
            None, lit, starts_on=lit.starts_on, ends_on=date(2026, 10, 1), reason="Dobava zamuja."
        )
        services.update_status(None, lit, light=Light.RED, progress=20, reason="Pritožba.")
        services.link(None, lit, LinkTarget.INITIATIVE, initiative_id, LinkRelation.LED_TO)
        services.link(None, lit, LinkTarget.REPLY, published.id, LinkRelation.SPEAKS_OF)
        bench = services.create(
            None,
            "OB-2025-002",
            services.Details("Klop na postaji", "Klop.", "", unit, topic, None, None),
            starts_on=date(2025, 5, 1),
            ends_on=date(2025, 6, 1),
            light=Light.DONE,
            progress=100,
        )
        kept = services.record_commitment(
            None,
            published,
            text="Prehod bo osvetljen pred začetkom šolskega leta.",
            owner_unit_id=unit,
            due_on=max(published.letter_date, date(2026, 9, 1)),
            project_id=lit.id,
        )
        hidden = services.record_commitment(
            None,
            in_review,
            text="SKRIVNA-ZAVEZA-1: še ni javna.",
            owner_unit_id=unit,
            due_on=max(in_review.letter_date, date(2027, 1, 1)),
            project_id=lit.id,
        )
    return [lit.id, bench.id], [kept.id], [hidden.id]


@pytest.fixture
def publish_initiatives(app: Flask, reference: Any, people: Any) -> Callable[[int], list[int]]:  # noqa: F811
    """``publish_initiatives(n)``: n initiatives published now, as moderation publishes them
    (the state, the moment and the deadline set as ``services.publish`` sets them); their ids."""
    from datetime import timedelta

    import sqlalchemy as sa

    from app.core.time import utcnow
    from app.extensions import db
    from app.initiatives.models import Initiative, InitiativeState
    from app.reference.models import Topic

    def _publish(n: int) -> list[int]:
        with app.app_context():
            topic_id = db.session.scalar(sa.select(Topic.id).filter_by(slug="promet"))
            now = utcnow()
            made = [
                Initiative(
                    title=f"Pobuda {index}",
                    summary="Povzetek.",
                    body="Besedilo.",
                    body_html="<p>Besedilo.</p>",
                    topic_id=topic_id,
                    author_id=people.resident,
                    state=InitiativeState.PUBLISHED,
                    threshold=100,
                    submitted_at=now,
                    published_at=now,
                    support_closes_at=now + timedelta(days=30),
                )
                for index in range(n)
            ]
            db.session.add_all(made)
            db.session.commit()
            return [item.id for item in made]

    return _publish
