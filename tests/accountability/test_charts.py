"""``charts.bar_chart``: a pure function, no app and no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.accountability import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode())  # noqa: S314  (Glas's own output, with no DTD)


def test_a_chart_is_well_formed_and_says_what_it_shows() -> None:
    root = _parse(
        charts.bar_chart("Pravočasnost", "A: 50 %; B: 100 %.", [("A", 50), ("B", 100)], "%")
    )
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Pravočasnost"
    assert root.findtext(f"{SVG}desc") == "A: 50 %; B: 100 %."
    assert [t.text for t in root.iter(f"{SVG}text")] == [
        "Pravočasnost", "A", "50\u00a0%", "B", "100\u00a0%",
    ]  # fmt: skip
    width, height = charts.size(2)
    assert (root.get("width"), root.get("height")) == (str(width), str(height))


def test_a_percentage_is_scaled_to_a_hundred() -> None:
    root = _parse(charts.bar_chart("t", "d", [("A", 50)], "%"))
    bar = list(root.iter(f"{SVG}rect"))[1]
    span = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert float(bar.get("width", 0)) == pytest.approx(span / 2)


def test_other_values_are_scaled_to_the_largest() -> None:
    root = _parse(charts.bar_chart("t", "d", [("A", 10), ("B", 40)], "days"))
    widths = [float(rect.get("width", 0)) for rect in root.iter(f"{SVG}rect")][1:]
    assert widths == pytest.approx([widths[1] / 4, charts.WIDTH - 390])
    assert [t.text for t in root.iter(f"{SVG}text")][2] == "10\u00a0days"


@pytest.mark.parametrize(
    "name",
    [
        'Urad <script>alert("x")</script> & co',
        "Služba ]]> <!-- --> &amp;",
        "Tab\tand \x00 NUL \x0b and \ufffe",
    ],
)
def test_labels_from_the_database_are_escaped(name: str) -> None:
    text = charts.bar_chart(name, f"{name}: 1", [(name, 1.0)], "")
    root = _parse(text)  # well-formed whatever the name
    assert "<script>" not in text
    assert root.findtext(f"{SVG}title") == name.replace("\x00", "").replace("\x0b", "").replace(
        "\ufffe", ""
    )
    assert not any(element.tag.endswith("script") for element in root.iter())


def test_a_long_label_is_cut_in_the_picture_only() -> None:
    name = "Urad za gospodarske dejavnosti, promet in razvoj podeželja"
    root = _parse(charts.bar_chart("t", f"{name}: 3", [(name, 3)], ""))
    label = [t.text or "" for t in root.iter(f"{SVG}text")][1]
    assert label.endswith("…")
    assert len(label) <= charts.LABEL_MAX
    assert name in (root.findtext(f"{SVG}desc") or "")


def test_a_chart_without_rows_says_so() -> None:
    root = _parse(charts.bar_chart("t", "No replies yet.", [], "", empty="No replies yet."))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["t", "No replies yet."]
    assert len(list(root.iter(f"{SVG}rect"))) == 1


def test_values_are_written_the_visitors_way() -> None:
    root = _parse(
        charts.bar_chart(
            "t", "d", [("A", 32.5)], "", format_value=lambda v: f"{v:.1f}".replace(".", ",")
        )
    )
    assert [t.text for t in root.iter(f"{SVG}text")][2] == "32,5"


def test_no_style_and_no_script() -> None:
    text = charts.bar_chart("t", "d", [("A", 1)], "")
    # The Content-Security-Policy allows neither: presentation attributes only.
    assert "style" not in text
    assert "<script" not in text
