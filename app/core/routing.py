"""URL converters."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2**31 - 1, so a huge number is a 404, not an overflow error."""

    def __init__(self, url_map: object) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)  # type: ignore[arg-type]
