"""Following through the services: the rows, the counts, the automatic follows, privacy.

Automatic follows come with one's own, supported and adopted items, unless the person turned
them off; they are turned off here the way a person does it, with the settings form.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.follows import services
from app.follows.models import Follow, Reason, Target
from app.initiatives import services as initiatives
from app.initiatives.models import Initiative, InitiativeState
from app.notifications import fanout
from app.notifications.models import Event, Notification
from app.questions import services as questions
from app.questions.models import Kind, Question, QuestionState
from tests.follows.conftest import Things, account, follow_rows, follows_of
from tests.questions.conftest import (
    Council,
    People,
    council_content,
    resident_content,
    topic_id,
)

_Q = QuestionState


def question(question_id: int) -> Question:
    found = db.session.get(Question, question_id)
    assert found is not None
    return found


def initiative(initiative_id: int) -> Initiative:
    found = db.session.get(Initiative, initiative_id)
    assert found is not None
    return found


@pytest.fixture
def turn_off(app: Flask, login: Callable[[FlaskClient, int], None]) -> Callable[[int], None]:
    """Turn a person's automatic follows off with the settings form, as they would."""

    def _turn_off(user_id: int) -> None:
        client = app.test_client()
        login(client, user_id)
        response = client.post("/me/notifications/settings", data={"email_frequency": "daily"})
        assert response.status_code == 302
        with app.app_context():
            assert account(user_id).follow_automatically is False

    return _turn_off


# --- follow, unfollow, the counts -------------------------------------------------------------


@pytest.mark.usefixtures("ctx")
class TestFollowing:
    def test_follow_and_unfollow_say_whether_they_changed_anything(
        self, things: Things, resident: int
    ) -> None:
        me = account(resident)
        assert services.follow(me, Target.SESSION, things.session) is True
        assert services.follow(me, Target.SESSION, things.session) is False
        assert follows_of(resident) == [(Target.SESSION, things.session, Reason.CHOSEN)]
        assert services.unfollow(me, Target.SESSION, things.session) is True
        assert services.unfollow(me, Target.SESSION, things.session) is False
        assert follows_of(resident) == []

    def test_a_chosen_follow_of_an_automatic_one_keeps_one_row(
        self, things: Things, people: People
    ) -> None:
        """The initiative's author follows it already (their own): the button adds nothing."""
        author = account(people.resident)
        assert services.follow(author, Target.INITIATIVE, things.initiative) is False
        assert follows_of(people.resident) == [(Target.INITIATIVE, things.initiative, Reason.OWN)]

    def test_the_database_keeps_one_follow_per_person_and_thing(
        self, things: Things, resident: int
    ) -> None:
        services.follow(account(resident), Target.TOPIC, things.topic)
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.add(Follow(user_id=resident, target=Target.TOPIC, target_id=things.topic))
        assert follows_of(resident) == [(Target.TOPIC, things.topic, Reason.CHOSEN)]

    def test_followers_counts_and_says_whether_the_viewer_follows(
        self, things: Things, resident: int, make_user: Callable[..., int]
    ) -> None:
        other = make_user()
        assert services.followers(Target.COUNCILLOR, things.councillor, None) == (0, False)
        services.follow(account(other), Target.COUNCILLOR, things.councillor)
        me = account(resident)
        assert services.followers(Target.COUNCILLOR, things.councillor, me) == (1, False)
        services.follow(me, Target.COUNCILLOR, things.councillor)
        assert services.followers(Target.COUNCILLOR, things.councillor, me) == (2, True)
        assert services.followers(Target.COUNCILLOR, things.councillor, None) == (2, False)
        assert services.followers(Target.COUNCILLOR, things.councillor, None) == (2, False)
        # The same id of another kind of thing is another thing.
        assert services.followers(Target.SESSION, things.councillor, me) == (0, False)
        assert services.followers(Target.COUNCILLOR, things.councillor, me) == (2, True)

    def test_what_the_public_cannot_see_is_not_followed(
        self, resident: int, make_initiative: Callable[..., int]
    ) -> None:
        draft = make_initiative(InitiativeState.DRAFT)
        with pytest.raises(services.NotFollowable):
            services.follow(account(resident), Target.INITIATIVE, draft)
        with pytest.raises(services.NotFollowable):
            services.follow(account(resident), Target.QUESTION, 2_147_483_647)
        assert follows_of(resident) == []

    def test_follows_of_lists_newest_first_with_what_is_public(
        self, things: Things, resident: int
    ) -> None:
        me = account(resident)
        for target in (Target.QUESTION, Target.INITIATIVE, Target.TOPIC):
            services.follow(me, target, things.id_of(target))
        initiative(things.initiative).state = InitiativeState.SUBMITTED  # no longer public
        db.session.flush()
        listed = services.follows_of(me)
        assert [(row.target, row.target_id) for row, _ in listed] == [
            (Target.TOPIC, things.topic),
            (Target.INITIATIVE, things.initiative),
            (Target.QUESTION, things.question),
        ]
        described = [d for _, d in listed]
        assert described[1] is None  # listed, to be unfollowed, without its name or page
        assert described[2] is not None
        assert described[2].title == question(things.question).title

    def test_a_follow_of_something_no_longer_public_can_be_stopped(
        self, things: Things, resident: int
    ) -> None:
        me = account(resident)
        services.follow(me, Target.INITIATIVE, things.initiative)
        initiative(things.initiative).state = InitiativeState.SUBMITTED
        db.session.flush()
        assert services.unfollow(me, Target.INITIATIVE, things.initiative) is True
        assert follows_of(resident) == []


