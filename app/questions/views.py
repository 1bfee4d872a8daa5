"""Views of questions: thin — load, check, call a service, commit, redirect or render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
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
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.auth import permissions as auth
from app.auth.current import current_account, login_required, rate_limit_key, signed_in_account
from app.core import pagecache
from app.core.routing import id_or_400
from app.core.time import next_midnight, to_local
from app.core.time import today as local_today
from app.extensions import db, limiter
from app.initiatives.models import Initiative
from app.moderation.forms import RejectForm
from app.org.forms import UnitForm
from app.questions import bp, due, permissions, queries, services
from app.questions.export import csv_chunks
from app.questions.forms import (
    AnswerForm,
    AskForm,
    CouncilQuestionForm,
    ExtendForm,
    ForwardForm,
    MergeForm,
    RegisterForm,
    StageForm,
)
from app.questions.models import (
    FORM_LABELS,
    KIND_LABELS,
    KIND_NAMES,
    ORIGIN_LABELS,
    STATE_LABELS,
    Origin,
    Question,
    QuestionEventKind,
    QuestionState,
    title_slug,
)
from app.replies import queries as reply_queries
from app.sessions.labels import at_session, session_title


def _load(question_id: int, *, for_page: bool = True) -> Question:
    """The question, or 404 — also for one the visitor may not see (nothing is revealed).

    ``for_page``: with all its page shows (``queries.page_options``); a support needs the
    row alone, and loading the rest cost a support POST three statements and a join plan.
    """
    question = (
        queries.for_page(question_id)
        if for_page
        else db.session.get(Question, question_id, options=[selectinload(Question.authors)])
    )
    if question is None or not permissions.can_view(current_account(), question):
        abort(404)
    return question


def detail_url(question: Question, **values: Any) -> str:
    return url_for(
        "questions.detail", question_id=question.id, slug=title_slug(question.title), **values
    )


def is_overdue(question: Question, today: date) -> bool:
    due_on = question.effective_due_on
    return question.is_open and due_on is not None and due_on < today


def days_overdue(question: Question, today: date) -> int:
    due_on = question.effective_due_on
    return (today - due_on).days if is_overdue(question, today) and due_on else 0


def authors_line(question: Question) -> str:
    """Who asks, as a card and a page name them."""
    if question.origin is Origin.RESIDENT:
        return question.author.display_name if question.author else ""
    names = [author.person.name for author in question.authors]
    if question.group is not None:
        names.append(question.group.name)
    return ", ".join(names)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "question_url": detail_url,
        "question_permissions": permissions,
        "question_state_labels": STATE_LABELS,
        "question_kind_labels": KIND_LABELS,
        "question_origin_labels": ORIGIN_LABELS,
        "question_form_labels": FORM_LABELS,
        "question_kind_names": KIND_NAMES,
        "question_overdue": is_overdue,
        "question_days_overdue": days_overdue,
        "question_authors": authors_line,
        "question_unit": queries.unit_of,
        "question_version": services.version,
        "session_title": session_title,
        "at_session": at_session,
    }


# --- lists ----------------------------------------------------------------------------------


def _filters_or_400() -> queries.Filters:
    try:
        return queries.parse_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


@bp.get("/")
@pagecache.cached(
    lambda: ("questions",),
    params=queries.PARAMETERS,
    free=queries.FREE_TEXT,
    canonical=queries.canonical_query,
)
def index() -> ResponseReturnValue:
    filters = _filters_or_400()
    today = local_today()
    page = queries.list_page(filters, today)
    if page.past_the_end:
        abort(404)
    pagecache.expires_by(next_midnight())  # "overdue" changes with the day
    return render_template(
        "questions/list.html",
        page=page,
        filters=filters,
        choices=queries.filter_choices(),
        states=queries.StateFilter,
        sorts=queries.Sort,
        today=today,
    )


@bp.get("/export.csv")
@limiter.limit("30 per minute")
def export() -> ResponseReturnValue:
    filters = _filters_or_400()
    chunks = csv_chunks(filters, local_today(), current_app.config["PUBLIC_URL"])
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-questions.csv"'},
    )


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    return render_template(
        "questions/mine.html", questions=queries.by_author(signed_in_account()), today=local_today()
    )


# --- a resident asks --------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=rate_limit_key)
def new() -> ResponseReturnValue:
    if not permissions.can_ask(signed_in_account()):
        abort(403)
    form = AskForm()
    follows = None
    if request.method == "GET" and request.args.get("follow_up_of"):
        follows = _load(id_or_400(request.args.get("follow_up_of")) or 0)
        if follows.author_id != signed_in_account().id:
            abort(404)
        form.follow_up_of.data = str(follows.id)
        form.topic.data = str(follows.topic_id or "")
        form.community.data = str(follows.community_id or "")
        form.unit.data = str(follows.responsible_unit_id or "")
    elif form.follow_up_of.data and form.follow_up_of.data.isdigit():
        follows = db.session.get(Question, int(form.follow_up_of.data))
    if form.validate_on_submit():
        try:
            question = services.ask(signed_in_account(), form.content())
        except services.InvalidChoice as error:
            db.session.rollback()
            if error.field == "follow_up_of":
                abort(400)  # a hidden field Glas wrote, changed by hand
            _field_error(form, error.field, _("Choose one from the list."))
        else:
            db.session.commit()
            flash(
                _("Your question is sent. A moderator checks it before it is published."),
                "success",
            )
            return redirect(detail_url(question))
    return render_template("questions/ask.html", form=form, question=None, follows=follows), (
        422 if form.errors else 200
    )


def _field_error(form: Any, field: str, message: str) -> None:
    target = getattr(form, field, None)
    if target is None:
        abort(400)
    target.errors = [*target.errors, message]


class _ResidentData:
    def __init__(self, question: Question) -> None:
        self.title = question.title
        self.body = question.body
        self.topic = str(question.topic_id or "")
        self.community = str(question.community_id or "")
        self.unit = str(question.responsible_unit_id or "")


@bp.route("/<id:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit(question_id: int) -> ResponseReturnValue:
    question = _load(question_id)
    if not permissions.can_edit(signed_in_account(), question):
        abort(403)
    if question.origin is Origin.COUNCILLOR:
        return _edit_council(question)
    form = AskForm(
        obj=None if request.method == "POST" else _ResidentData(question), current=question
    )
    if form.validate_on_submit():
        try:
            services.update_resident(signed_in_account(), question, form.content())
        except services.InvalidChoice as error:
            db.session.rollback()
            _field_error(form, error.field, _("Choose one from the list."))
        except services.NotAllowed:
            return _refused(question, permissions.is_author)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(detail_url(question))
    return render_template("questions/ask.html", form=form, question=question), (
        422 if form.errors else 200
    )


# --- a councillor's question ---------------------------------------------------------------


_COUNCIL_MESSAGES = {
    "session": _l("Choose a session that has already been held."),
    "received_on": _l("The day received cannot be in the future."),
    "authors": _l("Every author must hold a seat on the council on the day it was posed."),
    "group": _l("The group must belong to the term in which it was posed."),
    "units": _l("Choose active units from the list."),
    "follow_up_of": _l("Give the number of an existing councillor's question."),
    "topic": _l("Choose one from the list."),
    "community": _l("Choose one from the list."),
    "agenda_item": _l("Choose one from the list."),
    "case_number": _l("Write the case number as the administration does, e.g. 032-11/2016."),
}


def _adopted_item() -> Question | Initiative | None:
    """What a councillor takes up, from ``?adopt_question=`` or ``?adopt_initiative=``."""
    question_id = id_or_400(request.values.get("adopt_question"))
    if question_id is not None:
        return _load(question_id)  # 404 also for one the councillor may not see
    initiative_id = id_or_400(request.values.get("adopt_initiative"))
    if initiative_id is not None:
        return db.get_or_404(Initiative, initiative_id)
    return None


@bp.route("/record", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=rate_limit_key)
def record() -> ResponseReturnValue:
    """Enter a councillor's question: by the councillor, or recorded by the council office."""
    me = signed_in_account()
    if not permissions.can_record(me):
        abort(403)
    adopts = _adopted_item()
    if adopts is not None and not _can_adopt(me, adopts):
        abort(403)
    follows = _followed_up() if request.method == "GET" else None
    prefill: object = None
    if request.method == "GET":
        prefill = _AdoptedData(adopts) if adopts else _FollowUpData(follows) if follows else None
    form = CouncilQuestionForm(obj=prefill)
    if request.method == "GET" and not form.authors.data:
        # A councillor poses their own question: they are its author unless they say otherwise.
        people = sorted(str(person_id) for person_id in auth.councillor_person_ids(me))
        form.authors.data = people
    if form.validate_on_submit():
        try:
            question = services.record(me, form.content(), adopts=adopts)
        except (services.InvalidChoice, services.InvalidValue) as error:
            db.session.rollback()
            _field_error(form, error.field, str(_COUNCIL_MESSAGES.get(error.field, "")))
        except services.NotAllowed:
            db.session.rollback()
            _field_error(form, "authors", _("You can enter only questions you pose yourself."))
        except services.AlreadyAdopted:
            db.session.rollback()
            flash(_("A councillor has already taken this up."), "info")
            return redirect(url_for("questions.record"))
        else:
            db.session.commit()
            flash(_("The question is recorded and public."), "success")
            return redirect(detail_url(question))
    return render_template("questions/record.html", form=form, question=None, adopts=adopts), (
        422 if form.errors else 200
    )


