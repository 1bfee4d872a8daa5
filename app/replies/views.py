"""Views of reply letters: thin — load, check, call a service, commit, redirect or render.

The public sees a published letter as a letter (on screen and in print), as JSON, and can
check a copy against it. Officials of the issuing unit write, review, sign, send and publish
it on the same page: each step is one small form, shown only to who may take it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from app.attachments import files, serving
from app.attachments.messages import refusal_message
from app.attachments.messages import status as refusal_status
from app.auth.current import current_account, login_required, rate_limit_key, signed_in_account
from app.auth.models import Role, User
from app.core import pagecache
from app.core.routing import id_or_400
from app.core.time import LOCAL_TZ
from app.core.time import today as local_today
from app.core.urls import public_url_for
from app.council.services import the_council
from app.extensions import db, limiter
from app.questions import permissions as question_permissions
from app.questions.models import Question, QuestionSupport
from app.questions.services import has_supported
from app.reference import kept
from app.replies import bp, export, permissions, queries, services, verification
from app.replies.forms import (
    AnnexForm,
    ImportForm,
    LetterForm,
    NoteForm,
    PublishForm,
    SendForm,
    SignForm,
    VerdictForm,
    VerifyForm,
    letter_data,
)
from app.replies.models import (
    COVERAGE_LABELS,
    DISTRIBUTION_LABELS,
    EVENT_LABELS,
    SIGNATURE_LABELS,
    STATE_LABELS,
    TYPE_LABELS,
    VERDICT_LABELS,
    AnswerVerdict,
    Reply,
    ReplyAttachment,
    ReplyEventKind,
    ReplyState,
    SignatureMethod,
    Verdict,
)

_R = ReplyState

#: What each missing part is called in the message that lists them.
MISSING = {
    "covers": _l("the question or initiative it answers"),
    "answering_units": _l("an answering unit"),
    "signatory": _l("a signatory"),
    "recipient": _l("a recipient of kind “Sent to”"),
    "signed_at": _l("the time it was signed"),
    "sent_at": _l("the time it was sent"),
    "signed_pdf": _l("the signed PDF"),
}
#: The messages of the services' refusals of a value, by field.
INVALID = {
    "reference_number": _l(
        "Write the number as it is printed on the letter, e.g. 032-11/2016-2-(52/17)."
    ),
    "letter_date": _l("The letter's date cannot be in the future."),
    "addressee_body_id": _l("There is no council to address the letter to."),
    "addressee_person_id": _l("Choose one from the list."),
    "forwarded_to_id": _l("Choose the unit the matter was forwarded to."),
    "extension_reason": _l("Say why the due date moves."),
    "extended_to": _l("The new due date must be after the letter's date, within ten years."),
    "answering_unit_ids": _l("Choose active units from the list."),
    "covers": _l("Give the numbers of published questions or initiatives, each once."),
    "reply_type": _l("A correction is made from the letter it corrects."),
    "signed_at": _l("It cannot be signed before the letter's date or in the future."),
    "sent_at": _l("It cannot be sent before it was signed or in the future."),
    "method": _l("Choose how it was signed."),
    "outcome": _l("Say what was decided on the initiative."),
    "note": _l("Write a note."),
    "reason": _l("Write the reason."),
}
_FORM_FIELDS = {
    "addressee_body_id": "addressee_kind",
    "addressee_person_id": "addressee_person",
    "forwarded_to_id": "forwarded_to",
    "answering_unit_ids": "answering_units",
    "covers": "covers",
}


def _missing_message(missing: tuple[str, ...]) -> str:
    parts = ", ".join(str(MISSING.get(name, name)) for name in missing)
    return _("The letter still needs: %(parts)s.", parts=parts)


def detail_url(reply: Reply, **values: Any) -> str:
    return url_for("replies.detail", reply_id=reply.id, **values)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "reply_url": detail_url,
        "reply_permissions": permissions,
        "reply_verdict_labels": VERDICT_LABELS,
        "reply_type_labels": TYPE_LABELS,
        "reply_state_labels": STATE_LABELS,
    }


def _load(reply_id: int) -> Reply:
    """The letter, or 404 — also one the visitor may not see, so nothing is revealed."""
    reply = queries.for_page(reply_id)
    if reply is None or not permissions.can_view(current_account(), reply):
        abort(404)
    return reply


def _page_tags(reply_id: int) -> tuple[str, ...]:
    # The letter names what it answers (titles, due dates): a question's change shows here.
    # Also its projects' lights (and its commitments, which touch ``reply:<id>``).
    return ("reply", f"reply:{reply_id}", "question", "questions", "projects")


# --- the public list ------------------------------------------------------------------------


def _filters_or_400() -> queries.Filters:
    try:
        return queries.parse_filters(request.args)
    except queries.BadFilter as error:
        abort(400, description=f"filter:{error.field}")


@bp.get("/")
@pagecache.cached(
    lambda: ("replies", "questions"),  # its cards name the questions answered
    params=queries.PARAMETERS,
    free=queries.FREE_TEXT,
    canonical=queries.canonical_query,
)
def index() -> ResponseReturnValue:
    filters = _filters_or_400()
    page = queries.list_page(filters)
    if page.past_the_end:
        abort(404)
    return render_template(
        "replies/list.html",
        page=page,
        filters=filters,
        units=sorted(
            (u for u in kept.units_by_code().values() if u.is_active), key=lambda u: u.name
        ),
        years=queries.years(),
        types=TYPE_LABELS,
    )


@bp.get("/export.csv")
@limiter.limit("30 per minute")
def export_csv() -> ResponseReturnValue:
    filters = _filters_or_400()
    return Response(
        stream_with_context(export.csv_chunks(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="glas-replies.csv"'},
    )


# --- one letter -----------------------------------------------------------------------------

_Step = Callable[[Reply], Any]
#: The workflow's forms on the letter's page: who sees each, and how it is made.
_FORMS: dict[str, tuple[Callable[[User | None, Reply], bool], _Step]] = {
    "return_form": (permissions.can_review, lambda r: NoteForm(prefix="return")),
    "sign_form": (permissions.can_sign, lambda r: SignForm(prefix="sign")),
    "send_form": (permissions.can_send, lambda r: SendForm(prefix="send")),
    "publish_form": (permissions.can_publish, lambda r: PublishForm(prefix="publish")),
    "retract_form": (permissions.can_retract, lambda r: NoteForm(prefix="retract")),
    "annex_form": (permissions.can_edit, lambda r: AnnexForm(prefix="annex")),
}


def _verdicts_of(reply: Reply) -> list[Any]:

    return list(
        db.session.scalars(
            sa.select(AnswerVerdict)
            .where(AnswerVerdict.reply_id == reply.id)
            .options(joinedload(AnswerVerdict.user))
            .order_by(AnswerVerdict.by_asker.desc(), AnswerVerdict.updated_at)
        )
    )


def _render(reply: Reply, status: int = 200, **forms: Any) -> ResponseReturnValue:
    me = current_account()
    context: dict[str, Any] = {
        name: make(reply)
        for name, (allowed, make) in _FORMS.items()
        if name not in forms and allowed(me, reply)
    }
    context.update(forms)
    verdict_questions = _verdict_questions(me, reply)
    verdicts = _verdicts_of(reply) if reply.is_public else []
    if verdict_questions and "verdict_form" not in context:
        form = VerdictForm(prefix="verdict")
        # One's earlier view, to change: a second verdict replaces the first.
        mine = next((v for v in verdicts if me is not None and v.user_id == me.id), None)
        if mine is not None:
            form.verdict.data, form.reason.data = mine.verdict.value, mine.reason
        context["verdict_form"] = form
    timing = [
        (row, services.days_to_reply(reply, row.question), services.on_time(reply, row.question))
        for row in reply.coverage
        if row.question is not None
    ]
    page = render_template(
        "replies/detail.html",
        reply=reply,
        timing=timing,
        verdicts=verdicts,
        verdict_questions=verdict_questions,
        verdict_labels=VERDICT_LABELS,
        coverage_labels=COVERAGE_LABELS,
        distribution_labels=DISTRIBUTION_LABELS,
        signature_labels=SIGNATURE_LABELS,
        event_kinds=ReplyEventKind,
        internal=not reply.is_public,
        can_edit=permissions.can_edit(me, reply),
        can_submit=permissions.can_submit(me, reply),
        can_review=permissions.can_review(me, reply),
        could_review=permissions.could_review(me, reply),
        can_correct=permissions.can_correct(me, reply),
        can_delete=permissions.can_delete(me, reply),
        missing_for_review=services.missing_for_review(reply),
        missing_for_publication=services.missing_for_publication(reply),
        missing_labels=MISSING,
        event_labels=EVENT_LABELS,
        **context,
    )
    return page, status


#: The letter's page as its own views make it, for the views of commitments (app.projects),
#: whose forms live on it and come back to it with their messages.
render_page = _render


def _verdict_questions(user: User | None, reply: Reply) -> list[Question]:
    """The questions of the letter on which ``user`` may give a verdict."""
    if user is None or reply.state is not _R.PUBLISHED:
        return []
    questions = [row.question for row in reply.coverage if row.question is not None]
    # Which of them the account supports, in one statement for all of them.
    supported = set(
        db.session.scalars(
            sa.select(QuestionSupport.question_id).where(
                QuestionSupport.user_id == user.id,
                QuestionSupport.question_id.in_([question.id for question in questions]),
            )
        )
    )
    found = []
    for question in questions:
        asker = question_permissions.is_author(user, question)
        supporter = not asker and question.id in supported
        if permissions.can_give_verdict(user, reply, asker=asker, supporter=supporter):
            found.append(question)
    return found


@bp.get("/<id:reply_id>")
@pagecache.cached(_page_tags)
def detail(reply_id: int) -> ResponseReturnValue:
    # Only public letters reach the cache: the cache serves visitors who are signed out.
    return _render(_load(reply_id))


@bp.get("/<id:reply_id>.json")
@pagecache.cached(_page_tags)
def as_json_view(reply_id: int) -> ResponseReturnValue:
    reply = queries.for_page(reply_id)
    # The JSON is the public record: drafts have none, even for their unit.
    if reply is None or not reply.is_public:
        abort(404)
    response = jsonify(export.as_json(reply))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/<id:reply_id>/qr.svg")
@pagecache.cached(_page_tags)
def qr(reply_id: int) -> ResponseReturnValue:
    reply = queries.for_page(reply_id)
    if reply is None or not reply.is_public:
        abort(404)
    svg = verification.qr_svg(public_url_for("replies.detail", reply_id=reply.id))
    return Response(
        svg,
        mimetype="image/svg+xml",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"},
    )


@bp.get("/<id:reply_id>/files/<id:attachment_id>/<path:filename>")
def attachment(reply_id: int, attachment_id: int, filename: str) -> ResponseReturnValue:
    reply = db.get_or_404(Reply, reply_id)
    if not permissions.can_view(current_account(), reply):
        abort(404)
    item = db.session.get(ReplyAttachment, attachment_id)
    if item is None or item.reply_id != reply.id:
        abort(404)
    return serving.send(item, public=reply.is_public)


@bp.app_template_global("reply_attachment_url")
def reply_attachment_url(item: ReplyAttachment) -> str:
    return url_for(
        "replies.attachment",
        reply_id=item.reply_id,
        attachment_id=item.id,
        filename=item.filename,
    )


# --- verification ---------------------------------------------------------------------------


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def verify() -> ResponseReturnValue:
    form = VerifyForm()
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            digest = form.sha256.data or ""
            upload = form.file.data
            if isinstance(upload, FileStorage) and upload.filename:
                data = upload.stream.read(verification.MAX_BYTES + 1)
                if len(data) > verification.MAX_BYTES:
                    form.file.errors = [_("The file is too large to be a letter of ours.")]
                    status = 413
                elif not data:
                    form.file.errors = [_("The file is empty. Choose another file.")]
                    status = 422
                else:
                    digest = verification.sha256_of(data)
            elif not digest:
                form.sha256.errors = [_("Choose the letter's PDF or paste its fingerprint.")]
                status = 422
            if status == 200:
                result = {"sha256": digest, "reply": verification.find(digest)}
        else:
            status = 422
    return render_template("replies/verify.html", form=form, result=result), status


# --- the officials' side --------------------------------------------------------------------


@bp.get("/drafts")
@login_required
def drafts() -> ResponseReturnValue:
    me = signed_in_account()
    if not permissions.can_view_internal_list(me):
        abort(403)
    return render_template("replies/drafts.html", replies=queries.in_the_works(me))


def _prefill(form: LetterForm) -> None:
    """A new letter for ``?question=``: what Glas knows of the question, written in."""
    question_id = id_or_400(request.args.get("question"))
    if question_id is None:
        return
    question = db.session.get(Question, question_id)
    if question is None or question.published_at is None:
        abort(404)
    form.covers.entries[0].form.kind.data = "question"
    form.covers.entries[0].form.number.data = question.id
    form.subject.data = question.title
    if question.responsible_unit_id:
        form.answering_units.data = [str(question.responsible_unit_id)]
    if question.case_number:
        form.reference_number.data = f"{question.case_number}-"


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=rate_limit_key)
def new() -> ResponseReturnValue:
    me = signed_in_account()
    if not permissions.can_draft(me):
        abort(403)
    units = _my_units(me)
    form = LetterForm()
    if request.method == "GET":
        form.place.data = form.place.data or _default_place()
        form.addressee_text.data = form.addressee_text.data or _default_addressee()
        form.letter_date.data = local_today()
        _prefill(form)
    issuer = id_or_400(request.form.get("issuer")) if request.method == "POST" else None
    if form.validate_on_submit():
        if issuer is None or issuer not in {u.id for u in units}:
            abort(403)
        try:
            reply = services.create(me, issuer_unit_id=issuer, content=form.content())
        except services.DuplicateNumber:
            db.session.rollback()
            form.reference_number.errors = [_("Another letter already has this number.")]
        except services.InvalidValue as error:
            db.session.rollback()
            _field_error(form, error.field)
        except services.NotAllowed:
            abort(403)
        else:
            db.session.commit()
            flash(
                _("The draft is saved. Only your unit and the answering units see it."), "success"
            )
            return redirect(detail_url(reply))
    return render_template("replies/form.html", form=form, reply=None, units=units), (
        422 if form.errors else 200
    )


def _my_units(user: User) -> list[Any]:
    return sorted(
        (
            grant.org_unit
            for grant in user.role_grants
            if grant.role is Role.OFFICIAL and grant.org_unit is not None
        ),
        key=lambda unit: unit.name,
    )


def _default_place() -> str:
    address = str(current_app.config.get("ORGANISATION_ADDRESS", ""))
    # "Slovenski trg 1, 4000 Kranj": the place is the town after the postcode.
    return address.rsplit(" ", 1)[-1] if address else ""


def _default_addressee() -> str:
    council = the_council()
    return council.name_sl.upper() if council else ""


def _field_error(form: Any, field: str) -> None:
    name = _FORM_FIELDS.get(field, field)
    target = getattr(form, name, None)
    message = str(INVALID.get(field, _("Check this value: it cannot be used here.")))
    if target is None:
        flash(message, "error")
        return
    target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]


@bp.route("/<id:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reply_id: int) -> ResponseReturnValue:
    reply = _load(reply_id)
    me = signed_in_account()
    if not permissions.can_edit(me, reply):
        return _refused(reply)
    form = LetterForm(data=None if request.method == "POST" else letter_data(reply), reply=reply)
    if form.validate_on_submit():
        try:
            services.update(me, reply, form.content(supersedes_id=reply.supersedes_id))
        except services.DuplicateNumber:
            db.session.rollback()
            form.reference_number.errors = [_("Another letter already has this number.")]
        except services.InvalidValue as error:
            db.session.rollback()
            _field_error(form, error.field)
        except services.NotAllowed:
            return _refused(reply)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(detail_url(reply))
    return render_template("replies/form.html", form=form, reply=reply, units=[]), (
        422 if form.errors else 200
    )


def _refused(
    reply: Reply, could: Callable[[User | None, Reply], bool] = permissions.is_issuer_official
) -> ResponseReturnValue:
    """A step no longer possible: say so to who could have taken it (``could``: whoever may
    take it in some state — never the drafter for the review); 403 to anyone else."""
    db.session.rollback()
    if not could(current_account(), reply):
        abort(403)
    fresh = db.session.get(Reply, reply.id)
    if fresh is None:
        flash(_("Nothing was done: the letter was deleted."), "info")
        return redirect(url_for("replies.drafts"), 303)
    flash(
        _("Nothing was done: the letter is now “%(state)s”.", state=STATE_LABELS[fresh.state]),
        "info",
    )
    return redirect(detail_url(fresh), 303)


_Act = Callable[[User, Reply, Any], object]


def _step(
    reply_id: int,
    act: _Act,
    done: str,
    *,
    form_name: str | None = None,
    could: Callable[[User | None, Reply], bool] = permissions.is_issuer_official,
) -> ResponseReturnValue:
    """One workflow step: check, validate its form if it has one, run it, commit.

    ``act`` gets the account, the letter and the step's validated form (None without one).
    """
    reply = _load(reply_id)
    me = signed_in_account()
    form = None
    if form_name is not None:
        allowed, make = _FORMS[form_name]
        if not allowed(me, reply):
            return _refused(reply, could)
        form = make(reply)
        if not form.validate_on_submit():
            return _render(reply, 422, **{form_name: form})
    forms = {form_name: form} if form_name is not None else {}
    try:
        act(me, reply, form)
    except services.NotAllowed:
        return _refused(reply, could)
    except services.Gone:
        db.session.rollback()
        flash(_("Nothing was done: the letter was deleted."), "info")
        return redirect(url_for("replies.drafts"), 303)
    except services.Incomplete as error:
        db.session.rollback()
        flash(_missing_message(error.missing), "error")
        return _render(_load(reply_id), 422, **forms)
    except services.InvalidValue as error:
        db.session.rollback()
        message = str(INVALID.get(error.field, _("Check this value: it cannot be used here.")))
        name = _FORM_FIELDS.get(error.field, error.field)
        field = getattr(form, name, None) if form is not None else None
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]
        return _render(_load(reply_id), 422, **forms)
    except files.AttachmentRefused as refusal:
        db.session.rollback()
        if form is not None and hasattr(form, "file"):
            field = form.description if refusal.reason in _DESCRIPTION_REFUSALS else form.file
            field.errors = [_file_refusal(refusal.reason)]
        status = refusal_status(refusal.reason)  # as for initiatives: 413, 507 no room, 422 …
        return _render(_load(reply_id), status, **forms)
    db.session.commit()
    flash(done, "success")
    return redirect(detail_url(reply), 303)


_DESCRIPTION_REFUSALS = (files.Refusal.NO_DESCRIPTION, files.Refusal.DESCRIPTION_TOO_LONG)


def _file_refusal(reason: files.Refusal) -> str:
    """What is wrong with a letter's file: its files are PDF documents only."""
    if reason is files.Refusal.UNSUPPORTED_TYPE:
        return _("This file is not a PDF document. Save the letter as PDF and try again.")
    return refusal_message(
        reason,
        too_many=ngettext(
            "A letter can have at most %(num)d annex. Remove one before you add another.",
            "A letter can have at most %(num)d annexes. Remove one before you add another.",
            services.ANNEXES_MAX,
        ),
    )


