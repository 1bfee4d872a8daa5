"""Absolute addresses in feeds, and the permanent ids of entries.

A feed is read away from the site, so every link in it is absolute, on ``PUBLIC_URL`` (as the
e-mails' and the exports' links are: ``app.auth.views.public_url``). An entry's id is the
item's permanent address: its number without the title's slug, which changes with the title,
and without language or filters, which are not part of any address (``design.md`` §4a).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def absolute(path: str) -> str:
    """``path`` (as ``url_for`` writes it) on the public address of the site."""
    return str(current_app.config["PUBLIC_URL"]) + path


def absolute_for(endpoint: str, **values: Any) -> str:
    return absolute(url_for(endpoint, **values))


def item_id(endpoint: str, **values: Any) -> str:
    """The permanent id of an item's entry: its page's address without a slug."""
    return absolute_for(endpoint, **values)


def step_id(item: str, kind: str, number: int) -> str:
    """The permanent id of one step of an item's timeline (``…/initiatives/5#event-17``): the
    item's id and the step's row, which a step keeps for ever (the timelines are append-only)."""
    return f"{item}#{kind}-{number}"
