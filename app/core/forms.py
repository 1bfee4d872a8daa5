"""The base form and shared field helpers."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Length

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Translations:
    """WTForms' own messages through our catalogue (WTForms ships no Slovenian)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


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
        for field in self:
            if isinstance(field.data, str) and _CONTROL.search(field.data) and not field.errors:
                # Invisible characters have no place in residents' texts (and a NUL breaks
                # PostgreSQL); line breaks and tabs are fine.
                field.errors = [*field.errors, _l("Remove the invisible control characters.")]
                valid = False
        return valid


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
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid decimal value."),
    _l("Invalid input."),
    _l("Invalid URL."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
)