def _aware(value: datetime | None) -> datetime:
    # The form's local time (Ljubljana), made aware for the database.
    if value is None:
        abort(400)
    return value.replace(tzinfo=LOCAL_TZ)


@bp.post("/<id:reply_id>/submit")
@login_required
def submit(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, _f: services.submit(me, r),
        _("The letter is sent for review to another official."),
    )


@bp.post("/<id:reply_id>/approve")
@login_required
def approve(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, _f: services.approve(me, r),
        _("The letter is approved."),
        could=permissions.could_review,
    )


@bp.post("/<id:reply_id>/return")
@login_required
def return_(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.return_to_draft(me, r, note=f.note.data or ""),
        _("The letter is returned to its drafter with your note."),
        form_name="return_form",
        could=permissions.could_review,
    )


@bp.post("/<id:reply_id>/sign")
@login_required
@limiter.limit("60 per hour", key_func=rate_limit_key)
def sign(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.sign(
            me,
            r,
            upload=f.file.data,
            signed_at=_aware(f.signed_at.data),
            method=SignatureMethod(f.method.data),
        ),
        _("The signed letter is recorded."),
        form_name="sign_form",
    )


@bp.post("/<id:reply_id>/send")
@login_required
def send(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.send(me, r, sent_at=_aware(f.sent_at.data)),
        _("The letter is recorded as sent."),
        form_name="send_form",
    )


