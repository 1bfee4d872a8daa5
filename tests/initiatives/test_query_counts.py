"""How many SQL statements the pages of initiatives cost, whatever the number of items.

Each page is counted with one item and with many (more than a page of them), anonymous and
signed in. The bounds are today's counts, exactly: a change that adds a query fails here and
prints the statements; one that saves a query lowers the bound. A count that grows with the
items is an N+1 query, to be fixed, never a reason to raise a bound.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import attachments, services
from app.initiatives.models import (
    EventKind,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    ResponseKind,
)
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity
from tests.conftest import Queries, made_afresh

_S = InitiativeState
#: More than a page of the list (20), so that paging, not the data, limits what is shown.
MANY = 25

CountQueries = Callable[[], AbstractContextManager[Queries]]


def measure(
    client: FlaskClient, count_queries: CountQueries, path: str, status: int = 200
) -> Queries:
    """The statements of one request, after a first one that may fill per-process caches.

    What is counted is a page made, not one served from the cache of anonymous pages (which
    costs none: ``test_a_cached_page_costs_no_statement``), so that cache is emptied first.
    """
    assert client.get(path).status_code == status
    with made_afresh(client.application), count_queries() as queries:
        assert client.get(path).status_code == status
    return queries


@pytest.fixture(params=["anonymous", "resident"])
def visitor(
    request: pytest.FixtureRequest, client: FlaskClient, make_user: Callable[..., int], login
) -> str:
    """The page seen by a visitor, and by a signed-in resident (who costs a few queries)."""
    if request.param == "resident":
        login(client, make_user())
    return str(request.param)


# --- the list -------------------------------------------------------------------------------

#: Path -> statements for (anonymous, resident). The list is the total and the page of items
#: (topic and community joined in); the topics and communities of the filters (and a slug in
#: the URL) come from the process's copy (``queries._reference``). Anonymous, where what the
#: list holds changes with the clock (open, closing soon): the next deadline, which bounds how
#: long the page may be cached. Signed in: the session with its account, and its roles.
LIST_BOUNDS = {
    "/initiatives/": (2, 4),
    "/initiatives/?sort=supported": (2, 4),
    "/initiatives/?sort=closing": (3, 4),
    "/initiatives/?state=open": (3, 4),
    "/initiatives/?state=open&topic=promet&community=center&sort=supported": (3, 4),
    "/initiatives/?q=prehod": (2, 4),
    "/initiatives/?q=prehod&sort=newest": (2, 4),
}


def _community_id(app: Flask, slug: str = "center") -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(LocalCommunity.id).filter_by(slug=slug))
        assert found is not None
        return found


@pytest.mark.parametrize(("path", "bounds"), LIST_BOUNDS.items(), ids=list(LIST_BOUNDS))
def test_the_list_costs_the_same_for_one_initiative_and_many(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    visitor: str,
    path: str,
    bounds: tuple[int, int],
) -> None:
    bound = bounds[visitor == "resident"]
    community = _community_id(app)
    make_initiative(supporters=1, community_id=community)
    measure(client, count_queries, path).expect(bound)
    for n in range(MANY):
        make_initiative(
            title=f"Varen prehod za pešce {n}", supporters=n % 2, community_id=community
        )
    measure(client, count_queries, path).expect(bound)


def test_a_later_page_of_the_list_costs_the_same(
    client: FlaskClient, count_queries: CountQueries, make_initiative: Callable[..., int]
) -> None:
    for n in range(21):
        make_initiative(title=f"Pobuda {n}")
    measure(client, count_queries, "/initiatives/?page=2").expect(2)
    for n in range(MANY):
        make_initiative(title=f"Še ena {n}")
    measure(client, count_queries, "/initiatives/?page=2").expect(2)


# --- the home page --------------------------------------------------------------------------


def _answered(make_initiative: Callable[..., int], title: str) -> int:
    return make_initiative(
        _S.ANSWERED,
        title=title,
        response_kind=ResponseKind.ACCEPTED,
        response_text="Sprejeto.",
        response_html="<p>Sprejeto.</p>",
        answered_at=utcnow(),
    )


# The total and 3 open ones; 3 answered ones; anonymous: the next deadline (see LIST_BOUNDS).
@pytest.mark.parametrize("bounds", [(4, 5)])
def test_the_home_page_costs_the_same_for_one_initiative_and_many(
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    visitor: str,
    bounds: tuple[int, int],
) -> None:
    bound = bounds[visitor == "resident"]
    make_initiative(supporters=1)
    _answered(make_initiative, "Odgovorjena")
    measure(client, count_queries, "/").expect(bound)
    for n in range(MANY):
        make_initiative(title=f"Odprta {n}", supporters=n % 2)
        _answered(make_initiative, f"Odgovorjena {n}")
    measure(client, count_queries, "/").expect(bound)


# --- an initiative's page -------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _add_attachments(app: Flask, initiative_id: int, count: int) -> None:
    """Pictures through the real service (it only takes them on a draft), then publish."""
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        state = initiative.state
        initiative.state = _S.DRAFT
        for n in range(count):
            upload = FileStorage(io.BytesIO(_png()), f"slika-{n}.png", content_type="image/png")
            attachments.add(initiative.author, initiative, upload=upload, description=f"Slika {n}")
        initiative.state = state
        db.session.commit()


def _add_supporters_and_events(
    app: Flask, initiative_id: int, supporters: list[int], events: int
) -> None:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        for user_id in supporters:
            services.support(db.session.get(User, user_id), initiative)  # type: ignore[arg-type]
        for n in range(events):
            initiative.events.append(
                InitiativeEvent(kind=EventKind.PROGRESS, note=f"Korak {n}.", data={})
            )
        db.session.commit()


@pytest.fixture
def upload_folder(app: Flask, tmp_path: Path) -> Iterator[None]:
    """Pictures go to a folder of this test."""
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_FOLDER"] = saved


@pytest.mark.usefixtures("upload_folder")
# The initiative, its topic, author, events and attachments (each loaded once, as a whole).
# The moderators' and officials' forms (their reasons and units) only for those who see them.
# Whether a councillor took it up (app.questions.services.adopted_by), and the public reply
# letters that answer it (app.replies.queries.published_for_initiative).
# Signed in: the session with its account, its roles, and whether it supports the initiative.
# The follow button: how many follow, and whether the visitor does, in one (app.follows).
# The projects it led to, with their lights (app.projects.queries.projects_of).
@pytest.mark.parametrize("bounds", [(9, 12)])
def test_an_initiatives_page_costs_the_same_with_many_supporters_events_and_attachments(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    visitor: str,
    bounds: tuple[int, int],
) -> None:
    bound = bounds[visitor == "resident"]
    item = make_initiative(supporters=1)
    _add_supporters_and_events(app, item, [], events=1)
    _add_attachments(app, item, 1)
    path = f"/initiatives/{item}"
    measure(client, count_queries, path).expect(bound)
    limit = app.config["ATTACHMENTS_PER_INITIATIVE"]
    _add_supporters_and_events(app, item, [make_user() for _ in range(40)], events=30)
    _add_attachments(app, item, limit - 1)
    with app.app_context():
        grown = db.session.get(Initiative, item)
        assert grown is not None
        assert grown.support_count == 41
        assert len(grown.events) >= 31
        assert len(grown.attachments) == limit
    measure(client, count_queries, path).expect(bound)


# --- the moderation queue -------------------------------------------------------------------


def _awaiting(app: Flask, make_initiative: Callable[..., int], title: str) -> int:
    with app.app_context():
        unit_id = db.session.scalar(sa.select(OrgUnit.id).filter_by(code="UGDP"))
    return make_initiative(
        _S.AWAITING_RESPONSE,
        title=title,
        threshold_reached_at=utcnow(),
        response_due_at=utcnow() + timedelta(days=30),
        responsible_unit_id=unit_id,
    )


def test_the_moderation_queue_costs_the_same_for_one_item_and_many(
    app: Flask,
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login,
) -> None:
    login(client, make_user(roles=[(Role.MODERATOR, None), (Role.OFFICIAL, "UGDP")]))
    make_initiative(_S.SUBMITTED, title="V moderaciji")
    _awaiting(app, make_initiative, "Čaka odgovor")
    # The session with its account, its roles; the queue, and those awaiting a response.
    measure(client, count_queries, "/moderation/").expect(5)
    for n in range(MANY):
        make_initiative(_S.SUBMITTED, title=f"V moderaciji {n}")
        _awaiting(app, make_initiative, f"Čaka odgovor {n}")
    measure(client, count_queries, "/moderation/").expect(5)


# --- the cache of anonymous pages -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/initiatives/", "/initiatives/?q=prehod", "initiative"])
def test_a_cached_page_costs_no_statement(
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    path: str,
) -> None:
    initiative_id = make_initiative(supporters=1)
    if path == "initiative":
        path = f"/initiatives/{initiative_id}"
    assert client.get(path).status_code == 200
    with count_queries() as queries:
        response = client.get(path)
    assert response.headers.get("X-Glas-Cache") == "hit"
    queries.expect(0)


# --- supporting -----------------------------------------------------------------------------


def _post(client: FlaskClient, count_queries: CountQueries, path: str) -> Queries:
    with count_queries() as queries:
        assert client.post(path).status_code == 302
    return queries


# The session with its account, and the initiative; then the INSERT … ON CONFLICT (which also
# checks for a deleted account of the same person) and the UPDATE … RETURNING of the counter
# and the state. No SAVEPOINT, no settings (the process's copy), no reload for the redirect. It
# was 12, and a SAVEPOINT and its RELEASE besides, before issue 8. Then the automatic follow
# of what one supports: one INSERT … ON CONFLICT DO NOTHING (issue 11).
SUPPORT_BOUND = 5
#: A second support by the same resident: the INSERT returns no row and nothing else is sent.
DUPLICATE_BOUND = 3
#: The support that reaches the threshold also writes the timeline's step, its event and the
#: audit entry.
REACHING_BOUND = 8
#: The session with its account, the initiative, the DELETE and the UPDATE … RETURNING (was 7).
#: And the automatic follow the support made, if it is still there (issue 11).
WITHDRAWAL_BOUND = 5


def test_a_support_costs_the_same_with_few_supporters_and_many(
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login,
) -> None:
    for supporters in (0, MANY):
        item = make_initiative(supporters=supporters)
        login(client, make_user())
        path = f"/initiatives/{item}"
        client.get(path)  # the session's activity is recorded here, once a minute
        _post(client, count_queries, f"{path}/support").expect(SUPPORT_BOUND)
        _post(client, count_queries, f"{path}/support").expect(DUPLICATE_BOUND)
        _post(client, count_queries, f"{path}/support/withdraw").expect(WITHDRAWAL_BOUND)


def test_the_support_that_reaches_the_threshold(
    client: FlaskClient,
    count_queries: CountQueries,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login,
) -> None:
    item = make_initiative(supporters=2, threshold=3)
    login(client, make_user())
    client.get(f"/initiatives/{item}")
    _post(client, count_queries, f"/initiatives/{item}/support").expect(REACHING_BOUND)
