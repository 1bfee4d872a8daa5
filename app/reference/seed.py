"""The reference data a new installation starts with (``flask reference seed``; also demo).

Kranj's 26 local communities (krajevne skupnosti), a set of topics, and the public reasons a
moderator can give. An administrator edits them afterwards.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from app.extensions import db
from app.reference.models import LocalCommunity, RejectionReason, Topic

COMMUNITIES = [
    "Besnica", "Bitnje", "Bratov Smuk", "Britof", "Center", "Čirče", "Golnik", "Gorenja Sava",
    "Goriče", "Hrastje", "Huje", "Jošt", "Kokrica", "Mavčiče", "Orehek - Drulovka", "Planina",
    "Podblica", "Predoslje", "Primskovo", "Stražišče", "Struževo", "Tenetiše", "Trstenik",
    "Vodovodni stolp", "Zlato polje", "Žabnica",
]  # fmt: skip

TOPICS = [
    ("promet", "Promet in ceste", "Traffic and roads"),
    ("okolje", "Okolje in narava", "Environment and nature"),
    ("prostor", "Prostor in urejanje mesta", "Spatial planning and public spaces"),
    ("komunala", "Komunala in odpadki", "Utilities and waste"),
    ("solstvo", "Vrtci in šole", "Kindergartens and schools"),
    ("kultura-sport", "Kultura in šport", "Culture and sport"),
    ("sociala-zdravje", "Sociala in zdravje", "Social care and health"),
    ("gospodarstvo", "Gospodarstvo in turizem", "Economy and tourism"),
    ("varnost", "Javna varnost", "Public safety"),
    ("uprava", "Občinska uprava in sodelovanje", "Administration and participation"),
]

REASONS = [
    (
        "duplicate",
        "Enaka pobuda ali enako vprašanje je že objavljeno.",
        "The same initiative or question has already been published.",
    ),
    (
        "competence",
        "Zadeva ni v pristojnosti občine.",
        "The matter is not within the municipality's competence.",
    ),
    (
        "offensive",
        "Besedilo je žaljivo, sovražno ali nespodobno.",
        "The text is offensive, hateful or indecent.",
    ),
    (
        "personal-data",
        "Besedilo razkriva osebne podatke drugih oseb.",
        "The text discloses other people's personal data.",
    ),
    (
        "unclear",
        "Iz besedila ni jasno, kaj se predlaga ali sprašuje.",
        "The text does not make clear what is proposed or asked.",
    ),
    (
        "promotion",
        "Besedilo je oglas ali politična promocija.",
        "The text is advertising or political promotion.",
    ),
    ("other", "Drug razlog, pojasnjen spodaj.", "Another reason, explained below."),
]


def slugify(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def seed_reference_data() -> int:
    """Add what is missing (by slug); never changes what an administrator edited."""
    added = 0
    have = set(db.session.scalars(sa.select(LocalCommunity.slug)))
    for name in COMMUNITIES:
        if slugify(name) not in have:
            db.session.add(LocalCommunity(slug=slugify(name), name_sl=name))
            added += 1
    have = set(db.session.scalars(sa.select(Topic.slug)))
    for slug, name_sl, name_en in TOPICS:
        if slug not in have:
            db.session.add(Topic(slug=slug, name_sl=name_sl, name_en=name_en))
            added += 1
    have = set(db.session.scalars(sa.select(RejectionReason.slug)))
    for slug, name_sl, name_en in REASONS:
        if slug not in have:
            db.session.add(RejectionReason(slug=slug, name_sl=name_sl, name_en=name_en))
            added += 1
    db.session.flush()
    return added
