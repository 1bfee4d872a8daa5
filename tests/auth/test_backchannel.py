"""Back-channel and RP-initiated logout between the real provider and Glas on a real server."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import pytest
import requests

from tests.eid import Provider
from tests.live import LiveServer


def _sign_in(live_server: LiveServer, persona: str) -> requests.Session:
    """A browser's sign-in: Glas on HTTP, the provider on HTTP, cookies for both."""
    browser = requests.Session()
    page = browser.get(live_server("/auth/login?next=/me/"), timeout=10)
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form, page.text
    done = browser.post(
        urljoin(page.url, form.group(1)),
        data={"persona": persona, "level": "high"},
        timeout=10,
    )
    assert done.url == live_server("/me/"), done.url
    return browser


def _signed_in(browser: requests.Session, live_server: LiveServer) -> bool:
    response = browser.get(live_server("/me/"), allow_redirects=False, timeout=10)
    return response.status_code == 200


def test_backchannel_logout_makes_the_next_request_anonymous(
    live_server: LiveServer, eid_provider: Provider
) -> None:
    browser = _sign_in(live_server, "nina")
    assert _signed_in(browser, live_server)
    # The person signs out at the provider (another application's sign-out would do the same).
    confirm = browser.get(f"{eid_provider.issuer}/session/end", timeout=10)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text)
    action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text)
    assert xsrf, confirm.text
    assert action, confirm.text
    browser.post(
        urljoin(confirm.url, action.group(1)),
        data={"xsrf": xsrf.group(1), "logout": "yes"},
        timeout=10,
    )
    # The provider's logout token reaches Glas on its own connection; wait for its effect.
    deadline = time.monotonic() + 10
    while _signed_in(browser, live_server):
        assert time.monotonic() < deadline, "the back-channel logout never arrived"
        time.sleep(0.1)


def test_sign_out_in_glas_also_signs_out_at_the_provider(
    live_server: LiveServer, eid_provider: Provider
) -> None:
    browser = _sign_in(live_server, "jure")
    page = browser.get(live_server("/me/"), timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = browser.post(
        live_server("/auth/logout"),
        data={"csrf_token": token.group(1)},
        headers={"Origin": live_server.url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.headers["Location"].startswith(f"{eid_provider.issuer}/session/end")
    assert not _signed_in(browser, live_server)
    # At the provider, the person confirms and comes back to Glas's signed-out page.
    confirm = browser.get(response.headers["Location"], timeout=10)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text)
    action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text)
    assert xsrf
    assert action
    back = browser.post(
        urljoin(confirm.url, action.group(1)),
        data={"xsrf": xsrf.group(1), "logout": "yes"},
        timeout=10,
    )
    assert back.url.startswith(live_server("/auth/logged-out"))
    assert "Odjavili ste se" in back.text


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",  # alg none, unsigned
    ],
)
def test_invalid_logout_tokens_are_refused(live_server: LiveServer, token: str) -> None:
    response = requests.post(
        live_server("/auth/backchannel-logout"), data={"logout_token": token}, timeout=10
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    assert response.headers["Cache-Control"] == "no-store"
