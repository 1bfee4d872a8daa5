"""The text of a signed reply letter's PDF, for ``app.replies.letters.parse`` to read.

The text is pypdf's (``page.extract_text()``), pages joined by a blank line, with two marks of
layout that plain extraction loses and the letter's parts need:

- a **blank line where the page leaves a vertical gap** (between paragraphs, around the
  letterhead and the signatures): pypdf puts every line right under the one before it;
- ``**…**`` **around bold text**, from the font's name ("DejaVuSans-Bold", "Arial,Bold"), as
  in the plain-text renderings of letters.

Both come from pypdf's own text visitor, so the words and their order are exactly pypdf's.
A scan (no text layer), a PDF that needs a password, a damaged file and anything over
``MAX_PAGES`` pages (no letter is that long) raise ``PdfUnreadable``.
"""

from __future__ import annotations

import enum
import io
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from pypdf import PageObject, PasswordType, PdfReader

#: A reply letter has a few pages; extracting more would only spend time on what is no letter.
MAX_PAGES = 50

# A step between two lines this much longer than the usual one is a gap (a blank line).
_GAP = 1.4
_JITTER = 2  # points
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demibold", re.I)


class PdfProblem(enum.StrEnum):
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    NO_TEXT = "no_text"
    TOO_LONG = "too_long"


PDF_PROBLEM_MESSAGES: dict[PdfProblem, LazyString] = {
    PdfProblem.ENCRYPTED: _l("The PDF is protected by a password."),
    PdfProblem.DAMAGED: _l("The file is not a PDF that can be read."),
    PdfProblem.NO_TEXT: _l("The PDF has no text (is it a scan?)."),
    PdfProblem.TOO_LONG: _l("The PDF has more pages than a letter."),
}


class PdfUnreadable(Exception):
    """The PDF gives no text to read; ``reason`` says why."""

    def __init__(self, reason: PdfProblem) -> None:
        self.reason = reason
        super().__init__(reason.value)


@dataclass(frozen=True)
class ExtractedPdf:
    text: str
    page_count: int


@dataclass
class _Line:
    pieces: list[tuple[str, bool]] = field(default_factory=list)
    y: float | None = None  # the baseline of the line's first text, in points from the bottom

    def render(self) -> str:
        """The line's text, its bold runs marked ``**…**`` (the spaces around kept outside)."""
        out: list[str] = []
        runs: list[tuple[str, bool]] = []
        for text, bold in self.pieces:
            if runs and runs[-1][1] == bold:
                runs[-1] = (runs[-1][0] + text, bold)
            else:
                runs.append((text, bold))
        for text, bold in runs:
            core = text.strip()
            if bold and core:
                start = text.index(core)
                out.append(f"{text[:start]}**{core}**{text[start + len(core) :]}")
            else:
                out.append(text)
        return "".join(out)


def _is_bold(font: Any) -> bool:
    try:
        return bool(_BOLD_FONT.search(str(font.get("/BaseFont", ""))))
    except AttributeError:  # pypdf passes None for a font it does not know
        return False


def _baseline(cm: Sequence[float], tm: Sequence[float]) -> float:
    """The text's y on the page: the text matrix's origin through the current transformation."""
    return float(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])


def _page_lines(page: PageObject) -> list[_Line]:
    pieces: list[tuple[str, float | None, bool]] = []

    def visit(text: Any, cm: Any, tm: Any, font: Any, _size: Any) -> None:
        if isinstance(text, str) and text:
            y = _baseline(cm, tm) if text.strip() else None
            pieces.append((text, y, _is_bold(font)))

    plain = page.extract_text(visitor_text=visit)
    if "".join(text for text, _, _ in pieces) != plain:
        # The visitor did not see all of pypdf's text (a path of its own): keep pypdf's text
        # as it is, without the marks, rather than text pypdf did not give.
        return [_Line([(line, False)]) for line in plain.split("\n")]
    lines = [_Line()]
    for text, y, bold in pieces:
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append(_Line())
            line = lines[-1]
            line.pieces.append((part, bold))
            if line.y is None and part.strip():
                line.y = y
    return lines


def _usual_step(pages: Sequence[Sequence[_Line]]) -> float | None:
    """The step from one line of a paragraph down to the next, over the whole document.

    The smallest step that comes back (a paragraph of two lines has one): not the most
    common one, since a letter of short parts can have more gaps between them than lines
    inside them. Steps under ``_JITTER`` are text on the same line, set a little higher.
    """
    steps: Counter[float] = Counter()
    for lines in pages:
        ys = [line.y for line in lines if line.y is not None]
        steps.update(round(above - below) for above, below in itertools.pairwise(ys))
    usual = sorted(step for step, count in steps.items() if step >= _JITTER and count >= 2)
    return usual[0] if usual else None


def _page_text(lines: Sequence[_Line], step: float | None) -> str:
    out: list[str] = []
    above: float | None = None
    for line in lines:
        if line.y is not None:
            # A gap, or text that goes back up the page (another column, a footer first).
            if above is not None and step is not None and not 0 <= above - line.y <= step * _GAP:
                out.append("")
            above = line.y
        out.append(line.render())
    return "\n".join(out)


def extract(data: bytes) -> ExtractedPdf:
    """The text of a letter's PDF and its number of pages, or ``PdfUnreadable``."""
    try:
        reader = PdfReader(io.BytesIO(data))
        # A PDF with an owner password only (no printing, no editing) opens with an empty
        # user password, as any viewer opens it: only one that needs a password is refused.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PdfUnreadable(PdfProblem.ENCRYPTED)
        page_count = len(reader.pages)
        if page_count > MAX_PAGES:
            raise PdfUnreadable(PdfProblem.TOO_LONG)
        pages = [_page_lines(page) for page in reader.pages]
    except PdfUnreadable:
        raise
    except Exception as error:
        # pypdf raises many kinds of exception on a damaged or hostile file (PdfReadError,
        # but also KeyError, ValueError, TypeError, RecursionError from deep nesting…): to
        # the caller, each is the same thing, a PDF that cannot be read.
        raise PdfUnreadable(PdfProblem.DAMAGED) from error
    step = _usual_step(pages)
    text = "\n\n".join(_page_text(lines, step) for lines in pages)
    if not any(character.isalnum() for character in text):
        raise PdfUnreadable(PdfProblem.NO_TEXT)
    return ExtractedPdf(text=text, page_count=page_count)
