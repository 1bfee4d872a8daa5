"""What a new resident tripped over on the initiative pages (issue 7): whole sentences, the
numbers and deadlines on cards, the overdue filter, the title's limit, the share area."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import LOCAL_TZ, to_local, utcnow
from app.extensions import db
from app.initiatives import lifecycle, queries
from app.initiatives.models import Initiative, InitiativeState, ResponseKind
from tests.conftest import made_afresh

_S = InitiativeState

#: Elements after which text does not run on: the end of one is a break in the reading.
_BLOCKS = frozenset({
    "p", "div", "li", "h1", "h2", "h3", "h4", "dt", "dd", "section", "ul", "ol", "label",
    "option", "button", "summary", "br", "td", "th", "tr", "nav", "header", "footer", "main",
    "article", "details", "form", "fieldset", "legend", "select", "textarea", "input",
    "progress", "title",
})  # fmt: skip

_BREAK = "\x00"


class _Text(HTMLParser):
    """The page's visible text, with a line break wherever a block element starts or ends."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in _BLOCKS:
            self.parts.append(_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in _BLOCKS:
            self.parts.append(_BREAK)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    # White space in the source (line breaks included) reads as one space, as in a browser.
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split(_BREAK))
    return "\n".join(line for line in lines if line)


#: One sentence glued to the next ("90 dni.Ko jo podpre …"): a full stop between letters.
_GLUED = re.compile(r"[a-zčšžđć][.!?][A-ZČŠŽĐĆ]")


def _glued(html: str) -> list[str]:
    return [m.group(0) for m in _GLUED.finditer(text_of(html))]


def _due_noon(days_ago: int) -> datetime:
    """Noon in Ljubljana ``days_ago`` calendar days ago: a due time whose day count does not
    depend on the hour at which the test runs."""
    day = to_local(utcnow()).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(12), tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def resident(make_user, login, client: FlaskClient) -> int:
    user_id = make_user()
    login(client, user_id)
    return user_id


# --- whole sentences ---------------------------------------------------------------------------


class TestSentences:
    def test_the_new_initiative_form_has_one_sentence_after_another(
        self, client: FlaskClient, resident: int, reference, in_english
    ) -> None:
        page = client.get("/initiatives/new").get_data(as_text=True)
        assert (
            "Ko jo moderator objavi, je vaša pobuda odprta za podporo 90 dni. "
            "Ko jo podpre 300 občanov, mora občina nanjo javno odgovoriti. "
            "Občina ima nato za odgovor 30 dni."
        ) in text_of(page)
        assert _glued(page) == []
        in_english(client)
        page = client.get("/initiatives/new").get_data(as_text=True)
        assert (
            "Once a moderator publishes it, your initiative is open for support for 90 days. "
            "When 300 residents support it, the municipality must respond publicly. "
            "The municipality then has 30 days to respond."
        ) in text_of(page)
        assert _glued(page) == []

    @pytest.mark.parametrize("language", ["sl", "en"])
    def test_no_initiative_page_glues_sentences(
        self, app: Flask, client: FlaskClient, make_initiative, language: str
    ) -> None:
        if language == "en":
            client.set_cookie("glas_lang", "en")
        ids = [
            make_initiative(supporters=1, threshold=5),
            make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(3)),
            make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(-3)),
            make_initiative(
                _S.ANSWERED,
                response_kind=ResponseKind.PARTLY_ACCEPTED,
                answered_at=utcnow(),
                response_due_at=utcnow() + timedelta(days=1),
                response_html="<p>Delno.</p>",
            ),
        ]
        for path in ["/initiatives/", "/initiatives/?state=overdue"] + [
            f"/initiatives/{item}" for item in ids
        ]:
            html = client.get(path).get_data(as_text=True)
            assert _glued(html) == [], path


# --- numbers, deadlines and answers on the cards ------------------------------------------------


