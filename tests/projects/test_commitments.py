"""Commitments made in reply letters: recorded on the letter's page by its issuing unit, public
with the letter, kept, given up or reopened, late when open past their day; the public list."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.models import AuditEntry
from app.core.time import today
from app.extensions import db
from app.projects.models import Commitment, CommitmentState, UpdateKind
from tests.projects.conftest import Actors, Org, letter_date, project


@pytest.fixture
def issuer(actors: Actors, signed_in: Callable[..., FlaskClient]) -> FlaskClient:
    return signed_in(actors.issuer)


def _form(org: Org, **overrides: str) -> dict[str, str]:
    data = {
        "commitment-text": "Prehod bo osvetljen pred začetkom šolskega leta.",
        "commitment-owner_unit": str(org.unit),
        "commitment-due_on": (today() + timedelta(days=60)).isoformat(),
        "commitment-project": "",
    }
    data.update({f"commitment-{k}": v for k, v in overrides.items()})
    return data


def _commitment(app: Flask, commitment_id: int) -> Commitment:
    with app.app_context():
        found = db.session.get(Commitment, commitment_id)
        assert found is not None
        db.session.expunge(found)
        return found


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- recording -----------------------------------------------------------------------------


def test_the_issuing_unit_records_a_commitment_on_the_letter(
    app: Flask,
    org: Org,
    actors: Actors,
    issuer: FlaskClient,
    published_reply: int,
    make_project: Callable[..., int],
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
) -> None:
    pid = make_project("OB-2026-014")
    page = issuer.get(f"/replies/{published_reply}").get_data(as_text=True)
    assert f'action="/projects/commitments/for-reply/{published_reply}"' in page
    response = issuer.post(
        f"/projects/commitments/for-reply/{published_reply}",
        data=_form(org, project=" OB-2026-014 "),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/replies/{published_reply}#commitments"
    with app.app_context():
        (made,) = db.session.scalars(sa.select(Commitment)).all()
        assert (made.reply_id, made.owner_unit_id, made.project_id, made.state) == (
            published_reply,
            org.unit,
            pid,
            CommitmentState.OPEN,
        )
        assert made.created_by_id == actors.issuer
        audit = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.target_type == "commitment")
        ).all()
        assert audit == ["commitment.record"]
        assert project(pid).updates[0].kind is UpdateKind.COMMITMENT
    # Everyone sees it on the letter, on the project and in the list.
    in_english(client)
    for path in (f"/replies/{published_reply}", f"/projects/{pid}", "/projects/commitments"):
        html = client.get(path).get_data(as_text=True)
        assert "Prehod bo osvetljen pred začetkom šolskega leta." in html, path


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": ""}, "text", "Write what was promised."),
        ({"text": "x" * 501}, "text", "Use at most 500 characters."),
        ({"text": "Obljuba\x0b"}, "text", "Remove the invisible control characters."),
        ({"owner_unit": ""}, "owner_unit", "Choose a unit."),
        ({"owner_unit": "999999"}, "owner_unit", "Not a valid choice."),
        ({"owner_unit": "inactive"}, "owner_unit", "Not a valid choice."),
        ({"due_on": ""}, "due_on", "Give the due day."),
        ({"due_on": "before"}, "due_on", "A commitment cannot fall due before the letter's date."),
        ({"due_on": "2101-01-01"}, "due_on", "Enter a year from 1990 to 2100."),
        ({"project": "OB-NI"}, "project", "There is no project with this code."),
        ({"project": "O" * 31}, "project", "Use at most 30 characters."),
    ],
)
def test_a_bad_commitment_is_refused_on_the_letters_page(
    app: Flask,
    org: Org,
    issuer: FlaskClient,
    published_reply: int,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    with app.app_context():
        letter = letter_date(published_reply)
    if overrides.get("due_on") == "before":
        overrides = {"due_on": (letter - timedelta(days=1)).isoformat()}
    if overrides.get("owner_unit") == "inactive":
        overrides = {"owner_unit": str(org.inactive_unit)}
    path = f"/projects/commitments/for-reply/{published_reply}"
    with unchanged():
        response = issuer.post(path, data=_form(org, **overrides))
        assert response.status_code == 422
        sl = response.get_data(as_text=True)
        assert f'id="commitment-{field}-error"' in sl
        in_english(issuer)
        response = issuer.post(path, data=_form(org, **overrides))
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        error = re.search(rf'id="commitment-{field}-error">(.*?)</p>', html, re.S)
        assert error
        assert message in markup.unescape(error.group(1))
        assert re.search(
            r"<details[^>]* open>", html
        )  # the form that failed is open, with what was typed


def test_a_commitment_due_on_the_letters_day_is_taken(
    app: Flask, org: Org, issuer: FlaskClient, published_reply: int
) -> None:
    with app.app_context():
        letter = letter_date(published_reply)
    response = issuer.post(
        f"/projects/commitments/for-reply/{published_reply}",
        data=_form(org, due_on=letter.isoformat()),
    )
    assert response.status_code == 302


def test_a_commitment_of_a_letter_not_yet_public_is_not_shown(
    app: Flask,
    org: Org,
    issuer: FlaskClient,
    client: FlaskClient,
    make_reply: Callable[..., int],
    make_project: Callable[..., int],
    letters: Any,
) -> None:
    pid = make_project("OB-2026-014")
    sent = make_reply("sent")
    response = issuer.post(
        f"/projects/commitments/for-reply/{sent}", data=_form(org, project="OB-2026-014")
    )
    assert response.status_code == 302
    text = "Prehod bo osvetljen pred začetkom šolskega leta."
    assert text in issuer.get(f"/replies/{sent}").get_data(as_text=True)  # its unit sees it
    assert client.get(f"/replies/{sent}").status_code == 404
    assert text not in client.get("/projects/commitments").get_data(as_text=True)
    assert text not in client.get(f"/projects/{pid}").get_data(as_text=True)
    with app.app_context():
        from app.replies.models import Reply

        reply = db.session.get(Reply, sent)
        assert reply is not None
        letters.advance(reply, "published")
        db.session.commit()
    assert text in client.get("/projects/commitments").get_data(as_text=True)
    assert text in client.get(f"/projects/{pid}").get_data(as_text=True)


# --- keeping, giving up, reopening ----------------------------------------------------------


@pytest.fixture
def commitment(org: Org, published_reply: int, make_commitment: Callable[..., int]) -> int:
    return make_commitment(published_reply, org.unit, due_on=today() - timedelta(days=1))


def _close(client: FlaskClient, commitment_id: int, **fields: str) -> Any:
    return client.post(
        f"/projects/commitments/{commitment_id}/close",
        data={f"close{commitment_id}-{k}": v for k, v in fields.items()},
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"state": "done", "closed_on": ""}, "closed_on", "Enter the date."),
        (
            {"state": "done", "closed_on": "tomorrow"},
            "closed_on",
            "The date cannot be a day still to come.",
        ),
        (
            {"state": "done", "closed_on": "before"},
            "closed_on",
            "The date cannot be before the letter's date.",
        ),
        ({"state": "dropped", "closed_on": "yesterday", "note": ""}, "note", "This is required."),
        (
            {"state": "dropped", "closed_on": "yesterday", "note": "x" * 2001},
            "note",
            "Use at most 2000 characters.",
        ),
        ({"state": "lost", "closed_on": "yesterday"}, "state", "Not a valid choice."),
    ],
)
def test_a_bad_close_is_refused(
    app: Flask,
    actors: Actors,
    signed_in: Callable[..., FlaskClient],
    commitment: int,
    published_reply: int,
    in_english: Callable[[FlaskClient], None],
    unchanged: Callable[..., Any],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    with app.app_context():
        letter = letter_date(published_reply)
    days = {
        "tomorrow": today() + timedelta(days=1),
        "before": letter - timedelta(days=1),
        "yesterday": today() - timedelta(days=1),
    }
    fields = {k: days[v].isoformat() if v in days else v for k, v in fields.items()}
    owner = signed_in(actors.official)
    in_english(owner)
    with unchanged():
        response = _close(owner, commitment, **fields)
    assert response.status_code == 422
    error = re.search(
        rf'id="close{commitment}-{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    assert error, response.get_data(as_text=True)[-3000:]
    assert message in markup.unescape(error.group(1))
    assert _commitment(app, commitment).state is CommitmentState.OPEN


def test_kept_given_up_and_reopened(
    app: Flask,
    actors: Actors,
    signed_in: Callable[..., FlaskClient],
    commitment: int,
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
) -> None:
    owner, issuer = signed_in(actors.official), signed_in(actors.issuer)
    in_english(client)
    late = _plain(client.get("/projects/commitments").get_data(as_text=True))
    assert "Late by 1 day" in late

    assert (
        _close(
            owner, commitment, state="done", closed_on=today().isoformat(), note="Postavljeno."
        ).status_code
        == 302
    )
    found = _commitment(app, commitment)
    assert (found.state, found.closed_on, found.note) == (
        CommitmentState.DONE,
        today(),
        "Postavljeno.",
    )
    page = _plain(client.get("/projects/commitments").get_data(as_text=True))
    assert "(1 day late)" in page
    assert "Postavljeno." in page

    assert _close(issuer, commitment, state="open").status_code == 302
    found = _commitment(app, commitment)
    assert (found.state, found.closed_on) == (CommitmentState.OPEN, None)

    yesterday = (today() - timedelta(days=1)).isoformat()
    assert (
        _close(
            owner, commitment, state="dropped", closed_on=yesterday, note="Ni denarja."
        ).status_code
        == 302
    )
    found = _commitment(app, commitment)
    assert (found.state, found.closed_on, found.note) == (
        CommitmentState.DROPPED,
        today() - timedelta(days=1),
        "Ni denarja.",
    )
    page = _plain(client.get("/projects/commitments").get_data(as_text=True))
    assert "Given up on" in page
    assert "Ni denarja." in page
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.target_type == "commitment", AuditEntry.target_id == commitment)
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "commitment.record",
        "commitment.close",
        "commitment.reopen",
        "commitment.close",
    ]


def test_kept_on_time_is_not_late(
    app: Flask,
    org: Org,
    actors: Actors,
    signed_in: Callable[..., FlaskClient],
    published_reply: int,
    make_commitment: Callable[..., int],
    client: FlaskClient,
    in_english: Callable[[FlaskClient], None],
) -> None:
    due = make_commitment(published_reply, org.unit, due_on=today() + timedelta(days=5))
    assert (
        _close(
            signed_in(actors.official), due, state="done", closed_on=today().isoformat()
        ).status_code
        == 302
    )
    in_english(client)
    page = _plain(client.get("/projects/commitments").get_data(as_text=True))
    assert "Kept on" in page
    assert "late" not in page.split("Kept on")[1][:40]


def test_the_late_rule() -> None:
    due = date(2026, 5, 1)
    open_ = Commitment(state=CommitmentState.OPEN, due_on=due)
    assert not open_.is_late(due)
    assert open_.is_late(due + timedelta(days=1))
    kept = Commitment(state=CommitmentState.DONE, due_on=due, closed_on=due + timedelta(days=3))
    assert kept.is_late(due)
    assert not Commitment(state=CommitmentState.DONE, due_on=due, closed_on=due).is_late(
        due + timedelta(days=9)
    )
    assert not Commitment(
        state=CommitmentState.DROPPED, due_on=due, closed_on=due + timedelta(days=3)
    ).is_late(due + timedelta(days=9))


# --- the public list --------------------------------------------------------------------------


@pytest.fixture
def many(
    app: Flask, org: Org, actors: Actors, published_reply: int, make_commitment: Callable[..., int]
) -> dict[str, int]:
    from app.projects import services
    from app.replies.models import Reply

    ids = {
        "late": make_commitment(
            published_reply, org.unit, text="Zamuja", due_on=today() - timedelta(days=1)
        ),
        "open": make_commitment(
            published_reply, org.other_unit, text="Odprta", due_on=today() + timedelta(days=9)
        ),
        "done": make_commitment(published_reply, org.unit, text="Izpolnjena", due_on=today()),
        "dropped": make_commitment(
            published_reply, org.other_unit, text="Opuščena", due_on=today()
        ),
    }
    with app.app_context(), services.as_the_system():
        reply = db.session.get(Reply, published_reply)
        assert reply is not None
        for key, state in (("done", CommitmentState.DONE), ("dropped", CommitmentState.DROPPED)):
            found = db.session.get(Commitment, ids[key])
            assert found is not None
            services.close_commitment(
                None, found, reply, state=state, closed_on=today(), note="Opomba."
            )
        db.session.commit()
    return ids


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ("", ["Zamuja", "Odprta", "Izpolnjena", "Opuščena"]),
        ("?state=all", ["Zamuja", "Odprta", "Izpolnjena", "Opuščena"]),
        ("?state=open", ["Zamuja", "Odprta"]),
        ("?state=late", ["Zamuja"]),
        ("?state=done", ["Izpolnjena"]),
        ("?state=dropped", ["Opuščena"]),
        ("?unit=UOP", ["Odprta", "Opuščena"]),
        ("?unit=UGDP&state=open", ["Zamuja"]),
    ],
)
def test_the_list_filters(
    many: dict[str, int], client: FlaskClient, query: str, texts: list[str]
) -> None:
    html = client.get(f"/projects/commitments{query}").get_data(as_text=True)
    shown = re.findall(r'<th scope="row">([^<]+)', html)
    assert shown == texts


@pytest.mark.parametrize(
    "query", ["?state=lost", "?unit=XX", "?state=open&state=done", "?page=0", "?page=abc"]
)
def test_a_bad_filter_is_a_400(client: FlaskClient, query: str) -> None:
    assert client.get(f"/projects/commitments{query}").status_code == 400


def test_a_page_past_the_end_is_a_404(client: FlaskClient) -> None:
    assert client.get("/projects/commitments?page=5").status_code == 404


@pytest.mark.parametrize(
    ("state", "closed_on"),
    [
        (CommitmentState.DONE, None),
        (CommitmentState.DROPPED, None),
        (CommitmentState.OPEN, date(2026, 1, 1)),
    ],
)
def test_the_database_keeps_a_closed_commitment_dated(
    app: Flask, org: Org, published_reply: int, state: CommitmentState, closed_on: date | None
) -> None:
    with app.app_context():
        db.session.add(
            Commitment(
                reply_id=published_reply,
                text="Obljuba",
                owner_unit_id=org.unit,
                due_on=today(),
                state=state,
                closed_on=closed_on,
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
