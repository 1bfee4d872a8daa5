"""The cache of anonymous pages (app/core/pagecache.py), in the process and in a real Redis.

Every test runs on both backends. A page served from the cache says so (``X-Glas-Cache: hit``);
what matters is that no visitor ever sees a count, a state or a name that a committed write or
the clock has changed, and that nothing personal is ever shared.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core import pagecache
from app.core.time import utcnow
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeState
from app.reference.models import Topic

HIT = "X-Glas-Cache"


@pytest.fixture(params=["process", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def cached_app(
    backend: str, app_for: Callable[..., Flask], request: pytest.FixtureRequest
) -> Callable[..., Flask]:
    """Apps with the page cache on, in the process or sharing one real Redis."""
    settings: dict[str, Any] = {"PAGE_CACHE_SECONDS": 300}
    if backend == "redis":
        server = request.getfixturevalue("redis_server")
        server.client().flushall()
        settings["CACHE_REDIS_URL"] = server.url

    def _make(**overrides: Any) -> Flask:
        return app_for(**{**settings, **overrides})

    return _make


@pytest.fixture
def site(cached_app: Callable[..., Flask]) -> Flask:
    return cached_app()


@pytest.fixture
def visitor(site: Flask) -> FlaskClient:
    return site.test_client()


def _hit(response: Any) -> bool:
    return response.headers.get(HIT) == "hit"


def _support(site: Flask, login: Callable[..., None], user_id: int, initiative_id: int) -> None:
    resident = site.test_client()
    login(resident, user_id)
    response = resident.post(f"/initiatives/{initiative_id}/support")
    assert response.status_code == 302, response.data


def test_a_page_is_made_once_then_served_from_the_cache(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative(title="Klopi ob Savi")
    first = visitor.get("/initiatives/")
    second = visitor.get("/initiatives/")
    assert first.status_code == second.status_code == 200
    assert not _hit(first)
    assert _hit(second)
    assert second.data == first.data
    assert "Klopi ob Savi" in second.get_data(as_text=True)
    for response in (first, second):
        assert response.headers["Cache-Control"] == "public, no-cache"
        assert response.headers["ETag"]
        assert "Cookie" in response.headers["Vary"]
        assert "Set-Cookie" not in response.headers
        assert response.headers["Content-Security-Policy"]
    assert second.headers["ETag"] == first.headers["ETag"]


def test_a_matching_etag_gets_304_without_a_body(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative()
    for path in ("/", "/initiatives/", f"/initiatives/{initiative_id}"):
        etag = visitor.get(path).headers["ETag"]
        again = visitor.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b""
        assert again.headers["ETag"] == etag
        other = visitor.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200


def test_a_support_shows_at_once_on_its_page_the_lists_and_home(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    supported = make_initiative(title="Pitnik na Glavnem trgu", supporters=2)
    untouched = make_initiative(title="Kolesarnica pri postaji")
    pages = [f"/initiatives/{supported}", "/initiatives/", "/initiatives/?sort=supported", "/"]
    for path in [*pages, f"/initiatives/{untouched}"]:
        visitor.get(path)
        assert _hit(visitor.get(path)), path

    _support(site, login, make_user(), supported)

    for path in pages:
        response = visitor.get(path)
        assert not _hit(response), f"{path} still served from the cache after a support"
        assert 'value="3"' in response.get_data(as_text=True), path
    # Exactly what changed: another initiative's page stays cached.
    assert _hit(visitor.get(f"/initiatives/{untouched}"))


def test_a_withdrawn_support_and_a_state_change_invalidate(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    initiative_id = make_initiative()
    resident_id = make_user()
    _support(site, login, resident_id, initiative_id)
    path = f"/initiatives/{initiative_id}"
    visitor.get(path)
    assert _hit(visitor.get(path))
    resident = site.test_client()
    login(resident, resident_id)
    assert resident.post(f"/initiatives/{initiative_id}/support/withdraw").status_code == 302
    assert not _hit(visitor.get(path))

    assert _hit(visitor.get(path))
    with site.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        initiative.state = InitiativeState.WITHDRAWN
        initiative.closed_at = utcnow()
        db.session.commit()
    response = visitor.get(path)
    assert not _hit(response)
    assert "umaknjen" in response.get_data(as_text=True).lower()


def test_a_write_rolled_back_invalidates_nothing_it_did_not_change(
    site: Flask, visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    visitor.get(path)
    with site.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        initiative.title = "Ne bo shranjeno"
        db.session.flush()
        db.session.rollback()
    response = visitor.get(path)
    assert _hit(response)
    assert "Ne bo shranjeno" not in response.get_data(as_text=True)


def test_reference_data_invalidates_every_page_and_a_bulk_update_every_initiatives(
    site: Flask, visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative()
    paths = ["/", "/initiatives/", f"/initiatives/{initiative_id}", "/about"]
    for path in paths:
        visitor.get(path)
    with site.app_context():
        topic = db.session.scalar(sa.select(Topic).filter_by(slug="promet"))
        assert topic is not None
        topic.name_sl = "Promet in parkiranje"
        db.session.commit()
    for path in paths:
        assert not _hit(visitor.get(path)), path
    assert "Promet in parkiranje" in visitor.get("/initiatives/").get_data(as_text=True)

    for path in paths:
        assert _hit(visitor.get(path))
    with site.app_context():
        # A bulk UPDATE names no row the flush could see: it touches every initiative page.
        db.session.execute(
            sa.update(Initiative)
            .where(Initiative.id == initiative_id)
            .values(title="Spremenjeno v enem stavku")
        )
        db.session.commit()
    assert "Spremenjeno v enem stavku" in visitor.get(f"/initiatives/{initiative_id}").get_data(
        as_text=True
    )
    assert not _hit(visitor.get("/initiatives/"))


def test_a_signed_in_visitor_never_reads_nor_writes_the_cache(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    resident = site.test_client()
    login(resident, make_user(pseudonym="Zasebna Oseba"))
    mine = resident.get(path)
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert not _hit(mine)
    # What the resident saw was not stored for anyone else.
    first = visitor.get(path)
    assert not _hit(first)
    assert "Zasebna Oseba" not in first.get_data(as_text=True)
    assert _hit(visitor.get(path))
    # And a cached page is not served to the resident.
    again = resident.get(path)
    assert not _hit(again)
    assert "Zasebna Oseba" in again.get_data(as_text=True)


def test_a_stale_session_cookie_is_not_served_the_cache(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    visitor.get("/initiatives/")
    assert _hit(visitor.get("/initiatives/"))
    stranger = visitor.application.test_client()
    stranger.set_cookie("glas_session", "forged-or-expired")
    response = stranger.get("/initiatives/")
    assert response.status_code == 200
    assert not _hit(response)


def test_each_language_has_its_own_entry(
    visitor: FlaskClient, make_initiative: Callable[..., int], in_english: Callable[..., None]
) -> None:
    make_initiative()
    slovenian = visitor.get("/initiatives/")
    english_visitor = visitor.application.test_client()
    in_english(english_visitor)
    english = english_visitor.get("/initiatives/")
    assert not _hit(english)
    assert english.data != slovenian.data
    assert 'lang="en"' in english.get_data(as_text=True)
    assert 'lang="sl"' in visitor.get("/initiatives/").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "?utm_source=newsletter",  # a parameter the page does not read
        "?state=open&state=answered",  # a parameter twice
        "?q=" + "a" * (pagecache.FREE_VALUE_MAX + 1),  # free text too long to keep
    ],
)
def test_what_is_not_cached(
    visitor: FlaskClient, make_initiative: Callable[..., int], query: str
) -> None:
    make_initiative()
    visitor.get("/initiatives/" + query)
    response = visitor.get("/initiatives/" + query)
    assert response.status_code in (200, 400)
    assert not _hit(response)


def test_error_pages_and_redirects_are_not_cached(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative(state=InitiativeState.DRAFT)
    published = make_initiative(title="Objavljena")
    for path in (
        f"/initiatives/{initiative_id}",
        f"/initiatives/{published}-napacen-naslov",  # a redirect to the one address
        "/initiatives/?state=nonsense",
        "/initiatives/?page=999",
    ):
        visitor.get(path)
        assert not _hit(visitor.get(path)), path


def test_searches_cannot_fill_the_cache(
    cached_app: Callable[..., Flask], make_initiative: Callable[..., int]
) -> None:
    make_initiative(title="Prehod pri šoli")
    visitor = cached_app(PAGE_CACHE_FREE_ENTRIES=3).test_client()
    words = ["prehod", "šoli", "pri", "varen", "otroci"]
    for word in words:
        visitor.get(f"/initiatives/?q={word}")
    kept = [_hit(visitor.get(f"/initiatives/?q={word}")) for word in words]
    assert kept == [True, True, True, False, False]
    # The pages without typed text are not limited by it.
    visitor.get("/initiatives/?sort=supported")
    assert _hit(visitor.get("/initiatives/?sort=supported"))


def test_an_entry_does_not_outlive_the_close_of_support(
    site: Flask, visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative()
    with site.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        initiative.support_closes_at = utcnow() + timedelta(seconds=2.5)
        db.session.commit()
    path = f"/initiatives/{initiative_id}"
    open_page = visitor.get(path).get_data(as_text=True)
    assert "Za podporo se prijavite" in open_page
    assert _hit(visitor.get(path))
    for listed in ("/initiatives/?state=open", "/initiatives/"):
        visitor.get(listed)
        assert _hit(visitor.get(listed))
    time.sleep(3)
    closed = visitor.get(path)
    assert not _hit(closed)
    assert "Za podporo se prijavite" not in closed.get_data(as_text=True)
    # The lists' entries were bounded by the same deadline: the list of open ones by the next
    # deadline of any (queries.next_deadline), the whole list by those of its cards.
    for listed in ("/initiatives/?state=open", "/initiatives/"):
        assert not _hit(visitor.get(listed)), listed


def test_a_wrong_slug_redirects_to_the_one_address(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    initiative_id = make_initiative(title="Varen prehod")
    response = visitor.get(f"/initiatives/{initiative_id}-kar-koli")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/initiatives/{initiative_id}-varen-prehod")
    assert visitor.get(f"/initiatives/{initiative_id}-varen-prehod").status_code == 200
    assert visitor.get(f"/initiatives/{initiative_id}").status_code == 200


def test_head_requests_are_answered_from_the_cache(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    visitor.get("/initiatives/")
    head = visitor.head("/initiatives/")
    assert head.status_code == 200
    assert _hit(head)
    assert head.data == b""


def test_a_new_release_does_not_serve_the_old_pages(
    cached_app: Callable[..., Flask], make_initiative: Callable[..., int], backend: str
) -> None:
    make_initiative()
    old = cached_app(RELEASE="old").test_client()
    old.get("/initiatives/")
    assert _hit(old.get("/initiatives/"))
    new = cached_app(RELEASE="new").test_client()
    assert not _hit(new.get("/initiatives/"))


def test_servers_sharing_redis_invalidate_each_other(
    app_for: Callable[..., Flask],
    redis_server: Any,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    redis_server.client().flushall()
    one, two = (
        app_for(PAGE_CACHE_SECONDS=300, CACHE_REDIS_URL=redis_server.url, RELEASE="same")
        for _ in range(2)
    )
    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    one.test_client().get(path)
    # The other server finds the page the first one made.
    assert _hit(two.test_client().get(path))
    _support(one, login, make_user(), initiative_id)
    response = two.test_client().get(path)
    assert not _hit(response)


def test_without_redis_pages_are_still_served(
    app_for: Callable[..., Flask], make_initiative: Callable[..., int], tmp_path: Any
) -> None:
    initiative_id = make_initiative()
    broken = app_for(
        PAGE_CACHE_SECONDS=300, CACHE_REDIS_URL=f"unix://{tmp_path}/nobody-listens.sock"
    ).test_client()
    for path in ("/", "/initiatives/", f"/initiatives/{initiative_id}"):
        response = broken.get(path)
        assert response.status_code == 200, path
        assert not _hit(response)


def test_the_cache_can_be_turned_off(
    app_for: Callable[..., Flask], make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    client = app_for(PAGE_CACHE_SECONDS=0).test_client()
    client.get("/initiatives/")
    response = client.get("/initiatives/")
    assert not _hit(response)
    assert "public" not in response.headers.get("Cache-Control", "")


def test_a_changed_public_name_shows_at_once(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
) -> None:
    from app.auth import accounts
    from app.auth.models import User

    author_id = make_user(pseudonym="Stara Podpisnica")
    initiative_id = make_initiative(author_id=author_id)
    path = f"/initiatives/{initiative_id}"
    assert "Stara Podpisnica" in visitor.get(path).get_data(as_text=True)
    assert _hit(visitor.get(path))
    with site.app_context():
        author = db.session.get(User, author_id)
        assert author is not None
        accounts.set_pseudonym(author, "Nova Podpisnica")
        db.session.commit()
    page = visitor.get(path)
    assert not _hit(page)
    assert "Nova Podpisnica" in page.get_data(as_text=True)
    # A sign-in or a language changes no page: the cache stays.
    assert _hit(visitor.get(path))
    with site.app_context():
        author = db.session.get(User, author_id)
        assert author is not None
        author.language = "en"
        author.last_acr = "http://eidas.europa.eu/LoA/high"
        db.session.commit()
    assert _hit(visitor.get(path))


def test_a_signed_in_visit_and_its_session_activity_change_no_page(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    from app.auth.models import AuthSession

    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    visitor.get(path)
    resident = site.test_client()
    login(resident, make_user())
    with site.app_context():
        # Long enough ago that the next request records the session's activity (a bulk UPDATE).
        db.session.execute(
            sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
    visitor.get(path)  # that commit touched nothing any page shows
    assert _hit(visitor.get(path))
    before = _last_seen(site)
    assert resident.get(path).status_code == 200
    assert _last_seen(site) > before  # the activity was recorded …
    assert _hit(visitor.get(path))  # … and changed no page


def _last_seen(site: Flask) -> Any:
    from app.auth.models import AuthSession

    with site.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuthSession.last_seen_at)))


# --- found in review: what an attacker or an odd deployment could make of the cache ----------


def test_a_typed_newline_cannot_make_one_query_pass_for_another(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative(title="Kolesarska steza")
    plain = "/initiatives/?q=kolesarska&sort=newest"
    visitor.get(plain)
    assert _hit(visitor.get(plain))
    # Once the key was text joined by newlines: this one had the same key as the plain one.
    forged = "/initiatives/?q=kolesarska%0Asort%3Dnewest"
    first = visitor.get(forged)
    assert first.status_code == 200
    assert not _hit(first)
    assert not _hit(visitor.get(forged))  # a control character: never cached
    assert _hit(visitor.get(plain))


def test_the_spellings_of_one_page_share_one_entry(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    visitor.get("/initiatives/")
    # What the filter form sends, every field, empty or at its default: the same page.
    for same in (
        "/initiatives/?q=&state=all&topic=&community=&sort=newest",
        "/initiatives/?state=",
        "/initiatives/?page=1",
        "/initiatives/?page=01",
    ):
        assert _hit(visitor.get(same)), same
    # An id is written one way: ASCII digits without a leading zero.
    initiative_id = make_initiative(title="Druga")
    assert visitor.get(f"/initiatives/{initiative_id}").status_code == 200
    for other in (f"/initiatives/0{initiative_id}", "/initiatives/\u0665", "/initiatives/\uff15"):
        assert visitor.get(other).status_code == 404, other


def test_generations_are_made_before_the_page(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    """A page is stored under generations that existed before it was begun."""
    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    with visitor.application.app_context():
        pagecache.cache.clear()  # as after a restart of Redis, or an eviction
        backend = pagecache.cache.cache
    assert not _hit(visitor.get(path))
    with visitor.application.app_context():
        made = backend.get_many(
            *(f"gen:{tag}" for tag in ("initiative", f"initiative:{initiative_id}", "site"))
        )
    assert None not in made
    assert _hit(visitor.get(path))
    # A generation lost after the page was begun: that page is not stored (pagecache._write).
    with visitor.application.app_context():
        backend.delete(f"gen:initiative:{initiative_id}")
    assert not _hit(visitor.get(path))  # remade the generation, then the page under it
    assert _hit(visitor.get(path))


def test_a_full_in_process_cache_stays_right(
    app_for: Callable[..., Flask],
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    site = app_for(PAGE_CACHE_SECONDS=300, CACHE_THRESHOLD=6)
    visitor = site.test_client()
    initiative_id = make_initiative(title="Prehod pri šoli")
    path = f"/initiatives/{initiative_id}"
    for _ in range(3):
        visitor.get(path)
    for word in ("prehod", "šoli", "pri", "prehoda", "šola", "pri šoli", "prehod šoli"):
        visitor.get(f"/initiatives/?q={word}")
        visitor.get(f"/initiatives/?q={word}")
    # Full, it dropped pages, not the generations (which once never expired, and cachelib's
    # SimpleCache drops what never expires first: every generation at once).
    with site.app_context():
        generations = pagecache.cache.cache.get_many(
            "gen:site", "gen:initiative", f"gen:initiative:{initiative_id}"
        )
    assert None not in generations
    _support(site, login, make_user(), initiative_id)
    assert 'value="1"' in visitor.get(path).get_data(as_text=True)


def test_a_redis_that_does_not_answer_does_not_hold_pages_up(
    app_for: Callable[..., Flask], make_initiative: Callable[..., int]
) -> None:
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        mute = app_for(PAGE_CACHE_SECONDS=300, CACHE_REDIS_URL=f"redis://127.0.0.1:{port}/0")
        initiative_id = make_initiative()
        client = mute.test_client()
        started = time.monotonic()
        for path in ("/initiatives/", f"/initiatives/{initiative_id}", "/", "/initiatives/"):
            assert client.get(path).status_code == 200, path
        # One wait of REDIS_TIMEOUT_SECONDS, then the cache is left alone for a while.
        assert time.monotonic() - started < 2 * pagecache.REDIS_TIMEOUT_SECONDS + 1.5
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_first_public_name_changes_no_page(
    site: Flask,
    visitor: FlaskClient,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
) -> None:
    """A new resident naming themselves is on no page yet: every page stays cached."""
    from app.auth import accounts
    from app.auth.models import User

    newcomer = make_user(pseudonym=None)
    initiative_id = make_initiative()
    path = f"/initiatives/{initiative_id}"
    visitor.get(path)
    assert _hit(visitor.get(path))
    with site.app_context():
        user = db.session.get(User, newcomer)
        assert user is not None
        db.session.commit()  # the name unloaded (expired), as in a later request
        accounts.set_pseudonym(user, "Prva Podpisnica")
        db.session.commit()
    assert _hit(visitor.get(path))


def test_raw_sql_that_writes_changes_every_page(
    site: Flask, visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    visitor.get("/initiatives/")
    with site.app_context():
        db.session.execute(sa.text("SELECT 1"))  # reading: nothing
        db.session.commit()
    assert _hit(visitor.get("/initiatives/"))
    with site.app_context():
        db.session.execute(sa.text("UPDATE topics SET name_sl = 'Ceste' WHERE slug = 'promet'"))
        db.session.commit()
    page = visitor.get("/initiatives/")
    assert not _hit(page)
    assert "Ceste" in page.get_data(as_text=True)


def test_reference_data_kept_in_a_process_is_read_again_after_a_while(
    app: Flask, cached_app: Callable[..., Flask], make_initiative: Callable[..., int]
) -> None:
    """A write nobody announced (another process without Redis, a Redis away a moment)."""
    site = cached_app(PAGE_CACHE_SECONDS=1)
    visitor = site.test_client()
    make_initiative()
    assert "Promet" in visitor.get("/initiatives/").get_data(as_text=True)
    connection = app.extensions["test_connection"]
    # Straight to the database, past the session and so past every generation.
    connection.exec_driver_sql("UPDATE topics SET name_sl = 'Mobilnost' WHERE slug = 'promet'")
    time.sleep(1.2)
    # The filter's choice, which comes from the process's copy (the cards read the database).
    page = visitor.get("/initiatives/").get_data(as_text=True)
    assert re.search(r'<option value="promet"[^>]*>\s*Mobilnost\s*<', page), page


def test_hsts_follows_each_request_not_the_first(
    visitor: FlaskClient, make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    plain = visitor.get("/initiatives/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = visitor.get("/initiatives/", base_url="https://localhost")
    assert _hit(secure)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in visitor.get("/initiatives/").headers


def test_a_changed_setting_is_a_new_release(
    cached_app: Callable[..., Flask], make_initiative: Callable[..., int]
) -> None:
    make_initiative()
    before = cached_app().test_client()
    before.get("/about")
    assert _hit(before.get("/about"))
    after = cached_app(ORGANISATION_NAME="Občina Drugje").test_client()
    page = after.get("/about")
    assert not _hit(page)
    assert "Občina Drugje" in page.get_data(as_text=True)


def test_what_may_not_be_shared_is_not_stored(site: Flask) -> None:
    """The guards of ``_store``, each alone (a signed-in request never gets that far)."""
    from flask import Response, g, session

    with site.test_request_context("/initiatives/"):
        assert pagecache._cacheable(Response("<p>x</p>", mimetype="text/html"))
        with_cookie = Response("<p>x</p>", mimetype="text/html")
        with_cookie.set_cookie("glas_lang", "en")
        assert not pagecache._cacheable(with_cookie)
        # A cached view's JSON and SVG files are kept (a letter's JSON, a chart); a CSV,
        # streamed and large, is not.
        assert pagecache._cacheable(Response("{}", mimetype="application/json"))
        assert pagecache._cacheable(Response("<svg/>", mimetype="image/svg+xml"))
        assert not pagecache._cacheable(Response("a,b", mimetype="text/csv"))
        assert not pagecache._cacheable(Response("<p>x</p>", status=404, mimetype="text/html"))
        session["flash"] = "changed"
        assert not pagecache._cacheable(Response("<p>x</p>", mimetype="text/html"))
    with site.test_request_context("/initiatives/"):
        g.auth_session = object()
        assert not pagecache._cacheable(Response("<p>x</p>", mimetype="text/html"))
