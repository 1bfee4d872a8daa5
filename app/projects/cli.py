"""``flask projects import FILE --official ACCOUNT``: the web import, from a shell or cron.

The same importer as ``/projects/import`` (``app.projects.importer``), acting as the official
named (by account number): every row must be for one of that official's units, every change
is on the timeline and in the audit log under their name, and a file with one bad line saves
nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.auth.models import User
from app.extensions import db

projects_cli = AppGroup("projects", help="Projects: import and update them from a CSV file.")


@projects_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--official", "account", type=int, required=True, help="The acting official's account number."
)
@click.option("--dry-run", is_flag=True, help="Check every line; save nothing.")
def import_projects(file: str, account: int, dry_run: bool) -> None:
    """Record new projects and update known ones (by code) from a CSV file."""
    from app.projects import importer, permissions

    user = db.session.get(User, account)
    if user is None or user.deleted_at is not None or not permissions.can_import(user):
        raise click.ClickException(f"account {account} is not an official")
    try:
        outcome = importer.run(user, Path(file).read_bytes())
    except importer.BadFile as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    if not outcome.ok:
        db.session.rollback()
        for problem in outcome.problems:
            where = f"line {problem.line}" + (f", {problem.column}" if problem.column else "")
            click.echo(f"{where}: {problem.message}", err=True)
        raise click.ClickException("nothing was imported")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{len(outcome.created)} new, {len(outcome.updated)} updated, "
        f"{len(outcome.unchanged)} unchanged projects {verb} imported."
    )
