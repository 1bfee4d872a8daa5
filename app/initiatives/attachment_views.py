"""Views of attachments: add and remove (the author, while editing), and download."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from app.attachments import files, messages, serving
from app.attachments.files import AttachmentRefused, Refusal
from app.attachments.forms import AttachmentForm, max_megabytes
from app.auth.current import current_account, login_required, signed_in_account
from app.core import errors
from app.core.urls import safe_next
from app.extensions import db, limiter
from app.initiatives import attachments, bp, permissions
from app.initiatives.models import Attachment, Initiative
from app.initiatives.services import NotAllowed


def refusal_message(reason: Refusal) -> str:
    """What is wrong and what to do, in the user's language; "too many" is the initiative's."""
    too_many = None
    if reason is Refusal.TOO_MANY:
        too_many = ngettext(
            "An initiative can have at most %(num)d attachment. Remove one before you add another.",
            "An initiative can have at most %(num)d attachments. "
            "Remove one before you add another.",
            current_app.config["ATTACHMENTS_PER_INITIATIVE"],
        )
    return messages.refusal_message(reason, too_many=too_many)


def _initiative(initiative_id: int) -> Initiative:
    """The initiative, or 404 — also one the visitor may not see, so nothing is revealed."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not permissions.can_view(current_account(), initiative):
        abort(404)
    return initiative


def _attachment(initiative: Initiative, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.initiative_id != initiative.id:
        abort(404)
    return attachment


def back_url(initiative: Initiative, requested: str | None) -> str:
    """Where the author came from (a page of this initiative), else its edit page."""
    prefix = url_for("initiatives.add_attachment", initiative_id=initiative.id)
    prefix = prefix.removesuffix("/attachments")
    target = safe_next(requested)
    # Only a page of this initiative ("/initiatives/7", "/initiatives/7-slug", "…/7/edit").
    if target and target.startswith(prefix) and target[len(prefix) : len(prefix) + 1] in "/-?#":
        return target
    for endpoint in ("initiatives.edit", "initiatives.detail"):
        try:
            return url_for(endpoint, initiative_id=initiative.id)
        except BuildError:
            continue  # that page does not exist in this version
    return url_for("pages.home")


@bp.post("/<id:initiative_id>/attachments")
@login_required
@limiter.limit("60 per hour")
def add_attachment(initiative_id: int) -> ResponseReturnValue:
    initiative = _initiative(initiative_id)
    if not permissions.can_manage_attachments(signed_in_account(), initiative):
        abort(403)
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _refused(initiative, form, 422, request.form.get("next"))
    try:
        attachment = attachments.add(
            signed_in_account(),
            initiative,
            upload=form.file.data,
            description=form.description.data or "",
        )
    except NotAllowed:
        abort(403)
    except AttachmentRefused as refusal:
        about_text = refusal.reason in messages.DESCRIPTION_REFUSALS
        field = form.description if about_text else form.file
        field.errors = [refusal_message(refusal.reason)]
        status = messages.status(refusal.reason)
        return _refused(initiative, form, status, request.form.get("next"))
    db.session.commit()
    flash(gettext("“%(name)s” is attached.", name=attachment.filename), "success")
    return redirect(back_url(initiative, request.form.get("next")), 303)


def _refused(
    initiative: Initiative, form: AttachmentForm, status: int, requested: str | None
) -> ResponseReturnValue:
    # Nothing was flushed; ending the transaction releases the lock taken for the final count.
    db.session.rollback()
    page = render_template(
        "initiatives/attachment_error.html",
        initiative=initiative,
        form=form,
        back=back_url(initiative, requested),
        limit=current_app.config["ATTACHMENTS_PER_INITIATIVE"],
    )
    return page, status


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A file over MAX_CONTENT_LENGTH never reaches the view: explain it like a refusal."""
    user = current_account()
    if request.endpoint != "initiatives.add_attachment" or user is None:
        return errors.render_error(error)
    initiative = db.session.get(Initiative, request.view_args.get("initiative_id", 0))  # type: ignore[union-attr]
    if initiative is None or not permissions.can_manage_attachments(user, initiative):
        return errors.render_error(error)
    form = AttachmentForm(formdata=None)
    form.file.errors = [refusal_message(Refusal.TOO_LARGE)]
    # The body was not read, so the page the author came from is unknown: the default it is.
    return _refused(initiative, form, 413, None)


@bp.post("/<id:initiative_id>/attachments/<id:attachment_id>/delete")
@login_required
def remove_attachment(initiative_id: int, attachment_id: int) -> ResponseReturnValue:
    initiative = _initiative(initiative_id)
    attachment = _attachment(initiative, attachment_id)
    try:
        attachments.remove(signed_in_account(), initiative, attachment)
    except NotAllowed:
        abort(403)
    db.session.commit()  # the file goes after this commit, never before
    flash(gettext("“%(name)s” is removed.", name=attachment.filename), "success")
    return redirect(back_url(initiative, request.form.get("next")), 303)


@bp.get("/<id:initiative_id>/attachments/<id:attachment_id>/<path:filename>")
def attachment(initiative_id: int, attachment_id: int, filename: str) -> ResponseReturnValue:
    """The file, as what it is, and never as a page that could run in our origin.

    The name in the URL is only for people and for the browser's "save as"; the download
    name comes from the database.
    """
    initiative = db.get_or_404(Initiative, initiative_id)
    # A rejected initiative shows its title, not its content: its pictures stay hidden too.
    if not permissions.can_view_body(current_account(), initiative):
        abort(404)
    item = _attachment(initiative, attachment_id)
    return serving.send(item, public=permissions.can_view_body(None, initiative))


@bp.app_template_global("attachment_url")
def attachment_url(item: Attachment) -> str:
    return url_for(
        "initiatives.attachment",
        initiative_id=item.initiative_id,
        attachment_id=item.id,
        filename=item.filename,
    )


@bp.app_template_global("attachment_image_size")
def attachment_image_size(item: Attachment) -> tuple[int, int] | None:
    return files.image_size(item.stored_name)


bp.add_app_template_global(max_megabytes, "attachment_max_megabytes")
