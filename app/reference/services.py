"""Use cases of the reference data: create, rename, activate and deactivate an item.

One implementation serves topics, local communities and rejection reasons: they share their
columns (slug, name in Slovenian and in English, active flag) and differ only in lengths.
Services take the acting account, flush and never commit; every change is audited in the
same transaction.
"""

from __future__ import annotations

import unicodedata
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import IntegrityError

from app.auth import permissions
from app.auth.models import User
from app.core.models import record
from app.extensions import db
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import slugify

Item = TypeVar("Item", Topic, LocalCommunity, RejectionReason)
ReferenceModel = type[Topic] | type[LocalCommunity] | type[RejectionReason]
ReferenceItem = Topic | LocalCommunity | RejectionReason

#: How each kind is named in the audit log (action ``topic.create``, target type ``topic``).
AUDIT_TYPES: dict[ReferenceModel, str] = {
    Topic: "topic",
    LocalCommunity: "local_community",
    RejectionReason: "rejection_reason",
}
#: The names an administrator sets; the Slovenian one is required, the English one optional.
NAME_FIELDS = ("name_sl", "name_en")
# Another administrator may take the chosen slug between our check and our insert.
_SLUG_ATTEMPTS = 3
# Control and format characters (NUL, escapes, bidirectional overrides) have no place in a
# name: they hide or reorder text, and PostgreSQL refuses NUL with an error, not a message.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


class NotAllowed(Exception):
    """The acting account may not edit the reference data (only administrators may)."""


class InvalidName(Exception):
    """A proposed name is not acceptable; ``field`` is ``name_sl`` or ``name_en``."""

    def __init__(self, field: str, message: LazyString) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message


