"""Use cases of initiatives: every transition, its timeline step and its audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.auth import accounts
from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import lifecycle, rules, services
from app.initiatives.models import EventKind, Initiative, InitiativeState, ResponseKind, Support
from app.reference.models import RejectionReason, Topic

_S = InitiativeState


@pytest.fixture
def ctx_ref(app: Flask, reference: None):
    with app.app_context():
        yield


pytestmark = pytest.mark.usefixtures("ctx_ref")


def user(make_user: Callable[..., int], **kwargs) -> User:
    account = db.session.get(User, make_user(**kwargs))
    assert account is not None
    return account


def initiative(
    make_initiative: Callable[..., int], state: _S = _S.PUBLISHED, **kwargs
) -> Initiative:
    found = db.session.get(Initiative, make_initiative(state, **kwargs))
    assert found is not None
    return found


def topic(slug: str = "promet") -> Topic:
    found = db.session.scalar(sa.select(Topic).filter_by(slug=slug))
    assert found is not None
    return found


def events(item: Initiative) -> list[EventKind]:
    db.session.refresh(item)
    return [event.kind for event in item.events]


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def counter_equals_rows(item: Initiative) -> bool:
    rows = db.session.scalar(
        sa.select(sa.func.count()).select_from(Support).where(Support.initiative_id == item.id)
    )
    db.session.refresh(item)
    return item.support_count == rows


class TestWriting:
    def test_a_draft_is_cleaned_and_rendered_safely(self, make_user) -> None:
        draft = services.create_draft(
            user(make_user),
            title="  Prehod   pri šoli ",
            summary="Kratko\n  besedilo",
            body="**Krepko** <script>alert(1)</script> [x](javascript:alert(1))",
            topic_id=topic().id,
            community_id=None,
            location="  ",
        )
        assert draft.title == "Prehod pri šoli"
        assert draft.summary == "Kratko besedilo"
        assert draft.location is None
        assert "<strong>Krepko</strong>" in draft.body_html
        assert "<script>" not in draft.body_html
        assert "javascript:" not in draft.body_html.replace("[x](javascript:alert(1))", "")
        assert draft.state is _S.DRAFT

    def test_an_inactive_topic_is_refused(self, make_user) -> None:
        closed = topic("varnost")
        closed.is_active = False
        with pytest.raises(services.InvalidChoice):
            services.create_draft(
                user(make_user), title="t", summary="s", body="b",
                topic_id=closed.id, community_id=None, location=None,
            )  # fmt: skip

    def test_an_unverified_person_cannot_write(self, make_user) -> None:
        stranger = user(make_user, resident_verified_at=None, residency_source=None)
        with pytest.raises(services.NotAllowed):
            services.create_draft(
                stranger, title="t", summary="s", body="b",
                topic_id=topic().id, community_id=None, location=None,
            )  # fmt: skip

    def test_a_submitted_one_is_taken_back_to_a_draft_not_withdrawn(self, make_initiative) -> None:
        item = initiative(make_initiative, _S.SUBMITTED)
        with pytest.raises(services.NotAllowed):
            services.withdraw(item.author, item)
        services.unsubmit(item.author, item)
        assert item.state is _S.DRAFT
        assert item.submitted_at is None

    def test_submit_then_edit_while_waiting(self, make_initiative) -> None:
        item = initiative(make_initiative, _S.DRAFT)
        services.submit(item.author, item)
        assert item.state is _S.SUBMITTED
        services.update(
            item.author, item, title="Nov naslov", summary="s", body="b",
            topic_id=topic().id, community_id=None, location=None,
        )  # fmt: skip
        assert item.title == "Nov naslov"
        assert events(item) == [EventKind.SUBMITTED]

    def test_an_author_cannot_edit_after_publication(self, make_initiative) -> None:
        item = initiative(make_initiative, _S.PUBLISHED)
        with pytest.raises(services.NotAllowed):
            services.update(
                item.author, item, title="x", summary="s", body="b",
                topic_id=topic().id, community_id=None, location=None,
            )  # fmt: skip

    def test_only_a_draft_can_be_deleted(self, make_initiative) -> None:
        item = initiative(make_initiative, _S.DRAFT)
        item_id = item.id
        services.delete_draft(item.author, item)
        assert db.session.get(Initiative, item_id) is None
        submitted = initiative(make_initiative, _S.SUBMITTED)
        with pytest.raises(services.NotAllowed):
            services.delete_draft(submitted.author, submitted)


class TestModeration:
    def test_publish_opens_support_with_todays_rules(self, make_initiative, make_user) -> None:
        rules.save(None, rules.Rules(threshold=50, support_days=30, response_days=20))
        item = initiative(make_initiative, _S.SUBMITTED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        services.publish(moderator, item, seen=services.version(item))
        assert item.state is _S.PUBLISHED
        assert item.threshold == 50
        assert item.support_closes_at is not None
        assert item.published_at is not None
        assert item.support_closes_at - item.published_at == timedelta(days=30)
        # A later change of the rules does not move this initiative's threshold.
        rules.save(None, rules.Rules(threshold=500))
        db.session.refresh(item)
        assert item.threshold == 50
        assert events(item)[-1] is EventKind.PUBLISHED
        assert "initiative.publish" in actions()

    def test_reject_with_a_public_reason(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, _S.SUBMITTED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        reason = db.session.scalar(sa.select(RejectionReason).filter_by(slug="duplicate"))
        assert reason is not None
        services.reject(
            moderator, item, seen=services.version(item), reason_id=reason.id,
            note="  Glej pobudo št. 3. ",
        )  # fmt: skip
        assert item.state is _S.REJECTED
        assert item.rejection_note == "Glej pobudo št. 3."
        assert "initiative.reject" in actions()

    def test_an_inactive_or_unknown_reason_is_refused(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, _S.SUBMITTED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        reason = db.session.scalar(sa.select(RejectionReason).filter_by(slug="other"))
        assert reason is not None
        reason.is_active = False
        for reason_id in (reason.id, 99999):
            with pytest.raises(services.InvalidChoice):
                services.reject(
                    moderator, item, seen=services.version(item), reason_id=reason_id, note=None
                )
        assert item.state is _S.SUBMITTED

    def test_a_text_changed_after_the_moderator_looked_is_not_published(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative, _S.SUBMITTED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        seen = services.version(item)
        services.update(
            item.author, item, title="Zamenjan naslov", summary="s", body="b",
            topic_id=topic().id, community_id=None, location=None,
        )  # fmt: skip
        with pytest.raises(services.ChangedMeanwhile):
            services.publish(moderator, item, seen=seen)
        assert item.state is _S.SUBMITTED
        services.publish(moderator, item, seen=services.version(item))
        assert item.state is _S.PUBLISHED

    def test_the_reason_other_needs_words(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, _S.SUBMITTED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        other = db.session.scalar(sa.select(RejectionReason).filter_by(slug="other"))
        assert other is not None
        with pytest.raises(services.NoteRequired):
            services.reject(
                moderator, item, seen=services.version(item), reason_id=other.id, note=" "
            )

    def test_a_moderators_correction_of_a_published_text_is_public(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative, _S.PUBLISHED)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        services.update(
            moderator, item, title=item.title, summary="Brez osebnih podatkov.", body="b",
            topic_id=topic().id, community_id=None, location=None,
        )  # fmt: skip
        assert events(item)[-1] is EventKind.EDITED
        assert "initiative.edit" in actions()

    def test_a_moderators_change_of_their_own_published_text_is_public(
        self, make_initiative, make_user
    ) -> None:
        # The author is a moderator too: the change must leave the same trace as anyone's.
        moderator_id = make_user(roles=[(Role.MODERATOR, None)])
        item = initiative(make_initiative, _S.PUBLISHED, author_id=moderator_id, supporters=2)
        services.update(
            item.author, item, title=item.title, summary="Drugačen povzetek.", body="b",
            topic_id=topic().id, community_id=None, location=None,
        )  # fmt: skip
        assert events(item)[-1] is EventKind.EDITED
        assert item.events[-1].actor_id == moderator_id
        assert item.events[-1].data == {"fields": ["summary", "body"]}
        entry = db.session.scalars(sa.select(AuditEntry).filter_by(action="initiative.edit")).one()
        assert (entry.actor_id, entry.target_id) == (moderator_id, item.id)
        assert entry.data == {"fields": ["summary", "body"]}

    def test_an_authors_change_of_a_draft_leaves_no_public_trace(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative, _S.DRAFT)
        services.update(
            item.author, item, title="Nov naslov", summary=item.summary, body="b",
            topic_id=topic().id, community_id=None, location=None,
        )  # fmt: skip
        assert EventKind.EDITED not in events(item)
        assert "initiative.edit" not in actions()

    def test_a_moderator_cannot_moderate_their_own(self, make_initiative, make_user) -> None:
        moderator_id = make_user(roles=[(Role.MODERATOR, None)])
        item = initiative(make_initiative, _S.SUBMITTED, author_id=moderator_id)
        with pytest.raises(services.NotAllowed):
            services.publish(item.author, item, seen=services.version(item))

    @pytest.mark.parametrize("state", [_S.DRAFT, _S.PUBLISHED, _S.REJECTED])
    def test_only_submitted_initiatives_are_moderated(
        self, make_initiative, make_user, state
    ) -> None:
        item = initiative(make_initiative, state)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        with pytest.raises(services.NotAllowed):
            services.publish(moderator, item, seen=services.version(item))


class TestSupport:
    def test_support_counts_once_and_can_be_withdrawn(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative)
        resident = user(make_user)
        services.support(resident, item)
        assert item.support_count == 1
        with pytest.raises(services.AlreadySupported):
            services.support(resident, item)
        assert counter_equals_rows(item)
        assert item.support_count == 1
        services.withdraw_support(resident, item)
        assert item.support_count == 0
        with pytest.raises(services.NotSupported):
            services.withdraw_support(resident, item)
        assert counter_equals_rows(item)

    def test_the_author_cannot_support_their_own(self, make_initiative) -> None:
        item = initiative(make_initiative)
        with pytest.raises(services.NotAllowed):
            services.support(item.author, item)

    def test_not_after_the_deadline_even_before_the_cron_job(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative)
        later = item.support_closes_at + timedelta(seconds=1)  # type: ignore[operator]
        assert lifecycle.effective_state(item, later) is _S.EXPIRED
        with pytest.raises(services.NotAllowed):
            services.support(user(make_user), item, now=later)

    def test_reaching_the_threshold_asks_for_a_response_once(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative, supporters=2, threshold=3)
        assert item.state is _S.PUBLISHED
        services.support(user(make_user), item)
        assert item.state is _S.AWAITING_RESPONSE
        assert item.response_due_at is not None
        assert item.threshold_reached_at is not None
        assert item.response_due_at - item.threshold_reached_at == timedelta(
            days=rules.current().response_days
        )
        services.support(user(make_user), item)  # support stays open until the deadline
        assert item.support_count == 4
        assert events(item).count(EventKind.THRESHOLD_REACHED) == 1

    def test_unverified_and_deleted_accounts_cannot_support(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative)
        for account in (
            user(make_user, resident_verified_at=None, residency_source=None),
            user(make_user, last_acr="http://eidas.europa.eu/LoA/low"),
            user(make_user, deleted_at=utcnow(), pseudonym=None),
        ):
            with pytest.raises(services.NotAllowed):
                services.support(account, item)

    def test_a_deleted_account_stays_counted_once(self, make_initiative, make_user) -> None:
        """Account deletion keeps support counts (eID issue), and nobody votes twice."""
        item = initiative(make_initiative)
        resident = user(make_user)
        services.support(resident, item)
        accounts.delete_account(resident)
        db.session.refresh(item)
        assert item.support_count == 1
        assert counter_equals_rows(item)
        # The person returns (same eID: the same tombstone row comes back) and tries again.
        resident.deleted_at = None
        resident.pseudonym = "Back again"
        resident.resident_verified_at = utcnow()
        resident.last_acr = "http://eidas.europa.eu/LoA/substantial"
        with pytest.raises(services.AlreadySupported):
            services.support(resident, item)
        assert item.support_count == 1


class TestClock:
    def test_every_transition_is_audited(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, _S.DRAFT)
        services.submit(item.author, item)
        moderator = user(make_user, roles=[(Role.MODERATOR, None)])
        services.publish(moderator, item, seen=services.version(item))
        item.threshold = 1
        services.support(user(make_user), item)
        assert [a for a in actions() if a.startswith("initiative.")] == [
            "initiative.submit", "initiative.publish", "initiative.threshold_reached",
        ]  # fmt: skip

    def test_close_expired_writes_what_the_pages_already_show(self, make_initiative) -> None:
        item = initiative(make_initiative, supporters=1, threshold=5)
        reached = initiative(make_initiative, supporters=2, threshold=2, title="Druga")
        later = item.support_closes_at + timedelta(days=1)  # type: ignore[operator]
        assert services.close_expired(now=later) == 1
        assert item.state is _S.EXPIRED
        assert reached.state is _S.AWAITING_RESPONSE  # past the threshold: not expired
        assert events(item)[-1] is EventKind.EXPIRED
        assert actions()[-1] == "initiative.expire"
        assert services.close_expired(now=later) == 0

    def test_overdue_response(self, make_initiative) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        assert item.response_due_at is not None
        assert not lifecycle.is_response_overdue(item, item.response_due_at)
        assert lifecycle.is_response_overdue(item, item.response_due_at + timedelta(seconds=1))


class TestMunicipality:
    def _official(self, make_user, unit: str = "UGDP") -> User:
        return user(make_user, roles=[(Role.OFFICIAL, unit)])

    def test_respond_progress_complete(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        official = self._official(make_user)
        services.respond(official, item, kind=ResponseKind.ACCEPTED, text="Sprejeto. **Hvala.**")
        assert item.state is _S.ANSWERED
        assert "<strong>Hvala.</strong>" in (item.response_html or "")
        assert item.support_closes_at <= utcnow()  # type: ignore[operator]
        services.report_progress(official, item, note="Naročeno.", completed=False)
        services.report_progress(official, item, note="Narejeno.", completed=True)
        assert item.state is _S.COMPLETED
        assert events(item)[-3:] == [EventKind.ANSWERED, EventKind.PROGRESS, EventKind.COMPLETED]
        answered = next(e for e in item.events if e.kind is EventKind.ANSWERED)
        assert answered.data["on_time"] is True
        assert actions()[-3:] == [
            "initiative.respond", "initiative.progress", "initiative.completed",
        ]  # fmt: skip

    def test_a_late_response_is_marked_late(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        item.response_due_at = utcnow() - timedelta(days=1)
        services.respond(self._official(make_user), item, kind=ResponseKind.REJECTED, text="Ne.")
        answered = next(e for e in item.events if e.kind is EventKind.ANSWERED)
        assert answered.data["on_time"] is False

    def test_a_rejected_initiative_gets_no_progress_reports(
        self, make_initiative, make_user
    ) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        official = self._official(make_user)
        services.respond(official, item, kind=ResponseKind.REJECTED, text="Ne.")
        with pytest.raises(services.NotAllowed):
            services.report_progress(official, item, note="x", completed=True)

    def test_only_the_responsible_unit_answers(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        services.assign_unit(self._official(make_user, "UOP"), item, unit_id=_unit_id("UOP"))
        with pytest.raises(services.NotAllowed):
            services.respond(
                self._official(make_user, "UDD"), item, kind=ResponseKind.ACCEPTED, text="x"
            )
        services.respond(
            self._official(make_user, "UOP"), item, kind=ResponseKind.ACCEPTED, text="x"
        )
        assert "initiative.assign" in actions()

    def test_an_expired_initiative_cannot_be_answered(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=5)
        item.support_closes_at = utcnow() - timedelta(minutes=1)  # the cron job has not run
        with pytest.raises(services.NotAllowed):
            services.respond(self._official(make_user), item, kind=ResponseKind.ACCEPTED, text="x")

    def test_another_units_official_cannot_take_it_over(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        services.assign_unit(self._official(make_user, "UOP"), item, unit_id=_unit_id("UOP"))
        with pytest.raises(services.NotAllowed):
            services.assign_unit(self._official(make_user, "UDD"), item, unit_id=_unit_id("UDD"))

    def test_residents_cannot_respond(self, make_initiative, make_user) -> None:
        item = initiative(make_initiative, supporters=1, threshold=1)
        with pytest.raises(services.NotAllowed):
            services.respond(user(make_user), item, kind=ResponseKind.ACCEPTED, text="x")


def _unit_id(code: str) -> int:
    from app.org.models import OrgUnit

    unit_id = db.session.scalar(sa.select(OrgUnit.id).filter_by(code=code))
    assert unit_id is not None
    return unit_id


class TestPrivacy:
    def test_my_data_lists_my_initiatives_and_supports(self, make_initiative, make_user) -> None:
        resident = user(make_user)
        mine = initiative(make_initiative, _S.DRAFT, author_id=resident.id, title="Moja")
        other = initiative(make_initiative, title="Tuja")
        services.support(resident, other)
        data = accounts.export_data(resident)
        assert [i["title"] for i in data["initiatives"]] == ["Moja"]
        assert data["initiatives"][0]["state"] == "draft"
        assert [s["title"] for s in data["supports"]] == ["Tuja"]
        assert mine.id == data["initiatives"][0]["id"]

    def test_deleting_the_account_deletes_what_was_never_public(
        self, make_initiative, make_user
    ) -> None:
        resident = user(make_user)
        draft = initiative(make_initiative, _S.DRAFT, author_id=resident.id).id
        waiting = initiative(make_initiative, _S.SUBMITTED, author_id=resident.id).id
        public = initiative(make_initiative, _S.PUBLISHED, author_id=resident.id).id
        accounts.delete_account(resident)
        assert db.session.get(Initiative, draft) is None
        assert db.session.get(Initiative, waiting) is None
        kept = db.session.get(Initiative, public)
        assert kept is not None
        assert kept.author.pseudonym is None
