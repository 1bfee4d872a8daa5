"""Guards for what a review from outside found: one act tells each person once, nothing is
told of what they may not see, a broken event holds nobody else back, and a relay's refusal
of a message is not taken for a refusal of the address.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.core import outbox
from app.core.cli import deliver_backlog, run_tasks
from app.core.outbox import queue_email
from app.core.time import utcnow
from app.extensions import db
from app.follows.models import Target
from app.initiatives import services as initiatives
from app.notifications import fanout
from app.notifications.models import Event
from app.questions import services as questions
from app.replies.models import ReplyType
from app.replies.services import Covered
from tests.notifications.conftest import draft, fan_out, follow, told
from tests.questions.conftest import (
    Council,
    People,
    account,
    council_content,
    initiative,
    resident_content,
)
from tests.replies.factories import Letters
from tests.smtp import SMTPServer

pytestmark = pytest.mark.usefixtures("ctx")


def test_a_question_published_with_its_unit_is_one_notification_each(
    app: Flask, people: People, council: Council
) -> None:
    question = questions.ask(account(people.author), resident_content())
    db.session.commit()
    fan_out()
    questions.publish(
        account(people.moderator),
        question,
        seen=questions.version(question),
        unit_id=council.units["KZ"],
    )
    db.session.commit()
    fan_out()
    assert told(people.author) == ["question.published"]
    assert told(people.official) == ["question.assigned"]


def test_a_forwarding_letter_tells_the_new_unit_once(
    app: Flask, letters: Letters, people: People
) -> None:
    question_id = letters.question()
    db.session.commit()
    fan_out()
    reply = letters.create(
        covers=(Covered(question_id=question_id),),
        reply_type=ReplyType.FORWARDED,
        forwarded_to_id=letters.ugdp,
    )
    letters.advance(reply, "published")
    db.session.commit()
    fan_out()
    assert told(letters.unrelated) == ["reply.published"]  # UGDP's official


def test_an_adoption_is_one_notification_for_who_follows_the_item_and_the_councillor(
    app: Flask,
    council: Council,
    people: People,
    make_initiative: Callable[..., int],
    make_user: Callable[..., int],
) -> None:
    item = initiative(make_initiative())
    fan = make_user()
    follow(fan, Target.INITIATIVE, item.id)
    follow(fan, Target.COUNCILLOR, people.councillor_person)
    db.session.commit()
    fan_out()
    adopting = questions.record(
        account(people.councillor), council_content(council, people), adopts=item
    )
    db.session.commit()
    fan_out()
    assert told(fan) == ["initiative.adopted"]
    # The author of the adopted item follows the councillor's question from now on.
    from app.follows import services as follows

    _count, following = follows.followers(Target.QUESTION, adopting.id, account(people.resident))
    assert following


def test_a_unit_given_an_initiative_in_the_queue_hears_of_it_only_at_publication(
    app: Flask, people: People, council: Council, reference: None
) -> None:
    author, moderator = account(people.author), account(people.moderator)
    item = draft(author, "Klopi")
    initiatives.submit(author, item)
    initiatives.assign_unit(moderator, item, unit_id=council.units["KZ"])
    db.session.commit()
    fan_out()
    assert told(people.official) == []  # not public: a 404 for the unit's officials
    initiatives.publish(moderator, item, seen=initiatives.version(item))
    db.session.commit()
    fan_out()
    assert told(people.official) == ["initiative.published"]


def test_nobody_hears_of_a_question_no_longer_public(
    app: Flask, people: People, make_user: Callable[..., int], council: Council
) -> None:
    question = questions.ask(account(people.author), resident_content())
    db.session.commit()
    fan = make_user()
    # A follow made while it was public elsewhere, or forged into the table: still nothing.
    follow_row = {"user": fan, "question": question.id}
    db.session.execute(
        sa.text(
            "INSERT INTO follows (user_id, target, target_id, reason, created_at)"
            " VALUES (:user, 'question', :question, 'chosen', CURRENT_TIMESTAMP)"
        ),
        follow_row,
    )
    questions.withdraw(account(people.author), question)
    db.session.commit()
    fan_out()
    assert told(fan) == []


def test_a_broken_event_waits_and_holds_back_neither_other_events_nor_mail(
    app: Flask,
    letters: Letters,
    reader: Callable[..., int],
    smtp: SMTPServer,
) -> None:
    ana = reader("ana")
    question_id = letters.question()
    db.session.commit()
    fan_out()
    follow(ana, Target.QUESTION, question_id)
    # An event no code knows how to tell (a kind from a newer release, a broken catalogue).
    db.session.add(
        Event(kind="question.unknown", item_type="question", item_id=question_id, data={})
    )
    db.session.commit()
    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    queue_email(
        to="nekdo@example.si",
        template="confirm_email",
        language="sl",
        confirm_url="http://localhost/x",
        hours=48,
    )
    db.session.commit()

    run_tasks()  # the worker's round: the broken one fails, the letter's event is told
    deliver_backlog()
    assert told(ana) == ["reply.published"]
    assert {a for m in smtp.messages for a in m.rcpt_tos} == {
        "ana@example.si",
        "nekdo@example.si",
    }
    broken = db.session.scalars(sa.select(Event).where(Event.kind == "question.unknown")).one()
    assert broken.attempts == 1
    assert broken.fanned_out_at is None
    assert broken.retry_at is not None
    assert "ValueError" in (broken.last_error or "")
    for _ in range(fanout.MAX_ATTEMPTS):
        broken.retry_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        fan_out()
    assert broken.attempts == fanout.MAX_ATTEMPTS
    assert broken.fanned_out_at is not None  # given up, with its reason kept


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.si": (550, b"5.1.1 No such mailbox")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.si": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.si": (553, b"5.1.3 Bad address syntax")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.si": (554, b"5.7.1 Relay access denied")}), False),
        (smtplib.SMTPRecipientsRefused({"a@x.si": (550, b"5.7.1 Spam rejected")}), False),
        (smtplib.SMTPRecipientsRefused({"a@x.si": (552, b"5.2.2 Mailbox full")}), False),
        (smtplib.SMTPDataError(554, b"5.7.1 Message content rejected"), False),
        (ConnectionRefusedError(111, "refused"), False),
    ],
)
def test_only_a_refusal_of_the_address_stops_mail_to_it(error: Exception, refused: bool) -> None:
    words = outbox._address_refusal(error)
    assert (words is not None) is refused
    if words is not None:
        assert words.startswith("55")  # the relay's words, not Python's repr
        assert "b'" not in words


def test_a_content_rejection_stops_nobodys_mail(
    app: Flask, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    """Through the real delivery path: the relay refuses the address of one reader only."""
    ana, bob = account(reader("ana")), account(reader("bob"))
    smtp.inbox.refused.add("ana@example.si")
    for user in (ana, bob):
        queue_email(
            to=user.email or "",
            template="confirm_email",
            language="sl",
            confirm_url="http://localhost/x",
            hours=48,
        )
    db.session.commit()
    deliver_backlog()
    db.session.expire_all()
    assert account(ana.id).email_refused_at is not None
    assert account(ana.id).email_refused_reason == "550 5.1.1 No such mailbox here"
    assert account(bob.id).email_refused_at is None
