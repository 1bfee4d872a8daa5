"""The open-data page and the files it serves: headers, conditional requests, and only the
names the registry knows."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.opendata import datasets
from tests.opendata.conftest import read_csv


def fetch(client: FlaskClient, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
    """A response read to its end and closed (a file's handle is not left to the collector)."""
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def _dumped(dump: Callable[..., Result]) -> None:
    result = dump()
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize("english", [False, True], ids=["sl", "en"])
def test_the_page_before_any_dump(
    client: FlaskClient, in_english: Callable[[FlaskClient], None], english: bool
) -> None:
    if english:
        in_english(client)
    response = client.get("/open-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{"en" if english else "sl"}">' in html
    for dataset in datasets.all_datasets():
        assert f'id="dataset-{dataset.id}"' in html
        assert 'href="/open-data/' + dataset.file not in html  # nothing to download yet
    if english:
        assert html.count("not yet generated") == len(datasets.all_datasets())
        assert "The files have not been generated yet." in html
    assert "Set-Cookie" not in response.headers


@pytest.mark.usefixtures("demo_site")
def test_the_page_after_a_dump(
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
    dump: Callable[..., Result],
    folder: Path,
) -> None:
    _dumped(dump)
    in_english(client)
    html = client.get("/open-data").get_data(as_text=True)
    manifest = json.loads((folder / "datasets.json").read_text(encoding="utf-8"))
    for entry in manifest["datasets"]:
        assert f'href="/open-data/{entry["file"]}" type="text/csv" download' in html
        rows = entry["rows"]
        assert f"{rows} row" in html
    assert "not yet generated" not in html
    assert 'href="/open-data/datasets.json"' in html
    # The licence from the configuration, and how to name the source.
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in html
    )
    assert "Source: Mestna občina Kranj, Glas (http://localhost/open-data), CC BY 4.0." in html
    # The API, its document, examples, the feeds and the catalogue for harvesters.
    assert 'href="http://localhost/api/v1/"' in html
    assert 'href="http://localhost/api/v1/openapi.json"' in html
    assert html.count("curl &#34;http://localhost/api/v1/") == 4
    assert 'href="http://localhost/initiatives/feed.atom"' in html
    assert 'href="http://localhost/open-data/catalog"' in html
    assert "No personal data" in html


def test_the_page_and_the_catalogue_read_no_database(
    client: FlaskClient,
    count_queries: Callable[[], AbstractContextManager[Any]],
    dump: Callable[..., Result],
) -> None:
    _dumped(dump)
    with count_queries() as queries:
        assert client.get("/open-data").status_code == 200
        assert client.get("/open-data/catalog.ttl").status_code == 200
        assert fetch(client, "/open-data/initiatives.csv").status_code == 200
    queries.expect(0)


def test_the_footer_links_the_page(client: FlaskClient) -> None:
    assert 'href="/open-data"' in client.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("demo_site")
def test_a_file_is_served_with_its_headers(
    client: FlaskClient, dump: Callable[..., Result], folder: Path
) -> None:
    _dumped(dump)
    response = fetch(client, "/open-data/initiatives.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=glas-initiatives.csv"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Set-Cookie" not in response.headers
    assert response.data == (folder / "initiatives.csv").read_bytes()
    assert len(read_csv(response.data)) > 1
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]

    # Conditional requests: a harvester that has the file gets a 304 without it.
    not_modified = fetch(client, "/open-data/initiatives.csv", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    again = fetch(client, "/open-data/initiatives.csv", headers={"If-Modified-Since": modified})
    assert again.status_code == 304
    assert again.data == b""
    assert fetch(client, "/open-data/initiatives.csv", "HEAD").status_code == 200

    manifest = fetch(client, "/open-data/datasets.json")
    assert manifest.status_code == 200
    assert manifest.headers["Content-Type"] == "application/json"
    assert manifest.headers["Access-Control-Allow-Origin"] == "*"
    assert "attachment" not in manifest.headers.get("Content-Disposition", "")
    assert manifest.json is not None
    assert len(manifest.json["datasets"]) == len(datasets.all_datasets())


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize("english", [False, True], ids=["sl", "en"])
@pytest.mark.parametrize("name", ["initiatives.csv", "accountability-units.csv", "datasets.json"])
def test_a_file_not_dumped_yet_is_a_clear_404(
    client: FlaskClient, in_english: Callable[[FlaskClient], None], english: bool, name: str
) -> None:
    if english:
        in_english(client)
    response = client.get(f"/open-data/{name}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert name in html
    assert 'href="/open-data"' in html
    if english:
        assert "This file is not there yet" in html
        assert "has not been generated yet" in html


@pytest.mark.parametrize(
    "path",
    [
        "/open-data/..",
        "/open-data/../config.py",
        "/open-data/..%2F..%2Fetc%2Fpasswd",
        "/open-data/%2e%2e%2finstance%2fconfig.py",
        "/open-data/%2Fetc%2Fpasswd",
        "/open-data//etc/passwd",
        "/open-data/initiatives.csv%00",
        "/open-data/initiatives.csv%00.txt",
        "/open-data/initiatives.csv/",
        "/open-data/INITIATIVES.CSV",
        "/open-data/initiatives",
        "/open-data/.dump.lock",
        "/open-data/.initiatives.csv.abc.tmp",
        "/open-data/secret.csv",
        "/open-data/catalog.exe",
        "/open-data/initiatives.csv?name=../../etc/passwd",
    ],
)
def test_only_the_registrys_names_are_served(
    client: FlaskClient, dump: Callable[..., Result], folder: Path, path: str
) -> None:
    _dumped(dump)
    # Files that are in the folder, or beside it, but not the registry's.
    (folder / "secret.csv").write_text("PLANTED-BESIDE", encoding="utf-8")
    (folder / ".initiatives.csv.abc.tmp").write_text("PLANTED-HALF", encoding="utf-8")
    (folder.parent / "config.py").write_text("PLANTED-OUTSIDE = 1", encoding="utf-8")
    response = fetch(client, path)
    if path.endswith("?name=../../etc/passwd"):  # the query is not part of the name
        assert response.status_code == 200
        assert response.data == (folder / "initiatives.csv").read_bytes()
        return
    assert 400 <= response.status_code < 500, response.status_code
    assert b"PLANTED-" not in response.data


def test_the_folder_comes_from_the_configuration(
    app_for: Callable[..., Flask], tmp_path: Path
) -> None:
    other = app_for(OPEN_DATA_FOLDER=str(tmp_path / "elsewhere"))
    result = other.test_cli_runner().invoke(args=["open-data", "dump", "--only", "sessions"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "sessions.csv").is_file()
    assert fetch(other.test_client(), "/open-data/sessions.csv").status_code == 200
