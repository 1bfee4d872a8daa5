"""``flask questions …``: the jobs cron runs, and closing a term's questions."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.notifications import clock
from app.questions import services

questions_cli = AppGroup("questions", help="Questions: scheduled jobs and the end of a term.")


@questions_cli.command("mark-overdue")
def mark_overdue() -> None:
    """Record, once, the moment each open question became overdue.

    Run it from cron (e.g. nightly, after midnight); pages show "overdue" on time without it.
    Also records, once each, the answers due within NOTIFY_DUE_SOON_DAYS (their units hear).
    """
    marked = services.mark_overdue()
    soon = clock.questions_due_soon()
    db.session.commit()
    click.echo(f"{marked} question(s) newly overdue, {soon} newly due soon.")


@questions_cli.command("recompute-due")
def recompute_due() -> None:
    """Compute the due dates of all open questions again (after a change made outside Glas)."""
    moved = services.recompute_due_dates(None, cause="command")
    db.session.commit()
    click.echo(f"{moved} due date(s) changed.")


@questions_cli.command("lapse")
@click.option("--term", "term_id", type=int, required=True, help="The id of the ended term.")
def lapse(term_id: int) -> None:
    """Close the councillors' questions of an ended term still unanswered, as lapsed."""
    try:
        closed = services.lapse_term(None, term_id)
    except services.InvalidChoice:
        raise click.ClickException(f"No term with id {term_id}.") from None
    except services.InvalidValue:
        raise click.ClickException("That term has not ended: set its last day first.") from None
    db.session.commit()
    click.echo(f"{closed} question(s) lapsed.")
