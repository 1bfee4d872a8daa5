"""How many SQL statements the pages of reply letters cost, whatever the letters hold.

Each page is counted with one letter and with many (ten letters; three signatories, five
recipients and three questions each), anonymous and signed in as an official of the issuing
unit. The bounds are today's counts, exactly (see the initiatives' test): a count that grows
with the letters, the participants, the recipients or the rows of coverage is an N+1 query, to
be fixed, never a reason to raise a bound.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.replies.models import DistributionKind, Reply
from app.replies.services import Covered, Preparer, Recipient, Signatory
from tests.conftest import Queries, made_afresh
from tests.initiatives.test_query_counts import CountQueries
from tests.replies.factories import Letters, pdf_bytes

#: Letters of the "many" case.
MANY = 10

SMALL: dict[str, Any] = {
    "prepared_by": (Preparer("Maja Novak", "Pisarna za podjetja"),),
    "signatories": (Signatory("Matjaž Rakovec", "župan Mestne občine Kranj"),),
    "distribution": (Recipient("Svet Mestne občine Kranj"),),
}
LARGE: dict[str, Any] = {
    "prepared_by": (
        Preparer("Maja Novak", "Pisarna za podjetja"),
        Preparer("Ana Vizovišek", "Kabinet župana"),
    ),
    "signatories": (
        Signatory("Mojca Lah", "višja svetovalka", "po pooblastilu župana"),
        Signatory("Janez Rakar", "direktor občinske uprave"),
        Signatory("Boštjan Trilar", "župan Mestne občine Kranj"),
    ),
    "distribution": (
        Recipient("Svet Mestne občine Kranj"),
        Recipient("Janez Černe, svetnik"),
        Recipient("Komunala Kranj", DistributionKind.CC),
        Recipient("Urad za finance", DistributionKind.CC),
        Recipient("Arhiv", DistributionKind.ARCHIVE),
    ),
}


def measure(client: FlaskClient, count_queries: CountQueries, path: str) -> Queries:
    """The statements of one request made afresh (not from the cache of anonymous pages),
    after a first one that may fill per-process caches; the body is read inside the count,
    since a streamed one (the CSV) runs its queries while it is read."""
    first = client.get(path)
    assert first.status_code == 200, path
    first.get_data()
    with made_afresh(client.application), count_queries() as queries:
        response = client.get(path)
        assert response.status_code == 200, path
        response.get_data()
    return queries


def _covers(letters: Letters, questions: int) -> tuple[Covered, ...]:
    return tuple(Covered(question_id=letters.question()) for _ in range(questions))


#: The signed PDF of each letter made, by its id.
_PDFS: dict[int, bytes] = {}


def _letter(app: Flask, letters: Letters, stage: str, *, large: bool, n: int) -> int:
    """A letter at ``stage``: small (one of each) or large (three signatories, five
    recipients, three questions, two preparers); its id."""
    covers = _covers(letters, 3 if large else 1)
    pdf = pdf_bytes(f"Pismo {n} {stage} {large}")
    with app.app_context():
        reply = letters.create(covers=covers, **(LARGE if large else SMALL))
        letters.advance(reply, stage, pdf=pdf)
        db.session.commit()
        _PDFS[reply.id] = pdf
        return reply.id


@pytest.fixture
def official(
    client: FlaskClient, letters: Letters, login: Callable[[FlaskClient, int], None]
) -> Callable[[], None]:
    return lambda: login(client, letters.drafter)


#: Page -> statements for (anonymous, official of the issuing unit). Signed in, every page
#: also reads the session with its account (one statement) and, where a permission is asked,
#: the account's roles (one more).
PUBLIC_PAGES = {
    # The total, the page of letters (issuer and correction joined in), the questions they
    # answer in one more, and the first year of the filter.
    "list": ("/replies/", (4, 6)),
    "list_filtered": ("/replies/?unit=KZ&type=full", (4, 6)),
    # The letter with what is joined to it, then one statement per kind of row: answering
    # units, participants, recipients, coverage (with the questions' sessions and groups),
    # attachments, events, the questions' authors; and the verdicts. Signed in: whether the
    # official supports each question it answers (to offer the verdict form) — ONE statement
    # per question (``views._verdict_questions``): 13 with one question, 15 with three. And
    # the follow button (how many follow, and whether the visitor does: one query). The
    # projects it speaks of and its commitments (two); for an official of the issuing unit
    # also the units to choose the owner of a new commitment from.
    "letter": ("/replies/{reply}", (12, 16)),
    # The same letter, without the verdicts; the QR code loads the whole letter too.
    "json": ("/replies/{reply}.json", (8, 9)),
    "qr": ("/replies/{reply}/qr.svg", (8, 9)),
    # The ids, then per batch of 500 the letters with their issuer, answering units, coverage.
    "csv": ("/replies/export.csv", (4, 5)),
}


@pytest.mark.parametrize("who", ["anonymous", "official"])
@pytest.mark.parametrize(("path", "bounds"), PUBLIC_PAGES.values(), ids=list(PUBLIC_PAGES))
def test_a_public_page_costs_the_same_for_one_letter_and_many(
    app: Flask,
    client: FlaskClient,
    letters: Letters,
    official: Callable[[], None],
    count_queries: CountQueries,
    who: str,
    path: str,
    bounds: tuple[int, int],
) -> None:
    if who == "official":
        official()
    bound = bounds[who == "official"]
    first = _letter(app, letters, "published", large=False, n=0)
    one = measure(client, count_queries, path.format(reply=first))
    for n in range(1, MANY):
        _letter(app, letters, "published", large=True, n=n)
    large = _letter(app, letters, "published", large=True, n=MANY)
    many = measure(client, count_queries, path.format(reply=large))
    one.expect(bound)
    many.expect(bound)


#: A letter in the works, seen by an official of the issuing unit (with the workflow's forms):
#: the session, the letter as on its public page (eight), the account's roles; no verdicts;
#: its commitments and the units to choose a new one's owner from (the issuing unit's form).
#: The form to edit it: the session and roles, the letter, the units and people to choose
#: from, the council it is addressed to. The officials' list of letters in the works: the
#: session, the roles, the letters (issuer joined in).
INTERNAL_PAGES = {
    "draft": ("draft", "/replies/{reply}", 12),
    "in_review": ("in_review", "/replies/{reply}", 12),
    "signed": ("signed", "/replies/{reply}", 12),
    "edit": ("draft", "/replies/{reply}/edit", 13),
    "drafts": ("draft", "/replies/drafts", 3),
}


@pytest.mark.parametrize(
    ("stage", "path", "bound"), INTERNAL_PAGES.values(), ids=list(INTERNAL_PAGES)
)
def test_an_officials_page_costs_the_same_for_one_letter_and_many(
    app: Flask,
    client: FlaskClient,
    letters: Letters,
    official: Callable[[], None],
    count_queries: CountQueries,
    stage: str,
    path: str,
    bound: int,
) -> None:
    official()
    first = _letter(app, letters, stage, large=False, n=0)
    one = measure(client, count_queries, path.format(reply=first))
    for n in range(1, MANY):
        _letter(app, letters, stage, large=True, n=n)
    large = _letter(app, letters, stage, large=True, n=MANY)
    many = measure(client, count_queries, path.format(reply=large))
    one.expect(bound)
    many.expect(bound)


def test_the_answering_units_official_pays_the_same(
    app: Flask,
    client: FlaskClient,
    letters: Letters,
    login: Callable[[FlaskClient, int], None],
    count_queries: CountQueries,
) -> None:
    login(client, letters.answering)
    small = _letter(app, letters, "draft", large=False, n=0)
    large = _letter(app, letters, "draft", large=True, n=1)
    one = measure(client, count_queries, f"/replies/{small}")
    many = measure(client, count_queries, f"/replies/{large}")
    one.expect(10)
    many.expect(10)


def _post(client: FlaskClient, count_queries: CountQueries, data: dict[str, Any]) -> Queries:
    def send() -> Any:
        body = {
            key: (io.BytesIO(value), "pismo.pdf", "application/pdf")
            if isinstance(value, bytes)
            else value
            for key, value in data.items()
        }
        response = client.post("/replies/verify", data=body, content_type="multipart/form-data")
        assert response.status_code == 200
        return response

    send()
    with made_afresh(client.application), count_queries() as queries:
        send()
    return queries


@pytest.mark.parametrize("how", ["file", "hash", "unknown"])
def test_verifying_costs_the_same_for_one_letter_and_many(
    app: Flask,
    client: FlaskClient,
    letters: Letters,
    count_queries: CountQueries,
    how: str,
) -> None:
    def form(reply_id: int) -> dict[str, Any]:
        data = _PDFS[reply_id]
        with app.app_context():
            reply = db.session.get(Reply, reply_id)
            assert reply is not None
            assert hashlib.sha256(data).hexdigest() == reply.signed_pdf_sha256
        if how == "file":
            return {"file": data}
        if how == "hash":
            return {"sha256": hashlib.sha256(data).hexdigest()}
        return {"sha256": "0" * 64}

    first = _letter(app, letters, "published", large=False, n=0)
    one = _post(client, count_queries, form(first))
    for n in range(1, MANY):
        _letter(app, letters, "published", large=True, n=n)
    large = _letter(app, letters, "published", large=True, n=MANY)
    many = _post(client, count_queries, form(large))
    # The public letter with that fingerprint (issuer and correction joined in); an unknown
    # one is looked for among the annexes too.
    bound = 2 if how == "unknown" else 1
    one.expect(bound)
    many.expect(bound)
