"""Search of projects: the same words and lemmas as the other indexes, every project found.

The index is kept by database triggers (migration ``o11psearch0001``); what it holds must
follow every write of the indexed texts (code, title, summary, description and their lemma
texts, which the application writes), and nothing else: a new light changes no word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from app.core.time import utcnow
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind
from app.projects import services
from app.projects.models import Light, Project
from app.reference.models import Topic
from app.reference.seed import seed_reference_data
from app.search import engine
from tests.conftest import Databases
from tests.initiatives._migration_helpers import app_at
from tests.initiatives.test_query_counts import CountQueries, measure
from tests.projects._integration import (  # noqa: F401 (fixtures, found by name)
    UNIT_NAME,
    World,
    account,
    council,
    make_councillor,
    make_ugdp_project,
    new_project,
    people,
    reference,
    world,
)

CODE = "OB-2026-014"
TITLE = "Razsvetljava prehoda pri Osnovni šoli Stražišče"
SUMMARY = "Nova javna razsvetljava ob šolski poti do avtobusne postaje."
DESCRIPTION = "Ulične svetilke bodo zamenjane z varčnimi svetilkami LED."
# A word that appears nowhere else: a hit can only come from the project that holds it.
SECRET = "Neponovljivobesedilo"


def _search(text: str) -> set[str]:
    """The codes of the projects a search finds (the index alone, no filter)."""
    hits = engine.ranked(text, engine.PROJECTS)
    if hits is None:
        return set()
    found = hits.subquery()
    return set(db.session.scalars(sa.select(Project.code).join(found, found.c.id == Project.id)))


def _found(app: Flask, text: str) -> set[str]:
    with app.app_context():
        return _search(text)


@pytest.fixture
def lit(make_ugdp_project: Callable[..., int]) -> int:  # noqa: F811
    """The crossing to be lit, with its code, summary and description."""
    return make_ugdp_project(CODE, TITLE, summary=SUMMARY, description=DESCRIPTION)


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "razsvetljava",
        "Razsvetljavo",  # another form, capitalised: the lemma
        "razsvetljavi",
        "RAZSVETLJAVA",
        "prehod",  # the title has "prehoda"
        "sola",  # no accents: "šoli", "šolski"
        "šole",  # another form, with accents
        "strazisce",  # "Stražišče" without č, š, ž
        "avtobusna postaja",  # the summary, every word in another form
        "svetilka",  # the description only
        "razsvet",  # a prefix
        CODE,  # the code as written
        "ob-2026-014",
        "OB 2026 014",  # typed with spaces
        "2026-014",
    ],
)
def test_a_search_finds_a_project_by_its_words_and_its_code(
    app: Flask, lit: int, text: str
) -> None:
    assert _found(app, text) == {CODE}


def test_the_code_finds_its_project(app: Flask, make_ugdp_project: Callable[..., int]) -> None:  # noqa: F811
    make_ugdp_project(CODE, "Prvi projekt")
    make_ugdp_project("OB-2026-015", "Drugi projekt")
    make_ugdp_project("KS-2025-014", "Tretji projekt")
    assert _found(app, CODE) == {CODE}
    assert _found(app, "OB-2026-015") == {"OB-2026-015"}
    assert _found(app, "OB-2026") == {CODE, "OB-2026-015"}
    assert _found(app, "OB-2025-014") == set()


def test_every_word_must_match(app: Flask, lit: int) -> None:
    assert _found(app, "razsvetljava vrtec") == set()


def test_a_title_hit_ranks_above_a_description_hit(
    app: Flask,
    make_ugdp_project: Callable[..., int],  # noqa: F811
) -> None:
    make_ugdp_project("A-1", "Obnova ceste", description="Tudi kolesarska steza bo obnovljena.")
    make_ugdp_project("A-2", "Kolesarska steza ob Savi")
    with app.app_context():
        hits = engine.ranked("kolesarska", engine.PROJECTS)
        assert hits is not None
        found = hits.subquery()
        ordered = db.session.scalars(
            sa.select(Project.code)
            .join(found, found.c.id == Project.id)
            .order_by(*engine.best_first(found, Project))
        ).all()
    assert ordered == ["A-2", "A-1"]


def test_the_indexes_are_apart(app: Flask, make_ugdp_project: Callable[..., int]) -> None:  # noqa: F811
    """A project's words find no initiative, question nor letter, and theirs no project."""
    make_ugdp_project("X-1", f"Projekt {SECRET}")
    assert _found(app, SECRET) == {"X-1"}
    with app.app_context():
        for index in (engine.INITIATIVES, engine.QUESTIONS, engine.REPLIES):
            hits = engine.ranked(SECRET, index)
            assert hits is not None
            assert not db.session.execute(sa.select(hits.subquery())).all()


