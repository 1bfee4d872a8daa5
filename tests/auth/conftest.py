"""Fixtures of accounts' tests: initiatives, to follow a person's work through deletion."""

from tests.initiatives.conftest import make_initiative, reference  # noqa: F401  (fixtures)