# --- automatic follows --------------------------------------------------------------------------


def _draft(author: User) -> Initiative:
    return initiatives.create_draft(
        author,
        title="Klopi ob Savi",
        summary="Ob sprehajalni poti ni klopi.",
        body="Predlagam deset klopi.",
        topic_id=topic_id(),
        community_id=None,
        location=None,
    )


class TestAutomaticFollows:
    def test_ones_own_initiative(self, app: Flask, people: People) -> None:
        with app.app_context():
            draft = _draft(account(people.author))
            assert follows_of(people.author) == [(Target.INITIATIVE, draft.id, Reason.OWN)]

    def test_ones_own_question(self, app: Flask, people: People) -> None:
        with app.app_context():
            asked = questions.ask(account(people.resident), resident_content())
            assert follows_of(people.resident) == [(Target.QUESTION, asked.id, Reason.OWN)]

    def test_a_supported_initiative(
        self, app: Flask, people: People, make_initiative: Callable[..., int]
    ) -> None:
        item = make_initiative()
        with app.app_context():
            initiatives.support(account(people.author), initiative(item))
            assert follows_of(people.author) == [(Target.INITIATIVE, item, Reason.SUPPORTED)]

    def test_a_supported_question(
        self, app: Flask, people: People, make_question: Callable[..., int]
    ) -> None:
        asked = make_question()  # by people.author
        with app.app_context():
            questions.support(account(people.resident), question(asked))
            assert follows_of(people.resident) == [(Target.QUESTION, asked, Reason.SUPPORTED)]

    def test_supporting_what_one_follows_keeps_the_follow(
        self, app: Flask, people: People, make_question: Callable[..., int]
    ) -> None:
        asked = make_question()
        with app.app_context():
            resident = account(people.resident)
            services.follow(resident, Target.QUESTION, asked)
            questions.support(resident, question(asked))
            assert follows_of(people.resident) == [(Target.QUESTION, asked, Reason.CHOSEN)]

    def test_a_recorded_question_is_followed_by_its_councillors(
        self, app: Flask, people: People, council: Council
    ) -> None:
        """Recorded by the council office for two councillors: both their accounts follow it,
        and the office does not."""
        with app.app_context():
            content = council_content(
                council,
                people,
                author_ids=(people.councillor_person, people.other_councillor_person),
            )
            recorded = questions.record(account(people.council_office), content)
            for councillor in (people.councillor, people.other_councillor):
                assert follows_of(councillor) == [(Target.QUESTION, recorded.id, Reason.OWN)]
            assert follows_of(people.council_office) == []

    def test_a_councillor_added_as_an_author_by_a_correction_follows_it(
        self, app: Flask, people: People, council: Council
    ) -> None:
        """The office corrects the record: the question was asked by two councillors. The
        second one's account follows it as if it had been recorded so."""
        with app.app_context():
            recorded = questions.record(
                account(people.council_office), council_content(council, people)
            )
            questions.update_council(
                account(people.council_office),
                recorded,
                council_content(
                    council,
                    people,
                    author_ids=(people.councillor_person, people.other_councillor_person),
                ),
            )
            db.session.commit()
            assert follows_of(people.other_councillor) == [
                (Target.QUESTION, recorded.id, Reason.OWN)
            ]

    def test_a_councillor_recording_their_own_question_follows_it(
        self, app: Flask, people: People, council: Council
    ) -> None:
        with app.app_context():
            recorded = questions.record(
                account(people.councillor), council_content(council, people)
            )
            assert follows_of(people.councillor) == [(Target.QUESTION, recorded.id, Reason.OWN)]

    def test_adopting_a_question(
        self,
        app: Flask,
        people: People,
        council: Council,
        make_question: Callable[..., int],
        make_user: Callable[..., int],
        turn_off: Callable[[int], None],
    ) -> None:
        """The supporters follow the councillor's question (unless they turned automatic
        follows off, or are gone); the councillor follows the question they took up."""
        residents = make_question(state=_Q.ASSIGNED)
        keen, reserved, gone = make_user(), make_user(), make_user()
        with app.app_context():
            for supporter in (keen, reserved, gone):
                questions.support(account(supporter), question(residents))
            accounts.delete_account(account(gone))
            db.session.commit()
        turn_off(reserved)
        with app.app_context():
            councillors = questions.record(
                account(people.councillor),
                council_content(council, people),
                adopts=question(residents),
            )
            db.session.commit()
            assert (Target.QUESTION, councillors.id, Reason.ADOPTED) in follows_of(keen)
            assert follows_of(reserved) == [(Target.QUESTION, residents, Reason.SUPPORTED)]
            assert follows_of(gone) == []
            assert follows_of(people.councillor) == [
                (Target.QUESTION, councillors.id, Reason.OWN),
                (Target.QUESTION, residents, Reason.ADOPTED),
            ]

    def test_adopting_an_initiative(
        self,
        app: Flask,
        people: People,
        council: Council,
        make_initiative: Callable[..., int],
        make_user: Callable[..., int],
        turn_off: Callable[[int], None],
    ) -> None:
        item = make_initiative()
        keen, reserved = make_user(), make_user()
        with app.app_context():
            for supporter in (keen, reserved):
                initiatives.support(account(supporter), initiative(item))
            db.session.commit()
        turn_off(reserved)
        with app.app_context():
            councillors = questions.record(
                account(people.councillor),
                council_content(council, people, kind=Kind.INITIATIVE),
                adopts=initiative(item),
            )
            db.session.commit()
            assert follows_of(keen) == [
                (Target.INITIATIVE, item, Reason.SUPPORTED),
                (Target.QUESTION, councillors.id, Reason.ADOPTED),
            ]
            assert follows_of(reserved) == [(Target.INITIATIVE, item, Reason.SUPPORTED)]
            assert follows_of(people.councillor) == [
                (Target.QUESTION, councillors.id, Reason.OWN),
                (Target.INITIATIVE, item, Reason.ADOPTED),
            ]

    @pytest.mark.parametrize("adopted", ["question", "initiative"])
    def test_the_author_of_an_adopted_item_follows_the_councillors_question(
        self,
        app: Flask,
        people: People,
        council: Council,
        make_question: Callable[..., int],
        make_initiative: Callable[..., int],
        adopted: str,
    ) -> None:
        """The author follows their own item, and is told on adoption "you now follow the
        councillor's question too" (``messages``); the answer goes to that question's
        followers, so an author who did not follow it would never hear it."""
        if adopted == "question":
            item_id, author = make_question(state=_Q.ASSIGNED), people.author
        else:
            item_id, author = make_initiative(), people.resident
        with app.app_context():
            item: Question | Initiative = (
                question(item_id) if adopted == "question" else initiative(item_id)
            )
            kind = Kind.QUESTION if adopted == "question" else Kind.INITIATIVE
            councillors = questions.record(
                account(people.councillor),
                council_content(council, people, kind=kind),
                adopts=item,
            )
            db.session.commit()
            councillors_id = councillors.id
            fanout.fan_out_all()
            told = db.session.scalars(
                sa.select(Event.kind)
                .join(Notification, Notification.event_id == Event.id)
                .where(Notification.user_id == author)
            )
            assert f"{adopted}.adopted" in list(told)  # "… you now follow that question too"
            followed = [(target, target_id) for target, target_id, _ in follows_of(author)]
            assert (Target(adopted), item_id) in followed
            assert (Target.QUESTION, councillors_id) in followed

    def test_none_of_them_when_turned_off(
        self,
        app: Flask,
        people: People,
        council: Council,
        make_initiative: Callable[..., int],
        make_question: Callable[..., int],
        turn_off: Callable[[int], None],
    ) -> None:
        item = make_initiative()
        residents = make_question(author_id=people.resident)
        for person in (people.author, people.councillor):
            turn_off(person)
        with app.app_context():
            author = account(people.author)
            _draft(author)
            questions.ask(author, resident_content(title="Zakaj ni razsvetljave?"))
            initiatives.support(author, initiative(item))
            questions.support(author, question(residents))
            questions.record(account(people.councillor), council_content(council, people))
            questions.record(
                account(people.councillor),
                council_content(council, people, title="Pobuda za klopi"),
                adopts=question(residents),
            )
            db.session.commit()
            assert follows_of(people.author) == []
            assert follows_of(people.councillor) == []

    def test_turning_them_on_again(
        self,
        app: Flask,
        people: People,
        login: Callable[[FlaskClient, int], None],
        turn_off: Callable[[int], None],
    ) -> None:
        turn_off(people.author)
        client = app.test_client()
        login(client, people.author)
        client.post(
            "/me/notifications/settings",
            data={"email_frequency": "immediate", "follow_automatically": "y"},
        )
        with app.app_context():
            draft = _draft(account(people.author))
            assert follows_of(people.author) == [(Target.INITIATIVE, draft.id, Reason.OWN)]

    def test_turning_them_off_keeps_the_follows_made(
        self, app: Flask, people: People, turn_off: Callable[[int], None]
    ) -> None:
        with app.app_context():
            draft_id = _draft(account(people.author)).id
            db.session.commit()
        turn_off(people.author)
        with app.app_context():
            assert follows_of(people.author) == [(Target.INITIATIVE, draft_id, Reason.OWN)]


