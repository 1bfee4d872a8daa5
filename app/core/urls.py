"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else ``None`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 32 for char in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def mailto(subject: str, body: str) -> str:
    """A ``mailto:`` link with no recipient that opens a message with this subject and body.

    Every value is percent-encoded with nothing left "safe" (RFC 6068): a space as ``%20``
    (mail programs read ``+`` as a plus), and ``&``, ``=``, ``?`` and ``/`` of a title cannot
    break the link. Line breaks become CRLF, as the RFC asks for the body.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\r\n".join(lines)
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(text, safe='')}"


#: Besides letters and digits, what an unquoted local part may hold (RFC 5322 "atext").
_ATEXT_SYMBOLS = frozenset("!#$%&'*+-/=?^_`{|}~")


def _atom_char(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in _ATEXT_SYMBOLS
    # An internationalised address (RFC 6532) may hold any visible non-ASCII character.
    return char.isprintable() and not char.isspace()


def _address_parts_ok(local: str, domain: str) -> bool:
    atoms = local.split(".")
    labels = domain.split(".")
    return (
        0 < len(local) <= 64
        and 0 < len(domain) <= 253
        and all(atom and all(map(_atom_char, atom)) for atom in atoms)
        and all(
            0 < len(label) <= 63
            and not label.startswith("-")
            and not label.endswith("-")
            and all(char.isalnum() or char == "-" for char in label)
            for label in labels
        )
    )


def mailto_address(address: str | None) -> str | None:
    """A ``mailto:`` link to exactly this one address, or ``None`` if it is not one address.

    Characters such as ``?``, ``&`` and ``=`` are allowed in an address but start headers in
    a link (``a?cc=evil@example.com`` would copy someone in), so everything but the ``@`` is
    percent-encoded (RFC 6068). A value that is not one plain address — with spaces, line
    breaks, commas, quotes or a second ``@`` — gets no link: shown as text, it can do no harm.
    """
    if not address:
        return None
    local, at, domain = address.rpartition("@")
    if not at or not _address_parts_ok(local, domain):
        return None
    return "mailto:" + quote(address, safe="@")


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute address of a page on ``PUBLIC_URL``, with or without a request.

    E-mails and feeds are made by the worker too, where there is no request to take the host
    from: the address is built from the configured public URL, the same in both cases.
    """
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        public.netloc or "localhost",
        script_name=public.path.rstrip("/") or "/",
        url_scheme=public.scheme or "https",
    )
    return str(adapter.build(endpoint, values, force_external=True))
