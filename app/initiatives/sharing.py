"""Sharing an initiative that asks for support: the e-mail a resident sends to others."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.templating import local_date
from app.core.urls import mailto
from app.initiatives.models import Initiative


def share_mailto(initiative: Initiative, link: str) -> str:
    """A ``mailto:`` link that opens a ready message about ``initiative`` in a mail program.

    Composed here, not in the template: the template would HTML-escape the title ("&amp;")
    before it is URL-encoded.
    """
    lines = [
        initiative.title,
        "",
        _("This initiative needs the support of residents. You can read and support it here:"),
        link,
    ]
    if initiative.support_closes_at is not None:
        lines += [
            "",
            _(
                "Support is open until %(date)s.",
                date=local_date(initiative.support_closes_at, "long"),
            ),
        ]
    return mailto(_("Initiative: %(title)s", title=initiative.title), "\n".join(lines))
