"""The initiative pages in a real browser, as a new resident on a phone meets them (issue 7):
the folded filters, readable metadata at 320 px, focus after a failed submit, the title's
counter and the share area's "Copy link"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe_violations, set_language
from tests.live import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
SMALL_PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def open_context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A factory of browser contexts (viewport, sign-in, JavaScript), all closed afterwards."""
    contexts: list[Any] = []

    def _open(**options: Any) -> Any:
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        return context

    yield _open
    for context in contexts:
        context.close()


class TestFilters:
    @pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["320", "375"])
    def test_on_a_phone_the_results_start_on_the_first_screen(
        self, open_context: Any, viewport: dict[str, int]
    ) -> None:
        page = open_context(viewport=viewport).new_page()
        page.goto("/initiatives/")
        assert page.locator("#q").is_visible()
        toggle = page.locator("summary.filters__toggle")
        assert toggle.is_visible()
        assert not page.locator("#state").is_visible()
        # Folded, the whole panel (search, toggle, button) is a small part of the first screen.
        panel = page.locator("form.filters").bounding_box()
        assert panel is not None
        assert panel["height"] < viewport["height"] * 0.3, panel
        assert panel["y"] + panel["height"] <= viewport["height"], panel
        toggle.click()
        assert page.locator("#state").is_visible()
        page.locator("#state").select_option("overdue")
        page.get_by_role("button", name="Prikaži").click()
        page.wait_for_url("**/initiatives/?*state=overdue*")
        # A chosen filter is shown, not folded away.
        assert page.locator("#state").is_visible()
        assert page.locator("#state").input_value() == "overdue"

    def test_on_a_wide_screen_the_choices_show_without_a_toggle(
        self, browser: Any, live_server: LiveServer, open_context: Any
    ) -> None:
        for javascript in (True, False):
            page = open_context(viewport=DESKTOP, java_script_enabled=javascript).new_page()
            page.goto("/initiatives/")
            for field in ("#q", "#state", "#topic", "#community", "#sort"):
                assert page.locator(field).is_visible(), field
            assert not page.locator("summary.filters__toggle").is_visible()

    def test_the_folded_filters_work_by_keyboard(self, open_context: Any) -> None:
        page = open_context(viewport=PHONE).new_page()
        page.goto("/initiatives/")
        page.locator("#q").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "state"


class TestNarrowLayout:
    @pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["320", "375"])
    @pytest.mark.parametrize("path", ["/initiatives/", "/initiatives/2"])
    def test_metadata_is_not_a_word_a_line(
        self, open_context: Any, viewport: dict[str, int], path: str
    ) -> None:
        page = open_context(viewport=viewport).new_page()
        page.goto(path)
        # Every label and value of the metadata gets most of the width, so that "Urad za
        # gospodarske dejavnosti in promet" wraps as a sentence, not one word per line.
        widths = page.evaluate(
            """() => [...document.querySelectorAll(
                '.facts dd, .item-card__where, .item-card__deadline, .progress-block__text'
            )].map(el => el.getBoundingClientRect().width)"""
        )
        assert widths
        content = viewport["width"] - 2 * 20  # the page's side padding
        assert min(widths) > content * 0.6, widths
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


class TestErrorSummaryFocus:
    def test_after_a_failed_submit_focus_is_on_the_error_summary(
        self,
        open_context: Any,
        live_server: LiveServer,
        signed_in_states: dict[str, Any],
        axe_source: str,
    ) -> None:
        context = open_context(viewport=SMALL_PHONE, storage_state=signed_in_states["resident"])
        set_language(context, live_server, "en")
        page = context.new_page()
        page.goto("/initiatives/new")
        page.get_by_label("Title").fill("x")
        page.get_by_role("button", name="Save the draft").click()
        page.wait_for_load_state()
        focused = page.evaluate(
            "({cls: document.activeElement.className, text: document.activeElement.innerText})"
        )
        assert focused["cls"] == "error-summary"
        assert "Please correct the following:" in focused["text"]
        assert page.locator(".error-summary").evaluate(
            "el => el.getBoundingClientRect().top >= 0"
        ), "the summary is scrolled into view"
        violations = axe_violations(page, axe_source)
        assert not violations, describe_violations(violations)

    def test_every_form_benefits(self, open_context: Any) -> None:
        page = open_context().new_page()
        page.goto("/accessibility")
        page.get_by_role("button", name="Pošlji").click()
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.className") == "error-summary"


class TestTitleCounter:
    def test_the_counter_follows_the_typing(
        self, open_context: Any, signed_in_states: dict[str, Any]
    ) -> None:
        page = open_context(storage_state=signed_in_states["resident"]).new_page()
        page.goto("/initiatives/new")
        title = page.get_by_label("Naslov")
        assert "Največ 150 znakov." in page.locator("#title-limit").inner_text()
        counter = page.locator("#title ~ .field__counter")
        assert counter.inner_text() == "Število znakov: 0 od 150"
        title.fill("Klop na postaji")
        assert counter.inner_text() == "Število znakov: 15 od 150"
        title.fill("x" * 200)  # the browser keeps to the limit, and the counter says so
        assert title.input_value() == "x" * 150
        assert counter.inner_text() == "Število znakov: 150 od 150"

    def test_without_javascript_the_limit_is_still_said(
        self, open_context: Any, signed_in_states: dict[str, Any]
    ) -> None:
        context = open_context(
            storage_state=signed_in_states["resident"], java_script_enabled=False
        )
        page = context.new_page()
        page.goto("/initiatives/new")
        assert page.locator("#title-limit").is_visible()
        assert page.locator(".field__counter").count() == 0


class TestShare:
    def test_copy_link_copies_and_says_so(
        self, open_context: Any, live_server: LiveServer, axe_source: str
    ) -> None:
        context = open_context(viewport=SMALL_PHONE)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page = context.new_page()
        page.goto("/initiatives/1")
        link = page.locator("#share-link").input_value()
        assert link.startswith(live_server.url + "/initiatives/1-")
        button = page.get_by_role("button", name="Kopiraj povezavo")
        assert button.is_visible()
        button.click()
        status = page.get_by_role("status").filter(has_text="Povezava je kopirana.")
        status.wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == link
        violations = axe_violations(page, axe_source)
        assert not violations, describe_violations(violations)

    def test_without_javascript_the_link_and_the_email_remain(self, open_context: Any) -> None:
        page = open_context(java_script_enabled=False).new_page()
        page.goto("/initiatives/1")
        assert page.locator("#share-link").is_visible()
        assert not page.locator("button[data-copy]").is_visible()
        assert (
            page.get_by_role("link", name="Pošlji po e-pošti")
            .get_attribute("href")
            .startswith("mailto:?subject=")
        )
