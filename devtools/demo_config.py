"""Write instance/config.py and the eID provider's client file for ``make demo``.

Fresh random secrets, the local development eID provider, mail printed to the console.
Never used in production: there, every setting comes from FLASK_* environment variables.
"""

import json
import secrets
import sys
from pathlib import Path

TEMPLATE = """\
# Local settings for `make demo`, written by devtools/demo_config.py. Not for production.
SECRET_KEY = "{secret}"
SUBJECT_PEPPER = "{pepper}"
PUBLIC_URL = "http://{host}:{port}"
# The development eID provider that `make demo` starts beside the app.
OIDC_ISSUER = "http://{host}:{oidc_port}"
OIDC_CLIENT_ID = "glas-demo"
OIDC_CLIENT_SECRET = "{client_secret}"
OIDC_SCOPES = "openid profile residence"
# Residency proven by the provider's claim: Kranj's municipality code.
RESIDENCY_CLAIM = "municipality_code"
RESIDENCY_VALUES = "052"
# Mail is written to the console by `flask worker` instead of being sent.
MAIL_BACKEND = "console"
"""


def _existing_secrets(config: Path, clients: Path) -> dict[str, str] | None:
    """The secrets of an earlier run, so that changing the ports keeps accounts and sessions."""
    if not (config.exists() and clients.exists()):
        return None
    values: dict[str, object] = {}
    exec(config.read_text(encoding="utf-8"), values)  # noqa: S102  (our own file, see TEMPLATE)
    registrations = json.loads(clients.read_text(encoding="utf-8"))
    return {
        "secret": str(values["SECRET_KEY"]),
        "pepper": str(values["SUBJECT_PEPPER"]),
        "client_secret": str(registrations[0]["client_secret"]),
    }


def main(config_path: str, clients_path: str, host: str, port: str, oidc_port: str) -> None:
    """Write both files; on a later run keep the secrets and change only the addresses."""
    config = Path(config_path)
    clients = Path(clients_path)
    secrets_ = _existing_secrets(config, clients) or {
        "secret": secrets.token_hex(32),
        "pepper": secrets.token_hex(32),
        "client_secret": secrets.token_urlsafe(32),
    }
    text = TEMPLATE.format(**secrets_, host=host, port=port, oidc_port=oidc_port)
    if config.exists() and config.read_text(encoding="utf-8") == text:
        return  # nothing changed
    fresh = not config.exists()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    client_secret = secrets_["client_secret"]
    public = f"http://{host}:{port}"
    registration = {
        "client_id": "glas-demo",
        "client_secret": client_secret,
        "redirect_uris": [f"{public}/auth/callback"],
        "post_logout_redirect_uris": [f"{public}/auth/logged-out"],
        "backchannel_logout_uri": f"{public}/auth/backchannel-logout",
        "backchannel_logout_session_required": True,
        "subject_type": "pairwise",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    clients.write_text(json.dumps([registration], indent=2), encoding="utf-8")
    if fresh:
        print(f"Wrote {config} and {clients} with fresh random secrets.")
    else:
        print(f"Updated {config} and {clients} for http://{host}:{port} (secrets kept).")


if __name__ == "__main__":
    main(*sys.argv[1:])
