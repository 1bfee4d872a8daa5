"""Extension singletons; bound to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.core.db import Base
from app.core.ratelimits import ResilientLimiter
from app.core.replica import RoutingSession

# RoutingSession: the reads that may lag go to the replica when one is set (app/core/replica.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})

if TYPE_CHECKING:
    # mypy cannot subclass an attribute of an instance (python/mypy#8603), and db.Model is
    # one; at run time it is our Base with Flask-SQLAlchemy's Model mixed in, as here.
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        __abstract__ = True

else:
    Model = db.Model
# Batch mode lets the same migrations alter tables on SQLite, which cannot ALTER most things.
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
# Limits are declared per view; the storage comes from RATELIMIT_STORAGE_URI. What a request
# with a limit gets when that store fails is decided in app/core/ratelimits.py.
limiter = ResilientLimiter(get_remote_address)
