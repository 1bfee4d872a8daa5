"""The list of projects: every filter and sort, the board, stale, pages, bad filters; the cache
of anonymous pages; and the SQL statements each page costs, the same for one item as many."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import today, utcnow
from app.extensions import db
from app.projects import services
from app.projects.models import Light, LinkRelation, LinkTarget
from tests.initiatives.test_page_cache import HIT
from tests.initiatives.test_query_counts import CountQueries, measure
from tests.projects.conftest import Actors, Org, account, project

YM = services.YearMoney


def listed(client: FlaskClient, path: str) -> list[str]:
    """The addresses of the projects a list page shows, in its order."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    return re.findall(r'class="item-card__title" id="project-\d+-title"><a href="([^"]+)"', html)


#: Four projects, so that every sort gives its own order (see ``SORTS``):
#: code, days updated ago, end as first planned, days later now, budget first / now (€), progress.
FOUR = {
    "P": ("D-1", 1, date(2026, 8, 31), 0, (300, 300), 40),
    "Q": ("A-1", 4, date(2026, 9, 30), 31, (100, 150), 90),
    "R": ("C-1", 2, date(2027, 3, 21), 10, (500, 700), 10),
    "S": ("B-1", 3, date(2026, 7, 26), 5, (40, 50), 60),
}
SORTS = {
    "": "PRSQ",  # recently updated
    "?sort=updated": "PRSQ",
    "?sort=ends": "SPQR",
    "?sort=delay": "QRSP",
    "?sort=overrun": "RQSP",
    "?sort=budget": "RPQS",
    "?sort=progress": "QSPR",
    "?sort=code": "QSRP",
}


@pytest.fixture
def four(app: Flask, org: Org, actors: Actors) -> dict[str, int]:
    ids = {}
    with app.app_context():
        me = account(actors.official)
        for name, (code, days_ago, ends, later, (first, now), progress) in FOUR.items():
            made = services.create(
                me,
                code,
                services.Details(
                    f"Projekt {name}", "Povzetek.", "", org.unit, org.topic, None, None
                ),
                starts_on=date(2026, 1, 1),
                ends_on=ends,
                years=[YM(2026, first * 100)],
                progress=progress,
            )
            if later:
                services.update_schedule(
                    me,
                    made,
                    starts_on=made.starts_on,
                    ends_on=ends + timedelta(days=later),
                    reason="Zamuda.",
                )
            if now != first:
                services.set_year(
                    me, made, year=2026, budget_cents=now * 100, spent_cents=0, reason="Dražje."
                )
            made.updated_at = utcnow() - timedelta(days=days_ago)
            ids[name] = made.id
        db.session.commit()
    return ids


def _order(client: FlaskClient, query: str, ids: dict[str, int]) -> str:
    names = {f"/projects/{pid}": name for name, pid in ids.items()}
    return "".join(names[path] for path in listed(client, f"/projects/{query}"))


def test_each_sort_gives_its_order(client: FlaskClient, four: dict[str, int]) -> None:
    assert len(set(SORTS.values())) == len(SORTS) - 1  # the default is "updated"
    for query, expected in SORTS.items():
        assert _order(client, query, four) == expected, query


@pytest.fixture
def assorted(
    app: Flask, org: Org, actors: Actors, make_project: Callable[..., int]
) -> dict[str, int]:
    ids = {
        "green": make_project("G-1", title="Klopi ob Savi"),
        "amber": make_project("A-1", light=Light.AMBER, reason="Zamuja.", topic_id=org.other_topic),
        "red": make_project(
            "R-1", light=Light.RED, reason="Ustavljeno.", community_id=org.community
        ),
        "done": make_project("D-1", light=Light.DONE, progress=100, unit_id=org.other_unit),
        "old": make_project(
            "O-1", starts_on=date(2020, 1, 1), ends_on=date(2021, 6, 30), unit_id=org.other_unit
        ),
    }
    with app.app_context():
        project(ids["old"]).updated_at = utcnow() - timedelta(days=200)
        project(ids["done"]).updated_at = utcnow() - timedelta(days=300)  # done: never stale
        db.session.commit()
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?light=green", {"green", "old"}),
        ("?light=amber", {"amber"}),
        ("?light=red", {"red"}),
        ("?light=done", {"done"}),
        ("?light=stale", {"old"}),
        ("?unit=UOP", {"done", "old"}),
        ("?unit=UGDP", {"green", "amber", "red"}),
        ("?topic=other", {"amber"}),
        ("?community=one", {"red"}),
        ("?community=municipality", {"green", "amber", "done", "old"}),
        ("?year=2021", {"old"}),
        ("?year=2026", {"green", "amber", "red", "done"}),
        ("?year=2019", set()),
        ("?unit=UOP&light=green", {"old"}),
        ("?q=klopi", {"green"}),
        ("?q=Savi&sort=code", {"green"}),
        ("?q=nicesarnega", set()),
    ],
)
def test_each_filter_chooses(
    client: FlaskClient, org: Org, assorted: dict[str, int], query: str, expected: set[str]
) -> None:
    query = query.replace("topic=other", f"topic={org.other_topic_slug}").replace(
        "community=one", f"community={org.community_slug}"
    )
    names = {f"/projects/{pid}": name for name, pid in assorted.items()}
    assert {names[path] for path in listed(client, f"/projects/{query}")} == expected