def _can_adopt(user: Any, item: Question | Initiative) -> bool:
    if isinstance(item, Question):
        return permissions.can_adopt_question(user, item)
    return permissions.can_adopt_initiative(user, item)


class _AdoptedData:
    """A councillor's question prefilled from what it takes up."""

    def __init__(self, item: Question | Initiative) -> None:
        self.title = item.title
        self.body = item.body
        self.topic = str(item.topic_id or "")
        self.community = str(item.community_id or "")
        self.kind = "question" if isinstance(item, Question) else "initiative"


class _FollowUpData:
    """A supplementary question in the same case, from ``?follow_up_of=`` (a reply's page
    offers it when the answer did not answer): the same kind, units and case number."""

    def __init__(self, question: Question) -> None:
        self.kind = question.kind.value
        self.title = question.title
        self.follow_up_of = question.id
        self.case_number = question.case_number or ""
        self.units = [str(addressee.unit_id) for addressee in question.addressees]
        self.to_mayor = question.to_mayor
        self.topic = str(question.topic_id or "")
        self.community = str(question.community_id or "")


def _followed_up() -> Question | None:
    question_id = id_or_400(request.args.get("follow_up_of"))
    if question_id is None:
        return None
    question = _load(question_id)  # 404 for one the councillor may not see
    return question if question.origin is Origin.COUNCILLOR else None


