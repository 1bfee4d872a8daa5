"""Which release of Glas is running: a fingerprint of everything that shapes a page.

Cached pages are keyed on it (``app.core.pagecache``), so a deployment never serves the HTML of
the code before it: a changed template, translation, stylesheet, migration, dependency pin or
line of Python makes a new fingerprint, and so does a changed setting (the organisation's name
is in every footer). It is computed from contents, not from file times or a build number, so
every server of one deployment computes the same value without being told, and two servers
running different code or settings never share a cached page during a rolling update.
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
    ("migrations", "*.py"),
    (".", "pyproject.toml"),
)
#: Settings of these types are fingerprinted; others (objects) have no stable text.
_PLAIN = (str, int, float, bool, type(None), list, tuple, dict)
RELEASE_LENGTH = 16
_EXTENSION = "glas_release"


@cache
def _fingerprint(root: str) -> str:
    digest = hashlib.sha256()
    base = Path(root)
    for folder, pattern in _SOURCES:
        found = [base / pattern] if folder == "." else (base / folder).rglob(pattern)
        for path in sorted(found):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:RELEASE_LENGTH]


def _settings(app: Flask) -> str:
    plain = sorted(
        (key, repr(value))
        for key, value in app.config.items()
        if key.isupper() and isinstance(value, _PLAIN)
    )
    return hashlib.sha256(repr(plain).encode()).hexdigest()[:RELEASE_LENGTH]


def release(app: Flask) -> str:
    """``RELEASE`` if set (``FLASK_RELEASE``, e.g. a Git commit), else the fingerprint."""
    configured = app.config.get("RELEASE")
    if configured:
        return str(configured)
    found = app.extensions.get(_EXTENSION)
    if not isinstance(found, str):
        # Once per app: its settings are final once it serves.
        code = _fingerprint(str(Path(app.root_path).parent))
        found = app.extensions[_EXTENSION] = f"{code}-{_settings(app)}"
    return found
