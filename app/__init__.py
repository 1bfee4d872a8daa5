"""Glas: e-participation for a municipality. The application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

#: Environment variable naming the instance folder (``instance/`` beside ``app/`` if unset).
INSTANCE_PATH_VARIABLE = "FLASK_INSTANCE_PATH"


def _instance_path() -> str | None:
    # Read before the configuration exists: the instance folder is where that comes from.
    # The tests point it at a temporary folder, so that what `make demo` wrote into the
    # checkout's instance/ (secrets, a database) can never leak into a test run.
    path = os.environ.get(INSTANCE_PATH_VARIABLE)
    return os.path.abspath(path) if path else None


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=_instance_path(),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object("app.config.Defaults")  # safe defaults, no secrets
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)  # instance/config.py for local dev
        app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_SQLALCHEMY_DATABASE_URI …
    else:
        app.config.from_mapping(test_config)

    from app.config import finalize

    finalize(app)  # fails fast, naming the variable, on a missing secret or a bad value
    from app.core.routing import IdConverter

    app.url_map.converters["id"] = IdConverter
    register_extensions(app)
    register_core(app)
    register_blueprints(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.core import models as _core_models  # noqa: F401  (the audit log's table)
    from app.core import settings as _settings  # noqa: F401  (the settings' table)
    from app.core.i18n import select_locale
    from app.extensions import babel, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)


def register_core(app: Flask) -> None:
    from app.core import csrf, errors, i18n, pagecache, security, templating
    from app.extensions import db

    pagecache.init_app(app, db.session)
    security.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app import (
        account,
        accountability,
        admin,
        api,
        auth,
        councillors,
        feeds,
        follows,
        health,
        initiatives,
        moderation,
        notifications,
        opendata,
        pages,
        projects,
        questions,
        replies,
        search,
        sessions,
    )

    # Their views, which the packages do not import themselves (see each one's docstring).
    from app.accountability import views as _accountability  # noqa: F401
    from app.api import views as _api  # noqa: F401
    from app.councillors import views as _councillors  # noqa: F401
    from app.follows import privacy as _follow_privacy  # noqa: F401
    from app.follows import views as _follows  # noqa: F401
    from app.moderation import views as _moderation  # noqa: F401
    from app.notifications import bounces as _bounces  # noqa: F401
    from app.notifications import privacy as _notification_privacy  # noqa: F401
    from app.notifications import views as _notifications  # noqa: F401
    from app.opendata import views as _opendata  # noqa: F401
    from app.projects import open_data as _project_data  # noqa: F401
    from app.projects import views as _projects  # noqa: F401
    from app.questions import privacy as _question_privacy  # noqa: F401
    from app.questions import views as _questions  # noqa: F401
    from app.replies import privacy as _reply_privacy  # noqa: F401
    from app.replies import views as _replies  # noqa: F401
    from app.search import views as _search  # noqa: F401
    from app.sessions import views as _sessions  # noqa: F401

    auth.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(initiatives.bp)
    app.register_blueprint(questions.bp)
    app.register_blueprint(sessions.bp)
    app.register_blueprint(councillors.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(replies.bp)
    app.register_blueprint(accountability.bp)
    app.register_blueprint(follows.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(opendata.bp)


def register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
