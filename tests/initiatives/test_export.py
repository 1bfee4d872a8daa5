"""The CSV export of the list: its exact content, its statements, and the columns it reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import User
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import export, queries, views
from app.initiatives.models import Initiative, InitiativeState, ResponseKind
from app.reference.models import LocalCommunity, RejectionReason

_S = InitiativeState
HEADER = (
    "id,url,title,summary,state,topic,local_community,location,author,supporters,threshold,"
    "published_at,support_closes_at,threshold_reached_at,response_due_at,answered_at,response"
)
#: Columns a list never needs; reading them made each row of the export ~2 kB.
LONG_COLUMNS = (
    "body",
    "body_html",
    "title_lemmas",
    "summary_lemmas",
    "body_lemmas",
    "response_text",
    "response_html",
    "rejection_note",
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _community_id(app: Flask, slug: str) -> int:
    with app.app_context():
        community_id = db.session.scalar(sa.select(LocalCommunity.id).filter_by(slug=slug))
        assert community_id is not None
        return community_id


def _change_user(app: Flask, user_id: int, **values: Any) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.fixture
def listed(app: Flask, make_user: Callable[..., int], make_initiative) -> dict[str, int]:
    """One initiative of each kind the export treats differently; returns their ids by name."""
    ana = make_user(pseudonym="Ana Žerjav")
    former = make_user()
    unnamed = make_user()
    ids = {
        "open": make_initiative(
            author_id=ana,
            title="Varen prehod čez cesto pri šoli v Žabnici",
            summary="Otroci prečkajo cesto, brez semaforja.",
            community_id=_community_id(app, "zabnica"),
            location="Ulica Staneta Žagarja 1",
            supporters=2,
            threshold=300,
            published_at=_at("2025-03-01T09:30:00"),
            support_closes_at=_at("2099-05-30T09:30:00"),
        ),
        # Published, its support period over, the cron job not run yet: the clock says expired.
        "expired": make_initiative(
            author_id=former,
            title='=HYPERLINK("http://evil")',
            summary="-5 % za vse",
            location="@doma",
            threshold=300,
            published_at=_at("2025-01-10T08:00:00"),
            support_closes_at=_at("2025-04-10T08:00:00"),
        ),
        "answered": make_initiative(
            _S.ANSWERED,
            author_id=unnamed,
            title="Klopi ob Savi",
            summary="Več klopi na sprehajalni poti.",
            community_id=_community_id(app, "center"),
            threshold=300,
            support_count=300,
            published_at=_at("2024-11-02T10:00:00"),
            support_closes_at=_at("2025-01-31T10:00:00"),
            threshold_reached_at=_at("2024-12-01T12:00:00"),
            response_due_at=_at("2024-12-31T12:00:00"),
            answered_at=_at("2024-12-20T14:15:00"),
            response_kind=ResponseKind.PARTLY_ACCEPTED,
            response_text="Postavili bomo deset klopi.",
            response_html="<p>Postavili bomo deset klopi.</p>",
        ),
        # No letter or digit in the title: the URL has no slug.
        "no_slug": make_initiative(
            author_id=ana,
            title="¿?",
            summary="Brez črk v naslovu.",
            threshold=0,
            published_at=_at("2024-06-01T00:00:00"),
            support_closes_at=_at("2024-08-30T00:00:00"),
        ),
        # The slug stops at 60 characters, and at no dash.
        "long": make_initiative(
            author_id=ana,
            title=(
                "Kolesarska steza od Stražišča do Primskovega in naprej mimo šole do "
                "avtobusne postaje"
            ),
            summary="Dolga pot.",
            threshold=300,
            published_at=_at("2024-06-01T00:00:00"),
            support_closes_at=_at("2099-01-01T00:00:00"),
        ),
    }
    with app.app_context():
        reason_id = db.session.scalar(sa.select(RejectionReason.id).filter_by(slug="duplicate"))
    ids["rejected"] = make_initiative(
        _S.REJECTED,
        author_id=ana,
        title="Zavrnjena pobuda",
        summary="Skrivni povzetek.",
        location="Skrivni kraj",
        rejection_reason_id=reason_id,
    )
    ids["draft"] = make_initiative(_S.DRAFT, author_id=ana, title="Osnutek")
    # The authors' accounts as they are now: one deleted, one not set up yet.
    _change_user(
        app, former, pseudonym=None, pseudonym_key=None, deleted_at=_at("2025-05-01T00:00:00")
    )
    _change_user(app, unnamed, pseudonym=None, pseudonym_key=None)
    return ids


def _lines(client: FlaskClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode()[1:]
    assert text.endswith("\r\n")
    return text.split("\r\n")[:-1]


def test_the_rows_are_those_the_orm_export_wrote(
    client: FlaskClient, listed: dict[str, int]
) -> None:
    # Written out by hand as the implementation that loaded ORM objects produced them.
    i = listed
    url = "http://localhost/initiatives/"
    assert _lines(client, "/initiatives/export.csv") == [
        HEADER,
        f"{i['open']},{url}{i['open']}-varen-prehod-cez-cesto-pri-soli-v-zabnici,"
        'Varen prehod čez cesto pri šoli v Žabnici,"Otroci prečkajo cesto, brez semaforja.",'
        "published,promet,zabnica,Ulica Staneta Žagarja 1,Ana Žerjav,2,300,"
        "2025-03-01T09:30:00+00:00,2099-05-30T09:30:00+00:00,,,,",
        f"{i['expired']},{url}{i['expired']}-hyperlink-http-evil,"
        """"'=HYPERLINK(""http://evil"")",'-5 % za vse,expired,promet,,'@doma,"""
        "Nekdanji uporabnik,0,300,2025-01-10T08:00:00+00:00,2025-04-10T08:00:00+00:00,,,,",
        f"{i['answered']},{url}{i['answered']}-klopi-ob-savi,"
        "Klopi ob Savi,Več klopi na sprehajalni poti.,answered,promet,center,,"
        "Račun še brez javnega imena,300,300,2024-11-02T10:00:00+00:00,"
        "2025-01-31T10:00:00+00:00,2024-12-01T12:00:00+00:00,2024-12-31T12:00:00+00:00,"
        "2024-12-20T14:15:00+00:00,partly_accepted",
        # Same publication time: the higher id first, as in the list.
        f"{i['long']},{url}{i['long']}-kolesarska-steza-od-strazisca-do-primskovega-in-naprej-mimo,"
        "Kolesarska steza od Stražišča do Primskovega in naprej mimo šole do avtobusne postaje,"
        "Dolga pot.,published,promet,,,Ana Žerjav,0,300,"
        "2024-06-01T00:00:00+00:00,2099-01-01T00:00:00+00:00,,,,",
        f"{i['no_slug']},{url}{i['no_slug']},¿?,Brez črk v naslovu.,expired,promet,,,Ana Žerjav,"
        "0,,2024-06-01T00:00:00+00:00,2024-08-30T00:00:00+00:00,,,,",
    ]
    # A rejected initiative shows its title only: never its summary or its location.
    assert _lines(client, "/initiatives/export.csv?state=rejected") == [
        HEADER,
        f"{i['rejected']},{url}{i['rejected']}-zavrnjena-pobuda,Zavrnjena pobuda,,rejected,"
        "promet,,,Ana Žerjav,0,,,,,,,",
    ]


def test_author_labels_follow_the_visitors_language(
    client: FlaskClient, in_english, listed: dict[str, int]
) -> None:
    in_english(client)
    text = "\n".join(_lines(client, "/initiatives/export.csv"))
    assert ",Former user," in text
    assert ",Account without a public name yet," in text


@pytest.mark.usefixtures("listed")
def test_a_fixed_number_of_statements_and_one_chunk_a_batch(
    client: FlaskClient, count_queries, monkeypatch: pytest.MonkeyPatch
) -> None:
    with count_queries() as whole:
        whole_body = client.get("/initiatives/export.csv").get_data()
    whole.expect(1)  # the rows; an anonymous visitor costs no other statement
    # Five rows, two a batch: three batches, read through the one statement, whose cursor
    # stays open between them (the request's session outlives the view: stream_with_context).
    # On PostgreSQL each batch is a FETCH of the server-side cursor, not a statement.
    monkeypatch.setattr(export, "BATCH", 2)
    with count_queries() as batched:
        response = client.get("/initiatives/export.csv", buffered=False)
        chunks = list(response.response)
        response.close()
    batched.expect(1)
    assert len(chunks) == 1 + 3  # the header, then one chunk a batch
    assert b"".join(chunks) == whole_body
    # A search (its rank joined in) filtered by topic, after a first request that may fill
    # the per-process caches (the topics by slug): still the one statement.
    searched_path = "/initiatives/export.csv?q=klopi&topic=promet"
    client.get(searched_path).get_data()
    with count_queries() as searched:
        found = client.get(searched_path).get_data()
    searched.expect(1)
    assert found.count(b"\r\n") == 2
    assert b",Klopi ob Savi," in found


def test_postgresql_reads_through_a_server_side_cursor(
    app: Flask, client: FlaskClient, listed: dict[str, int]
) -> None:
    connection = app.extensions["test_connection"]
    if connection.dialect.name != "postgresql":
        pytest.skip("SQLite's cursor steps through the rows as they are fetched anyway")
    cursors: list[object] = []

    def listener(_conn: Any, cursor: object, statement: str, *_args: Any) -> None:
        if "FROM initiatives" in statement:
            cursors.append(cursor)

    sa.event.listen(connection, "before_cursor_execute", listener)
    try:
        client.get("/initiatives/export.csv").get_data()
    finally:
        sa.event.remove(connection, "before_cursor_execute", listener)
    assert len(cursors) == 1
    # A named cursor: the server keeps the result and hands it over a batch at a time.
    assert isinstance(cursors[0], psycopg.ServerCursor)


@pytest.mark.parametrize("query", ["", "?q=klopi", "?sort=supported&state=expired"])
def test_the_export_reads_no_long_column(
    client: FlaskClient, count_queries, listed: dict[str, int], query: str
) -> None:
    with count_queries() as statements:
        client.get(f"/initiatives/export.csv{query}").get_data()
    exported = [s for s in statements if "FROM initiatives" in s]
    assert len(exported) == 1
    for column in LONG_COLUMNS:
        assert not re.search(rf"\binitiatives\.{column}\b", exported[0]), column


def test_the_query_selects_plain_columns() -> None:
    selected = export.export_query(queries.Filters(), utcnow()).selected_columns
    assert [column.name for column in selected] == [
        "id", "title", "summary", "state", "location", "support_count", "threshold",
        "published_at", "support_closes_at", "threshold_reached_at", "response_due_at",
        "answered_at", "response_kind", "topic", "community", "author_pseudonym",
        "author_deleted",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "title",
    [
        "Varen prehod čez cesto",
        "¿?",
        "-Začne z vezajem-",
        "Kolesarska steza od Stražišča do Primskovega in naprej mimo šole do postaje",
        "x" * 59 + " y",
        "Ǆ ﬁ ½ Ⅻ",
    ],
)
def test_urls_are_those_of_detail_url(app: Flask, title: str) -> None:
    with app.test_request_context("/initiatives/export.csv"):
        build = export._url_builder("https://glas.example")
        for initiative_id in (1, 7, 2**31 - 1):
            expected = "https://glas.example" + views.detail_url(
                Initiative(id=initiative_id, title=title)
            )
            assert build(initiative_id, title) == expected
