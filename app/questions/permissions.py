"""Who may do what with a question, and with sessions. Pure functions of the account and row.

A resident's question is moderated as an initiative is; a councillor's is public business
from the moment it is recorded. Officials of the unit that answers (any official while no
unit is assigned, as for initiatives) answer it, forward it and move it through the stages;
the council office keeps the council's record (sessions, oral questions, merging, lapsing).
"""

from __future__ import annotations

from app.auth import permissions as auth
from app.auth.models import Role, User
from app.initiatives.models import Initiative, InitiativeState
from app.questions.models import OPEN, PUBLIC, Origin, Question, QuestionState

_Q = QuestionState


def _account(user: User | None) -> User | None:
    return user if isinstance(user, User) and user.deleted_at is None else None


def is_resident_author(user: User | None, question: Question) -> bool:
    account = _account(user)
    return account is not None and question.author_id == account.id


def is_councillor_author(user: User | None, question: Question) -> bool:
    """The account speaks for one of the councillors who pose the question."""
    if question.origin is not Origin.COUNCILLOR:
        return False
    people = auth.councillor_person_ids(user)
    return bool(people) and any(author.person_id in people for author in question.authors)


def is_author(user: User | None, question: Question) -> bool:
    return is_resident_author(user, question) or is_councillor_author(user, question)


def can_view(user: User | None, question: Question) -> bool:
    """Public from publication (a resident's) or recording (a councillor's) on."""
    if question.state is _Q.WITHDRAWN and question.published_at is None:
        # Withdrawn while it waited for moderation: its text was never made public.
        return is_resident_author(user, question)
    if question.state is _Q.SUBMITTED:
        return is_resident_author(user, question) or auth.is_moderator(user)
    return question.state in PUBLIC


def can_view_body(user: User | None, question: Question) -> bool:
    """A question moderation refused shows its title and the reason, not its text."""
    if question.state is _Q.REJECTED:
        return is_resident_author(user, question) or auth.is_moderator(user)
    return can_view(user, question)


def can_ask(user: User | None) -> bool:
    """Anyone signed in and set up asks the municipality (residence is not required)."""
    return auth.can_ask(user)


def can_record(user: User | None) -> bool:
    """Enter a councillor's question: the council office, a councillor (as an author), or an
    administrator."""
    return (
        auth.is_council_office(user)
        or auth.is_administrator(user)
        or bool(auth.councillor_person_ids(user))
    )


def can_edit(user: User | None, question: Question) -> bool:
    if question.origin is Origin.RESIDENT:
        if is_resident_author(user, question) and question.state is _Q.SUBMITTED:
            return can_ask(user)
        # Moderators correct it (audited, shown) until it is answered, as initiatives.
        return auth.is_moderator(user) and (question.state is _Q.SUBMITTED or question.is_open)
    if auth.is_council_office(user):
        return question.state in OPEN
    # A councillor corrects their own until the administration has registered it (a question
    # addressed to one unit is assigned to it at once; its record is still the councillor's).
    return (
        is_councillor_author(user, question)
        and question.state in (_Q.POSED, _Q.ASSIGNED)
        and question.case_number is None
    )


def can_moderate(user: User | None, question: Question) -> bool:
    return could_moderate(user, question) and question.state is _Q.SUBMITTED


def could_moderate(user: User | None, question: Question) -> bool:
    """Whether ``user`` moderates this question, whatever its state (never their own)."""
    return (
        question.origin is Origin.RESIDENT
        and auth.is_moderator(user)
        and not is_resident_author(user, question)
    )


def can_withdraw(user: User | None, question: Question) -> bool:
    """Until it is answered: the resident who asked, a councillor who posed it, the office."""
    if question.origin is Origin.RESIDENT:
        return is_resident_author(user, question) and (
            question.state is _Q.SUBMITTED or question.state in OPEN
        )
    return question.state in OPEN and (
        is_councillor_author(user, question) or auth.is_council_office(user)
    )


