"""``flask replies import FILE…``: existing letters become draft replies."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db

replies_cli = AppGroup("replies", help="Reply letters: import existing letters.")


@replies_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print what would be saved; save nothing.")
def import_letters(files: tuple[str, ...], dry_run: bool) -> None:
    """Read letters (PDF or UTF-8 text) and save each as a draft reply of its unit.

    Each file is one letter and its own transaction: a letter that cannot be read, or that
    names what Glas does not know, is reported and saved not at all; the others are saved.
    The drafts wait for an official of the unit to check and approve them (four eyes).
    """
    # Here, not at the top: the command line of every process imports this module, and the
    # importer brings pypdf (16 MB), which only an import needs.
    from app.replies import importer

    failed = 0
    for name in files:
        data = Path(name).read_bytes()
        try:
            plan, reply = importer.import_file(None, data, dry_run=dry_run)
        except importer.Unreadable as error:
            db.session.rollback()
            failed += 1
            click.echo(f"{name}: not imported", err=True)
            for problem in error.problems:
                click.echo(f"  - {problem}", err=True)
            continue
        if dry_run:
            db.session.rollback()
            click.echo(f"{name}: would be imported as")
            for line in plan.summary():
                click.echo(f"  {line}")
            continue
        db.session.commit()
        assert reply is not None  # noqa: S101 (saved when not a dry run)
        click.echo(f"{name}: imported as draft #{reply.id} ({reply.reference_number})")
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} letter(s) not imported.")
