"""Notifications: what happened, told to whoever follows it, on the site and by e-mail.

The pieces, in the order an event travels:

- ``recording`` writes an ``Event`` in the same transaction as the change: for every step of
  an initiative's, a question's or a reply's timeline that people want to hear about (the
  event points at that step rather than copying it), and for the few things that have no
  step (a due date coming close, a verdict).
- ``audience`` says who hears of an event: the followers of everything it concerns, and the
  officials and moderators it gives work to.
- ``fanout``, run by the worker after the commit, turns an event into one ``Notification`` per
  person, in batches, and queues the immediate e-mails in the outbox with each batch.
- ``digests`` sends the daily digests; ``unsubscribe`` is the one-click way out (RFC 8058).

Its views are imported when the app registers the blueprint (``app.register_blueprints``).
"""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
