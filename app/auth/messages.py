"""What a person reads when sign-in fails: what happened and what to do, never internals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: reason -> (title, explanation). "%(age)d" is filled with MINIMUM_AGE.
PROBLEMS = {
    "provider_unavailable": (
        _l("The eID service cannot be reached"),
        _l(
            "The national sign-in service is not answering right now. Nothing is wrong with "
            "your account. Please try again in a few minutes."
        ),
    ),
    "provider_misconfigured": (
        _l("Sign-in is temporarily out of order"),
        _l(
            "The sign-in service answered in a way we cannot trust, so we stopped. The "
            "administrators can see what happened. Please try again later."
        ),
    ),
    "not_configured": (
        _l("Sign-in is temporarily out of order"),
        _l("Sign-in has not been set up on this site yet. Please try again later."),
    ),
    "state": (
        _l("This sign-in has expired"),
        _l(
            "The sign-in was started in another window, took too long, or was already used. "
            "Please start again."
        ),
    ),
    "denied": (
        _l("Sign-in was cancelled"),
        _l(
            "The sign-in at the eID service was cancelled or did not complete. You can try "
            "again whenever you like."
        ),
    ),
    "invalid_token": (
        _l("Your sign-in could not be verified"),
        _l(
            "The answer of the eID service did not pass our security checks, so you were not "
            "signed in. Please try again; if it keeps happening, let us know."
        ),
    ),
    "invalid_response": (
        _l("Your sign-in could not be completed"),
        _l(
            "The eID service sent an incomplete answer, so you were not signed in. Please try "
            "again in a few minutes."
        ),
    ),
    "level": (
        _l("A stronger sign-in is needed"),
        _l(
            "To take part, sign in at level “substantial” or “high”: with your identity card "
            "(eOsebna), the eOsebna app, or smsPASS. A username and password alone (level "
            "“low”) is not enough. Reading needs no sign-in at all."
        ),
    ),
    "age": (
        _l("Glas is for people aged %(age)d and over"),
        _l(
            "You can still read everything on Glas without signing in. Nothing about you was "
            "stored."
        ),
    ),
    "age_unknown": (
        _l("Your age could not be confirmed"),
        _l(
            "The eID service did not tell us your date of birth, which we need to check the "
            "minimum age of %(age)d. Nothing about you was stored."
        ),
    ),
}
