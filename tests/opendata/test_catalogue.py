"""The DCAT-AP 3 catalogue: read back by rdflib in every syntax and checked with SPARQL.

DCAT-AP 3.0's mandatory properties of each class are asked for one by one, with the kind of
value DCAT-AP gives (a literal tagged with each language, a typed date, an IRI of the right
class); so are the recommended ones Glas fills in. Every address in it is absolute, and each
download, landing page and API address answers on the app.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from app.opendata import datasets, dumps
from tests.opendata.test_views import fetch

PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX dcatap: <http://data.europa.eu/r5r/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
SYNTAXES = {
    "ttl": ("text/turtle; charset=utf-8", "turtle"),
    "rdf": ("application/rdf+xml; charset=utf-8", "xml"),
    "jsonld": ("application/ld+json; charset=utf-8", "json-ld"),
}
EU = "http://publications.europa.eu/resource/authority/"
CATALOG = "http://localhost/open-data/catalog"


def parse(data: bytes, syntax: str) -> Graph:
    graph = Graph()
    with warnings.catch_warnings():
        # rdflib 7.6's own JSON-LD parser goes through its deprecated ConjunctiveGraph.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return graph.parse(data=data, format=syntax)


def _read(client: FlaskClient, extension: str) -> Graph:
    response = client.get(f"/open-data/catalog.{extension}")
    assert response.status_code == 200
    content_type, syntax = SYNTAXES[extension]
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    return parse(response.data, syntax)


def _ask(graph: Graph, query: str) -> bool:
    return bool(graph.query(PREFIXES + query).askAnswer)


def _subjects(graph: Graph, cls: str) -> list[URIRef]:
    return sorted(row[0] for row in graph.query(PREFIXES + f"SELECT ?s WHERE {{ ?s a {cls} }}"))  # type: ignore[index]


def _missing(graph: Graph, cls: str, pattern: str) -> list[str]:
    """The subjects of ``cls`` for which ``pattern`` (about ``?s``) finds nothing."""
    query = f"SELECT ?s WHERE {{ ?s a {cls} . FILTER NOT EXISTS {{ {pattern} }} }}"
    return [str(row[0]) for row in graph.query(PREFIXES + query)]  # type: ignore[index]


def _in_both_languages(graph: Graph, cls: str, prop: str) -> None:
    """In English always, in Slovenian once translated, and never English tagged as Slovenian.

    (The Slovenian catalogue is completed centrally; the texts it has are checked below.)
    """
    english = '?s {prop} ?v . FILTER (isLiteral(?v) && lang(?v) = "en" && ?v != "")'
    assert not _missing(graph, cls, english.format(prop=prop)), f"{cls} {prop} @en"
    assert not _ask(
        graph,
        f'ASK {{ ?s a {cls} ; {prop} ?sl, ?en . FILTER (lang(?sl) = "sl" && lang(?en) = "en"'
        " && str(?sl) = str(?en)) }",
    ), f"{cls} {prop}: English tagged as Slovenian"


def _check_mandatory(graph: Graph) -> None:
    """DCAT-AP 3.0's mandatory properties, class by class."""
    assert _subjects(graph, "dcat:Catalog") == [URIRef(CATALOG)]
    for cls in ("dcat:Catalog", "dcat:Dataset", "dcat:DataService"):
        _in_both_languages(graph, cls, "dct:title")
    for cls in ("dcat:Catalog", "dcat:Dataset"):
        _in_both_languages(graph, cls, "dct:description")
    assert not _missing(graph, "dcat:Catalog", "?s dct:publisher ?p . ?p a foaf:Agent")
    assert not _missing(graph, "foaf:Agent", '?s foaf:name ?n . FILTER (isLiteral(?n) && ?n != "")')
    assert not _missing(graph, "dcat:Distribution", "?s dcat:accessURL ?u . FILTER isIRI(?u)")
    assert not _missing(graph, "dcat:DataService", "?s dcat:endpointURL ?u . FILTER isIRI(?u)")
    assert not _missing(graph, "skos:Concept", "?s skos:prefLabel ?l")
    assert not _missing(graph, "skos:ConceptScheme", "?s dct:title ?t")
    assert not _missing(
        graph,
        "spdx:Checksum",
        "?s spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?v ."
        " FILTER (datatype(?v) = xsd:hexBinary)",
    )


