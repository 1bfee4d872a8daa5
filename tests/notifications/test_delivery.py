"""Notifications by e-mail, over TCP to the real SMTP server of ``tests/smtp.py``.

What the issue's "done when" asks, each shown here: a published reply reaches every follower
once and in their language; following the item, its topic and its councillor is still one
message; the relay down, then up, delivers each message once; a rolled-back change sends
nothing; the unsubscribe link works without a session and refuses a forged token; digests
hold each event once; a permanent refusal stops mail to the address. (A worker killed between
two batches is in ``test_worker_killed.py``.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.auth.models import EmailFrequency, User
from app.core.cli import deliver_backlog
from app.core.outbox import DeliveryReport, OutboxMessage
from app.core.time import utcnow
from app.extensions import db
from app.follows.models import Target
from app.notifications import digests, unsubscribe
from app.notifications.models import Event, Mail, Notification
from app.questions.models import Question
from app.replies.services import Covered
from tests.notifications.conftest import fan_out, follow, told
from tests.questions.conftest import People, account
from tests.replies.factories import Letters
from tests.smtp import SMTPServer, unused_port

pytestmark = pytest.mark.usefixtures("ctx")


def _question_with_followers(letters: Letters, *followers: int) -> int:
    """A councillor's question, its own events already told, followed by ``followers``."""
    question_id = letters.question()
    db.session.commit()
    fan_out()
    for user_id in followers:
        follow(user_id, Target.QUESTION, question_id)
    return question_id


def _publish_reply(letters: Letters, question_id: int) -> int:
    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    db.session.commit()
    return reply.id


def _inbox(smtp: SMTPServer) -> Counter[str]:
    return Counter(address for message in smtp.messages for address in message.rcpt_tos)


def _only(smtp: SMTPServer, address: str):  # type: ignore[no-untyped-def]
    found = [m.message for m in smtp.messages if address in m.rcpt_tos]
    assert len(found) == 1, [m["Subject"] for m in found]
    return found[0]


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(("plain",)).get_content())


def test_a_published_reply_reaches_every_follower_once_in_their_language(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    ana, bob, cene = reader("ana"), reader("bob", language="en"), reader("cene")
    question_id = _question_with_followers(letters, ana, bob, cene)
    smtp.inbox.clear()
    deliver_backlog()
    smtp.inbox.clear()

    reply_id = _publish_reply(letters, question_id)
    pending = sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))
    assert db.session.scalar(pending) == 0  # the request wrote the event, not the mail
    report = fan_out()
    assert report.mailed == 3
    assert deliver_backlog().sent == 3

    assert _inbox(smtp) == {"ana@example.si": 1, "bob@example.si": 1, "cene@example.si": 1}
    slovenian, english = _only(smtp, "ana@example.si"), _only(smtp, "bob@example.si")
    assert slovenian["Content-Language"] == "sl"
    assert english["Content-Language"] == "en"
    assert "published the reply letter" in _text(english)
    assert _text(slovenian) != _text(english)
    link = f"http://localhost/replies/{reply_id}"
    assert link in _text(slovenian)
    assert link in _text(english)
    for message in (slovenian, english):
        assert message.get_body(("html",)) is not None
        assert message["List-Unsubscribe"].startswith("<http://localhost/notifications/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
    # The follow of the question, not the event of the question's answer: one reply, one mail.
    assert told(ana)[-1:] == ["reply.published"]
    assert "question.answered" not in told(ana)


def test_following_the_item_its_topic_and_its_councillor_is_one_message(
    app: Flask, letters: Letters, people: People, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    from tests.questions.conftest import topic_id

    ana = reader("ana")
    question_id = _question_with_followers(letters, ana)
    question = db.session.get(Question, question_id)
    assert question is not None
    question.topic_id = topic_id()
    db.session.commit()
    follow(ana, Target.TOPIC, topic_id())
    follow(ana, Target.COUNCILLOR, people.councillor_person)
    follow(ana, Target.SESSION, question.session_id)  # type: ignore[arg-type]
    deliver_backlog()
    smtp.inbox.clear()

    _publish_reply(letters, question_id)
    fan_out()
    deliver_backlog()
    assert _inbox(smtp) == {"ana@example.si": 1}
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == ana)
    ) == len(told(ana))