class _CouncilData:
    def __init__(self, question: Question) -> None:
        self.kind = question.kind.value
        self.form = question.form.value
        self.session = str(question.session_id or "")
        self.received_on = question.received_on
        self.title = question.title
        self.body = question.body
        self.authors = [str(author.person_id) for author in question.authors]
        self.group = str(question.group_id or "")
        self.to_mayor = question.to_mayor
        self.units = [str(addressee.unit_id) for addressee in question.addressees]
        self.case_number = question.case_number or ""
        self.follow_up_of = question.follow_up_of_id
        self.topic = str(question.topic_id or "")
        self.community = str(question.community_id or "")


def _edit_council(question: Question) -> ResponseReturnValue:
    form = CouncilQuestionForm(
        obj=None if request.method == "POST" else _CouncilData(question), current=question
    )
    if form.validate_on_submit():
        try:
            services.update_council(signed_in_account(), question, form.content())
        except (services.InvalidChoice, services.InvalidValue) as error:
            db.session.rollback()
            _field_error(form, error.field, str(_COUNCIL_MESSAGES.get(error.field, "")))
        except services.NotAllowed:
            db.session.rollback()
            _field_error(form, "authors", _("You can enter only questions you pose yourself."))
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(detail_url(question))
    return render_template("questions/record.html", form=form, question=question, adopts=None), (
        422 if form.errors else 200
    )


# --- the page -------------------------------------------------------------------------------


def _refused(question: Question, could: Callable[[Any, Question], bool]) -> ResponseReturnValue:
    """A step that is not allowed (any more): 403 for who could never, else say what changed."""
    db.session.rollback()
    if not could(signed_in_account(), question):
        abort(403)
    flash(
        _(
            "Nothing was done: the question is now “%(state)s”. It changed after you opened "
            "the page, perhaps with your own first click.",
            state=STATE_LABELS[question.state],
        ),
        "info",
    )
    return redirect(detail_url(question), 303)


def _page_tags(question_id: int, slug: str | None = None) -> tuple[str, ...]:
    # The page names its session, authors and due date: sessions and rules change it too;
    # and the projects it led to, with their lights.
    return ("question", f"question:{question_id}", "sessions", "projects")


_FORMS: dict[str, tuple[Callable[[Any, Question], bool], Callable[[Question], Any]]] = {
    "reject_form": (permissions.can_moderate, lambda q: RejectForm(prefix="reject")),
    "unit_form": (permissions.can_assign, lambda q: UnitForm(prefix="unit")),
    "forward_form": (
        permissions.can_forward,
        lambda q: ForwardForm(prefix="forward", exclude=q.responsible_unit_id),
    ),
    "register_form": (permissions.can_register, lambda q: RegisterForm(prefix="register")),
    "stage_form": (permissions.can_set_stage, lambda q: StageForm(prefix="stage")),
    "answer_form": (permissions.can_answer, lambda q: AnswerForm(prefix="answer")),
    "extend_form": (permissions.can_extend, lambda q: ExtendForm(prefix="extend")),
    "merge_form": (permissions.can_merge, lambda q: MergeForm(prefix="merge")),
}


