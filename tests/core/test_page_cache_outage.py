"""The cache of pages when its Redis fails (issue 13): pages are made without it, and a write
whose invalidation failed leaves no stale page behind once the cache answers again.

The failure here is a full Redis (``maxmemory`` reached, ``noeviction``): it refuses every
write and still serves every read, so the entries a write should have ended are there to be
served, which is what a Redis that stalled and came back, or one out of reach of one server
only, also does. Stopped outright, Redis serves nothing at all (``test_limits_store``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core import pagecache
from app.extensions import db
from app.initiatives.models import Initiative, Support
from app.reference.models import Topic
from tests.core._outage import StoppableRedis

HIT = "X-Glas-Cache"


def _page(client: FlaskClient, path: str) -> tuple[bool, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.headers.get(HIT) == "hit", response.get_data(as_text=True)


def _topic_filter(page: str) -> str:
    """The name of the topic ``promet`` in the list's filter (kept in the process)."""
    found = re.search(r'<option value="promet"[^>]*>([^<]*)</option>', page)
    assert found is not None
    return found.group(1)


def test_a_write_whose_invalidation_failed_is_not_served_stale(
    app_for: Callable[..., Flask],
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    caplog: Any,
) -> None:
    site = app_for(CACHE_REDIS_URL=own_redis.url, PAGE_CACHE_SECONDS=300)
    initiative_id = make_initiative(title="Klopi ob Savi")
    path = f"/initiatives/{initiative_id}"
    visitor = site.test_client()
    _page(visitor, path)
    assert _page(visitor, path)[0], "cached"

    own_redis.refuse_writes()
    with caplog.at_level(logging.ERROR, logger="app.core.pagecache"), site.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert initiative is not None
        initiative.title = "Klopi in koši ob Savi"
        db.session.commit()  # its generations cannot be replaced
    assert "could not invalidate" in caplog.text
    # Redis still has the old entry and its generations, and would serve it as current.
    hit, page = _page(visitor, path)
    assert not hit
    assert "Klopi in koši ob Savi" in page

    own_redis.refuse_writes(False)
    time.sleep(pagecache.RETRY_AFTER_SECONDS)  # the cache rests after a failure
    hit, page = _page(visitor, path)
    assert not hit, "the old entry was ended before the cache was read"
    assert "Klopi in koši ob Savi" in page
    hit, page = _page(visitor, path)
    assert hit, "and the cache works again"
    assert "Klopi in koši ob Savi" in page


def test_reference_data_kept_in_the_process_is_not_kept_past_a_failed_invalidation(
    app_for: Callable[..., Flask],
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    """The topics of the filters are kept in each process while ``site``'s generation stands
    (``pagecache.memoized``); a rename whose invalidation failed must not leave them."""
    site = app_for(CACHE_REDIS_URL=own_redis.url, PAGE_CACHE_SECONDS=300)
    make_initiative()
    resident = site.test_client()  # signed in: no page of the cache, the filters all the same
    login(resident, make_user())
    assert _topic_filter(_page(resident, "/initiatives/")[1]) == "Promet in ceste"

    own_redis.refuse_writes()
    with site.app_context():
        topic = db.session.scalar(sa.select(Topic).filter_by(slug="promet"))
        assert topic is not None
        topic.name_sl = "Promet, ceste in parkirišča"
        db.session.commit()
    assert _topic_filter(_page(resident, "/initiatives/")[1]) == "Promet, ceste in parkirišča"
    own_redis.refuse_writes(False)
    time.sleep(pagecache.RETRY_AFTER_SECONDS)
    assert _topic_filter(_page(resident, "/initiatives/")[1]) == "Promet, ceste in parkirišča"


def test_without_redis_every_path_of_the_cache_renders_the_page(
    app_for: Callable[..., Flask],
    own_redis: StoppableRedis,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    login: Callable[..., None],
) -> None:
    """Lookup (the fast path), store (after the view), the kept reference data, and the
    invalidation after a write: each meets a stopped Redis, and nobody sees an error."""
    site = app_for(CACHE_REDIS_URL=own_redis.url, PAGE_CACHE_SECONDS=300)
    initiative_id = make_initiative()
    resident = site.test_client()
    login(resident, make_user())
    own_redis.halt()
    visitor = site.test_client()
    for path in ("/", "/initiatives/", f"/initiatives/{initiative_id}", "/questions/"):
        assert not _page(visitor, path)[0], path
        assert not _page(resident, path)[0], path
    # The write's invalidation fails too; the support is saved all the same.
    response = resident.post(f"/initiatives/{initiative_id}/support")  # limits: in memory
    assert response.status_code == 302
    with site.app_context():
        supports = db.session.scalar(
            sa.select(sa.func.count()).where(Support.initiative_id == initiative_id)
        )
    assert supports == 1
    assert not _page(visitor, f"/initiatives/{initiative_id}")[0]


def test_a_database_lost_after_the_page_was_made_still_sends_the_page(app_for: Any) -> None:
    """Found by drill 2: the database went away between making the home page and storing it,
    whose expiry asks the database for the next deadline; the page became a 500. The page is
    made: it is sent, and not kept."""
    other = app_for()

    @other.get("/test-expiry")
    @pagecache.cached()
    def made_then_lost() -> str:
        def next_deadline() -> None:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

        pagecache.expires_by(next_deadline)
        return "<p>made</p>"

    client = other.test_client()
    first = client.get("/test-expiry")
    assert first.status_code == 200
    assert first.get_data(as_text=True) == "<p>made</p>"
    assert "ETag" not in first.headers  # not kept: nothing vouches for how long it holds
    assert client.get("/test-expiry").status_code == 200
