"""The proxy's own error pages (deploy/haproxy/errors): what people see when no app server answers.

They are static files HAProxy sends as they are, outside Glas's templates, so they are checked as
every page of Glas is: no axe-core violation, valid HTML, no horizontal scrolling at 320 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Validator, axe_violations, describe_violations

pytestmark = pytest.mark.browser

ERRORS = Path(__file__).resolve().parents[2] / "deploy" / "haproxy" / "errors"


@pytest.mark.parametrize("code", ["502", "503", "504"])
def test_the_proxy_error_page_is_accessible_and_valid(
    browser: Any,
    axe_source: str,
    html_validator: Validator,
    screenshots: Path | None,
    code: str,
) -> None:
    body = (ERRORS / f"{code}.http").read_bytes().partition(b"\r\n\r\n")[2]
    assert html_validator.errors(body) == []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(body.decode("utf-8"))
        violations = axe_violations(page, axe_source)
        assert not violations, describe_violations(violations)
        page.set_viewport_size({"width": 320, "height": 640})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        if screenshots is not None:
            page.screenshot(path=screenshots / f"proxy-{code}.png", full_page=True)
    finally:
        context.close()
