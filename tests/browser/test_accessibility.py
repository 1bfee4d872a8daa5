"""Every page, in both languages: no axe-core violations, valid HTML, no console errors.

Also: the page reflows to one column at 320 CSS pixels (WCAG 1.4.10, the 400 % zoom case).
A form page in its error state is checked as the server answers the form sent by a click.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import (
    LiveServer,
    Validator,
    axe_violations,
    describe_violations,
    set_language,
)
from tests.browser.pages import PAGES, Page, Submit

pytestmark = pytest.mark.browser

LANGUAGES = ("sl", "en")


@pytest.fixture
def page_context(
    browser: Any, live_server: LiveServer, signed_in_states: dict[str, Any], page_spec: Page
) -> Any:
    state = signed_in_states[page_spec.as_role] if page_spec.as_role else None
    context = browser.new_context(base_url=live_server.url, storage_state=state)
    yield context
    context.close()


def submit_form(page: Any, submit: Submit) -> Any:
    """Fill in and send a form as a person does; the server's answer (a Playwright Response)."""
    form = page.locator(submit.form)
    # A form folded in a disclosure (a project's updates) is opened first, as a person does.
    form.evaluate("f => { const d = f.closest('details'); if (d) d.open = true; }")
    for selector, value in submit.fill:
        form.locator(selector).fill(value)
    with page.expect_response(lambda r: r.request.is_navigation_request()) as answer:
        form.locator(submit.button).click()
    page.wait_for_load_state()
    return answer.value


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_spec", PAGES, ids=lambda page: page.name)
def test_page_is_accessible_and_valid(
    page_context: Any,
    live_server: LiveServer,
    axe_source: str,
    html_validator: Validator,
    screenshots: Path | None,
    page_spec: Page,
    language: str,
) -> None:
    set_language(page_context, live_server, language)
    page = page_context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    response = page.goto(page_spec.path)
    assert response is not None
    if page_spec.submit is not None:
        assert response.ok, f"the form page itself answered {response.status}"
        response = submit_form(page, page_spec.submit)
        assert response.request.method == "POST"
    assert response.status == page_spec.status
    assert page.get_attribute("html", "lang") == language

    violations = axe_violations(page, axe_source)
    assert not violations, describe_violations(violations)

    errors = html_validator.errors(response.body())
    assert not errors, "\n".join(errors)

    # An error status logs "Failed to load resource" for the page itself; anything else is a
    # fault (a CSP violation, a missing asset, a script error).
    expected = [f"status of {page_spec.status}"] if page_spec.status >= 400 else []
    unexpected = [p for p in problems if not any(e in p for e in expected)]
    assert not unexpected, unexpected

    if screenshots is not None:
        page.screenshot(path=screenshots / f"{page_spec.name}-{language}.png", full_page=True)

    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"horizontal scrolling at 320 px ({overflow} px too wide)"