@bp.post("/<id:reply_id>/publish")
@login_required
def publish(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.publish(me, r, outcome=f.outcome_kind()),
        _("The letter is published."),
        form_name="publish_form",
    )


@bp.post("/<id:reply_id>/retract")
@login_required
def retract(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.retract(me, r, reason=f.note.data or ""),
        _("The letter is retracted. It stays listed, with your reason."),
        form_name="retract_form",
    )


@bp.post("/<id:reply_id>/correct")
@login_required
def correct(reply_id: int) -> ResponseReturnValue:
    reply = _load(reply_id)
    me = signed_in_account()
    try:
        correction = services.start_correction(me, reply)
    except services.NotAllowed:
        return _refused(reply)
    except services.DuplicateNumber:
        db.session.rollback()
        flash(_("Another letter already has the next number of this case."), "error")
        return redirect(detail_url(reply), 303)
    db.session.commit()
    flash(_("A correction is drafted. Change what was wrong, then send it for review."), "success")
    return redirect(url_for("replies.edit", reply_id=correction.id), 303)


@bp.post("/<id:reply_id>/delete")
@login_required
def delete(reply_id: int) -> ResponseReturnValue:
    reply = _load(reply_id)
    try:
        services.delete_draft(signed_in_account(), reply)
    except services.NotAllowed:
        return _refused(reply)
    db.session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("replies.drafts"), 303)


