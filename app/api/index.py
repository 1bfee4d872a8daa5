"""``/api/v1/``, linking every collection, and ``/api/v1/openapi.json``, the document."""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue

from app.api import bp, limits, openapi, params
from app.api.http import json_response
from app.core import pagecache
from app.core.urls import public_url_for

#: The collections the index links, by the endpoint of their list.
COLLECTIONS = {
    "initiatives": "api.initiatives",
    "questions": "api.questions",
    "replies": "api.replies",
    "sessions": "api.sessions",
    "councillors": "api.councillors",
    "accountability": "api.accountability",
    "projects": "api.projects",
    "commitments": "api.commitments",
}


@bp.get("/")
@pagecache.cached(guard=limits.allowed)
def index() -> ResponseReturnValue:
    params.parse(())
    config = current_app.config
    return json_response(
        {
            "name": "Glas",
            "version": "v1",
            "licence": {
                "name": config["OPEN_DATA_LICENCE"],
                "url": config["OPEN_DATA_LICENCE_URL"],
            },
            "links": {
                "self": public_url_for("api.index"),
                "openapi": public_url_for("api.openapi_document"),
                **{name: public_url_for(endpoint) for name, endpoint in COLLECTIONS.items()},
            },
        }
    )


@bp.get("/openapi.json")
@pagecache.cached(guard=limits.allowed)
def openapi_document() -> ResponseReturnValue:
    params.parse(())
    return json_response(openapi.document())
