"""A resident's question withdrawn before moderation was never public: no list shows it.

Found from outside (the Atom feed of the list and the list disagreed): "all" listed it while its
page answered 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from app.questions.models import Origin, QuestionState


def test_the_list_leaves_out_a_question_withdrawn_before_moderation(
    client: FlaskClient, make_question: Callable[..., int]
) -> None:
    hidden = make_question(
        Origin.RESIDENT, QuestionState.WITHDRAWN, published=False, title="Skrito vprašanje"
    )
    shown = make_question(Origin.RESIDENT, QuestionState.WITHDRAWN, title="Umaknjeno vprašanje")
    assert client.get(f"/questions/{hidden}").status_code == 404
    for query in ("", "?state=all", "?state=closed", "?q=vprašanje"):
        page = client.get(f"/questions/{query}").get_data(as_text=True)
        assert "Skrito vprašanje" not in page, query
    assert "Umaknjeno vprašanje" in client.get("/questions/?state=closed").get_data(as_text=True)
    assert client.get(f"/questions/{shown}").status_code == 200