class TestCards:
    def test_a_card_shows_support_against_the_threshold(
        self, client: FlaskClient, make_initiative
    ) -> None:
        item = make_initiative(threshold=300, support_count=142)
        page = client.get("/initiatives/").get_data(as_text=True)
        assert "142 od 300 podpornikov" in text_of(page)
        assert (
            f'<progress class="progress-block__bar" max="300" value="142" '
            f'aria-labelledby="card-progress-{item}-label"'
        ) in page

    @pytest.mark.parametrize(
        ("language", "count", "threshold", "expected"),
        [
            ("sl", 0, 1, "0 od 1 podpornika"),
            ("sl", 1, 2, "1 od 2 podpornikov"),
            ("sl", 2, 3, "2 od 3 podpornikov"),
            ("sl", 3, 4, "3 od 4 podpornikov"),
            ("sl", 7, 101, "7 od 101 podpornika"),
            ("sl", 1234, 2000, "1.234 od 2.000 podpornikov"),
            ("en", 0, 1, "0 of 1 supporter"),
            ("en", 1234, 2000, "1,234 of 2,000 supporters"),
        ],
    )
    def test_the_numbers_follow_the_grammar(
        self,
        client: FlaskClient,
        make_initiative,
        language: str,
        count: int,
        threshold: int,
        expected: str,
    ) -> None:
        make_initiative(threshold=threshold, support_count=count)
        client.set_cookie("glas_lang", language)
        assert expected in text_of(client.get("/initiatives/").get_data(as_text=True))

    def test_awaiting_shows_the_due_date_not_the_support_period(
        self, app: Flask, client: FlaskClient, make_initiative, in_english
    ) -> None:
        due = utcnow() + timedelta(days=20)
        item = make_initiative(
            _S.AWAITING_RESPONSE, support_count=300, response_due_at=due, title="V roku"
        )
        closes = _support_closes(app, item)
        card = _card_text(client.get("/initiatives/").get_data(as_text=True), "V roku")
        assert f"Rok za odgovor: {_medium_sl(due)}" in card
        assert "odprta do" not in card
        assert _medium_sl(closes) not in card
        assert "Zamuja" not in card
        in_english(client)
        card = _card_text(client.get("/initiatives/").get_data(as_text=True), "V roku")
        assert "Response due by" in card

    @pytest.mark.parametrize(
        ("language", "days", "expected"),
        [
            ("sl", 1, "Zamuja 1 dan"),
            ("sl", 2, "Zamuja 2 dneva"),
            ("sl", 3, "Zamuja 3 dni"),
            ("sl", 4, "Zamuja 4 dni"),
            ("sl", 12, "Zamuja 12 dni"),
            ("sl", 101, "Zamuja 101 dan"),
            ("en", 1, "Overdue by 1 day"),
            ("en", 12, "Overdue by 12 days"),
        ],
    )
    def test_an_overdue_answer_says_by_how_many_days(
        self, client: FlaskClient, make_initiative, language: str, days: int, expected: str
    ) -> None:
        due = _due_noon(days)
        make_initiative(_S.AWAITING_RESPONSE, response_due_at=due, title="Zamujena")
        client.set_cookie("glas_lang", language)
        page = client.get("/initiatives/").get_data(as_text=True)
        card = _card_text(page, "Zamujena")
        assert expected in card
        assert ("Rok za odgovor je potekel" if language == "sl" else "Response was due on") in card
        # The flag is a word and a shape, not only a colour.
        assert 'class="flag flag--overdue"' in page
        assert '<svg class="icon' in page.split('class="flag flag--overdue"', 1)[1][:200]

    def test_the_three_kinds_of_answer_look_different_not_only_by_colour(
        self, client: FlaskClient, make_initiative
    ) -> None:
        words = {
            ResponseKind.ACCEPTED: "Sprejeta",
            ResponseKind.PARTLY_ACCEPTED: "Delno sprejeta",
            ResponseKind.REJECTED: "Zavrnjena",
        }
        for kind in words:
            make_initiative(
                _S.ANSWERED, response_kind=kind, answered_at=utcnow(), title=f"Odgovor {kind}"
            )
        page = client.get("/initiatives/?state=answered").get_data(as_text=True)
        icons = {}
        for kind, word in words.items():
            badge = re.search(
                rf'<span class="response-kind response-kind--{kind.value}">(.*?)</span>\s*</span>',
                page,
                re.S,
            )
            assert badge is not None, kind
            assert word in text_of(badge.group(1))
            icon = re.search(r"<svg .*?</svg>", badge.group(1), re.S)
            assert icon is not None
            assert 'aria-hidden="true"' in icon.group(0)
            icons[kind] = re.sub(r"\s+", " ", icon.group(0))
        assert len(set(icons.values())) == 3  # three different shapes

    def test_the_list_costs_the_same_queries_with_deadlines_and_answers(
        self, client: FlaskClient, make_initiative, count_queries
    ) -> None:
        make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(2))
        for path in ("/initiatives/", "/initiatives/?state=overdue"):
            client.get(path)  # the reference data, kept in the process afterwards
            with made_afresh(client.application), count_queries() as few:
                client.get(path)
            for n in range(8):
                make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(n + 1))
                make_initiative(
                    _S.ANSWERED, response_kind=list(ResponseKind)[n % 3], answered_at=utcnow()
                )
                make_initiative(supporters=0, support_count=n)
            with made_afresh(client.application), count_queries() as many:
                client.get(path)
            assert len(many) == len(few), path
            assert len(many) <= 6