@pytest.mark.parametrize("item", ["initiative", "question"])
def test_supporting_through_the_page_follows(
    app: Flask,
    client: FlaskClient,
    people: People,
    login: Callable[[FlaskClient, int], None],
    make_initiative: Callable[..., int],
    make_question: Callable[..., int],
    item: str,
) -> None:
    item_id = make_initiative() if item == "initiative" else make_question()
    login(client, people.other_official)  # a resident too, who neither asked nor proposed it
    response = client.post(f"/{item}s/{item_id}/support")
    assert response.status_code == 302
    with app.app_context():
        assert follows_of(people.other_official) == [(Target(item), item_id, Reason.SUPPORTED)]
    box = client.get(f"/{item}s/{item_id}").get_data(as_text=True)
    assert f'action="/follows/{item}/{item_id}/stop"' in box


class TestUnfollowingAnAutomaticFollow:
    """Once stopped, an automatic follow stays stopped as the item goes on."""

    def test_ones_own_initiative(self, app: Flask, people: People, council: Council) -> None:
        with app.app_context():
            author = account(people.author)
            draft = _draft(author)
            assert services.unfollow(author, Target.INITIATIVE, draft.id) is True
            initiatives.update(
                author,
                draft,
                title="Klopi ob Savi in Kokri",
                summary=draft.summary,
                body=draft.body,
                topic_id=draft.topic_id,
                community_id=None,
                location=None,
            )
            initiatives.submit(author, draft)
            initiatives.publish(account(people.moderator), draft, seen=initiatives.version(draft))
            db.session.commit()
            assert follows_of(people.author) == []

    def test_a_supported_question(
        self, app: Flask, people: People, make_question: Callable[..., int]
    ) -> None:
        asked = make_question(state=_Q.ASSIGNED)
        with app.app_context():
            resident = account(people.resident)
            questions.support(resident, question(asked))
            assert services.unfollow(resident, Target.QUESTION, asked) is True
            questions.answer(
                account(people.official),
                question(asked),
                kind=questions.AnswerKind.FULL,
                text="Pločnik bo obnovljen spomladi.",
            )
            db.session.commit()
            assert follows_of(people.resident) == []

    def test_a_councillors_own_question(self, app: Flask, people: People, council: Council) -> None:
        with app.app_context():
            councillor = account(people.councillor)
            recorded = questions.record(councillor, council_content(council, people))
            assert services.unfollow(councillor, Target.QUESTION, recorded.id) is True
            questions.update_council(
                account(people.council_office),
                recorded,
                council_content(council, people, title="Projekti e-demokracije"),
            )
            db.session.commit()
            assert follows_of(people.councillor) == []

    def test_through_the_button(
        self,
        app: Flask,
        client: FlaskClient,
        people: People,
        login: Callable[[FlaskClient, int], None],
        make_initiative: Callable[..., int],
    ) -> None:
        item = make_initiative()  # people.resident's own: followed
        login(client, people.resident)
        response = client.post(f"/follows/initiative/{item}/stop")
        assert response.status_code == 302
        with app.app_context():
            assert follow_rows(Target.INITIATIVE, item) == []


