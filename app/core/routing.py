"""URL converters."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2**31 - 1, so a huge number is a 404, not an overflow error.

    Written one way only: ASCII digits without a leading zero. ``\\d+`` would also take
    ``/initiatives/005``, and 5 in Arabic-Indic or any other Unicode digits, for initiative 5:
    copies of one page under endless addresses, each a new entry in the cache of pages.
    """

    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, url_map: object) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)  # type: ignore[arg-type]
