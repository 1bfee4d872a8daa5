"""Sending a stored file: as what it is, and never as a page that could run in our origin."""

from __future__ import annotations

from flask import Response, abort, current_app, send_file

from app.attachments import files
from app.attachments.models import StoredFile


def send(item: StoredFile, *, public: bool, inline: bool | None = None) -> Response:
    """The response with the item's file, under its cleaned name.

    ``public``: anyone may see it, so shared caches may keep it. ``inline``: shown in the page
    rather than saved; by default pictures are, and documents are not.

    :raise 404: the stored name was tampered with, or the file is missing.
    """
    try:
        path = files.path_of(item.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        current_app.logger.warning("attachment %s has no file at %s", item.stored_name, path)
        abort(404)
    if inline is None:
        # Pictures are shown in the page; documents are saved, never rendered in our origin.
        inline = item.is_image
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not inline,
        download_name=item.filename,
        etag=item.sha256,
        max_age=current_app.config["SEND_FILE_MAX_AGE_DEFAULT"] if public else None,
    )
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered the file as a document, it could run nothing and reach nothing.
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if not public:
        # A draft's picture must not stay in a shared computer's cache.
        headers["Cache-Control"] = "private, no-store"
    return response
