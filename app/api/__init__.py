"""The open-data API: read-only JSON under ``/api/v1/``, described by an OpenAPI 3.1 document.

Its views are imported when the app registers the blueprint (``app.register_blueprints``).

**Adding a resource** (projects, commitments, …) is one module and one section of the document:

1. ``app/api/<resource>.py`` with ``PARAMS`` (its filters, as its page's, plus
   ``paging.PARAMS``), a ``summary(obj)`` and an ``item(obj)`` serializer built from
   ``data`` (``moment``, ``day``, ``named``, ``unit``, ``links``: every item has ``url`` and
   ``self``), and two views: the list (``params.parse`` → the page's own ``parse_filters`` and
   select → ``paging.page`` over keys that never change → ``paging.listing``) and the item
   (``abort(404)`` for anything its page would not show). Decorate both with
   ``@pagecache.cached(<the page's tags>, params=…, guard=limits.allowed)``.
2. Import it in ``app/api/views.py`` and link its list in ``index.COLLECTIONS``.
3. Describe both paths, their parameters and schemas in ``openapi.yaml`` (``additionalProperties:
   false``); the tests refuse a route the document lacks, and validate every response.
4. Add it to ``tests/api/test_coverage.py``'s walk, and to the privacy guard's data.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
