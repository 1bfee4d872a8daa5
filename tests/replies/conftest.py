"""Fixtures for reply letters: the council, its people and questions (``tests/questions``), the
officials of the units a letter concerns, and ``letters`` to write and walk letters.

A non-root conftest may not declare ``pytest_plugins``; importing the questions' fixtures here
makes them this package's fixtures too (they are found by name, as if defined here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.auth.models import Role
from tests.conftest import SeedOnce
from tests.questions.conftest import (  # noqa: F401 (fixtures, found by name)
    Council,
    People,
    council,
    make_councillor,
    make_initiative,
    make_question,
    people,
    reference,
)
from tests.replies.factories import Letters


@pytest.fixture
def upload_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a folder of this test (not created yet: storing creates it)."""
    folder = tmp_path / "uploads"
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def letters(
    council: Council,  # noqa: F811
    people: People,  # noqa: F811
    make_user: Callable[..., int],
    make_question: Callable[..., int],  # noqa: F811
    upload_folder: Path,
    seed_once: SeedOnce,
) -> Letters:
    """Letters of KZ: drafted by ``people.official``, reviewed by another official of KZ."""
    colleague, unrelated = seed_once(
        "replies.letters",
        lambda: (
            make_user(roles=[(Role.OFFICIAL, "KZ")]),
            make_user(roles=[(Role.OFFICIAL, "UGDP")]),
        ),
    )
    return Letters(
        council=council,
        drafter=people.official,
        colleague=colleague,
        answering=people.other_official,
        unrelated=unrelated,
        make_question=make_question,
    )