def _support_closes(app: Flask, item: int) -> datetime:
    with app.app_context():
        initiative = db.session.get(Initiative, item)
        assert initiative is not None
        assert initiative.support_closes_at is not None
        return initiative.support_closes_at


def _medium_sl(value: datetime) -> str:
    from babel.dates import format_date

    return format_date(to_local(value).date(), "medium", locale="sl")


def _card_text(html: str, title: str) -> str:
    """The text of the one card on the page whose title is ``title``."""
    [card] = [c for c in html.split('<article class="item-card')[1:] if f">{title}</a>" in c]
    return text_of(card.split("</article>", 1)[0])


# --- the overdue filter ------------------------------------------------------------------------


class TestOverdueFilter:
    def test_overdue_means_awaiting_past_its_due_date_by_the_clock(
        self, app: Flask, make_initiative
    ) -> None:
        due = datetime(2030, 3, 1, 11, 0, tzinfo=UTC)
        awaiting = make_initiative(_S.AWAITING_RESPONSE, response_due_at=due)
        make_initiative(_S.AWAITING_RESPONSE, response_due_at=due + timedelta(days=5))
        make_initiative(_S.ANSWERED, response_due_at=due, answered_at=due + timedelta(days=9))
        make_initiative(_S.PUBLISHED)
        overdue = queries.Filters(state=queries.StateFilter.OVERDUE)
        with app.app_context():
            before = queries.list_page(overdue, due - timedelta(minutes=1))
            at = queries.list_page(overdue, due)
            after = queries.list_page(overdue, due + timedelta(minutes=1))
            later = queries.list_page(overdue, due + timedelta(days=6))
            assert before.items == []
            assert at.items == []
            assert [i.id for i in after.items] == [awaiting]
            assert len(later.items) == 2
            # The same verdict as the page's flag.
            for item in later.items:
                assert lifecycle.is_response_overdue(item, due + timedelta(days=6))

    def test_the_list_filters_by_overdue(
        self, client: FlaskClient, make_initiative, in_english
    ) -> None:
        make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(4), title="Prepozno")
        make_initiative(_S.AWAITING_RESPONSE, response_due_at=_due_noon(-4), title="Še v roku")
        response = client.get("/initiatives/?state=overdue")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Prepozno" in page
        assert "Še v roku" not in page
        assert '<option value="overdue" selected>Odgovor zamuja</option>' in page
        in_english(client)
        page = client.get("/initiatives/?state=overdue").get_data(as_text=True)
        assert '<option value="overdue" selected>Response overdue</option>' in page
        # The filter stays in the export link and in shareable URLs.
        assert "/initiatives/export.csv?state=overdue" in page

    @pytest.mark.parametrize("value", ["Overdue", "overdue1", "late"])
    def test_a_misspelt_state_is_still_a_clear_400(
        self, client: FlaskClient, reference, value: str
    ) -> None:
        response = client.get(f"/initiatives/?state={value}")
        assert response.status_code == 400
        assert "filter, ki ga ne poznamo" in response.get_data(as_text=True)


