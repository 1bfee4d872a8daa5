"""The query parameters of the API, checked before any list reads them.

Each list declares its parameters (``Param``); a request with a parameter the list does not
know, one given twice, or an empty one, is a 400 that names it: a program that misspells a
filter learns so at once, instead of getting the whole unfiltered list. The values are then
handed to the pages' own parsers (``<feature>.queries.parse_filters``), which know the topics,
units and states, so that the API filters exactly as the pages do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import request

from app.api.problems import InvalidParam, InvalidParams

#: The longest value of any parameter; a search text is cut at this by the pages.
MAX_LENGTH = 200
_ID = re.compile(r"[1-9][0-9]{0,9}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,19}")


@dataclass(frozen=True)
class Param:
    """A query parameter: its shape (``choices``, or a ``kind``), checked here."""

    name: str
    kind: str = "text"  # text | id | year | slug | code | choice | limit | bool
    choices: tuple[str, ...] = ()
    max_length: int = MAX_LENGTH


def choice(name: str, values: Iterable[str]) -> Param:
    return Param(name, "choice", tuple(values))


def _check(param: Param, value: str) -> str | None:
    """The code of what is wrong with ``value``, or ``None``."""
    if value == "":
        return "empty"
    if len(value) > param.max_length:
        return "too_long"
    kind = param.kind
    if kind == "choice":
        return None if value in param.choices else "invalid"
    if kind in ("id", "limit"):
        if not value.isascii() or not value.isdigit():
            return "invalid"
        if not _ID.fullmatch(value):
            return "out_of_range"
        high = 200 if kind == "limit" else 2**31 - 1
        return None if int(value) <= high else "out_of_range"
    if kind == "year":
        if not re.fullmatch(r"[0-9]{4}", value):
            return "invalid"
        return None if 1990 <= int(value) <= 2999 else "out_of_range"
    if kind == "slug":
        return None if _SLUG.fullmatch(value) else "invalid"
    if kind == "code":
        return None if _CODE.fullmatch(value) else "invalid"
    if kind == "bool":
        return None if value in ("true", "false") else "invalid"
    if any(char < " " or char == "\x7f" for char in value):
        return "invalid"
    return None


def parse(params: Iterable[Param]) -> dict[str, str]:
    """The request's query checked against ``params``: name → value; else ``InvalidParams``
    listing every parameter that is wrong (unknown, given twice, empty, malformed)."""
    known = {param.name: param for param in params}
    found: dict[str, str] = {}
    wrong: list[InvalidParam] = []
    for name, values in request.args.lists():
        param = known.get(name)
        if param is None:
            wrong.append(InvalidParam(name[:MAX_LENGTH], "unknown"))
            continue
        if len(values) != 1:
            wrong.append(InvalidParam(name, "duplicate"))
            continue
        problem = _check(param, values[0])
        if problem is not None:
            wrong.append(InvalidParam(name, problem))
            continue
        found[name] = values[0]
    if wrong:
        raise InvalidParams(wrong)
    return found


def rename(values: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """``values`` with the API's parameter names as a page's parser knows them."""
    return {names.get(name, name): value for name, value in values.items()}
