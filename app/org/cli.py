"""``flask units …``: the administration's organisational units and their letterheads.

Units change with the administration's act on its organisation, rarely and by decision, so
they are kept from the command line (audited), like the council's terms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.core import models as audit
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind

units_cli = AppGroup("units", help="Organisational units: add them, set their letterheads.")

_LETTERHEAD = ("address", "phone", "fax", "email", "website")


def _unit(code: str) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise click.BadParameter(f"no unit with code {code!r}")
    return unit


_F = TypeVar("_F", bound=Callable[..., Any])


def _letterhead_options(command: _F) -> _F:
    for name in reversed(_LETTERHEAD):
        command = click.option(f"--{name}", default=None, help=f"The letterhead's {name}.")(command)
    return command


@units_cli.command("list")
def list_units() -> None:
    """Every unit: code, kind, name, whether active."""
    for unit in db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.code)):
        state = "" if unit.is_active else " [inactive]"
        click.echo(f"{unit.code}\t{unit.kind.value}\t{unit.name}{state}")


@units_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in OrgUnitKind]),
    default=OrgUnitKind.OFFICE.value,
    show_default=True,
)
@_letterhead_options
def add_unit(code: str, name: str, kind: str, **letterhead: str | None) -> None:
    """Add a unit, e.g. ``flask units add PZP "Pisarna za podjetja"``."""
    clean_code, clean_name = code.strip().upper(), " ".join(name.split())
    if not clean_code or len(clean_code) > 20 or not clean_name or len(clean_name) > 200:
        raise click.BadParameter("a code of at most 20 characters and a name of at most 200")
    if db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == clean_code)):
        raise click.ClickException(f"A unit with code {clean_code} exists already.")
    unit = OrgUnit(code=clean_code, name=clean_name, kind=OrgUnitKind(kind))
    _set_letterhead(unit, letterhead)
    db.session.add(unit)
    db.session.flush()
    audit.record(None, "unit.add", "org_unit", unit.id, code=unit.code, name=unit.name)
    db.session.commit()
    click.echo(f"Added {unit.code}: {unit.name}.")


@units_cli.command("set")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--active/--inactive", default=None)
@_letterhead_options
def set_unit(code: str, name: str | None, active: bool | None, **letterhead: str | None) -> None:
    """Change a unit's name, activity or letterhead ('' clears a letterhead line)."""
    unit = _unit(code)
    changed: dict[str, object] = {}
    if name is not None:
        clean = " ".join(name.split())
        if not clean or len(clean) > 200:
            raise click.BadParameter("a name of at most 200 characters")
        unit.name = changed["name"] = clean
    if active is not None:
        unit.is_active = changed["active"] = active
    changed.update(_set_letterhead(unit, letterhead))
    audit.record(None, "unit.update", "org_unit", unit.id, **changed)
    db.session.commit()
    click.echo(f"Updated {unit.code}: {', '.join(changed) or 'nothing'}.")


def _set_letterhead(unit: OrgUnit, values: dict[str, str | None]) -> dict[str, object]:
    limits = {"address": 200, "phone": 40, "fax": 40, "email": 120, "website": 120}
    changed: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        clean = " ".join(value.split())
        if len(clean) > limits[name]:
            raise click.BadParameter(f"--{name}: at most {limits[name]} characters")
        setattr(unit, name, clean or None)
        changed[name] = clean or None
    return changed
