"""The demo's notifications: its history told on the site, not mailed.

The demo data is made through the services, so every step of it left an event. They are
fanned out here without e-mail: the personas find their notifications in the list, and the
console (``MAIL_BACKEND = "console"``) shows only the mail of what one does in the demo.
"""

from __future__ import annotations

from app.notifications import fanout


def seed_notifications() -> int:
    return fanout.fan_out_all(mail=False).notified
