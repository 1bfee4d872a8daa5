"""Keyboard-only and no-JavaScript journeys."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def _focused(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {tag: el.tagName, id: el.id, cls: el.className,
                    text: el.textContent.trim(), hreflang: el.getAttribute("hreflang"),
                    top: box.top, height: box.height,
                    outline: getComputedStyle(el).outlineStyle};
        }"""
    )


def test_skip_link_is_first_visible_and_moves_focus_to_main(context: Any) -> None:
    page = context.new_page()
    page.goto("/accessibility")
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["cls"] == "skip-link"
    assert focused["text"] == "Skoči na glavno vsebino"
    assert focused["top"] >= 0, "the skip link becomes visible when focused"
    assert focused["height"] > 0
    assert focused["outline"] != "none", "focus is visible"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_language_switch_by_keyboard_alone(context: Any) -> None:
    page = context.new_page()
    page.goto("/privacy")
    for _ in range(30):
        page.keyboard.press("Tab")
        if _focused(page)["hreflang"] == "en":
            break
    else:
        pytest.fail("the English link cannot be reached by Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url.endswith("/privacy")
    assert page.locator("h1").inner_text() == "Privacy notice"


def test_feedback_form_works_without_javascript(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accessibility")
        page.get_by_label("Kaj je bilo težko ali nemogoče uporabiti?").fill(
            "Gumb za iskanje nima oznake."
        )
        page.get_by_role("button", name="Pošlji").click()
        assert page.get_by_text("Hvala. Vaše sporočilo smo prejeli.").is_visible()
        # The anonymous visitor still has no cookie after sending the form.
        assert context.cookies() == []
    finally:
        context.close()


def test_form_errors_are_announced_and_linked(context: Any, axe_source: str) -> None:
    from tests.browser.conftest import axe_violations, describe_violations

    page = context.new_page()
    page.goto("/accessibility")
    page.get_by_role("button", name="Pošlji").click()
    summary = page.get_by_role("alert")
    assert "Prosimo, popravite naslednje:" in summary.inner_text()
    field = page.get_by_label("Kaj je bilo težko ali nemogoče uporabiti?")
    assert field.get_attribute("aria-invalid") == "true"
    assert (
        "Prosimo, opišite težavo."
        in page.locator("#" + field.get_attribute("aria-describedby").split()[-1]).inner_text()
    )
    violations = axe_violations(page, axe_source)
    assert not violations, describe_violations(violations)
