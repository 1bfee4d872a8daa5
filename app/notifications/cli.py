"""``flask notifications …``: the daily digests and the commitments' due dates (cron), and
the fan-out by hand.

The worker (``flask worker``) fans events out by itself; ``fan-out`` is for an operator who
wants it done now, e.g. after restoring a backup.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import cli as core_cli
from app.extensions import db
from app.notifications import clock, digests, fanout

notifications_cli = AppGroup("notifications", help="Notifications: digests and fan-out.")

#: Batches per round of the worker, before it looks at the outbox again: mail of the first
#: batches goes out while a fan-out to many is still under way.
WORKER_BATCHES = 10


@notifications_cli.command("send-digests")
def send_digests_command() -> None:
    """Queue each person's daily digest of what they were told (run it once a day)."""
    # Whatever happened up to now belongs in today's digest: tell everyone first.
    fanout.fan_out_all()
    sent = digests.send_digests()
    click.echo(f"{sent} digest(s) queued; the worker sends them.")


@notifications_cli.command("commitments-due")
def commitments_due_command() -> None:
    """Announce, once each, commitments falling due soon and those now late (run it nightly).

    Their owner units hear, and whoever follows the letter or the project. Pages show
    "late" on time without it.
    """
    recorded = clock.commitments_due()
    db.session.commit()
    click.echo(f"{recorded} commitment(s) newly due soon or late.")


@notifications_cli.command("fan-out")
def fan_out_command() -> None:
    """Tell everyone of every pending event now (the worker does this by itself)."""
    report = fanout.fan_out_all()
    click.echo(
        f"{report.events_done} event(s) done in {report.batches} batch(es): "
        f"{report.notified} notification(s), {report.mailed} e-mail(s) queued."
    )


def fan_out_round() -> bool:
    """The worker's task: some batches; whether more are waiting."""
    return fanout.fan_out(max_batches=WORKER_BATCHES).batches == WORKER_BATCHES


if fan_out_round not in core_cli.tasks:
    core_cli.tasks.append(fan_out_round)
