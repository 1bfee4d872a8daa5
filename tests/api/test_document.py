"""The OpenAPI document: valid OpenAPI 3.1, served with this instance's server, and in step
with the routes (every route of the blueprint is documented, every documented path routed)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from openapi_spec_validator import validate

from tests.api.conftest import Api, document


def test_the_document_is_valid_openapi_3_1(app: Flask) -> None:
    found = document(app)
    assert found["openapi"] == "3.1.0"
    validate(found)  # raises on any error


def test_the_served_document_names_this_instance_and_the_licence(api: Api, app: Flask) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = response.get_json()
    assert served["servers"] == [{"url": "http://localhost/api/v1"}]
    assert served["info"]["license"] == {
        "name": app.config["OPEN_DATA_LICENCE"],
        "url": app.config["OPEN_DATA_LICENCE_URL"],
    }
    assert "x-shared" not in served  # the YAML anchors' holder is not part of the document
    validate(served)


def test_another_public_url_is_the_server(app_for: Any, api_for: Any) -> None:
    other = app_for(PUBLIC_URL="https://glas.kranj.si")
    served = other.test_client().get("/api/v1/openapi.json").get_json()
    assert served["servers"] == [{"url": "https://glas.kranj.si/api/v1"}]


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        for method in rule.methods or ():
            if method != "HEAD":  # implied by GET, as OpenAPI implies it
                found.add((path or "/", method.lower()))
    return found


def test_every_route_is_documented_and_every_documented_operation_routed(app: Flask) -> None:
    paths = document(app)["paths"]
    documented = {
        (path, method)
        for path, item in paths.items()
        for method in item
        if method in ("get", "options", "post", "put", "patch", "delete", "head")
    }
    assert _routes(app) == documented


def test_every_object_of_the_document_is_closed(app: Flask) -> None:
    """``additionalProperties: false`` on each object schema of ours, so a new field is drift."""
    schemas = document(app)["components"]["schemas"]
    open_objects = []

    def visit(name: str, node: Any) -> None:
        if isinstance(node, dict):
            # Figures is only ever merged into closed objects (a YAML merge of its fields).
            if (
                node.get("type") == "object"
                and "properties" in node
                and node.get("additionalProperties") is not False
                and name != "Figures"
            ):
                open_objects.append(name)
            for key, value in node.items():
                visit(f"{name}.{key}", value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(f"{name}[{index}]", value)

    for name, schema in schemas.items():
        if not name.startswith("ReplyLetter"):  # docs/schemas/reply.schema.json's own rules
            visit(name, schema)
    assert open_objects == []
