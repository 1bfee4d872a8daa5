"""The one error a backup command reports: a sentence for the operator, never a traceback."""

from __future__ import annotations


class BackupError(Exception):
    """The backup, verification or restore cannot go on; ``str(error)`` says why and what to do."""
