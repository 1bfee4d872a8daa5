"""The environment contract: production refuses to start on a missing or bad setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import ConfigError
from tests.conftest import ROOT

GOOD_SECRET = "s" * 40
PRODUCTION = {
    "TESTING": False,
    "DEBUG": False,
    "SECRET_KEY": GOOD_SECRET,
    "SUBJECT_PEPPER": "p" * 40,
    "OIDC_ISSUER": "https://eid.example.si",
    "OIDC_CLIENT_ID": "glas",
    "OIDC_CLIENT_SECRET": "client-secret",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}


def production(**changes: Any) -> dict[str, Any]:
    config = {**PRODUCTION, **changes}
    return {key: value for key, value in config.items() if value is not None}


def test_complete_production_config_starts() -> None:
    app = create_app(production())
    assert app.config["SESSION_COOKIE_SECURE"] is False  # PUBLIC_URL defaults to http


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "SUBJECT_PEPPER", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"],
)
def test_missing_required_setting_is_named(missing: str) -> None:
    with pytest.raises(ConfigError, match=f"FLASK_{missing} is not set"):
        create_app(production(**{missing: None}))


def test_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY is too short"):
        create_app(production(SECRET_KEY="dev"))


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("MAIL_PORT", "twenty-five", "FLASK_MAIL_PORT must be a whole number"),
        ("MAIL_PORT", 70000, "FLASK_MAIL_PORT must be between"),
        ("MAIL_PORT", True, "FLASK_MAIL_PORT must be between"),
        ("PUBLIC_URL", "glas.kranj.si", "FLASK_PUBLIC_URL must be an absolute"),
        ("OIDC_ACR_VALUES", "level-3", "FLASK_OIDC_ACR_VALUES must list"),
        ("OIDC_ACR_VALUES", "", "FLASK_OIDC_ACR_VALUES must list"),
        ("OIDC_ISSUER", "http://eid.example.si", "FLASK_OIDC_ISSUER must be an https URL"),
        ("TRUSTED_PROXY_COUNT", -1, "FLASK_TRUSTED_PROXY_COUNT must be between"),
        ("ACCESSIBILITY_REVIEWED_ON", "yesterday", "FLASK_ACCESSIBILITY_REVIEWED_ON"),
        ("PAGE_CACHE_SECONDS", -5, "FLASK_PAGE_CACHE_SECONDS must be between"),
        ("PAGE_CACHE_SECONDS", "soon", "FLASK_PAGE_CACHE_SECONDS must be a whole number"),
        ("PAGE_CACHE_FREE_ENTRIES", 10**9, "FLASK_PAGE_CACHE_FREE_ENTRIES must be between"),
        ("CACHE_REDIS_URL", "cache.internal:6379", "FLASK_CACHE_REDIS_URL must be a redis://"),
    ],
)
def test_bad_value_is_named(key: str, value: object, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        create_app(production(**{key: value}))


def test_a_bad_redis_url_is_named_without_its_password() -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(production(CACHE_REDIS_URL="http://:hunter2@cache.internal/1"))
    assert "FLASK_CACHE_REDIS_URL" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_redis_url_chooses_the_shared_cache() -> None:
    shared = create_app(production(CACHE_REDIS_URL="redis://cache.internal:6379/1"))
    assert shared.config["CACHE_TYPE"] == "RedisCache"
    assert create_app(production()).config["CACHE_TYPE"] == "SimpleCache"


def test_debug_and_testing_need_no_secrets() -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.testing


def test_numeric_secret_from_environment_becomes_text() -> None:
    # from_prefixed_env parses JSON: FLASK_SECRET_KEY=1234… arrives as an int.
    app = create_app(production(SECRET_KEY=int("9" * 40)))
    assert app.config["SECRET_KEY"] == "9" * 40


def test_https_public_url_makes_the_session_cookie_secure() -> None:
    app = create_app(production(PUBLIC_URL="https://glas.kranj.si/"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PUBLIC_URL"] == "https://glas.kranj.si"


def test_loopback_issuer_may_use_http() -> None:
    app = create_app(production(OIDC_ISSUER="http://127.0.0.1:9000"))
    assert app.config["OIDC_ISSUER"] == "http://127.0.0.1:9000"


def _start_from_environment(
    env: dict[str, str], instance: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    if instance is not None:
        clean["FLASK_INSTANCE_PATH"] = str(instance)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_start_without_secret_key_names_the_variable(tmp_path) -> None:
    result = _start_from_environment(
        {"FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}, tmp_path / "instance"
    )
    assert result.returncode != 0
    assert "Glas cannot start: FLASK_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_instance_folder_comes_from_the_environment(tmp_path) -> None:
    # The same start as above succeeds once the named instance folder supplies the secrets:
    # proof that FLASK_INSTANCE_PATH, not the checkout's instance/, is where config.py is read.
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        f"SECRET_KEY = {GOOD_SECRET!r}\nSUBJECT_PEPPER = {'p' * 40!r}\n"
        "OIDC_ISSUER = 'https://eid.example.si'\nOIDC_CLIENT_ID = 'glas'\n"
        "OIDC_CLIENT_SECRET = 'secret'\n"
    )
    result = _start_from_environment(
        {"FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}, instance
    )
    assert result.returncode == 0, result.stderr


def test_the_suite_never_uses_the_checkouts_instance_folder(app: Flask) -> None:
    # `make demo` writes secrets and a database into instance/: a test must not see them.
    assert not Path(app.instance_path).is_relative_to(ROOT)
    assert not Path(create_app({"TESTING": True}).instance_path).is_relative_to(ROOT)


def test_production_start_from_environment_variables(tmp_path) -> None:
    env = {
        "FLASK_SECRET_KEY": GOOD_SECRET,
        "FLASK_SUBJECT_PEPPER": "p" * 40,
        "FLASK_OIDC_ISSUER": "https://eid.example.si",
        "FLASK_OIDC_CLIENT_ID": "glas",
        "FLASK_OIDC_CLIENT_SECRET": "secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        "FLASK_MAIL_PORT": "2525",
    }
    result = _start_from_environment(env, tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    assert "/healthz" in result.stdout
