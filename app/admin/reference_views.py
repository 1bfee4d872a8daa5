"""Administration of the reference data (topics, local communities, rejection reasons) and of
the initiative rules (threshold and periods). Administrators only; every change is audited
by the service it goes through.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.admin import bp, queries
from app.admin.forms import ReferenceEditForm, ReferenceItemForm, RulesForm
from app.auth import permissions
from app.auth.current import signed_in_account
from app.extensions import db
from app.initiatives import rules
from app.reference import services
from app.reference.models import LocalCommunity, RejectionReason, Topic


@dataclass(frozen=True)
class Kind:
    """One list of reference data as the administration shows it."""

    key: str  # the URL segment
    model: services.ReferenceModel
    title: LazyString
    add_title: LazyString
    intro: LazyString


KINDS = {
    kind.key: kind
    for kind in (
        Kind(
            "topics",
            Topic,
            _l("Topics"),
            _l("Add a topic"),
            _l("What initiatives and questions are about. Residents choose one when submitting."),
        ),
        Kind(
            "communities",
            LocalCommunity,
            _l("Local communities"),
            _l("Add a local community"),
            _l(
                "The municipality's local communities (krajevne skupnosti). Residents may say "
                "which one an initiative concerns."
            ),
        ),
        Kind(
            "reasons",
            RejectionReason,
            _l("Rejection reasons"),
            _l("Add a rejection reason"),
            _l(
                "The public reasons a moderator chooses from when not publishing an initiative; "
                "the moderator may add an explanation."
            ),
        ),
    )
}
# The any() converter keeps these addresses apart from /admin/users/<id> and sends an
# unknown kind to 404 before any view runs.
_KIND = "/<any(" + ", ".join(KINDS) + "):kind>"
_ITEM = _KIND + "/<int:item_id>"
#: The largest id the database's integer column holds.
_MAX_ID = 2**31 - 1


def _with_hints(form: ReferenceItemForm, kind: Kind) -> ReferenceItemForm:
    limits = services.max_lengths(kind.model)
    form.name_sl.description = _("At most %(max)d characters.", max=limits["name_sl"])
    form.name_en.description = _(
        "Shown to visitors who use Glas in English; if empty, they see the Slovenian name. "
        "At most %(max)d characters.",
        max=limits["name_en"],
    )
    return form


def _load(kind: Kind, item_id: int) -> Any:
    # Checked here rather than by the converter's max=: a POST to an address the converter
    # refuses would be answered 405, not 404. Beyond the range, PostgreSQL would raise an
    # overflow error instead of finding nothing.
    if not 1 <= item_id <= _MAX_ID:
        abort(404)
    return db.get_or_404(kind.model, item_id)


def _render_list(kind: Kind, form: ReferenceItemForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "admin/reference_list.html",
        kind=kind,
        items=queries.reference_items(kind.model),
        form=_with_hints(form, kind),
    )
    return page, status


def _render_item(
    kind: Kind, item: Any, form: ReferenceEditForm, status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "admin/reference_item.html", kind=kind, item=item, form=_with_hints(form, kind)
    )
    return page, status


@bp.get(_KIND)
@permissions.role_required(permissions.is_administrator)
def reference_list(kind: str) -> ResponseReturnValue:
    return _render_list(KINDS[kind], ReferenceItemForm())


@bp.post(_KIND)
@permissions.role_required(permissions.is_administrator)
def reference_add(kind: str) -> ResponseReturnValue:
    spec = KINDS[kind]
    form = ReferenceItemForm()
    if not form.validate_on_submit():
        return _render_list(spec, form, 422)
    try:
        item = services.create(
            signed_in_account(),
            spec.model,
            name_sl=form.name_sl.data or "",
            name_en=form.name_en.data,
        )
    except services.InvalidName as error:
        form[error.field].errors = [error.message]
        return _render_list(spec, form, 422)
    db.session.commit()
    flash(_("Added: %(name)s.", name=item.name), "success")
    return redirect(url_for("admin.reference_list", kind=kind))


@bp.get(_ITEM)
@permissions.role_required(permissions.is_administrator)
def reference_item(kind: str, item_id: int) -> ResponseReturnValue:
    spec = KINDS[kind]
    item = _load(spec, item_id)
    return _render_item(spec, item, ReferenceEditForm(obj=item))


@bp.post(_ITEM)
@permissions.role_required(permissions.is_administrator)
def reference_update(kind: str, item_id: int) -> ResponseReturnValue:
    spec = KINDS[kind]
    item = _load(spec, item_id)
    form = ReferenceEditForm()
    if not form.validate_on_submit():
        return _render_item(spec, item, form, 422)
    actor = signed_in_account()
    try:
        renamed = services.rename(
            actor, item, name_sl=form.name_sl.data or "", name_en=form.name_en.data
        )
    except services.InvalidName as error:
        form[error.field].errors = [error.message]
        return _render_item(spec, item, form, 422)
    toggled = services.set_active(actor, item, active=bool(form.is_active.data))
    if not (renamed or toggled):
        flash(_("Nothing changed."), "info")
        return redirect(url_for("admin.reference_item", kind=kind, item_id=item.id))
    db.session.commit()
    flash(_("Saved: %(name)s.", name=item.name), "success")
    return redirect(url_for("admin.reference_list", kind=kind))


# --- initiative rules -----------------------------------------------------------------------


def _render_rules(form: RulesForm, status: int = 200) -> ResponseReturnValue:
    def limits(name: str) -> dict[str, str]:
        low, high = rules.LIMITS[name]
        return {"min": format_decimal(low), "max": format_decimal(high)}

    form.threshold.description = _(
        "How many supporters an initiative needs before the municipality must respond. "
        "From %(min)s to %(max)s.",
        **limits("threshold"),
    )
    form.support_days.description = _(
        "How long a published initiative is open for support. From %(min)s to %(max)s days.",
        **limits("support_days"),
    )
    form.response_days.description = _(
        "How long the municipality has to respond once an initiative reaches the threshold. "
        "From %(min)s to %(max)s days.",
        **limits("response_days"),
    )
    page = render_template(
        "admin/initiative_rules.html", form=form, current=rules.current(), defaults=rules.Rules()
    )
    return page, status


@bp.get("/initiative-rules")
@permissions.role_required(permissions.is_administrator)
def initiative_rules() -> ResponseReturnValue:
    return _render_rules(RulesForm(data=asdict(rules.current())))


@bp.post("/initiative-rules")
@permissions.role_required(permissions.is_administrator)
def save_initiative_rules() -> ResponseReturnValue:
    form = RulesForm()
    if not form.validate_on_submit():
        return _render_rules(form, 422)
    proposed = form.rules()
    if proposed == rules.current():
        flash(_("Nothing changed."), "info")
        return redirect(url_for("admin.initiative_rules"))
    # Audited by settings.save, with the old and the new values.
    rules.save(signed_in_account().id, proposed)
    db.session.commit()
    flash(_("The rules have been saved."), "success")
    return redirect(url_for("admin.initiative_rules"))
