"""The accountability page, its CSV files and charts, on the fixed data (``conftest``)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.accountability import figures
from app.extensions import db
from app.questions.models import Question, QuestionState
from app.replies.models import AnswerVerdict, Reply, Verdict
from tests.accountability.conftest import UNIT_A, UNIT_B, Data
from tests.initiatives.test_page_cache import HIT

pytestmark = pytest.mark.usefixtures("fixed_clock")

SVG = "{http://www.w3.org/2000/svg}"


class _Tables(HTMLParser):
    """The page's tables by their caption's id: rows of cell texts (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str | None, list[list[str]]] = {}
        self.captions: dict[str | None, str] = {}
        self._rows: list[list[str]] | None = None
        self._key: str | None = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._key = [], None
        elif tag == "caption":
            self._key, self._caption = dict(attrs).get("id"), []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._text is not None:
            self._row.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "tr" and self._rows is not None and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self.captions[self._key] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._key] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        for collected in (self._text, self._caption):
            if collected is not None:
                collected.append(data)


def tables(html: str) -> _Tables:
    parsed = _Tables()
    parsed.feed(html)
    return parsed


def body(rows: list[list[str]]) -> list[list[str]]:
    return rows[1:]  # without the heading row


def page(client: FlaskClient, path: str = "/accountability/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("figures_data")
def test_the_page_shows_every_figure_in_english(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client)
    assert '<html lang="en">' in html
    found = tables(html)
    assert body(found.tables["overdue-caption"]) == [
        [
            "R2 Hrup ponoči",
            "Resident's question",
            "A resident",
            "No unit yet",
            "May 16, 2026",
            "30",
        ],
        [
            "=A5 Cesta na Jezersko",
            "Councillor's question",
            "Janez Černe, Ana Kovač",
            UNIT_A,
            "Jun 1, 2026",
            "14",
        ],
        ["A7 Vrtec", "Councillor's question", "Marko Zupan", UNIT_B, "Jun 14, 2026", "1"],
    ]
    assert "3 answers are overdue today." in html
    assert body(found.tables["caption-councillor"]) == [
        [UNIT_B, "3", "3", "0", "100%", "7", "1", "1"],
        [UNIT_A, "4", "2", "2", "50%", "25", "2", "1"],
    ]
    assert body(found.tables["caption-resident"]) == [
        [UNIT_A, "1", "1", "0", "100%", "15", "0", "0"],
        ["No unit yet", "0", "0", "0", "–", "–", "1", "1"],
    ]
    assert body(found.tables["caption-initiative"]) == [
        [UNIT_B, "1", "1", "0", "100%", "11", "2", "1"],
        [UNIT_A, "2", "1", "1", "50%", "32.5", "0", "0"],
    ]
    assert body(found.tables["councillors-caption"]) == [
        ["Ana Kovač", "4", "2", "100%", "6", "1", "1"],
        ["Janez Černe", "3", "2", "50%", "20", "1", "1"],
        ["Marko Zupan", "5", "3", "67%", "40", "2", "1"],
    ]
    assert body(found.tables["verdicts-caption"]) == [
        [UNIT_B, "2", "0", "0"],
        [UNIT_A, "1", "1", "2"],
    ]
    # Every table has a caption, and its headings their scope.
    assert set(found.captions) == set(found.tables)
    assert html.count('<th scope="col"') == 6 + 3 * 8 + 7 + 4


@pytest.mark.usefixtures("figures_data")
def test_the_page_in_slovenian_writes_numbers_the_slovenian_way(client: FlaskClient) -> None:
    html = page(client)
    assert '<html lang="sl">' in html
    found = tables(html)
    assert body(found.tables["caption-initiative"])[1][4:6] == ["50 %", "32,5"]
    assert body(found.tables["overdue-caption"])[0][4] == "16. maj 2026"


def test_the_page_links_the_questions_the_charts_and_the_files(
    client: FlaskClient, figures_data: Data
) -> None:
    html = page(client)
    a5 = figures_data.questions["A5"]
    assert f'href="/questions/{a5}-a5-cesta-na-jezersko"' in html
    for group in figures.Group:
        assert f'src="/accountability/charts/on-time.svg?group={group.value}"' in html
        assert f'src="/accountability/charts/median-days.svg?group={group.value}"' in html
    # The same numbers as the table: two bars, so two rows high.
    assert 'width="720" height="108" alt="Stolpčni diagram: delež pravočasnih odgovorov' in html
    assert f'href="/councillors/{figures_data.people["janez"]}"' in html
    for name in ("overdue", "units", "councillors", "verdicts"):
        assert f'href="/accountability/{name}.csv' in html


@pytest.mark.usefixtures("figures_data")
def test_a_year_narrows_every_table_but_the_overdue_answers(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client, "/accountability/?year=2025")
    found = tables(html)
    assert len(body(found.tables["overdue-caption"])) == 3
    assert body(found.tables["caption-councillor"]) == [
        [UNIT_B, "3", "3", "0", "100%", "7", "0", "0"],
        [UNIT_A, "4", "2", "2", "50%", "25", "0", "0"],
    ]
    assert body(found.tables["caption-resident"]) == [
        [UNIT_A, "1", "1", "0", "100%", "15", "0", "0"]
    ]
    assert body(found.tables["caption-initiative"]) == [
        [UNIT_A, "2", "1", "1", "50%", "32.5", "0", "0"]
    ]
    assert [row[:3] for row in body(found.tables["councillors-caption"])] == [
        ["Ana Kovač", "2", "2"],
        ["Janez Černe", "2", "2"],
        ["Marko Zupan", "3", "3"],
    ]
    assert found.captions["caption-councillor"].endswith(", 2025")
    assert '<option value="2025" selected>' in html
    assert 'src="/accountability/charts/on-time.svg?group=councillor&amp;year=2025"' in html


@pytest.mark.usefixtures("figures_data")
def test_a_year_without_questions_says_so(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client, "/accountability/?year=2019")
    assert "Nothing to count for this period." in html
    assert "No councillor posed a question in this period." in html
    assert "charts/on-time.svg" not in html


@pytest.mark.usefixtures("figures_data")
@pytest.mark.parametrize(
    ("group", "shown", "hidden"),
    [
        ("initiative", {"caption-initiative"}, {"caption-councillor", "councillors-caption"}),
        (
            "resident",
            {"caption-resident", "verdicts-caption"},
            {"caption-initiative", "councillors-caption"},
        ),
        (
            "councillor",
            {"caption-councillor", "councillors-caption", "verdicts-caption"},
            {"caption-resident"},
        ),
    ],
)
def test_a_group_shows_its_tables_only(
    client: FlaskClient, group: str, shown: set[str], hidden: set[str]
) -> None:
    found = tables(page(client, f"/accountability/?group={group}"))
    assert shown <= set(found.tables)
    assert not hidden & set(found.tables)
    if group == "resident":
        assert body(found.tables["verdicts-caption"]) == [[UNIT_A, "0", "0", "1"]]
    if group == "initiative":
        assert "verdicts-caption" not in found.tables


@pytest.mark.usefixtures("figures_data")
def test_the_overdue_answers_are_paged(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "PAGE_SIZE", 2)
    first = page(client, "/accountability/?group=resident")
    assert [row[-1] for row in body(tables(first).tables["overdue-caption"])] == ["30", "14"]
    assert 'href="/accountability/?page=2&amp;group=resident#overdue-title" rel="next"' in first
    second = page(client, "/accountability/?group=resident&page=2")
    assert [row[-1] for row in body(tables(second).tables["overdue-caption"])] == ["1"]
    assert client.get("/accountability/?page=3").status_code == 404


def test_the_page_with_no_data_at_all(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = page(client)
    assert "0 answers are overdue today." in html
    assert "No answer is overdue today." in html
    assert html.count("Nothing to count for this period.") == 3


# --- bad input --------------------------------------------------------------------------------

PATHS = (
    "/accountability/",
    "/accountability/units.csv",
    "/accountability/councillors.csv",
    "/accountability/verdicts.csv",
    "/accountability/charts/on-time.svg",
    "/accountability/charts/median-days.svg",
)
BAD = (
    "year=abc",
    "year=99999999999999999999",
    "year=0000",
    "year=%C2%B2%C2%B2%C2%B2%C2%B2",
    "page=-1",
    "page=0",
    "page=99999999999",
    "group=everyone",
    "group=councillor&year=20x5",
)


@pytest.mark.usefixtures("figures_data")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query", BAD)
def test_a_value_glas_never_writes_is_a_400(client: FlaskClient, path: str, query: str) -> None:
    separator = "&" if "?" in path else "?"
    assert client.get(f"{path}{separator}{query}").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/accountability/charts/on-time.svg",  # a chart is of one group
        "/accountability/charts/median-days.svg?year=2025",
        "/accountability/verdicts.csv?group=initiative",  # initiatives have no verdicts
    ],
)
def test_what_needs_a_group_without_one_is_a_400(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 400


# --- the CSV files ----------------------------------------------------------------------------


def _csv(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="glas-')
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # for spreadsheets to read č, š, ž
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_overdue_answers_as_csv(client: FlaskClient, figures_data: Data) -> None:
    ids = figures_data.questions
    rows = _csv(client, "/accountability/overdue.csv")
    assert rows == [
        ["id", "url", "origin", "kind", "title", "asked_by", "unit", "due_on", "days_overdue"],
        [
            str(ids["R2"]),
            f"http://localhost/questions/{ids['R2']}-r2-hrup-ponoci",
            "resident",
            "question",
            "R2 Hrup ponoči",
            "resident",
            "",
            "2026-05-16",
            "30",
        ],
        [
            str(ids["A5"]),
            f"http://localhost/questions/{ids['A5']}-a5-cesta-na-jezersko",
            "councillor",
            "question",
            "'=A5 Cesta na Jezersko",  # not a formula in a spreadsheet
            "Janez Černe; Ana Kovač",
            UNIT_A,
            "2026-06-01",
            "14",
        ],
        [
            str(ids["A7"]),
            f"http://localhost/questions/{ids['A7']}-a7-vrtec",
            "councillor",
            "question",
            "A7 Vrtec",
            "Marko Zupan",
            UNIT_B,
            "2026-06-14",
            "1",
        ],
    ]


UNITS_HEADER = [
    "group", "year", "unit_code", "unit", "answered", "answered_on_time", "answered_late",
    "on_time_rate_percent", "median_days_to_reply", "open", "overdue_now",
]  # fmt: skip


@pytest.mark.usefixtures("figures_data")
def test_the_figures_by_unit_and_year_as_csv(client: FlaskClient) -> None:
    assert _csv(client, "/accountability/units.csv") == [
        UNITS_HEADER,
        ["councillor", "2026", "KZ-T", UNIT_B, "0", "0", "0", "", "", "1", "1"],
        ["councillor", "2026", "SCM", UNIT_A, "0", "0", "0", "", "", "2", "1"],
        ["councillor", "2025", "KZ-T", UNIT_B, "3", "3", "0", "100.0", "7.0", "0", "0"],
        ["councillor", "2025", "SCM", UNIT_A, "4", "2", "2", "50.0", "25.0", "0", "0"],
        ["resident", "2026", "", "", "0", "0", "0", "", "", "1", "1"],
        ["resident", "2025", "SCM", UNIT_A, "1", "1", "0", "100.0", "15.0", "0", "0"],
        ["initiative", "2026", "KZ-T", UNIT_B, "1", "1", "0", "100.0", "11.0", "2", "1"],
        ["initiative", "2025", "SCM", UNIT_A, "2", "1", "1", "50.0", "32.5", "0", "0"],
    ]
    assert _csv(client, "/accountability/units.csv?group=initiative&year=2025") == [
        UNITS_HEADER,
        ["initiative", "2025", "SCM", UNIT_A, "2", "1", "1", "50.0", "32.5", "0", "0"],
    ]


COUNCILLORS_HEADER = [
    "person_id", "councillor", "posed", "answered", "answered_on_time", "answered_late",
    "on_time_rate_percent", "median_days_to_reply", "open", "overdue_now",
]  # fmt: skip


def test_the_figures_by_councillor_as_csv(client: FlaskClient, figures_data: Data) -> None:
    people = figures_data.people
    assert _csv(client, "/accountability/councillors.csv") == [
        COUNCILLORS_HEADER,
        [str(people["ana"]), "Ana Kovač", "4", "2", "2", "0", "100.0", "6.0", "1", "1"],
        [str(people["janez"]), "Janez Černe", "3", "2", "1", "1", "50.0", "20.0", "1", "1"],
        [str(people["marko"]), "Marko Zupan", "5", "3", "2", "1", "66.7", "40.0", "2", "1"],
    ]


@pytest.mark.usefixtures("figures_data")
def test_the_verdicts_as_csv(client: FlaskClient) -> None:
    header = ["unit_code", "unit", "answered", "partly_answered", "not_answered"]
    assert _csv(client, "/accountability/verdicts.csv") == [
        header,
        ["KZ-T", UNIT_B, "2", "0", "0"],
        ["SCM", UNIT_A, "1", "1", "2"],
    ]
    assert _csv(client, "/accountability/verdicts.csv?group=resident") == [
        header,
        ["SCM", UNIT_A, "0", "0", "1"],
    ]
    assert _csv(client, "/accountability/verdicts.csv?year=2026") == [header]


# --- the charts -------------------------------------------------------------------------------


def _svg(client: FlaskClient, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Well-formed, or this raises (Glas's own output, with no DTD to expand).
    root = ET.fromstring(response.get_data())  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    return root


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.usefixtures("figures_data")
def test_the_on_time_chart(client: FlaskClient, in_english: Callable[[FlaskClient], None]) -> None:
    in_english(client)
    root = _svg(client, "/accountability/charts/on-time.svg?group=councillor")
    assert root.findtext(f"{SVG}title") == (
        "On-time rate by unit: Councillors' questions and initiatives, all years"
    )
    assert root.findtext(f"{SVG}desc") == (
        "Share of the answers given by their due date, for each unit: "
        f"{UNIT_B}: 100%; {UNIT_A}: 50%."
    )
    # The names come back as written: escaped in the file, not lost.
    assert _texts(root)[1:] == [UNIT_B, "100%", UNIT_A, "50%"]
    bars = [float(rect.get("width", 0)) for rect in root.iter(f"{SVG}rect")][1:]
    assert bars[1] == pytest.approx(bars[0] / 2)


@pytest.mark.usefixtures("figures_data")
def test_the_median_chart_in_a_year(
    client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    root = _svg(client, "/accountability/charts/median-days.svg?group=initiative&year=2025")
    assert root.findtext(f"{SVG}title") == (
        "Median days to reply by unit: Residents' initiatives, 2025"
    )
    assert root.findtext(f"{SVG}desc") == (
        f"Median number of calendar days to the reply, for each unit: {UNIT_A}: 32.5."
    )
    assert _texts(root)[1:] == [UNIT_A, "32.5"]


@pytest.mark.usefixtures("figures_data")
def test_a_chart_in_slovenian_and_without_bars(client: FlaskClient) -> None:
    root = _svg(client, "/accountability/charts/median-days.svg?group=initiative")
    assert (root.findtext(f"{SVG}desc") or "").endswith(f"{UNIT_B}: 11; {UNIT_A}: 32,5.")
    empty = _svg(client, "/accountability/charts/on-time.svg?group=resident&year=2019")
    assert empty.findtext(f"{SVG}desc")
    assert len(list(empty.iter(f"{SVG}rect"))) == 1  # the background only


@pytest.mark.usefixtures("figures_data")
def test_a_chart_asked_again_is_not_sent_again(client: FlaskClient) -> None:
    path = "/accountability/charts/on-time.svg?group=councillor"
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# --- the cache of anonymous pages -------------------------------------------------------------


def _cached(client: FlaskClient, path: str) -> str:
    client.get(path)
    again = client.get(path)
    assert again.headers.get(HIT) == "hit"
    return again.get_data(as_text=True)


def _fresh(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.get(HIT) != "hit"
    return response.get_data(as_text=True)


def test_a_verdict_an_answer_and_an_initiative_show_at_once(
    app: Flask, client: FlaskClient, figures_data: Data, make_user: Callable[..., int]
) -> None:
    path = "/accountability/?group=resident"
    assert body(tables(_cached(client, path)).tables["verdicts-caption"]) == [
        [UNIT_A, "0", "0", "1"]
    ]
    user = make_user()
    with app.app_context():
        reply = db.session.scalar(sa.select(Reply.id))
        db.session.add(
            AnswerVerdict(
                reply_id=reply,
                question_id=figures_data.questions["R1"],
                user_id=user,
                by_asker=True,
                verdict=Verdict.PARTLY,
                reason="Delno.",
            )
        )
        db.session.commit()
    assert body(tables(_fresh(client, path)).tables["verdicts-caption"]) == [
        [UNIT_A, "0", "1", "1"]
    ]
    _cached(client, path)
    with app.app_context():
        question = db.session.get(Question, figures_data.questions["R2"])
        assert question is not None
        question.state = QuestionState.WITHDRAWN
        db.session.commit()
    html = _fresh(client, path)
    assert len(body(tables(html).tables["overdue-caption"])) == 2
    initiatives = "/accountability/?group=initiative"
    _cached(client, initiatives)
    with app.app_context():
        from app.initiatives.models import Initiative, InitiativeState

        item = db.session.get(Initiative, figures_data.initiatives["I4"])
        assert item is not None
        item.state = InitiativeState.WITHDRAWN
        db.session.commit()
    found = tables(_fresh(client, initiatives))
    assert body(found.tables["caption-initiative"])[0][-2:] == ["1", "0"]
