"""The OpenID Connect relying party: Authlib's Flask client plus the checks it leaves out.

Each check here answers one confirmed pitfall of ``../shared/eid-oidc.md``: the issuer and the
audience are pinned (Authlib drops its own issuer check once ``claims_options`` is given), the
level of assurance is requested as essential and verified, a token response without an ID
token is refused, and the userinfo ``sub`` must equal the ID token's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

_EXTENSION = "glas_oidc"
#: The name of the provider in Authlib's registry (it also names Authlib's session keys).
_CLIENT_NAME = "eid"
#: Clock skew tolerated on token times.
LEEWAY_SECONDS = 120
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SignInError(Exception):
    """Sign-in failed; ``reason`` picks the explanation shown, ``status`` the HTTP code."""

    def __init__(self, reason: str, status: int, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.status = status
        #: For the log only; never shown, never personal data.
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """What a successful sign-in established; the claims are read once and then dropped."""

    issuer: str
    subject: str
    acr: str
    sid: str | None
    claims: dict[str, Any] = field(repr=False)


def init_app(app: Flask) -> None:
    """Register the provider on this app (one Authlib registry per app: tests run several)."""
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"]
    metadata_url = app.config.get("OIDC_METADATA_URL") or (
        f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    )
    app.extensions[_EXTENSION] = oauth.register(
        _CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=metadata_url,
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": app.config["OIDC_TIMEOUT"],
        },
    )


def _client() -> Any:
    client = current_app.extensions.get(_EXTENSION)
    if client is None:
        raise SignInError("not_configured", 503, "OIDC_ISSUER is not set")
    return client


def configured_issuer() -> str:
    """The issuer exactly as configured: ID tokens and discovery must name it exactly."""
    return str(current_app.config["OIDC_ISSUER"])


#: Signature algorithms Glas accepts (asymmetric only: never "none", never a shared secret).
ALGORITHMS = ("RS256", "PS256", "ES256")


def accepted_acrs() -> list[str]:
    return str(current_app.config["OIDC_ACR_VALUES"]).split()


def metadata() -> dict[str, Any]:
    """The provider's discovery document, checked to be the configured issuer's."""
    client = _client()
    try:
        data = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise SignInError("provider_unavailable", 503, type(error).__name__) from None
    if data.get("issuer") != configured_issuer():
        # OIDC Discovery 4.3: a document for another issuer must not be used. Forget it, so
        # that a corrected provider is picked up without a restart.
        client.server_metadata.clear()
        raise SignInError("provider_misconfigured", 502, "discovery issuer mismatch")
    offered = data.get("id_token_signing_alg_values_supported") or ["RS256"]
    allowed = [alg for alg in ALGORITHMS if alg in offered]
    if not allowed:
        client.server_metadata.clear()
        raise SignInError("provider_misconfigured", 502, f"no accepted algorithm in {offered!r}")
    # Authlib verifies ID tokens with the algorithms this list names: pin it to ours.
    client.server_metadata["id_token_signing_alg_values_supported"] = allowed
    return dict(client.server_metadata)


def authorize_redirect(redirect_uri: str, *, language: str) -> ResponseReturnValue:
    """Send the browser to the provider: code flow, PKCE (S256), state, nonce, essential acr."""
    metadata()
    accepted = accepted_acrs()
    claims = {"id_token": {"acr": {"essential": True, "values": accepted}}}
    try:
        response: ResponseReturnValue = _client().authorize_redirect(
            redirect_uri,
            acr_values=" ".join(accepted),
            claims=json.dumps(claims, separators=(",", ":")),
            ui_locales=language,
        )
    except requests.RequestException as error:
        raise SignInError("provider_unavailable", 503, type(error).__name__) from None
    return response


def claims_options() -> dict[str, dict[str, Any]]:
    """What every ID token must say about who issued it and for whom."""
    return {
        # Passing claims_options replaces Authlib's default issuer check: pin it again.
        "iss": {"essential": True, "value": configured_issuer()},
        # Authlib does not pin the audience by default.
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
    }


_KNOWN_ERRORS = frozenset(
    {
        "access_denied", "login_required", "interaction_required", "consent_required",
        "account_selection_required", "invalid_request", "unauthorized_client",
        "unsupported_response_type", "invalid_scope", "server_error", "temporarily_unavailable",
        "unmet_authentication_requirements", "invalid_grant", "invalid_client",
    }
)  # fmt: skip


def complete_sign_in() -> Identity:
    """Handle the callback: exchange the code, verify the tokens, return who signed in."""
    provider_metadata = metadata()
    client = _client()
    issuer = configured_issuer()
    try:
        token = client.authorize_access_token(
            claims_options=claims_options(), leeway=LEEWAY_SECONDS
        )
    except MismatchingStateError:
        # No state of ours: a replayed or forged callback, or an expired browser session.
        raise SignInError("state", 400, "state mismatch") from None
    except OAuthError as error:
        # The error code comes from the browser's query string: only known codes are named,
        # anything else is one fixed reason (nobody can write into the log through it).
        code = error.error if error.error in _KNOWN_ERRORS else "unknown"
        if code == "unmet_authentication_requirements":
            raise SignInError("level", 403, code) from None
        if code == "invalid_grant":
            raise SignInError("state", 400, code) from None
        if code in ("server_error", "temporarily_unavailable"):
            raise SignInError("provider_unavailable", 503, code) from None
        raise SignInError("denied", 400, code) from None
    except (JoseError, ValueError, KeyError) as error:
        raise SignInError("invalid_token", 400, type(error).__name__) from None
    except requests.RequestException as error:
        raise SignInError("provider_unavailable", 503, type(error).__name__) from None

    id_claims = token.get("userinfo")
    if "id_token" not in token or not id_claims:
        # Authlib returns quietly without userinfo when the ID token is missing.
        raise SignInError("invalid_response", 502, "no id_token in the token response")
    subject = str(id_claims["sub"])
    claims: dict[str, Any] = dict(id_claims)

    if provider_metadata.get("userinfo_endpoint"):
        try:
            info = client.userinfo(token=token)
        except (requests.RequestException, ValueError) as error:
            raise SignInError("provider_unavailable", 503, type(error).__name__) from None
        if str(info.get("sub")) != subject:
            # OIDC Core 5.3.4: Authlib does not check this.
            raise SignInError("invalid_token", 400, "userinfo sub differs from id_token sub")
        claims = {**info, **id_claims}

    acr = str(id_claims.get("acr") or "")
    if acr not in accepted_acrs():
        raise SignInError("level", 403, f"acr {acr or 'missing'} not accepted")
    sid = id_claims.get("sid")
    # Nothing of the token response outlives this function: no token is stored.
    return Identity(
        issuer=issuer, subject=subject, acr=acr, sid=str(sid) if sid else None, claims=claims
    )


#: Where Authlib's Flask client keeps each sign-in in progress: ``session[prefix + state]``
#: = ``{"data": …, "exp": …}``. Authlib's own layout, not a public API: read only here.
_STATE_PREFIX = f"_state_{_CLIENT_NAME}_"


def forget_old_attempts(session: MutableMapping[str, Any], *, keep: int) -> None:
    """Drop all but the ``keep`` newest sign-ins in progress from the session.

    Every click on "Sign in" adds one (with its state, nonce and PKCE verifier) and Authlib
    removes one only when its callback arrives: without this the session cookie would grow
    until the browser refused it.
    """
    attempts = [key for key in session if key.startswith(_STATE_PREFIX)]
    attempts.sort(key=lambda key: session[key].get("exp", 0))
    for key in attempts[: max(0, len(attempts) - keep)]:
        session.pop(key)


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to sign out at the provider too, if it supports that."""
    try:
        data = metadata()
    except SignInError:
        return None
    if not data.get("end_session_endpoint"):
        return None
    # No ID token is kept to send as id_token_hint; client_id identifies us instead
    # (RP-Initiated Logout 1.0, section 2).
    result = _client().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        client_id=current_app.config["OIDC_CLIENT_ID"],
    )
    return str(result["url"])


