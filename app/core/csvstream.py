"""CSV exports streamed to the visitor a batch at a time, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

#: Rows fetched from a cursor at a time, and written out as one chunk of the response.
BATCH = 500


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def chunks(header: Sequence[str], batches: Iterable[Iterable[Sequence[object]]]) -> Iterator[str]:
    """The text of a CSV file: the header (after a byte-order mark), then one chunk per batch.

    Each batch is written out and dropped before the next is read, so memory does not grow
    with the list. Cells are written as given: pass text through ``csv_safe``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    # A byte-order mark so that spreadsheet programs read č, š and ž correctly.
    yield "\ufeff" + take()
    for batch in batches:
        writer.writerows(batch)
        yield take()
