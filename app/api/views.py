"""The API's views: one module per resource, each registering its routes on ``bp``.

Importing them here is what registers them (the app imports this module). Every request to
the API counts against ``API_RATE_LIMIT`` per client address, one budget for the whole API
(``app.api.limits``): the page cache asks it before it answers a hit
(``pagecache.cached(guard=limits.allowed)``), and every other request is counted before Flask
answers it, so that no request escapes it. Flask-Limiter's own limits do not apply here.
"""

from __future__ import annotations

from app.api import (  # noqa: F401  (each registers its routes)
    accountability,
    bp,
    councillors,
    http,
    index,
    initiatives,
    limits,
    problems,
    projects,
    questions,
    reads,
    replies,
    sessions,
)
from app.extensions import limiter

# The API counts its requests itself (``limits``), once each: not a second time here.
limiter.exempt(bp)
