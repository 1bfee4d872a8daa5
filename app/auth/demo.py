"""Demo data for sign-in: Kranj's offices, a councillor's record, and the personas' accounts.

The personas live in ``devtools/eid-provider/personas.json``, shared with the development eID
provider. Their accounts are created ahead of their first sign-in, with the roles the demo
needs, by computing the pairwise subject the provider will send (the same formula as
``pairwiseSubject`` in ``devtools/eid-provider/server.mjs``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.auth import identity, pseudonyms, roles
from app.auth.models import ResidencySource, Role, User
from app.core.time import utcnow
from app.council.models import Person
from app.extensions import db
from app.org.models import OrgUnit, OrgUnitKind

PAIRWISE_SALT = "glas-dev-pairwise"
PERSONAS_FILE = Path(__file__).resolve().parents[2] / "devtools" / "eid-provider" / "personas.json"

#: Mestna občina Kranj's administration, as a demo (codes are Glas's own).
ORG_UNITS = [
    ("KZ", "Kabinet župana", OrgUnitKind.CABINET),
    ("PZP", "Pisarna za podjetja", OrgUnitKind.OFFICE),
    ("UDOU", "Urad direktorja občinske uprave", OrgUnitKind.OFFICE),
    ("UOP", "Urad za okolje in prostor", OrgUnitKind.OFFICE),
    ("UGDP", "Urad za gospodarske dejavnosti in promet", OrgUnitKind.OFFICE),
    ("UDD", "Urad za družbene dejavnosti", OrgUnitKind.OFFICE),
    ("UF", "Urad za finance", OrgUnitKind.OFFICE),
    ("SSMS", "Strokovna služba mestnega sveta", OrgUnitKind.COUNCIL),
    ("MIR", "Medobčinski inšpektorat in redarstvo", OrgUnitKind.SERVICE),
]


def load_personas() -> list[dict[str, Any]]:
    return list(json.loads(PERSONAS_FILE.read_text(encoding="utf-8"))["personas"])


def pairwise_subject(sector: str, account_id: str) -> str:
    return hashlib.sha256(f"{sector}|{account_id}|{PAIRWISE_SALT}".encode()).hexdigest()


def persona_subject_key(account_id: str) -> str | None:
    """The account key a persona will have here, or ``None`` without a configured provider."""
    issuer = current_app.config.get("OIDC_ISSUER")
    if not issuer:
        return None
    sector = urlsplit(current_app.config["PUBLIC_URL"]).netloc
    return identity.subject_key(issuer, pairwise_subject(sector, account_id))


def seed_org_units() -> int:
    existing = set(db.session.scalars(sa.select(OrgUnit.code)))
    added = [
        OrgUnit(code=code, name=name, kind=kind)
        for code, name, kind in ORG_UNITS
        if code not in existing
    ]
    db.session.add_all(added)
    db.session.flush()
    # The cabinet's letterhead, as on its letters.
    cabinet = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "KZ"))
    if cabinet is not None and cabinet.address is None:
        cabinet.address = "Slovenski trg 1, 4000 Kranj"
        cabinet.phone, cabinet.fax = "04 237 31 47", "04 237 31 06"
        cabinet.email, cabinet.website = "mokj@kranj.si", "www.kranj.si"
    db.session.flush()
    return len(added)


def seed_personas() -> int:
    """Accounts with public names and roles for the personas that have a ``glas`` entry."""
    added = 0
    for persona in load_personas():
        spec = persona.get("glas")
        key = persona_subject_key(persona["id"])
        if not spec or key is None:
            continue
        if db.session.scalar(sa.select(User.id).where(User.subject_key == key)) is not None:
            continue
        user = User(
            subject_key=key,
            subject_key_version=current_app.config["SUBJECT_PEPPER_VERSION"],
            pseudonym=pseudonyms.normalize(spec["pseudonym"]),
            pseudonym_key=pseudonyms.key(spec["pseudonym"]),
            language="sl",
            is_adult=True,
        )
        if persona.get("municipality_code") == "052":
            user.resident_verified_at = utcnow()
            user.residency_source = ResidencySource.EID
        # A confirmed address, so that the demo's notifications show as mail on the console
        # (MAIL_BACKEND "console"); example.si is reserved and reaches nobody.
        user.email = f"{persona['id']}@example.si"
        user.email_confirmed_at = utcnow()
        db.session.add(user)
        db.session.flush()
        for grant in spec.get("roles", []):
            unit = db.session.scalar(
                sa.select(OrgUnit).where(OrgUnit.code == grant.get("org_unit"))
            )
            person = db.session.scalar(sa.select(Person).where(Person.name == grant.get("person")))
            roles.grant_role(None, user, Role(grant["role"]), org_unit=unit, person=person)
        added += 1
    return added
