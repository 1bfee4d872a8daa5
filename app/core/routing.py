"""URL converters."""

from __future__ import annotations

import re

from flask import abort
from werkzeug.routing import IntegerConverter

_ID = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2**31 - 1, so a huge number is a 404, not an overflow error.

    Written one way only: ASCII digits without a leading zero. ``\\d+`` would also take
    ``/initiatives/005``, and 5 in Arabic-Indic or any other Unicode digits, for initiative 5:
    copies of one page under endless addresses, each a new entry in the cache of pages.
    """

    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, url_map: object) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)  # type: ignore[arg-type]


def id_or_400(value: str | None) -> int | None:
    """A database id from a form field or a query (``None`` when empty); anything else — ²,
    -1, 10**30, text — is a 400, as a route's id would be a 404."""
    if not value:
        return None
    if not _ID.fullmatch(value) or not 1 <= int(value) < 2**31:
        abort(400)
    return int(value)
