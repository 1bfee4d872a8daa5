"""Views of initiatives: thin — load, check, call a service, commit, redirect or render."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import permissions as auth_permissions
from app.core.time import utcnow
from app.extensions import db, limiter
from app.initiatives import bp, lifecycle, permissions, queries, rules, search, services
from app.initiatives.forms import (
    InitiativeForm,
    ProgressForm,
    RejectForm,
    RespondForm,
    UnitForm,
)
from app.initiatives.models import (
    RESPONSE_LABELS,
    STATE_LABELS,
    EventKind,
    Initiative,
    InitiativeState,
    ResponseKind,
)
from app.reference.seed import slugify


def _me() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None  # type: ignore[attr-defined]


def _load(initiative_id: int) -> Initiative:
    """The initiative, or 404 — also for one the visitor may not see (nothing is revealed)."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not permissions.can_view(_me(), initiative):
        abort(404)
    return initiative


def detail_url(initiative: Initiative, **values: Any) -> str:
    slug = slugify(initiative.title)[:60].strip("-")
    return url_for("initiatives.detail", initiative_id=initiative.id, slug=slug or None, **values)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "initiative_permissions": permissions,
        "initiative_url": detail_url,
        "initiative_state_labels": STATE_LABELS,
        "response_labels": RESPONSE_LABELS,
        "initiative_lifecycle": lifecycle,
        "initiative_version": services.version,
    }


# --- lists ----------------------------------------------------------------------------------


def _filters_or_400() -> queries.Filters:
    try:
        return queries.parse_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


@bp.get("/")
def index() -> ResponseReturnValue:
    filters = _filters_or_400()
    now = utcnow()
    page = queries.list_page(filters, now)
    if filters.page > page.pages:
        abort(404)
    topics, communities = queries.filter_choices()
    return render_template(
        "initiatives/list.html",
        page=page,
        filters=filters,
        topics=topics,
        communities=communities,
        states=queries.StateFilter,
        sorts=queries.Sort,
        now=now,
    )


