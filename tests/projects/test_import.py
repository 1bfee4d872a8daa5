"""Importing projects from CSV (``app.projects.importer`` and ``/projects/import``): new codes
recorded, known codes updated; a file with any bad line saves nothing and names every bad line
and column; a file that cannot be read at all is refused as a whole."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from app.extensions import db
from app.projects import importer, services
from app.projects.models import Light, Project, UpdateKind
from tests.projects.conftest import UNIT, Actors, Org, account, counts, project

HEADER = "code,title,summary,unit,topic,community,starts_on,ends_on,budget_2026,spent_2026"


def _line(code: str = "OB-2026-200", **cells: str) -> str:
    values = {
        "code": code,
        "title": "Klopi ob Savi",
        "summary": "Deset klopi ob sprehajalni poti.",
        "unit": UNIT,
        "topic": "promet",
        "community": "",
        "starts_on": "2026-04-01",
        "ends_on": "2026-09-30",
        "budget_2026": "12500.00",
        "spent_2026": "0.00",
    }
    values.update(cells)
    return ",".join(values[name] for name in HEADER.split(","))


def _file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def _problems(outcome: importer.Outcome) -> list[tuple[int, str, str]]:
    with force_locale("en"):
        return [(p.line, p.column, str(p.message)) for p in outcome.problems]


def _discarded(actor: Any, data: bytes) -> importer.Outcome:
    """Run an import and throw away what it wrote, as the page does with a bad file (in a
    SAVEPOINT of this test's own: the accounts and projects of the fixtures stay)."""
    savepoint = db.session.begin_nested()
    try:
        return importer.run(actor, data)
    finally:
        savepoint.rollback()


def _by_code(code: str) -> Project | None:
    return db.session.scalar(sa.select(Project).where(Project.code == code))


@pytest.fixture
def me(ctx: None, actors: Actors) -> Any:
    return account(actors.official)


# --- what a good file does -------------------------------------------------------------------


def test_a_new_code_records_a_project(me: Any, org: Org) -> None:
    outcome = importer.run(me, _file(_line(community=org.community_slug)))
    assert outcome.ok, _problems(outcome)
    assert outcome.created == ["OB-2026-200"]
    made = _by_code("OB-2026-200")
    assert made is not None
    assert (made.title, made.unit_id, made.topic_id, made.community_id) == (
        "Klopi ob Savi",
        org.unit,
        org.topic,
        org.community,
    )
    assert (made.starts_on, made.ends_on) == (date(2026, 4, 1), date(2026, 9, 30))
    assert made.budget_cents == made.original_budget_cents == 1_250_000
    assert made.light is Light.GREEN
    assert made.updates[0].actor_id == me.id


def test_a_known_code_updates_the_project_through_the_services(
    me: Any, make_project: Callable[..., int]
) -> None:
    pid = make_project("OB-2026-014")
    data = _file(
        "OB-2026-014,amber,45,Dobavitelj zamuja.,2026-11-30,150000.00",
        header="code,light,progress,reason,ends_on,budget_2026",
    )
    outcome = importer.run(me, data)
    assert outcome.ok, _problems(outcome)
    assert outcome.updated == ["OB-2026-014"]
    db.session.commit()
    found = project(pid)
    assert (found.light, found.progress, found.light_reason) == (
        Light.AMBER,
        45,
        "Dobavitelj zamuja.",
    )
    assert found.ends_on == date(2026, 11, 30)
    assert found.original_ends_on == date(2026, 10, 31)
    assert found.budget_cents == 15_000_000
    assert found.original_budget_cents == 10_000_000
    kinds = [u.kind for u in found.updates]
    assert kinds.count(UpdateKind.SCHEDULE) == kinds.count(UpdateKind.BUDGET) == 1
    assert kinds.count(UpdateKind.STATUS) == 1
    # Columns left out are not touched.
    assert found.title == "Osvetljen prehod pred šolo"


def test_columns_come_in_any_order_and_any_case(me: Any) -> None:
    header = "Ends_On,TOPIC,summary,code,unit,title,starts_on"
    line = "2026-09-30,promet,Deset klopi.,OB-9,UGDP,Klopi,2026-04-01"
    outcome = importer.run(me, _file(line, header=header))
    assert outcome.ok, _problems(outcome)
    made = _by_code("OB-9")
    assert made is not None
    assert made.ends_on == date(2026, 9, 30)


def test_slovenian_excel_semicolons_and_a_byte_order_mark(me: Any) -> None:
    text = (
        HEADER.replace(",", ";") + "\r\n" + _line(title='"Klopi; nove"').replace(",", ";") + "\r\n"
    )
    outcome = importer.run(me, "\ufeff".encode() + text.encode())
    assert outcome.ok, _problems(outcome)
    made = _by_code("OB-2026-200")
    assert made is not None
    assert made.title == "Klopi; nove"


def test_a_file_with_an_empty_line_at_the_end(me: Any) -> None:
    outcome = importer.run(me, _file(_line(), ",,,,,,,,,", ""))
    assert outcome.ok, _problems(outcome)
    assert outcome.created == ["OB-2026-200"]


def test_an_exported_list_imports_again_unchanged(
    app: Flask,
    org: Org,
    actors: Actors,
    make_project: Callable[..., int],
    add_milestone: Callable[..., int],
    client: FlaskClient,
    signed_in: Callable[..., FlaskClient],
) -> None:
    make_project(
        "OB-1",
        description="- prvi korak\n- drugi korak",  # a Markdown list: a cell starting with "-"
        community_id=org.community,
        light=Light.RED,
        reason="=Ustavljeno do odločitve.",
        title="+ prehod",
        years=(services.YearMoney(2026, 10_000_000, 1), services.YearMoney(2027, 0, 0)),
    )
    add_milestone(make_project("OB-2", location="@ Šolska ulica", summary="'Navedek' v povzetku"))
    make_project("OB-3", light=Light.DONE, progress=100, years=())
    exported = client.get("/projects/export.csv").data
    with app.app_context():
        before = counts()
        outcome = _discarded(account(actors.official), exported)
        assert outcome.ok, _problems(outcome)
        assert (outcome.created, outcome.updated) == ([], [])
        assert sorted(outcome.unchanged) == ["OB-1", "OB-2", "OB-3"]
        assert counts() == before
    # And through the page.
    official = signed_in(actors.official)
    response = official.post(
        "/projects/import",
        data={"file": (io.BytesIO(exported), "projekti.csv")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        assert counts() == before
        found = _by_code("OB-1")
        assert found is not None
        assert found.description == "- prvi korak\n- drugi korak"
        assert found.title == "+ prehod"


# --- one bad line: nothing saved, every bad line named ----------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"unit": "XYZ"}, "unit", "No unit has the code XYZ."),
        ({"unit": "OLD"}, "unit", "No unit has the code OLD."),
        ({"unit": "UOP"}, "unit", "You are not an official of this project's unit."),
        ({"topic": "nothing"}, "topic", "No topic is called nothing."),
        ({"community": "nikjer"}, "community", "No local community is called nikjer."),
        ({"ends_on": "2026-03-01"}, "ends_on", "The end cannot be before the start."),
        ({"starts_on": "1.4.2026"}, "starts_on", "Write the day as YYYY-MM-DD, e.g. 2026-09-01."),
        ({"starts_on": "2026-02-30"}, "starts_on", "Write the day as YYYY-MM-DD, e.g. 2026-09-01."),
        ({"starts_on": "1980-04-01"}, "starts_on", "Enter a year from 1990 to 2100."),
        ({"budget_2026": "-5.00"}, "budget_2026", "An amount cannot be negative."),
        (
            {"budget_2026": "12.505"},
            "budget_2026",
            "Write the amount in euros with a point, e.g. 125000.00.",
        ),
        (
            {"budget_2026": '"12,50"'},
            "budget_2026",
            "Write the amount in euros with a point, e.g. 125000.00.",
        ),
        (
            {"budget_2026": "1e5"},
            "budget_2026",
            "Write the amount in euros with a point, e.g. 125000.00.",
        ),
        (
            {"budget_2026": "100000000000.00"},
            "budget_2026",
            "Write the amount in euros with a point, e.g. 125000.00.",
        ),
        ({"spent_2026": "-1"}, "spent_2026", "An amount cannot be negative."),
        (
            {"code": "OB 2026"},
            "code",
            "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014).",
        ),
        (
            {"code": "O" * 31},
            "code",
            "A code is up to 30 letters, digits and . _ / - (e.g. OB-2026-014).",
        ),
        ({"code": ""}, "code", "This is required."),
        ({"title": ""}, "title", "A new project needs this column filled in."),
        ({"title": "x" * 201}, "title", "At most 200 characters."),
        ({"title": "Klopi\x07"}, "title", "Remove the invisible control characters."),
        (
            {"summary": "Klopi \u202e ob Savi"},
            "summary",
            "Remove the invisible characters that change the direction of the text.",
        ),
    ],
)
def test_a_bad_line_among_good_ones_saves_nothing(
    me: Any,
    org: Org,
    make_project: Callable[..., int],
    cells: dict[str, str],
    column: str,
    message: str,
) -> None:
    make_project("OB-2026-014")
    db.session.expire_all()
    before = counts()
    outcome = _discarded(
        me, _file(_line("OB-A"), _line(**{"code": "OB-B", **cells}), _line("OB-C"))
    )
    assert _problems(outcome) == [(3, column, message)]
    assert not outcome.ok
    assert counts() == before
    assert _by_code("OB-A") is None


@pytest.mark.parametrize(
    ("header", "line", "column", "message"),
    [
        ("code,progress", "OB-2026-014,abc", "progress", "Progress is a percentage from 0 to 100."),
        ("code,progress", "OB-2026-014,1e2", "progress", "Progress is a percentage from 0 to 100."),
        ("code,progress", "OB-2026-014,٣", "progress", "Progress is a percentage from 0 to 100."),
        ("code,progress", "OB-2026-014,101", "progress", "Progress is a percentage from 0 to 100."),
        ("code,progress", "OB-2026-014,-1", "progress", "Progress is a percentage from 0 to 100."),
        (
            "code,light",
            "OB-2026-014,purple",
            "light",
            "The light is one of green, amber, red and done.",
        ),
        (
            "code,light",
            "OB-2026-014,amber",
            "reason",
            "Say why the project is at risk, delayed or stopped.",
        ),
        ("code,light", "OB-2026-014,done", "progress", "A project that is done is at 100 %."),
        (
            "code,ends_on",
            "OB-2026-014,2026-12-31",
            "reason",
            "Say why the project is later than planned.",
        ),
        ("code,budget_2026", "OB-2026-014,200000.00", "reason", "Say why the budget grows."),
        ("code,budget_1989", "OB-2026-014,1.00", "budget_1989", "Enter a year from 1990 to 2100."),
        (
            "code,unit",
            "OB-2026-014,UOP",
            "unit",
            "You can hand a project only to a unit you work in.",
        ),
        ("code,title", "OB-2026-014,", "title", "This is required."),
    ],
)
def test_a_bad_update_saves_nothing(
    me: Any,
    make_project: Callable[..., int],
    header: str,
    line: str,
    column: str,
    message: str,
) -> None:
    pid = make_project("OB-2026-014")
    db.session.expire_all()
    before = counts(), project(pid).progress, project(pid).light
    outcome = _discarded(me, _file(line, header=header))
    assert _problems(outcome) == [(2, column, message)]
    assert (counts(), project(pid).progress, project(pid).light) == before


def test_every_bad_line_is_reported(me: Any) -> None:
    data = _file(
        _line("OB-1"),
        _line("OB-2", unit="XYZ"),
        _line("OB-3"),
        _line("OB-4", ends_on="2020-01-01"),
        _line("OB-3", title="Spet"),
        "OB-6,Klopi",
    )
    outcome = importer.run(me, data)
    assert _problems(outcome) == [
        (3, "unit", "No unit has the code XYZ."),
        (5, "ends_on", "The end cannot be before the start."),
        (6, "code", "The code is also on line 4."),
        (7, "", "This line has not as many cells as the header."),
    ]


def test_a_project_of_another_unit_is_not_updated(
    me: Any, org: Org, make_project: Callable[..., int]
) -> None:
    pid = make_project("OB-UOP", unit_id=org.other_unit)
    outcome = _discarded(me, _file("OB-UOP,50", header="code,progress"))
    assert _problems(outcome) == [(2, "unit", "You are not an official of this project's unit.")]
    assert project(pid).progress == 20


def test_an_official_of_both_units_imports_for_both(ctx: None, org: Org, actors: Actors) -> None:
    outcome = importer.run(account(actors.both), _file(_line("OB-1"), _line("OB-2", unit="UOP")))
    assert outcome.ok, _problems(outcome)
    assert sorted(outcome.created) == ["OB-1", "OB-2"]


def test_a_retired_unit_stays_the_projects_own_on_import(
    me: Any, org: Org, make_project: Callable[..., int]
) -> None:
    from app.org.models import OrgUnit

    pid = make_project("OB-2026-014")
    unit = db.session.get(OrgUnit, org.unit)
    assert unit is not None
    unit.is_active = False
    db.session.commit()
    outcome = importer.run(me, _file(f"OB-2026-014,{UNIT},Nov naslov", header="code,unit,title"))
    assert outcome.ok, _problems(outcome)
    assert project(pid).title == "Nov naslov"


# --- a file that cannot be read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (
            "code,title\nOB-1,Klopi čez\n".encode("cp1250"),
            "The file is not in UTF-8. Save it as CSV UTF-8.",
        ),
        (b"code,title\nOB-1,\x00\n", "The file is not a CSV file."),
        (b"title,summary\nKlopi,Deset\n", "The header row has no column code."),
        (b"code,colour\nOB-1,red\n", "Unknown columns: colour. See the format below."),
        (b"code,budget_20x6\nOB-1,1\n", "Unknown columns: budget_20x6. See the format below."),
        (b"code,title,Title\nOB-1,a,b\n", "These columns appear twice: title."),
        (b'code,title\nOB-1,"Klopi\n', "Line 2 cannot be read (a quote not closed?)."),
        (b"x" * (2 * 1024 * 1024 + 1), "The file is larger than 2 MB."),
        (
            b"code,title\n" + b"".join(b"OB-%d,K\n" % n for n in range(5001)),
            "The file has more than 5000 lines.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(me: Any, data: bytes, message: str) -> None:
    before = counts()
    with pytest.raises(importer.BadFile) as raised:
        importer.run(me, data)
    with force_locale("en"):
        assert str(raised.value.message) == message
    assert counts() == before


def test_five_thousand_lines_are_read(me: Any) -> None:
    _, lines = importer.read(b"code,title\n" + b"".join(b"OB-%d,K\n" % n for n in range(5000)))
    assert len(lines) == 5000


def test_a_header_alone_has_no_projects(me: Any) -> None:
    outcome = importer.run(me, b"code,title\n")
    assert _problems(outcome) == [(1, "", "The file has no projects.")]


def test_read_only_columns_are_ignored(me: Any, make_project: Callable[..., int]) -> None:
    pid = make_project("OB-2026-014")
    outcome = importer.run(me, _file("OB-2026-014,999,yes,x", header="code,delay_days,stale,url"))
    assert outcome.ok
    assert outcome.unchanged == ["OB-2026-014"]
    assert project(pid).delay_days == 0


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def official(actors: Actors, signed_in: Callable[..., FlaskClient]) -> FlaskClient:
    return signed_in(actors.official)


def _upload(client: FlaskClient, data: bytes, name: str = "projekti.csv") -> Any:
    # The body made here: Werkzeug's test client spools a large one to a temporary file it
    # never closes (a ResourceWarning, an error under filterwarnings).
    boundary = "glas-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/projects/import",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_the_page_imports_and_says_how_many(
    app: Flask,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    make_project: Callable[..., int],
) -> None:
    make_project("OB-2026-014")
    in_english(official)
    response = _upload(official, _file(_line("OB-1")))
    assert response.status_code == 302
    assert response.headers["Location"] == "/projects/import"
    page = official.get("/projects/import").get_data(as_text=True)
    assert "Imported: 1 new, 0 updated, 0 unchanged." in page
    response = _upload(
        official,
        _file("OB-1,Klopi", "OB-2026-014,Nov naslov", "OB-2026-014x,", header="code,title"),
    )
    assert response.status_code == 422  # OB-2026-014x is new: it needs a title and more
    response = _upload(
        official, _file("OB-1,Klopi", "OB-2026-014,Nov naslov", "OB-2026-014,", header="code,title")
    )
    assert response.status_code == 422  # OB-2026-014 twice
    response = _upload(
        official, _file("OB-1,Nove klopi", "OB-2026-014,Nov naslov", header="code,title")
    )
    assert response.status_code == 302
    page = official.get("/projects/import").get_data(as_text=True)
    assert "Imported: 0 new, 2 updated, 0 unchanged." in page
    with app.app_context():
        assert _by_code("OB-1") is not None
        assert project(_by_code("OB-2026-014").id).title == "Nov naslov"  # type: ignore[union-attr]


@pytest.mark.parametrize("english", [True, False])
def test_the_page_lists_every_bad_line_and_saves_nothing(
    app: Flask,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    english: bool,
) -> None:
    if english:
        in_english(official)
    with unchanged():
        response = _upload(
            official,
            _file(_line("OB-1"), _line("OB-2", topic="nic"), _line("OB-3", budget_2026="-1")),
        )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("<li>") >= 2
    if english:
        assert "Line 3, column topic: No topic is called nic." in html
        assert "Line 4, column budget_2026: An amount cannot be negative." in html
        assert "Nothing of this file was saved." in html
    else:
        assert "budget_2026" in html
        assert "topic" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        ("code\nOB-1\n".encode("utf-16"), "The file is not in UTF-8. Save it as CSV UTF-8."),
        (b"x" * (2 * 1024 * 1024 + 10), "The file is larger than 2 MB."),
        (b'code,title\nOB-1,"x\n', "Line 2 cannot be read (a quote not closed?)."),
    ],
)
def test_the_page_refuses_a_file_it_cannot_read(
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    data: bytes,
    message: str,
) -> None:
    in_english(official)
    with unchanged():
        response = _upload(official, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_page_without_a_file(
    official: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(official)
    response = official.post("/projects/import", data={})
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)