def test_the_relay_down_then_up_delivers_everything_once(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    readers = [reader(f"r{n}") for n in range(5)]
    question_id = _question_with_followers(letters, *readers)
    deliver_backlog()
    smtp.inbox.clear()
    _publish_reply(letters, question_id)
    fan_out()

    app.config["MAIL_PORT"] = unused_port()  # the relay is down
    assert deliver_backlog() == DeliveryReport(retrying=5)
    assert smtp.messages == []
    app.config["MAIL_PORT"] = smtp.port  # and back
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert deliver_backlog() == DeliveryReport(sent=5)
    assert deliver_backlog() == DeliveryReport()
    assert _inbox(smtp) == {f"r{n}@example.si": 1 for n in range(5)}
    ids = [m.message["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 5  # a retry would be recognisable: one stable id per message


def test_a_change_rolled_back_sends_nothing(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    ana = reader("ana")
    question_id = _question_with_followers(letters, ana)
    deliver_backlog()
    smtp.inbox.clear()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Event))

    reply = letters.create(covers=(Covered(question_id=question_id),))
    letters.advance(reply, "published")
    db.session.rollback()  # the view failed after the services ran: nothing happened

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == before
    assert fan_out().notified == 0
    assert deliver_backlog() == DeliveryReport()
    assert smtp.messages == []


def test_no_mail_without_a_confirmed_address_or_with_mail_turned_off(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    unconfirmed = reader("neznan", confirmed=False)
    off = reader("tiho", frequency=EmailFrequency.NEVER)
    question_id = _question_with_followers(letters, unconfirmed, off)
    deliver_backlog()
    smtp.inbox.clear()
    _publish_reply(letters, question_id)
    report = fan_out()
    assert told(unconfirmed) == told(off) == ["reply.published"]  # both see it on the site
    assert report.mailed == 0
    assert deliver_backlog() == DeliveryReport()


def test_one_click_unsubscribe_works_without_a_session_and_refuses_a_forged_token(
    app: Flask,
    letters: Letters,
    reader: Callable[..., int],
    smtp: SMTPServer,
    csrf_enabled: None,
) -> None:
    ana = reader("ana")
    question_id = _question_with_followers(letters, ana)
    deliver_backlog()
    smtp.inbox.clear()
    _publish_reply(letters, question_id)
    fan_out()
    deliver_backlog()
    header = _only(smtp, "ana@example.si")["List-Unsubscribe"]
    path = header.strip("<>").removeprefix("http://localhost")
    client = app.test_client()  # a mail provider's server: no cookie, no CSRF token

    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    response = client.post(forged, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert client.get(path).status_code == 200  # a preview or a link checker: nothing happens
    assert account(ana).email_frequency is EmailFrequency.IMMEDIATE

    response = client.post(
        path,
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert account(ana).email_frequency is EmailFrequency.NEVER

    # Told on the site still, by e-mail no more.
    smtp.inbox.clear()
    second = letters.question()
    db.session.commit()
    follow(ana, Target.QUESTION, second)
    _publish_reply(letters, second)
    assert fan_out().notified >= 1
    deliver_backlog()
    assert smtp.messages == []
    assert told(ana)[-1] == "reply.published"


def test_a_token_for_a_former_address_does_nothing(app: Flask, reader: Callable[..., int]) -> None:
    ana = account(reader("ana"))
    token = unsubscribe.token_for(ana)
    ana.email = "nova@example.si"
    db.session.commit()
    assert unsubscribe.user_of(token) is None
    assert unsubscribe.user_of(unsubscribe.token_for(ana)) == ana
    assert unsubscribe.user_of("not-a-token") is None


def test_a_digest_holds_each_event_once(
    app: Flask,
    letters: Letters,
    reader: Callable[..., int],
    smtp: SMTPServer,
    runner: FlaskCliRunner,
) -> None:
    daily = reader("dnevno", frequency=EmailFrequency.DAILY, language="en")
    first, second = letters.question(), letters.question()
    db.session.commit()
    fan_out()
    follow(daily, Target.QUESTION, first)
    follow(daily, Target.QUESTION, second)
    _publish_reply(letters, first)
    _publish_reply(letters, second)
    fan_out()
    deliver_backlog()
    assert smtp.messages == []  # nothing at once: it waits for the digest

    result = runner.invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert deliver_backlog().sent == 1
    digest = _only(smtp, "dnevno@example.si")
    assert digest["Subject"] == "Glas: 2 notifications"
    body = _text(digest)
    assert body.count("published the reply letter") == 2
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Run again: nothing is sent twice. A new event goes into the next digest alone.
    smtp.inbox.clear()
    assert digests.send_digests() == 0
    third = letters.question()
    db.session.commit()
    follow(daily, Target.QUESTION, third)
    _publish_reply(letters, third)
    fan_out()
    assert digests.send_digests() == 1
    deliver_backlog()
    assert _text(_only(smtp, "dnevno@example.si")).count("published the reply letter") == 1
    states = db.session.scalars(sa.select(Notification.mail).where(Notification.user_id == daily))
    assert set(states) == {Mail.DIGESTED}


def test_a_digest_never_repeats_what_went_out_at_once(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    ana = reader("ana")
    question_id = _question_with_followers(letters, ana)
    _publish_reply(letters, question_id)
    fan_out()
    deliver_backlog()
    smtp.inbox.clear()
    user = account(ana)
    user.email_frequency = EmailFrequency.DAILY  # changed her mind afterwards
    db.session.commit()
    assert digests.send_digests() == 0
    assert deliver_backlog() == DeliveryReport()


def test_a_permanent_refusal_stops_mail_to_the_address_and_the_account_says_so(
    app: Flask,
    letters: Letters,
    reader: Callable[..., int],
    smtp: SMTPServer,
    login: Callable[..., None],
) -> None:
    gone, fine = reader("gone"), reader("fine")
    question_id = _question_with_followers(letters, gone, fine)
    deliver_backlog()
    smtp.inbox.clear()
    smtp.inbox.refused.add("gone@example.si")
    _publish_reply(letters, question_id)
    fan_out()
    assert deliver_backlog() == DeliveryReport(sent=1, given_up=1)
    db.session.expire_all()
    refused = account(gone)
    assert refused.email_refused_at is not None
    assert "550" in (refused.email_refused_reason or "")
    assert account(fine).email_refused_at is None

    client = app.test_client()
    login(client, gone)
    page = client.get("/me/").get_data(as_text=True)
    assert "gone@example.si" in page
    assert "550" in page

    # The next event is on the site, but queues no mail for the refused address.
    second = letters.question()
    db.session.commit()
    follow(gone, Target.QUESTION, second)
    _publish_reply(letters, second)
    assert fan_out().mailed == 0

    # Giving the address again starts afresh.
    from app.auth import email

    with app.test_request_context():
        email.change_address(account(gone), "gone@example.si")
        db.session.commit()
    assert account(gone).email_refused_at is None


def test_the_worker_fans_out_and_delivers(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer, runner
) -> None:
    ana = reader("ana")
    question_id = _question_with_followers(letters, ana)
    deliver_backlog()
    smtp.inbox.clear()
    _publish_reply(letters, question_id)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert _inbox(smtp) == {"ana@example.si": 1}
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Event).where(Event.fanned_out_at.is_(None))
        )
        == 0
    )


def test_mail_follows_the_readers_address_and_name_nothing_else(
    app: Flask, letters: Letters, reader: Callable[..., int], smtp: SMTPServer
) -> None:
    """A message names only its reader: no other recipient's address, in any header."""
    readers = [reader(f"p{n}") for n in range(3)]
    question_id = _question_with_followers(letters, *readers)
    deliver_backlog()
    smtp.inbox.clear()
    _publish_reply(letters, question_id)
    fan_out()
    deliver_backlog()
    for received in smtp.messages:
        raw = received.raw.decode()
        (mine,) = received.rcpt_tos
        others = {f"p{n}@example.si" for n in range(3)} - {mine}
        assert not any(other in raw for other in others)
        user = db.session.scalar(sa.select(User).where(User.email == mine))
        assert user is not None
        assert unsubscribe.token_for(user) in _text(received.message)
        assert unsubscribe.token_for(user) in received.message["List-Unsubscribe"]
