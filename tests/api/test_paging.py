"""Cursor pagination: every item once, while new ones arrive; limits; cursors Glas did not make."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from tests.api.conftest import Api, walk


def test_a_walk_sees_every_item_once_while_new_ones_arrive(
    api: Api, publish_initiatives: Callable[[int], list[int]]
) -> None:
    existing = publish_initiatives(23)
    for order in ("newest", "oldest"):
        before = list(existing)  # what exists as this walk starts
        seen: list[int] = []
        url: str | None = f"/api/v1/initiatives?limit=5&order={order}"
        arrived: list[int] = []
        while url is not None:
            body = api.get(url).get_json()
            seen.extend(item["id"] for item in body["items"])
            url = body["links"]["next"]
            # Published between two pages: a walk must neither skip nor repeat what was there.
            arrived += publish_initiatives(3)
        existing += arrived
        assert len(seen) == len(set(seen)), "an item was listed twice"
        assert set(before) <= set(seen), "an item that existed at the start was skipped"
        # Newest first, what arrives lands before the first page; oldest first, after the
        # walk's position: then it is read as well, in order.
        assert set(seen) - set(before) <= set(arrived)
        if order == "newest":
            assert [i for i in seen if i in before] == sorted(before, reverse=True)
        else:
            assert [i for i in seen if i in before] == sorted(before)


def test_next_is_in_the_body_and_in_the_link_header(
    api: Api, publish_initiatives: Callable[[int], list[int]]
) -> None:
    publish_initiatives(3)
    response = api.get("/api/v1/initiatives?limit=2&state=open")
    body = response.get_json()
    assert len(body["items"]) == 2
    following = body["links"]["next"]
    assert following.startswith("http://localhost/api/v1/initiatives?")
    assert "state=open" in following
    assert "limit=2" in following
    assert response.headers["Link"] == f'<{following}>; rel="next"'
    last = api.get(following.removeprefix("http://localhost"))
    assert len(last.get_json()["items"]) == 1
    assert last.get_json()["links"]["next"] is None
    assert "Link" not in last.headers


def test_the_default_limit_is_50_and_the_largest_200(
    api: Api, publish_initiatives: Callable[[int], list[int]]
) -> None:
    publish_initiatives(205)
    assert len(api.get("/api/v1/initiatives").get_json()["items"]) == 50
    assert len(api.get("/api/v1/initiatives?limit=200").get_json()["items"]) == 200
    for wrong, code in (
        ("201", "out_of_range"),
        ("0", "out_of_range"),
        ("-1", "invalid"),
        ("9" * 40, "out_of_range"),
        ("5.0", "invalid"),
        ("²", "invalid"),
    ):
        response = api.get(f"/api/v1/initiatives?limit={wrong}")
        assert response.status_code == 400, wrong
        assert response.get_json()["invalid_params"][0]["code"] == code, wrong


def _forged(values: list[object], prefix: str = "n.") -> str:
    raw = json.dumps(values).encode()
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "n.",
        "n.!!!!",
        "n.bm90IGpzb24",  # "not json"
        _forged([1, 2, 3]),  # too many values
        _forged(["text", 5]),  # a text where a time belongs
        _forged([{"t": "2026-01-01T00:00:00"}, 5]),  # a time without its zone
        _forged([{"t": "2026-01-01T00:00:00+00:00"}, 2**40]),  # an id no column holds
        _forged([{"t": "2026-01-01T00:00:00+00:00"}, True]),
        _forged([{"t": "0001-01-01T00:00:00+14:00"}, 5]),  # before any time there is
        "n." + "A" * 600,  # longer than any cursor
    ],
)
def test_a_cursor_glas_did_not_make_is_a_400(api: Api, cursor: str) -> None:
    response = api.get("/api/v1/initiatives", query_string={"cursor": cursor})
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == "cursor"


def test_a_cursor_of_the_other_order_is_refused(
    api: Api, publish_initiatives: Callable[[int], list[int]]
) -> None:
    publish_initiatives(3)
    following = api.get("/api/v1/initiatives?limit=1").get_json()["links"]["next"]
    cursor = following.split("cursor=")[1]
    response = api.get(f"/api/v1/initiatives?limit=1&order=oldest&cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["invalid_params"] == [
        {
            "name": "cursor",
            "code": "bad_cursor",
            "reason": response.get_json()["invalid_params"][0]["reason"],
        }
    ]


def test_every_list_pages_the_same_way(api: Api, dataset: object) -> None:
    for path in ("questions", "replies", "sessions", "councillors"):
        whole = [item["id"] for item in walk(api, f"/api/v1/{path}?limit=200")]
        paged = [item["id"] for item in walk(api, f"/api/v1/{path}?limit=1")]
        assert paged == whole, path
        oldest = [item["id"] for item in walk(api, f"/api/v1/{path}?limit=1&order=oldest")]
        assert oldest == whole[::-1], path
