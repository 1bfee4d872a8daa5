"""Template helpers: cache-busted static URLs, local dates, language switch, site identity."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal

from app.core.i18n import LANGUAGE_NAMES, current_language, supported_languages
from app.core.time import to_local
from app.core.urls import mailto_address


@cache
def _file_hash(path: str, _mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    static_folder = current_app.static_folder or ""
    path = Path(static_folder, filename)
    version = _file_hash(str(path), path.stat().st_mtime)
    return url_for("static", filename=filename, v=version)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


#: Slovenian dates in running text take the month in the genitive ("5. februarja 2027");
#: CLDR gives the nominative ("5. februar 2027").
_SL_GENITIVE = {
    "januar": "januarja", "februar": "februarja", "marec": "marca", "april": "aprila",
    "maj": "maja", "junij": "junija", "julij": "julija", "avgust": "avgusta",
    "september": "septembra", "oktober": "oktobra", "november": "novembra",
    "december": "decembra",
}  # fmt: skip


def local_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A timestamp's calendar day is the day in Ljubljana, not in UTC.
        value = to_local(value).date()
    text = format_date(value, fmt)
    if fmt == "long" and current_language() == "sl":
        day, _, rest = text.partition(". ")
        month, _, year = rest.partition(" ")
        text = f"{day}. {_SL_GENITIVE.get(month, month)} {year}"
    return text


def from_iso(value: str) -> date:
    """A day written as ``2016-05-20`` (as a timeline's data keeps it), for ``date``."""
    return date.fromisoformat(value)


def iso(value: datetime) -> str:
    """A machine-readable timestamp for ``<time datetime>`` (whole seconds, as HTML wants)."""
    return value.isoformat(timespec="seconds")


def number(value: float | int) -> str:
    return format_decimal(value)


def language_links() -> list[dict[str, Any]]:
    """The other languages, each with a link that keeps the visitor on the same page."""
    here = request.full_path.rstrip("?") if request else "/"
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES.get(code, code),
            "url": url_for("pages.set_language", language=code, next=here),
        }
        for code in supported_languages()
        if code != current_language()
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        static_url=static_url,
        language_links=language_links,
        current_language=current_language,
    )
    app.jinja_env.filters.update(
        datetime=local_datetime, date=local_date, number=number, iso=iso, isodate=from_iso
    )
    # An e-mail address as a link target: encoded, or none at all (see mailto_address).
    app.jinja_env.filters["mailto"] = mailto_address
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _site() -> dict[str, Any]:
        config = app.config
        return {
            "organisation": {
                "name": config["ORGANISATION_NAME"],
                "address": config["ORGANISATION_ADDRESS"],
                "email": config["ORGANISATION_EMAIL"],
                "phone": config["ORGANISATION_PHONE"],
                "dpo_email": config["DATA_PROTECTION_EMAIL"],
                "accessibility_email": config["ACCESSIBILITY_EMAIL"],
            }
        }
