"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One clear line naming the variable, instead of a traceback.
    raise SystemExit(f"Glas cannot start: {error}") from None
