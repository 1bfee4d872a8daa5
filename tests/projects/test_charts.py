"""A project's two charts: SVG made on the server, well-formed, a picture with a title and a
description, every text escaped, and the same numbers as the tables beside them."""

from __future__ import annotations

import html as markup
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.time import today
from app.extensions import db
from app.projects import charts, services
from tests.projects.conftest import project

SVG = "{http://www.w3.org/2000/svg}"
NASTY = 'Mejnik <script>alert("x")</script> & "drugo"'


@pytest.fixture
def pid(app: Flask, make_project: Callable[..., int]) -> int:
    pid = make_project(
        title="Prehod <script>alert(1)</script> & luči",
        years=(services.YearMoney(2026, 10_000_000, 2_500_050), services.YearMoney(2027, 123, 0)),
    )
    with app.app_context(), services.as_the_system():
        found = project(pid)
        first = services.add_milestone(
            None, found, title=NASTY, planned_on=today() - timedelta(days=20)
        )
        services.update_milestone(
            None,
            first,
            planned_on=first.planned_on,
            done_on=today() - timedelta(days=2),
            reason=None,
        )
        services.add_milestone(
            None, found, title="Postavitev luči", planned_on=today() + timedelta(days=30)
        )
        services.set_year(
            None, found, year=2026, budget_cents=12_000_000, spent_cents=2_500_050, reason="Dražje."
        )
        db.session.commit()
    return pid


def _svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    for text in re.findall(r"<svg [^>]*class=\"chart-svg\".*?</svg>", html, re.S):
        root = ET.fromstring(text)  # noqa: S314  (Glas's own output)
        found[root.get("aria-labelledby", "").split("-")[0]] = root
    return found


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _table(html: str, caption_id: str) -> list[list[str]]:
    table = html.split(f'id="{caption_id}"')[1].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([markup.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


@pytest.mark.parametrize("english", [False, True])
def test_the_charts_are_pictures_with_words(
    pid: int, client: FlaskClient, in_english: Callable[[FlaskClient], None], english: bool
) -> None:
    if english:
        in_english(client)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert "<script>alert" not in html
    svgs = _svgs(html)
    assert set(svgs) == {"schedule", "money"}
    for name, root in svgs.items():
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None
        assert desc is not None
        assert title.text
        assert desc.text
        assert root.get("aria-labelledby") == f"{name}-chart-title {name}-chart-desc"
        assert title.get("id") == f"{name}-chart-title"
        assert root.find(f".//{SVG}script") is None
        assert "style" not in {a for el in root.iter() for a in el.attrib}
    # The milestone's title is text in the picture, as typed (cut to fit), never markup.
    labels = _texts(svgs["schedule"])
    assert any(label.startswith('Mejnik <script>alert("x")') for label in labels)
    if english:
        desc = svgs["schedule"].find(f"{SVG}desc")
        assert desc is not None
        assert "1 of 2 milestones is done." in (desc.text or "")
        assert "1 milestone is later than first planned." in (desc.text or "")


def test_the_tables_hold_the_charts_numbers(
    pid: int, client: FlaskClient, in_english: Callable[[FlaskClient], None]
) -> None:
    in_english(client)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    money = _table(html, "money-caption")
    assert money == [
        ["Year", "Budget first planned", "Budget now", "Spent"],
        ["2026", "€100,000.00", "€120,000.00", "€25,000.50"],
        ["2027", "€1.23", "€1.23", "€0.00"],
        ["Total", "€100,001.23", "€120,001.23", "€25,000.50"],
    ]
    amounts = [t for t in _texts(_svgs(html)["money"]) if t.startswith("€")]
    assert amounts == ["€100,000.00", "€120,000.00", "€25,000.50", "€1.23", "€1.23", "€0.00"]
    milestones = _table(html, "milestones-caption")
    assert [row[0] for row in milestones[1:]] == [NASTY, "Postavitev luči"]
    assert [row[-1] for row in milestones[1:]] == ["18", "0"]  # done 18 days late; not late
    labels = _texts(_svgs(html)["schedule"])
    assert "Postavitev luči" in labels
    assert "First plan" in labels
    assert "Now" in labels


def test_no_money_no_money_chart(
    client: FlaskClient, make_project: Callable[..., int], in_english: Callable[[FlaskClient], None]
) -> None:
    pid = make_project(years=())
    in_english(client)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    assert set(_svgs(html)) == {"schedule"}
    assert "No budget is recorded yet." in html


def test_the_schedule_chart_alone_escapes_and_scales() -> None:
    svg = charts.schedule(
        "c",
        title="A & <b>",
        desc="x < y",
        labels=("Plan", "Zdaj"),
        first_plan=(date(2026, 1, 1), date(2026, 1, 1)),  # a span of no days
        now=(date(2026, 1, 1), date(2026, 1, 1)),
        milestones=[charts.MilestoneMark("M" * 80, date(2026, 1, 1), date(2026, 1, 1), None)],
        today=date(2026, 1, 1),
        today_label="danes",
        format_day=lambda d: d.isoformat(),
    )
    root = ET.fromstring(str(svg))  # noqa: S314
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "A & <b>"
    assert any(t.endswith("…") and len(t) == charts.LABEL_MAX for t in _texts(root))
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("width", "0")) >= 0


def test_the_money_chart_of_no_money_draws() -> None:
    svg = charts.money(
        "m",
        title="T",
        desc="D",
        years=[charts.YearBars(2026, 0, 0, 0)],
        legend=("a", "b", "c"),
        format_amount=str,
    )
    root = ET.fromstring(str(svg))  # noqa: S314
    assert root.get("role") == "img"
