"""``flask users …``: list accounts, grant and revoke roles, verify residents.

The first administrator is made here: the person signs in once and chooses a public name,
then ``flask --app wsgi users grant-role "<public name>" administrator``. Commands act as the
system (no acting account); every change is audited.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.auth import pseudonyms, roles
from app.auth.models import Role, User
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit

users_cli = AppGroup("users", help="Accounts, roles and residency.")


def _find_user(identifier: str) -> User:
    """An account by public name, or by ``#<id>``."""
    if identifier.startswith("#") and identifier[1:].isdigit():
        user = db.session.get(User, int(identifier[1:]))
    else:
        user = db.session.scalar(
            sa.select(User).where(User.pseudonym_key == pseudonyms.key(identifier))
        )
    if user is None or user.deleted_at is not None:
        raise click.ClickException(
            f"No account {identifier!r}. The person must sign in once and choose a public name."
        )
    return user


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise click.BadParameter(f"{value!r} is not a role ({choices})") from None


def _unit(code: str | None) -> OrgUnit | None:
    if code is None:
        return None
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise click.BadParameter(f"no organisational unit with code {code!r}")
    return unit


def _person(name: str | None) -> Person | None:
    if name is None:
        return None
    person = db.session.scalar(sa.select(Person).where(Person.name == name))
    if person is None:
        raise click.BadParameter(f"no public person record named {name!r}")
    return person


@users_cli.command("list")
@click.option("--role", "role_value", default=None, help="Only accounts with this role.")
def list_users(role_value: str | None) -> None:
    """List the accounts with their roles."""
    from app.admin import queries

    role = _role(role_value) if role_value else None
    number = 1
    while True:
        page = queries.users(role=role, page=number)
        for user in page.items:
            roles = ", ".join(
                grant.role.value + (f"@{grant.org_unit.code}" if grant.org_unit else "")
                for grant in user.role_grants
            )
            resident = "resident" if user.resident_verified_at else "-"
            click.echo(f"#{user.id}\t{user.display_name}\t{resident}\t{roles}")
        if not page.has_next:
            break
        number += 1


@users_cli.command("grant-role")
@click.argument("user")
@click.argument("role")
@click.option("--org-unit", default=None, help="Unit code, for the official role (e.g. KZ).")
@click.option("--person", default=None, help="Public person record, for the councillor role.")
def grant_role(user: str, role: str, org_unit: str | None, person: str | None) -> None:
    """Grant ROLE to the account USER (its public name, or #id)."""
    account = _find_user(user)
    try:
        roles.grant_role(
            None, account, _role(role), org_unit=_unit(org_unit), person=_person(person)
        )
    except roles.InvalidRoleGrant:
        raise click.ClickException(
            "official needs --org-unit, councillor needs --person, other roles take neither"
        ) from None
    except roles.AlreadyGranted:
        raise click.ClickException(f"{account.display_name} already has this role") from None
    db.session.commit()
    click.echo(f"Granted {role} to {account.display_name}.")


@users_cli.command("revoke-role")
@click.argument("user")
@click.argument("role")
@click.option("--org-unit", default=None, help="Unit code, for the official role.")
def revoke_role(user: str, role: str, org_unit: str | None) -> None:
    """Revoke ROLE from the account USER."""
    account = _find_user(user)
    wanted, unit = _role(role), _unit(org_unit)
    for grant in account.role_grants:
        if grant.role is wanted and (unit is None or grant.org_unit_id == unit.id):
            roles.revoke_role(None, grant)
            db.session.commit()
            click.echo(f"Revoked {role} from {account.display_name}.")
            return
    raise click.ClickException(f"{account.display_name} does not have this role")


@users_cli.command("verify-resident")
@click.argument("user")
@click.option("--undo", is_flag=True, help="Withdraw the verification instead.")
def verify_resident(user: str, undo: bool) -> None:
    """Mark the account USER as a verified resident (an official's check by hand)."""
    account = _find_user(user)
    roles.set_residency(None, account, verified=not undo)
    db.session.commit()
    click.echo(f"{account.display_name}: residence {'withdrawn' if undo else 'verified'}.")
