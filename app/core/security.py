"""Security headers on every response, and the proxy set-up they depend on."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = "max-age=63072000; includeSubDomains"


def content_security_policy() -> str:
    """A strict policy: our own scripts and styles only, never inline, never eval."""
    form_action = ["'self'"]
    issuer = current_app.config.get("OIDC_ISSUER")
    if issuer:
        # Signing out posts to us and is redirected to the provider's end-session page;
        # Chromium applies form-action to that redirect too.
        parts = urlsplit(issuer)
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "font-src": "'self'",
        "connect-src": "'self'",
        "manifest-src": "'self'",
        "form-action": " ".join(form_action),
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), payment=(), usb=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def refuse_nul_bytes() -> None:
    """A NUL in a query or form value is never legitimate, and PostgreSQL refuses it in text."""
    values = [*request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        # Only behind proxies we trust, or a client could claim any address and scheme.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.after_request(set_security_headers)
    app.before_request(refuse_nul_bytes)
