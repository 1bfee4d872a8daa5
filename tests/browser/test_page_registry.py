"""The page registry keeps up with the app: a new page cannot skip the browser checks.

No browser is needed here (these tests run with ``-m "not browser"`` too): the guard compares
the app's ``url_map`` with the paths and form actions registered in ``pages.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule

from tests.browser.pages import NOT_PAGES, PAGES, Page, Submit

#: POST routes that answer with a redirect (or a plain error status), never with a form page
#: of their own, so they have no error state to check.
NOT_FORM_PAGES = frozenset(
    {
        "auth.logout",  # ends the session, redirects to the provider's sign-out
        "auth.backchannel_logout",  # JSON for the eID provider, not for people
        "account.end_all_sessions",  # redirects to the signed-out page
        "admin.residency",  # yes/no buttons; anything else is a 400
        "admin.revoke",  # a button per role; redirects back to the account
        "admin.feedback_handled",  # a button per message; redirects back to the list
        "initiatives.submit",  # a button; redirects to the initiative
        "initiatives.unsubmit",  # a button; redirects to the initiative
        "initiatives.publish",  # a button; redirects (also when the text changed meanwhile)
        "initiatives.support",  # a button; redirects to the initiative
        "initiatives.unsupport",  # a button; redirects to the initiative
        "initiatives.withdraw",  # the confirmation's button; its GET page is registered
        "initiatives.delete",  # the confirmation's button; its GET page is registered
        "initiatives.remove_attachment",  # a button per attachment; redirects back
        "questions.publish",  # a button; redirects (also when the text changed meanwhile)
        "questions.support",  # a button; redirects to the question
        "questions.unsupport",  # a button; redirects to the question
        "questions.withdraw",  # the confirmation's button; its GET page is registered
        "admin.confirm_rule",  # a button per rule; redirects back to the rules
        "admin.remove_day",  # a button per added day; redirects back to the rules
        "replies.submit",  # a button; redirects (what is missing is said on the letter's page)
        "replies.approve",  # a button; redirects to the letter
        "replies.correct",  # a button; redirects to the correction's form
        "replies.delete",  # a button; redirects to the letters in the works
        "replies.remove_annex",  # a button per annex; redirects back to the letter
        "follows.follow",  # a button; redirects back to the page it was on
        "follows.unfollow",  # a button; redirects back to the page it was on
        "notifications.mark_all_read",  # a button; redirects to the notifications
        # Radio buttons of which one is always chosen, and a checkbox: only a forged value is
        # refused (the account page with 422, tests/follows and tests/notifications).
        "notifications.settings",
        "notifications.unsubscribe",  # one button; the page says it is done (or the link bad)
        "projects.remove_link",  # a button per link; redirects back to the project
    }
)


def _name(rule: Rule) -> str:
    return f"{rule.endpoint} {rule.rule}"


def _rule(adapter: MapAdapter, path: str, method: str) -> str | None:
    """The route (``endpoint rule``) that answers ``method path``, if there is one."""
    try:
        rule, _ = adapter.match(urlsplit(path).path, method=method, return_rule=True)
    except HTTPException:  # no such route (the not-found page), or a redirect to one
        return None
    return _name(rule)


def missing_pages(app: Flask, pages: Iterable[Page], not_pages: frozenset[str]) -> list[str]:
    """The GET routes (``endpoint rule``) that no registered page visits, except non-pages.

    Rules, not endpoints, are compared: a second address of a page (``/initiatives/<id>-<slug>``)
    renders through other code paths of the URL building and is checked on its own.
    """
    adapter = app.url_map.bind("localhost")
    covered = {_rule(adapter, page.path, "GET") for page in pages}
    return sorted(
        _name(rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and rule.endpoint != "static"
        and rule.endpoint not in not_pages
        and _name(rule) not in covered
    )


def missing_error_states(
    app: Flask, pages: Iterable[Page], not_form_pages: frozenset[str]
) -> list[str]:
    """The POST routes that answer with a form page, but whose error state nobody checks."""
    adapter = app.url_map.bind("localhost")
    covered = {_rule(adapter, page.submit.action, "POST") for page in pages if page.submit}
    return sorted(
        _name(rule)
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and rule.endpoint not in not_form_pages
        and _name(rule) not in covered
    )


def test_every_html_page_is_registered(app: Flask) -> None:
    missing = missing_pages(app, PAGES, NOT_PAGES)
    assert not missing, (
        "These GET routes are in no page of tests/browser/pages.py. Register a page for each "
        "(with demo data that renders it), or add the endpoint to NOT_PAGES with a comment "
        "saying what it serves instead of HTML:\n  " + "\n  ".join(missing)
    )


def test_every_form_is_checked_in_its_error_state(app: Flask) -> None:
    missing = missing_error_states(app, PAGES, NOT_FORM_PAGES)
    assert not missing, (
        "These POST routes answer with a form page, but no page of tests/browser/pages.py "
        "sends them invalid data (Page(..., submit=Submit(action, ...))). Register one, or add "
        "the endpoint to NOT_FORM_PAGES with a comment if it only redirects:\n  "
        + "\n  ".join(missing)
    )


def test_every_registered_address_is_a_route(app: Flask) -> None:
    """A mistyped path would check the not-found page instead of the page meant."""
    adapter = app.url_map.bind("localhost")
    wrong = [
        page.name
        for page in PAGES
        if page.status != 404 and _rule(adapter, page.path, "GET") is None
    ]
    wrong += [
        f"{page.name} (form {page.submit.action})"
        for page in PAGES
        if page.submit and _rule(adapter, page.submit.action, "POST") is None
    ]
    assert not wrong


def test_the_lists_of_exceptions_name_real_endpoints(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not NOT_PAGES - endpoints
    assert not NOT_FORM_PAGES - endpoints


def test_page_names_are_unique() -> None:
    # The name is the test id and the screenshot's file name.
    names = [page.name for page in PAGES]
    assert len(names) == len(set(names))


# --- the guard itself can fail --------------------------------------------------------------


def _reports() -> str:
    return "<h1>Reports</h1>"


@pytest.fixture
def app_with_reports(app_for: Callable[..., Flask]) -> Flask:
    """The real app, plus a new page and form that no one has registered yet."""
    other = app_for()
    other.add_url_rule("/reports/<int:number>", "reports.detail", _reports)
    other.add_url_rule("/reports/new", "reports.new", _reports, methods=["GET", "POST"])
    return other


def test_an_unregistered_page_fails_the_guard(app_with_reports: Flask) -> None:
    assert missing_pages(app_with_reports, PAGES, NOT_PAGES) == [
        "reports.detail /reports/<int:number>",
        "reports.new /reports/new",
    ]
    assert missing_error_states(app_with_reports, PAGES, NOT_FORM_PAGES) == [
        "reports.new /reports/new"
    ]


def test_registering_the_page_or_its_exception_satisfies_the_guard(
    app_with_reports: Flask,
) -> None:
    pages = [
        *PAGES,
        Page("report", "/reports/7"),
        Page("report-new-errors", "/reports/new", 422, submit=Submit("/reports/new")),
    ]
    assert missing_pages(app_with_reports, pages, NOT_PAGES) == []
    assert missing_error_states(app_with_reports, pages, NOT_FORM_PAGES) == []
    # Or: the page is declared not to be HTML, the form not to have an error page.
    reports = frozenset({"reports.detail", "reports.new"})
    assert missing_pages(app_with_reports, PAGES, NOT_PAGES | reports) == []
    assert missing_error_states(app_with_reports, PAGES, NOT_FORM_PAGES | {"reports.new"}) == []
