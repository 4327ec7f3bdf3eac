"""Every page has the landmarks a screen reader jumps between, and every control and link
a name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from lms.accounts import services

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

# Controls a person can reach; elements with the hidden attribute are not.
CONTROLS = "a[href], input:not([type=hidden]):not([hidden]), select, textarea, button"
NOT_BLANK = re.compile(r"\S")


def expect_landmarks_and_named_controls(page) -> None:
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    for control in page.locator(CONTROLS).all():
        expect(control).to_have_accessible_name(NOT_BLANK)


@pytest.mark.parametrize("path", ["/login", "/forgot-password", "/support"])
def test_public_pages_have_landmarks_and_named_controls(page, path):
    page.goto(path)
    expect_landmarks_and_named_controls(page)


def test_the_setup_page_has_landmarks_and_named_controls(page, app):
    with app.app_context():
        link = services.setup_link()
    assert link
    page.goto(urlsplit(link).path)
    expect_landmarks_and_named_controls(page)


def test_signed_in_pages_have_landmarks_and_named_controls(page, make_user):
    user = make_user("administrator")
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()

    for path in ("/", "/account", "/admin/users"):
        page.goto(path)
        expect_landmarks_and_named_controls(page)
