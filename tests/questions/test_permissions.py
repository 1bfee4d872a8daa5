"""Who may do what with a question, and with sessions: every role against every state, no database.

The table below is written out by hand from the rules as the issue and the docstrings state them,
one set of roles per permission, state and origin, never derived from the code under test. A
state a question of that origin cannot reach is ``NA`` and not tested: a councillor's question is
never moderated (so never submitted, rejected or withdrawn unpublished) and a resident's is never
merged or lapsed (``test_services.py`` shows the services refuse both).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.auth.models import Role, RoleGrant, User
from app.initiatives.models import Initiative, InitiativeState
from app.questions import permissions
from app.questions.models import Origin, Question, QuestionAuthor, QuestionState

_Q = QuestionState
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
KZ, UOP = 7, 8  # the responsible unit, another unit
CASE = "032-11/2026"

VISITOR = "visitor"
RESIDENT = "resident"
NEWCOMER = "another resident (not set up)"  # signed in, no public name yet
AUTHOR = "author"  # of the resident's question
COUNCILLOR_AUTHOR = "councillor author"  # poses the councillor's question
COUNCILLOR = "another councillor"
OFFICE = "council office"
OFFICIAL = "official of the unit"  # KZ, the responsible unit once one is chosen
OTHER_OFFICIAL = "official of another unit"  # UOP
MODERATOR = "moderator"
ADMIN = "administrator"
WHO = (
    VISITOR, RESIDENT, NEWCOMER, AUTHOR, COUNCILLOR_AUTHOR, COUNCILLOR, OFFICE, OFFICIAL,
    OTHER_OFFICIAL, MODERATOR, ADMIN,
)  # fmt: skip
#: The councillors' public person records.
PERSON = {COUNCILLOR_AUTHOR: 31, COUNCILLOR: 32}
ROLES = {
    COUNCILLOR_AUTHOR: RoleGrant(role=Role.COUNCILLOR, person_id=31),
    COUNCILLOR: RoleGrant(role=Role.COUNCILLOR, person_id=32),
    OFFICE: RoleGrant(role=Role.COUNCIL_OFFICE),
    OFFICIAL: RoleGrant(role=Role.OFFICIAL, org_unit_id=KZ),
    OTHER_OFFICIAL: RoleGrant(role=Role.OFFICIAL, org_unit_id=UOP),
    MODERATOR: RoleGrant(role=Role.MODERATOR),
    ADMIN: RoleGrant(role=Role.ADMINISTRATOR),
}


def account(who: str) -> User | None:
    if who == VISITOR:
        return None
    user = User(id=WHO.index(who) + 1, pseudonym=None if who == NEWCOMER else f"P{who}")
    user.role_grants = [ROLES[who]] if who in ROLES else []
    return user


#: Each state as the services leave it: (state, published, unit that has it, case number).
#: A question is posed or registered before anyone chose the unit; from "assigned" on, KZ has it.
STATES = {
    "submitted": (_Q.SUBMITTED, False, None, None),
    "rejected": (_Q.REJECTED, False, None, None),
    "posed": (_Q.POSED, True, None, None),
    "registered": (_Q.REGISTERED, True, None, CASE),
    "assigned": (_Q.ASSIGNED, True, KZ, None),
    "in_preparation": (_Q.IN_PREPARATION, True, KZ, CASE),
    "awaiting_signature": (_Q.AWAITING_SIGNATURE, True, KZ, CASE),
    "answered": (_Q.ANSWERED, True, KZ, CASE),
    "interim_answered": (_Q.INTERIM_ANSWERED, True, KZ, CASE),
    "partially_answered": (_Q.PARTIALLY_ANSWERED, True, KZ, CASE),
    "withdrawn": (_Q.WITHDRAWN, True, KZ, None),
    "withdrawn_unpublished": (_Q.WITHDRAWN, False, None, None),
    "merged": (_Q.MERGED, True, KZ, CASE),
    "lapsed": (_Q.LAPSED, True, KZ, None),
}


def question(origin: Origin, name: str) -> Question:
    state, published, unit, case = STATES[name]
    item = Question(
        id=100,
        origin=origin,
        state=state,
        responsible_unit_id=unit,
        case_number=case,
        published_at=NOW if published else None,
        # A due date from publication (or recording) on.
        due_on=date(2026, 12, 28) if published else None,
    )
    if origin is Origin.RESIDENT:
        item.author_id = WHO.index(AUTHOR) + 1
    else:
        item.authors = [QuestionAuthor(person_id=PERSON[COUNCILLOR_AUTHOR], position=0)]
    return item


Expected = frozenset[str] | None
NA = None  # a state this origin never reaches

EVERYONE = frozenset(WHO)
NOBODY: frozenset[str] = frozenset()
MODS = frozenset({MODERATOR, ADMIN})  # an administrator moderates too
AUTHOR_AND_MODS = MODS | {AUTHOR}
ONLY_AUTHOR = frozenset({AUTHOR})
#: Who answers while no unit is chosen (any official), and once KZ has it.
ANY_OFFICIAL = frozenset({OFFICIAL, OTHER_OFFICIAL, ADMIN})
THE_UNIT = frozenset({OFFICIAL, ADMIN})
#: Everyone signed in and set up, except whoever asked.
SUPPORTERS = EVERYONE - {VISITOR, NEWCOMER, AUTHOR}
COUNCILLORS = frozenset({COUNCILLOR_AUTHOR, COUNCILLOR})
_ = NOBODY

OPEN_NO_UNIT = ("posed", "registered")
OPEN_WITH_UNIT = (
    "assigned", "in_preparation", "awaiting_signature", "interim_answered", "partially_answered",
)  # fmt: skip

# fmt: off
#: permission -> state -> (roles allowed on a resident's question, on a councillor's).
MATRIX: dict[str, dict[str, tuple[Expected, Expected]]] = {
    "can_view": {
        "submitted":             (AUTHOR_AND_MODS, NA),
        "rejected":              (EVERYONE, NA),  # the title and the reason are public
        "posed":                 (EVERYONE, EVERYONE),
        "registered":            (EVERYONE, EVERYONE),
        "assigned":              (EVERYONE, EVERYONE),
        "in_preparation":        (EVERYONE, EVERYONE),
        "awaiting_signature":    (EVERYONE, EVERYONE),
        "answered":              (EVERYONE, EVERYONE),
        "interim_answered":      (EVERYONE, EVERYONE),
        "partially_answered":    (EVERYONE, EVERYONE),
        "withdrawn":             (EVERYONE, EVERYONE),
        "withdrawn_unpublished": (ONLY_AUTHOR, NA),
        "merged":                (NA, EVERYONE),
        "lapsed":                (NA, EVERYONE),
    },
    "can_view_body": {
        "submitted":             (AUTHOR_AND_MODS, NA),
        "rejected":              (AUTHOR_AND_MODS, NA),
        "posed":                 (EVERYONE, EVERYONE),
        "registered":            (EVERYONE, EVERYONE),
        "assigned":              (EVERYONE, EVERYONE),
        "in_preparation":        (EVERYONE, EVERYONE),
        "awaiting_signature":    (EVERYONE, EVERYONE),
        "answered":              (EVERYONE, EVERYONE),
        "interim_answered":      (EVERYONE, EVERYONE),
        "partially_answered":    (EVERYONE, EVERYONE),
        "withdrawn":             (EVERYONE, EVERYONE),
        "withdrawn_unpublished": (ONLY_AUTHOR, NA),
        "merged":                (NA, EVERYONE),
        "lapsed":                (NA, EVERYONE),
    },
    # The author while it waits, moderators until the municipality takes it up; a councillor
    # edits only their own, until the administration registers it; the office keeps the record.
    "can_edit": {
        "submitted":             (AUTHOR_AND_MODS, NA),
        "rejected":              (_, NA),
        "posed":                 (MODS, {COUNCILLOR_AUTHOR, OFFICE}),
        "registered":            (MODS, {OFFICE}),
        "assigned":              (MODS, {COUNCILLOR_AUTHOR, OFFICE}),
        "in_preparation":        (MODS, {OFFICE}),
        "awaiting_signature":    (MODS, {OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (MODS, {OFFICE}),
        "partially_answered":    (MODS, {OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_moderate": {
        "submitted":             (MODS, NA),
        "rejected":              (_, NA),
        "posed":                 (_, _),
        "registered":            (_, _),
        "assigned":              (_, _),
        "in_preparation":        (_, _),
        "awaiting_signature":    (_, _),
        "answered":              (_, _),
        "interim_answered":      (_, _),
        "partially_answered":    (_, _),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_withdraw": {
        "submitted":             (ONLY_AUTHOR, NA),
        "rejected":              (_, NA),
        "posed":                 (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "registered":            (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "assigned":              (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "in_preparation":        (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "awaiting_signature":    (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "partially_answered":    (ONLY_AUTHOR, {COUNCILLOR_AUTHOR, OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_support": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (SUPPORTERS, _),
        "registered":            (SUPPORTERS, _),
        "assigned":              (SUPPORTERS, _),
        "in_preparation":        (SUPPORTERS, _),
        "awaiting_signature":    (SUPPORTERS, _),
        "answered":              (_, _),
        "interim_answered":      (SUPPORTERS, _),
        "partially_answered":    (SUPPORTERS, _),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    # The first unit is chosen by moderation (the office), or by an official, while nobody has
    # it; after that it moves only by forwarding, with a public note.
    "can_assign": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (MODS | ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "registered":            (MODS | ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "assigned":              (_, _),
        "in_preparation":        (_, _),
        "awaiting_signature":    (_, _),
        "answered":              (_, _),
        "interim_answered":      (_, _),
        "partially_answered":    (_, _),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_forward": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (_, _),
        "registered":            (_, _),
        "assigned":              (THE_UNIT | {MODERATOR}, THE_UNIT | {OFFICE}),
        "in_preparation":        (THE_UNIT | {MODERATOR}, THE_UNIT | {OFFICE}),
        "awaiting_signature":    (THE_UNIT | {MODERATOR}, THE_UNIT | {OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (THE_UNIT | {MODERATOR}, THE_UNIT | {OFFICE}),
        "partially_answered":    (THE_UNIT | {MODERATOR}, THE_UNIT | {OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_register": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "registered":            (ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "assigned":              (THE_UNIT, THE_UNIT | {OFFICE}),
        "in_preparation":        (THE_UNIT, THE_UNIT | {OFFICE}),
        "awaiting_signature":    (THE_UNIT, THE_UNIT | {OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (THE_UNIT, THE_UNIT | {OFFICE}),
        "partially_answered":    (THE_UNIT, THE_UNIT | {OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_set_stage": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (ANY_OFFICIAL, ANY_OFFICIAL),
        "registered":            (ANY_OFFICIAL, ANY_OFFICIAL),
        "assigned":              (THE_UNIT, THE_UNIT),
        "in_preparation":        (THE_UNIT, THE_UNIT),
        "awaiting_signature":    (THE_UNIT, THE_UNIT),
        "answered":              (_, _),
        "interim_answered":      (THE_UNIT, THE_UNIT),
        "partially_answered":    (THE_UNIT, THE_UNIT),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_answer": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (ANY_OFFICIAL, ANY_OFFICIAL),
        "registered":            (ANY_OFFICIAL, ANY_OFFICIAL),
        "assigned":              (THE_UNIT, THE_UNIT),
        "in_preparation":        (THE_UNIT, THE_UNIT),
        "awaiting_signature":    (THE_UNIT, THE_UNIT),
        "answered":              (_, _),
        "interim_answered":      (THE_UNIT, THE_UNIT),
        "partially_answered":    (THE_UNIT, THE_UNIT),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_extend": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "registered":            (ANY_OFFICIAL, ANY_OFFICIAL | {OFFICE}),
        "assigned":              (THE_UNIT, THE_UNIT | {OFFICE}),
        "in_preparation":        (THE_UNIT, THE_UNIT | {OFFICE}),
        "awaiting_signature":    (THE_UNIT, THE_UNIT | {OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (THE_UNIT, THE_UNIT | {OFFICE}),
        "partially_answered":    (THE_UNIT, THE_UNIT | {OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_merge": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (_, {OFFICE}),
        "registered":            (_, {OFFICE}),
        "assigned":              (_, {OFFICE}),
        "in_preparation":        (_, {OFFICE}),
        "awaiting_signature":    (_, {OFFICE}),
        "answered":              (_, _),
        "interim_answered":      (_, {OFFICE}),
        "partially_answered":    (_, {OFFICE}),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
    "can_adopt_question": {
        "submitted":             (_, NA),
        "rejected":              (_, NA),
        "posed":                 (COUNCILLORS, _),
        "registered":            (COUNCILLORS, _),
        "assigned":              (COUNCILLORS, _),
        "in_preparation":        (COUNCILLORS, _),
        "awaiting_signature":    (COUNCILLORS, _),
        "answered":              (_, _),
        "interim_answered":      (COUNCILLORS, _),
        "partially_answered":    (COUNCILLORS, _),
        "withdrawn":             (_, _),
        "withdrawn_unpublished": (_, NA),
        "merged":                (NA, _),
        "lapsed":                (NA, _),
    },
}
# fmt: on

#: Cells where the app differs from the table: (permission, origin, state) -> the bug.
BUGS: dict[tuple[str, Origin, str], str] = {}


def _cases() -> list[object]:
    cases: list[object] = []
    for permission, rows in MATRIX.items():
        assert set(rows) == set(STATES), permission  # every state, written out
        for state, by_origin in rows.items():
            for origin, expected in zip(Origin, by_origin, strict=True):
                if expected is NA:
                    continue
                bug = BUGS.get((permission, origin, state))
                marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                name = f"{permission}-{origin.value}-{state}"
                cases.append(
                    pytest.param(permission, origin, state, expected, id=name, marks=marks)
                )
    return cases


@pytest.mark.parametrize(("permission", "origin", "state", "allowed"), _cases())
def test_matrix(permission: str, origin: Origin, state: str, allowed: frozenset[str]) -> None:
    check = getattr(permissions, permission)
    item = question(origin, state)
    outcome = {who: check(account(who), item) for who in WHO}
    assert outcome == {who: who in allowed for who in WHO}


def test_the_matrix_covers_both_origins_in_every_state() -> None:
    covered = {
        (origin, state)
        for rows in MATRIX.values()
        for state, by_origin in rows.items()
        for origin, expected in zip(Origin, by_origin, strict=True)
        if expected is not NA
    }
    assert len(covered) == 12 + 11  # 12 states of a resident's question, 11 of a councillor's


# --- what does not depend on a question -----------------------------------------------------

USER_LEVEL = {
    "can_ask": EVERYONE - {VISITOR, NEWCOMER},
    "can_record": {COUNCILLOR_AUTHOR, COUNCILLOR, OFFICE, ADMIN},
    "can_manage_sessions": {OFFICE, ADMIN},
    "can_lapse": {OFFICE},
    "can_manage_deadlines": {ADMIN},
}


@pytest.mark.parametrize(("permission", "allowed"), USER_LEVEL.items(), ids=USER_LEVEL)
def test_user_level(permission: str, allowed: set[str]) -> None:
    check = getattr(permissions, permission)
    assert {who: check(account(who)) for who in WHO} == {who: who in allowed for who in WHO}


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (InitiativeState.DRAFT, NOBODY),
        (InitiativeState.SUBMITTED, NOBODY),
        (InitiativeState.PUBLISHED, COUNCILLORS),
        (InitiativeState.AWAITING_RESPONSE, COUNCILLORS),
        (InitiativeState.EXPIRED, COUNCILLORS),  # support ran out, the matter did not
        (InitiativeState.ANSWERED, NOBODY),
        (InitiativeState.REJECTED, NOBODY),
        (InitiativeState.WITHDRAWN, NOBODY),
    ],
)
def test_can_adopt_initiative(state: InitiativeState, allowed: frozenset[str]) -> None:
    item = Initiative(id=5, author_id=WHO.index(RESIDENT) + 1, state=state)
    outcome = {who: permissions.can_adopt_initiative(account(who), item) for who in WHO}
    assert outcome == {who: who in allowed for who in WHO}


# --- particular rules --------------------------------------------------------------------------


def test_an_unmoderated_question_is_hidden_from_its_authors_deleted_account() -> None:
    author = account(AUTHOR)
    assert author is not None
    item = question(Origin.RESIDENT, "submitted")
    assert permissions.can_view(author, item)
    author.deleted_at = NOW
    assert not permissions.can_view(author, item)
    assert not permissions.can_withdraw(author, item)


def test_a_co_author_speaks_for_the_question_too() -> None:
    item = question(Origin.COUNCILLOR, "posed")
    item.authors.append(QuestionAuthor(person_id=PERSON[COUNCILLOR], position=1))
    assert permissions.can_edit(account(COUNCILLOR), item)
    assert permissions.can_withdraw(account(COUNCILLOR), item)
    assert permissions.is_councillor_author(account(COUNCILLOR), item)


def test_a_resident_author_who_lost_their_public_name_cannot_edit_but_can_withdraw() -> None:
    author = account(AUTHOR)
    assert author is not None
    author.pseudonym = None
    item = question(Origin.RESIDENT, "submitted")
    assert not permissions.can_edit(author, item)
    assert permissions.can_withdraw(author, item)


def test_nobody_extends_a_question_without_a_due_date() -> None:
    item = question(Origin.COUNCILLOR, "assigned")
    item.due_on = None  # no rule applied
    assert not any(permissions.can_extend(account(who), item) for who in WHO)


def test_any_official_answers_until_a_unit_is_chosen_then_only_that_unit() -> None:
    item = question(Origin.RESIDENT, "posed")
    assert permissions.can_answer(account(OTHER_OFFICIAL), item)
    item.responsible_unit_id = KZ
    assert not permissions.can_answer(account(OTHER_OFFICIAL), item)
    assert permissions.can_answer(account(OFFICIAL), item)
    item.responsible_unit_id = UOP  # forwarded
    assert permissions.can_answer(account(OTHER_OFFICIAL), item)
    assert not permissions.can_answer(account(OFFICIAL), item)


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ("posed", EVERYONE - {VISITOR}),
        ("interim_answered", EVERYONE - {VISITOR}),
        ("answered", NOBODY),
        ("withdrawn", NOBODY),
    ],
)
def test_can_withdraw_support(state: str, allowed: frozenset[str]) -> None:
    item = question(Origin.RESIDENT, state)
    outcome = {who: permissions.can_withdraw_support(account(who), item) for who in WHO}
    assert outcome == {who: who in allowed for who in WHO}
