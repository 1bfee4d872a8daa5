"""Which release of Glas is running: a fingerprint of everything that shapes a page.

Cached pages are keyed on it (``app.core.pagecache``), so a deployment never serves the HTML of
the code before it: a changed template, translation, stylesheet or line of Python makes a new
fingerprint. It is computed from the files' contents, not their times or a build number, so
every server of one deployment computes the same value without being told, and two servers
running different code never share a cached page during a rolling update.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask

#: What a rendered page is made of, relative to the project root, and which files count.
_SOURCES = (
    ("app", "*.py"),
    ("templates", "*"),
    ("translations", "*.mo"),
    ("static", "*"),
)
RELEASE_LENGTH = 16


@cache
def _fingerprint(root: str) -> str:
    digest = hashlib.sha256()
    base = Path(root)
    for folder, pattern in _SOURCES:
        for path in sorted((base / folder).rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:RELEASE_LENGTH]


def release(app: Flask) -> str:
    """``RELEASE`` if set (``FLASK_RELEASE``, e.g. a Git commit), else the fingerprint."""
    configured = app.config.get("RELEASE")
    if configured:
        return str(configured)
    return _fingerprint(str(Path(app.root_path).parent))
