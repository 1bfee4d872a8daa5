"""Demo data for ``flask seed-demo``: each feature contributes a seeder, in dependency order.

Every seeder is idempotent: it looks up what it would create by a natural key and only adds
what is missing, so running ``seed-demo`` twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from app.auth import demo as auth_demo
from app.council.demo import seed_council
from app.initiatives.demo import seed_initiatives
from app.notifications.demo import seed_notifications
from app.pages.demo import seed_feedback
from app.projects.demo import seed_projects
from app.questions.demo import seed_questions
from app.reference.seed import seed_reference_data
from app.replies.demo import seed_replies

#: Seeders in the order they must run; each returns how many rows it added.
SEEDERS: list[Callable[[], int]] = [
    auth_demo.seed_org_units,
    seed_council,
    auth_demo.seed_personas,
    seed_reference_data,
    seed_initiatives,
    seed_questions,
    seed_replies,
    seed_projects,
    seed_feedback,
    seed_notifications,  # last: it tells everyone of what the others made
]


def seed_demo() -> dict[str, int]:
    """Run every seeder; the caller commits."""
    return {f"{seeder.__module__}.{seeder.__name__}": seeder() for seeder in SEEDERS}
