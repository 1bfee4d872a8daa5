"""The projects' CSV download: a file the ``csv`` module reads back, money in plain euros, the
list's filters applied, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import utcnow
from app.extensions import db
from app.projects import services
from app.projects.export import IMPORT_COLUMNS, READ_ONLY_COLUMNS
from app.projects.models import Light
from tests.projects.conftest import UNIT, Org, project, rows

YM = services.YearMoney


def _download(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/projects/export.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return rows(response.get_data(as_text=True))


def test_the_file_reads_back_with_every_column(
    org: Org,
    client: FlaskClient,
    make_project: Callable[..., int],
    add_milestone: Callable[..., int],
) -> None:
    pid = make_project(
        "OB-1",
        years=(YM(2026, 12_345_067, 45_600), YM(2027, 5, 0)),
        community_id=org.community,
        light=Light.AMBER,
        reason='Dobava "luči", ki zamuja;\nnova vrstica',
    )
    add_milestone(pid)
    (row,) = _download(client)
    assert list(row) == [
        *IMPORT_COLUMNS,
        "budget_2026",
        "spent_2026",
        "budget_2027",
        "spent_2027",
        *READ_ONLY_COLUMNS,
    ]
    assert row["code"] == "OB-1"
    assert row["unit"] == UNIT
    assert row["topic"] == org.topic_slug
    assert row["community"] == org.community_slug
    assert row["light"] == "amber"
    assert row["reason"] == 'Dobava "luči", ki zamuja;\nnova vrstica'
    assert (row["budget_2026"], row["spent_2026"]) == ("123450.67", "456.00")
    assert (row["budget_2027"], row["spent_2027"]) == ("0.05", "0.00")
    assert (row["budget_total"], row["original_budget_total"], row["spent_total"]) == (
        "123450.72",
        "123450.72",
        "456.00",
    )
    assert (row["starts_on"], row["ends_on"], row["original_ends_on"]) == (
        "2026-03-01",
        "2026-10-31",
        "2026-10-31",
    )
    assert (row["milestones"], row["milestones_done"], row["stale"]) == ("1", "0", "no")
    assert row["url"] == f"http://localhost/projects/{pid}"


def test_a_year_missing_in_a_project_is_an_empty_cell(
    client: FlaskClient, make_project: Callable[..., int]
) -> None:
    make_project("OB-1", years=(YM(2026, 100),))
    make_project("OB-2", years=(YM(2027, 200),))
    first, second = _download(client)
    assert (first["budget_2026"], first["budget_2027"]) == ("1.00", "")
    assert (second["budget_2026"], second["budget_2027"]) == ("", "2.00")


def test_the_filters_of_the_list_apply(
    app: Flask, org: Org, client: FlaskClient, make_project: Callable[..., int]
) -> None:
    make_project("OB-GREEN")
    make_project("OB-RED", light=Light.RED, reason="Ustavljeno.", topic_id=org.other_topic)
    make_project("OB-OTHER", unit_id=org.other_unit, community_id=org.community)
    stale = make_project("OB-STALE")
    with app.app_context():
        project(stale).updated_at = utcnow() - timedelta(days=200)
        db.session.commit()
    codes = lambda query: sorted(r["code"] for r in _download(client, query))  # noqa: E731
    assert codes("") == ["OB-GREEN", "OB-OTHER", "OB-RED", "OB-STALE"]
    assert codes("?light=red") == ["OB-RED"]
    assert codes("?light=stale") == ["OB-STALE"]
    assert codes("?unit=UOP") == ["OB-OTHER"]
    assert codes(f"?topic={org.other_topic_slug}") == ["OB-RED"]
    assert codes(f"?community={org.community_slug}") == ["OB-OTHER"]
    assert codes("?community=municipality") == ["OB-GREEN", "OB-RED", "OB-STALE"]
    assert codes("?year=2025") == []
    assert codes("?year=2026") == ["OB-GREEN", "OB-OTHER", "OB-RED", "OB-STALE"]
    assert [r["stale"] for r in _download(client, "?light=stale")] == ["yes"]


@pytest.mark.parametrize(
    "query", ["?light=purple", "?light=red&light=green", "?year=1e3", "?unit=XX"]
)
def test_a_bad_filter_is_a_400(client: FlaskClient, query: str) -> None:
    assert client.get(f"/projects/export.csv{query}").status_code == 400


def test_no_cell_runs_as_a_formula(client: FlaskClient, make_project: Callable[..., int]) -> None:
    make_project(
        "OB-1",
        title="=cmd|' /C calc'!A0",
        summary="+SUM(A1)",
        description="-2+3",
        location="@SUM(1)",
        light=Light.RED,
        reason="=HYPERLINK()",
    )
    (row,) = _download(client)
    assert row["title"] == "'=cmd|' /C calc'!A0"
    assert row["summary"] == "'+SUM(A1)"
    assert row["description"] == "'-2+3"
    assert row["location"] == "'@SUM(1)"
    assert row["reason"] == "'=HYPERLINK()"


def test_an_empty_list_is_a_header(client: FlaskClient, org: Org) -> None:
    response = client.get("/projects/export.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffcode,title,")
    assert rows(text) == []
