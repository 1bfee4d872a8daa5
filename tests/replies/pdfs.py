"""Reply letters as real PDFs (fpdf2), and PDFs that are no letter to read.

``letter_pdf`` writes the parts of a ``tests.replies.letters.Letter`` on A4 in DejaVu Sans (it
has every Slovenian letter), with the page width, not the writer, breaking the lines of prose:
justified, so the extracted lines break mid-sentence and their spaces come out doubled. The
letterhead, the labels ("Zadeva:") and the answer heading are bold, as on real letters; a page
break of the letter (``PAGE_BREAK``) starts a new page; every page has a footer "Stran 1 od 2".

DejaVu comes from the Debian package fonts-dejavu-core (installed on CI by ``.ci/run``): the
tests fail, never skip, without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from tests.replies.letters import PAGE_BREAK, Letter, parts

FONTS = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"

_SIZE = 11  # points
_LINE = 5.5  # millimetres: the line height of a part
_GAP = 4.0  # millimetres between parts, as a letter spaces its paragraphs


@dataclass(frozen=True)
class WrittenPdf:
    data: bytes
    page_count: int


class _LetterPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", size=8)
        self.cell(0, 5, f"Stran {self.page_no()} od {{nb}}", align="C")


def _document() -> _LetterPdf:
    missing = [str(font) for font in (REGULAR, BOLD) if not font.is_file()]
    if missing:
        raise FileNotFoundError(
            f"The tests write PDFs in DejaVu Sans: {', '.join(missing)} is missing "
            "(apt-get install fonts-dejavu-core)."
        )
    pdf = _LetterPdf(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_font("DejaVu", size=_SIZE)
    return pdf


def _write(pdf: FPDF, text: str, *, doubled: bool, align: str = "J") -> None:
    for k, piece in enumerate(text.split(PAGE_BREAK)):
        if k:
            # The sample's artefact: a line of only a non-breaking space, then the next page.
            pdf.multi_cell(0, _LINE, "\u00a0", new_x="LMARGIN", new_y="NEXT")
            pdf.add_page()
        if doubled:
            piece = piece.replace(" ", "  ")
        pdf.multi_cell(0, _LINE, piece, markdown=True, align=align, new_x="LMARGIN", new_y="NEXT")


def _bold_label(line: str) -> str:
    """Bold as a letter prints it: the labels ("Zadeva:"), headings and the letterhead."""
    for label in ("Zadeva:", "Številka:", "Datum:"):
        if line.startswith(label):
            return f"**{label}**{line[len(label) :]}"
    return line


def letter_pdf(
    letter: Letter, *, doubled_spaces: bool = False, owner_password: str | None = None
) -> WrittenPdf:
    """The letter as a PDF: its prose wrapped by the page, its list items wrapped under them.

    ``owner_password`` locks editing only (no user password): any viewer opens such a PDF.
    """
    pdf = _document()
    pdf.add_page()
    for n, part in enumerate(parts(letter)):
        if n:
            pdf.ln(_GAP)
        if part.kind == "lines":
            for line in part.lines:
                shown = f"**{line}**" if n == 0 or line.startswith("Odgovor") else line
                _write(pdf, _bold_label(shown), doubled=False, align="L")
        else:
            for line in part.lines:
                _write(pdf, _bold_label(line), doubled=doubled_spaces)
    if owner_password is not None:
        pdf.set_encryption(owner_password=owner_password)
    return WrittenPdf(bytes(pdf.output()), pdf.pages_count)


def _one_page(text: str = "Mestna občina Kranj") -> _LetterPdf:
    pdf = _document()
    pdf.add_page()
    pdf.multi_cell(0, _LINE, text)
    return pdf


def text_pdf(text: str) -> bytes:
    """One page of text, as it is (no marks)."""
    return bytes(_one_page(text).output())


def encrypted_pdf() -> bytes:
    """A PDF that opens only with its password (a user password, not only an owner's)."""
    pdf = _one_page()
    pdf.set_encryption(owner_password="lastnik", user_password="geslo")
    return bytes(pdf.output())


def textless_pdf() -> bytes:
    """A page with a drawing and no text (not even the footer), as a scan has no text layer."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.rect(30, 30, 100, 60, style="D")
    return bytes(pdf.output())


def damaged_pdf() -> bytes:
    """A PDF's first bytes, then garbage: no trailer, no cross-reference table, no objects."""
    return bytes(_one_page().output())[:16] + bytes(range(256)) * 8


def long_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` pages of text: more than a letter has."""
    pdf = _document()
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, _LINE, f"Stran z besedilom številka {n}.")
    return bytes(pdf.output())
