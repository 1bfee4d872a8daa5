"""``flask initiatives …``: the jobs cron runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.initiatives import services

initiatives_cli = AppGroup("initiatives", help="Initiatives: scheduled jobs.")


@initiatives_cli.command("close-expired")
def close_expired() -> None:
    """Record the expiry of initiatives whose support period ended under the threshold.

    Run it from cron (e.g. hourly); pages already show expiry on time without it.
    """
    closed = services.close_expired()
    db.session.commit()
    click.echo(f"{closed} initiative(s) expired.")
