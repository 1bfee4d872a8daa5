"""Configuration defaults and the checks that stop a misconfigured start.

Safe defaults only: no secret lives here. Production settings come from ``FLASK_*``
environment variables (``app.config.from_prefixed_env()``) or ``instance/config.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask import Flask
from limits import parse_many

from app.core.ratelimits import STORE_TIMEOUT_SECONDS


class Defaults:
    """Defaults loaded first; the environment and instance config override them."""

    # --- Flask and its extensions -------------------------------------------------------------
    SESSION_COOKIE_NAME = "glas_session"
    SESSION_COOKIE_HTTPONLY = True
    # Lax keeps the OIDC callback (a top-level GET from the provider) carrying our cookie.
    SESSION_COOKIE_SAMESITE = "Lax"
    #: None means "Secure when PUBLIC_URL is https", decided in ``finalize``.
    SESSION_COOKIE_SECURE: bool | None = None
    #: Requests larger than this get the friendly 413 page.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SEND_FILE_MAX_AGE_DEFAULT = 3600

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: a SQLite file in the instance folder
    # No pool_pre_ping: it costs a round trip on every request. app/core/db.py pings only a
    # connection that lay idle, and turns a connection lost to a server restart into a 503.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {}
    #: A PostgreSQL hot standby of the database (app/core/replica.py); unset: none.
    REPLICA_DATABASE_URI: str | None = None
    #: The replica is read only while at most this many seconds behind the primary.
    REPLICA_MAX_LAG_SECONDS = 5
    #: How often each process measures the replica's lag again (at most the bound).
    REPLICA_CHECK_SECONDS = 1

    LANGUAGES: ClassVar[list[str]] = ["sl", "en"]
    BABEL_DEFAULT_LOCALE = "sl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Ljubljana"
    BABEL_TRANSLATION_DIRECTORIES = "../translations"

    RATELIMIT_STORAGE_URI = "memory://"
    #: Passed to the store's client; for Redis ``finalize`` adds short socket timeouts.
    RATELIMIT_STORAGE_OPTIONS: ClassVar[dict[str, Any]] = {}
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"

    # --- Glas ---------------------------------------------------------------------------------
    PUBLIC_URL = "http://localhost:5000"
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXY_COUNT = 0

    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_ACR_VALUES = "http://eidas.europa.eu/LoA/substantial http://eidas.europa.eu/LoA/high"
    #: Where the provider's discovery document is; by default the issuer's well-known URL.
    OIDC_METADATA_URL: str | None = None
    #: Scopes asked for; Glas reads only the birth date and the residency claim, stores neither.
    OIDC_SCOPES = "openid profile"
    #: Seconds to wait for the provider on every call (discovery, token, userinfo, keys).
    OIDC_TIMEOUT = 10
    SUBJECT_PEPPER: str | None = None
    #: Version of SUBJECT_PEPPER, stored with each account key so the pepper can be rotated.
    SUBJECT_PEPPER_VERSION = 1
    #: Earlier peppers by version, e.g. FLASK_SUBJECT_PEPPER_PREVIOUS='{"1": "…"}': an account
    #: made with one of them is found and re-keyed with the current pepper at its next sign-in.
    SUBJECT_PEPPER_PREVIOUS: ClassVar[dict[str, str]] = {}

    #: Youngest age that may sign in (0 turns the check off); 15 is the age of digital
    #: consent in Slovenia (ZVOP-2).
    MINIMUM_AGE = 15
    #: A claim the provider releases that proves residence (e.g. ``municipality_code``), and
    #: the values that count as the municipality (Kranj is 052). Empty: officials verify
    #: residents by hand (``flask users verify-resident`` or the administration page).
    RESIDENCY_CLAIM = ""
    RESIDENCY_VALUES = ""

    #: A signed-in session ends after this long without a request, and after the maximum.
    SESSION_IDLE_MINUTES = 60
    SESSION_MAX_HOURS = 12

    #: "smtp" sends through MAIL_SERVER; "console" writes messages to the log (development).
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "glas@localhost"
    MAIL_USE_STARTTLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 30
    #: How long an e-mail confirmation link stays valid.
    EMAIL_CONFIRMATION_HOURS = 48
    #: People told of one event per transaction of the fan-out (app/notifications/fanout.py).
    NOTIFICATIONS_BATCH_SIZE = 500
    #: Days before a response or an answer is due that its unit (and followers) hear of it.
    NOTIFY_DUE_SOON_DAYS = 3

    #: Where uploaded attachments are kept (outside the static folder); None: instance/uploads.
    UPLOAD_FOLDER: str | None = None
    #: Largest attachment, and how many an initiative may have.
    ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
    ATTACHMENTS_PER_INITIATIVE = 5
    #: Largest picture accepted, in pixels (also the guard against decompression bombs).
    ATTACHMENT_MAX_PIXELS = 50_000_000

    #: Lifetime of a form's CSRF token, in seconds (a long form may be written slowly).
    CSRF_TIME_LIMIT = 8 * 3600

    # Who runs this site; shown in the footer, the privacy notice and the accessibility statement.
    ORGANISATION_NAME = "Mestna občina Kranj"
    ORGANISATION_ADDRESS = "Slovenski trg 1, 4000 Kranj"
    ORGANISATION_EMAIL = "mok@kranj.si"
    ORGANISATION_PHONE = "+386 4 237 31 00"
    DATA_PROTECTION_EMAIL = "dpo@kranj.si"
    ACCESSIBILITY_EMAIL = "mok@kranj.si"
    #: When the accessibility statement was last reviewed (ISO date).
    ACCESSIBILITY_REVIEWED_ON = "2026-11-27"
    ACCESSIBILITY_INSPECTORATE_URL = (
        "https://www.gov.si/drzavni-organi/organi-v-sestavi/inspektorat-za-informacijsko-druzbo/"
    )

    # --- the cache of anonymous pages (app/core/pagecache.py) --------------------------------
    #: Redis shared by every worker and server, e.g. ``redis://cache.internal:6379/1``; unset:
    #: a cache inside each process, right only where one process serves (the embedded default).
    CACHE_REDIS_URL: str | None = None
    #: Longest life of a cached page in seconds (writes and deadlines end it sooner); 0: off.
    PAGE_CACHE_SECONDS = 300
    #: New cached pages for typed values (searches) per process and PAGE_CACHE_SECONDS.
    PAGE_CACHE_FREE_ENTRIES = 500
    #: What pages are keyed on; unset: a fingerprint of the code, templates and translations.
    RELEASE: str | None = None

    # --- projects, the API and open data (app/projects, app/api, app/opendata) ------------
    #: A project whose light nobody has updated for this many days is shown as stale.
    PROJECT_STALE_DAYS = 90
    #: Requests per client address to the open-data API (Flask-Limiter's notation).
    API_RATE_LIMIT = "600 per minute"
    #: Where ``flask open-data dump`` writes the daily files; None: instance/open-data.
    OPEN_DATA_FOLDER: str | None = None
    #: The licence of the open data (its name as shown, and the URL of its legal text).
    OPEN_DATA_LICENCE = "CC BY 4.0"
    OPEN_DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


#: The secrets and endpoints without which a production instance must not start.
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "SUBJECT_PEPPER",
)
_MIN_SECRET_LENGTH = 32
_STRING_SETTINGS = (
    "SECRET_KEY",
    "SUBJECT_PEPPER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_ISSUER",
    "PUBLIC_URL",
    "MAIL_SERVER",
    "MAIL_DEFAULT_SENDER",
    "OIDC_ACR_VALUES",
    "OIDC_METADATA_URL",
    "OIDC_SCOPES",
    "RESIDENCY_CLAIM",
    "RESIDENCY_VALUES",
    "MAIL_BACKEND",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "UPLOAD_FOLDER",
    "CACHE_REDIS_URL",
    "RELEASE",
    "API_RATE_LIMIT",
    "OPEN_DATA_FOLDER",
    "OPEN_DATA_LICENCE",
    "OPEN_DATA_LICENCE_URL",
    "REPLICA_DATABASE_URI",
)
_ACR_PREFIX = "http://eidas.europa.eu/LoA/"
_KNOWN_ACR = tuple(_ACR_PREFIX + level for level in ("low", "substantial", "high"))


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the environment variable."""