def _detail(question: Question, status: int = 200, **forms: Any) -> ResponseReturnValue:
    me = current_account()
    today = local_today()
    # Only the forms this visitor is shown: building one loads its choices.
    context: dict[str, Any] = {
        name: make(question)
        for name, (allowed, make) in _FORMS.items()
        if name not in forms and allowed(me, question)
    }
    context.update(forms)
    deadline = due.compute(question) if question.due_on else None
    adopted = services.adopted_by(question) if question.origin is Origin.RESIDENT else None
    letters = reply_queries.published_for_question(question.id)
    page = render_template(
        "questions/detail.html",
        question=question,
        today=today,
        deadline=deadline,
        explanation=due.explain(question, deadline) if deadline else [],
        adopted=adopted,
        answered_on_time=_answered_on_time(question),
        # Only a resident's question is supported: a councillor's need not ask.
        supported=question.origin is Origin.RESIDENT and services.has_supported(me, question),
        events=list(question.events),
        event_kinds=QuestionEventKind,
        can_adopt=permissions.can_adopt_question(me, question) and adopted is None,
        reply_letters_of_question=letters,
        # Verdicts are on letters: none to look for without one.
        reply_verdicts_of_question=reply_queries.verdicts_for_question(question.id)
        if letters
        else [],
        **context,
    )
    return page, status


def _answered_on_time(question: Question) -> bool | None:
    due_on = question.effective_due_on
    if question.answered_at is None or due_on is None:
        return None
    return to_local(question.answered_at).date() <= due_on


@bp.get("/<id:question_id>")
@bp.get("/<id:question_id>-<slug>")
@pagecache.cached(_page_tags)
def detail(question_id: int, slug: str | None = None) -> ResponseReturnValue:
    question = _load(question_id)
    if slug is not None and slug != title_slug(question.title):
        return redirect(detail_url(question), 302)
    if question.is_open:
        pagecache.expires_by(next_midnight())
    return _detail(question)


# --- moderation -------------------------------------------------------------------------------


def _changed_meanwhile(question: Question) -> ResponseReturnValue:
    db.session.rollback()
    flash(
        _("The author changed the question after you opened it. Read it again before you decide."),
        "warning",
    )
    return redirect(detail_url(question)), 303


@bp.post("/<id:question_id>/publish")
@login_required
def publish(question_id: int) -> ResponseReturnValue:
    question = _load(question_id)
    try:
        services.publish(
            signed_in_account(),
            question,
            seen=request.form.get("seen", ""),
            unit_id=id_or_400(request.form.get("unit")),
        )
    except services.NotAllowed:
        return _refused(question, permissions.could_moderate)
    except services.InvalidChoice:
        abort(400)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(question)
    db.session.commit()
    flash(_("Published: the question is public and its deadline runs."), "success")
    return redirect(detail_url(question))


@bp.post("/<id:question_id>/reject")
@login_required
def reject(question_id: int) -> ResponseReturnValue:
    question = _load(question_id)
    if not permissions.can_moderate(signed_in_account(), question):
        return _refused(question, permissions.could_moderate)
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _detail(question, 422, reject_form=form)
    try:
        services.reject(
            signed_in_account(),
            question,
            seen=request.form.get("seen", ""),
            reason_id=int(form.reason.data),
            note=form.note.data,
        )
    except services.NotAllowed:
        return _refused(question, permissions.could_moderate)
    except services.InvalidChoice:
        abort(400)
    except services.NoteRequired:
        form.note.errors = [_("Explain the reason in your own words.")]
        return _detail(question, 422, reject_form=form)
    except services.ChangedMeanwhile:
        return _changed_meanwhile(question)
    db.session.commit()
    flash(_("The question will not be published. The author sees the reason."), "success")
    return redirect(detail_url(question))


# --- support ----------------------------------------------------------------------------------


@bp.post("/<id:question_id>/support")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def support(question_id: int) -> ResponseReturnValue:
    question = _load(question_id, for_page=False)
    try:
        services.support(signed_in_account(), question)
    except services.NotAllowed:
        abort(403)
    except services.AlreadySupported:
        flash(_("You already want this answered."), "info")
    else:
        flash(_("Thank you: you will see the answer here."), "success")
    target = detail_url(question, _anchor="support")
    db.session.commit()
    return redirect(target)


