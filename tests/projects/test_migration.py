"""n10projects01: the tables of projects and commitments, up and down, on both databases; and
the rules the database itself keeps, whatever writes the rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.conftest import Databases
from tests.initiatives._migration_helpers import app_at

BEFORE, REVISION = "m9notify0001", "n10projects01"
TABLES = {
    "projects",
    "project_years",
    "project_milestones",
    "project_updates",
    "project_links",
    "commitments",
}


@pytest.fixture
def old_app(databases: Databases) -> Iterator[Flask]:
    with app_at(databases, f"projects_migration_{uuid.uuid4().hex[:8]}", BEFORE) as app:
        yield app


def _tables() -> set[str]:
    names = set(sa.inspect(db.engine).get_table_names())
    db.session.rollback()
    return names & TABLES


def test_up_and_down_and_up_again(old_app: Flask) -> None:
    with old_app.app_context():
        assert _tables() == set()
        upgrade(revision=REVISION)
        assert _tables() == TABLES
        inspector = sa.inspect(db.engine)
        indexes = {i["name"] for i in inspector.get_indexes("projects")}
        assert {
            "ix_projects_light_updated_at",
            "ix_projects_updated_at",
            "ix_projects_ends_on",
        } <= indexes
        checks = {c["name"] for c in inspector.get_check_constraints("projects")}
        assert {
            "ck_projects_progress_is_a_percentage",
            "ck_projects_ends_after_start",
            "ck_projects_money_not_negative",
        } <= checks
        downgrade(revision=BEFORE)
        assert _tables() == set()
        upgrade(revision=REVISION)
        assert _tables() == TABLES
        downgrade(revision=BEFORE)


def _insert(table: str, **values: Any) -> None:
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    db.session.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)  # noqa: S608


NOW = "2026-12-01 10:00:00"


def _project(**overrides: Any) -> dict[str, Any]:
    values = {
        "code": "OB-1",
        "title": "T",
        "summary": "S",
        "description": "",
        "description_html": "",
        "unit_id": 1,
        "topic_id": 1,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "original_starts_on": "2026-01-01",
        "original_ends_on": "2026-12-31",
        "budget_cents": 0,
        "original_budget_cents": 0,
        "spent_cents": 0,
        "progress": 0,
        "light": "green",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("table", "overrides"),
    [
        ("projects", {"progress": 101}),
        ("projects", {"progress": -1}),
        ("projects", {"ends_on": "2025-12-31"}),
        ("projects", {"original_ends_on": "2025-12-31"}),
        ("projects", {"budget_cents": -1}),
        ("projects", {"spent_cents": -1}),
        ("projects", {"code": "OB-TAKEN"}),
        ("project_years", {"budget_cents": -1}),
        ("project_years", {"year": 2026}),  # the year twice
    ],
)
def test_the_database_keeps_the_rules(
    old_app: Flask, table: str, overrides: dict[str, Any]
) -> None:
    with old_app.app_context():
        upgrade(revision=REVISION)
        _insert("org_units", id=1, code="UGDP", name="Urad", kind="office", is_active=True)
        _insert("topics", id=1, slug="promet", name_sl="Promet", is_active=True)
        _insert(
            "users",
            id=1,
            subject_key="k" * 64,
            subject_key_version=1,
            language="sl",
            is_adult=True,
            created_at=NOW,
        )
        _insert("projects", id=100, **_project(code="OB-TAKEN"))  # clear of the sequence
        _insert(
            "project_years",
            project_id=100,
            year=2026,
            budget_cents=0,
            original_budget_cents=0,
            spent_cents=0,
        )
        db.session.commit()
        good: dict[str, dict[str, Any]] = {
            "projects": _project(),
            "project_years": {
                "project_id": 100,
                "year": 2027,
                "budget_cents": 0,
                "original_budget_cents": 0,
                "spent_cents": 0,
            },
            "commitments": {
                "reply_id": 1,
                "text": "Obljuba",
                "owner_unit_id": 1,
                "due_on": "2026-12-31",
                "state": "open",
                "created_at": NOW,
                "updated_at": NOW,
            },
        }
        # What is good goes in; the one value that breaks a rule does not.
        nested = db.session.begin_nested()
        _insert(table, **good[table])
        nested.rollback()
        with pytest.raises(sa.exc.IntegrityError):
            _insert(table, **{**good[table], **overrides})
        db.session.rollback()
        db.session.execute(sa.text("DELETE FROM project_years"))
        db.session.execute(sa.text("DELETE FROM projects"))
        db.session.commit()
        downgrade(revision=BEFORE)
        assert _tables() == set()
