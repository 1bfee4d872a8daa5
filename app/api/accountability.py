"""``/api/v1/accountability``: the figures of ``/accountability/``, from the same functions.

One document per selection (``year``, ``group``), as the page: answers on time and late, the
median days to reply and what is open and overdue, per unit for each group, per councillor,
and what the askers said of the answers. The overdue answers themselves are a list of their
own: ``/api/v1/questions?state=overdue``.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from app.accountability import figures
from app.accountability.figures import Figures, Group
from app.api import bp, data, limits, params
from app.api.http import json_response
from app.api.params import Param, choice
from app.api.problems import invalid
from app.core import pagecache
from app.core import time as clock
from app.core.urls import public_url_for

PARAMS = (Param("year", "year"), choice("group", [group.value for group in Group]))
_NAMES = tuple(param.name for param in PARAMS)


def _figures(row: Figures) -> dict[str, Any]:
    return {
        "answered": row.answered,
        "on_time": row.on_time,
        "late": row.late,
        "on_time_rate": row.on_time_rate,
        "median_days": row.median_days,
        "open": row.open,
        "overdue": row.overdue,
    }


def _tags() -> tuple[str, ...]:
    return ("accountability",)


@bp.get("/accountability")
@pagecache.cached(_tags, params=_NAMES, guard=limits.allowed)
def accountability() -> ResponseReturnValue:
    values = params.parse(PARAMS)
    try:
        year = figures.parse_year(values.get("year"))
        group = figures.parse_group(values.get("group"))
    except figures.BadFilter as error:
        raise invalid(error.field, "invalid") from None
    groups = (group,) if group else tuple(Group)
    today, now = clock.today(), clock.utcnow()
    tables = figures.by_unit(today, now, year=year, groups=groups)
    councillors = (
        figures.by_councillor(today, year=year) if group in (None, Group.COUNCILLOR) else None
    )
    verdicts = (
        figures.verdicts_by_unit(year=year, group=group) if group is not Group.INITIATIVE else None
    )
    # "Overdue" changes with the day, and an initiative's response falls due at its moment.
    pagecache.expires_by(clock.next_midnight())
    pagecache.expires_by(
        min(
            (row.next_due for rows in tables.values() for row in rows if row.next_due), default=None
        )
    )
    body = {
        "year": year,
        "group": group.value if group else None,
        "years": figures.years(today),
        "units": {
            g.value: [
                {
                    "unit": {"code": row.unit_code, "name": row.unit_name}
                    if row.unit_code
                    else None,
                    **_figures(row),
                }
                for row in rows
            ]
            for g, rows in tables.items()
        },
        "councillors": [
            {
                "id": row.person_id,
                "name": row.name,
                "posed": row.posed,
                **_figures(row),
                "self": public_url_for("api.councillor", person_id=row.person_id),
            }
            for row in councillors
        ]
        if councillors is not None
        else None,
        "verdicts": [
            {
                "unit": {"code": row.unit_code, "name": row.unit_name} if row.unit_code else None,
                "answered": row.answered,
                "partly": row.partly,
                "not_answered": row.not_answered,
            }
            for row in verdicts
        ]
        if verdicts is not None
        else None,
        "links": {
            "url": public_url_for("accountability.index", **values),
            "self": public_url_for("api.accountability", **values),
            "overdue": public_url_for("api.questions", state="overdue"),
        },
        "as_of": data.day(today),
    }
    return json_response(body)
