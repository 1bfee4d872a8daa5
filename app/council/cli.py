"""``flask council …``: the council's body, terms and members, as an election sets them."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.council import services
from app.council.models import CouncilBody, Term
from app.extensions import db

council_cli = AppGroup("council", help="The council: its terms of office and its members.")

_BODY = click.option(
    "--body", "slug", default="mestni-svet", show_default=True, help="The body's slug."
)


def _day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{what}: write the day as YYYY-MM-DD.") from None


def _term(slug: str, starts_on: date) -> Term:
    term = db.session.scalar(
        sa.select(Term)
        .join(CouncilBody)
        .where(CouncilBody.slug == slug, Term.starts_on == starts_on)
    )
    if term is None:
        raise click.ClickException(f"No term of {slug} starts on {starts_on.isoformat()}.")
    return term


@council_cli.command("add-term")
@_BODY
@click.option("--name", "name_sl", help="The body's official name, if it is new.")
@click.option("--starts", required=True, help="First day of the term (YYYY-MM-DD).")
@click.option("--ends", default=None, help="Last day, if known (YYYY-MM-DD).")
def add_term(slug: str, name_sl: str | None, starts: str, ends: str | None) -> None:
    """Add a term of office (and the body, the first time)."""
    try:
        council = services.body(slug, name_sl)
        starts_on = _day(starts, "--starts")
        if starts_on is None:
            raise click.BadParameter("--starts is required")
        term = services.add_term(council, starts_on, _day(ends, "--ends"))
    except services.InvalidValue as error:
        raise click.ClickException(f"Not saved: check {error.field}.") from None
    db.session.commit()
    click.echo(f"Term {term.label} of {council.name_sl} added (id {term.id}).")


@council_cli.command("end-term")
@_BODY
@click.option("--starts", required=True, help="First day of the term (YYYY-MM-DD).")
@click.option("--ends", required=True, help="Its last day (YYYY-MM-DD).")
def end_term(slug: str, starts: str, ends: str) -> None:
    """Set the last day of a term (and of its members' mandates)."""
    starts_on, ends_on = _day(starts, "--starts"), _day(ends, "--ends")
    if starts_on is None or ends_on is None:
        raise click.BadParameter("--starts and --ends are required")
    term = _term(slug, starts_on)
    try:
        services.end_term(term, ends_on)
    except services.InvalidValue:
        raise click.ClickException("The last day must be after the first.") from None
    db.session.commit()
    click.echo(f"Term {term.label} ends on {ends_on.isoformat()}.")


@council_cli.command("add-member")
@_BODY
@click.option("--term-starts", required=True, help="First day of the term (YYYY-MM-DD).")
@click.option("--name", required=True, help="The councillor's name, as the records write it.")
@click.option("--list", "list_name", required=True, help="The list or party elected on.")
@click.option("--group", default=None, help="The councillors' group, if any.")
@click.option("--from", "from_day", default=None, help="A seat taken up later (YYYY-MM-DD).")
def add_member(
    slug: str, term_starts: str, name: str, list_name: str, group: str | None, from_day: str | None
) -> None:
    """Seat a councillor in a term."""
    starts_on = _day(term_starts, "--term-starts")
    if starts_on is None:
        raise click.BadParameter("--term-starts is required")
    term = _term(slug, starts_on)
    try:
        mandate = services.add_member(
            term, name, list_name, group_name=group, starts_on=_day(from_day, "--from")
        )
    except services.InvalidValue as error:
        raise click.ClickException(f"Not saved: check {error.field}.") from None
    db.session.commit()
    click.echo(f"{mandate.person.name} seated in {term.label} (person id {mandate.person_id}).")
