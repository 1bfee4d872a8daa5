"""Views of the information pages."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.core import pagecache
from app.core.i18n import (
    current_language,
    remember_language,
    save_preference,
    supported_languages,
)
from app.core.time import utcnow
from app.core.urls import safe_next
from app.extensions import db, limiter
from app.initiatives import queries
from app.pages import bp, services
from app.pages.forms import FeedbackForm


@bp.get("/")
@pagecache.cached(lambda: ("initiatives",))
def home() -> ResponseReturnValue:
    now = utcnow()
    pagecache.expires_by(lambda: queries.next_deadline(now))
    open_now = queries.list_page(
        queries.Filters(state=queries.StateFilter.OPEN, sort=queries.Sort.SUPPORTED), now, 3
    )
    answered = queries.recently_answered(3)
    return render_template("pages/home.html", open_now=open_now, answered=answered, now=now)


@bp.get("/about")
@pagecache.cached()
def about() -> ResponseReturnValue:
    return render_template("pages/about.html")


@bp.get("/privacy")
@pagecache.cached()
def privacy() -> ResponseReturnValue:
    return render_template("pages/privacy.html")


@bp.route("/accessibility", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def accessibility() -> ResponseReturnValue:
    form = FeedbackForm()
    if form.validate_on_submit():
        services.record_feedback(
            message=form.message.data or "",
            page_url=form.page_url.data,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
            language=current_language(),
        )
        db.session.commit()
        # A query flag rather than a flash: a flash needs a session, so a cookie.
        return redirect(url_for("pages.accessibility", sent=1, _anchor="feedback"))
    status = 422 if form.errors else 200
    page = render_template(
        "pages/accessibility.html",
        form=form,
        reviewed_on=current_app.config["ACCESSIBILITY_REVIEWED_ON"],
        sent=request.args.get("sent") == "1" and request.method == "GET",
    )
    return page, status


@bp.get("/language/<language>")
def set_language(language: str) -> ResponseReturnValue:
    if language not in supported_languages():
        abort(404)
    save_preference(language)
    db.session.commit()
    response = redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    remember_language(response, language)
    return response
