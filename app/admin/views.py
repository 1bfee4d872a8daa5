"""Views of the administration: thin, every change through a service and audited there."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.admin import bp, queries
from app.admin.forms import GrantRoleForm
from app.auth import permissions, services
from app.auth.models import ROLE_LABELS, Role, RoleGrant, User
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit
from app.pages import services as page_services
from app.pages.models import AccessibilityFeedback


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _page() -> int:
    page = request.args.get("page", default=1, type=int) or 1
    return max(1, min(page, 10_000))


def _grant_form() -> GrantRoleForm:
    form = GrantRoleForm()
    units = db.session.scalars(sa.select(OrgUnit).where(OrgUnit.is_active).order_by(OrgUnit.name))
    people = db.session.scalars(sa.select(Person).order_by(Person.name))
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
    rows, total = queries.users(search=search, role=role, page=_page())
    return render_template(
        "admin/users.html",
        users=rows,
        total=total,
        page=_page(),
        page_size=queries.PAGE_SIZE,
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
        can_manage_roles=permissions.can_manage_roles(_actor()),
        can_verify=permissions.can_verify_residents(_actor()),
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
    unit = (
        db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == form.org_unit.data))
        if form.org_unit.data
        else None
    )
    person = db.session.get(Person, int(form.person.data)) if form.person.data else None
    try:
        services.grant_role(_actor(), account, role, org_unit=unit, person=person)
    except services.InvalidRoleGrant:
        message = (
            _("An official's role needs an organisational unit (and nothing else).")
            if role is Role.OFFICIAL
            else _("A councillor's role needs a public person record (and nothing else).")
            if role is Role.COUNCILLOR
            else _("This role takes neither a unit nor a person record.")
        )
        form.role.errors = [message]
        return _render_user(account, form, 422)
    except services.AlreadyGranted:
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
        services.revoke_role(_actor(), role_grant)
    except services.NotAllowed:
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
        services.set_residency(_actor(), account, verified=decision == "yes")
    except services.NotAllowed:
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
    entries, total = queries.audit_entries(page=_page())
    return _paged_page("admin/audit.html", entries, total, actors=queries.actor_names(entries))


@bp.get("/feedback")
@permissions.role_required(permissions.can_manage_roles)
def feedback() -> ResponseReturnValue:
    """Messages from the accessibility statement's form, the unhandled first."""
    entries, total = queries.feedback(page=_page())
    return _paged_page("admin/feedback.html", entries, total)


def _paged_page(template: str, entries: list[Any], total: int, **context: Any) -> str:
    return render_template(
        template,
        entries=entries,
        total=total,
        page=_page(),
        page_size=queries.PAGE_SIZE,
        **context,
    )


@bp.post("/feedback/<id:feedback_id>/handled")
@permissions.role_required(permissions.can_manage_roles)
def feedback_handled(feedback_id: int) -> ResponseReturnValue:
    message = db.get_or_404(AccessibilityFeedback, feedback_id)
    page_services.mark_handled(_actor().id, message)
    db.session.commit()
    flash(_("Marked as handled."), "success")
    return redirect(url_for("admin.feedback"))
