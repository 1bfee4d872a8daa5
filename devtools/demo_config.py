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


def main(config_path: str, clients_path: str, host: str, port: str, oidc_port: str) -> None:
    config = Path(config_path)
    clients = Path(clients_path)
    if config.exists() and clients.exists():
        return
    config.parent.mkdir(parents=True, exist_ok=True)
    client_secret = secrets.token_urlsafe(32)
    config.write_text(
        TEMPLATE.format(
            secret=secrets.token_hex(32),
            pepper=secrets.token_hex(32),
            client_secret=client_secret,
            host=host,
            port=port,
            oidc_port=oidc_port,
        ),
        encoding="utf-8",
    )
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
    print(f"Wrote {config} and {clients} with fresh random secrets.")


if __name__ == "__main__":
    main(*sys.argv[1:])
