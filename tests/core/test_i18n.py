"""Languages: Slovenian by default, English by the switch, catalogues complete."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import ROOT

TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_slovenian_is_the_default(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="sl">' in page
    assert "Vaš glas v občini" in page
    # The switch offers English, named in English and marked as English.
    assert 'lang="en" hreflang="en"' in page


def test_switch_to_english_and_back(client: FlaskClient) -> None:
    response = client.get("/language/en?next=/about")
    assert response.status_code == 302
    assert response.headers["Location"] == "/about"
    page = client.get("/about").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "About Glas" in page
    client.get("/language/sl?next=/about")
    assert "O Glasu" in client.get("/about").get_data(as_text=True)


def test_the_switch_keeps_the_query_string(client: FlaskClient) -> None:
    page = client.get("/about?x=1").get_data(as_text=True)
    assert "/language/en?next=/about?x%3D1" in page


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "/%0d%0a"]
)
def test_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/language/en", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/", target)
    assert not location.startswith("//")
    assert "evil" not in location


def test_unknown_language_is_404(client: FlaskClient) -> None:
    assert client.get("/language/xx").status_code == 404


def test_garbage_language_cookie_falls_back_to_slovenian(client: FlaskClient) -> None:
    client.set_cookie("glas_lang", "<script>")
    assert '<html lang="sl">' in client.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(
    ("language", "expected"), [("sl", "27. novembra 2026"), ("en", "November 27, 2026")]
)
def test_dates_are_formatted_in_the_visitors_language(
    app: Flask, language: str, expected: str
) -> None:
    from app.core.templating import local_date

    with app.test_request_context(headers={"Cookie": f"glas_lang={language}"}):
        assert local_date(date(2026, 11, 27), "long") == expected


@pytest.mark.usefixtures("ctx")
def test_timestamps_show_the_day_in_ljubljana(app: Flask) -> None:
    from datetime import UTC, datetime

    from app.core.templating import local_date

    with app.test_request_context():
        # 23:30 UTC on 31 December is already 1 January in Ljubljana.
        assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "long") == "1. januarja 2027"


def _catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_slovenian_catalogue_is_complete_and_consistent() -> None:
    catalog = _catalog("sl")
    assert catalog.num_plurals == 4, "Slovenian has four plural forms"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if isinstance(message.id, tuple) and len(strings) != 4:
            problems.append(f"needs 4 plural forms: {ids[0]!r}")
        for text in strings:
            if not text:
                problems.append(f"untranslated: {ids[0]!r}")
            elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ids[-1])):
                problems.append(f"placeholders differ: {ids[0]!r}")
    assert not problems, "\n".join(problems)


def test_catalogues_are_up_to_date_with_the_code(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["translate", "extract", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "messages.pot").open("rb") as handle:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for language in ("sl", "en"):
        in_catalog = {
            m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id
        }
        missing = in_code - in_catalog
        assert not missing, (
            f"run `flask translate extract` and `update`; {language} lacks {missing}"
        )
