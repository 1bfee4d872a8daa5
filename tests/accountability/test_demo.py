"""The accountability page on the whole demo (``flask seed-demo``), as the browser checks see it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.demo import seed_demo
from app.extensions import db


@pytest.fixture
def demo_site(app: Flask) -> None:
    with app.app_context():
        seed_demo()
        db.session.commit()


@pytest.mark.usefixtures("demo_site")
@pytest.mark.parametrize("english", [False, True], ids=["sl", "en"])
@pytest.mark.parametrize("query", ["", "?group=initiative", "?group=councillor&year=2016"])
def test_the_page_renders_on_the_demo(
    client: FlaskClient, in_english: Callable[[FlaskClient], None], english: bool, query: str
) -> None:
    if english:
        in_english(client)
    response = client.get(f"/accountability/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{"en" if english else "sl"}">' in html
    # Every chart the page shows is a well-formed picture.
    for start in range(html.count('src="/accountability/charts/')):
        src = html.split('src="/accountability/charts/')[start + 1].split('"')[0]
        chart = client.get("/accountability/charts/" + src.replace("&amp;", "&"))
        assert chart.status_code == 200
        root = ET.fromstring(chart.get_data())  # noqa: S314  (Glas's own output)
        assert root.findtext("{http://www.w3.org/2000/svg}desc")


@pytest.mark.usefixtures("demo_site")
@pytest.mark.parametrize("name", ["overdue", "units", "councillors", "verdicts"])
def test_the_files_on_the_demo(client: FlaskClient, name: str) -> None:
    response = client.get(f"/accountability/{name}.csv")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) >= 1