# --- privacy ----------------------------------------------------------------------------------


def test_download_my_data_has_the_follows_and_the_setting(
    app: Flask,
    client: FlaskClient,
    things: Things,
    people: People,
    login: Callable[[FlaskClient, int], None],
) -> None:
    with app.app_context():
        resident = account(people.resident)  # follows their initiative already (own)
        services.follow(resident, Target.TOPIC, things.topic)
        services.follow(resident, Target.QUESTION, things.question)
        initiative(things.initiative).state = InitiativeState.SUBMITTED  # no longer public
        db.session.commit()
        title = question(things.question).title
        initiative_title = initiative(things.initiative).title
    login(client, people.resident)
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert data["follow_automatically"] is True
    follows = {(row["target"], row["id"]): row for row in data["follows"]}
    assert set(follows) == {
        ("initiative", things.initiative),
        ("topic", things.topic),
        ("question", things.question),
    }
    assert follows["question", things.question]["name"] == title
    assert follows["question", things.question]["reason"] == "chosen"
    assert follows["initiative", things.initiative]["reason"] == "own"
    # No longer public, but it is the resident's own: named as its author sees it.
    assert follows["initiative", things.initiative]["name"] == initiative_title
    assert all(row["since"] for row in data["follows"])


def test_deleting_the_account_removes_its_follows(
    app: Flask,
    client: FlaskClient,
    things: Things,
    people: People,
    resident: int,
    login: Callable[[FlaskClient, int], None],
) -> None:
    with app.app_context():
        for who in (resident, people.author):
            services.follow(account(who), Target.SESSION, things.session)
        db.session.commit()
    login(client, resident)
    assert client.post("/me/delete", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert follows_of(resident) == []
        assert follow_rows(Target.SESSION, things.session) == [people.author]


def test_the_service_deletion_removes_follows_too(
    app: Flask, things: Things, resident: int
) -> None:
    with app.app_context():
        me = account(resident)
        for target in (Target.REPLY, Target.COUNCILLOR, Target.COMMUNITY):
            services.follow(me, target, things.id_of(target))
        accounts.delete_account(me)
        db.session.commit()
        assert follows_of(resident) == []
