"""Views of initiatives: thin — load, check, call a service, commit, redirect or render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
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

from app.attachments.forms import AttachmentForm
from app.auth.current import current_account, login_required, rate_limit_key, signed_in_account
from app.core import pagecache
from app.core.routing import id_or_400
from app.core.time import utcnow
from app.extensions import db, limiter
from app.initiatives import (
    bp,
    lifecycle,
    permissions,
    queries,
    rules,
    services,
    sharing,
)
from app.initiatives.export import csv_chunks
from app.initiatives.forms import InitiativeForm, ProgressForm, RespondForm
from app.initiatives.models import (
    RESPONSE_LABELS,
    STATE_LABELS,
    EventKind,
    Initiative,
    ResponseKind,
    title_slug,
)
from app.moderation.forms import RejectForm
from app.org.forms import UnitForm
from app.questions import permissions as question_permissions
from app.questions import services as question_services
from app.replies import queries as reply_queries
from app.search import engine as search


def _load(initiative_id: int) -> Initiative:
    """The initiative, or 404 — also for one the visitor may not see (nothing is revealed)."""
    initiative = db.get_or_404(Initiative, initiative_id)
    if not permissions.can_view(current_account(), initiative):
        abort(404)
    return initiative


def detail_url(initiative: Initiative, **values: Any) -> str:
    return url_for(
        "initiatives.detail",
        initiative_id=initiative.id,
        slug=title_slug(initiative.title),
        **values,
    )


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "initiative_permissions": permissions,
        "initiative_url": detail_url,
        "initiative_state_labels": STATE_LABELS,
        "response_labels": RESPONSE_LABELS,
        "initiative_lifecycle": lifecycle,
        "initiative_version": services.version,
        "share_mailto": sharing.share_mailto,
    }


# --- lists ----------------------------------------------------------------------------------


def _filters_or_400() -> queries.Filters:
    try:
        return queries.parse_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


@bp.get("/")
@pagecache.cached(
    lambda: ("initiatives",),
    params=queries.PARAMETERS,
    free=queries.FREE_TEXT,
    canonical=queries.canonical_query,
)
def index() -> ResponseReturnValue:
    filters = _filters_or_400()
    now = utcnow()
    page = queries.list_page(filters, now)
    if page.past_the_end:
        abort(404)
    _expires_with_the_clock(filters, page.items, now)
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
        # Nothing found: the spellings that would find something (templates/_no_results.html).
        suggestions=queries.suggestions(filters, now) if filters.text and not page.total else [],
    )


def _expires_with_the_clock(
    filters: queries.Filters, shown: list[Initiative], now: datetime
) -> None:
    """When the cached list changes by itself: what it holds, or only what its cards say."""
    if filters.state in queries.CLOCK_STATES or filters.sort is queries.Sort.CLOSING:
        # Which initiatives are open, overdue or closing first changes with any deadline.
        pagecache.expires_by(lambda: queries.next_deadline(now))
        return
    for initiative in shown:  # a card's state ("open until", "overdue"), nothing else
        pagecache.expires_by(initiative.support_closes_at)
        pagecache.expires_by(initiative.response_due_at)


@bp.get("/export.csv")
@limiter.limit("30 per minute")
def export() -> ResponseReturnValue:
    filters = _filters_or_400()
    chunks = csv_chunks(filters, utcnow(), current_app.config["PUBLIC_URL"])
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-initiatives.csv"'},
    )


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    return render_template(
        "initiatives/mine.html", initiatives=queries.by_author(signed_in_account()), now=utcnow()
    )


@bp.get("/moderation")
def moderation() -> ResponseReturnValue:
    """Moved to ``/moderation/``, one queue for everything moderated."""
    return redirect(url_for("moderation.index"), 301)


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


def _checking_similar() -> bool:
    # app.core.ratelimits.OPEN_LOOKUPS names this action: it goes on uncounted without Redis.
    return request.form.get("action") == "check"


# "Look for similar initiatives" saves nothing, so it never costs a save (nor the typed text);
# but it asks the index, so it has a budget of its own: per account, shared by the new and
# the edit form, generous for writing (about one check a minute) and still a limit.
_similar_check_limit = limiter.shared_limit(
    "60 per hour",
    scope="initiatives-similar-check",
    methods=["POST"],
    key_func=rate_limit_key,
    exempt_when=lambda: not _checking_similar(),
)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], exempt_when=_checking_similar)
@_similar_check_limit
def new() -> ResponseReturnValue:
    if not permissions.can_create(signed_in_account()):
        return render_template("initiatives/cannot_submit.html"), 403
    form = InitiativeForm()
    if request.method == "POST" and _checking_similar():
        # "Look for similar initiatives" re-shows the form with a list; nothing is saved.
        similar = search.similar(form.title.data or "")
        return _render_form(form, None, similar, 200)
    if form.validate_on_submit():
        try:
            initiative = services.create_draft(signed_in_account(), **form.content())
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
@_similar_check_limit
def edit(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_edit(signed_in_account(), initiative):
        abort(403)
    form = InitiativeForm(
        obj=None if request.method == "POST" else _FormData(initiative), current=initiative
    )
    if request.method == "POST" and _checking_similar():
        return _render_form(
            form, initiative, search.similar(form.title.data or "", exclude_id=initiative.id), 200
        )
    if form.validate_on_submit():
        try:
            services.update(signed_in_account(), initiative, **form.content())
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


def _refused(
    initiative: Initiative, could: Callable[[Any, Initiative], bool]
) -> ResponseReturnValue:
    """The answer to a transition that is not allowed (any more).

    ``could`` tells whether the visitor could ever take this action on this initiative. If
    so, the state moved on since they opened the page: their own first click did it (a
    double click), or someone else did something meanwhile. That is no offence: nothing is
    done, and the page shows the current state. Anyone else gets the 403 page.
    """
    db.session.rollback()  # whatever a service did before refusing; reloads the initiative
    if not could(signed_in_account(), initiative):
        abort(403)
    state = lifecycle.effective_state(initiative, utcnow())
    flash(
        _(
            "Nothing was done: the initiative is now “%(state)s”. It changed after you opened "
            "the page, perhaps with your own first click.",
            state=STATE_LABELS[state],
        ),
        "info",
    )
    return redirect(detail_url(initiative), 303)


def _act(initiative_id: int, action: Any, message: str) -> ResponseReturnValue:
    """Run a simple transition of the author's; see ``_refused`` when it is not allowed now."""
    initiative = _load(initiative_id)
    try:
        action(signed_in_account(), initiative)
    except services.NotAllowed:
        return _refused(initiative, permissions.is_author)
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


