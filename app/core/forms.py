"""The base form and shared field helpers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Length


class Form(FlaskForm):
    """Base of every Glas form.

    CSRF is checked for every unsafe request by ``app.core.csrf`` before any view runs, with
    a token that does not need a session; Flask-WTF's own session-bound token is off.
    """

    class Meta:
        csrf = False


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))