def test_the_index_follows_every_write(app: Flask, world: World, lit: int) -> None:  # noqa: F811
    with app.app_context():
        project = db.session.get(Project, lit)
        assert project is not None
        services.update_details(
            account(world.official),
            project,
            services.Details(
                title="Nadstrešek avtobusne postaje",
                summary="Postaja dobi streho.",
                description="Klopi in koš za smeti.",
                unit_id=world.unit,
                topic_id=world.topic,
                community_id=None,
                location=None,
            ),
        )
        db.session.commit()
    assert _found(app, "nadstreška") == _found(app, "klop") == {CODE}
    assert _found(app, "razsvetljava") == _found(app, "svetilke") == set()
    # A new light and a reason are no text of the index: still found, and only by its words.
    with app.app_context():
        project = db.session.get(Project, lit)
        assert project is not None
        services.update_status(
            account(world.official),
            project,
            light=Light.AMBER,
            progress=40,
            reason=f"Zamuda {SECRET}",
        )
        db.session.commit()
    assert _found(app, "nadstrešek") == {CODE}
    assert _found(app, SECRET) == set()
    with app.app_context():
        db.session.execute(sa.update(Project).where(Project.id == lit).values(code="OB-2027-001"))
        db.session.commit()
    assert _found(app, "OB-2027-001") == {"OB-2027-001"}
    assert _found(app, CODE) == set()
    with app.app_context():
        db.session.delete(db.session.get(Project, lit))
        db.session.commit()
    assert _found(app, "nadstrešek") == set()


def test_spellings_are_offered_from_projects(
    app: Flask,
    make_ugdp_project: Callable[..., int],  # noqa: F811
    client: FlaskClient,
    in_english: Callable,
) -> None:
    make_ugdp_project("S-1", "Kolesarnica pri postaji")
    in_english(client)
    page = client.get("/search?q=kolesarnca").get_data(as_text=True)
    assert "Did you mean:" in page
    assert 'href="/search?q=kolesarnica"' in page


# --- the page -------------------------------------------------------------------------------


def _section(page: str, name: str) -> str:
    start = page.index(f'aria-labelledby="found-{name}"')
    return page[start : page.index("</section>", start)]


def _cards(section: str) -> list[str]:
    return re.findall(r"<article.*?</article>", section, flags=re.DOTALL)


def test_projects_are_grouped_under_projects_with_their_light_as_text(
    app: Flask,
    world: World,  # noqa: F811
    lit: int,
    client: FlaskClient,
    in_english: Callable,
) -> None:
    with app.app_context():
        project = db.session.get(Project, lit)
        assert project is not None
        services.update_status(
            account(world.official), project, light=Light.AMBER, progress=40, reason="Zamuda."
        )
        db.session.commit()
    in_english(client)
    page = client.get("/search", query_string={"q": "razsvetljavo"}).get_data(as_text=True)
    assert '<h2 id="found-projects">Projects</h2>' in page
    assert "Nothing matches" not in page
    for other in ("initiatives", "questions", "replies"):
        assert TITLE not in _section(page, other)
    projects = _section(page, "projects")
    assert "1 project" in projects
    (card,) = _cards(projects)
    assert re.search(rf'href="/projects/{lit}"', card)
    assert TITLE in card
    assert CODE in card
    assert UNIT_NAME in card
    assert "amber" in card
    assert "At risk" in card  # what the colour means, in words
    assert "40 % done" in card
    assert SUMMARY in card


