"""Fixtures of the stored files' tests: reply letters (``tests/replies``), whose annexes are
stored files too.

A non-root conftest may not declare ``pytest_plugins``; importing the fixtures here makes them
available to the tests of this folder (a module's own fixture of the same name wins).
"""

from __future__ import annotations

from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    council,
    make_councillor,
    make_question,
    people,
    reference,
)
from tests.replies.conftest import letters, upload_folder  # noqa: F401 (fixtures)
