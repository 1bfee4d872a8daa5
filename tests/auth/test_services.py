"""Account, session and role use cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth import services
from app.auth.models import AuthSession, ResidencySource, Role, RoleGrant, User
from app.auth.oidc import Identity, LogoutRequest
from app.core.models import AuditEntry
from app.core.time import to_local, utcnow
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind

pytestmark = pytest.mark.usefixtures("ctx")

ISSUER = "https://eid.example.si"
HIGH = "http://eidas.europa.eu/LoA/high"


def _today() -> date:
    return to_local(utcnow()).date()


def identity(subject: str = "sub-1", **claims: Any) -> Identity:
    base = {"sub": subject, "birthdate": "1980-01-01", "municipality_code": "052"}
    return Identity(issuer=ISSUER, subject=subject, acr=HIGH, sid="sid-1", claims=base | claims)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


class TestSubjectKey:
    def test_is_a_keyed_hash_not_the_subject(self) -> None:
        key = services.subject_key(ISSUER, "12345678", pepper="p1")
        assert len(key) == 64
        assert "12345678" not in key
        assert key == services.subject_key(ISSUER + "/", "12345678", pepper="p1")

    def test_differs_by_pepper_issuer_and_subject(self) -> None:
        keys = {
            services.subject_key(ISSUER, "a", pepper="p1"),
            services.subject_key(ISSUER, "a", pepper="p2"),
            services.subject_key("https://other.example", "a", pepper="p1"),
            services.subject_key(ISSUER, "b", pepper="p1"),
        }
        assert len(keys) == 4


class TestSignIn:
    def test_creates_an_account_with_derived_facts_only(self) -> None:
        user = services.sign_in(identity())
        assert user.id is not None
        assert user.is_adult
        assert user.last_acr == HIGH
        assert user.residency_source is ResidencySource.EID
        assert user.pseudonym is None  # chosen on the welcome page

    def test_same_identity_same_account(self) -> None:
        assert services.sign_in(identity()).id == services.sign_in(identity()).id

    @pytest.mark.parametrize(
        ("birthdate", "adult"),
        [
            (_today().replace(year=_today().year - 18).isoformat(), True),
            ("2009-01-01", False),
        ],
    )
    def test_adult_from_birth_date(self, birthdate: str, adult: bool) -> None:
        assert services.sign_in(identity(birthdate=birthdate)).is_adult is adult

    @pytest.mark.parametrize("birthdate", ["2015-05-05", None, "not a date", 19800101])
    def test_under_minimum_age_or_unknown_stores_nothing(self, birthdate: Any) -> None:
        claims = {"birthdate": birthdate} if birthdate is not None else {}
        ident = identity(**claims)
        if birthdate is None:
            ident.claims.pop("birthdate")
        with pytest.raises(services.TooYoung):
            services.sign_in(ident)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    def test_minimum_age_zero_turns_the_check_off(self, app: Flask) -> None:
        app.config["MINIMUM_AGE"] = 0
        try:
            ident = identity()
            ident.claims.pop("birthdate")
            assert services.sign_in(ident).is_adult is False
        finally:
            app.config["MINIMUM_AGE"] = 15

    def test_non_resident_is_not_verified(self) -> None:
        assert services.sign_in(identity(municipality_code="061")).resident_verified_at is None

    def test_moving_away_lapses_an_eid_verification(self) -> None:
        services.sign_in(identity())
        user = services.sign_in(identity(municipality_code="061"))
        assert user.resident_verified_at is None

    def test_an_officials_verification_survives_the_claim(self) -> None:
        user = services.sign_in(identity(municipality_code="061"))
        services.set_residency(None, user, verified=True)
        user = services.sign_in(identity(municipality_code="061"))
        assert user.residency_source is ResidencySource.OFFICIAL

    def test_without_a_residency_rule_only_officials_verify(self, app: Flask) -> None:
        app.config["RESIDENCY_CLAIM"] = ""
        try:
            assert services.sign_in(identity()).resident_verified_at is None
        finally:
            app.config["RESIDENCY_CLAIM"] = "municipality_code"


class TestSessions:
    def test_token_is_stored_only_as_a_hash(self) -> None:
        user = services.sign_in(identity())
        token = services.start_session(user, acr=HIGH, provider_sid="sid-1")
        [auth] = db.session.scalars(sa.select(AuthSession))
        assert token not in (auth.token_hash, auth.provider_sid_hash)
        assert services.load_session(token) is auth

    def test_unknown_token(self) -> None:
        assert services.load_session("no-such-token") is None

    def test_idle_session_ends(self, app: Flask) -> None:
        user = services.sign_in(identity())
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        assert services.load_session(token) is None
        assert auth.revoked_reason == "expired"

    def test_session_ends_at_its_maximum_whatever_the_activity(self) -> None:
        user = services.sign_in(identity())
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.expires_at = utcnow() - timedelta(seconds=1)
        assert services.load_session(token) is None

    def test_activity_is_written_at_most_once_a_minute(self) -> None:
        user = services.sign_in(identity())
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        auth = services.load_session(token)
        assert auth is not None
        seen = auth.last_seen_at
        assert services.load_session(token).last_seen_at == seen  # type: ignore[union-attr]
        auth.last_seen_at = seen - timedelta(minutes=2)
        assert services.load_session(token).last_seen_at > seen - timedelta(minutes=2)  # type: ignore[union-attr]

    def test_end_all_sessions(self) -> None:
        user = services.sign_in(identity())
        tokens = [services.start_session(user, acr=HIGH, provider_sid=None) for _ in range(3)]
        assert services.end_all_sessions(user, "everywhere") == 3
        assert all(services.load_session(token) is None for token in tokens)
        assert services.active_sessions(user) == []


class TestBackchannelLogout:
    def test_by_sid_ends_only_that_session(self) -> None:
        user = services.sign_in(identity())
        ended = services.start_session(user, acr=HIGH, provider_sid="sid-A")
        kept = services.start_session(user, acr=HIGH, provider_sid="sid-B")
        request = LogoutRequest(jti="j1", sid="sid-A", subject=None)
        assert services.backchannel_logout(request, issuer=ISSUER) == 1
        assert services.load_session(ended) is None
        assert services.load_session(kept) is not None

    def test_by_subject_ends_all_sessions_of_the_person(self) -> None:
        user = services.sign_in(identity("sub-9"))
        tokens = [services.start_session(user, acr=HIGH, provider_sid=s) for s in ("a", "b")]
        request = LogoutRequest(jti="j2", sid=None, subject="sub-9")
        assert services.backchannel_logout(request, issuer=ISSUER) == 2
        assert all(services.load_session(token) is None for token in tokens)

    def test_a_replayed_token_is_refused(self) -> None:
        request = LogoutRequest(jti="j3", sid="x", subject=None)
        services.backchannel_logout(request, issuer=ISSUER)
        with pytest.raises(services.ReplayedLogoutToken):
            services.backchannel_logout(request, issuer=ISSUER)


class TestPseudonym:
    def _user(self, subject: str = "s") -> User:
        return services.sign_in(identity(subject))

    def test_set_and_normalised(self) -> None:
        user = self._user()
        services.set_pseudonym(user, "  Ana   s  Planine ")
        assert user.pseudonym == "Ana s Planine"
        assert user.pseudonym_key == "ana s planine"

    @pytest.mark.parametrize("other", ["ANA S PLANINE", "Ána š Planine", "ana-s-planine"])
    def test_unique_ignoring_case_accents_and_punctuation(self, other: str) -> None:
        services.set_pseudonym(self._user("a"), "Ana s Planine")
        with pytest.raises(services.PseudonymTaken):
            services.set_pseudonym(self._user("b"), other)

    def test_keeping_ones_own_name_is_fine(self) -> None:
        user = self._user()
        services.set_pseudonym(user, "Ana")
        services.set_pseudonym(user, "ana")
        assert user.pseudonym == "ana"

    @pytest.mark.parametrize(
        "name", ["Župan Kranja", "Mestna občina Kranj", "Admin", "Moderatorka Nina", "Svetnik X"]
    )
    def test_residents_cannot_look_official(self, name: str) -> None:
        with pytest.raises(services.PseudonymNotAllowed):
            services.set_pseudonym(self._user(), name)

    def test_staff_may_name_their_office(self) -> None:
        user = self._user()
        services.grant_role(None, user, Role.MODERATOR)
        services.set_pseudonym(user, "Nina (moderatorka)")
        assert user.pseudonym == "Nina (moderatorka)"

    def test_a_councillors_name_is_theirs_alone(self) -> None:
        person = Person(name="Petra Novak")
        db.session.add(person)
        with pytest.raises(services.PseudonymNotAllowed):
            services.set_pseudonym(self._user("a"), "petra  novák")
        councillor = self._user("b")
        services.grant_role(None, councillor, Role.COUNCILLOR, person=person)
        services.set_pseudonym(councillor, "Petra Novak")


class TestDeleteAccount:
    def test_erases_the_person_and_keeps_a_tombstone(self) -> None:
        user = services.sign_in(identity())
        services.set_pseudonym(user, "Ana")
        user.email = "ana@example.si"
        services.grant_role(None, user, Role.MODERATOR)
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        key = user.subject_key

        services.delete_account(user)

        assert (user.pseudonym, user.pseudonym_key, user.email) == (None, None, None)
        assert user.role_grants == []
        assert user.deleted_at is not None
        assert user.subject_key == key
        assert services.load_session(token) is None
        assert "account.delete" in audit_actions()

    def test_a_returning_person_gets_the_same_row_back(self) -> None:
        user = services.sign_in(identity())
        services.delete_account(user)
        again = services.sign_in(identity())
        assert again.id == user.id
        assert again.deleted_at is None
        assert again.pseudonym is None


class TestExport:
    def test_contains_the_account_roles_and_sessions(self) -> None:
        user = services.sign_in(identity())
        services.set_pseudonym(user, "Ana")
        services.grant_role(None, user, Role.MODERATOR)
        services.start_session(user, acr=HIGH, provider_sid=None)
        data = services.export_data(user)
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
        admin = services.sign_in(identity("admin"))
        services.grant_role(None, admin, Role.ADMINISTRATOR)
        user = services.sign_in(identity("u"))
        grant = services.grant_role(admin, user, Role.OFFICIAL, org_unit=self._unit())
        services.revoke_role(admin, grant)
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
        user = services.sign_in(identity())
        unit = self._unit() if with_unit else None
        person = Person(name="P") if with_person else None
        with pytest.raises(services.InvalidRoleGrant):
            services.grant_role(None, user, role, org_unit=unit, person=person)

    def test_twice_is_refused(self) -> None:
        user = services.sign_in(identity())
        services.grant_role(None, user, Role.MODERATOR)
        with pytest.raises(services.AlreadyGranted):
            services.grant_role(None, user, Role.MODERATOR)

    def test_official_of_two_units(self) -> None:
        user = services.sign_in(identity())
        second = OrgUnit(code="UOP", name="Urad za okolje in prostor", kind=OrgUnitKind.OFFICE)
        services.grant_role(None, user, Role.OFFICIAL, org_unit=self._unit())
        services.grant_role(None, user, Role.OFFICIAL, org_unit=second)
        assert len(user.role_grants) == 2

    def test_database_refuses_a_duplicate_even_past_the_service(self) -> None:
        user = services.sign_in(identity())
        services.grant_role(None, user, Role.MODERATOR)
        db.session.add(RoleGrant(user_id=user.id, role=Role.MODERATOR))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()

    def test_only_administrators_grant(self) -> None:
        actor = services.sign_in(identity("actor"))
        services.grant_role(None, actor, Role.MODERATOR)
        with pytest.raises(services.NotAllowed):
            services.grant_role(actor, services.sign_in(identity("x")), Role.MODERATOR)

    def test_the_last_administrator_cannot_drop_the_role(self) -> None:
        admin = services.sign_in(identity("admin"))
        grant = services.grant_role(None, admin, Role.ADMINISTRATOR)
        with pytest.raises(services.NotAllowed):
            services.revoke_role(admin, grant)

    def test_residency_by_hand_is_audited(self) -> None:
        user = services.sign_in(identity(municipality_code="061"))
        services.set_residency(None, user, verified=True)
        assert user.residency_source is ResidencySource.OFFICIAL
        services.set_residency(None, user, verified=False)
        assert user.resident_verified_at is None
        assert audit_actions()[-2:] == ["resident.verify", "resident.unverify"]


class TestReviewFindings:
    """Cases a security review found; each stays fixed."""

    def test_rotating_the_pepper_keeps_the_account(self, app: Flask) -> None:
        user = services.sign_in(identity("rotating"))
        old_key, old_pepper = user.subject_key, app.config["SUBJECT_PEPPER"]
        app.config.update(
            SUBJECT_PEPPER="n" * 40,
            SUBJECT_PEPPER_VERSION=2,
            SUBJECT_PEPPER_PREVIOUS={"1": old_pepper},
        )
        try:
            again = services.sign_in(identity("rotating"))
            assert again.id == user.id
            assert again.subject_key != old_key
            assert again.subject_key_version == 2
            assert services.sign_in(identity("rotating")).id == user.id  # now by the new key
        finally:
            app.config.update(
                SUBJECT_PEPPER=old_pepper, SUBJECT_PEPPER_VERSION=1, SUBJECT_PEPPER_PREVIOUS={}
            )

    def test_backchannel_by_subject_finds_an_account_under_an_old_pepper(self, app: Flask) -> None:
        user = services.sign_in(identity("old"))
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        old_pepper = app.config["SUBJECT_PEPPER"]
        app.config.update(SUBJECT_PEPPER="n" * 40, SUBJECT_PEPPER_PREVIOUS={"1": old_pepper})
        try:
            request = LogoutRequest(jti="j-old", sid=None, subject="old")
            assert services.backchannel_logout(request, issuer=ISSUER) == 1
            assert services.load_session(token) is None
        finally:
            app.config.update(SUBJECT_PEPPER=old_pepper, SUBJECT_PEPPER_PREVIOUS={})

    @pytest.mark.parametrize(
        "name", ["Žup\u0430n", "\u041ebčina Kranj", "Tina\u3164", "\u01c6" * 40, "ß" * 40]
    )
    def test_look_alike_and_overlong_names_are_refused(self, name: str) -> None:
        with pytest.raises(services.PseudonymInvalid):
            services.set_pseudonym(services.sign_in(identity()), name)

    def test_nobody_verifies_their_own_residence(self) -> None:
        official = services.sign_in(identity("official", municipality_code="061"))
        unit = OrgUnit(code="KZ", name="Kabinet župana", kind=OrgUnitKind.CABINET)
        services.grant_role(None, official, Role.OFFICIAL, org_unit=unit)
        with pytest.raises(services.NotAllowed):
            services.set_residency(official, official, verified=True)
        other = services.sign_in(identity("other", municipality_code="061"))
        services.set_residency(official, other, verified=True)
        assert other.resident_verified_at is not None

    def test_the_last_administrator_cannot_delete_the_account(self) -> None:
        admin = services.sign_in(identity("admin"))
        services.grant_role(None, admin, Role.ADMINISTRATOR)
        with pytest.raises(services.LastAdministrator):
            services.delete_account(admin)

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
            assert services.sign_in(identity(birthdate=birthdate)).is_adult
        else:
            with pytest.raises(services.TooYoung):
                services.sign_in(identity(birthdate=birthdate))

    def test_a_read_only_request_keeps_the_session_alive(self) -> None:
        user = services.sign_in(identity())
        token = services.start_session(user, acr=HIGH, provider_sid=None)
        [auth] = db.session.scalars(sa.select(AuthSession))
        auth.last_seen_at = utcnow() - timedelta(minutes=50)
        db.session.commit()
        services.load_session(token)
        db.session.rollback()  # what a request that only reads does at its end
        db.session.expire_all()
        assert auth.last_seen_at > utcnow() - timedelta(minutes=1)
