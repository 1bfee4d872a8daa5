"""Importing projects from a CSV file: new codes are recorded, known codes updated.

The format is the list's own CSV (``export``): a header row, one project per line, keyed by
``code``. Columns may come in any order and any may be left out but ``code``; a column given
is set (an empty optional cell clears it), a column left out is not touched. A new project
needs ``title``, ``summary``, ``unit``, ``topic``, ``starts_on`` and ``ends_on``. The figures
Glas works out (``export.READ_ONLY_COLUMNS``) are ignored, so a downloaded list imports again
as it is; any other column is an error, because a misspelt column must not be dropped quietly.

**All or nothing.** Every line goes through the same services as the forms, in a SAVEPOINT of
its own: a bad line is rolled back and reported by its number and column, the other lines are
still checked (so one upload shows every mistake), and if any line is bad the whole file is
rolled back by the caller. Nothing of a file with one bad line is saved.

Spreadsheets write CSV in the computer's locale: Slovenian Excel separates with semicolons.
The header tells which (a semicolon and no comma there means semicolons), and a byte-order
mark is dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.auth.models import User
from app.extensions import db
from app.org.models import OrgUnit
from app.projects import money, queries, services
from app.projects.export import BUDGET_PREFIX, IMPORT_COLUMNS, READ_ONLY_COLUMNS, SPENT_PREFIX
from app.projects.models import Light, Project
from app.reference.kept import communities_by_slug, topics_by_slug, units_by_code
from app.reference.models import LocalCommunity, Topic

#: The largest file and the most lines one import takes (a municipality has hundreds).
MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5_000
_REQUIRED_NEW = ("title", "summary", "unit", "topic", "starts_on", "ends_on")


@dataclass
class Problem:
    line: int
    column: str
    message: str | LazyString


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class BadFile(Exception):
    """The file as a whole cannot be read (not UTF-8, no header, too large …)."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def read(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the lines (with their numbers in the file) of a CSV file."""
    if len(data) > MAX_BYTES:
        raise BadFile(_l("The file is larger than 2 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile(_l("The file is not in UTF-8. Save it as CSV UTF-8.")) from None
    if "\x00" in text:
        raise BadFile(_l("The file is not a CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise BadFile(_l("The file is empty.")) from None
    except csv.Error:
        raise BadFile(_l("The header row cannot be read.")) from None
    if "code" not in header:
        raise BadFile(_l("The header row has no column code."))
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise BadFile(_l("These columns appear twice: %(names)s.", names=", ".join(duplicates)))
    unknown = [name for name in header if not _known(name)]
    if unknown:
        raise BadFile(
            _l("Unknown columns: %(names)s. See the format below.", names=", ".join(unknown))
        )
    lines: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if len(lines) >= MAX_LINES:
                raise BadFile(_l("The file has more than %(n)d lines.", n=MAX_LINES))
            if not any(cell.strip() for cell in cells):
                continue  # an empty line (spreadsheets leave them at the end)
            if len(cells) != len(header):
                lines.append((reader.line_num, {"": f"cells:{len(cells)}"}))
                continue
            lines.append((reader.line_num, dict(zip(header, map(_unguarded, cells), strict=True))))
    except csv.Error:
        raise BadFile(
            _l("Line %(line)d cannot be read (a quote not closed?).", line=reader.line_num)
        ) from None
    return header, lines


def _unguarded(cell: str) -> str:
    """A cell without the quote the export puts before a text a spreadsheet would run as a
    formula (``csvstream.csv_safe``: "=x" is written "'=x"), so that a list downloaded and
    imported again is unchanged."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def _known(name: str) -> bool:
    if name in IMPORT_COLUMNS or name in READ_ONLY_COLUMNS:
        return True
    for prefix in (BUDGET_PREFIX, SPENT_PREFIX):
        if name.startswith(prefix):
            year = name.removeprefix(prefix)
            return year.isascii() and year.isdigit() and len(year) == 4
    return False


def run(actor: User, data: bytes) -> Outcome:
    """Check and apply every line; the caller commits only an ``Outcome`` that is ``ok``."""
    header, lines = read(data)
    outcome = Outcome()
    if not lines:
        outcome.problems.append(Problem(1, "", _l("The file has no projects.")))
        return outcome
    seen: dict[str, int] = {}
    for number, cells in lines:
        if "" in cells:
            outcome.problems.append(
                Problem(number, "", _l("This line has not as many cells as the header."))
            )
            continue
        code = cells["code"].strip()
        if code in seen:
            outcome.problems.append(
                Problem(number, "code", _l("The code is also on line %(line)d.", line=seen[code]))
            )
            continue
        seen[code] = number
        savepoint = db.session.begin_nested()
        try:
            result = _apply(actor, header, cells)
        except services.Invalid as error:
            savepoint.rollback()
            outcome.problems.append(Problem(number, error.field, error.message))
            continue
        except services.NotAllowed:
            savepoint.rollback()
            outcome.problems.append(
                Problem(number, "unit", _l("You are not an official of this project's unit."))
            )
            continue
        savepoint.commit()
        {"created": outcome.created, "updated": outcome.updated}.get(
            result, outcome.unchanged
        ).append(code)
    return outcome


# --- one line ----------------------------------------------------------------------------------


def _day(column: str, text: str) -> date | None:
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_day(column)
    except ValueError:
        return _bad_day(column)


def _bad_day(column: str) -> date:
    raise services.Invalid(column, _l("Write the day as YYYY-MM-DD, e.g. 2026-09-01."))


def _unit(text: str, kept: int | None = None) -> int:
    """The unit of a code: an active one, or the project's own (``kept``) retired since."""
    unit = units_by_code().get(text.strip())
    if unit is None or not (unit.is_active or unit.id == kept):
        raise services.Invalid("unit", _l("No unit has the code %(code)s.", code=text.strip()))
    return unit.id


def _topic(text: str, kept: int | None = None) -> int:
    topic = topics_by_slug().get(text.strip())
    if topic is None or not (topic.is_active or topic.id == kept):
        raise services.Invalid("topic", _l("No topic is called %(slug)s.", slug=text.strip()))
    return topic.id


def _community(text: str, kept: int | None = None) -> int | None:
    slug = text.strip()
    if not slug:
        return None
    community = communities_by_slug().get(slug)
    if community is None or not (community.is_active or community.id == kept):
        raise services.Invalid("community", _l("No local community is called %(slug)s.", slug=slug))
    return community.id


def _light(text: str) -> Light:
    try:
        return Light(text.strip().lower())
    except ValueError:
        raise services.Invalid(
            "light", _l("The light is one of green, amber, red and done.")
        ) from None


def _progress(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise services.Invalid("progress", _l("Progress is a percentage from 0 to 100."))
    return int(value)


def _amount(column: str, text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return money.parse_plain_euros(text)
    except money.NegativeAmount:
        raise services.Invalid(column, _l("An amount cannot be negative.")) from None
    except money.BadAmount:
        raise services.Invalid(
            column, _l("Write the amount in euros with a point, e.g. 125000.00.")
        ) from None


def _money_columns(
    header: list[str], cells: dict[str, str]
) -> dict[int, tuple[int | None, int | None]]:
    years: dict[int, tuple[int | None, int | None]] = {}
    for name in header:
        if name in READ_ONLY_COLUMNS:
            continue  # budget_total … begin as a year's column does
        for prefix, index in ((BUDGET_PREFIX, 0), (SPENT_PREFIX, 1)):
            if name.startswith(prefix):
                year = services.check_year(name, int(name.removeprefix(prefix)))
                budget, spent = years.get(year, (None, None))
                amount = _amount(name, cells[name])
                years[year] = (amount, spent) if index == 0 else (budget, amount)
    return {year: pair for year, pair in years.items() if pair != (None, None)}


def _apply(actor: User, header: list[str], cells: dict[str, str]) -> str:
    """One line: ``created``, ``updated`` or ``unchanged``."""
    code = services.check_code(cells["code"])
    project = queries.by_code(code)
    years = _money_columns(header, cells)
    reason = cells.get("reason", "").strip() or None
    if project is None:
        return _create(actor, code, header, cells, years, reason)
    return "updated" if _update(actor, project, header, cells, years, reason) else "unchanged"


def _create(
    actor: User,
    code: str,
    header: list[str],
    cells: dict[str, str],
    years: dict[int, tuple[int | None, int | None]],
    reason: str | None,
) -> str:
    for column in _REQUIRED_NEW:
        if column not in header or not cells[column].strip():
            raise services.Invalid(column, _l("A new project needs this column filled in."))
    details = services.Details(
        title=cells["title"],
        summary=cells["summary"],
        description=cells.get("description", ""),
        unit_id=_unit(cells["unit"]),
        topic_id=_topic(cells["topic"]),
        community_id=_community(cells.get("community", "")),
        location=cells.get("location") or None,
    )
    light = _light(cells["light"]) if cells.get("light", "").strip() else Light.GREEN
    progress = _progress(cells["progress"]) if cells.get("progress", "").strip() else 0
    services.create(
        actor,
        code,
        details,
        starts_on=_day("starts_on", cells["starts_on"]),
        ends_on=_day("ends_on", cells["ends_on"]),
        years=[
            services.YearMoney(year, budget or 0, spent or 0)
            for year, (budget, spent) in sorted(years.items())
        ],
        light=light,
        progress=progress,
        reason=reason,
    )
    return "created"


def _update(
    actor: User,
    project: Project,
    header: list[str],
    cells: dict[str, str],
    years: dict[int, tuple[int | None, int | None]],
    reason: str | None,
) -> bool:
    changed = False
    detail_columns = ("title", "summary", "description", "unit", "topic", "community", "location")
    if any(column in header for column in detail_columns):
        unit = db.session.get(OrgUnit, project.unit_id)
        topic = db.session.get(Topic, project.topic_id)
        community = (
            db.session.get(LocalCommunity, project.community_id) if project.community_id else None
        )
        details = services.Details(
            title=cells["title"] if "title" in header else project.title,
            summary=cells["summary"] if "summary" in header else project.summary,
            description=cells["description"] if "description" in header else project.description,
            unit_id=(
                _unit(cells["unit"], project.unit_id)
                if "unit" in header
                else (unit.id if unit else None)
            ),
            topic_id=(
                _topic(cells["topic"], project.topic_id)
                if "topic" in header
                else (topic.id if topic else None)
            ),
            community_id=(
                _community(cells["community"], project.community_id)
                if "community" in header
                else (community.id if community else None)
            ),
            location=(cells["location"] or None) if "location" in header else project.location,
        )
        changed |= services.update_details(actor, project, details) is not None
    if "starts_on" in header or "ends_on" in header:
        starts = (
            _day("starts_on", cells["starts_on"]) if "starts_on" in header else project.starts_on
        )
        ends = _day("ends_on", cells["ends_on"]) if "ends_on" in header else project.ends_on
        changed |= (
            services.update_schedule(actor, project, starts_on=starts, ends_on=ends, reason=reason)
            is not None
        )
    for year, (budget, spent) in sorted(years.items()):
        current = next((row for row in project.years if row.year == year), None)
        changed |= (
            services.set_year(
                actor,
                project,
                year=year,
                budget_cents=budget
                if budget is not None
                else (current.budget_cents if current else 0),
                spent_cents=spent if spent is not None else (current.spent_cents if current else 0),
                reason=reason,
            )
            is not None
        )
    if "light" in header or "progress" in header:
        light = (
            _light(cells["light"])
            if "light" in header and cells["light"].strip()
            else project.light
        )
        progress = (
            _progress(cells["progress"])
            if "progress" in header and cells["progress"].strip()
            else project.progress
        )
        status_reason = reason if reason is not None else project.light_reason
        changed |= (
            services.update_status(
                actor, project, light=light, progress=progress, reason=status_reason
            )
            is not None
        )
    return changed
