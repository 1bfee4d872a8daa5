"""The event log and who hears of each event: written with the change, told to the right people.

Each test drives the services as the people who act would, fans out as the worker does, and
looks at whom each event reached (``told``) and what it says (``messages.describe``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.core.time import today as local_today
from app.core.time import utcnow
from app.extensions import db
from app.follows.models import Follow, Target
from app.initiatives import services as initiatives
from app.initiatives.models import InitiativeState, ResponseKind
from app.notifications import messages
from app.notifications.models import Event, Notification
from app.questions import services as questions
from app.questions.models import Origin, Question, QuestionState
from app.replies import services as replies
from app.replies.models import Verdict
from app.replies.services import Covered
from tests.notifications.conftest import draft, events, fan_out, follow, told
from tests.questions.conftest import (
    Council,
    People,
    account,
    council_content,
    initiative,
    reason_id,
    resident_content,
    topic_id,
)
from tests.replies.factories import Letters

pytestmark = pytest.mark.usefixtures("ctx")


def _message(kind: str) -> messages.Message:
    """What the latest event of ``kind`` says, in English."""
    from flask_babel import force_locale

    from app.notifications.audience import item_of

    event = events(kind)[-1]
    item = item_of(event)
    assert item is not None
    with force_locale("en"):
        return messages.describe(event, item)


def _follows(user_id: int) -> set[tuple[Target, int]]:
    rows = db.session.execute(
        sa.select(Follow.target, Follow.target_id).where(Follow.user_id == user_id)
    )
    return {(target, target_id) for target, target_id in rows}


# --- initiatives -----------------------------------------------------------------------------


def test_an_initiatives_life_is_told_to_its_author_followers_and_moderators(
    app: Flask, people: People, make_user: Callable[..., int], reference: None
) -> None:
    topic_fan = make_user()
    follow(topic_fan, Target.TOPIC, topic_id())
    author, moderator = account(people.author), account(people.moderator)
    item = draft(author, "Klopi v parku")
    assert (Target.INITIATIVE, item.id) in _follows(people.author)  # one's own, automatically
    initiatives.submit(author, item)
    db.session.commit()
    fan_out()
    assert told(people.moderator) == ["initiative.submitted"]
    assert told(people.administrator) == ["initiative.submitted"]  # moderates too
    assert told(people.author) == []  # not of their own act
    assert told(topic_fan) == []  # not public yet

    initiatives.publish(moderator, item, seen=initiatives.version(item))
    db.session.commit()
    fan_out()
    assert told(people.author) == ["initiative.published"]
    assert told(topic_fan) == ["initiative.published"]  # a new item in a followed topic
    assert told(people.moderator) == ["initiative.submitted"]  # not of their own act

    supporter = account(make_user())
    initiatives.support(supporter, item)
    db.session.commit()
    assert (Target.INITIATIVE, item.id) in _follows(supporter.id)

    official = account(people.official)
    initiatives.respond(official, item, kind=ResponseKind.ACCEPTED, text="Klopi postavimo maja.")
    db.session.commit()
    fan_out()
    assert told(supporter.id) == ["initiative.answered"]
    assert told(topic_fan)[-1] == "initiative.answered"
    assert _message("initiative.answered").note == "Klopi postavimo maja."

    initiatives.report_progress(official, item, note="Klopi so naročene.", completed=False)
    initiatives.report_progress(official, item, note="Klopi stojijo.", completed=True)
    db.session.commit()
    fan_out()
    assert told(supporter.id)[-2:] == ["initiative.progress", "initiative.completed"]
    assert _message("initiative.progress").note == "Klopi so naročene."
    assert told(topic_fan)[-1] == "initiative.answered"  # progress is for followers only


def test_a_rejection_tells_the_author_the_reason_even_when_not_following(
    app: Flask, people: People, reference: None
) -> None:
    author = account(people.author)
    author.follow_automatically = False
    item = draft(author, "Oglasi")
    initiatives.submit(author, item)
    initiatives.reject(
        account(people.moderator),
        item,
        seen=initiatives.version(item),
        reason_id=reason_id("duplicate"),
        note="Oglasi niso pobude.",
    )
    db.session.commit()
    fan_out()
    assert _follows(people.author) == set()
    assert told(people.author) == ["initiative.rejected"]
    note = _message("initiative.rejected").note or ""
    assert "Oglasi niso pobude." in note


def test_the_threshold_tells_followers_and_the_unit_or_the_moderators(
    app: Flask, people: People, make_initiative: Callable[..., int], make_user: Callable[..., int]
) -> None:
    item = initiative(make_initiative())
    item.threshold = 2
    db.session.commit()
    fan_out()
    first, second = account(make_user()), account(make_user())
    initiatives.support(first, item)
    initiatives.support(second, item)
    db.session.commit()
    fan_out()
    assert item.state is InitiativeState.AWAITING_RESPONSE
    # Both supporters: the step is the clock's, not the act of the one who crossed it.
    assert told(first.id) == told(second.id) == ["initiative.threshold_reached"]
    assert told(people.moderator) == ["initiative.threshold_reached"]  # no unit yet: give it one

    initiatives.assign_unit(account(people.moderator), item, unit_id=_unit("KZ"))
    db.session.commit()
    fan_out()
    assert told(people.official) == ["initiative.assigned"]
    assert told(people.other_official) == []  # another unit's
    assert told(first.id) == ["initiative.threshold_reached"]  # the unit's business


def _unit(code: str) -> int:
    from app.org.models import OrgUnit

    unit_id = db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == code))
    assert unit_id is not None
    return unit_id


def test_due_soon_and_overdue_responses_are_told_once_however_often_cron_runs(
    app: Flask,
    people: People,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
    runner: FlaskCliRunner,
) -> None:
    soon, late = initiative(make_initiative()), initiative(make_initiative())
    for item, due in ((soon, timedelta(days=2)), (late, -timedelta(days=1))):
        item.state = InitiativeState.AWAITING_RESPONSE
        item.responsible_unit_id = _unit("KZ")
        item.response_due_at = utcnow() + due
    db.session.commit()
    follower = make_user()
    follow(follower, Target.INITIATIVE, late.id)
    outputs = [runner.invoke(args=["initiatives", "close-expired"]).output for _ in range(3)]
    assert "2 response(s) newly due soon or overdue" in outputs[0]
    assert all("0 response(s) newly due soon or overdue" in output for output in outputs[1:])
    fan_out()
    assert sorted(told(people.official)) == ["initiative.due_soon", "initiative.overdue"]
    assert told(follower) == ["initiative.overdue"]


def test_an_expired_initiative_is_told_to_its_followers(
    app: Flask, make_initiative: Callable[..., int], make_user: Callable[..., int]
) -> None:
    item = initiative(make_initiative())
    follower = make_user()
    follow(follower, Target.INITIATIVE, item.id)
    item.support_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    initiatives.close_expired()
    db.session.commit()
    fan_out()
    assert told(follower) == ["initiative.expired"]


# --- questions and councillors ---------------------------------------------------------------


def test_a_councillors_new_question_is_told_to_who_follows_the_councillor_and_the_session(
    app: Flask, council: Council, people: People, make_user: Callable[..., int]
) -> None:
    fan, session_fan, nobody = make_user(), make_user(), make_user()
    follow(fan, Target.COUNCILLOR, people.councillor_person)
    follow(session_fan, Target.SESSION, council.held_session_id)
    question = questions.record(
        account(people.council_office), council_content(council, people, to_mayor=True)
    )
    db.session.commit()
    fan_out()
    assert told(fan) == ["question.recorded"]
    assert told(session_fan) == ["question.recorded"]
    assert told(nobody) == []
    # The councillor's own account follows it, as its author.
    assert (Target.QUESTION, question.id) in _follows(people.councillor)
    assert told(people.councillor) == ["question.recorded"]


def test_an_adoption_tells_the_supporters_and_makes_them_follow_the_councillors_question(
    app: Flask,
    council: Council,
    people: People,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
) -> None:
    item = initiative(make_initiative())
    supporters = [account(make_user()) for _ in range(3)]
    for supporter in supporters:
        initiatives.support(supporter, item)
    quiet = supporters[2]
    db.session.execute(
        sa.delete(Follow).where(Follow.user_id == quiet.id)  # stopped following it
    )
    db.session.commit()
    fan_out()

    adopting = questions.record(
        account(people.councillor), council_content(council, people), adopts=item
    )
    db.session.commit()
    fan_out()
    for supporter in supporters:
        assert told(supporter.id) == ["initiative.adopted"]  # supporters are told, all of them
        assert (Target.QUESTION, adopting.id) in _follows(supporter.id)
    assert (Target.INITIATIVE, item.id) in _follows(people.councillor)  # what one adopts
    assert "took up the initiative" in _message("initiative.adopted").sentence


def test_a_question_given_to_a_unit_tells_its_officials_and_its_due_date_once(
    app: Flask,
    council: Council,
    people: People,
    make_question: Callable[..., int],
    runner: FlaskCliRunner,
) -> None:
    question_id = make_question(Origin.COUNCILLOR, QuestionState.POSED)
    fan_out()
    question = db.session.get(Question, question_id)
    assert question is not None
    questions.assign(account(people.council_office), question, unit_id=council.units["KZ"])
    question.due_on = local_today() + timedelta(days=2)
    db.session.commit()
    fan_out()
    assert told(people.official)[-1:] == ["question.assigned"]
    assert told(people.other_official) == []

    for _ in range(3):
        assert runner.invoke(args=["questions", "mark-overdue"]).exit_code == 0
    fan_out()
    assert told(people.official).count("question.due_soon") == 1
    # A new due date (an extension) may be told again; the same date never.
    question.extended_to = local_today() + timedelta(days=3)
    question.extension_reason = "Zahtevna analiza."
    db.session.commit()
    runner.invoke(args=["questions", "mark-overdue"])
    runner.invoke(args=["questions", "mark-overdue"])
    fan_out()
    assert told(people.official).count("question.due_soon") == 2

    question.extended_to = None
    question.extension_reason = None
    question.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    runner.invoke(args=["questions", "mark-overdue"])
    runner.invoke(args=["questions", "mark-overdue"])
    fan_out()
    assert told(people.official).count("question.overdue") == 1


def test_a_residents_question_tells_moderators_then_its_author(
    app: Flask, people: People, council: Council
) -> None:
    author = account(people.author)
    question = questions.ask(author, resident_content())
    db.session.commit()
    fan_out()
    assert told(people.moderator) == ["question.submitted"]
    questions.publish(account(people.moderator), question, seen=questions.version(question))
    db.session.commit()
    fan_out()
    assert told(people.author) == ["question.published"]
    assert (Target.QUESTION, question.id) in _follows(people.author)


# --- reply letters ---------------------------------------------------------------------------


def test_a_letters_review_is_told_to_the_second_official_not_its_writer(
    app: Flask, letters: Letters, people: People
) -> None:
    reply = letters.create()
    db.session.commit()
    fan_out()
    replies.submit(account(letters.drafter), reply)
    db.session.commit()
    fan_out()
    assert told(letters.colleague)[-1] == "reply.submitted"
    assert "reply.submitted" not in told(letters.drafter)
    assert "reply.submitted" not in told(letters.answering)  # another unit's officials
    assert "reply.submitted" not in told(letters.unrelated)

    replies.return_to_draft(account(letters.colleague), reply, note="Popravite datum.")
    db.session.commit()
    fan_out()
    assert told(letters.drafter)[-1] == "reply.returned"
    assert _message("reply.returned").note == "Popravite datum."


def test_a_published_letter_and_its_correction_and_retraction_are_told(
    app: Flask, letters: Letters, people: People, make_user: Callable[..., int]
) -> None:
    follower = make_user()
    question_id = letters.question()
    db.session.commit()
    fan_out()
    follow(follower, Target.QUESTION, question_id)
    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    db.session.commit()
    fan_out()
    assert told(follower) == ["reply.published"]  # once: not "answered" besides

    correction = replies.start_correction(account(letters.drafter), reply)
    letters.advance(correction, "published")
    db.session.commit()
    fan_out()
    assert told(follower) == ["reply.published", "reply.published"]
    assert _message("reply.published").sentence.startswith(
        "The municipality published a correction"
    )

    replies.retract(account(letters.drafter), correction, reason="Napačen dopis.")
    db.session.commit()
    fan_out()
    assert told(follower)[-1] == "reply.retracted"
    assert _message("reply.retracted").note == "Napačen dopis."


def test_a_verdict_is_told_to_the_issuing_units_officials(
    app: Flask, letters: Letters, people: People
) -> None:
    question_id = letters.question()
    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    db.session.commit()
    fan_out()
    question = db.session.get(Question, question_id)
    assert question is not None
    replies.give_verdict(
        account(people.councillor),
        reply,
        question,
        verdict=Verdict.PARTLY,
        reason="Manjka časovnica.",
        asker=True,
        supporter=False,
    )
    db.session.commit()
    fan_out()
    assert told(letters.drafter)[-1] == "verdict.given"
    assert told(letters.colleague)[-1] == "verdict.given"
    assert "verdict.given" not in told(letters.answering)
    assert _message("verdict.given").note is None  # the words stay on the letter's page


def test_nobody_is_told_twice_and_nobody_of_their_own_act(
    app: Flask, letters: Letters, people: People, make_user: Callable[..., int]
) -> None:
    fan = make_user()
    question_id = letters.question()
    db.session.commit()
    fan_out()
    for target, target_id in (
        (Target.QUESTION, question_id),
        (Target.COUNCILLOR, people.councillor_person),
        (Target.SESSION, letters.council.held_session_id),
    ):
        follow(fan, target, target_id)
    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    db.session.commit()
    fan_out()
    fan_out()  # a second run adds nothing
    assert told(fan) == ["reply.published"]
    rows = db.session.scalars(
        sa.select(Notification.event_id).where(Notification.user_id == letters.drafter)
    ).all()
    published = events("reply.published")[-1]
    assert published.id not in rows  # the drafter published it


def test_every_kind_has_a_sentence_in_both_languages(app: Flask) -> None:
    from flask_babel import force_locale

    from app.notifications.kinds import Kind

    for kind in Kind:
        assert kind in messages._SENTENCES, kind
        for language in ("sl", "en"):
            with app.test_request_context(), force_locale(language):
                sentence = str(messages._SENTENCES[kind]) % {"title": "X"}
                assert "»X«" in sentence


def test_steps_nobody_hears_of_make_no_event(app: Flask, letters: Letters) -> None:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    reply = letters.create()  # a draft: its creation is the drafter's own business
    replies.update(account(letters.drafter), reply, content=letters.content())
    db.session.commit()
    kinds = [e.kind for e in events()[before or 0 :]]
    assert "reply.created" not in kinds
    assert all(not kind.startswith("reply.") for kind in kinds)
