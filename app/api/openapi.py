"""The OpenAPI 3.1 document of the API, kept beside its code (``openapi.yaml``).

Written by hand rather than generated from the views: the document is the contract, and the
tests hold the code to it (every response they receive is validated against it, and every
route must be in it), so it cannot drift silently either way. It is read once per process;
at serving time only ``servers`` is filled in, from ``PUBLIC_URL``, and the licence from the
configuration. A letter's schema is the one of ``docs/schemas/reply.schema.json``, brought in
under ``components/schemas`` so that the document stands alone.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, json

_HERE = Path(__file__).parent
_REPLY_SCHEMA = _HERE.parent.parent / "docs" / "schemas" / "reply.schema.json"
#: Under which names the letter's schema and its definitions are brought in.
LETTER = "ReplyLetter"


def _relocated(node: Any) -> Any:
    """The letter's schema with its ``#/$defs/…`` references pointing into components."""
    if isinstance(node, dict):
        moved = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                value = f"#/components/schemas/{LETTER}_" + value.removeprefix("#/$defs/")
            moved[key] = _relocated(value)
        return moved
    if isinstance(node, list):
        return [_relocated(value) for value in node]
    return node


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((_HERE / "openapi.yaml").read_text("utf-8"))
    # YAML anchors shared the preflight's answer among the paths; its key is of no use after.
    document.pop("x-shared", None)
    letter = json.loads(_REPLY_SCHEMA.read_text("utf-8"))
    schemas = document["components"]["schemas"]
    for name, definition in letter.pop("$defs", {}).items():
        schemas[f"{LETTER}_{name}"] = _relocated(definition)
    for key in ("$schema", "$id"):
        letter.pop(key, None)
    schemas[LETTER] = _relocated(letter)
    return document


def document(server: str | None = None) -> dict[str, Any]:
    """The document for this instance: its server and its data's licence filled in."""
    config = current_app.config
    found = copy.deepcopy(_document())
    found["servers"] = [{"url": (server or config["PUBLIC_URL"]) + "/api/v1"}]
    found["info"]["license"] = {
        "name": config["OPEN_DATA_LICENCE"],
        "url": config["OPEN_DATA_LICENCE_URL"],
    }
    return found
