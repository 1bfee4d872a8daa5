"""``flask initiatives …``: the jobs cron runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.initiatives import services
from app.notifications import clock

initiatives_cli = AppGroup("initiatives", help="Initiatives: scheduled jobs.")


@initiatives_cli.command("close-expired")
def close_expired() -> None:
    """Record the expiry of initiatives whose support period ended under the threshold.

    Run it from cron (e.g. hourly); pages already show expiry on time without it. Also
    records, once each, the responses due soon and overdue (their unit and followers hear).
    """
    closed = services.close_expired()
    due = clock.initiatives_due()
    db.session.commit()
    click.echo(f"{closed} initiative(s) expired; {due} response(s) newly due soon or overdue.")
