"""Sign-in, sign-out, back-channel logout, the first-sign-in form and e-mail confirmation.

The routes are fixed: the provider registration depends on them.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import SESSION_TOKEN_KEY, bp, email, identity, oidc, sessions
from app.auth.current import login_required, rate_limit_key, signed_in_account
from app.auth.forms import ProfileForm
from app.auth.messages import PROBLEMS
from app.auth.oidc import LogoutTokenError, SignInError
from app.core import csrf
from app.core.i18n import current_language, remember_language
from app.core.urls import safe_next
from app.extensions import db, limiter

log = logging.getLogger(__name__)


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_URL: what the provider registration names."""
    return str(current_app.config["PUBLIC_URL"]) + url_for(endpoint, **values)


def _problem(reason: str, status: int) -> ResponseReturnValue:
    """A clear page for a failed sign-in, with a way forward; the log has the details."""
    title, explanation = PROBLEMS.get(reason, PROBLEMS["invalid_response"])
    values = {"age": current_app.config["MINIMUM_AGE"]}
    next_url = session.get("login_next")
    # Trying again cannot help someone who is too young.
    retry = None if reason in ("age", "age_unknown") else url_for("auth.login", next=next_url)
    page = render_template(
        "auth/problem.html",
        title=str(title) % values,
        explanation=str(explanation) % values,
        retry_url=retry,
    )
    return page, status


#: Sign-ins started in other tabs that may still come back (this one included); older ones
#: are dropped so the session cookie stays small however often "Sign in" is clicked.
_KEEP_ATTEMPTS = 3


@bp.get("/login")
@limiter.limit("20 per minute")
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("pages.home"))
    public = urlsplit(current_app.config["PUBLIC_URL"])
    if request.host != public.netloc:
        # The state lives in a cookie of one host name: send the browser to the public one
        # first, or the callback would arrive without it (localhost vs 127.0.0.1).
        return redirect(public_url("auth.login", next=next_url))
    session["login_next"] = next_url
    oidc.forget_old_attempts(session, keep=_KEEP_ATTEMPTS - 1)  # room for this one
    try:
        return oidc.authorize_redirect(public_url("auth.callback"), language=current_language())
    except SignInError as error:
        log.warning("sign-in could not start: %s", error)
        return _problem(error.reason, error.status)


@bp.get("/callback")
@limiter.limit("30 per minute")
def callback() -> ResponseReturnValue:
    try:
        signed_in = oidc.complete_sign_in()
        user = identity.sign_in(signed_in, language=current_language())
    except SignInError as error:
        log.warning("sign-in refused: %r", str(error))
        return _problem(error.reason, error.status)
    except identity.TooYoung as error:
        log.info("sign-in refused: %s", error)
        return _problem("age" if error.age_known else "age_unknown", 403)

    next_url = session.get("login_next")
    previous = session.get(SESSION_TOKEN_KEY)
    if previous and (old := sessions.load_session(str(previous))) is not None:
        sessions.end_session(old, "replaced")  # one browser, one session
    token = sessions.start_session(user, acr=signed_in.acr, provider_sid=signed_in.sid)
    db.session.commit()
    # A fresh session: nothing of the pre-sign-in session (state, nonce) carries over.
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    csrf.new_session_binding()
    log.info("signed in: account %s", user.id)
    if not user.is_set_up:
        return redirect(url_for("auth.welcome", next=next_url))
    response = redirect(next_url or url_for("pages.home"))
    remember_language(response, user.language)
    return response


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    auth = g.get("auth_session") if current_user.is_authenticated else None
    if auth is not None:
        sessions.end_session(auth, "signed-out")
        db.session.commit()
    session.clear()
    # Sign out at the provider too; it sends the browser back to /auth/logged-out.
    target = oidc.end_session_url(public_url("auth.logged_out"))
    return redirect(target or url_for("auth.logged_out"))


@bp.get("/logged-out")
def logged_out() -> ResponseReturnValue:
    return render_template("auth/logged_out.html")


@bp.post("/backchannel-logout")
@csrf.exempt
@limiter.limit("120 per minute")
def backchannel_logout() -> ResponseReturnValue:
    """The provider tells us a person signed out there: end their sessions here."""
    try:
        logout_request = oidc.validate_logout_token(request.form.get("logout_token", ""))
        ended = sessions.backchannel_logout(logout_request, issuer=oidc.configured_issuer())
    except (LogoutTokenError, sessions.ReplayedLogoutToken) as error:
        log.warning("back-channel logout refused: %s", error or type(error).__name__)
        response = jsonify(error="invalid_request")
        response.status_code = 400
    else:
        db.session.commit()
        log.info("back-channel logout ended %d session(s)", ended)
        response = jsonify(ended=ended)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], key_func=rate_limit_key)
def welcome() -> ResponseReturnValue:
    """The first sign-in: choose a public name, optionally an e-mail address, a language."""
    user = signed_in_account()
    next_url = safe_next(request.args.get("next"))
    if user.is_set_up:
        return redirect(next_url or url_for("pages.home"))
    form = ProfileForm(language=current_language())
    if form.validate_on_submit() and form.save(user):
        db.session.commit()
        # The name comes first: one that ends in a full stop ("Tina K.") would otherwise end
        # the sentence with two.
        flash(_("%(name)s, welcome to Glas.", name=user.pseudonym), "success")
        response = redirect(next_url or url_for("account.index"))
        remember_language(response, user.language)
        return response
    page = render_template("auth/welcome.html", form=form, next_url=next_url)
    return page, 422 if form.errors else 200


@bp.get("/confirm-email/<token>")
@limiter.limit("30 per minute")
def confirm_email(token: str) -> ResponseReturnValue:
    try:
        user = email.confirm(token)
    except email.ConfirmationExpired:
        return render_template("auth/email_confirmed.html", outcome="expired"), 400
    except email.ConfirmationInvalid:
        return render_template("auth/email_confirmed.html", outcome="invalid"), 400
    db.session.commit()
    return render_template("auth/email_confirmed.html", outcome="ok", address=user.email)


@bp.before_app_request
def _require_set_up() -> ResponseReturnValue | None:
    """A signed-in person without a public name finishes the first sign-in first."""
    if (
        request.endpoint in _OPEN_ENDPOINTS
        or request.endpoint is None
        or not current_user.is_authenticated
        or current_user.is_set_up
    ):
        return None
    return redirect(url_for("auth.welcome", next=safe_next(request.full_path.rstrip("?"))))


_OPEN_ENDPOINTS = frozenset(
    {
        "static",
        "auth.welcome",
        "auth.logout",
        "auth.logged_out",
        "auth.backchannel_logout",
        "auth.confirm_email",
        "auth.callback",
        "auth.login",
        "health.healthz",
        "pages.set_language",
        "pages.privacy",
        "pages.accessibility",
    }
)
