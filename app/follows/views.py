"""The follow buttons, and the list of what one follows."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.current import login_required, rate_limit_key, signed_in_account
from app.core.urls import safe_next
from app.extensions import db, limiter
from app.follows import bp, services, targets
from app.follows.forms import FollowPlaceForm
from app.follows.models import TARGET_LABELS, Target


@dataclass(frozen=True)
class FollowState:
    target: Target
    id: int
    count: int
    following: bool


def follow_state(target: str, target_id: int) -> FollowState:
    """For the follow button of a page: how many follow, and whether the visitor does."""
    kind = Target(target)
    count, following = services.followers(kind, target_id, current_user)
    return FollowState(kind, target_id, count, following)


@bp.app_context_processor
def _button() -> dict[str, object]:
    return {"follow_state": follow_state}


def _target_or_404(value: str) -> Target:
    try:
        return Target(value)
    except ValueError:
        abort(404)


def _back(target: Target, target_id: int) -> ResponseReturnValue:
    described = targets.describe_one(target, target_id)
    fallback = described.path if described else url_for("follows.mine")
    return redirect(safe_next(request.form.get("next")) or fallback)


@bp.post("/follows/<target>/<id:target_id>")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def follow(target: str, target_id: int) -> ResponseReturnValue:
    kind = _target_or_404(target)
    try:
        added = services.follow(signed_in_account(), kind, target_id)
    except services.NotFollowable:
        abort(404)
    db.session.commit()
    if added:
        flash(_("You follow it now: what happens to it appears in your notifications."), "success")
    return _back(kind, target_id)


@bp.post("/follows/<target>/<id:target_id>/stop")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def unfollow(target: str, target_id: int) -> ResponseReturnValue:
    kind = _target_or_404(target)
    if services.unfollow(signed_in_account(), kind, target_id):
        flash(_("You no longer follow it."), "success")
    db.session.commit()
    return _back(kind, target_id)


@bp.route("/me/follows", methods=["GET", "POST"])
@login_required
def mine() -> ResponseReturnValue:
    user = signed_in_account()
    form = FollowPlaceForm()
    if form.validate_on_submit():
        added = False
        for kind, place_id in form.chosen():
            try:
                added = services.follow(user, kind, place_id) or added
            except services.NotFollowable:
                abort(404)  # the choices offer only active ones; a forged value gets nothing
        db.session.commit()
        if added:
            flash(
                _("You follow it now: what happens to it appears in your notifications."),
                "success",
            )
        return redirect(url_for("follows.mine"))
    status = 422 if form.errors else 200
    return (
        render_template(
            "follows/mine.html",
            follows=services.follows_of(user),
            labels=TARGET_LABELS,
            form=form,
        ),
        status,
    )