def test_the_page_in_slovenian_finds_by_code(app: Flask, lit: int, client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": CODE}).get_data(as_text=True)
    (card,) = _cards(_section(page, "projects"))
    assert TITLE in card
    assert "Nič ne ustreza" not in page


def test_the_page_costs_the_same_for_one_project_and_many(
    app: Flask,
    make_ugdp_project: Callable[..., int],  # noqa: F811
    client: FlaskClient,
    count_queries: CountQueries,
) -> None:
    make_ugdp_project("P-0", "Razsvetljava ceste 0")
    one = measure(client, count_queries, "/search?q=razsvetljava")
    for n in range(1, 8):
        make_ugdp_project(f"P-{n}", f"Razsvetljava ceste {n}")
    many = measure(client, count_queries, "/search?q=razsvetljava")
    assert len(one) == len(many), many.report()
    # The projects' own: the capped count, and the page with the units joined in.
    own = [statement for statement in many if "FROM projects" in statement]
    assert len(own) == 2, many.report()
    assert "org_units" in own[1]
    projects = _section(client.get("/search?q=razsvetljava").get_data(as_text=True), "projects")
    assert len(_cards(projects)) == 5
    assert "8 " in projects
    assert 'href="/projects/?q=razsvetljava"' in projects


# --- the migration --------------------------------------------------------------------------

BEFORE = "n10projects01"
REVISION = "o11psearch0001"


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    """An app on a fresh database migrated up to the revision before this one."""
    with app_at(databases, "project_search_migration", BEFORE) as app:
        yield app


def _old_project() -> None:
    """A project of UGDP, written before this revision (with the models: this revision adds
    no column, so they match the tables of the revision before it)."""
    seed_reference_data()
    unit = OrgUnit(code="UGDP", name=UNIT_NAME, kind=OrgUnitKind.OFFICE)
    db.session.add(unit)
    db.session.flush()
    topic = db.session.scalar(sa.select(Topic.id).where(Topic.slug == "promet"))
    today = utcnow().date()
    services.create(
        None,
        CODE,
        services.Details(TITLE, SUMMARY, DESCRIPTION, unit.id, topic, None, None),
        starts_on=today,
        ends_on=today,
        system=True,
    )
    db.session.commit()


def _search_objects() -> set[str]:
    """The names of the project index's tables, views, triggers and functions that exist."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT relname FROM pg_class WHERE relname LIKE 'project_search%'"
            " UNION SELECT proname FROM pg_proc WHERE proname LIKE 'project_search%'"
            " UNION SELECT tgname FROM pg_trigger WHERE tgname LIKE 'project_search%'"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE name LIKE 'projects_%'"
    return set(db.session.scalars(sa.text(query)))


def test_the_migration_indexes_existing_projects_and_goes_down(old_app: Flask) -> None:
    with old_app.app_context():
        _old_project()
        assert _search_objects() == set()
        db.session.remove()

        upgrade(revision=REVISION)

        assert _search_objects()
        for text in ("razsvetljavo", "sola", "svetilka", CODE):
            assert _search(text) == {CODE}, text
        # New writes are followed.
        db.session.execute(sa.text("UPDATE projects SET title = 'Obnova mostu'"))
        db.session.commit()
        assert _search("mostu") == {CODE}
        db.session.remove()

        downgrade(revision=BEFORE)

        assert _search_objects() == set()
        # The projects are untouched, and can still be written.
        db.session.execute(sa.text("UPDATE projects SET title = 'Popravljeno'"))
        db.session.commit()
        assert db.session.scalar(sa.text("SELECT count(*) FROM projects")) == 1
        db.session.remove()

        # Up again: the index is built anew from the projects as they are.
        upgrade(revision=REVISION)
        assert _search("popravljeno") == {CODE}
        assert _search("mostu") == set()
        # Empty again for the way down to the base (the unit is referenced by the project).
        for table in ("project_updates", "projects", "org_units"):
            db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
        db.session.commit()
        db.session.remove()
