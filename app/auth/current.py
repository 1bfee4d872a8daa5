"""The signed-in account of the current request, typed.

Flask-Login's ``current_user`` is a proxy to a ``User`` or to its anonymous stand-in; views and
services want the ``User`` itself (or ``None``), which these two give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_login
from flask import abort
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.auth.models import User


def current_account() -> User | None:
    """The signed-in account, or ``None`` for a visitor."""
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    # The request loader only ever returns live accounts; anything else is no account.
    return user if isinstance(user, User) else None


def signed_in_account() -> User:
    """The signed-in account, in views behind ``login_required`` or a role gate.

    :raise 401: if nobody is signed in (a view that forgot its gate fails closed).
    """
    user = current_account()
    if user is None:
        abort(401)
    return user


def rate_limit_key() -> str:
    """Rate limits per account for signed-in people, per address for everyone else.

    Many residents share one address (a household, a school, a mobile operator's NAT): a
    limit per address would refuse them for each other's clicks.
    """
    user = current_account()
    return f"account:{user.id}" if user is not None else f"address:{get_remote_address()}"


_View = TypeVar("_View", bound=Callable[..., Any])


def login_required(view: _View) -> _View:
    """Flask-Login's ``login_required``, typed: Flask-Login ships no type information."""
    return flask_login.login_required(view)
