"""Topics, Kranj's local communities (krajevne skupnosti) and moderation's public reasons."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class _Named:
    """A name in Slovenian (official) and optionally in English, shown in the visitor's."""

    name_sl: Mapped[str]
    name_en: Mapped[str | None]

    @property
    def name(self) -> str:
        if str(get_locale() or "sl") == "en" and self.name_en:
            return self.name_en
        return self.name_sl


class Topic(_Named, Model):
    """What an initiative or question is about (traffic, schools, environment …)."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short name for URLs and the CSV export (e.g. ``promet``).
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_sl: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str | None] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class LocalCommunity(_Named, Model):
    """A krajevna skupnost: the neighbourhood an initiative concerns."""

    __tablename__ = "local_communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_sl: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<LocalCommunity {self.slug}>"


class RejectionReason(_Named, Model):
    """A public reason a moderator gives for not publishing (a free text may add to it)."""

    __tablename__ = "rejection_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_sl: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<RejectionReason {self.slug}>"
