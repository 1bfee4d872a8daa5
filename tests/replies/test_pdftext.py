"""The text of real PDF letters (written by fpdf2): Slovenian letters intact, pages counted,
and every shape of letter reading the same from its PDF as from its plain text, though the PDF's
lines break mid-sentence and its spaces come out doubled. PDFs that give no text are refused.

Pure: no database and no app are used (the suite's autouse fixtures still make one).
"""

from __future__ import annotations

import dataclasses

import pytest

from app.replies.letters import ParsedLetter, parse
from app.replies.pdftext import MAX_PAGES, PDF_PROBLEM_MESSAGES, PdfProblem, PdfUnreadable, extract
from tests.replies import pdfs
from tests.replies.letters import SAMPLE, SHAPES, THREE_SIGNERS, text


def _fields(letter: ParsedLetter) -> ParsedLetter:
    """A letter without what depends on where its text came from."""
    return dataclasses.replace(letter, raw_text="", page_count=None)


def test_slovenian_letters_come_out_intact() -> None:
    extracted = extract(pdfs.text_pdf("čšž ČŠŽ ćđ ĆĐ – „Kranj“ € 1.000,00"))
    assert extracted.text.splitlines()[0] == "čšž ČŠŽ ćđ ĆĐ – „Kranj“ € 1.000,00"
    assert extracted.page_count == 1


def test_the_sample_letter_as_a_pdf() -> None:
    written = pdfs.letter_pdf(SAMPLE)
    extracted = extract(written.data)
    assert written.page_count >= 2  # the letter's page break, as on the real one
    assert extracted.page_count == written.page_count
    lines = extracted.text.splitlines()
    for printed in ("MESTNA OBČINA KRANJ", "Kabinet župana", "Ana Vizovišek, Pisarna za podjetja"):
        assert any(printed in line for line in lines)
    assert "Boštjan Trilar" in lines
    assert "župan Mestne občine Kranj" in lines
    # What the parser has to cope with: lines broken mid-sentence, doubled spaces, page footers,
    # and the bold marks and blank lines pdftext adds.
    assert any(line.startswith("Na 16. seji") and not line.endswith(".") for line in lines)
    assert any("  " in line for line in lines)
    assert "Stran 1 od " in extracted.text
    assert "**Smart" in extracted.text
    assert "skupnost)**" in extracted.text
    assert "\n\nPoslano:\n\n- Svet Mestne občine Kranj" in extracted.text
    letter = parse(extracted.text, page_count=extracted.page_count)
    assert letter.page_count == written.page_count
    assert letter.raw_text == extracted.text


def test_a_long_answer_runs_over_pages() -> None:
    written = pdfs.letter_pdf(THREE_SIGNERS)
    assert written.page_count >= 2
    assert extract(written.data).page_count == written.page_count


@pytest.mark.parametrize("doubled_spaces", [False, True], ids=["justified", "doubled spaces"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_shape_reads_from_its_pdf_as_from_its_text(shape: str, doubled_spaces: bool) -> None:
    letter = SHAPES[shape]
    written = pdfs.letter_pdf(letter, doubled_spaces=doubled_spaces)
    extracted = extract(written.data)
    assert extracted.page_count == written.page_count
    from_pdf = parse(extracted.text, page_count=extracted.page_count)
    assert _fields(from_pdf) == _fields(parse(text(letter)))
    assert from_pdf.page_count == written.page_count


def test_a_pdf_locked_by_its_owner_only_is_read() -> None:
    """No editing, no password to open it: every viewer opens such a letter, and so do we."""
    extracted = extract(pdfs.letter_pdf(SAMPLE, owner_password="lastnik").data)
    assert _fields(parse(extracted.text)) == _fields(parse(text(SAMPLE)))


def test_a_pdf_of_the_most_pages_a_letter_may_have_is_read() -> None:
    assert extract(pdfs.long_pdf(MAX_PAGES)).page_count == MAX_PAGES


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(pdfs.encrypted_pdf(), PdfProblem.ENCRYPTED, id="needs a password"),
        pytest.param(pdfs.textless_pdf(), PdfProblem.NO_TEXT, id="no text layer"),
        pytest.param(pdfs.damaged_pdf(), PdfProblem.DAMAGED, id="damaged"),
        pytest.param(pdfs.letter_pdf(SAMPLE).data[:2000], PdfProblem.DAMAGED, id="cut short"),
        pytest.param(b"", PdfProblem.DAMAGED, id="empty"),
        pytest.param("Številka: 032".encode(), PdfProblem.DAMAGED, id="not a pdf"),
        pytest.param(pdfs.long_pdf(MAX_PAGES + 1), PdfProblem.TOO_LONG, id="too long"),
    ],
)
def test_pdfs_without_text_to_read_are_refused(data: bytes, reason: PdfProblem) -> None:
    with pytest.raises(PdfUnreadable) as raised:
        extract(data)
    assert raised.value.reason is reason


def test_every_refusal_has_a_message() -> None:
    assert set(PDF_PROBLEM_MESSAGES) == set(PdfProblem)
    assert str(PDF_PROBLEM_MESSAGES[PdfProblem.NO_TEXT]) == "The PDF has no text (is it a scan?)."