@bp.post("/<id:reply_id>/annexes")
@login_required
@limiter.limit("60 per hour", key_func=rate_limit_key)
def add_annex(reply_id: int) -> ResponseReturnValue:
    return _step(
        reply_id,
        lambda me, r, f: services.add_annex(
            me, r, upload=f.file.data, title=f.description.data or ""
        ),
        _("The annex is attached."),
        form_name="annex_form",
    )


@bp.post("/<id:reply_id>/annexes/<id:attachment_id>/delete")
@login_required
def remove_annex(reply_id: int, attachment_id: int) -> ResponseReturnValue:
    reply = _load(reply_id)
    item = db.session.get(ReplyAttachment, attachment_id)
    if item is None or item.reply_id != reply.id:
        abort(404)
    try:
        services.remove_annex(signed_in_account(), reply, item)
    except services.NotAllowed:
        return _refused(reply)
    db.session.commit()
    flash(_("The annex is removed."), "success")
    return redirect(detail_url(reply), 303)


# --- was it really answered? ------------------------------------------------------------------


@bp.post("/<id:reply_id>/verdict")
@login_required
@limiter.limit("30 per hour", key_func=rate_limit_key)
def verdict(reply_id: int) -> ResponseReturnValue:
    reply = _load(reply_id)
    me = signed_in_account()
    question_id = id_or_400(request.form.get("question"))
    question = next(
        (row.question for row in reply.coverage if row.question_id == question_id), None
    )
    if question is None:
        abort(404)
    asker = question_permissions.is_author(me, question)
    supporter = not asker and has_supported(me, question)
    if not permissions.can_give_verdict(me, reply, asker=asker, supporter=supporter):
        abort(403)
    form = VerdictForm(prefix="verdict")
    if not form.validate_on_submit():
        return _render(reply, 422, verdict_form=form)
    try:
        services.give_verdict(
            me,
            reply,
            question,
            verdict=Verdict(form.verdict.data),
            reason=form.reason.data or "",
            asker=asker,
            supporter=supporter,
        )
    except services.NotAllowed:
        abort(403)
    except services.InvalidValue as error:
        db.session.rollback()
        form.reason.errors = [str(INVALID.get(error.field, ""))]
        return _render(_load(reply_id), 422, verdict_form=form)
    db.session.commit()
    flash(_("Your view is published on the letter and the question."), "success")
    return redirect(detail_url(reply, _anchor="verdicts"), 303)


