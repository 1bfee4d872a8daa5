"""No personal data of residents, and nothing that is not public, in any response of the API.

The guard builds drafts, items waiting for moderation, one withdrawn before moderation, letters
not yet published, e-mail addresses on every account and the accounts' keys; then fetches every
list (every page, in both orders and under every state filter) and every item, and looks for
each of those texts in every body.
"""

from __future__ import annotations

from collections.abc import Iterator

from tests.api.conftest import Api, Dataset, walk

LISTS = {
    "/api/v1/initiatives": [
        "",
        *(f"state={s}" for s in ("open", "answered", "completed", "withdrawn", "rejected")),
    ],
    "/api/v1/questions": [
        "",
        *(f"state={s}" for s in ("open", "answered", "closed", "rejected", "overdue")),
    ],
    "/api/v1/replies": [""],
    "/api/v1/sessions": [""],
    "/api/v1/councillors": [""],
    "/api/v1/projects": ["", *(f"light={s}" for s in ("green", "amber", "red", "done", "stale"))],
    "/api/v1/commitments": ["", *(f"state={s}" for s in ("open", "late", "done", "dropped"))],
}


def _bodies(api: Api, data: Dataset) -> Iterator[tuple[str, str]]:
    for path in ("/api/v1/", "/api/v1/accountability", "/api/v1/openapi.json"):
        yield path, api.get(path).get_data(as_text=True)
    for path, queries in LISTS.items():
        for query in queries:
            for order in ("newest", "oldest"):
                url = f"{path}?{query}&order={order}&limit=1".replace("?&", "?")
                while url:
                    response = api.get(url)
                    assert response.status_code == 200, url
                    yield url, response.get_data(as_text=True)
                    url = response.get_json()["links"]["next"]
    items = {
        "initiatives": [*data.initiatives, data.rejected_initiative],
        "questions": [*data.questions, data.rejected_question],
        "replies": data.replies,
        "sessions": data.sessions,
        "councillors": data.councillors,
        "projects": data.projects,
    }
    for name, ids in items.items():
        for item_id in ids:
            response = api.get(f"/api/v1/{name}/{item_id}")
            assert response.status_code == 200, (name, item_id)
            yield f"{name}/{item_id}", response.get_data(as_text=True)


def test_no_private_text_in_any_response(api: Api, dataset: Dataset) -> None:
    seen = 0
    for where, body in _bodies(api, dataset):
        seen += 1
        for secret in dataset.secrets:
            assert secret not in body, (where, secret)
    assert seen > 30  # every page of every list was read, one item a page


def test_what_is_not_public_is_not_found(api: Api, dataset: Dataset) -> None:
    for name, ids in (
        ("initiatives", dataset.hidden_initiatives),
        ("questions", dataset.hidden_questions),
        ("replies", dataset.hidden_replies),
    ):
        for item_id in ids:
            response = api.get(f"/api/v1/{name}/{item_id}")
            assert response.status_code == 404, (name, item_id)


def test_lists_hold_exactly_the_public_items(api: Api, dataset: Dataset) -> None:
    assert {i["id"] for i in walk(api, "/api/v1/initiatives")} == set(dataset.initiatives)
    assert [i["id"] for i in walk(api, "/api/v1/initiatives?state=rejected")] == [
        dataset.rejected_initiative
    ]
    listed = {q["id"] for q in walk(api, "/api/v1/questions")}
    assert set(dataset.questions) <= listed
    assert not listed & {*dataset.hidden_questions, dataset.rejected_question}
    assert [r["id"] for r in walk(api, "/api/v1/replies")] == dataset.replies


def test_a_rejected_item_shows_its_title_and_reason_not_its_text(
    api: Api, dataset: Dataset
) -> None:
    initiative = api.get(f"/api/v1/initiatives/{dataset.rejected_initiative}").get_json()
    assert initiative["title"] == "Zavrnjena pobuda"
    assert initiative["body_html"] is None
    assert initiative["rejection"]["reason"]["slug"] == "duplicate"
    question = api.get(f"/api/v1/questions/{dataset.rejected_question}").get_json()
    assert question["body_html"] is None
    assert question["rejection"]["note"] == "Enako vprašanje je že objavljeno."


def test_residents_appear_by_public_name_only(api: Api, dataset: Dataset) -> None:
    initiative = api.get(f"/api/v1/initiatives/{dataset.initiatives[0]}").get_json()
    assert set(initiative["author"]) == {"name"}
    assert initiative["author"]["name"].startswith("Resident ")
    question = api.get(f"/api/v1/questions/{dataset.questions[0]}").get_json()
    assert question["authors"] == [{"name": question["authors"][0]["name"], "councillor": None}]
