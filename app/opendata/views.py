"""The open-data page, the dumped files and the catalogue: read-only, for everyone.

Nothing here reads the database: the page and the catalogue are made from the registry, the
configuration and the dump's manifest, and the files are served from ``OPEN_DATA_FOLDER`` as
the dump left them (in production the reverse proxy can serve that folder itself; see
docs/open-data.md). Only names the registry knows are served, so no path a visitor sends ever
reaches the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, ngettext

from app.core.urls import public_url_for
from app.opendata import bp, dumps, syntaxes
from app.opendata.datasets import Dataset, all_datasets, by_file

#: How long a client may keep a file before asking again; a new dump comes once a day, and
#: the question costs a 304 (the file's ETag and Last-Modified).
MAX_AGE = 3600
_SYNTAX_BY_EXTENSION = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}


def _open_to_all(response: Response) -> Response:
    # Open data: any web page may fetch it (no credentials are involved, none are sent).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def file_size(size: int) -> str:
    """A file's size as people read it: bytes, kB or MB (decimal units, as browsers show)."""
    if size < 1000:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    if size < 1_000_000:
        return format_decimal(size / 1000, "#,##0.0") + " kB"
    return format_decimal(size / 1_000_000, "#,##0.0") + " MB"


@dataclass(frozen=True)
class Row:
    """A dataset as the page lists it: with its latest dump, if there is one."""

    dataset: Dataset
    entry: dumps.Entry | None

    @property
    def generated_at(self) -> datetime | None:
        return self.entry.generated_at if self.entry else None


#: The API's examples on the page: what each does, and the path (after the site's address).
API_EXAMPLES = (
    ("list", "/api/v1/initiatives"),
    ("filter", "/api/v1/questions?origin=councillor&state=overdue"),
    ("next", "/api/v1/questions?cursor=CURSOR"),
    ("item", "/api/v1/replies/1"),
)


@bp.get("/open-data")
def index() -> ResponseReturnValue:
    manifest = dumps.read_manifest()
    config = current_app.config
    public = config["PUBLIC_URL"]
    return render_template(
        "opendata/index.html",
        rows=[Row(dataset, manifest.entries.get(dataset.id)) for dataset in all_datasets()],
        manifest_url=public_url_for("opendata.file", name=dumps.MANIFEST),
        has_manifest=bool(manifest.entries),
        catalogue_url=public_url_for("opendata.catalog"),
        catalogue_files={
            extension: public_url_for("opendata.catalog_as", extension=extension)
            for extension in _SYNTAX_BY_EXTENSION
        },
        licence_name=config["OPEN_DATA_LICENCE"],
        licence_url=config["OPEN_DATA_LICENCE_URL"],
        api_root=public + syntaxes.API_ROOT,
        api_description=public + syntaxes.API_DESCRIPTION,
        api_examples=[(kind, public + path) for kind, path in API_EXAMPLES],
        feeds={
            "initiatives": public_url_for("feeds.initiatives"),
            "questions": public_url_for("feeds.questions"),
            "replies": public_url_for("feeds.replies"),
            "sessions": public_url_for("feeds.sessions"),
        },
        file_size=file_size,
    )


def _missing(name: str) -> ResponseReturnValue:
    """A file the registry knows, not written yet: say so, and when it will be."""
    return render_template("opendata/missing.html", name=name), 404


@bp.get("/open-data/<name>")
def file(name: str) -> ResponseReturnValue:
    """A dataset's latest CSV, or the manifest: only names the registry knows.

    :raise 404: for any other name (``..``, slashes, NUL, absolute paths never match one).
    """
    dataset = by_file(name)
    if dataset is None and name != dumps.MANIFEST:
        abort(404)
    path = dumps.folder() / name
    if not path.is_file():
        return _missing(name)
    is_csv = dataset is not None
    response = send_file(
        path,
        mimetype="text/csv" if is_csv else "application/json",
        as_attachment=is_csv,
        download_name=f"glas-{name}" if is_csv else name,
        conditional=True,
        etag=True,
        max_age=MAX_AGE,
    )
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return _open_to_all(response)


def _catalogue_response(syntax: str) -> Response:
    # Here, not at the top: rdflib is loaded by the first request for the catalogue only.
    from app.opendata import catalogue

    graph = catalogue.build(dumps.read_manifest())
    media_type = syntaxes.MEDIA_TYPES[syntax]
    response = Response(
        catalogue.serialise(graph, syntax), content_type=f"{media_type}; charset=utf-8"
    )
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.add_etag()
    _open_to_all(response)
    response.make_conditional(request)  # a 304 without the body if the ETag matches
    return response


@bp.get("/open-data/catalog.<extension>")
def catalog_as(extension: str) -> ResponseReturnValue:
    """The catalogue in one syntax, by its extension: ``.ttl``, ``.rdf`` or ``.jsonld``."""
    syntax = _SYNTAX_BY_EXTENSION.get(extension)
    if syntax is None:
        abort(404)
    return _catalogue_response(syntax)


@bp.get("/open-data/catalog")
def catalog() -> ResponseReturnValue:
    """The catalogue in the syntax the client asks for (``Accept``); Turtle by default."""
    offered = {media_type: syntax for syntax, media_type in syntaxes.MEDIA_TYPES.items()}
    if not request.accept_mimetypes:
        chosen: str | None = syntaxes.MEDIA_TYPES["turtle"]
    else:
        chosen = request.accept_mimetypes.best_match(list(offered))
    if chosen is None:
        page = render_template("opendata/not_acceptable.html", offered=offered)
        return page, 406, {"Vary": "Accept"}
    response = _catalogue_response(offered[chosen])
    response.vary.add("Accept")
    return response
