"""What the open-data page and the catalogue's content negotiation need to know of the
catalogue without building it: its syntaxes and the API's addresses.

Apart from ``catalogue`` so that rdflib (about 15 MB a process) is imported only by a request
for the catalogue itself, not by every worker that serves the site.
"""

#: The API's root on the site (``app.api``'s blueprint), and its OpenAPI document.
API_ROOT = "/api/v1/"
API_DESCRIPTION = "/api/v1/openapi.json"

#: Media types of the three syntaxes, by the name rdflib gives each.
MEDIA_TYPES = {
    "turtle": "text/turtle",
    "xml": "application/rdf+xml",
    "json-ld": "application/ld+json",
}