def _csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/export.csv")
@limiter.limit("30 per minute")
def export() -> ResponseReturnValue:
    filters = _filters_or_400()
    now = utcnow()
    public = current_app.config["PUBLIC_URL"]
    header = [
        "id", "url", "title", "summary", "state", "topic", "local_community", "location",
        "author", "supporters", "threshold", "published_at", "support_closes_at",
        "threshold_reached_at", "response_due_at", "answered_at", "response",
    ]  # fmt: skip

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for item in queries.export_rows(filters, now):
            # A rejected initiative's text was never made public: only its title is.
            hidden = item.state is InitiativeState.REJECTED
            writer.writerow(
                [
                    item.id,
                    public + detail_url(item),
                    *(
                        _csv_safe(v)
                        for v in (
                            item.title,
                            "" if hidden else item.summary,
                            lifecycle.effective_state(item, now).value,
                            item.topic.slug,
                            item.community.slug if item.community else "",
                            "" if hidden else item.location,
                            item.author.display_name,
                        )
                    ),
                    item.support_count,
                    item.threshold or "",
                    *(
                        value.isoformat() if value else ""
                        for value in (
                            item.published_at,
                            item.support_closes_at,
                            item.threshold_reached_at,
                            item.response_due_at,
                            item.answered_at,
                        )
                    ),
                    item.response_kind.value if item.response_kind else "",
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    # A byte-order mark so that spreadsheet programs read č, š and ž correctly.
    body = stream_with_context(
        ("\ufeff" if i == 0 else "") + chunk for i, chunk in enumerate(rows())
    )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-initiatives.csv"'},
    )


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    return render_template(
        "initiatives/mine.html", initiatives=queries.by_author(_me()), now=utcnow()
    )


@bp.get("/moderation")
@auth_permissions.role_required(auth_permissions.is_moderator)
def moderation() -> ResponseReturnValue:
    return render_template(
        "initiatives/moderation.html",
        queue=queries.moderation_queue(),
        awaiting=queries.awaiting_response(),
        now=utcnow(),
    )


# --- writing --------------------------------------------------------------------------------


def _render_form(
    form: InitiativeForm, initiative: Initiative | None, similar: Any, status: int
) -> ResponseReturnValue:
    page = render_template(
        "initiatives/form.html",
        form=form,
        initiative=initiative,
        similar=similar,
        rules=rules.current(),
        now=utcnow(),
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    "30 per hour",
    methods=["POST"],
    # Looking for similar initiatives saves nothing: it must never cost the typed text.
    exempt_when=lambda: request.form.get("action") == "check",
)
def new() -> ResponseReturnValue:
    if not permissions.can_create(_me()):
        return render_template("initiatives/cannot_submit.html"), 403
    form = InitiativeForm()
    if request.method == "POST" and request.form.get("action") == "check":
        # "Look for similar initiatives" re-shows the form with a list; nothing is saved.
        similar = search.similar(form.title.data or "")
        return _render_form(form, None, similar, 200)
    if form.validate_on_submit():
        try:
            initiative = services.create_draft(_me(), **form.content())
        except services.InvalidChoice:
            form.topic.errors = [_("Choose a topic from the list.")]
        else:
            db.session.commit()
            flash(
                _("Your draft is saved. Check it, add pictures if you like, then submit it."),
                "success",
            )
            return redirect(detail_url(initiative))
    return _render_form(form, None, None, 422 if form.errors else 200)


@bp.route("/<id:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_edit(_me(), initiative):
        abort(403)
    form = InitiativeForm(
        obj=None if request.method == "POST" else _FormData(initiative), current=initiative
    )
    if request.method == "POST" and request.form.get("action") == "check":
        return _render_form(
            form, initiative, search.similar(form.title.data or "", exclude_id=initiative.id), 200
        )
    if form.validate_on_submit():
        try:
            services.update(_me(), initiative, **form.content())
        except services.InvalidChoice:
            form.topic.errors = [_("Choose a topic from the list.")]
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(detail_url(initiative))
    return _render_form(form, initiative, None, 422 if form.errors else 200)


class _FormData:
    def __init__(self, initiative: Initiative) -> None:
        self.title = initiative.title
        self.summary = initiative.summary
        self.body = initiative.body
        self.topic = str(initiative.topic_id)
        self.community = str(initiative.community_id or "")
        self.location = initiative.location


def _act(initiative_id: int, action: Any, message: str, **kwargs: Any) -> ResponseReturnValue:
    """Run a simple transition; 403 when it is not allowed now."""
    initiative = _load(initiative_id)
    try:
        action(_me(), initiative, **kwargs)
    except services.NotAllowed:
        abort(403)
    db.session.commit()
    flash(message, "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/submit")
@login_required
def submit(initiative_id: int) -> ResponseReturnValue:
    return _act(
        initiative_id,
        services.submit,
        _("Submitted. A moderator will check it, usually within two working days."),
    )


@bp.post("/<id:initiative_id>/unsubmit")
@login_required
def unsubmit(initiative_id: int) -> ResponseReturnValue:
    return _act(
        initiative_id,
        services.unsubmit,
        _("Taken back from moderation: it is a draft again, visible only to you."),
    )


def _confirmable(initiative_id: int, allowed: Any) -> Initiative:
    """Load and check for an action that asks "are you sure?" first (it cannot be undone)."""
    initiative = _load(initiative_id)
    if not allowed(_me(), initiative):
        abort(403)
    return initiative


@bp.route("/<id:initiative_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(initiative_id: int) -> ResponseReturnValue:
    now = utcnow()
    initiative = _confirmable(
        initiative_id, lambda user, item: permissions.can_withdraw(user, item, now)
    )
    if request.method == "GET":
        return render_template("initiatives/confirm_withdraw.html", initiative=initiative)
    return _act(initiative_id, services.withdraw, _("Your initiative has been withdrawn."))


@bp.route("/<id:initiative_id>/delete", methods=["GET", "POST"])
@login_required
def delete(initiative_id: int) -> ResponseReturnValue:
    initiative = _confirmable(initiative_id, permissions.can_delete)
    if request.method == "GET":
        return render_template("initiatives/confirm_delete.html", initiative=initiative)
    services.delete_draft(_me(), initiative)
    db.session.commit()
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("initiatives.mine"))


# --- support --------------------------------------------------------------------------------


@bp.post("/<id:initiative_id>/support")
@login_required
@limiter.limit("60 per minute")
def support(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.support(_me(), initiative)
    except services.NotAllowed:
        abort(403)
    except services.AlreadySupported:
        flash(_("You already support this initiative."), "info")
    else:
        flash(_("Thank you for your support."), "success")
    db.session.commit()
    return redirect(detail_url(initiative, _anchor="support"))


@bp.post("/<id:initiative_id>/support/withdraw")
@login_required
@limiter.limit("60 per minute")
def unsupport(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.withdraw_support(_me(), initiative)
    except services.NotAllowed:
        abort(403)
    except services.NotSupported:
        flash(_("You did not support this initiative."), "info")
    else:
        flash(_("Your support has been withdrawn."), "success")
    db.session.commit()
    return redirect(detail_url(initiative, _anchor="support"))


# --- moderation and the municipality ---------------------------------------------------------


@bp.post("/<id:initiative_id>/publish")
@login_required
def publish(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.publish(
            _me(),
            initiative,
            seen=request.form.get("seen", ""),
            responsible_unit_id=_id_or_none(request.form.get("unit")),
        )
    except services.NotAllowed:
        abort(403)
    except services.InvalidChoice:
        abort(400)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(initiative)
    db.session.commit()
    flash(_("Published: the initiative is open for support."), "success")
    return redirect(detail_url(initiative))


def _id_or_none(value: str | None) -> int | None:
    """A database id from a form field; anything else (², -1, 10**30, text) is 400."""
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", value) or not 1 <= int(value) < 2**31:
        abort(400)
    return int(value)


def _changed_meanwhile(initiative: Initiative) -> ResponseReturnValue:
    db.session.rollback()
    flash(
        _(
            "The author changed the initiative after you opened it. Read it again before you "
            "decide."
        ),
        "warning",
    )
    return redirect(detail_url(initiative)), 303


def _detail(initiative: Initiative, status: int = 200, **forms: Any) -> ResponseReturnValue:
    me = _me()
    now = utcnow()
    context = {
        "reject_form": RejectForm(prefix="reject"),
        "unit_form": UnitForm(prefix="unit"),
        "respond_form": RespondForm(prefix="respond"),
        "progress_form": ProgressForm(prefix="progress"),
        **forms,
    }
    if permissions.can_manage_attachments(me, initiative):
        from app.initiatives.attachment_forms import AttachmentForm

        context.setdefault("upload_form", AttachmentForm())
    page = render_template(
        "initiatives/detail.html",
        initiative=initiative,
        now=now,
        state=lifecycle.effective_state(initiative, now),
        supported=services.has_supported(me, initiative),
        events=[e for e in initiative.events if e.kind is not EventKind.CREATED],
        **context,
    )
    return page, status


@bp.get("/<id:initiative_id>")
@bp.get("/<id:initiative_id>-<slug>")
def detail(initiative_id: int, slug: str | None = None) -> ResponseReturnValue:
    return _detail(_load(initiative_id))


@bp.post("/<id:initiative_id>/reject")
@login_required
def reject(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_moderate(_me(), initiative):
        abort(403)
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _detail(initiative, 422, reject_form=form)
    try:
        services.reject(
            _me(),
            initiative,
            seen=request.form.get("seen", ""),
            reason_id=int(form.reason.data),
            note=form.note.data,
        )
    except services.InvalidChoice:
        abort(400)
    except services.NoteRequired:
        form.note.errors = [_("Explain the reason in your own words.")]
        return _detail(initiative, 422, reject_form=form)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(initiative)
    db.session.commit()
    flash(_("The initiative will not be published. The author sees the reason."), "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/unit")
@login_required
def assign(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_assign_unit(_me(), initiative):
        abort(403)
    form = UnitForm(prefix="unit")
    if not form.validate_on_submit():
        return _detail(initiative, 422, unit_form=form)
    services.assign_unit(_me(), initiative, unit_id=int(form.unit.data))
    db.session.commit()
    flash(_("The responsible unit has been set."), "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/respond")
@login_required
def respond(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_respond(_me(), initiative, utcnow()):
        abort(403)
    form = RespondForm(prefix="respond")
    if not form.validate_on_submit():
        return _detail(initiative, 422, respond_form=form)
    services.respond(
        _me(), initiative, kind=ResponseKind(form.kind.data), text=form.text.data or ""
    )
    db.session.commit()
    flash(_("The response is published."), "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/progress")
@login_required
def progress(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_report_progress(_me(), initiative):
        abort(403)
    form = ProgressForm(prefix="progress")
    if not form.validate_on_submit():
        return _detail(initiative, 422, progress_form=form)
    services.report_progress(
        _me(), initiative, note=form.note.data or "", completed=form.completed.data
    )
    db.session.commit()
    flash(_("The progress report is published."), "success")
    return redirect(detail_url(initiative))