class LogoutTokenError(Exception):
    """A back-channel logout token failed validation."""


@dataclass(frozen=True)
class LogoutRequest:
    jti: str
    sid: str | None
    subject: str | None


#: Unknown signing keys make us fetch the provider's keys again, but at most this often:
#: junk tokens must not turn into a request to the provider each.
_JWKS_REFRESH_SECONDS = 60


def _logout_keys(client: Any, kid: str | None) -> KeySet:
    keys = KeySet.import_key_set(client.fetch_jwk_set())
    known = {key.kid for key in keys}
    last = client.server_metadata.get("_jwks_refreshed_at", 0)
    if kid not in known and time.time() - last > _JWKS_REFRESH_SECONDS:
        client.server_metadata["_jwks_refreshed_at"] = time.time()
        keys = KeySet.import_key_set(client.fetch_jwk_set(force=True))
    return keys


def validate_logout_token(raw: str) -> LogoutRequest:
    """Validate a back-channel logout token (OIDC Back-Channel Logout 1.0, section 2.6)."""
    client = _client()
    try:
        data = metadata()
        header = jws.extract_compact(raw.encode()).headers()
        if header.get("typ") not in (None, "logout+jwt"):
            raise LogoutTokenError("typ")
        decoded = jwt.decode(
            raw,
            _logout_keys(client, header.get("kid")),
            algorithms=data["id_token_signing_alg_values_supported"],
        )
    except SignInError as error:
        raise LogoutTokenError(error.reason) from None
    except (JoseError, ValueError, TypeError, requests.RequestException) as error:
        raise LogoutTokenError(f"signature: {type(error).__name__}") from None

    claims = decoded.claims
    now = time.time()
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    events = claims.get("events")
    if claims.get("iss") != configured_issuer():
        raise LogoutTokenError("iss")
    if current_app.config["OIDC_CLIENT_ID"] not in audiences:
        raise LogoutTokenError("aud")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or abs(now - iat) > 5 * 60:
        raise LogoutTokenError("iat")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp < now - LEEWAY_SECONDS:
        raise LogoutTokenError("exp")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise LogoutTokenError("jti")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise LogoutTokenError("events")
    if "nonce" in claims:
        raise LogoutTokenError("nonce")
    sid, subject = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(subject, str) and subject):
        raise LogoutTokenError("neither sid nor sub")
    return LogoutRequest(
        jti=str(claims["jti"]),
        sid=sid if isinstance(sid, str) and sid else None,
        subject=subject if isinstance(subject, str) and subject else None,
    )


def hash_value(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