class TestDaysOverdue:
    @pytest.mark.parametrize(
        ("due", "now", "days"),
        [
            # Counted in Ljubljana's calendar days, as the due date is shown.
            ("2030-03-01T11:00", "2030-03-01T11:01", 1),  # later the same day: at least one
            ("2030-03-01T11:00", "2030-03-02T08:00", 1),
            ("2030-03-01T22:30", "2030-03-02T00:30", 1),  # 23:30 and 01:30 local: next day
            ("2030-03-01T11:00", "2030-03-13T10:00", 12),
            ("2030-03-30T12:00", "2030-04-01T12:00", 2),  # across the change to summer time
        ],
    )
    def test_days(self, due: str, now: str, days: int) -> None:
        initiative = Initiative(
            state=_S.AWAITING_RESPONSE,
            response_due_at=datetime.fromisoformat(due).replace(tzinfo=UTC),
        )
        assert (
            lifecycle.days_overdue(initiative, datetime.fromisoformat(now).replace(tzinfo=UTC))
            == days
        )

    def test_not_overdue_is_zero(self) -> None:
        due = datetime(2030, 3, 1, 11, tzinfo=UTC)
        waiting = Initiative(state=_S.AWAITING_RESPONSE, response_due_at=due)
        answered = Initiative(state=_S.ANSWERED, response_due_at=due)
        assert lifecycle.days_overdue(waiting, due - timedelta(hours=1)) == 0
        assert lifecycle.days_overdue(answered, due + timedelta(days=3)) == 0


# --- the detail page shows the same facts ------------------------------------------------------


class TestDetail:
    def test_an_overdue_answer_with_its_due_date_and_days(
        self, client: FlaskClient, make_initiative, in_english
    ) -> None:
        due = _due_noon(5)
        item = make_initiative(_S.AWAITING_RESPONSE, response_due_at=due, threshold=300)
        page = text_of(client.get(f"/initiatives/{item}").get_data(as_text=True))
        long_date = f"{to_local(due).day}. "
        assert "Odgovor občine bi moral prispeti do " + long_date in page
        assert "in zamuja že 5 dni." in page
        in_english(client)
        page = text_of(client.get(f"/initiatives/{item}").get_data(as_text=True))
        assert "and is 5 days overdue." in page

    def test_the_answers_kind_is_a_word_and_a_shape(
        self, client: FlaskClient, make_initiative
    ) -> None:
        item = make_initiative(
            _S.ANSWERED,
            response_kind=ResponseKind.REJECTED,
            answered_at=utcnow(),
            response_html="<p>Ne gre.</p>",
        )
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert 'class="response response--rejected"' in page
        decision = page.split('class="response__decision"', 1)[1].split("</p>", 1)[0]
        assert "response-kind--rejected" in decision
        assert "<svg" in decision
        assert "Zavrnjena" in text_of(decision)


# --- the title's limit -------------------------------------------------------------------------


class TestTitleLimit:
    def test_the_title_says_its_limit(
        self, client: FlaskClient, resident: int, reference, in_english
    ) -> None:
        page = client.get("/initiatives/new").get_data(as_text=True)
        title = re.search(r"<input [^>]*id=\"title\"[^>]*>", page)
        assert title is not None
        assert 'maxlength="150"' in title.group(0)
        assert 'aria-describedby="title-hint title-limit"' in title.group(0)
        assert '<p class="field__hint" id="title-limit">Največ 150 znakov.</p>' in page
        # The live counter's words come from the server (the script only fills in numbers).
        assert 'data-counter="Število znakov: {used} od 150"' in title.group(0)
        in_english(client)
        page = client.get("/initiatives/new").get_data(as_text=True)
        assert '<p class="field__hint" id="title-limit">At most 150 characters.</p>' in page
        assert 'data-counter="Characters: {used} of 150"' in page

    def test_the_error_state_keeps_the_limit_and_the_summary_takes_focus(
        self, app: Flask, client: FlaskClient, resident: int, reference
    ) -> None:
        from tests.initiatives.test_views import TestWriting

        response = client.post("/initiatives/new", data=TestWriting()._form(app, title="x" * 151))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert 'aria-describedby="title-hint title-limit title-error"' in page
        assert re.search(r'<div class="error-summary"[^>]* tabindex="-1"', page)
        assert re.search(r'<script src="/static/js/forms\.js\?v=[0-9a-f]+" defer></script>', page)


# --- sharing -----------------------------------------------------------------------------------