def can_support(user: User | None, question: Question) -> bool:
    return (
        question.origin is Origin.RESIDENT
        and question.state in OPEN
        and can_ask(user)
        and not is_resident_author(user, question)
    )


def can_withdraw_support(user: User | None, question: Question) -> bool:
    return _account(user) is not None and question.state in OPEN


def answers_for(user: User | None, question: Question) -> bool:
    """An official of the responsible unit (any official while none is chosen), or an admin."""
    if auth.is_administrator(user):
        return True
    if question.responsible_unit_id is None:
        return auth.is_official(user)
    return auth.has_role(user, Role.OFFICIAL, org_unit_id=question.responsible_unit_id)


def could_assign(user: User | None, question: Question) -> bool:
    """Whether ``user`` sets the answering unit of this question in some state."""
    keeper = (
        auth.is_moderator(user)
        if question.origin is Origin.RESIDENT
        else (auth.is_council_office(user))
    )
    return keeper or answers_for(user, question)


def can_assign(user: User | None, question: Question) -> bool:
    """Choose the unit that answers while none has it: moderation or the council office, or
    an official. Once a unit has it, it moves only by forwarding, with a public note
    (``can_forward``)."""
    if question.state not in OPEN or question.responsible_unit_id is not None:
        return False
    return could_assign(user, question)


def can_forward(user: User | None, question: Question) -> bool:
    """Hand the question to another unit, with a note: the unit that has it, or the office."""
    return (
        question.state in OPEN
        and question.responsible_unit_id is not None
        and (answers_for(user, question) or _keeps_the_record(user, question))
    )


def _keeps_the_record(user: User | None, question: Question) -> bool:
    if question.origin is Origin.COUNCILLOR:
        return auth.is_council_office(user)
    return auth.is_moderator(user)


def _council_office_of(user: User | None, question: Question) -> bool:
    """The council office keeps the record of councillors' questions, not of residents'."""
    return question.origin is Origin.COUNCILLOR and auth.is_council_office(user)


def can_register(user: User | None, question: Question) -> bool:
    """Record the case number the administration registered it under."""
    return question.state in OPEN and (
        answers_for(user, question) or _council_office_of(user, question)
    )


def can_set_stage(user: User | None, question: Question) -> bool:
    """Mark the answer in preparation or awaiting signature."""
    return question.state in OPEN and answers_for(user, question)


def can_answer(user: User | None, question: Question) -> bool:
    return question.state in OPEN and answers_for(user, question)


def can_extend(user: User | None, question: Question) -> bool:
    """Set a later due date, with a public reason."""
    return (
        question.state in OPEN
        and question.due_on is not None
        and (answers_for(user, question) or _council_office_of(user, question))
    )


def can_merge(user: User | None, question: Question) -> bool:
    return (
        question.origin is Origin.COUNCILLOR
        and question.state in OPEN
        and auth.is_council_office(user)
    )


def can_lapse(user: User | None) -> bool:
    """Close the open councillor questions of a term that ended (``questions lapse``)."""
    return auth.is_council_office(user)


#: What a councillor may take up: a resident's open question, an initiative still in play
#: (an expired one too: support ran out, the matter did not).
ADOPTABLE_INITIATIVE_STATES = (
    InitiativeState.PUBLISHED,
    InitiativeState.AWAITING_RESPONSE,
    InitiativeState.EXPIRED,
)


def can_adopt_question(user: User | None, question: Question) -> bool:
    return (
        bool(auth.councillor_person_ids(user))
        and question.origin is Origin.RESIDENT
        and question.state in OPEN
    )


def can_adopt_initiative(user: User | None, initiative: Initiative) -> bool:
    return (
        bool(auth.councillor_person_ids(user)) and initiative.state in ADOPTABLE_INITIATIVE_STATES
    )


def can_manage_sessions(user: User | None) -> bool:
    return auth.is_council_office(user) or auth.is_administrator(user)


def can_manage_deadlines(user: User | None) -> bool:
    """Deadline rules and work-free days: administrators."""
    return auth.is_administrator(user)
