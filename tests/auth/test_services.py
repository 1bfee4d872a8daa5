"""Account, session and role use cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth import accounts, identity, residency, roles, sessions
from app.auth.models import AuthSession, ResidencySource, Role, RoleGrant, User
from app.auth.oidc import Identity, LogoutRequest
from app.core.models import AuditEntry
from app.core.time import to_local, utcnow
from app.council.models import Person
from app.extensions import db
from app.initiatives import services as initiative_services
from app.initiatives.models import Initiative, Support
from app.org.models import OrgUnit, OrgUnitKind

pytestmark = pytest.mark.usefixtures("ctx")

ISSUER = "https://eid.example.si"
HIGH = "http://eidas.europa.eu/LoA/high"


def _today() -> date:
    return to_local(utcnow()).date()


def ident(subject: str = "sub-1", **claims: Any) -> Identity:
    base = {"sub": subject, "birthdate": "1980-01-01", "municipality_code": "052"}
    return Identity(issuer=ISSUER, subject=subject, acr=HIGH, sid="sid-1", claims=base | claims)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


class TestSubjectKey:
    def test_is_a_keyed_hash_not_the_subject(self) -> None:
        key = identity.subject_key(ISSUER, "12345678", pepper="p1")
        assert len(key) == 64
        assert "12345678" not in key
        assert key == identity.subject_key(ISSUER + "/", "12345678", pepper="p1")

    def test_differs_by_pepper_issuer_and_subject(self) -> None:
        keys = {
            identity.subject_key(ISSUER, "a", pepper="p1"),
            identity.subject_key(ISSUER, "a", pepper="p2"),
            identity.subject_key("https://other.example", "a", pepper="p1"),
            identity.subject_key(ISSUER, "b", pepper="p1"),
        }
        assert len(keys) == 4


class TestSignIn:
    def test_creates_an_account_with_derived_facts_only(self) -> None:
        user = identity.sign_in(ident())
        assert user.id is not None
        assert user.is_adult
        assert user.last_acr == HIGH
        assert user.residency_source is ResidencySource.EID
        assert user.pseudonym is None  # chosen on the welcome page

    def test_same_identity_same_account(self) -> None:
        assert identity.sign_in(ident()).id == identity.sign_in(ident()).id

    @pytest.mark.parametrize(
        ("birthdate", "adult"),
        [
            (_today().replace(year=_today().year - 18).isoformat(), True),
            ("2009-01-01", False),
        ],
    )
    def test_adult_from_birth_date(self, birthdate: str, adult: bool) -> None:
        assert identity.sign_in(ident(birthdate=birthdate)).is_adult is adult

    @pytest.mark.parametrize("birthdate", ["2015-05-05", None, "not a date", 19800101])
    def test_under_minimum_age_or_unknown_stores_nothing(self, birthdate: Any) -> None:
        claims = {"birthdate": birthdate} if birthdate is not None else {}
        who = ident(**claims)
        if birthdate is None:
            who.claims.pop("birthdate")
        with pytest.raises(identity.TooYoung):
            identity.sign_in(who)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    def test_minimum_age_zero_turns_the_check_off(self, app: Flask) -> None:
        app.config["MINIMUM_AGE"] = 0
        try:
            who = ident()
            who.claims.pop("birthdate")
            assert identity.sign_in(who).is_adult is False
        finally:
            app.config["MINIMUM_AGE"] = 15

    def test_non_resident_is_not_verified(self) -> None:
        assert identity.sign_in(ident(municipality_code="061")).resident_verified_at is None

    def test_moving_away_lapses_an_eid_verification(self) -> None:
        identity.sign_in(ident())
        user = identity.sign_in(ident(municipality_code="061"))
        assert user.resident_verified_at is None

    def test_an_officials_verification_survives_the_claim(self) -> None:
        user = identity.sign_in(ident(municipality_code="061"))
        roles.set_residency(None, user, verified=True)
        user = identity.sign_in(ident(municipality_code="061"))
        assert user.residency_source is ResidencySource.OFFICIAL

    def test_without_a_residency_rule_only_officials_verify(self, app: Flask) -> None:
        app.config["RESIDENCY_CLAIM"] = ""
        try:
            assert identity.sign_in(ident()).resident_verified_at is None
        finally:
            app.config["RESIDENCY_CLAIM"] = "municipality_code"


class TestSessions:
    def test_token_is_stored_only_as_a_hash(self) -> None:
        user = identity.sign_in(ident())
        token = sessions.start_session(user, acr=HIGH, provider_sid="sid-1")
        [auth] = db.session.scalars(sa.select(AuthSession))
        assert token not in (auth.token_hash, auth.provider_sid_hash)
        assert sessions.load_session(token) is auth

    def test_unknown_token(self) -> None:
        assert sessions.load_session("no-such-token") is None

    def test_idle_session_ends(self, app: Flask) -> None:
        user = identity.sign_in(ident())
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        assert sessions.load_session(token) is None
        assert auth.revoked_reason == "expired"

    def test_session_ends_at_its_maximum_whatever_the_activity(self) -> None:
        user = identity.sign_in(ident())
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.expires_at = utcnow() - timedelta(seconds=1)
        assert sessions.load_session(token) is None

    def test_loading_writes_nothing_and_activity_is_due_once_a_minute(self) -> None:
        user = identity.sign_in(ident())
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        auth = sessions.load_session(token)
        assert auth is not None
        seen = auth.last_seen_at
        assert not sessions.touch_due(auth, seen + timedelta(seconds=59))
        assert sessions.touch_due(auth, seen + timedelta(seconds=60))
        later = seen + timedelta(minutes=2)
        assert sessions.load_session(token, now=later) is auth
        assert auth.last_seen_at == seen  # the loader only reads; the request boundary writes
        sessions.touch(auth.id, later)
        db.session.expire(auth)
        assert auth.last_seen_at == later

    def test_a_touch_does_not_revive_an_ended_session(self) -> None:
        user = identity.sign_in(ident())
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        auth = sessions.load_session(token)
        assert auth is not None
        seen = auth.last_seen_at
        sessions.end_session(auth, "signed-out")
        sessions.touch(auth.id, seen + timedelta(minutes=5))
        db.session.expire(auth)
        assert auth.last_seen_at == seen

    def test_end_all_sessions(self) -> None:
        user = identity.sign_in(ident())
        tokens = [sessions.start_session(user, acr=HIGH, provider_sid=None) for _ in range(3)]
        assert sessions.end_all_sessions(user, "everywhere") == 3
        assert all(sessions.load_session(token) is None for token in tokens)
        assert sessions.active_sessions(user) == []


class TestBackchannelLogout:
    def test_by_sid_ends_only_that_session(self) -> None:
        user = identity.sign_in(ident())
        ended = sessions.start_session(user, acr=HIGH, provider_sid="sid-A")
        kept = sessions.start_session(user, acr=HIGH, provider_sid="sid-B")
        request = LogoutRequest(jti="j1", sid="sid-A", subject=None)
        assert sessions.backchannel_logout(request, issuer=ISSUER) == 1
        assert sessions.load_session(ended) is None
        assert sessions.load_session(kept) is not None

    def test_by_subject_ends_all_sessions_of_the_person(self) -> None:
        user = identity.sign_in(ident("sub-9"))
        tokens = [sessions.start_session(user, acr=HIGH, provider_sid=s) for s in ("a", "b")]
        request = LogoutRequest(jti="j2", sid=None, subject="sub-9")
        assert sessions.backchannel_logout(request, issuer=ISSUER) == 2
        assert all(sessions.load_session(token) is None for token in tokens)

    def test_a_replayed_token_is_refused(self) -> None:
        request = LogoutRequest(jti="j3", sid="x", subject=None)
        sessions.backchannel_logout(request, issuer=ISSUER)
        with pytest.raises(sessions.ReplayedLogoutToken):
            sessions.backchannel_logout(request, issuer=ISSUER)


class TestPseudonym:
    def _user(self, subject: str = "s") -> User:
        return identity.sign_in(ident(subject))

    def test_set_and_normalised(self) -> None:
        user = self._user()
        accounts.set_pseudonym(user, "  Ana   s  Planine ")
        assert user.pseudonym == "Ana s Planine"
        assert user.pseudonym_key == "ana s planine"

    @pytest.mark.parametrize("other", ["ANA S PLANINE", "Ána š Planine", "ana-s-planine"])
    def test_unique_ignoring_case_accents_and_punctuation(self, other: str) -> None:
        accounts.set_pseudonym(self._user("a"), "Ana s Planine")
        with pytest.raises(accounts.PseudonymTaken):
            accounts.set_pseudonym(self._user("b"), other)

    def test_keeping_ones_own_name_is_fine(self) -> None:
        user = self._user()
        accounts.set_pseudonym(user, "Ana")
        accounts.set_pseudonym(user, "ana")
        assert user.pseudonym == "ana"

    @pytest.mark.parametrize(
        "name", ["Župan Kranja", "Mestna občina Kranj", "Admin", "Moderatorka Nina", "Svetnik X"]
    )
    def test_residents_cannot_look_official(self, name: str) -> None:
        with pytest.raises(accounts.PseudonymNotAllowed):
            accounts.set_pseudonym(self._user(), name)

    def test_staff_may_name_their_office(self) -> None:
        user = self._user()
        roles.grant_role(None, user, Role.MODERATOR)
        accounts.set_pseudonym(user, "Nina (moderatorka)")
        assert user.pseudonym == "Nina (moderatorka)"

    def test_a_councillors_name_is_theirs_alone(self) -> None:
        person = Person(name="Petra Novak")
        db.session.add(person)
        with pytest.raises(accounts.PseudonymNotAllowed):
            accounts.set_pseudonym(self._user("a"), "petra  novák")
        councillor = self._user("b")
        roles.grant_role(None, councillor, Role.COUNCILLOR, person=person)
        accounts.set_pseudonym(councillor, "Petra Novak")


class TestDeleteAccount:
    def test_erases_the_person_and_keeps_a_tombstone(self) -> None:
        user = identity.sign_in(ident())
        accounts.set_pseudonym(user, "Ana")
        user.email = "ana@example.si"
        roles.grant_role(None, user, Role.MODERATOR)
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        key = user.subject_key

        accounts.delete_account(user)

        assert (user.pseudonym, user.pseudonym_key, user.email) == (None, None, None)
        assert user.role_grants == []
        assert user.deleted_at is not None
        assert user.former_subject_key == key
        assert user.subject_key == f"deleted:{user.id}"
        assert sessions.load_session(token) is None
        assert "account.delete" in audit_actions()

    def test_a_returning_person_gets_a_new_account(self) -> None:
        user = identity.sign_in(ident())
        key = user.subject_key
        accounts.delete_account(user)
        again = identity.sign_in(ident())
        assert again.id != user.id
        assert (again.deleted_at, again.pseudonym) == (None, None)
        assert again.subject_key == key
        # The tombstone keeps the key only where sign-in never looks.
        assert (user.subject_key, user.former_subject_key) == (f"deleted:{user.id}", key)
        assert identity.sign_in(ident()).id == again.id

    def test_deleting_twice_leaves_two_tombstones_of_the_same_person(self) -> None:
        first = identity.sign_in(ident())
        accounts.delete_account(first)
        second = identity.sign_in(ident())
        accounts.delete_account(second)
        third = identity.sign_in(ident())
        assert len({first.id, second.id, third.id}) == 3
        assert first.former_subject_key == second.former_subject_key == third.subject_key


class TestExport:
    def test_contains_the_account_roles_and_sessions(self) -> None:
        user = identity.sign_in(ident())
        accounts.set_pseudonym(user, "Ana")
        roles.grant_role(None, user, Role.MODERATOR)
        sessions.start_session(user, acr=HIGH, provider_sid=None)
        data = accounts.export_data(user)
        assert data["account"]["pseudonym"] == "Ana"
        assert data["roles"][0]["role"] == "moderator"
        assert len(data["sessions"]) == 1
        assert "subject_key" not in str(data)


class TestRoles:
    def _unit(self) -> OrgUnit:
        unit = OrgUnit(code="KZ", name="Kabinet župana", kind=OrgUnitKind.CABINET)
        db.session.add(unit)
        return unit

    def test_grant_and_revoke_are_audited(self) -> None:
        admin = identity.sign_in(ident("admin"))
        roles.grant_role(None, admin, Role.ADMINISTRATOR)
        user = identity.sign_in(ident("u"))
        grant = roles.grant_role(admin, user, Role.OFFICIAL, org_unit=self._unit())
        roles.revoke_role(admin, grant)
        assert audit_actions() == ["role.grant", "role.grant", "role.revoke"]
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        assert entry.actor_id == admin.id
        assert entry.data["org_unit"] == "KZ"

    @pytest.mark.parametrize(
        ("role", "with_unit", "with_person"),
        [
            (Role.OFFICIAL, False, False),
            (Role.OFFICIAL, True, True),
            (Role.COUNCILLOR, False, False),
            (Role.MODERATOR, True, False),
            (Role.ADMINISTRATOR, False, True),
        ],
    )
    def test_role_needs_exactly_its_object(
        self, role: Role, with_unit: bool, with_person: bool
    ) -> None:
        user = identity.sign_in(ident())
        unit = self._unit() if with_unit else None
        person = Person(name="P") if with_person else None
        with pytest.raises(roles.InvalidRoleGrant):
            roles.grant_role(None, user, role, org_unit=unit, person=person)

    def test_twice_is_refused(self) -> None:
        user = identity.sign_in(ident())
        roles.grant_role(None, user, Role.MODERATOR)
        with pytest.raises(roles.AlreadyGranted):
            roles.grant_role(None, user, Role.MODERATOR)

    def test_official_of_two_units(self) -> None:
        user = identity.sign_in(ident())
        second = OrgUnit(code="UOP", name="Urad za okolje in prostor", kind=OrgUnitKind.OFFICE)
        roles.grant_role(None, user, Role.OFFICIAL, org_unit=self._unit())
        roles.grant_role(None, user, Role.OFFICIAL, org_unit=second)
        assert len(user.role_grants) == 2

    def test_database_refuses_a_duplicate_even_past_the_service(self) -> None:
        user = identity.sign_in(ident())
        roles.grant_role(None, user, Role.MODERATOR)
        db.session.add(RoleGrant(user_id=user.id, role=Role.MODERATOR))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()

    def test_only_administrators_grant(self) -> None:
        actor = identity.sign_in(ident("actor"))
        roles.grant_role(None, actor, Role.MODERATOR)
        with pytest.raises(roles.NotAllowed):
            roles.grant_role(actor, identity.sign_in(ident("x")), Role.MODERATOR)

    def test_the_last_administrator_cannot_drop_the_role(self) -> None:
        admin = identity.sign_in(ident("admin"))
        grant = roles.grant_role(None, admin, Role.ADMINISTRATOR)
        with pytest.raises(roles.NotAllowed):
            roles.revoke_role(admin, grant)

    def test_residency_by_hand_is_audited(self) -> None:
        user = identity.sign_in(ident(municipality_code="061"))
        roles.set_residency(None, user, verified=True)
        assert user.residency_source is ResidencySource.OFFICIAL
        roles.set_residency(None, user, verified=False)
        assert user.resident_verified_at is None
        assert audit_actions()[-2:] == ["resident.verify", "resident.unverify"]


class TestReviewFindings:
    """Cases a security review found; each stays fixed."""

    def test_rotating_the_pepper_keeps_the_account(self, app: Flask) -> None:
        user = identity.sign_in(ident("rotating"))
        old_key, old_pepper = user.subject_key, app.config["SUBJECT_PEPPER"]
        app.config.update(
            SUBJECT_PEPPER="n" * 40,
            SUBJECT_PEPPER_VERSION=2,
            SUBJECT_PEPPER_PREVIOUS={"1": old_pepper},
        )
        try:
            again = identity.sign_in(ident("rotating"))
            assert again.id == user.id
            assert again.subject_key != old_key
            assert again.subject_key_version == 2
            assert identity.sign_in(ident("rotating")).id == user.id  # now by the new key
        finally:
            app.config.update(
                SUBJECT_PEPPER=old_pepper, SUBJECT_PEPPER_VERSION=1, SUBJECT_PEPPER_PREVIOUS={}
            )

    def test_backchannel_by_subject_finds_an_account_under_an_old_pepper(self, app: Flask) -> None:
        user = identity.sign_in(ident("old"))
        token = sessions.start_session(user, acr=HIGH, provider_sid=None)
        old_pepper = app.config["SUBJECT_PEPPER"]
        app.config.update(SUBJECT_PEPPER="n" * 40, SUBJECT_PEPPER_PREVIOUS={"1": old_pepper})
        try:
            request = LogoutRequest(jti="j-old", sid=None, subject="old")
            assert sessions.backchannel_logout(request, issuer=ISSUER) == 1
            assert sessions.load_session(token) is None
        finally:
            app.config.update(SUBJECT_PEPPER=old_pepper, SUBJECT_PEPPER_PREVIOUS={})

    @pytest.mark.parametrize(
        "name", ["Žup\u0430n", "\u041ebčina Kranj", "Tina\u3164", "\u01c6" * 40, "ß" * 40]
    )
    def test_look_alike_and_overlong_names_are_refused(self, name: str) -> None:
        with pytest.raises(accounts.PseudonymInvalid):
            accounts.set_pseudonym(identity.sign_in(ident()), name)

    def test_nobody_verifies_their_own_residence(self) -> None:
        official = identity.sign_in(ident("official", municipality_code="061"))
        unit = OrgUnit(code="KZ", name="Kabinet župana", kind=OrgUnitKind.CABINET)
        roles.grant_role(None, official, Role.OFFICIAL, org_unit=unit)
        with pytest.raises(roles.NotAllowed):
            roles.set_residency(official, official, verified=True)
        other = identity.sign_in(ident("other", municipality_code="061"))
        roles.set_residency(official, other, verified=True)
        assert other.resident_verified_at is not None

    def test_the_last_administrator_cannot_delete_the_account(self) -> None:
        admin = identity.sign_in(ident("admin"))
        roles.grant_role(None, admin, Role.ADMINISTRATOR)
        with pytest.raises(accounts.LastAdministrator):
            accounts.delete_account(admin)

    @pytest.mark.parametrize(
        ("birthdate", "allowed"),
        [
            ("1980", True),
            (str(_today().year - 15), False),
            ("0000-05-05", False),
            ("2999-01-01", False),
        ],
    )
    def test_year_only_and_odd_birth_dates(self, birthdate: str, allowed: bool) -> None:
        if allowed:
            assert identity.sign_in(ident(birthdate=birthdate)).is_adult
        else:
            with pytest.raises(identity.TooYoung):
                identity.sign_in(ident(birthdate=birthdate))


class TestReturningPerson:
    """Defect 2 of issue 7: the old work and supports of a deleted account stay anonymous."""

    @pytest.fixture
    def item(self, make_initiative) -> Initiative:
        initiative = db.session.get(Initiative, make_initiative())
        assert initiative is not None
        return initiative

    def _resident(self, subject: str = "ret", name: str = "Ana") -> User:
        user = identity.sign_in(ident(subject))
        accounts.set_pseudonym(user, name)
        return user

    def test_cannot_support_again_nor_withdraw_the_old_support(self, item: Initiative) -> None:
        old = self._resident()
        initiative_services.support(old, item)
        accounts.delete_account(old)
        back = self._resident(name="Ana Nova")
        with pytest.raises(initiative_services.AlreadySupported):
            initiative_services.support(back, item)
        with pytest.raises(initiative_services.NotSupported):
            initiative_services.withdraw_support(back, item)
        assert item.support_count == 1
        assert list(db.session.scalars(sa.select(Support.user_id))) == [old.id]

    def test_cannot_support_what_the_old_account_proposed(self, make_initiative) -> None:
        old = self._resident()
        item = db.session.get(Initiative, make_initiative(author_id=old.id))
        accounts.delete_account(old)
        back = self._resident(name="Ana Nova")
        with pytest.raises(initiative_services.AlreadySupported):
            initiative_services.support(back, item)  # type: ignore[arg-type]

    def test_others_and_the_new_account_itself_are_unaffected(self, item: Initiative) -> None:
        old = self._resident()
        accounts.delete_account(old)
        back = self._resident(name="Ana Nova")
        initiative_services.support(back, item)
        initiative_services.support(self._resident("someone else", "Tone"), item)
        assert item.support_count == 2

    def test_the_old_work_is_not_in_the_new_accounts_data(self, item: Initiative) -> None:
        old = self._resident()
        initiative_services.support(old, item)
        accounts.delete_account(old)
        data = accounts.export_data(self._resident(name="Ana Nova"))
        assert (data["initiatives"], data["supports"]) == ([], [])

    def test_pepper_rotation_rekeys_the_tombstones_too(self, app: Flask, item: Initiative) -> None:
        old = self._resident()
        initiative_services.support(old, item)
        accounts.delete_account(old)
        old_pepper = app.config["SUBJECT_PEPPER"]
        app.config.update(
            SUBJECT_PEPPER="n" * 40,
            SUBJECT_PEPPER_VERSION=2,
            SUBJECT_PEPPER_PREVIOUS={"1": old_pepper},
        )
        try:
            back = self._resident(name="Ana Nova")
            assert back.subject_key_version == 2
            assert old.former_subject_key == back.subject_key
            assert old.subject_key_version == 2
            with pytest.raises(initiative_services.AlreadySupported):
                initiative_services.support(back, item)
        finally:
            app.config.update(
                SUBJECT_PEPPER=old_pepper, SUBJECT_PEPPER_VERSION=1, SUBJECT_PEPPER_PREVIOUS={}
            )


class TestResidencyInstructions:
    def test_only_administrators_change_them(self) -> None:
        official = identity.sign_in(ident("official"))
        unit = OrgUnit(code="KZ", name="Kabinet župana", kind=OrgUnitKind.CABINET)
        roles.grant_role(None, official, Role.OFFICIAL, org_unit=unit)
        with pytest.raises(residency.NotAllowed):
            residency.save(official, {"sl": "Pridite."})
        assert residency.texts() == {"sl": "", "en": ""}

    def test_saved_audited_and_each_language_falls_back(self) -> None:
        admin = identity.sign_in(ident("admin"))
        roles.grant_role(None, admin, Role.ADMINISTRATOR)
        assert residency.save(admin, {"sl": " Pridite v *sobo 12*. ", "en": ""})
        assert residency.texts() == {"sl": "Pridite v *sobo 12*.", "en": ""}
        assert audit_actions()[-1] == "settings.change"
        english = residency.instructions("en")
        assert (english.language, english.html) == ("sl", "<p>Pridite v <em>sobo 12</em>.</p>\n")
        assert not residency.save(admin, {"sl": "Pridite v *sobo 12*.", "en": ""})

    def test_the_placeholder_until_then(self, app: Flask) -> None:
        shown = residency.instructions("en")
        assert shown.language == "en"
        assert app.config["ORGANISATION_ADDRESS"] in shown.html

    def test_too_long_is_refused(self) -> None:
        with pytest.raises(ValueError, match="too long"):
            residency.save(None, {"sl": "x" * (residency.MAX_LENGTH + 1)})
