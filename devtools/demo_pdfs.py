"""Write the signed PDFs of the demo's reply letters (``app/replies/demo.py``).

    .venv/bin/python devtools/demo_pdfs.py

Run it after changing a demo letter; the PDFs are committed, so ``make demo`` needs neither
fpdf2 (a test dependency) nor the DejaVu fonts. Each PDF prints the letter as the demo saves
it, so its text and its fingerprint belong to that letter.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF

from app.replies.demo import DEMO_LETTERS, DemoLetter

FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _cell(pdf: FPDF, height: float, text: str, align: str = "L") -> None:
    # Back to the left margin on the next line, as a letter is written.
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def write(letter: DemoLetter) -> bytes:
    pdf = FPDF(format="A4")
    # The same bytes on every run: a stable fingerprint.
    pdf.set_creation_date(datetime(2026, 12, 1, tzinfo=UTC))
    pdf.set_margins(20, 20, 20)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    _cell(pdf, 5.5, "MESTNA OBČINA KRANJ\nKabinet župana")
    pdf.set_font("DejaVu", "", 9)
    _cell(pdf, 5, "Slovenski trg 1, 4000 Kranj · T: 04 237 31 47 · E: mokj@kranj.si")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    _cell(pdf, 5.5, f"Številka: {letter.number}\n\nSVET MESTNE OBČINE KRANJ")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    _cell(pdf, 5.5, f"Zadeva: {letter.subject}")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    text = f"{letter.restatement}\n\n{letter.body}"
    _cell(pdf, 5.5, text.replace("**", ""), align="J")
    pdf.ln(10)
    _cell(
        pdf, 5.5, "Vida Kranjc\nvodja Kabineta župana\n\nJanez Župan\nžupan Mestne občine Kranj",
        align="R",
    )  # fmt: skip
    pdf.ln(6)
    _cell(pdf, 5.5, "Poslano:\n- Svet Mestne občine Kranj")
    return bytes(pdf.output())


def main() -> None:
    for letter in DEMO_LETTERS:
        if letter.stage in ("signed", "sent", "published"):
            letter.pdf.write_bytes(write(letter))
            print(f"wrote {letter.pdf}")


if __name__ == "__main__":
    main()
