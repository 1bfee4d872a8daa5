"""Atom feeds (RFC 4287) of every public list and item, linked from each page's head.

A feed holds what its page shows the public, in the visitor's language: the lists' feeds with
the lists' own filters, an item's with its public timeline. No feature imports this package;
it imports theirs (their queries, permissions and page addresses), so it registers its views
and its template global itself.
"""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from app.feeds import links, views  # noqa: E402, F401  (the routes and the template global)