def env_name(key: str) -> str:
    return f"FLASK_{key}"


def finalize(app: Flask) -> None:
    """Fill derived defaults, coerce types and refuse to start on a bad value."""
    config = app.config
    # ``from_prefixed_env`` parses values as JSON, so a numeric secret arrives as an int.
    for key in _STRING_SETTINGS:
        if config.get(key) is not None and not isinstance(config[key], str):
            config[key] = str(config[key])

    if not config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/glas.db"

    _check_replica(config)

    public_url = config.get("PUBLIC_URL") or ""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{env_name('PUBLIC_URL')} must be an absolute http(s) URL, got {public_url!r}."
        )
    config["PUBLIC_URL"] = public_url.rstrip("/")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = parts.scheme == "https"

    _check_int(config, "MAIL_PORT", low=1, high=65535)
    _check_int(config, "TRUSTED_PROXY_COUNT", low=0, high=10)
    _check_int(config, "MAX_CONTENT_LENGTH", low=1024, high=1024**3)
    _check_int(config, "OIDC_TIMEOUT", low=1, high=120)
    _check_int(config, "MINIMUM_AGE", low=0, high=120)
    _check_int(config, "SESSION_IDLE_MINUTES", low=1, high=7 * 24 * 60)
    _check_int(config, "SESSION_MAX_HOURS", low=1, high=24 * 90)
    _check_int(config, "MAIL_TIMEOUT", low=1, high=600)
    _check_int(config, "EMAIL_CONFIRMATION_HOURS", low=1, high=24 * 30)
    _check_int(config, "NOTIFICATIONS_BATCH_SIZE", low=1, high=10_000)
    _check_int(config, "NOTIFY_DUE_SOON_DAYS", low=0, high=60)
    _check_int(config, "SUBJECT_PEPPER_VERSION", low=1, high=1000)
    _check_int(config, "ATTACHMENT_MAX_BYTES", low=1024, high=config["MAX_CONTENT_LENGTH"])
    _check_int(config, "ATTACHMENTS_PER_INITIATIVE", low=0, high=50)
    _check_int(config, "ATTACHMENT_MAX_PIXELS", low=10_000, high=400_000_000)
    _check_int(config, "PAGE_CACHE_SECONDS", low=0, high=24 * 3600)
    _check_int(config, "PAGE_CACHE_FREE_ENTRIES", low=0, high=100_000)
    redis_url = config.get("CACHE_REDIS_URL")
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(
            # Not the URL itself: it may hold the password.
            f"{env_name('CACHE_REDIS_URL')} must be a redis://, rediss:// or unix:// URL, "
            f"got one starting {urlsplit(redis_url).scheme!r}."
        )
    _limit_store_options(config)
    if not config.get("UPLOAD_FOLDER"):
        config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    _check_int(config, "PROJECT_STALE_DAYS", low=1, high=3650)
    try:
        parse_many(str(config.get("API_RATE_LIMIT") or ""))
    except ValueError:
        raise ConfigError(
            f"{env_name('API_RATE_LIMIT')} must be a rate such as '600 per minute', "
            f"got {config.get('API_RATE_LIMIT')!r}."
        ) from None
    if not config.get("OPEN_DATA_FOLDER"):
        config["OPEN_DATA_FOLDER"] = str(Path(app.instance_path) / "open-data")
    licence_url = urlsplit(str(config.get("OPEN_DATA_LICENCE_URL") or ""))
    if licence_url.scheme not in ("http", "https") or not licence_url.netloc:
        raise ConfigError(
            f"{env_name('OPEN_DATA_LICENCE_URL')} must be an absolute http(s) URL, "
            f"got {config.get('OPEN_DATA_LICENCE_URL')!r}."
        )
    if not str(config.get("OPEN_DATA_LICENCE") or "").strip():
        raise ConfigError(f"{env_name('OPEN_DATA_LICENCE')} must name the licence.")
    previous = config.get("SUBJECT_PEPPER_PREVIOUS") or {}
    if not isinstance(previous, dict) or not all(
        str(version).isdigit() and isinstance(pepper, str) and pepper
        for version, pepper in previous.items()
    ):
        raise ConfigError(
            f"{env_name('SUBJECT_PEPPER_PREVIOUS')} must be a JSON object of version to pepper, "
            'e.g. {"1": "<the old pepper>"}.'
        )
    config["SUBJECT_PEPPER_PREVIOUS"] = {str(k): v for k, v in previous.items()}
    backend = config.get("MAIL_BACKEND")
    if backend not in ("smtp", "console"):
        raise ConfigError(f"{env_name('MAIL_BACKEND')} must be smtp or console, got {backend!r}.")
    scopes = str(config.get("OIDC_SCOPES") or "").split()
    if "openid" not in scopes:
        raise ConfigError(f"{env_name('OIDC_SCOPES')} must include openid, got {scopes!r}.")
    if config.get("RESIDENCY_CLAIM") and not str(config.get("RESIDENCY_VALUES") or "").split():
        raise ConfigError(
            f"{env_name('RESIDENCY_VALUES')} must list the accepted values of "
            f"{env_name('RESIDENCY_CLAIM')} ({config['RESIDENCY_CLAIM']!r})."
        )

    try:
        config["ACCESSIBILITY_REVIEWED_ON"] = date.fromisoformat(
            str(config["ACCESSIBILITY_REVIEWED_ON"])
        )
    except ValueError:
        raise ConfigError(
            f"{env_name('ACCESSIBILITY_REVIEWED_ON')} must be a date such as 2026-11-27."
        ) from None

    acr_values = str(config.get("OIDC_ACR_VALUES") or "").split()
    unknown = [value for value in acr_values if value not in _KNOWN_ACR]
    if not acr_values or unknown:
        raise ConfigError(
            f"{env_name('OIDC_ACR_VALUES')} must list eIDAS levels of assurance "
            f"({', '.join(_KNOWN_ACR)}), got {config.get('OIDC_ACR_VALUES')!r}."
        )

    issuer = config.get("OIDC_ISSUER")
    if issuer:
        issuer_parts = urlsplit(issuer)
        loopback = issuer_parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not issuer_parts.netloc or not (
            issuer_parts.scheme == "https" or (issuer_parts.scheme == "http" and loopback)
        ):
            raise ConfigError(
                f"{env_name('OIDC_ISSUER')} must be an https URL (http only on loopback), "
                f"got {issuer!r}."
            )

    if app.debug or app.testing:
        return
    # Error logs must not carry residents' data from SQL parameters.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **config["SQLALCHEMY_ENGINE_OPTIONS"],
        "hide_parameters": True,
    }
    for key in REQUIRED_IN_PRODUCTION:
        if not config.get(key):
            raise ConfigError(
                f"{env_name(key)} is not set. Glas refuses to start in production without it "
                "(see README, Configuration)."
            )
    for key in ("SECRET_KEY", "SUBJECT_PEPPER"):
        if len(config[key]) < _MIN_SECRET_LENGTH:
            raise ConfigError(
                f"{env_name(key)} is too short: use at least {_MIN_SECRET_LENGTH} random "
                'characters, e.g. python -c "import secrets; print(secrets.token_hex(32))".'
            )


