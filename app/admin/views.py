"""Views of the administration: thin, every change through a service and audited there."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.admin import bp, queries
from app.admin.forms import GrantRoleForm, ResidencyInstructionsForm
from app.auth import permissions, roles
from app.auth import residency as residency_help
from app.auth.current import signed_in_account
from app.auth.models import ROLE_LABELS, Role, RoleGrant, User
from app.core import pagination
from app.core.forms import SelectChoice
from app.core.pagination import Page
from app.council.models import Person
from app.extensions import db
from app.pages import services as page_services
from app.pages.models import AccessibilityFeedback


def _page_number() -> int:
    """The page asked for in the URL; anything but a page number is a 400."""
    try:
        return pagination.parse_page_number(request.args.get("page"))
    except pagination.BadPage:
        abort(400)


def _render_list(template: str, page: Page[Any], **context: Any) -> str:
    if page.past_the_end:
        abort(404)
    return render_template(template, page=page, **context)


def _grant_form() -> GrantRoleForm:
    form = GrantRoleForm()
    units, people = queries.grant_choices()
    form.org_unit.choices = [SelectChoice("", "—")] + [
        SelectChoice(unit.code, unit.name) for unit in units
    ]
    form.person.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(person.id), person.name) for person in people
    ]
    return form


@bp.get("/")
@permissions.role_required(permissions.can_view_admin)
def index() -> ResponseReturnValue:
    return redirect(url_for("admin.users"))


@bp.get("/users")
@permissions.role_required(permissions.can_view_admin)
def users() -> ResponseReturnValue:
    search = request.args.get("q", "")[:40]
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in Role._value2member_map_ else None
    return _render_list(
        "admin/users.html",
        queries.users(search=search, role=role, page=_page_number()),
        search=search,
        role=role,
        role_labels=ROLE_LABELS,
    )


def _render_user(user: User, form: GrantRoleForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "admin/user.html",
        user=user,
        form=form,
        role_labels=ROLE_LABELS,
        can_manage_roles=permissions.can_manage_roles(signed_in_account()),
        can_verify=permissions.can_verify_residents(signed_in_account()),
    )
    return page, status


def _load_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.deleted_at is not None:
        abort(404)
    return user


@bp.get("/users/<id:user_id>")
@permissions.role_required(permissions.can_view_admin)
def user(user_id: int) -> ResponseReturnValue:
    return _render_user(_load_user(user_id), _grant_form())


@bp.post("/users/<id:user_id>/roles")
@permissions.role_required(permissions.can_manage_roles)
def grant(user_id: int) -> ResponseReturnValue:
    account = _load_user(user_id)
    form = _grant_form()
    if not form.validate_on_submit():
        return _render_user(account, form, 422)
    role = form.role_value()
    # The choices were checked against the same lists: both exist.
    unit = queries.unit_by_code(form.org_unit.data) if form.org_unit.data else None
    person = db.session.get(Person, int(form.person.data)) if form.person.data else None
    try:
        roles.grant_role(signed_in_account(), account, role, org_unit=unit, person=person)
    except roles.InvalidRoleGrant:
        message = (
            _("An official's role needs an organisational unit (and nothing else).")
            if role is Role.OFFICIAL
            else _("A councillor's role needs a public person record (and nothing else).")
            if role is Role.COUNCILLOR
            else _("This role takes neither a unit nor a person record.")
        )
        form.role.errors = [message]
        return _render_user(account, form, 422)
    except roles.AlreadyGranted:
        form.role.errors = [_("The account already has this role.")]
        return _render_user(account, form, 422)
    db.session.commit()
    flash(_("Role granted."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<id:user_id>/roles/<id:grant_id>/revoke")
@permissions.role_required(permissions.can_manage_roles)
def revoke(user_id: int, grant_id: int) -> ResponseReturnValue:
    role_grant = db.get_or_404(RoleGrant, grant_id)
    if role_grant.user_id != user_id:
        abort(404)
    try:
        roles.revoke_role(signed_in_account(), role_grant)
    except roles.NotAllowed:
        flash(_("The last administrator cannot give up the role."), "error")
        return redirect(url_for("admin.user", user_id=user_id)), 303
    db.session.commit()
    flash(_("Role revoked."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/residency")
@permissions.role_required(permissions.can_verify_residents)
def residency(user_id: int) -> ResponseReturnValue:
    account = _load_user(user_id)
    decision = request.form.get("verified")
    if decision not in ("yes", "no"):
        abort(400)
    try:
        roles.set_residency(signed_in_account(), account, verified=decision == "yes")
    except roles.NotAllowed:
        abort(403)
    db.session.commit()
    flash(
        _("Residence verified.") if decision == "yes" else _("Residence verification withdrawn."),
        "success",
    )
    return redirect(url_for("admin.user", user_id=account.id))


@bp.get("/audit")
@permissions.role_required(permissions.can_manage_roles)
def audit() -> ResponseReturnValue:
    page = queries.audit_entries(page=_page_number())
    return _render_list("admin/audit.html", page, actors=queries.actor_names(page.items))


@bp.get("/feedback")
@permissions.role_required(permissions.can_manage_roles)
def feedback() -> ResponseReturnValue:
    """Messages from the accessibility statement's form, the unhandled first."""
    return _render_list("admin/feedback.html", queries.feedback(page=_page_number()))


@bp.post("/feedback/<id:feedback_id>/handled")
@permissions.role_required(permissions.can_manage_roles)
def feedback_handled(feedback_id: int) -> ResponseReturnValue:
    message = db.get_or_404(AccessibilityFeedback, feedback_id)
    page_services.mark_handled(signed_in_account().id, message)
    db.session.commit()
    flash(_("Marked as handled."), "success")
    return redirect(url_for("admin.feedback"))


# --- how to have one's residence verified ---------------------------------------------------


def _render_residency_instructions(
    form: ResidencyInstructionsForm, status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "admin/residency_instructions.html",
        form=form,
        previews={code: residency_help.instructions(code) for code in ("sl", "en")},
    )
    return page, status


@bp.get("/residency-instructions")
@permissions.role_required(permissions.can_edit_site_texts)
def residency_instructions() -> ResponseReturnValue:
    stored = residency_help.texts()
    if not any(stored.values()):
        # Until an administrator writes them, the placeholders are the starting point.
        stored = {code: residency_help.placeholder(code) for code in stored}
    data = {f"text_{code}": text for code, text in stored.items()}
    return _render_residency_instructions(ResidencyInstructionsForm(data=data))


@bp.post("/residency-instructions")
@permissions.role_required(permissions.can_edit_site_texts)
def save_residency_instructions() -> ResponseReturnValue:
    form = ResidencyInstructionsForm()
    if not form.validate_on_submit():
        return _render_residency_instructions(form, 422)
    texts = {"sl": form.text_sl.data or "", "en": form.text_en.data or ""}
    if not residency_help.save(signed_in_account(), texts):  # audited by settings.save
        flash(_("Nothing changed."), "info")
        return redirect(url_for("admin.residency_instructions"))
    db.session.commit()
    flash(_("The instructions have been saved."), "success")
    return redirect(url_for("admin.residency_instructions"))
