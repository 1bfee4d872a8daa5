"""Views of "My account"."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.account import bp
from app.auth import accounts, permissions, sessions
from app.auth.current import login_required, rate_limit_key, signed_in_account
from app.auth.forms import DeleteAccountForm, ProfileForm
from app.auth.models import ROLE_LABELS
from app.core.i18n import remember_language
from app.core.time import utcnow
from app.extensions import db, limiter
from app.initiatives import queries as initiative_queries
from app.notifications.forms import SettingsForm

#: Supports listed on the page; the data download has them all.
SUPPORTS_SHOWN = 50


def render_account(
    form: ProfileForm | None = None,
    *,
    notifications_form: SettingsForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The account page, with the form that was refused (if any) showing its errors."""
    user = signed_in_account()
    if form is None:
        form = ProfileForm(
            formdata=None, pseudonym=user.pseudonym, email=user.email, language=user.language
        )
    if notifications_form is None:
        notifications_form = SettingsForm(
            formdata=None,
            email_frequency=user.email_frequency.value,
            follow_automatically=user.follow_automatically,
        )
    supported, supported_total = initiative_queries.supported_by(user, SUPPORTS_SHOWN)
    page = render_template(
        "account/index.html",
        form=form,
        notifications_form=notifications_form,
        user=user,
        role_labels=ROLE_LABELS,
        can_participate=permissions.can_participate(user),
        has_accepted_level=permissions.has_accepted_level(user),
        sessions=sessions.active_sessions(user),
        initiatives=initiative_queries.by_author(user),
        supported=supported,
        supported_total=supported_total,
        now=utcnow(),
    )
    return page, status


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_account()


@bp.post("/")
@login_required
@limiter.limit("30 per hour", key_func=rate_limit_key)
def update() -> ResponseReturnValue:
    user = signed_in_account()
    form = ProfileForm()
    if form.validate_on_submit() and form.save(user):
        db.session.commit()
        flash(_("Your account has been updated."), "success")
        response = redirect(url_for("account.index"))
        remember_language(response, user.language)
        return response
    db.session.rollback()  # the page shows what is saved, not what was refused
    return render_account(form, status=422)


@bp.get("/data.json")
@login_required
@limiter.limit("10 per hour")
def download() -> ResponseReturnValue:
    return Response(
        accounts.export_json(signed_in_account()),
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
    sessions.end_all_sessions(signed_in_account(), "everywhere")
    db.session.commit()
    session.clear()
    return redirect(url_for("auth.logged_out"))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(signed_in_account())
        except accounts.LastAdministrator:
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