def name_key(name: str) -> str:
    """A name folded for comparison: case, accents and spacing ignored (``Čirče`` = ``circe``)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    # đ has no decomposition in Unicode, yet readers take it for a d with a stroke.
    return " ".join(bare.replace("đ", "d").replace("Đ", "D").casefold().split())


def sort_key(name: str) -> str:
    """Slovenian alphabetical order: č after c, š after s, ž after z; case and accents aside."""
    # "~" sorts after every letter, so "c~" puts č after all of c (Cvet < Čirče).
    lowered = name.casefold().replace("č", "c~").replace("š", "s~").replace("ž", "z~")
    return name_key(lowered)


def max_lengths(model: ReferenceModel) -> dict[str, int]:
    """The longest name each field takes, read from the columns (the one source of truth)."""
    columns = model.__table__.columns
    return {field: _length(columns[field]) for field in NAME_FIELDS}


def _length(column: sa.ColumnElement[Any]) -> int:
    column_type = column.type
    if not isinstance(column_type, sa.String) or column_type.length is None:
        raise TypeError(f"{column} is not a text column of a fixed length")
    return column_type.length


def create(
    actor: User | None, model: ReferenceModel, *, name_sl: str, name_en: str | None = None
) -> ReferenceItem:
    """Add an active item; its slug comes from the Slovenian name and never changes after.

    :raise NotAllowed: the actor is not an administrator.
    :raise InvalidName: a name is empty, too long, or another item's already.
    """
    admin = _administrator(actor)
    names = _valid_names(model, None, name_sl=name_sl, name_en=name_en)
    for attempt in range(_SLUG_ATTEMPTS):
        item = model(slug=_free_slug(model, names["name_sl"]), is_active=True, **names)
        try:
            with db.session.begin_nested():  # SAVEPOINT: a lost race must not end the request
                db.session.add(item)
        except IntegrityError:
            if attempt == _SLUG_ATTEMPTS - 1:
                raise
            continue
        break
    kind = AUDIT_TYPES[model]
    record(admin.id, f"{kind}.create", kind, item.id, slug=item.slug, **names)
    db.session.flush()
    return item


def rename(actor: User | None, item: Item, *, name_sl: str, name_en: str | None) -> bool:
    """Change the names (never the slug); returns whether anything changed.

    :raise NotAllowed: the actor is not an administrator.
    :raise InvalidName: a name is empty, too long, or another item's already.
    """
    admin = _administrator(actor)
    names = _valid_names(type(item), item.id, name_sl=name_sl, name_en=name_en)
    changes = {
        field: [getattr(item, field), value]
        for field, value in names.items()
        if getattr(item, field) != value
    }
    if not changes:
        return False
    for field, (_old, new) in changes.items():
        setattr(item, field, new)
    kind = AUDIT_TYPES[type(item)]
    record(admin.id, f"{kind}.rename", kind, item.id, slug=item.slug, **changes)
    db.session.flush()
    return True


def set_active(actor: User | None, item: Item, *, active: bool) -> bool:
    """Offer the item in forms again, or stop offering it; returns whether it changed.

    Deactivating keeps every initiative that already points at the item (they still show
    it, and the list filters by it); only new choices leave it out.
    """
    admin = _administrator(actor)
    if item.is_active == active:
        return False
    item.is_active = active
    kind = AUDIT_TYPES[type(item)]
    verb = "activate" if active else "deactivate"
    record(admin.id, f"{kind}.{verb}", kind, item.id, slug=item.slug)
    db.session.flush()
    return True


def activate(actor: User | None, item: Item) -> bool:
    return set_active(actor, item, active=True)


def deactivate(actor: User | None, item: Item) -> bool:
    return set_active(actor, item, active=False)


# --- helpers ------------------------------------------------------------------------------


def _administrator(actor: User | None) -> User:
    if actor is None or not permissions.is_administrator(actor):
        raise NotAllowed
    return actor


def _clean(field: str, value: str | None, limit: int) -> str | None:
    """The name as stored: trimmed, spacing collapsed; ``None`` for an empty English name."""
    text = " ".join((value or "").split())
    if not text:
        if field == "name_sl":
            raise InvalidName(field, _l("Enter the name in Slovenian."))
        return None
    if len(text) > limit:
        raise InvalidName(field, _l("Use at most %(max)d characters.", max=limit))
    if any(unicodedata.category(char) in _INVISIBLE for char in text):
        raise InvalidName(field, _l("Remove the control characters from the name."))
    return text


def _valid_names(
    model: ReferenceModel, item_id: int | None, *, name_sl: str, name_en: str | None
) -> dict[str, Any]:
    limits = max_lengths(model)
    names = {
        "name_sl": _clean("name_sl", name_sl, limits["name_sl"]),
        "name_en": _clean("name_en", name_en, limits["name_en"]),
    }
    _refuse_duplicates(model, item_id, names)
    return names


def _refuse_duplicates(model: ReferenceModel, item_id: int | None, names: dict[str, Any]) -> None:
    """No two items of a kind share a name in one language: people could not tell them apart.

    Deactivated items count too: reactivating one beats a twin that would split the
    initiatives (and the CSV export) between two slugs.
    """
    query = sa.select(model)
    if item_id is not None:
        query = query.where(model.id != item_id)
    # Reference lists are short (tens of rows), and folding accents portably in SQL is not
    # possible on SQLite: compare in Python.
    others: list[Topic | LocalCommunity | RejectionReason] = list(db.session.scalars(query))
    for other in others:
        for field, value in names.items():
            existing = getattr(other, field)
            if value is None or existing is None or name_key(existing) != name_key(value):
                continue
            if other.is_active:
                message = _l(
                    "Another entry in this list already has this name: %(name)s.", name=existing
                )
            else:
                message = _l(
                    "A deactivated entry in this list already has this name: %(name)s. "
                    "Activate it again instead of adding a new one.",
                    name=existing,
                )
            raise InvalidName(field, message)


def _free_slug(model: ReferenceModel, name_sl: str) -> str:
    """A slug from the Slovenian name, with ``-2``, ``-3`` … when it is taken already."""
    limit = _length(model.__table__.columns["slug"])
    # A name without a single Latin letter or digit still needs a slug.
    base = slugify(name_sl)[:limit].strip("-") or AUDIT_TYPES[model].replace("_", "-")
    taken = set(db.session.scalars(sa.select(model.slug)))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: limit - len(suffix)].rstrip("-") + suffix
    return candidate
