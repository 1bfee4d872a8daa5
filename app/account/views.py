"""Views of "My account"."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.account import bp
from app.auth import permissions, services
from app.auth.forms import DeleteAccountForm, ProfileForm
from app.auth.models import ROLE_LABELS, User
from app.auth.views import save_profile
from app.core.i18n import remember_language
from app.core.time import utcnow
from app.extensions import db, limiter


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _render(form: ProfileForm, status: int = 200) -> ResponseReturnValue:
    user = _me()
    page = render_template(
        "account/index.html",
        form=form,
        user=user,
        role_labels=ROLE_LABELS,
        can_participate=permissions.can_participate(user),
        has_accepted_level=permissions.has_accepted_level(user),
        sessions=services.active_sessions(user),
    )
    return page, status


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    user = _me()
    return _render(ProfileForm(pseudonym=user.pseudonym, email=user.email, language=user.language))


@bp.post("/")
@login_required
@limiter.limit("30 per hour", key_func=lambda: f"account:{current_user.id}")
def update() -> ResponseReturnValue:
    user = _me()
    form = ProfileForm()
    if form.validate_on_submit() and save_profile(user, form):
        db.session.commit()
        flash(_("Your account has been updated."), "success")
        response = redirect(url_for("account.index"))
        remember_language(response, user.language)
        return response
    db.session.rollback()
    return _render(form, 422)


@bp.get("/data.json")
@login_required
@limiter.limit("10 per hour")
def download() -> ResponseReturnValue:
    data = {"exported_at": utcnow().isoformat(), **services.export_data(_me())}
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="glas-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/sessions/end-all")
@login_required
@limiter.limit("10 per minute")
def end_all_sessions() -> ResponseReturnValue:
    services.end_all_sessions(_me(), "everywhere")
    db.session.commit()
    session.clear()
    return redirect(url_for("auth.logged_out"))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(_me())
        except services.LastAdministrator:
            form.confirm.errors = [
                _("You are the only administrator. Appoint another one before you go.")
            ]
        else:
            db.session.commit()
            session.clear()
            # A page of its own rather than a flash: a flash would need a session cookie.
            return redirect(url_for("account.deleted"))
    status = 422 if form.errors else 200
    return render_template("account/delete.html", form=form), status


@bp.get("/deleted")
def deleted() -> ResponseReturnValue:
    return render_template("account/deleted.html")
