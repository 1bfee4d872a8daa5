"""Fixtures of "My account" tests: initiatives, for the lists of one's work and supports."""

from tests.initiatives.conftest import make_initiative, reference  # noqa: F401  (fixtures)
