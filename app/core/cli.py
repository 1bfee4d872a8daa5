"""``flask worker``: fans out notifications and delivers the e-mail outbox, once or until stopped.

Run one or more under systemd in production; each sends what is due, and PostgreSQL's
``SKIP LOCKED`` keeps two of them from sending the same message.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.core import outbox  # also registers the outbox table with the app's metadata
from app.extensions import db

#: Messages per ``deliver_due`` call; a full batch means more are waiting.
BATCH_SIZE = 50
#: Seconds between two purges of old sent messages by a long-running worker.
PURGE_EVERY = 3600.0
# The worker sleeps in short naps, so that a stop request is honoured within a moment.
_NAP = 0.2


#: Other work of the worker, done before each look at the outbox (the notifications' fan-out,
#: which queues mail there). Each returns whether more is waiting at once.
tasks: list[Callable[[], bool]] = []


def run_tasks() -> bool:
    """One round of every task; whether any has more waiting.

    A task that fails is logged and left for the next round: it never keeps the worker from
    the others, nor from delivering the mail already queued.
    """
    busy = False
    for task in tasks:
        try:
            busy = task() or busy
        except Exception:
            db.session.rollback()
            current_app.logger.exception("The worker's task %s failed", task.__name__)
    return busy


def deliver_backlog() -> outbox.DeliveryReport:
    """Deliver batch after batch until less than a full batch was due."""
    total = outbox.DeliveryReport()
    while True:
        report = outbox.deliver_due(limit=BATCH_SIZE)
        total.sent += report.sent
        total.retrying += report.retrying
        total.given_up += report.given_up
        if report.processed < BATCH_SIZE:
            return total


def purge() -> int:
    deleted = outbox.purge_old()
    db.session.commit()
    return deleted


def run_worker(*, interval: float, should_stop: Callable[[], bool]) -> None:
    """Deliver due mail every ``interval`` seconds until ``should_stop()`` returns true."""
    logger = current_app.logger
    next_purge = 0.0
    while not should_stop():
        busy = False
        try:
            if time.monotonic() >= next_purge:
                if deleted := purge():
                    logger.info("Deleted %d old outbox messages.", deleted)
                next_purge = time.monotonic() + PURGE_EVERY
            more_tasks = run_tasks()
            report = outbox.deliver_due(limit=BATCH_SIZE)
            busy = more_tasks or report.processed == BATCH_SIZE
            if report.processed:
                logger.info(
                    "Outbox: %d sent, %d to retry, %d given up.",
                    report.sent,
                    report.retrying,
                    report.given_up,
                )
        except Exception:
            # A worker must outlive a database restart or a bug met in one round: log it,
            # wait, and try again. Messages stay due, so nothing is lost meanwhile.
            db.session.rollback()
            logger.exception("Delivering the outbox failed; trying again in %s s.", interval)
        if not busy:
            _sleep(interval, should_stop)


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not should_stop() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, _NAP))


class StopRequest:
    """Set by SIGTERM (systemd stopping the service) or SIGINT (Ctrl+C).

    The handler only sets a flag: the message being sent is finished and committed first.
    A second signal stops at once; that message then stays unsent and due.
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        current_app.logger.info(
            "%s received: stopping after the current message.", signal.Signals(signum).name
        )

    @contextmanager
    def on_signals(self, *signals: signal.Signals) -> Iterator[None]:
        previous = {number: signal.signal(number, self._handle) for number in signals}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between two looks for due mail.",
)
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Send the queued e-mail and retry failures; SIGTERM or Ctrl+C stops it cleanly."""
    if once:
        deleted = purge()
        while run_tasks():
            pass
        report = deliver_backlog()
        click.echo(
            f"Sent {report.sent}, to retry {report.retrying}, given up {report.given_up}; "
            f"deleted {deleted} old messages."
        )
        return
    logger = current_app.logger
    if logger.level == logging.NOTSET:
        # A service's progress belongs in its log (the journal), not only its warnings.
        logger.setLevel(logging.INFO)
    stop = StopRequest()
    with stop.on_signals(signal.SIGTERM, signal.SIGINT):
        logger.info("Worker started: looking for due e-mail every %s s.", interval)
        run_worker(interval=interval, should_stop=stop)
    logger.info("Worker stopped.")


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
