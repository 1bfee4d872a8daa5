"""The base form and shared field helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from flask_babel import get_translations, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField
from wtforms import IntegerField as _IntegerField
from wtforms.validators import Length

from app.core.text import has_direction_controls

if TYPE_CHECKING:
    # WTForms 3.2's choice, which types-WTForms does not know yet: a (value, label) pair
    # to the type checker, as the stubs type choices.
    class SelectChoice(NamedTuple):
        value: Any
        label: str

else:
    from wtforms import SelectChoice as SelectChoice  # re-exported for the forms of Glas

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Translations:
    """WTForms' own messages through our catalogue (WTForms ships no Slovenian)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it fills in %(num)s at once, and WTForms' own plural
        # messages carry a %(value)s that WTForms fills in afterwards (a KeyError here).
        return str(get_translations().ungettext(singular, plural, n))


class Form(FlaskForm):
    """Base of every Glas form.

    CSRF is checked for every unsafe request by ``app.core.csrf`` before any view runs, with
    a token that does not need a session; Flask-WTF's own session-bound token is off.
    """

    class Meta:
        csrf = False

        def get_translations(self, form: Any) -> _Translations:
            return _Translations()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            if not isinstance(field.data, str) or field.errors:
                continue
            if _CONTROL.search(field.data):
                # Invisible characters have no place in residents' texts (and a NUL breaks
                # PostgreSQL); line breaks and tabs are fine.
                field.errors = [*field.errors, _l("Remove the invisible control characters.")]
                valid = False
            elif has_direction_controls(field.data):
                field.errors = [
                    *field.errors,
                    _l("Remove the invisible characters that change the direction of the text."),
                ]
                valid = False
        if not valid:
            _refresh_errors(self)
        return valid


def _refresh_errors(form: Any) -> None:
    """Errors added to the rows of a list after WTForms validated it: WTForms keeps the
    list's and the form's errors from then (``FieldList.errors``, a cached ``form.errors``),
    so they are gathered again, and the page shows them and answers 422."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                if isinstance(entry, FormField):
                    _refresh_errors(entry.form)
            errors = [entry.errors for entry in field.entries]
            field.errors = errors if any(errors) else []
        elif isinstance(field, FormField):
            _refresh_errors(field.form)
    form._errors = None


def _text_fields(form: Any) -> Iterator[Any]:
    """Every field, also those inside the rows of a ``FieldList`` of ``FormField``s (a
    letter's signatories, recipients …): the same checks hold for every text typed."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _text_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _text_fields(field.form)
        else:
            yield field


#: Whole numbers in forms have at most this many digits (counts, days, ids all fit).
MAX_DIGITS = 15
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


class IntegerField(_IntegerField):
    """WTForms' IntegerField for modest numbers: more than ``MAX_DIGITS`` digits is an error.

    WTForms' ``NumberRange`` calls ``math.isnan`` on the value, which raises OverflowError
    for an int too large for a float (a 500); a database column overflows much earlier.
    Only ASCII digits count: ``int()`` would also take "²"-free Unicode digits like "٣".
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if not raw:
            self.data = None
            return
        self.data = None
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValueError(self.gettext("Not a valid integer value."))
        if len(raw.lstrip("+-")) > MAX_DIGITS:
            raise ValueError(self.gettext("The number is too large."))
        self.data = int(raw)


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


# The built-in WTForms messages our forms can show, marked here so that `translate extract`
# puts them in the catalogue.
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("This field is required."),
    _l("Invalid email address."),
    _l("Not a valid integer value."),
    _l("The number is too large."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid decimal value."),
    _l("Invalid input."),
    _l("Invalid URL."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
)


def _plural_wtforms_messages(n: int) -> tuple[str, ...]:
    """WTForms' plural messages, for ``translate extract`` only (never called)."""
    return (
        ngettext(
            "'%(value)s' is not a valid choice for this field.",
            "'%(value)s' are not valid choices for this field.",
            n,
        ),
    )
