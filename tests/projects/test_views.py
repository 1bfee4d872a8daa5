"""The pages of projects: every bad input refused with its message beside the field and a 422
(in English and in Slovenian), nothing saved; the timeline that says what each value was
before; stale projects; the form of an older version."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import today, utcnow
from app.extensions import db
from app.projects import services
from app.projects.models import Light, Project
from tests.projects.conftest import Actors, Org, account, project


@pytest.fixture
def pid(make_project: Callable[..., int], actors: Actors) -> int:
    return make_project()


@pytest.fixture
def official(actors: Actors, signed_in: Callable[..., FlaskClient]) -> FlaskClient:
    return signed_in(actors.official)


def _new_form(org: Org, **overrides: str) -> dict[str, str]:
    data = {
        "code": "OB-2026-100",
        "title": "Nova klop",
        "summary": "Klop ob poti.",
        "description": "",
        "unit": str(org.unit),
        "topic": str(org.topic),
        "community": "",
        "location": "",
        "starts_on": "2026-03-01",
        "ends_on": "2026-10-31",
        "budget_year": "",
        "budget": "",
    }
    data.update(overrides)
    return data


def _field_error(html: str, field_id: str) -> str:
    found = re.search(
        rf'<p class="field__error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S
    )
    assert found, f"no error beside {field_id}"
    return found.group(1).strip()


def _refused_in_both_languages(
    app: Flask,
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    path: str,
    data: dict[str, str],
    field_id: str,
    message: str,
    project_id: int | None = None,
) -> None:
    with unchanged(project_id):
        response = client.post(path, data=data)
        assert response.status_code == 422, response.get_data(as_text=True)[-2000:]
        sl = _field_error(response.get_data(as_text=True), field_id)
        assert sl  # a Slovenian page says what is wrong too
        in_english(client)
        response = client.post(path, data=data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in _field_error(html, field_id)
        assert "Please correct the following:" in html
    client.delete_cookie("glas_lang")


# --- recording a project ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": ""}, "code", "Write the code."),
        ({"code": "OB 2026"}, "code", "A code is up to 30 letters, digits"),
        ({"code": "O" * 31}, "code", "Use at most 30 characters."),
        ({"code": "OB-2026-014"}, "code", "Another project already has this code."),
        ({"title": ""}, "title", "Write the title."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"title": "Klop\x01"}, "title", "Remove the invisible control characters."),
        ({"summary": "x" * 401}, "summary", "Use at most 400 characters."),
        ({"description": "x" * 20_001}, "description", "Use at most 20000 characters."),
        ({"location": "x" * 201}, "location", "Use at most 200 characters."),
        ({"unit": "999999"}, "unit", "Not a valid choice."),
        ({"unit": "abc"}, "unit", "Not a valid choice."),
        ({"topic": "999999"}, "topic", "Not a valid choice."),
        ({"community": "999999"}, "community", "Not a valid choice."),
        ({"ends_on": "2026-02-28"}, "ends_on", "The end cannot be before the start."),
        ({"starts_on": "1989-12-31"}, "starts_on", "Enter a year from 1990 to 2100."),
        ({"ends_on": "2101-01-01"}, "ends_on", "Enter a year from 1990 to 2100."),
        ({"starts_on": "1. 3. 2026"}, "starts_on", "Not a valid date value."),
        ({"budget": "-5"}, "budget", "An amount cannot be negative."),
        ({"budget": "1,234"}, "budget", "Write an amount in euros"),
        ({"budget": "99999999999"}, "budget", "Write an amount in euros"),
        ({"budget": "abc"}, "budget", "Write an amount in euros"),
        (
            {"budget_year": "1989", "budget": "100"},
            "budget_year",
            "Enter a year from 1990 to 2100.",
        ),
        ({"budget_year": "abc"}, "budget_year", "Not a valid integer value."),
        ({"budget_year": "٣"}, "budget_year", "Not a valid integer value."),
    ],
)
def test_a_bad_new_project_is_refused(
    app: Flask,
    org: Org,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    make_project: Callable[..., int],
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    make_project("OB-2026-014")
    # The amounts as an English visitor types them: "1,234" is a thousand there, so only
    # the Slovenian page can refuse it for its decimals; the English one refuses "1.234".
    data = _new_form(org, **overrides)
    _refused_in_both_languages(
        app, official, in_english, unchanged, "/projects/new", data, field, message
    ) if overrides.get("budget") != "1,234" else _amounts_by_language(
        official, in_english, unchanged, org
    )


def _amounts_by_language(
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    org: Org,
) -> None:
    with unchanged():
        sl = client.post("/projects/new", data=_new_form(org, budget="1,234"))
        assert sl.status_code == 422
        assert _field_error(sl.get_data(as_text=True), "budget")
        in_english(client)
        en = client.post("/projects/new", data=_new_form(org, budget="1.234"))
        assert en.status_code == 422
        assert "Write an amount in euros" in _field_error(en.get_data(as_text=True), "budget")


@pytest.mark.parametrize(
    ("english", "typed", "cents"),
    [
        (False, "12.345,67", 1_234_567),
        (True, "12,345.67", 1_234_567),
        (False, "12 345,67 €", 1_234_567),
        (True, "€12,345.67", 1_234_567),
        (False, "1,005", None),  # three decimals
        (True, "1.005", None),
        (False, "12,345.67", None),  # the other language's way: refused, not misread
        (True, "12.345,67", None),
        (False, "10.000.000.000,01", None),  # above ten billion
        (True, "10,000,000,000.01", None),
        (False, "1e5", None),
        (True, "NaN", None),
        (True, "Infinity", None),
    ],
)
def test_amounts_are_read_in_the_visitors_language(
    app: Flask,
    pid: int,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    english: bool,
    typed: str,
    cents: int | None,
) -> None:
    if english:
        in_english(official)
    data = {"year-year": "2027", "year-budget": typed}
    if cents is None:
        with unchanged(pid):
            response = official.post(f"/projects/{pid}/years", data=data)
            assert response.status_code == 422
            assert _field_error(response.get_data(as_text=True), "year-budget")
        return
    assert official.post(f"/projects/{pid}/years", data=data).status_code == 302
    with app.app_context():
        assert [(y.year, y.budget_cents) for y in project(pid).years][-1] == (2027, cents)


def test_an_inactive_unit_topic_or_community_is_no_choice(
    org: Org, official: FlaskClient, unchanged: Callable[..., Any]
) -> None:
    with unchanged():
        for name, value in (
            ("unit", org.inactive_unit),
            ("topic", org.inactive_topic),
            ("community", org.inactive_community),
        ):
            response = official.post("/projects/new", data=_new_form(org, **{name: str(value)}))
            assert response.status_code == 422, name


def test_a_new_project_is_recorded_with_its_first_budget(
    app: Flask, org: Org, official: FlaskClient, actors: Actors
) -> None:
    page = official.get("/projects/new").get_data(as_text=True)
    assert f'<option selected value="{org.unit}">' in page  # the official's one unit
    response = official.post(
        "/projects/new",
        data=_new_form(org, budget="12.345,67", budget_year="", community=str(org.community)),
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(sa.select(Project).where(Project.code == "OB-2026-100"))
        assert made is not None
        assert made.budget_cents == made.original_budget_cents == 1_234_567
        assert [y.year for y in made.years] == [2026]  # the year it starts
        assert made.community_id == org.community
        assert made.updates[0].actor_id == actors.official
        assert response.headers["Location"] == f"/projects/{made.id}"


# --- updating a project from its page --------------------------------------------------------


def _status(light: str, progress: str, reason: str = "") -> dict[str, str]:
    return {"status-light": light, "status-progress": progress, "status-reason": reason}


@pytest.mark.parametrize(
    ("path", "data", "field", "message"),
    [
        (
            "status",
            _status("green", "-1"),
            "status-progress",
            "Progress is a percentage from 0 to 100.",
        ),
        (
            "status",
            _status("green", "101"),
            "status-progress",
            "Progress is a percentage from 0 to 100.",
        ),
        ("status", _status("green", "abc"), "status-progress", "Not a valid integer value."),
        ("status", _status("green", "1e2"), "status-progress", "Not a valid integer value."),
        ("status", _status("green", "٣"), "status-progress", "Not a valid integer value."),
        ("status", _status("green", ""), "status-progress", "Give the progress from 0 to 100."),
        ("status", _status("green", "9" * 16), "status-progress", "The number is too large."),
        ("status", _status("amber", "30"), "status-reason", "Say why the project is at risk"),
        ("status", _status("red", "30", "   "), "status-reason", "Say why the project is at risk"),
        ("status", _status("done", "99"), "status-progress", "A project that is done is at 100 %."),
        ("status", _status("purple", "30"), "status-light", "Not a valid choice."),
        (
            "status",
            _status("red", "30", "Zamuja\x07"),
            "status-reason",
            "Remove the invisible control",
        ),
        (
            "schedule",
            {"schedule-starts_on": "2026-03-01", "schedule-ends_on": "2026-11-30"},
            "schedule-reason",
            "Say why the project is later than planned.",
        ),
        (
            "schedule",
            {"schedule-starts_on": "2026-03-02", "schedule-ends_on": "2026-10-31"},
            "schedule-reason",
            "Say why the project is later than planned.",
        ),
        (
            "schedule",
            {"schedule-starts_on": "2026-03-01", "schedule-ends_on": "2026-02-01"},
            "schedule-ends_on",
            "The end cannot be before the start.",
        ),
        (
            "schedule",
            {"schedule-starts_on": "1980-03-01", "schedule-ends_on": "2026-10-31"},
            "schedule-starts_on",
            "Enter a year from 1990 to 2100.",
        ),
        (
            "years",
            {"year-year": "2026", "year-budget": "200000"},
            "year-reason",
            "Say why the budget grows.",
        ),
        (
            "years",
            {"year-year": "2026", "year-budget": "-1"},
            "year-budget",
            "An amount cannot be negative.",
        ),
        (
            "years",
            {"year-year": "2026", "year-budget": "99999999999"},
            "year-budget",
            "Write an amount",
        ),
        (
            "years",
            {"year-year": "2026", "year-budget": "100", "year-spent": "-3"},
            "year-spent",
            "An amount cannot be negative.",
        ),
        (
            "years",
            {"year-year": "1989", "year-budget": "100"},
            "year-year",
            "Enter a year from 1990 to 2100.",
        ),
        (
            "years",
            {"year-year": "٢٠٢٦", "year-budget": "100"},
            "year-year",
            "Not a valid integer value.",
        ),
        ("years", {"year-year": "2026", "year-budget": ""}, "year-budget", "Give the budget."),
        (
            "milestones",
            {"milestone-title": "", "milestone-planned_on": "2026-05-01"},
            "milestone-title",
            "Write what the milestone is.",
        ),
        (
            "milestones",
            {"milestone-title": "x" * 201, "milestone-planned_on": "2026-05-01"},
            "milestone-title",
            "Use at most 200 characters.",
        ),
        (
            "milestones",
            {"milestone-title": "Razpis", "milestone-planned_on": "2101-05-01"},
            "milestone-planned_on",
            "Enter a year from 1990 to 2100.",
        ),
        (
            "links",
            {"link-target": "initiative", "link-target_id": "999999", "link-relation": "led_to"},
            "link-target_id",
            "There is no public item with this number.",
        ),
        (
            "links",
            {"link-target": "initiative", "link-target_id": "abc", "link-relation": "led_to"},
            "link-target_id",
            "Not a valid integer value.",
        ),
        (
            "links",
            {"link-target": "nothing", "link-target_id": "1", "link-relation": "led_to"},
            "link-target",
            "Not a valid choice.",
        ),
    ],
)
def test_a_bad_update_is_refused(
    app: Flask,
    pid: int,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    path: str,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    _refused_in_both_languages(
        app, official, in_english, unchanged, f"/projects/{pid}/{path}", data, field, message, pid
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"planned_on": "+1", "done_on": ""},
            "reason",
            "Say why the milestone is later than planned.",
        ),
        (
            {"planned_on": "0", "done_on": "+1"},
            "done_on",
            "A milestone cannot be done on a day still to come.",
        ),
        ({"planned_on": "", "done_on": ""}, "planned_on", "Give the planned day."),
        ({"planned_on": "0", "done_on": "1999-13-01"}, "done_on", "Not a valid date value."),
    ],
)
def test_a_bad_milestone_update_is_refused(
    app: Flask,
    pid: int,
    official: FlaskClient,
    add_milestone: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    planned = today() + timedelta(days=5)
    mid = add_milestone(pid, planned_on=planned)

    def day(text: str) -> str:
        if text.startswith("+") or text == "0":
            return (
                (planned if "planned" in text or text == "0" else today())
                + timedelta(days=int(text))
            ).isoformat()
        return text

    form = {
        f"m{mid}-planned_on": day(data["planned_on"]) if data["planned_on"] else "",
        f"m{mid}-done_on": (today() + timedelta(days=1)).isoformat()
        if data["done_on"] == "+1"
        else data["done_on"],
    }
    if data["planned_on"] == "+1":
        form[f"m{mid}-planned_on"] = (planned + timedelta(days=1)).isoformat()
    _refused_in_both_languages(
        app,
        official,
        in_english,
        unchanged,
        f"/projects/{pid}/milestones/{mid}",
        form,
        f"m{mid}-{field}",
        message,
        pid,
    )


def test_a_bad_edit_is_refused(
    app: Flask,
    org: Org,
    pid: int,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
) -> None:
    data = {k: v for k, v in _new_form(org).items() if k not in ("code", "starts_on", "ends_on")}
    for name, value, message in (
        ("title", "", "Write the title."),
        ("summary", "x" * 401, "Use at most 400 characters."),
        ("location", "Ulica\x1b", "Remove the invisible control characters."),
        ("topic", "999999", "Not a valid choice."),
        ("unit", str(org.inactive_unit), "Not a valid choice."),
    ):
        _refused_in_both_languages(
            app,
            official,
            in_english,
            unchanged,
            f"/projects/{pid}/edit",
            {**data, name: value},
            name,
            message,
            pid,
        )


def test_the_edit_form_shows_the_project(org: Org, pid: int, official: FlaskClient) -> None:
    page = official.get(f"/projects/{pid}/edit").get_data(as_text=True)
    assert 'value="Osvetljen prehod pred šolo"' in page
    assert f'<option selected value="{org.unit}">' in page
    assert 'name="seen"' in page


def test_an_update_is_saved_and_shown(app: Flask, pid: int, official: FlaskClient) -> None:
    response = official.post(
        f"/projects/{pid}/status", data=_status("amber", "45", "Dobava zamuja.")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{pid}#updates"
    with app.app_context():
        found = project(pid)
        assert (found.light, found.progress, found.light_reason) == (
            Light.AMBER,
            45,
            "Dobava zamuja.",
        )
    again = official.post(f"/projects/{pid}/status", data=_status("amber", "45", "Dobava zamuja."))
    assert again.status_code == 302
    with app.app_context():
        assert len(project(pid).updates) == 2  # nothing changed: no entry


def test_a_form_of_an_older_version_is_refused(
    app: Flask,
    org: Org,
    pid: int,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    add_milestone: Callable[..., int],
) -> None:
    mid = add_milestone(pid)
    with app.app_context():
        seen = services.version(project(pid))
    # Someone else changes the project meanwhile.
    with app.app_context(), services.as_the_system():
        services.update_status(None, project(pid), light=Light.GREEN, progress=25, reason=None)
        db.session.commit()
    in_english(official)
    forms = {
        "status": {**_status("done", "100"), "status-seen": seen},
        "schedule": {
            "schedule-starts_on": "2026-01-01",
            "schedule-ends_on": "2026-10-31",
            "schedule-seen": seen,
        },
        "years": {"year-year": "2026", "year-budget": "1.00", "year-seen": seen},
        "milestones": {
            "milestone-title": "M",
            "milestone-planned_on": "2026-05-01",
            "milestone-seen": seen,
        },
        f"milestones/{mid}": {f"m{mid}-planned_on": "2026-05-01", f"m{mid}-seen": seen},
        "links": {
            "link-target": "reply",
            "link-target_id": "1",
            "link-relation": "led_to",
            "link-seen": seen,
        },
        "edit": {
            "title": "Drug",
            "summary": "S",
            "unit": str(org.unit),
            "topic": str(org.topic),
            "seen": seen,
        },
    }
    for path, data in forms.items():
        with unchanged(pid):
            response = official.post(f"/projects/{pid}/{path}", data=data, follow_redirects=True)
        assert response.status_code == 200, path
        assert "Someone else updated the project meanwhile." in response.get_data(as_text=True), (
            path
        )


def test_the_forms_carry_the_version_shown(app: Flask, pid: int, official: FlaskClient) -> None:
    page = official.get(f"/projects/{pid}").get_data(as_text=True)
    with app.app_context():
        version = services.version(project(pid))
    seen = set(re.findall(r'name="[a-z0-9]*-?seen" type="hidden" value="([^"]+)"', page))
    assert seen == {version}
    status_seen = re.search(
        r'id="status-seen" name="status-seen" type="hidden" value="([^"]+)"', page
    )
    assert status_seen
    response = official.post(
        f"/projects/{pid}/status",
        data={**_status("green", "50"), "status-seen": status_seen.group(1)},
    )
    assert response.status_code == 302
    with app.app_context():
        assert project(pid).progress == 50


# --- the timeline: what it was before ---------------------------------------------------------


def test_the_timeline_says_what_each_value_was(
    app: Flask,
    org: Org,
    pid: int,
    actors: Actors,
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    make_initiative: Callable[..., int],
) -> None:
    initiative = make_initiative()
    with app.app_context():
        me, found = account(actors.official), project(pid)
        services.update_status(me, found, light=Light.RED, progress=40, reason="Pritožba soseda.")
        services.update_schedule(
            me,
            found,
            starts_on=found.starts_on,
            ends_on=found.ends_on + timedelta(days=45),
            reason="Rok ministrstva.",
        )
        services.set_year(
            me,
            found,
            year=2026,
            budget_cents=12_500_000,
            spent_cents=2_500_000,
            reason="Dražja dela.",
        )
        milestone = services.add_milestone(
            me, found, title="Gradbeno dovoljenje", planned_on=found.starts_on
        )
        services.update_milestone(
            me,
            milestone,
            planned_on=found.starts_on + timedelta(days=20),
            done_on=None,
            reason="Pritožba.",
        )
        services.update_details(
            me,
            found,
            services.Details(
                "Osvetljen prehod",
                found.summary,
                found.description,
                org.unit,
                org.topic,
                None,
                found.location,
            ),
        )
        from app.projects.models import LinkRelation, LinkTarget

        services.link(me, found, LinkTarget.INITIATIVE, initiative, LinkRelation.LED_TO)
        db.session.commit()
    in_english(client)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    timeline = html.split('id="updates-title"')[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", timeline).split())
    assert "Light: On track → Delayed or stopped" in text
    assert "Progress: 20 % → 40 %" in text
    assert "Pritožba soseda." in text
    assert "End: October 31, 2026 → December 15, 2026" in text
    assert "Rok ministrstva." in text
    assert "Budget: €100,000.00 → €125,000.00" in text
    assert "Dražja dela." in text
    assert "Planned for: March 1, 2026 → March 21, 2026" in text
    assert "Title: Osvetljen prehod pred šolo → Osvetljen prehod" in text
    # By the name it had when it was linked (kept with the entry), not only its number.
    with app.app_context():
        from app.initiatives.models import Initiative

        linked = db.session.get(Initiative, initiative)
        assert linked is not None
        title = linked.title
    assert f"Linked: initiative »{title}« (Led to the project)" in text
    assert "Recorded with the light On track, 20 % done, a budget of €100,000.00." in text
    # The page shows the first plan beside the current one.
    facts = " ".join(
        re.sub(r"<[^>]+>", " ", html.split('class="project-facts"')[1].split("</dl>")[0]).split()
    )
    assert "First planned: March 1, 2026 – October 31, 2026" in facts
    assert "45 days later than first planned" in facts
    assert "First planned: €100,000.00" in facts


# --- stale ----------------------------------------------------------------------------------


def _age(app: Flask, pid: int, days: int) -> None:
    with app.app_context():
        found = project(pid)
        found.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()


@pytest.mark.parametrize(("days", "stale"), [(89, False), (91, True)])
def test_a_project_not_updated_for_long_is_stale(
    app: Flask,
    pid: int,
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    days: int,
    stale: bool,
) -> None:
    _age(app, pid, days)
    in_english(client)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert ("This project has not been updated for" in html) is stale
    assert ("light--stale" in html) is stale
    listed = client.get("/projects/").get_data(as_text=True)
    assert ('<span class="light light--stale">' in listed.split('class="item-list"')[1]) is stale


def test_stale_follows_the_setting(
    app: Flask, app_for: Callable[..., Flask], pid: int, in_english: Callable[[FlaskClient], None]
) -> None:
    _age(app, pid, 10)
    strict = app_for(PROJECT_STALE_DAYS=7).test_client()
    in_english(strict)
    assert "This project has not been updated for 10 days." in strict.get(
        f"/projects/{pid}"
    ).get_data(as_text=True)
    lenient = app_for(PROJECT_STALE_DAYS=30).test_client()
    assert "light--stale" not in lenient.get(f"/projects/{pid}").get_data(as_text=True)


def test_a_done_project_is_never_stale(
    app: Flask, actors: Actors, pid: int, client: FlaskClient
) -> None:
    with app.app_context():
        services.update_status(
            account(actors.official), project(pid), light=Light.DONE, progress=100, reason=None
        )
        db.session.commit()
    _age(app, pid, 400)
    assert "light--stale" not in client.get(f"/projects/{pid}").get_data(as_text=True)


# --- the pages themselves --------------------------------------------------------------------


@pytest.mark.parametrize("english", [False, True])
def test_the_pages_render_in_both_languages(
    pid: int,
    client: FlaskClient,
    official: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    english: bool,
) -> None:
    for visitor in (client, official):
        if english:
            in_english(visitor)
        for path in ("/projects/", f"/projects/{pid}", "/projects/commitments"):
            response = visitor.get(path)
            assert response.status_code == 200, path
            assert f'<html lang="{"en" if english else "sl"}">' in response.get_data(as_text=True)
    for path in ("/projects/new", f"/projects/{pid}/edit", "/projects/import"):
        assert official.get(path).status_code == 200


def test_an_unknown_project_is_a_404(client: FlaskClient) -> None:
    assert client.get("/projects/999999").status_code == 404
    assert client.get("/projects/abc").status_code == 404


def test_a_project_keeps_what_is_no_longer_active(
    app: Flask, org: Org, official: FlaskClient, make_project: Callable[..., int]
) -> None:
    """A unit, topic or community retired after the project was recorded stays its own: the
    form offers it, and saving another change must not be refused for it."""
    pid = make_project(community_id=org.community)
    other = make_project("OB-2")
    from app.org.models import OrgUnit
    from app.reference.models import LocalCommunity, Topic

    with app.app_context():
        for model, key in (
            (OrgUnit, org.unit),
            (Topic, org.topic),
            (LocalCommunity, org.community),
        ):
            row = db.session.get(model, key)
            assert row is not None
            row.is_active = False
        db.session.commit()
    page = official.get(f"/projects/{pid}/edit").get_data(as_text=True)
    for key in (org.unit, org.topic, org.community):
        assert f'<option selected value="{key}">' in page
    data = {
        "title": "Osvetljen prehod",
        "summary": "Talne utripajoče luči na prehodu.",
        "description": "Prehod dobi **luči**.",
        "unit": str(org.unit),
        "topic": str(org.topic),
        "community": str(org.community),
        "location": "Šolska ulica",
    }
    response = official.post(f"/projects/{pid}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        found = project(pid)
        assert found.title == "Osvetljen prehod"
        assert (found.unit_id, found.topic_id, found.community_id) == (
            org.unit,
            org.topic,
            org.community,
        )
    # But no project is moved to what is retired.
    with app.app_context():
        row = db.session.get(Topic, org.other_topic)
        assert row is not None
        row.is_active = False
        db.session.commit()
    response = official.post(
        f"/projects/{other}/edit", data={**data, "topic": str(org.other_topic)}
    )
    assert response.status_code == 422
