"""Back-channel logout tokens: every rule of OIDC Back-Channel Logout 1.0, section 2.6.

The tokens are signed here with a key of the test's own, installed as the provider's keys.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from app.auth import oidc
from tests.eid import CLIENT_ID, Provider, oidc_config

EVENT = {oidc.BACKCHANNEL_EVENT: {}}


@pytest.fixture
def keys() -> KeySet:
    return KeySet.generate_key_set("RSA", 2048, count=1)


@pytest.fixture
def app_with_keys(app_for: Any, eid_provider: Provider, keys: KeySet) -> Iterator[Flask]:
    app = app_for(**oidc_config(eid_provider.issuer))
    with app.app_context():
        oidc.metadata()  # the real discovery document …
        client = app.extensions["glas_oidc"]
        # … with our keys as the provider's, and no refetch for a while.
        client.server_metadata["jwks"] = keys.as_dict(private=False)
        client.server_metadata["_jwks_refreshed_at"] = time.time()
        yield app


def claims(issuer: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.time_ns()}",
        "events": EVENT,
        "sid": "session-1",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def sign(keys: KeySet, payload: dict[str, Any], **header: Any) -> str:
    key = next(iter(keys))
    return jwt.encode({"alg": "RS256", "typ": "logout+jwt", "kid": key.kid, **header}, payload, key)


def test_a_valid_token(app_with_keys: Flask, keys: KeySet, eid_provider: Provider) -> None:
    request = oidc.validate_logout_token(sign(keys, claims(eid_provider.issuer)))
    assert request.sid == "session-1"
    assert request.subject is None


def test_a_valid_token_naming_the_subject(
    app_with_keys: Flask, keys: KeySet, eid_provider: Provider
) -> None:
    token = sign(keys, claims(eid_provider.issuer, sid=None, sub="someone"))
    assert oidc.validate_logout_token(token).subject == "someone"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"iss": "https://evil.example"}, "iss"),
        ({"iss": None}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": None}, "aud"),
        ({"iat": int(time.time()) - 3600}, "iat"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"iat": "yesterday"}, "iat"),
        ({"exp": None}, "exp"),
        ({"exp": int(time.time()) - 3600}, "exp"),
        ({"jti": None}, "jti"),
        ({"jti": ""}, "jti"),
        ({"events": None}, "events"),
        ({"events": {"http://other/event": {}}}, "events"),
        ({"events": {oidc.BACKCHANNEL_EVENT: "yes"}}, "events"),
        ({"nonce": "n"}, "nonce"),
        ({"sid": None}, "neither sid nor sub"),
        ({"sid": ""}, "neither sid nor sub"),
    ],
)
def test_each_rule_is_enforced(
    app_with_keys: Flask, keys: KeySet, eid_provider: Provider, changes: dict, rule: str
) -> None:
    payload = claims(eid_provider.issuer, **changes)
    if changes.get("iss", "") is None:
        payload.pop("iss", None)
    with pytest.raises(oidc.LogoutTokenError, match=rule):
        oidc.validate_logout_token(sign(keys, payload))


def test_wrong_type_header(app_with_keys: Flask, keys: KeySet, eid_provider: Provider) -> None:
    with pytest.raises(oidc.LogoutTokenError, match="typ"):
        oidc.validate_logout_token(sign(keys, claims(eid_provider.issuer), typ="JWT+id"))


def test_a_token_signed_by_another_key(app_with_keys: Flask, eid_provider: Provider) -> None:
    stranger = KeySet.generate_key_set("RSA", 2048, count=1)
    with pytest.raises(oidc.LogoutTokenError, match="signature"):
        oidc.validate_logout_token(sign(stranger, claims(eid_provider.issuer)))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_unsigned_token_is_refused(app_with_keys: Flask, eid_provider: Provider) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'logout+jwt'})}.{_b64(claims(eid_provider.issuer))}."
    with pytest.raises(oidc.LogoutTokenError, match="signature"):
        oidc.validate_logout_token(token)


def test_a_shared_secret_signature_is_refused(
    app_with_keys: Flask, keys: KeySet, eid_provider: Provider
) -> None:
    secret = OctKey.generate_key(256)
    token = jwt.encode({"alg": "HS256", "typ": "logout+jwt"}, claims(eid_provider.issuer), secret)
    with pytest.raises(oidc.LogoutTokenError, match="signature"):
        oidc.validate_logout_token(token)


def test_junk_does_not_make_us_fetch_keys_each_time(app_with_keys: Flask) -> None:
    client = app_with_keys.extensions["glas_oidc"]
    stamp = client.server_metadata["_jwks_refreshed_at"]
    for junk in ("x", "a.b.c", "eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.e30.sig"):
        with pytest.raises(oidc.LogoutTokenError):
            oidc.validate_logout_token(junk)
    assert client.server_metadata["_jwks_refreshed_at"] == stamp
