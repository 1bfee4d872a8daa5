"""The person's notifications, their settings, and the one-click unsubscribe."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.account.views import render_account
from app.auth.current import login_required, rate_limit_key, signed_in_account
from app.core import csrf, pagination
from app.core.time import utcnow
from app.extensions import db, limiter
from app.notifications import bp, queries, unsubscribe
from app.notifications.forms import SettingsForm
from app.notifications.models import Notification


@bp.app_context_processor
def _header() -> dict[str, object]:
    # Counted (up to 100) in the same statement that loaded the signed-in session.
    return {"unread_notifications": lambda: int(g.get("unread_notifications", 0))}


@bp.get("/me/notifications")
@login_required
def index() -> ResponseReturnValue:
    user = signed_in_account()
    try:
        page, shown = queries.page_for(user, request.args.get("after"))
    except pagination.BadPage:
        abort(400)
    return render_template(
        "notifications/index.html",
        page=page,
        shown=shown,
        unread=queries.unread_count(user),
    )


@bp.post("/me/notifications/read")
@login_required
def mark_all_read() -> ResponseReturnValue:
    user = signed_in_account()
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/me/notifications/<id:notification_id>")
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark one read and go to its item (a link, so that it works without JavaScript)."""
    user = signed_in_account()
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    shown = queries.shown(notification)
    if shown.message is None:
        abort(404)
    parts = urlsplit(shown.message.url)
    return redirect(parts.path + (f"?{parts.query}" if parts.query else ""))


@bp.post("/me/notifications/settings")
@login_required
@limiter.limit("30 per hour", key_func=rate_limit_key)
def settings() -> ResponseReturnValue:
    user = signed_in_account()
    form = SettingsForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return render_account(notifications_form=form, status=422)
    user.email_frequency = form.frequency()
    user.follow_automatically = bool(form.follow_automatically.data)
    db.session.commit()
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("account.index", _anchor="notifications"))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt
# Per link, not per address: a large mail provider posts everyone's one-click unsubscribes
# from a few shared servers, and none of them may be refused.
@limiter.limit("10 per minute", key_func=lambda: f"unsubscribe:{request.path}")
def unsubscribe_view(token: str) -> ResponseReturnValue:
    """RFC 8058: a POST turns notification e-mail off, signed in or not; a GET asks first
    (link checkers and previews open links, and must not unsubscribe anyone)."""
    user = unsubscribe.user_of(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    if request.method == "POST":
        unsubscribe.unsubscribe(user)
        db.session.commit()
        return render_template("notifications/unsubscribe.html", done=True, token=token)
    return render_template("notifications/unsubscribe.html", token=token)