class TestShare:
    def test_an_open_initiative_offers_its_link_and_an_email(
        self, client: FlaskClient, make_initiative, in_english
    ) -> None:
        item = make_initiative(title="Pešci & kolesarji: prehod 1/2?")
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        url = f"http://localhost/initiatives/{item}-pesci-kolesarji-prehod-1-2"
        share = page.split('class="share"', 1)[1].split("</section>", 1)[0]
        assert re.search(rf'<input [^>]*id="share-link"[^>]*value="{re.escape(url)}"', share)
        assert re.search(r'<input [^>]*id="share-link"[^>]* readonly', share)
        assert '<label class="field__label" for="share-link">Povezava do te pobude</label>' in share
        # Copying needs the Clipboard API: without a script the button stays hidden.
        assert re.search(
            r'<button [^>]*data-copy="share-link"[^>]* hidden>Kopiraj povezavo<', share
        )
        assert 'aria-live="polite"' in share
        assert re.search(r'<script src="/static/js/share\.js\?v=[0-9a-f]+" defer></script>', page)
        href = re.search(r'<a class="button button--secondary" href="(mailto:[^"]*)"', share)
        assert href is not None
        mail = href.group(1).replace("&amp;", "&")
        parts = urlsplit(mail)
        assert parts.path == ""
        # Every reserved character inside a value is percent-encoded (RFC 6068): spaces as
        # %20 (a "+" would stay a plus), "&", "?", "/" and line breaks too.
        for raw in (" ", "+", "/", "?", "\n"):
            assert raw not in parts.query, raw
        fields = {
            key: unquote(value) for key, value in (p.split("=", 1) for p in parts.query.split("&"))
        }
        assert set(fields) == {"subject", "body"}
        assert fields["subject"] == "Pobuda: Pešci & kolesarji: prehod 1/2?"
        assert url in fields["body"]
        assert "Pešci & kolesarji: prehod 1/2?" in fields["body"]
        assert "\r\n" in fields["body"]
        in_english(client)
        page = client.get(f"/initiatives/{item}").get_data(as_text=True)
        assert ">Copy link<" in page
        assert "Initiative%3A%20Pe%C5%A1ci%20%26%20kolesarji" in page

    def test_no_share_area_where_support_is_over(
        self, client: FlaskClient, make_initiative
    ) -> None:
        answered = make_initiative(
            _S.ANSWERED, response_kind=ResponseKind.ACCEPTED, answered_at=utcnow()
        )
        expired = make_initiative(support_closes_at=utcnow() - timedelta(minutes=1))
        for item in (answered, expired):
            assert 'id="share-link"' not in client.get(f"/initiatives/{item}").get_data(
                as_text=True
            )

    def test_mailto_encodes_every_value(self) -> None:
        from app.core.urls import mailto

        link = mailto("a b&c=d?/+ž", "one\ntwo\r\nthree")
        assert link == ("mailto:?subject=a%20b%26c%3Dd%3F%2F%2B%C5%BE&body=one%0D%0Atwo%0D%0Athree")
        query = parse_qs(urlsplit(link).query)
        assert query["subject"] == ["a b&c=d?/+ž"]
        assert query["body"] == ["one\r\ntwo\r\nthree"]


# --- the filter panel on a phone ---------------------------------------------------------------


class TestFilterPanel:
    def test_filters_sit_behind_a_summary_closed_until_one_is_chosen(
        self, client: FlaskClient, make_initiative, in_english
    ) -> None:
        make_initiative()
        page = client.get("/initiatives/").get_data(as_text=True)
        details = re.search(r"<details class=\"filters__more\"[^>]*>", page)
        assert details is not None
        assert "open" not in details.group(0)
        assert '<summary class="filters__toggle">Filtri</summary>' in page
        # The search field stays outside: it is what most people want first.
        assert page.index('id="q"') < page.index("<details")
        assert page.index("<details") < page.index('id="state"') < page.index("</details>")
        for query in ("state=open", "topic=promet", "community=center", "sort=supported"):
            page = client.get(f"/initiatives/?{query}").get_data(as_text=True)
            assert re.search(r"<details class=\"filters__more\" open>", page), query
        page = client.get("/initiatives/?q=prehod").get_data(as_text=True)
        assert re.search(r"<details class=\"filters__more\">", page)
        in_english(client)
        assert '<summary class="filters__toggle">Filters</summary>' in client.get(
            "/initiatives/"
        ).get_data(as_text=True)
