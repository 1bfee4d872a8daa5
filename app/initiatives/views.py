"""Views of initiatives."""

from app.initiatives import models  # noqa: F401
