"""The Atom feeds of projects: the list with its filters, newest update first, and a
project's timeline; parsed by a real feed parser, in a fixed number of statements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from app.extensions import db
from app.projects import queries, services
from app.projects.models import Light, Project
from tests.feeds.conftest import paths, read  # noqa: F401 (fixture, found by name)
from tests.feeds.test_query_counts import measure
from tests.initiatives.test_query_counts import CountQueries
from tests.projects._integration import (  # noqa: F401 (fixtures, found by name)
    UNIT_NAME,
    World,
    account,
    council,
    make_councillor,
    make_ugdp_project,
    people,
    reference,
    world,
)

TITLE = "Razsvetljava prehoda pri Osnovni šoli Stražišče"
MANY = 30


def _status(app: Flask, world: World, project_id: int, light: Light, reason: str | None) -> None:  # noqa: F811
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project is not None
        progress = 100 if light is Light.DONE else project.progress + 1
        services.update_status(
            account(world.official), project, light=light, progress=progress, reason=reason
        )
        db.session.commit()


# --- the list -------------------------------------------------------------------------------


def test_the_list_feed_is_the_newest_update_first(
    app: Flask,
    world: World,  # noqa: F811
    make_ugdp_project: Callable[..., int],  # noqa: F811
    read: Callable[..., Any],  # noqa: F811
) -> None:
    first = make_ugdp_project("P-1", TITLE)
    second = make_ugdp_project("P-2", "Obnova mostu čez Savo")
    third = make_ugdp_project("P-3", "Nova kolesarnica")
    _status(app, world, first, Light.AMBER, "Izvajalec zamuja.")

    feed = read("/projects/feed.atom")

    assert paths(feed) == [f"/projects/{first}", f"/projects/{third}", f"/projects/{second}"]
    assert feed.feed.title.startswith("Projekti · Glas")  # in the site's language
    assert feed.feed.link == "http://localhost/projects/"
    entry = feed.entries[0]
    assert entry.title == TITLE
    assert entry.id == f"http://localhost/projects/{first}"
    assert entry.author == UNIT_NAME
    # The light in words (its colour and its meaning) and why, the code and the money.
    assert "Izvajalec zamuja." in entry.content[0].value
    assert "P-1" in entry.content[0].value


def test_the_list_feed_keeps_the_lists_filters(
    app: Flask,
    world: World,  # noqa: F811
    make_ugdp_project: Callable[..., int],  # noqa: F811
    read: Callable[..., Any],  # noqa: F811
    client: FlaskClient,
) -> None:
    lit = make_ugdp_project("P-1", TITLE)
    bridge = make_ugdp_project("P-2", "Obnova mostu čez Savo", community=True)
    make_ugdp_project("P-3", "Nova kolesarnica")
    _status(app, world, lit, Light.RED, "Ustavljeno.")
    _status(app, world, bridge, Light.RED, "Poplava.")

    assert paths(read("/projects/feed.atom?light=red")) == [
        f"/projects/{bridge}",
        f"/projects/{lit}",
    ]
    searched = read("/projects/feed.atom?q=razsvetljavo")
    assert paths(searched) == [f"/projects/{lit}"]
    assert "razsvetljavo" in searched.feed.title  # the list's text filter names the feed
    assert paths(read("/projects/feed.atom?community=municipality&light=red")) == [
        f"/projects/{lit}"
    ]
    # The page's order and page number do not change the feed (one stream of news).
    assert paths(read("/projects/feed.atom?light=red&sort=code")) == [
        f"/projects/{bridge}",
        f"/projects/{lit}",
    ]
    # What the page refuses, the feed refuses alike.
    for bad in ("light=purple", "topic=nobody", "year=12", "light=red&light=green"):
        assert client.get(f"/projects/feed.atom?{bad}").status_code == 400, bad


def test_the_list_feed_follows_a_write_at_once(
    app: Flask,
    world: World,  # noqa: F811
    make_ugdp_project: Callable[..., int],  # noqa: F811
    read: Callable[..., Any],  # noqa: F811
) -> None:
    """The cache of anonymous pages keeps the feed under the list's tag ("projects"), which
    every write of a project bumps."""
    first = make_ugdp_project("P-1", TITLE)
    second = make_ugdp_project("P-2", "Obnova mostu čez Savo")
    assert paths(read("/projects/feed.atom"))[0] == f"/projects/{second}"
    _status(app, world, first, Light.AMBER, "Zamuda.")
    assert paths(read("/projects/feed.atom"))[0] == f"/projects/{first}"


# --- one project ----------------------------------------------------------------------------


def test_a_projects_feed_is_its_timeline_newest_first(
    app: Flask,
    world: World,  # noqa: F811
    make_ugdp_project: Callable[..., int],  # noqa: F811
    read: Callable[..., Any],  # noqa: F811
    client: FlaskClient,
    in_english: Callable,
) -> None:
    project = make_ugdp_project("OB-2026-014", TITLE)
    _status(app, world, project, Light.AMBER, "Izvajalec zamuja.")
    _status(app, world, project, Light.DONE, None)
    in_english(client)

    feed = read(f"/projects/{project}/feed.atom")

    assert feed.feed.link == f"http://localhost/projects/{project}"
    assert feed.feed.language == "en"
    assert [entry.title for entry in feed.entries] == [
        f"Status: {TITLE}",
        f"Status: {TITLE}",
        f"Project recorded: {TITLE}",
    ]
    assert "done: Done (was amber: At risk)" in feed.entries[0].content[0].value
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == 3
    assert all(i.startswith(f"http://localhost/projects/{project}#update-") for i in ids)
    assert feed.entries[1].author == UNIT_NAME  # the unit, never the official
    assert "Uradnica" not in str(feed)
    assert "Izvajalec zamuja." in feed.entries[1].content[0].value


def test_a_projects_feed_in_english_says_what_changed(
    app: Flask,
    world: World,  # noqa: F811
    make_ugdp_project: Callable[..., int],  # noqa: F811
    read: Callable[..., Any],  # noqa: F811
    client: FlaskClient,
    in_english: Callable,
) -> None:
    project = make_ugdp_project("OB-2026-014", TITLE)
    _status(app, world, project, Light.AMBER, "Izvajalec zamuja.")
    in_english(client)
    feed = read(f"/projects/{project}/feed.atom")
    assert feed.entries[0].title == f"Status: {TITLE}"
    content = feed.entries[0].content[0].value
    assert "amber: At risk (was green: On track)" in content
    assert "Izvajalec zamuja." in content


def test_a_project_that_does_not_exist_has_no_feed(client: FlaskClient) -> None:
    assert client.get("/projects/999999/feed.atom").status_code == 404


# --- the pages' links -------------------------------------------------------------------------


def test_the_pages_link_their_feeds(app: Flask, make_ugdp_project: Callable[..., int]) -> None:  # noqa: F811
    """``feed_url`` maps the list (with its parsed filters) and the item to their feeds."""
    project_id = make_ugdp_project("OB-2026-014", TITLE)
    with app.test_request_context("/projects/?light=red&sort=code&page=2"):
        filters = queries.parse_filters({"light": "red", "sort": "code", "page": "2"})
        assert render_template_string("{{ feed_url() }}", filters=filters) == (
            "/projects/feed.atom?light=red"
        )
        assert render_template_string("{{ feed_url() }}") == "None"  # its 400 page: no filters
    with app.test_request_context(f"/projects/{project_id}"):
        project = db.session.get(Project, project_id)
        assert render_template_string("{{ feed_url() }}", project=project) == (
            f"/projects/{project_id}/feed.atom"
        )


# --- bounded ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/projects/feed.atom", "/projects/feed.atom?q=razsvetljava"])
def test_the_list_feed_costs_the_same_for_one_and_many(
    client: FlaskClient,
    count_queries: CountQueries,
    make_ugdp_project: Callable[..., int],  # noqa: F811
    path: str,
) -> None:
    make_ugdp_project("P-0", "Razsvetljava 0", community=True)
    one = measure(client, count_queries, path)
    for n in range(1, MANY):
        make_ugdp_project(f"P-{n}", f"Razsvetljava {n}", community=bool(n % 2))
    many = measure(client, count_queries, path)
    assert len(one) == len(many), many.report()
    assert len(many) <= 2, many.report()  # the list (the search inside it), and the units


def test_a_projects_feed_costs_the_same_for_a_short_and_a_long_timeline(
    app: Flask,
    world: World,  # noqa: F811
    client: FlaskClient,
    count_queries: CountQueries,
    make_ugdp_project: Callable[..., int],  # noqa: F811
) -> None:
    project = make_ugdp_project("OB-2026-014", TITLE)
    path = f"/projects/{project}/feed.atom"
    one = measure(client, count_queries, path)
    for n in range(MANY):
        _status(app, world, project, Light.AMBER if n % 2 else Light.GREEN, f"Razlog {n}.")
    many = measure(client, count_queries, path)
    assert len(one) == len(many), many.report()
    assert len(client.get(path).get_data(as_text=True).split("<entry>")) == MANY + 2
