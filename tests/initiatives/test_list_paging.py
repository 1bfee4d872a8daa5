"""The public list pages by number and stops counting at a cap ("more than 1,000")."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.initiatives import queries


@pytest.fixture
def five(make_initiative) -> list[int]:
    return [make_initiative(title=f"Pobuda številka {n}") for n in range(5)]


def test_a_capped_count_says_more_than(
    client: FlaskClient, in_english, five: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_english(client)
    # The real cap is 1,000; three keeps the test small. Five initiatives, two a page.
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    first = client.get("/initiatives/").get_data(as_text=True)
    assert "More than 3 initiatives" in first
    assert "Page 1</p>" in first
    assert "of 2" not in first  # the number of pages is not known
    assert 'href="/initiatives/?page=2" rel="next"' in first
    third = client.get("/initiatives/?page=3").get_data(as_text=True)
    assert third.count("Pobuda številka") == 1
    assert 'rel="prev"' in third
    assert 'rel="next"' not in third
    assert client.get("/initiatives/?page=4").status_code == 404


def test_an_exact_count_names_the_pages(client: FlaskClient, in_english, five: list[int]) -> None:
    in_english(client)
    page = client.get("/initiatives/").get_data(as_text=True)
    assert "5 initiatives" in page
    assert "More than" not in page
    assert 'rel="next"' not in page  # all five fit on the first page


@pytest.mark.parametrize("bad", ["0", "-1", "²", "10001", "9" * 400, "x"])
def test_bad_page_numbers_are_400(client: FlaskClient, five: list[int], bad: str) -> None:
    assert client.get(f"/initiatives/?page={bad}").status_code == 400


@pytest.mark.parametrize("path", ["/initiatives/", "/", "/initiatives/export.csv"])
def test_lists_leave_the_long_columns_in_the_database(
    client: FlaskClient, count_queries, make_initiative, path: str
) -> None:
    # A card needs no text, HTML, lemmas or response: reading them made each row ~2 kB.
    make_initiative(title="Pobuda s telesom", body="Dolgo besedilo. " * 200)
    with count_queries() as queries:
        response = client.get(path)
        response.get_data()  # the export streams: run it to the end inside the block
    assert response.status_code == 200
    listing = [q for q in queries if "FROM initiatives" in q]
    assert listing
    for statement in listing:
        for column in ("body", "body_html", "body_lemmas", "response_html"):
            assert f"initiatives.{column}," not in statement
            assert f"initiatives.{column} " not in statement