def _board(html: str) -> dict[str, str]:
    board = html.split('id="board-title"')[1].split("</ul>")[0]
    found = re.findall(r'board__number">([^<]+)</span> <span class="light light--(\w+)"', board)
    return {light: number for number, light in found}


def _units(html: str) -> list[list[str]]:
    table = html.split('id="board-units-caption"')[1].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_the_board_counts_per_light_unit_and_stale(
    client: FlaskClient, org: Org, assorted: dict[str, int]
) -> None:
    html = client.get("/projects/").get_data(as_text=True)
    assert _board(html) == {"green": "2", "amber": "1", "red": "1", "done": "1", "stale": "1"}
    assert _units(html) == [
        ["Urad za gospodarske dejavnosti in promet", "1", "1", "1", "0", "3"],
        ["Urad za okolje in prostor", "1", "0", "0", "1", "2"],
    ]
    # The board counts every light of what the other filters choose.
    html = client.get("/projects/?light=red&unit=UOP").get_data(as_text=True)
    assert _board(html) == {"green": "1", "amber": "0", "red": "0", "done": "1", "stale": "1"}
    assert _units(html) == [["Urad za okolje in prostor", "1", "0", "0", "1", "2"]]


def test_stale_follows_the_setting_in_the_list(
    app_for: Callable[..., Flask], assorted: dict[str, int]
) -> None:
    strict = app_for(PROJECT_STALE_DAYS=150).test_client()
    assert _board(strict.get("/projects/").get_data(as_text=True))["stale"] == "1"
    lenient = app_for(PROJECT_STALE_DAYS=250).test_client()
    assert _board(lenient.get("/projects/").get_data(as_text=True))["stale"] == "0"
    assert listed(lenient, "/projects/?light=stale") == []


@pytest.mark.parametrize(
    "query",
    [
        "?light=red&light=green",
        "?light=purple",
        "?light=GREEN",
        "?unit=XX",
        "?topic=nothing",
        "?community=nowhere",
        "?year=1989",
        "?year=2101",
        "?year=abc",
        "?year=٢٠٢٦",
        "?sort=random",
        "?sort=code&sort=ends",
        "?page=0",
        "?page=-1",
        "?page=x",
    ],
)
def test_a_bad_filter_is_a_400(client: FlaskClient, org: Org, query: str) -> None:
    assert client.get(f"/projects/{query}").status_code == 400


def test_the_list_pages(client: FlaskClient, make_project: Callable[..., int]) -> None:
    for n in range(21):
        make_project(f"P-{n:02d}")
    first = listed(client, "/projects/?sort=code")
    second = listed(client, "/projects/?sort=code&page=2")
    assert (len(first), len(second)) == (20, 1)
    assert not set(first) & set(second)
    assert client.get("/projects/?page=3").status_code == 404
    assert "page=2" in client.get("/projects/").get_data(as_text=True)


