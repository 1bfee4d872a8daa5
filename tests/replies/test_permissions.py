"""Who may do what with a reply letter: every actor against every state, no database.

The table below is written out by hand from the rules (``reply-letter.md`` and the brief of the
letter's workflow), one set of actors per permission and state, never derived from the code
under test:

- only officials of the issuing unit act on a letter;
- the drafter never reviews it (four eyes): another official of the unit approves or returns;
- officials of the answering units read the internal letter, and do nothing else with it;
- nobody else sees a draft, a letter in review, a signed or a sent letter: not the public, not
  other units, not moderators, the council office or administrators;
- published, corrected and retracted letters are public.

``approved`` is a letter in review that the second official approved (``approved_at`` set): the
state is still ``in_review``, but it now waits for the signed original.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.auth.models import Role, RoleGrant, User
from app.replies import permissions
from app.replies.models import (
    Reply,
    ReplyState,
    ReplyType,
    ReplyUnit,
    SignatureMethod,
)

_R = ReplyState
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
KZ, UOP, UGDP = 7, 8, 9  # the issuing unit, another answering unit, an unrelated unit

ANONYMOUS = "anonymous"
RESIDENT = "resident"
DRAFTER = "drafter"  # an official of the issuing unit (KZ) who wrote the draft
COLLEAGUE = "another official of the issuing unit"  # KZ
ANSWERING = "official of an answering unit"  # UOP, named among the answering units
UNRELATED = "official of an unrelated unit"  # UGDP
MODERATOR = "moderator"
OFFICE = "council office"
ADMIN = "administrator"
COUNCILLOR = "councillor"
WHO = (
    ANONYMOUS, RESIDENT, DRAFTER, COLLEAGUE, ANSWERING, UNRELATED, MODERATOR, OFFICE, ADMIN,
    COUNCILLOR,
)  # fmt: skip
ROLES = {
    DRAFTER: RoleGrant(role=Role.OFFICIAL, org_unit_id=KZ),
    COLLEAGUE: RoleGrant(role=Role.OFFICIAL, org_unit_id=KZ),
    ANSWERING: RoleGrant(role=Role.OFFICIAL, org_unit_id=UOP),
    UNRELATED: RoleGrant(role=Role.OFFICIAL, org_unit_id=UGDP),
    MODERATOR: RoleGrant(role=Role.MODERATOR),
    OFFICE: RoleGrant(role=Role.COUNCIL_OFFICE),
    ADMIN: RoleGrant(role=Role.ADMINISTRATOR),
    COUNCILLOR: RoleGrant(role=Role.COUNCILLOR, person_id=31),
}


def user_id(who: str) -> int:
    return WHO.index(who) + 1


def account(who: str) -> User | None:
    if who == ANONYMOUS:
        return None
    user = User(id=user_id(who), pseudonym=f"P{who}")
    user.role_grants = [ROLES[who]] if who in ROLES else []
    return user


#: Each state as the services leave it: (state, approved, signed, sent, published).
STATES = {
    "draft": (_R.DRAFT, False, False, False, False),
    "in_review": (_R.IN_REVIEW, False, False, False, False),
    "approved": (_R.IN_REVIEW, True, False, False, False),
    "signed": (_R.SIGNED, True, True, False, False),
    "sent": (_R.SENT, True, True, True, False),
    "published": (_R.PUBLISHED, True, True, True, True),
    "corrected": (_R.CORRECTED, True, True, True, True),
    "retracted": (_R.RETRACTED, True, True, True, True),
}


def letter(name: str, *, drafted_by: str | None = DRAFTER) -> Reply:
    """An unsaved letter of KZ, answered by KZ and UOP, in the state ``name``."""
    state, approved, signed, sent, published = STATES[name]
    return Reply(
        id=50,
        state=state,
        reply_type=ReplyType.FULL,
        reference_number="032-11/2026-2",
        case_number="032-11/2026",
        document_seq=2,
        letter_date=date(2026, 11, 20),
        issuer_unit_id=KZ,
        answering_units=[ReplyUnit(unit_id=KZ, position=0), ReplyUnit(unit_id=UOP, position=1)],
        drafted_by_id=user_id(drafted_by) if drafted_by else None,
        reviewed_by_id=user_id(COLLEAGUE) if approved else None,
        approved_at=NOW if approved else None,
        signed_at=NOW if signed else None,
        signature_method=SignatureMethod.QUALIFIED_ESIGNATURE
        if signed
        else SignatureMethod.UNKNOWN,
        signed_pdf_sha256="ab" * 32 if signed else None,
        sent_at=NOW if sent else None,
        published_at=NOW if published else None,
        retraction_reason="Napačen prejemnik." if name == "retracted" else None,
        imported=False,
    )


Expected = frozenset[str]
EVERYONE = frozenset(WHO)
NOBODY: frozenset[str] = frozenset()
_ = NOBODY
#: The officials of the issuing unit: they do everything that is done with the letter.
ISSUER = frozenset({DRAFTER, COLLEAGUE})
#: Who sees a letter before it is public: the issuing unit and the answering units.
INSIDE = ISSUER | {ANSWERING}
#: Four eyes: the drafter never reviews their own letter.
REVIEWER = frozenset({COLLEAGUE})

# fmt: off
#: permission -> state -> the actors allowed.
MATRIX: dict[str, dict[str, Expected]] = {
    "can_view": {
        "draft":     INSIDE,
        "in_review": INSIDE,
        "approved":  INSIDE,
        "signed":    INSIDE,
        "sent":      INSIDE,
        "published": EVERYONE,
        "corrected": EVERYONE,  # still readable, marked corrected
        "retracted": EVERYONE,  # still listed, with its public reason
    },
    "can_edit": {
        "draft":     ISSUER,
        "in_review": _,  # it goes back to draft first
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": _,  # never edited again: corrected or retracted
        "corrected": _,
        "retracted": _,
    },
    "can_submit": {
        "draft":     ISSUER,
        "in_review": _,
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    "can_review": {
        "draft":     _,
        "in_review": REVIEWER,
        "approved":  _,  # reviewed already
        "signed":    _,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    "can_sign": {
        "draft":     _,
        "in_review": _,  # not before the approval
        "approved":  ISSUER,
        "signed":    _,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    "can_send": {
        "draft":     _,
        "in_review": _,
        "approved":  _,
        "signed":    ISSUER,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    "can_publish": {
        "draft":     _,
        "in_review": _,
        "approved":  _,
        "signed":    _,  # the letter leaves first: the public clock stops at sending
        "sent":      ISSUER,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    "can_correct": {
        "draft":     _,
        "in_review": _,
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": ISSUER,
        "corrected": _,  # corrected already
        "retracted": _,
    },
    "can_retract": {
        "draft":     _,
        "in_review": _,
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": ISSUER,
        "corrected": _,
        "retracted": _,
    },
    "can_delete": {
        "draft":     ISSUER,  # a draft never sent may be thrown away
        "in_review": _,
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
    # Annexes (add_annex, remove_annex): while drafting only, since they are part of what the
    # second official approves. (The signed original is ``sign``'s, under ``can_sign``.)
    "can_manage_files": {
        "draft":     ISSUER,
        "in_review": _,
        "approved":  _,
        "signed":    _,
        "sent":      _,
        "published": _,
        "corrected": _,
        "retracted": _,
    },
}
# fmt: on


def _cases() -> list[object]:
    cases: list[object] = []
    for permission, rows in MATRIX.items():
        assert set(rows) == set(STATES), permission  # every state, written out
        for state, allowed in rows.items():
            cases.append(pytest.param(permission, state, allowed, id=f"{permission}-{state}"))
    return cases


@pytest.mark.parametrize(("permission", "state", "allowed"), _cases())
def test_matrix(permission: str, state: str, allowed: Expected) -> None:
    check = getattr(permissions, permission)
    item = letter(state)
    outcome = {who: check(account(who), item) for who in WHO}
    assert outcome == {who: who in allowed for who in WHO}


def test_the_matrix_is_complete() -> None:
    cells = sum(len(rows) for rows in MATRIX.values()) * len(WHO)
    assert cells == 11 * 8 * 10


# --- drafting: for a unit, not a letter --------------------------------------------------------

#: issuing unit (None: "for any unit", the link on the pages) -> who may draft for it.
DRAFTING: dict[int | None, Expected] = {
    KZ: ISSUER,
    UOP: frozenset({ANSWERING}),
    UGDP: frozenset({UNRELATED}),
    None: frozenset({DRAFTER, COLLEAGUE, ANSWERING, UNRELATED}),
}


@pytest.mark.parametrize(("unit", "allowed"), DRAFTING.items(), ids=lambda v: str(v))
def test_can_draft(unit: int | None, allowed: Expected) -> None:
    outcome = {who: permissions.can_draft(account(who), unit) for who in WHO}
    assert outcome == {who: who in allowed for who in WHO}


def test_the_internal_list_is_for_officials_only() -> None:
    outcome = {who: permissions.can_view_internal_list(account(who)) for who in WHO}
    assert outcome == {who: who in {DRAFTER, COLLEAGUE, ANSWERING, UNRELATED} for who in WHO}


# --- verdicts: whoever asked, or a supporter, on the published letter ---------------------------

SIGNED_IN = EVERYONE - {ANONYMOUS}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    ("asker", "supporter"), [(True, False), (False, True), (True, True), (False, False)]
)
def test_can_give_verdict(state: str, asker: bool, supporter: bool) -> None:
    allowed = SIGNED_IN if state == "published" and (asker or supporter) else NOBODY
    item = letter(state)
    outcome = {
        who: permissions.can_give_verdict(account(who), item, asker=asker, supporter=supporter)
        for who in WHO
    }
    assert outcome == {who: who in allowed for who in WHO}


# --- particular rules ----------------------------------------------------------------------------


def test_the_drafter_may_never_review_but_a_colleague_may() -> None:
    item = letter("draft")
    assert not permissions.could_review(account(DRAFTER), item)
    assert permissions.could_review(account(COLLEAGUE), item)
    assert not permissions.could_review(account(ANSWERING), item)
    assert permissions.is_drafter(account(DRAFTER), item)
    assert not permissions.is_drafter(account(COLLEAGUE), item)
    assert not permissions.is_drafter(None, item)


def test_a_letter_imported_from_the_command_line_is_reviewed_by_any_official_of_the_unit() -> None:
    item = letter("in_review", drafted_by=None)  # no drafter: the CLI imported it
    outcome = {who: permissions.can_review(account(who), item) for who in WHO}
    assert outcome == {who: who in ISSUER for who in WHO}


def test_a_deleted_account_of_the_unit_does_nothing_and_sees_nothing_internal() -> None:
    for who in (DRAFTER, COLLEAGUE, ANSWERING):
        gone = account(who)
        assert gone is not None
        gone.deleted_at = NOW
        for name in ("draft", "in_review", "approved", "signed", "sent"):
            item = letter(name)
            assert not permissions.can_view(gone, item), (who, name)
            assert not any(
                getattr(permissions, permission)(gone, item)
                for permission in MATRIX
                if permission != "can_view"
            ), (who, name)
        assert permissions.can_view(gone, letter("published"))  # what anybody may
        assert not permissions.can_draft(gone, KZ)


def test_a_published_letter_with_a_correction_in_the_works_is_not_corrected_twice() -> None:
    item = letter("published")
    item.superseded_by = letter("draft")
    assert not any(permissions.can_correct(account(who), item) for who in WHO)
    # It can still be retracted (the correction in the works does not stop that).
    assert {who for who in WHO if permissions.can_retract(account(who), item)} == ISSUER


def test_an_official_of_several_units_acts_for_the_issuing_one() -> None:
    both = account(ANSWERING)
    assert both is not None
    both.role_grants = [*both.role_grants, RoleGrant(role=Role.OFFICIAL, org_unit_id=KZ)]
    item = letter("draft")
    assert permissions.can_edit(both, item)
    assert permissions.can_submit(both, item)


def test_answering_officials_of_a_letter_without_answering_units_see_nothing() -> None:
    item = letter("draft")
    item.answering_units = []
    assert not permissions.can_view(account(ANSWERING), item)
    assert permissions.can_view(account(DRAFTER), item)
