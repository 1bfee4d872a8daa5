"""``flask reference seed``: load the reference data a new installation starts with."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.reference.seed import seed_reference_data

reference_cli = AppGroup("reference", help="Topics, local communities and rejection reasons.")


@reference_cli.command("seed")
def seed() -> None:
    """Add Kranj's local communities, the topics and the rejection reasons that are missing.

    Safe to run again: items are matched by slug, and what an administrator renamed or
    deactivated stays as it is.
    """
    added = seed_reference_data()
    db.session.commit()
    click.echo(f"Reference data ready ({added} rows added).")