def test_an_empty_list(
    client: FlaskClient, org: Org, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = client.get("/projects/").get_data(as_text=True)
    assert "No project matches." in html
    assert "0 projects" in html


# --- the cache of anonymous pages ------------------------------------------------------------


@pytest.fixture
def cached_site(app_for: Callable[..., Flask]) -> Flask:
    return app_for(PAGE_CACHE_SECONDS=300)


def _twice(visitor: FlaskClient, path: str) -> Any:
    first = visitor.get(path)
    second = visitor.get(path)
    assert first.status_code == second.status_code == 200, path
    assert first.headers.get(HIT) != "hit"
    assert second.headers.get(HIT) == "hit", path
    assert first.headers["ETag"] == second.headers["ETag"]
    assert visitor.get(path, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    return second


def test_a_change_shows_at_once_on_every_page_that_shows_it(
    cached_site: Flask,
    actors: Actors,
    make_project: Callable[..., int],
    make_initiative: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    pid = make_project()
    initiative = make_initiative()
    with cached_site.app_context(), services.as_the_system():
        services.link(None, project(pid), LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
        db.session.commit()
    visitor = cached_site.test_client()
    in_english(visitor)
    pages = (
        "/projects/",
        f"/projects/{pid}",
        f"/initiatives/{initiative}",
        "/projects/commitments",
    )
    etags = {path: _twice(visitor, path).headers["ETag"] for path in pages}
    with cached_site.app_context():
        services.update_status(
            account(actors.official),
            project(pid),
            light=Light.RED,
            progress=20,
            reason="Ustavljeno.",
        )
        db.session.commit()
    for path in pages[:3]:
        response = visitor.get(path)
        assert response.headers.get(HIT) != "hit", path
        assert response.headers["ETag"] != etags[path]
        assert "Delayed or stopped" in response.get_data(as_text=True), path


def test_a_linked_items_change_shows_on_the_project(
    cached_site: Flask,
    people: Any,
    make_project: Callable[..., int],
    make_initiative: Callable[..., int],
) -> None:
    """The project page names what is linked: its title changes (or it leaves the public
    pages) with it."""
    from app.initiatives.models import Initiative

    pid = make_project()
    initiative = make_initiative()
    with cached_site.app_context(), services.as_the_system():
        services.link(None, project(pid), LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
        db.session.commit()
    visitor = cached_site.test_client()
    _twice(visitor, f"/projects/{pid}")
    with cached_site.app_context():
        found = db.session.get(Initiative, initiative)
        assert found is not None
        found.title = "Popolnoma nov naslov pobude"
        db.session.commit()
    assert "Popolnoma nov naslov pobude" in visitor.get(f"/projects/{pid}").get_data(as_text=True)


def test_a_letter_published_shows_its_commitments_at_once(
    cached_site: Flask,
    org: Org,
    letters: Any,
    make_reply: Callable[..., int],
    make_commitment: Callable[..., int],
    make_project: Callable[..., int],
) -> None:
    from app.replies.models import Reply

    pid = make_project()
    sent = make_reply("sent")
    make_commitment(sent, org.unit, text="Luči do jeseni.", project_id=pid)
    visitor = cached_site.test_client()
    for path in ("/projects/commitments", f"/projects/{pid}"):
        assert "Luči do jeseni." not in _twice(visitor, path).get_data(as_text=True)
    with cached_site.app_context():
        reply = db.session.get(Reply, sent)
        assert reply is not None
        letters.advance(reply, "published")
        db.session.commit()
    for path in ("/projects/commitments", f"/projects/{pid}"):
        assert "Luči do jeseni." in visitor.get(path).get_data(as_text=True), path


# --- SQL statements per page ------------------------------------------------------------------


def _fill(
    app: Flask, pid: int, n: int, initiatives: list[int], reply: int, org: Org, *, first: bool
) -> None:
    """``n`` milestones (half done), years, updates, links and commitments on a project."""
    with app.app_context(), services.as_the_system():
        found = project(pid)
        for k in range(n):
            milestone = services.add_milestone(
                None, found, title=f"Mejnik {k}", planned_on=today() - timedelta(days=k + 1)
            )
            if k % 2:
                services.update_milestone(
                    None, milestone, planned_on=milestone.planned_on, done_on=today(), reason=None
                )
            services.set_year(
                None, found, year=2000 + k, budget_cents=100 * k, spent_cents=k, reason=None
            )
        for initiative in initiatives:
            services.link(None, found, LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
        from app.replies.models import Reply

        letter = db.session.get(Reply, reply)
        assert letter is not None
        if first:
            services.link(None, found, LinkTarget.REPLY, reply, LinkRelation.SPEAKS_OF)
        for k in range(n):
            services.record_commitment(
                None,
                letter,
                text=f"Obljuba {k}",
                owner_unit_id=org.unit,
                due_on=today() + timedelta(days=k - 1),
                project_id=pid,
            )
        db.session.commit()


@pytest.mark.parametrize("visitor", ["anonymous", "official"])
def test_the_pages_cost_the_same_for_one_as_for_many(
    app: Flask,
    client: FlaskClient,
    org: Org,
    actors: Actors,
    login: Callable[..., None],
    count_queries: CountQueries,
    make_project: Callable[..., int],
    make_initiative: Callable[..., int],
    published_reply: int,
    visitor: str,
) -> None:
    if visitor == "official":
        login(client, actors.official)
    one, many = make_project("ONE"), make_project("MANY")
    initiative = make_initiative()
    _fill(app, one, 1, [initiative], published_reply, org, first=True)
    costs: dict[str, list[int]] = {}

    def cost() -> None:
        for path in (
            f"/projects/{one}",
            "/projects/",
            "/projects/?sort=delay&light=green",
            "/projects/commitments",
            f"/replies/{published_reply}",
            f"/initiatives/{initiative}",
        ):
            costs.setdefault(path.replace(str(one), "ID"), []).append(
                len(measure(client, count_queries, path))
            )

    cost()
    _fill(app, one, 30, [make_initiative() for _ in range(5)], published_reply, org, first=False)
    with app.app_context(), services.as_the_system():
        for k in range(25):
            services.link(
                None,
                services.create(
                    None,
                    f"X-{k}",
                    services.Details(f"X {k}", "S.", "", org.unit, org.topic, None, None),
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                    years=[YM(2026, 100)],
                ),
                LinkTarget.INITIATIVE,
                initiative,
                LinkRelation.SPEAKS_OF,
            )
        db.session.commit()
    cost()
    assert many
    assert {path: counts[0] for path, counts in costs.items()} == {
        path: counts[1] for path, counts in costs.items()
    }
