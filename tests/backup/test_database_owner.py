"""PostgreSQL as production has it: the site's user owns its database but is no superuser, it
signs in with a password, and a DBA installed ``unaccent`` (so the site may not drop it).

A backup and a restore as that user work: the password reaches pg_dump and pg_restore through
``PGPASSWORD`` (the cluster asks for it), and the restore leaves the DBA's extension alone.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from psycopg import sql
from sqlalchemy.engine import make_url

from app.demo import seed_demo
from app.extensions import db
from tests.backup.conftest import Site, new_app, refused, state_of
from tests.conftest import Databases

PASSWORD = "a-password-only-PGPASSWORD-carries"


def _superuser(url: str, database: str | None = None) -> psycopg.Connection[tuple[object, ...]]:
    """The suite's own user, a superuser of the throwaway cluster: the DBA here."""
    parsed = make_url(url)
    return psycopg.connect(
        dbname=database or parsed.database,
        user=parsed.username,
        host=str(parsed.query["host"]),
        autocommit=True,
    )


@pytest.fixture(scope="module")
def owned_site(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if databases.kind != "postgresql":
        pytest.skip("database roles and extensions are PostgreSQL's")
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs the suite's own throwaway cluster: it changes its pg_hba.conf")
    url = databases.new("backup_owner")
    role = f"glas_site_{uuid.uuid4().hex[:8]}"
    database = str(make_url(url).database)
    with _superuser(url) as connection:
        row = connection.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(str(row[0]))
        rules = hba.read_text()
        # First match wins: this role alone must give its password; the others stay trusted.
        hba.write_text(f"local all {role} scram-sha-256\n" + rules)
        connection.execute("SELECT pg_reload_conf()")
        connection.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(PASSWORD)
            )
        )
        connection.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(database), sql.Identifier(role)
            )
        )
        connection.execute("CREATE EXTENSION unaccent WITH SCHEMA public")
    site_url = make_url(url).set(username=role, password=PASSWORD)
    uploads = tmp_path_factory.mktemp("owned") / "uploads"
    app = new_app(site_url.render_as_string(hide_password=False), uploads)
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    uploads.mkdir()
    (uploads / "plan.txt").write_text("načrt")
    site = Site(
        app, site_url.render_as_string(hide_password=False), uploads, state_of(app, uploads)
    )
    try:
        yield site
    finally:
        site.dispose()
        with _superuser(url, "postgres") as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database))
            )
            connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
            hba.write_text(rules)
            connection.execute("SELECT pg_reload_conf()")


def _extension_owner(site: Site) -> str:
    url = make_url(site.url)
    with psycopg.connect(
        dbname=url.database, user=url.username, password=PASSWORD, host=str(url.query["host"])
    ) as connection:
        row = connection.execute(
            "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'unaccent'"
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_back_up_and_restore_as_the_owner(owned_site: Site, tmp_path: Path) -> None:
    site = owned_site
    dba = _extension_owner(site)
    assert dba != make_url(site.url).username
    result = site.cli("backup", "create", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output

    # All the site's objects go (the DBA's extension cannot), and so do the files.
    url = make_url(site.url)
    with psycopg.connect(
        dbname=url.database, user=url.username, password=PASSWORD, host=str(url.query["host"])
    ) as connection:
        connection.execute("DROP OWNED BY CURRENT_USER")
    shutil.rmtree(site.uploads)
    assert sum(site.state().tables.values()) == 0

    result = site.cli("backup", "restore", str(tmp_path / "backup"), "--yes")

    assert result.exit_code == 0, result.output
    assert site.state() == site.seeded
    assert _extension_owner(site) == dba


def test_a_wrong_password_is_refused_and_leaves_nothing(owned_site: Site, tmp_path: Path) -> None:
    wrong = make_url(owned_site.url).set(password="not-the-password")
    app = new_app(wrong.render_as_string(hide_password=False), owned_site.uploads)
    try:
        output = refused(
            app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
        )
    finally:
        with app.app_context():
            db.engine.dispose()

    assert "password authentication failed" in output
    assert "not-the-password" not in output
    assert list(tmp_path.iterdir()) == []
