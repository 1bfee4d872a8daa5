"""Views of projects and commitments: thin — load, check, call a service, commit, redirect or
render.

Everyone reads the list, the board, a project's page and the commitments. The officials of a
project's unit keep it up to date on the same page: each kind of update is one small form
(status, schedule, a year's money, a milestone, a link), shown only to them; a form with a
mistake comes back on the page with the message beside the field and a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from app.auth.current import current_account, login_required, rate_limit_key, signed_in_account
from app.auth.models import Role, User
from app.core import pagecache
from app.core.time import next_midnight, to_local, today
from app.extensions import db, limiter
from app.projects import bp, charts, export, importer, money, permissions, queries, services
from app.projects.forms import (
    CloseCommitmentForm,
    CommitmentForm,
    DetailsForm,
    ImportForm,
    LinkForm,
    MilestoneForm,
    MilestoneUpdateForm,
    NewProjectForm,
    ScheduleForm,
    StatusForm,
    UnlinkForm,
    YearForm,
)
from app.projects.models import (
    COMMITMENT_STATE_LABELS,
    LIGHT_COLOURS,
    LIGHT_LABELS,
    LINK_RELATION_LABELS,
    UPDATE_KIND_LABELS,
    Commitment,
    CommitmentState,
    Light,
    LinkRelation,
    LinkTarget,
    Project,
    ProjectLink,
)
from app.reference import kept
from app.replies import queries as reply_queries
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply
from app.replies.views import render_page

#: What a link's target is called (its timeline entry says "initiative 42").
LINK_KIND_LABELS = {
    LinkTarget.INITIATIVE.value: _l("initiative"),
    LinkTarget.QUESTION.value: _l("question"),
    LinkTarget.REPLY.value: _l("reply letter"),
}

# --- template helpers ------------------------------------------------------------------------


@bp.app_template_filter("euros")
def _euros(cents: int | None) -> str:
    return money.euros(cents)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "light_labels": LIGHT_LABELS,
        "light_colours": LIGHT_COLOURS,
        "commitment_state_labels": COMMITMENT_STATE_LABELS,
        "link_relation_labels": LINK_RELATION_LABELS,
        # The timeline keeps codes ("amber"): its entries look their labels up by them.
        "light_labels_by_value": {k.value: v for k, v in LIGHT_LABELS.items()},
        "commitment_state_labels_by_value": {
            k.value: v for k, v in COMMITMENT_STATE_LABELS.items()
        },
        "link_relation_labels_by_value": {k.value: v for k, v in LINK_RELATION_LABELS.items()},
        "link_kind_labels": LINK_KIND_LABELS,
        "projects_of": _projects_of,
        "commitments_box": _commitments_box,
    }


def _projects_of(target: str, target_id: int) -> list[tuple[ProjectLink, Project]]:
    """The projects an initiative's, question's or letter's page names (its template asks)."""
    return queries.projects_of(LinkTarget(target), target_id)


def _commitments_box(reply: Reply) -> dict[str, Any]:
    """What a letter's page shows of its commitments, and the forms its officials get."""
    me = current_account()
    commitments = (
        queries.commitments_of_reply(reply.id)
        if reply.state in PUBLIC_REPLIES
        or (permissions.can_record_commitment(me, reply.issuer_unit_id))
        else []
    )
    return {
        "commitments": commitments,
        "today": today(),
        "form": g.get("commitment_form") or CommitmentForm(prefix="commitment")
        if permissions.can_record_commitment(me, reply.issuer_unit_id)
        else None,
        "can_close": {
            c.id: permissions.can_close_commitment(me, c, reply.issuer_unit_id) for c in commitments
        },
        "close_forms": {c.id: _close_form(c) for c in commitments},
    }


def _close_form(commitment: Commitment) -> CloseCommitmentForm:
    # A form per commitment (its own prefix: the page's ids must be unique); the one that
    # failed comes back with its values and messages.
    failed = g.get("close_failed")
    if failed is not None and failed[0] == commitment.id:
        form: CloseCommitmentForm = failed[1]
        return form
    return CloseCommitmentForm(prefix=f"close{commitment.id}")


def _filters_or_400() -> queries.Filters:
    try:
        return queries.parse_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


def _active(units: dict[str, Any]) -> list[Any]:
    return sorted((u for u in units.values() if u.is_active), key=lambda u: u.name)


# --- the public list ---------------------------------------------------------------------------


