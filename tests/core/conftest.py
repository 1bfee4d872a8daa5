"""Fixtures of the core's tests: the fault drills' Redis (``_outage``), and the initiatives and
questions whose supports the drills try to write.

A non-root conftest may not declare ``pytest_plugins``; importing the fixtures here makes them
available to the tests of this folder.
"""

from __future__ import annotations

from tests.core._outage import own_redis, redis_site, restore_limiter  # noqa: F401 (fixtures)
from tests.feeds.conftest import make_initiative  # noqa: F401 (fixtures, found by name)
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    council,
    make_councillor,
    make_question,
    people,
    reference,
)