# --- importing existing letters ---------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=rate_limit_key)
def import_letter() -> ResponseReturnValue:
    """An official uploads a letter (PDF or text) or pastes its text: a draft of their unit."""
    from app.replies import importer

    me = signed_in_account()
    if not permissions.can_draft(me):
        abort(403)
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = b""
        if isinstance(upload, FileStorage) and upload.filename:
            data = upload.stream.read(importer.MAX_BYTES + 1)
        elif form.text.data:
            data = form.text.data.encode("utf-8")
        if not data:
            form.file.errors = [_("Choose the letter's file or paste its text.")]
        else:
            try:
                _plan, reply = importer.import_file(me, data)
            except importer.Unreadable as error:
                db.session.rollback()
                problems = list(error.problems)
            except services.NotAllowed:
                db.session.rollback()
                problems = [_("The letter is issued by a unit you are not an official of.")]
            else:
                assert reply is not None  # noqa: S101 (not a dry run)
                db.session.commit()
                flash(
                    _(
                        "The letter is imported as a draft. Check every field against the "
                        "letter; another official of the unit then approves it."
                    ),
                    "success",
                )
                return redirect(detail_url(reply), 303)
    status = 422 if (form.errors or problems) else 200
    return render_template("replies/import.html", form=form, problems=problems), status
