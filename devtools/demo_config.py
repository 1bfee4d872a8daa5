"""Write instance/config.py for ``make demo``: fresh random secrets, the local eID provider.

Never used in production: there, every setting comes from FLASK_* environment variables.
"""

import secrets
import sys
from pathlib import Path

TEMPLATE = """\
# Local settings for `make demo`, written by devtools/demo_config.py. Not for production.
SECRET_KEY = "{secret}"
SUBJECT_PEPPER = "{pepper}"
PUBLIC_URL = "http://{host}:{port}"
# The development OpenID provider that `make demo` starts beside the app.
OIDC_ISSUER = "http://{host}:{oidc_port}"
OIDC_CLIENT_ID = "glas-demo"
OIDC_CLIENT_SECRET = "{client_secret}"
"""


def main(path: str, host: str, port: str, oidc_port: str) -> None:
    target = Path(path)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        TEMPLATE.format(
            secret=secrets.token_hex(32),
            pepper=secrets.token_hex(32),
            client_secret=secrets.token_urlsafe(32),
            host=host,
            port=port,
            oidc_port=oidc_port,
        ),
        encoding="utf-8",
    )
    print(f"Wrote {target} with fresh random secrets.")


if __name__ == "__main__":
    main(*sys.argv[1:])