@bp.route("/<id:initiative_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(initiative_id: int) -> ResponseReturnValue:
    # Asks "are you sure?" first: it cannot be undone.
    if request.method == "POST":
        return _act(initiative_id, services.withdraw, _("Your initiative has been withdrawn."))
    initiative = _load(initiative_id)
    if not permissions.can_withdraw(signed_in_account(), initiative, utcnow()):
        return _refused(initiative, permissions.is_author)
    return render_template("initiatives/confirm_withdraw.html", initiative=initiative)


def _already_deleted() -> ResponseReturnValue:
    db.session.rollback()
    flash(_("This draft no longer exists: it has already been deleted."), "info")
    return redirect(url_for("initiatives.mine"), 303)


@bp.route("/<id:initiative_id>/delete", methods=["GET", "POST"])
@login_required
def delete(initiative_id: int) -> ResponseReturnValue:
    # Held in a variable: the session's identity map is weak, and _load must find this very
    # object rather than ask the database again after a concurrent delete committed.
    found = db.session.get(Initiative, initiative_id)
    if found is None and request.method == "POST":
        # Most likely the second click of a double click. Says nothing about whose it was.
        return _already_deleted()
    initiative = _load(initiative_id)
    if not permissions.can_delete(signed_in_account(), initiative):
        return _refused(initiative, permissions.is_author)
    if request.method == "GET":
        return render_template("initiatives/confirm_delete.html", initiative=initiative)
    try:
        services.delete_draft(signed_in_account(), initiative)
    except services.Gone:  # a click a moment earlier deleted it while this one waited
        return _already_deleted()
    except services.NotAllowed:
        return _refused(initiative, permissions.is_author)
    db.session.commit()
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("initiatives.mine"))


# --- support --------------------------------------------------------------------------------


