"""Reference data services: who may edit, names, slugs, activation, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.extensions import db
from app.initiatives import services as initiative_services
from app.initiatives.models import Initiative
from app.reference import services
from app.reference.models import LocalCommunity, RejectionReason, Topic

pytestmark = pytest.mark.usefixtures("ctx")

MODELS = [Topic, LocalCommunity, RejectionReason]


@pytest.fixture
def admin(make_user: Callable[..., int]) -> User:
    user = db.session.get(User, make_user(roles=[(Role.ADMINISTRATOR, None)]))
    assert user is not None
    return user


def _entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def _last_entry() -> AuditEntry:
    entries = _entries()
    assert entries
    return entries[-1]


def _count(model: services.ReferenceModel) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [[], [(Role.MODERATOR, None)], [(Role.OFFICIAL, "KZ")], [(Role.COUNCILLOR, None)]],
)
def test_only_administrators_may_edit(make_user: Callable[..., int], admin: User, roles) -> None:
    topic = services.create(admin, Topic, name_sl="Promet")
    user = db.session.get(User, make_user(roles=roles))
    before = len(_entries())
    with pytest.raises(services.NotAllowed):
        services.create(user, Topic, name_sl="Okolje")
    with pytest.raises(services.NotAllowed):
        services.rename(user, topic, name_sl="Ceste", name_en=None)
    with pytest.raises(services.NotAllowed):
        services.deactivate(user, topic)
    assert (topic.name_sl, topic.is_active, _count(Topic)) == ("Promet", True, 1)
    assert len(_entries()) == before


def test_anonymous_and_deleted_accounts_may_not_edit(
    make_user: Callable[..., int], admin: User
) -> None:
    from app.core.time import utcnow

    with pytest.raises(services.NotAllowed):
        services.create(None, Topic, name_sl="Promet")
    admin.deleted_at = utcnow()
    with pytest.raises(services.NotAllowed):
        services.create(admin, Topic, name_sl="Promet")
    assert _count(Topic) == 0


# --- create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "kind"),
    [(Topic, "topic"), (LocalCommunity, "local_community"), (RejectionReason, "rejection_reason")],
)
def test_create_an_item_of_each_kind(admin: User, model: services.ReferenceModel, kind) -> None:
    item = services.create(admin, model, name_sl="  Zlato   polje ", name_en="Golden field")
    assert (item.slug, item.name_sl, item.name_en, item.is_active) == (
        "zlato-polje",
        "Zlato polje",
        "Golden field",
        True,
    )
    entry = _last_entry()
    assert (entry.action, entry.actor_id, entry.target_type, entry.target_id) == (
        f"{kind}.create",
        admin.id,
        kind,
        item.id,
    )
    assert entry.data == {
        "slug": "zlato-polje",
        "name_sl": "Zlato polje",
        "name_en": "Golden field",
    }


def test_an_empty_english_name_is_none(admin: User) -> None:
    item = services.create(admin, LocalCommunity, name_sl="Čirče", name_en="   ")
    assert item.name_en is None
    assert item.slug == "circe"


def test_slugs_are_unique_with_a_number(admin: User) -> None:
    first = services.create(admin, Topic, name_sl="Promet")
    second = services.create(admin, Topic, name_sl="Promet?")
    third = services.create(admin, Topic, name_sl="Promet!")
    assert [first.slug, second.slug, third.slug] == ["promet", "promet-2", "promet-3"]


def test_slugs_of_other_kinds_do_not_clash(admin: User) -> None:
    topic = services.create(admin, Topic, name_sl="Center")
    community = services.create(admin, LocalCommunity, name_sl="Center")
    assert topic.slug == community.slug == "center"


def test_slug_fits_the_column_even_with_a_number(admin: User) -> None:
    limit = Topic.__table__.columns["slug"].type.length
    long_name = "Zelo dolgo ime teme, ki ga je treba skrajšati za naslov"
    first = services.create(admin, Topic, name_sl=long_name)
    second = services.create(admin, Topic, name_sl=long_name + "!")
    assert len(first.slug) <= limit
    assert len(second.slug) <= limit
    assert second.slug.endswith("-2")
    assert first.slug != second.slug


def test_a_name_without_latin_letters_still_gets_a_slug(admin: User) -> None:
    first = services.create(admin, Topic, name_sl="Ωμέγα")
    second = services.create(admin, Topic, name_sl="Δέλτα")
    assert (first.slug, second.slug) == ("topic", "topic-2")


def test_a_clashing_slug_never_reuses_a_deactivated_one(admin: User) -> None:
    old = services.create(admin, Topic, name_sl="Šport")
    services.deactivate(admin, old)
    services.rename(admin, old, name_sl="Šport (staro)", name_en=None)
    new = services.create(admin, Topic, name_sl="Šport")
    assert (old.slug, new.slug) == ("sport", "sport-2")


def test_a_slug_taken_meanwhile_is_retried_without_losing_the_transaction(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.create(admin, Topic, name_sl="Promet")
    real = services._free_slug
    stale = iter(["promet"])  # what a check made before another administrator's insert saw

    def racing(model: services.ReferenceModel, name_sl: str) -> str:
        return next(stale, None) or real(model, name_sl)

    monkeypatch.setattr(services, "_free_slug", racing)
    second = services.create(admin, Topic, name_sl="Promet!")
    assert (first.slug, second.slug) == ("promet", "promet-2")
    assert [entry.action for entry in _entries()][-2:] == ["topic.create", "topic.create"]


# --- rename --------------------------------------------------------------------------------


def test_rename_keeps_the_slug_and_audits_old_and_new(admin: User) -> None:
    topic = services.create(admin, Topic, name_sl="Promet", name_en="Traffic")
    assert services.rename(admin, topic, name_sl="Promet in ceste", name_en="Traffic") is True
    assert (topic.slug, topic.name_sl, topic.name_en) == ("promet", "Promet in ceste", "Traffic")
    entry = _last_entry()
    assert (entry.action, entry.actor_id, entry.target_id) == ("topic.rename", admin.id, topic.id)
    assert entry.data == {"slug": "promet", "name_sl": ["Promet", "Promet in ceste"]}


def test_rename_to_the_same_names_changes_nothing(admin: User) -> None:
    topic = services.create(admin, Topic, name_sl="Promet", name_en="Traffic")
    before = len(_entries())
    assert services.rename(admin, topic, name_sl=" Promet ", name_en="Traffic") is False
    assert len(_entries()) == before


def test_an_item_may_change_the_case_of_its_own_name(admin: User) -> None:
    community = services.create(admin, LocalCommunity, name_sl="zlato polje")
    assert services.rename(admin, community, name_sl="Zlato polje", name_en=None) is True
    assert community.name_sl == "Zlato polje"


def test_removing_the_english_name(admin: User) -> None:
    topic = services.create(admin, Topic, name_sl="Promet", name_en="Traffic")
    services.rename(admin, topic, name_sl="Promet", name_en="")
    assert topic.name_en is None
    assert _last_entry().data == {"slug": "promet", "name_en": ["Traffic", None]}


# --- bad names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name_sl", "name_en", "field", "message"),
    [
        ("", None, "name_sl", "Enter the name in Slovenian."),
        ("   \t\n ", None, "name_sl", "Enter the name in Slovenian."),
        ("x" * 81, None, "name_sl", "Use at most 80 characters."),
        ("Promet", "y" * 81, "name_en", "Use at most 80 characters."),
        ("Pro\x00met", None, "name_sl", "Remove the control characters from the name."),
        ("Promet", "Traf\u202efic", "name_en", "Remove the control characters from the name."),
    ],
)
def test_bad_names_are_refused(
    app, admin: User, name_sl: str, name_en: str | None, field: str, message: str
) -> None:
    with app.test_request_context(headers={"Cookie": "glas_lang=en"}):
        with pytest.raises(services.InvalidName) as caught:
            services.create(admin, Topic, name_sl=name_sl, name_en=name_en)
        assert caught.value.field == field
        assert str(caught.value.message) == message
    assert _count(Topic) == 0


def test_length_limits_follow_each_kinds_columns(admin: User) -> None:
    services.create(admin, LocalCommunity, name_sl="k" * 120)  # a community's name is longer
    services.create(admin, RejectionReason, name_sl="r" * 200)
    with pytest.raises(services.InvalidName):
        services.create(admin, LocalCommunity, name_sl="k" * 121)
    assert services.max_lengths(RejectionReason) == {"name_sl": 200, "name_en": 200}


@pytest.mark.parametrize(
    ("existing", "proposed"),
    [
        ("Čirče", "cirče"),
        ("Čirče", "CIRCE"),
        ("Orehek - Drulovka", "orehek  -  drulovka"),
        ("Stražišče", "Strazisce"),
        ("Đakovo", "dakovo"),
    ],
)
def test_duplicate_names_are_refused_ignoring_case_and_accents(
    app, admin: User, existing: str, proposed: str
) -> None:
    services.create(admin, LocalCommunity, name_sl=existing)
    with app.test_request_context(headers={"Cookie": "glas_lang=en"}):
        with pytest.raises(services.InvalidName) as caught:
            services.create(admin, LocalCommunity, name_sl=proposed)
        assert caught.value.field == "name_sl"
        assert str(caught.value.message) == (
            f"Another entry in this list already has this name: {existing}."
        )
    assert _count(LocalCommunity) == 1


def test_duplicate_english_names_are_refused(admin: User) -> None:
    services.create(admin, Topic, name_sl="Promet", name_en="Traffic")
    other = services.create(admin, Topic, name_sl="Ceste")
    with pytest.raises(services.InvalidName) as caught:
        services.rename(admin, other, name_sl="Ceste", name_en="TRAFFIC")
    assert caught.value.field == "name_en"
    assert other.name_en is None


def test_renaming_onto_another_items_name_changes_nothing(admin: User) -> None:
    services.create(admin, Topic, name_sl="Promet")
    other = services.create(admin, Topic, name_sl="Ceste", name_en="Roads")
    before = len(_entries())
    with pytest.raises(services.InvalidName):
        services.rename(admin, other, name_sl="promet", name_en="Streets")
    assert (other.name_sl, other.name_en) == ("Ceste", "Roads")
    assert len(_entries()) == before


def test_a_deactivated_namesake_is_pointed_out(app, admin: User) -> None:
    old = services.create(admin, Topic, name_sl="Promet")
    services.deactivate(admin, old)
    with app.test_request_context(headers={"Cookie": "glas_lang=en"}):
        with pytest.raises(services.InvalidName) as caught:
            services.create(admin, Topic, name_sl="promet")
        assert "Activate it again" in str(caught.value.message)


def test_the_same_name_in_another_kind_is_fine(admin: User) -> None:
    services.create(admin, Topic, name_sl="Center")
    services.create(admin, LocalCommunity, name_sl="Center")
    services.create(admin, RejectionReason, name_sl="Center")


# --- activate and deactivate -----------------------------------------------------------------


def test_deactivate_and_activate_are_audited(admin: User) -> None:
    reason = services.create(admin, RejectionReason, name_sl="Drug razlog")
    assert services.deactivate(admin, reason) is True
    assert reason.is_active is False
    entry = _last_entry()
    assert (entry.action, entry.target_type, entry.target_id, entry.actor_id) == (
        "rejection_reason.deactivate",
        "rejection_reason",
        reason.id,
        admin.id,
    )
    before = len(_entries())
    assert services.deactivate(admin, reason) is False  # already: nothing to record
    assert len(_entries()) == before
    assert services.activate(admin, reason) is True
    assert reason.is_active is True
    assert _last_entry().action == "rejection_reason.activate"


def test_a_deactivated_topic_stays_on_initiatives_but_is_not_offered(
    make_user: Callable[..., int], admin: User
) -> None:
    topic = services.create(admin, Topic, name_sl="Promet")
    author = db.session.get(User, make_user())
    assert author is not None
    initiative = initiative_services.create_draft(
        author,
        title="Prehod za pešce",
        summary="Nov prehod pri šoli.",
        body="Predlagam nov prehod.",
        topic_id=topic.id,
        community_id=None,
        location=None,
    )
    services.deactivate(admin, topic)
    db.session.expire_all()
    kept = db.session.get(Initiative, initiative.id)
    assert kept is not None
    assert kept.topic.name_sl == "Promet"
    with pytest.raises(initiative_services.InvalidChoice):
        initiative_services.create_draft(
            author,
            title="Še en prehod",
            summary="Drugi prehod.",
            body="Predlagam še en prehod.",
            topic_id=topic.id,
            community_id=None,
            location=None,
        )


# --- helpers -----------------------------------------------------------------------------


def test_slovenian_order() -> None:
    names = ["Žabnica", "Cvet", "Zlato polje", "Čirče", "Center", "Stražišče", "Šenčur"]
    assert sorted(names, key=services.sort_key) == [
        "Center",
        "Cvet",
        "Čirče",
        "Stražišče",
        "Šenčur",
        "Zlato polje",
        "Žabnica",
    ]