@bp.post("/<id:question_id>/support/withdraw")
@login_required
@limiter.limit("60 per minute", key_func=rate_limit_key)
def unsupport(question_id: int) -> ResponseReturnValue:
    question = _load(question_id, for_page=False)
    try:
        services.withdraw_support(signed_in_account(), question)
    except services.NotAllowed:
        abort(403)
    except services.NotSupported:
        flash(_("You had not asked for this to be answered."), "info")
    else:
        flash(_("Your support has been withdrawn."), "success")
    target = detail_url(question, _anchor="support")
    db.session.commit()
    return redirect(target)


# --- the municipality and the council office -----------------------------------------------


def _official_step(
    question_id: int,
    name: str,
    allowed: Callable[[Any, Question], bool],
    act: Callable[[Question, Any], None],
    done: str,
) -> ResponseReturnValue:
    """One form of the page: validate it, run the service, commit; errors show on the page."""
    question = _load(question_id)
    me = signed_in_account()
    if not allowed(me, question):
        return _refused(question, _could_act)
    form = _FORMS[name][1](question)
    if not form.validate_on_submit():
        return _detail(question, 422, **{name: form})
    try:
        act(question, form)
    except services.NotAllowed:
        return _refused(question, _could_act)
    except (services.InvalidChoice, services.InvalidValue) as error:
        db.session.rollback()
        field = getattr(form, error.field, None) or next(iter(form))
        field.errors = [*field.errors, _("Check this value: it cannot be used here.")]
        return _detail(question, 422, **{name: form})
    db.session.commit()
    flash(done, "success")
    return redirect(detail_url(question))


def _could_withdraw(user: Any, question: Question) -> bool:
    return permissions.is_author(user, question) or (
        question.origin is Origin.COUNCILLOR and auth.is_council_office(user)
    )


def _could_act(user: Any, question: Question) -> bool:
    """Whether ``user`` takes part in answering this question at all (for ``_refused``)."""
    return (
        permissions.answers_for(user, question)
        or auth.is_council_office(user)
        or permissions.could_assign(user, question)
    )


@bp.post("/<id:question_id>/unit")
@login_required
def assign(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "unit_form",
        permissions.can_assign,
        lambda q, f: services.assign(signed_in_account(), q, unit_id=int(f.unit.data)),
        _("The unit that answers has been set."),
    )


@bp.post("/<id:question_id>/forward")
@login_required
def forward(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "forward_form",
        permissions.can_forward,
        lambda q, f: services.forward(
            signed_in_account(), q, unit_id=int(f.unit.data), note=f.note.data or ""
        ),
        _("The question has been forwarded."),
    )


@bp.post("/<id:question_id>/register")
@login_required
def register(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "register_form",
        permissions.can_register,
        lambda q, f: services.register(signed_in_account(), q, case_number=f.case_number.data),
        _("The case number is recorded."),
    )


@bp.post("/<id:question_id>/stage")
@login_required
def stage(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "stage_form",
        permissions.can_set_stage,
        lambda q, f: services.set_stage(signed_in_account(), q, stage=QuestionState(f.stage.data)),
        _("The stage of the answer is updated."),
    )


@bp.post("/<id:question_id>/answer")
@login_required
def answer(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "answer_form",
        permissions.can_answer,
        lambda q, f: services.answer(
            signed_in_account(), q, kind=f.kind.data, text=f.text.data or ""
        ),
        _("The answer is published."),
    )


@bp.post("/<id:question_id>/extend")
@login_required
def extend(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "extend_form",
        permissions.can_extend,
        lambda q, f: services.extend(
            signed_in_account(), q, to=f.to.data, reason=f.reason.data or ""
        ),
        _("The due date is extended."),
    )


@bp.post("/<id:question_id>/merge")
@login_required
def merge(question_id: int) -> ResponseReturnValue:
    return _official_step(
        question_id,
        "merge_form",
        permissions.can_merge,
        lambda q, f: services.merge(signed_in_account(), q, into_id=f.into.data),
        _("The question is merged."),
    )


@bp.route("/<id:question_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(question_id: int) -> ResponseReturnValue:
    """Asks "are you sure?" first: it cannot be undone."""
    question = _load(question_id)
    me = signed_in_account()
    if not permissions.can_withdraw(me, question):
        return _refused(question, _could_withdraw)
    if request.method == "GET":
        return render_template("questions/confirm_withdraw.html", question=question)
    try:
        services.withdraw(me, question)
    except services.NotAllowed:
        return _refused(question, _could_withdraw)
    db.session.commit()
    flash(_("The question has been withdrawn."), "success")
    return redirect(detail_url(question))