@bp.post("/<id:initiative_id>/support")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def support(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.support(signed_in_account(), initiative)
    except services.NotAllowed:
        abort(403)
    except services.AlreadySupported:
        flash(_("You already support this initiative."), "info")
    else:
        flash(_("Thank you for your support."), "success")
    # Before the commit, which expires the initiative: afterwards its title costs a SELECT.
    target = detail_url(initiative, _anchor="support")
    db.session.commit()
    return redirect(target)


@bp.post("/<id:initiative_id>/support/withdraw")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def unsupport(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.withdraw_support(signed_in_account(), initiative)
    except services.NotAllowed:
        abort(403)
    except services.NotSupported:
        flash(_("You did not support this initiative."), "info")
    else:
        flash(_("Your support has been withdrawn."), "success")
    target = detail_url(initiative, _anchor="support")  # before the commit, as in ``support``
    db.session.commit()
    return redirect(target)


# --- moderation and the municipality ---------------------------------------------------------


@bp.post("/<id:initiative_id>/publish")
@login_required
def publish(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    try:
        services.publish(
            signed_in_account(),
            initiative,
            seen=request.form.get("seen", ""),
            responsible_unit_id=id_or_400(request.form.get("unit")),
        )
    except services.NotAllowed:
        return _refused(initiative, permissions.could_moderate)
    except services.InvalidChoice:
        abort(400)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(initiative)
    db.session.commit()
    flash(_("Published: the initiative is open for support."), "success")
    return redirect(detail_url(initiative))


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
    me = current_account()
    now = utcnow()
    # Only the forms this visitor is shown: building one loads its choices (reasons, units),
    # which an anonymous reader — most visitors — would pay for and never see.
    shown: dict[str, tuple[bool, Callable[[], Any]]] = {
        "reject_form": (
            permissions.can_moderate(me, initiative),
            lambda: RejectForm(prefix="reject"),
        ),
        "unit_form": (permissions.can_assign_unit(me, initiative), lambda: UnitForm(prefix="unit")),
        "respond_form": (
            permissions.can_respond(me, initiative, now),
            lambda: RespondForm(prefix="respond"),
        ),
        "progress_form": (
            permissions.can_report_progress(me, initiative),
            lambda: ProgressForm(prefix="progress"),
        ),
    }
    context: dict[str, Any] = {
        name: make() for name, (visible, make) in shown.items() if visible and name not in forms
    }
    context.update(forms)
    if permissions.can_manage_attachments(me, initiative):
        context.setdefault("upload_form", AttachmentForm())
    page = render_template(
        "initiatives/detail.html",
        initiative=initiative,
        now=now,
        state=lifecycle.effective_state(initiative, now),
        supported=services.has_supported(me, initiative),
        adopted=question_services.adopted_by(initiative),
        can_adopt=question_permissions.can_adopt_initiative(me, initiative),
        events=[e for e in initiative.events if e.kind is not EventKind.CREATED],
        reply_letters_of_initiative=reply_queries.published_for_initiative(initiative.id),
        **context,
    )
    return page, status


def _page_tags(initiative_id: int, slug: str | None = None) -> tuple[str, ...]:
    # "projects": its page names the projects it led to, with their lights.
    return ("initiative", f"initiative:{initiative_id}", "projects")


@bp.get("/<id:initiative_id>")
@bp.get("/<id:initiative_id>-<slug>")
@pagecache.cached(_page_tags)
def detail(initiative_id: int, slug: str | None = None) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if slug is not None and slug != title_slug(initiative.title):
        # One address per page and title, whatever was typed or linked (an old title's slug):
        # an arbitrary slug is neither a second copy of the page nor a new entry in the cache.
        # Not permanent (301): a title changed back would send browsers in a circle.
        return redirect(detail_url(initiative), 302)
    # Support closes and the response falls due at a moment, not by a write.
    pagecache.expires_by(initiative.support_closes_at)
    pagecache.expires_by(initiative.response_due_at)
    return _detail(initiative)


@bp.post("/<id:initiative_id>/reject")
@login_required
def reject(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_moderate(signed_in_account(), initiative):
        return _refused(initiative, permissions.could_moderate)
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _detail(initiative, 422, reject_form=form)
    try:
        services.reject(
            signed_in_account(),
            initiative,
            seen=request.form.get("seen", ""),
            reason_id=int(form.reason.data),
            note=form.note.data,
        )
    except services.NotAllowed:  # moderated by someone else while this one waited
        return _refused(initiative, permissions.could_moderate)
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
    if not permissions.can_assign_unit(signed_in_account(), initiative):
        return _refused(initiative, permissions.could_assign_unit)
    form = UnitForm(prefix="unit")
    if not form.validate_on_submit():
        return _detail(initiative, 422, unit_form=form)
    try:
        services.assign_unit(signed_in_account(), initiative, unit_id=int(form.unit.data))
    except services.NotAllowed:
        return _refused(initiative, permissions.could_assign_unit)
    db.session.commit()
    flash(_("The responsible unit has been set."), "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/respond")
@login_required
def respond(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_respond(signed_in_account(), initiative, utcnow()):
        return _refused(initiative, permissions.answers_for)
    form = RespondForm(prefix="respond")
    if not form.validate_on_submit():
        return _detail(initiative, 422, respond_form=form)
    try:
        services.respond(
            signed_in_account(),
            initiative,
            kind=ResponseKind(form.kind.data),
            text=form.text.data or "",
        )
    except services.NotAllowed:  # answered by someone else while this one waited
        return _refused(initiative, permissions.answers_for)
    db.session.commit()
    flash(_("The response is published."), "success")
    return redirect(detail_url(initiative))


@bp.post("/<id:initiative_id>/progress")
@login_required
def progress(initiative_id: int) -> ResponseReturnValue:
    initiative = _load(initiative_id)
    if not permissions.can_report_progress(signed_in_account(), initiative):
        return _refused(initiative, permissions.answers_for)
    form = ProgressForm(prefix="progress")
    if not form.validate_on_submit():
        return _detail(initiative, 422, progress_form=form)
    try:
        services.report_progress(
            signed_in_account(),
            initiative,
            note=form.note.data or "",
            completed=form.completed.data,
        )
    except services.NotAllowed:  # completed by someone else while this one waited
        return _refused(initiative, permissions.answers_for)
    db.session.commit()
    flash(_("The progress report is published."), "success")
    return redirect(detail_url(initiative))