def _check_recommended(graph: Graph) -> None:
    """The recommended properties Glas fills in (docs/open-data.md lists those it does not)."""
    for pattern in (
        "?s dct:language ?l . ?l a dct:LinguisticSystem",
        f"?s dct:language <{EU}language/SLV>, <{EU}language/ENG>",
        "?s dct:license ?l . ?l a dct:LicenseDocument",
        "?s foaf:homepage ?h . ?h a foaf:Document",
        "?s dcat:themeTaxonomy ?t . ?t a skos:ConceptScheme",
        "?s dcat:dataset ?d . ?d a dcat:Dataset",
        "?s dcat:service ?d . ?d a dcat:DataService",
    ):
        assert not _missing(graph, "dcat:Catalog", pattern), pattern
    for pattern in (
        "?s dct:identifier ?i . FILTER isLiteral(?i)",
        "?s dcat:contactPoint ?c . ?c a vcard:Kind ; vcard:hasEmail <mailto:mok@kranj.si>",
        "?s dcat:distribution ?d . ?d a dcat:Distribution",
        '?s dcat:keyword ?k . FILTER (lang(?k) = "en")',
        "?s dct:publisher ?p . ?p a foaf:Agent",
        f"?s dcat:theme <{EU}data-theme/GOVE>",
        f"?s dct:accrualPeriodicity <{EU}frequency/DAILY>",
        f"?s dct:accessRights <{EU}access-right/PUBLIC>",
        "?s dcat:landingPage ?p . ?p a foaf:Document",
    ):
        assert not _missing(graph, "dcat:Dataset", pattern), pattern
    for pattern in (
        f"?s dct:format <{EU}file-type/CSV>",
        f"<{EU}file-type/CSV> a dct:MediaTypeOrExtent",
        "?s dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv>",
        f"?s dct:license <{EU}licence/CC_BY_4_0>",
        f"?s dcatap:availability <{EU}planned-availability/AVAILABLE>",
        '?s dct:description ?d . FILTER (lang(?d) = "en")',
    ):
        assert not _missing(graph, "dcat:Distribution", pattern), pattern
    for pattern in (
        "?s dcat:endpointDescription ?d . FILTER isIRI(?d)",
        "?s dcat:servesDataset ?d . ?d a dcat:Dataset",
    ):
        assert not _missing(graph, "dcat:DataService", pattern), pattern
    assert not _missing(graph, "foaf:Agent", "?s dct:type ?t")


@pytest.mark.usefixtures("demo_site")
def test_the_catalogue_after_a_dump(
    client: FlaskClient, dump: Callable[..., Result], folder: Path
) -> None:
    assert dump().exit_code == 0
    graphs = {extension: _read(client, extension) for extension in SYNTAXES}
    turtle = graphs["ttl"]
    # One graph, whatever the syntax (and no blank node that could tell them apart).
    assert isomorphic(turtle, graphs["rdf"])
    assert isomorphic(turtle, graphs["jsonld"])
    assert set(turtle) == set(graphs["rdf"]) == set(graphs["jsonld"])

    _check_mandatory(turtle)
    _check_recommended(turtle)
    # Where the Slovenian catalogue has the text, the catalogue has it in Slovenian.
    assert _ask(turtle, f'ASK {{ <{CATALOG}#sessions> dct:title "Seje mestnega sveta"@sl }}')
    assert len(_subjects(turtle, "dcat:Dataset")) == len(datasets.all_datasets())
    # Dumped: each file's download, size, checksum and time, as the manifest says.
    manifest = dumps.read_manifest(folder)
    for dataset in datasets.all_datasets():
        entry = manifest.entries[dataset.id]
        node = f"<{CATALOG}#{dataset.id}-csv>"
        url = f"http://localhost/open-data/{dataset.file}"
        assert _ask(
            turtle,
            f"ASK {{ <{CATALOG}#{dataset.id}> dcat:distribution {node} ;"
            f' dct:identifier "{CATALOG}#{dataset.id}" ;'
            f' dct:modified "{entry.generated_at.isoformat()}"^^xsd:dateTime .'
            f" {node} dcat:downloadURL <{url}> ; dcat:accessURL <{url}> ;"
            f' dcat:byteSize "{entry.bytes}"^^xsd:nonNegativeInteger ;'
            f' dct:modified "{entry.generated_at.isoformat()}"^^xsd:dateTime ;'
            f" spdx:checksum [ spdx:checksumValue ?v ] . "
            f' FILTER (lcase(str(?v)) = "{entry.sha256}") }}',
        ), dataset.id
    assert _ask(
        turtle, f"ASK {{ <{CATALOG}> dct:modified ?m . FILTER (datatype(?m) = xsd:dateTime) }}"
    )


