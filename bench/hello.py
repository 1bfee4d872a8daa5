"""The bare Flask "hello" app: the yardstick of the benchmark (``gunicorn bench.hello:app``).

Glas's pages are measured against it under the same gunicorn, on the same machine, in the
same run: what it serves per second is what the server, Python and Flask cost with no work.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"


#: About the size of a page of Glas's list (29 kB of HTML for 20 cards).
_PAGE = ("<p>" + "Varen prehod za pešce pri OŠ Stražišče. " * 21 + "</p>\n") * 30


@app.get("/page")
def page() -> str:
    """The same, with a body the size of a page: what sending a page costs, with no work."""
    return _PAGE