@bp.get("/")
@pagecache.cached(
    lambda: ("projects",),
    params=queries.PARAMETERS,
    free=queries.FREE_TEXT,
    canonical=queries.canonical_query,
)
def index() -> ResponseReturnValue:
    filters = _filters_or_400()
    page = queries.list_page(filters)
    if page.past_the_end:
        abort(404)
    # "Stale" comes with time alone: a page that shows it lasts until the next midnight.
    pagecache.expires_by(next_midnight())
    return render_template(
        "projects/list.html",
        page=page,
        filters=filters,
        board=queries.board(filters),
        units=_active(kept.units_by_code()),
        topics=sorted(kept.topics_by_slug().values(), key=lambda t: t.name),
        communities=sorted(kept.communities_by_slug().values(), key=lambda c: c.name),
        years=queries.years(),
        sorts=queries.SORT_LABELS,
        lights=list(Light),
        stale=queries.STALE,
        is_stale=queries.is_stale,
        can_create=permissions.can_create(current_account()),
    )


@bp.get("/export.csv")
@limiter.limit("30 per minute")
def export_csv() -> ResponseReturnValue:
    filters = _filters_or_400()
    return Response(
        stream_with_context(export.csv_chunks(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-projects.csv"'},
    )


# --- one project -------------------------------------------------------------------------------


def _load(project_id: int) -> Project:
    project = queries.for_page(project_id)
    if project is None:
        abort(404)
    return project


def _page_tags(project_id: int) -> tuple[str, ...]:
    # The page names what is linked (titles, states) and the commitments' letters. A row's
    # own write touches the plural tag ("initiatives", "replies"), a bulk one the singular:
    # both, or a hidden initiative or a letter just published would not show here.
    return (
        "project",
        f"project:{project_id}",
        "initiative",
        "initiatives",
        "question",
        "questions",
        "reply",
        "replies",
    )


_FORMS: dict[str, Any] = {
    "status_form": lambda p: StatusForm(
        prefix="status", data={"light": p.light.value, "progress": p.progress}
    ),
    "schedule_form": lambda p: ScheduleForm(
        prefix="schedule", data={"starts_on": p.starts_on, "ends_on": p.ends_on}
    ),
    "year_form": lambda p: YearForm(prefix="year", data={"year": today().year}),
    "milestone_form": lambda p: MilestoneForm(prefix="milestone"),
    "link_form": lambda p: LinkForm(prefix="link"),
}


def _charts(project: Project) -> dict[str, Any]:
    day = today()
    marks = [
        charts.MilestoneMark(m.title, m.original_planned_on, m.planned_on, m.done_on)
        for m in project.milestones
    ]
    late = sum(1 for m in project.milestones if m.delay_days)
    done = sum(1 for m in project.milestones if m.is_done)
    schedule = charts.schedule(
        "schedule-chart",
        title=_("Schedule and milestones against the first plan"),
        desc=_(
            "First planned from %(first_start)s to %(first_end)s; now from %(start)s to %(end)s."
            " %(done)s %(late)s",
            first_start=format_date(project.original_starts_on),
            first_end=format_date(project.original_ends_on),
            start=format_date(project.starts_on),
            end=format_date(project.ends_on),
            done=ngettext(
                # The count chooses the verb; the noun is plural after "of 2".
                "%(num)d of %(total)d milestones is done.",
                "%(num)d of %(total)d milestones are done.",
                done,
                total=len(marks),
            ),
            late=ngettext(
                "%(num)d milestone is later than first planned.",
                "%(num)d milestones are later than first planned.",
                late,
            ),
        ),
        labels=(_("First plan"), _("Now")),
        first_plan=(project.original_starts_on, project.original_ends_on),
        now=(project.starts_on, project.ends_on),
        milestones=marks,
        today=day,
        today_label=_("today"),
        format_day=lambda value: format_date(value, "medium"),
    )
    bars = [
        charts.YearBars(y.year, y.original_budget_cents, y.budget_cents, y.spent_cents)
        for y in project.years
    ]
    spending = (
        charts.money(
            "money-chart",
            title=_("Spending against the budget, per year"),
            desc=_(
                "Budget first planned %(original)s, budget now %(budget)s, spent %(spent)s.",
                original=money.euros(project.original_budget_cents),
                budget=money.euros(project.budget_cents),
                spent=money.euros(project.spent_cents),
            ),
            years=bars,
            legend=(_("Budget first planned"), _("Budget now"), _("Spent")),
            format_amount=money.euros,
        )
        if bars
        else None
    )
    return {"schedule_chart": schedule, "money_chart": spending}


def _render(project: Project, status: int = 200, **forms: Any) -> ResponseReturnValue:
    me = current_account()
    can_update = permissions.can_update(me, project)
    context: dict[str, Any] = {}
    if can_update:
        context = {name: make(project) for name, make in _FORMS.items() if name not in forms}
        context.update(forms)
        for name in list(context):
            context[name].seen.data = services.version(project)
        context["milestone_forms"] = {
            m.id: forms.get(f"milestone_{m.id}")
            or MilestoneUpdateForm(
                prefix=f"m{m.id}",
                data={
                    "planned_on": m.planned_on,
                    "done_on": m.done_on,
                    "seen": services.version(project),
                },
            )
            for m in project.milestones
        }
        context["unlink_form"] = UnlinkForm(
            prefix="unlink", data={"seen": services.version(project)}
        )
    pagecache.expires_by(next_midnight())
    page = render_template(
        "projects/detail.html",
        project=project,
        linked=queries.linked_items(project.id),
        commitments=queries.commitments_of_project(project.id),
        stale=queries.is_stale(project),
        stale_days=(today() - to_local(project.updated_at).date()).days,
        today=today(),
        can_update=can_update,
        update_labels=UPDATE_KIND_LABELS,
        **_charts(project),
        **context,
    )
    return page, status


@bp.get("/<id:project_id>")
@pagecache.cached(_page_tags)
def detail(project_id: int) -> ResponseReturnValue:
    return _render(_load(project_id))


def _updatable(project_id: int) -> tuple[User, Project]:
    me = signed_in_account()
    project = _load(project_id)
    if not permissions.can_update(me, project):
        abort(403)
    return me, project


def _invalid(form: Any, error: services.Invalid, fields: dict[str, str] | None = None) -> None:
    name = (fields or {}).get(error.field, error.field)
    target = getattr(form, name, None)
    if target is None or name in ("seen", "csrf_token"):
        flash(str(error.message), "error")
        return
    target.errors = [*(target.errors or []), str(error.message)]


def _saved(project: Project, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(f"{_url(project)}#updates")


def _url(project: Project) -> str:
    return url_for("projects.detail", project_id=project.id)


def _changed_meanwhile(project: Project) -> ResponseReturnValue:
    db.session.rollback()
    flash(_("Someone else updated the project meanwhile. Look at it again and repeat."), "error")
    return redirect(_url(project))


def _update(
    project: Project,
    form: Any,
    form_name: str,
    change: Callable[[], object | None],
    message: str,
) -> ResponseReturnValue:
    """Validate ``form``, make the ``change`` (a service call: ``None`` when it changed
    nothing), commit and go back to the timeline; or the page again with the form's messages
    (a 422), or the "updated meanwhile" notice when the official saw an older version."""
    if form.validate():
        try:
            done = change()
        except services.ChangedMeanwhile:
            return _changed_meanwhile(project)
        except services.Invalid as error:
            db.session.rollback()
            _invalid(form, error)
        else:
            if done is None:
                flash(_("Nothing changed."), "info")
                return redirect(_url(project))
            return _saved(project, message)
    return _render(project, 422, **{form_name: form})


@bp.post("/<id:project_id>/status")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def update_status(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = StatusForm(prefix="status")
    return _update(
        project,
        form,
        "status_form",
        lambda: services.update_status(
            me,
            project,
            light=Light(form.light.data),
            progress=form.progress.data,
            reason=form.reason.data,
            seen=form.seen.data,
        ),
        _("The status is updated."),
    )


@bp.post("/<id:project_id>/schedule")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def update_schedule(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = ScheduleForm(prefix="schedule")
    return _update(
        project,
        form,
        "schedule_form",
        lambda: services.update_schedule(
            me,
            project,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            reason=form.reason.data,
            seen=form.seen.data,
        ),
        _("The schedule is updated."),
    )


@bp.post("/<id:project_id>/years")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def set_year(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = YearForm(prefix="year")
    return _update(
        project,
        form,
        "year_form",
        lambda: services.set_year(
            me,
            project,
            year=form.year.data,
            budget_cents=form.budget.data,
            spent_cents=form.spent.data,
            reason=form.reason.data,
            seen=form.seen.data,
        ),
        _("The budget and spending are updated."),
    )


@bp.post("/<id:project_id>/milestones")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def add_milestone(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = MilestoneForm(prefix="milestone")
    return _update(
        project,
        form,
        "milestone_form",
        lambda: services.add_milestone(
            me,
            project,
            title=form.title.data or "",
            planned_on=form.planned_on.data,
            seen=form.seen.data,
        ),
        _("The milestone is added."),
    )


@bp.post("/<id:project_id>/milestones/<id:milestone_id>")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def update_milestone(project_id: int, milestone_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    milestone = queries.milestone(project, milestone_id)
    if milestone is None:
        abort(404)
    form = MilestoneUpdateForm(prefix=f"m{milestone.id}")
    return _update(
        project,
        form,
        f"milestone_{milestone.id}",
        lambda: services.update_milestone(
            me,
            milestone,
            planned_on=form.planned_on.data,
            done_on=form.done_on.data,
            reason=form.reason.data,
            seen=form.seen.data,
        ),
        _("The milestone is updated."),
    )


def _link(me: User, project: Project, form: LinkForm) -> object:
    services.check_seen(project, form.seen.data)
    return services.link(
        me,
        project,
        LinkTarget(form.target.data),
        int(form.target_id.data or 0),
        LinkRelation(form.relation.data),
    )


@bp.post("/<id:project_id>/links")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def add_link(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = LinkForm(prefix="link")
    return _update(
        project, form, "link_form", lambda: _link(me, project, form), _("The link is added.")
    )


@bp.post("/<id:project_id>/links/<id:link_id>/remove")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def remove_link(project_id: int, link_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    row = db.session.get(ProjectLink, link_id)
    if row is None or row.project_id != project.id:
        abort(404)
    form = UnlinkForm(prefix="unlink")
    try:
        services.check_seen(project, form.seen.data)
        services.unlink(me, project, row)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(project)
    return _saved(project, _("The link is removed."))


@bp.route("/<id:project_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=rate_limit_key)
def edit(project_id: int) -> ResponseReturnValue:
    me, project = _updatable(project_id)
    form = DetailsForm(project=project)
    if request.method == "GET":
        form.title.data, form.summary.data = project.title, project.summary
        form.description.data, form.location.data = project.description, project.location
        form.unit.data, form.topic.data = str(project.unit_id), str(project.topic_id)
        form.community.data = str(project.community_id or "")
        form.seen.data = services.version(project)
    elif form.validate():
        try:
            update = services.update_details(me, project, form.details(), seen=form.seen.data)
        except services.ChangedMeanwhile:
            return _changed_meanwhile(project)
        except services.Invalid as error:
            db.session.rollback()
            _invalid(form, error)
        else:
            if update is None:
                flash(_("Nothing changed."), "info")
                return redirect(_url(project))
            return _saved(project, _("The project is updated."))
    status = 422 if form.errors else 200
    return render_template("projects/form.html", form=form, project=project), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=rate_limit_key)
def new() -> ResponseReturnValue:
    me = signed_in_account()
    if not permissions.can_create(me):
        abort(403)
    form = NewProjectForm()
    if request.method == "GET":
        mine = [g.org_unit_id for g in me.role_grants if g.role is Role.OFFICIAL]
        if len(mine) == 1:
            form.unit.data = str(mine[0])
    elif form.validate():
        try:
            # Inside the ``try``: a year out of range is the form's error, not a 500.
            years = []
            if form.budget.data is not None or form.budget_year.data is not None:
                years = [
                    services.YearMoney(
                        services.check_year("budget_year", form.budget_year.data)
                        if form.budget_year.data is not None
                        else (form.starts_on.data or today()).year,
                        form.budget.data or 0,
                    )
                ]
            project = services.create(
                me,
                form.code.data or "",
                form.details(),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                years=years,
            )
        except services.NotAllowed:
            db.session.rollback()
            form.unit.errors = [
                *form.unit.errors,
                _("You can record projects only for a unit you work in."),
            ]
        except services.Invalid as error:
            db.session.rollback()
            _invalid(form, error, {"year": "budget_year"})
        else:
            db.session.commit()
            flash(_("The project is recorded."), "success")
            return redirect(_url(project))
    status = 422 if form.errors else 200
    return render_template("projects/form.html", form=form, project=None), status


# --- import ------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=rate_limit_key)
def import_csv() -> ResponseReturnValue:
    me = signed_in_account()
    if not permissions.can_import(me):
        abort(403)
    form = ImportForm()
    outcome = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if not isinstance(upload, FileStorage) or not upload.filename:
            form.file.errors = [_("Choose a CSV file.")]
            status = 422
        else:
            data = upload.read(importer.MAX_BYTES + 1)
            try:
                outcome = importer.run(me, data)
            except importer.BadFile as error:
                db.session.rollback()
                form.file.errors = [str(error.message)]
                status = 422
            else:
                if outcome.ok:
                    db.session.commit()
                    flash(
                        _(
                            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d "
                            "unchanged.",
                            created=len(outcome.created),
                            updated=len(outcome.updated),
                            unchanged=len(outcome.unchanged),
                        ),
                        "success",
                    )
                    return redirect(request.path)
                db.session.rollback()
                status = 422
    return render_template(
        "projects/import.html",
        form=form,
        outcome=outcome,
        columns=export.IMPORT_COLUMNS,
        read_only=export.READ_ONLY_COLUMNS,
    ), status


# --- commitments -------------------------------------------------------------------------------


@bp.get("/commitments")
# "replies": a letter's own write (published, retracted) makes its commitments public or not.
@pagecache.cached(lambda: ("commitments", "reply", "replies"), params=queries.COMMITMENT_PARAMETERS)
def commitments() -> ResponseReturnValue:
    try:
        filters = queries.parse_commitment_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")
    page = queries.commitments_page(filters)
    if page.past_the_end:
        abort(404)
    pagecache.expires_by(next_midnight())  # "late" comes with the day
    return render_template(
        "projects/commitments.html",
        page=page,
        filters=filters,
        replies=queries.replies_by_id({c.reply_id for c in page.items}),
        states=queries.COMMITMENT_FILTER_LABELS,
        units=_active(kept.units_by_code()),
        today=today(),
    )


def _reply_or_404(reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        abort(404)
    return reply


def _reply_url(reply: Reply) -> str:
    return url_for("replies.detail", reply_id=reply.id) + "#commitments"


@bp.post("/commitments/for-reply/<id:reply_id>")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def record_commitment(reply_id: int) -> ResponseReturnValue:
    me = signed_in_account()
    reply = _reply_or_404(reply_id)
    if not permissions.can_record_commitment(me, reply.issuer_unit_id):
        abort(403)
    form = CommitmentForm(prefix="commitment")
    if form.validate():
        code = (form.project.data or "").strip()
        project = queries.by_code(code) if code else None
        if code and project is None:
            form.project.errors = [_("There is no project with this code.")]
        else:
            try:
                services.record_commitment(
                    me,
                    reply,
                    text=form.text.data or "",
                    owner_unit_id=int(form.owner_unit.data) if form.owner_unit.data else None,
                    due_on=form.due_on.data,
                    project_id=project.id if project else None,
                )
            except services.Invalid as error:
                db.session.rollback()
                _invalid(form, error, {"owner_unit": "owner_unit", "project": "project"})
            else:
                db.session.commit()
                flash(_("The commitment is recorded."), "success")
                return redirect(_reply_url(reply))
    return _reply_page(reply, commitment_form=form)


def _reply_page(reply: Reply, **forms: Any) -> ResponseReturnValue:
    """The letter's page again, with the commitment form that failed and its messages."""
    for name, form in forms.items():
        g.setdefault(name, form)
    loaded = reply_queries.for_page(reply.id)
    if loaded is None:
        abort(404)
    return render_page(loaded, 422)


@bp.post("/commitments/<id:commitment_id>/close")
@login_required
@limiter.limit("120 per hour", key_func=rate_limit_key)
def close_commitment(commitment_id: int) -> ResponseReturnValue:
    me = signed_in_account()
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    reply = _reply_or_404(commitment.reply_id)
    if not permissions.can_close_commitment(me, commitment, reply.issuer_unit_id):
        abort(403)
    form = CloseCommitmentForm(prefix=f"close{commitment.id}")
    if form.validate():
        state = CommitmentState(form.state.data)
        try:
            services.close_commitment(
                me,
                commitment,
                reply,
                state=state,
                closed_on=form.closed_on.data if state is not CommitmentState.OPEN else None,
                note=form.note.data,
            )
        except services.Invalid as error:
            db.session.rollback()
            _invalid(form, error)
        else:
            db.session.commit()
            flash(_("The commitment is updated."), "success")
            return redirect(_reply_url(reply))
    g.close_failed = (commitment.id, form)
    return _reply_page(reply)