def test_the_catalogue_before_any_dump(client: FlaskClient, folder: Path) -> None:
    turtle = _read(client, "ttl")
    _check_mandatory(turtle)
    assert not folder.exists()
    # Nothing to download yet: the distributions point at the page that says so.
    assert not _ask(turtle, "ASK { ?d dcat:downloadURL ?u }")
    assert not _ask(turtle, "ASK { ?d dcat:byteSize ?s }")
    assert not _missing(
        turtle, "dcat:Distribution", "?s dcat:accessURL <http://localhost/open-data>"
    )


@pytest.mark.usefixtures("demo_site")
def test_every_address_is_absolute_and_answers(
    client: FlaskClient, dump: Callable[..., Result]
) -> None:
    assert dump().exit_code == 0
    turtle = _read(client, "ttl")
    ours = set()
    for triple in turtle:
        for term in triple:
            if isinstance(term, URIRef):
                parts = urlsplit(str(term))
                assert parts.scheme in ("http", "https", "mailto"), term
                if parts.netloc == "localhost":
                    ours.add(parts.path or "/")
    # Subjects are fragments of the catalogue's address; every other address is a page.
    assert {"/open-data/initiatives.csv", "/api/v1/", "/api/v1/openapi.json", "/"} <= ours
    for path in sorted(ours):
        response = fetch(client, path)
        assert response.status_code == 200, path


@pytest.mark.parametrize(
    ("accept", "syntax"),
    [
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/ld+json;q=0.9, text/turtle;q=0.5", "json-ld"),
        ("*/*", "turtle"),
        (None, "turtle"),
    ],
)
@pytest.mark.usefixtures("folder")
def test_the_catalogue_by_content_negotiation(
    client: FlaskClient, accept: str | None, syntax: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/open-data/catalog", headers=headers)
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    media_type = {"turtle": "text/turtle", "xml": "application/rdf+xml"}.get(
        syntax, "application/ld+json"
    )
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    graph = parse(response.data, syntax)
    assert isomorphic(graph, _read(client, "ttl"))


@pytest.mark.usefixtures("folder")
def test_a_format_not_offered_is_a_clear_406(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    response = client.get("/open-data/catalog", headers={"Accept": "image/png"})
    assert response.status_code == 406
    html = response.get_data(as_text=True)
    assert "This format is not offered" in html
    assert "text/turtle" in html


@pytest.mark.usefixtures("folder")
def test_the_catalogue_answers_conditional_requests(client: FlaskClient) -> None:
    first = client.get("/open-data/catalog.ttl")
    again = client.get("/open-data/catalog.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.usefixtures("folder")
def test_a_licence_the_eu_does_not_list_is_named_by_its_url(
    app: Flask, client: FlaskClient
) -> None:
    app.config["OPEN_DATA_LICENCE_URL"] = "https://example.org/licence"
    try:
        turtle = _read(client, "ttl")
    finally:
        app.config["OPEN_DATA_LICENCE_URL"] = "https://creativecommons.org/licenses/by/4.0/"
    assert not _missing(turtle, "dcat:Distribution", "?s dct:license <https://example.org/licence>")
    assert _ask(turtle, "ASK { <https://example.org/licence> a dct:LicenseDocument }")