#: Schemes of ``limits``' Redis store, whose client takes redis-py's socket timeouts.
_REDIS_STORE_SCHEMES = ("redis", "rediss", "redis+unix")


def _limit_store_options(config: dict[str, Any]) -> None:
    """Short timeouts for a Redis store of the rate limits, unless the operator set others.

    redis-py waits for ever by default: a Redis that stopped answering (a dead host, a
    firewall that drops) would hold every worker that checks a limit.
    """
    options = config.get("RATELIMIT_STORAGE_OPTIONS") or {}
    if not isinstance(options, dict):
        raise ConfigError(
            f"{env_name('RATELIMIT_STORAGE_OPTIONS')} must be a JSON object of the store's "
            'options, e.g. {"socket_timeout": 1}.'
        )
    options = dict(options)
    if urlsplit(str(config.get("RATELIMIT_STORAGE_URI") or "")).scheme in _REDIS_STORE_SCHEMES:
        options.setdefault("socket_connect_timeout", STORE_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", STORE_TIMEOUT_SECONDS)
    config["RATELIMIT_STORAGE_OPTIONS"] = options


def _check_replica(config: dict[str, Any]) -> None:
    _check_int(config, "REPLICA_MAX_LAG_SECONDS", low=1, high=3600)
    _check_int(config, "REPLICA_CHECK_SECONDS", low=1, high=config["REPLICA_MAX_LAG_SECONDS"])
    uri = config.get("REPLICA_DATABASE_URI")
    if not uri:
        config["REPLICA_DATABASE_URI"] = None
        return
    # Only the schemes are named in the messages: the URIs may hold passwords.
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        raise ConfigError(
            f"{env_name('REPLICA_DATABASE_URI')} is set, but the database "
            f"({env_name('SQLALCHEMY_DATABASE_URI')}) is not PostgreSQL: a streaming replica "
            "needs a PostgreSQL primary. Unset it, or move the database to PostgreSQL."
        )
    if not uri.startswith("postgresql"):
        raise ConfigError(
            f"{env_name('REPLICA_DATABASE_URI')} must be a postgresql:// URI of a standby, "
            f"got one starting {urlsplit(uri).scheme!r}."
        )
    if uri == config["SQLALCHEMY_DATABASE_URI"]:
        raise ConfigError(
            f"{env_name('REPLICA_DATABASE_URI')} names the primary itself "
            f"({env_name('SQLALCHEMY_DATABASE_URI')}); give the standby's address, or unset it."
        )


def _check_int(config: dict[str, Any], key: str, *, low: int, high: int) -> None:
    value = config.get(key)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{env_name(key)} must be a whole number, got {value!r}.") from None
    if isinstance(value, bool) or not low <= number <= high:
        raise ConfigError(f"{env_name(key)} must be between {low} and {high}, got {value!r}.")
    config[key] = number
