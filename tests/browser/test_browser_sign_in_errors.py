"""Signing in goes wrong in ways a person can see, hear and fix, with the keyboard alone."""

from __future__ import annotations

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_the_error_summary_and_marks_the_field(page, make_user):
    user = make_user("learner", full_name="Jun Tanaka")
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the right passphrase")
    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The email address or password is not correct.")
    # The summary takes focus, so a screen reader reads it out first.
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value(user.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Your account")

    # Forgetting the password altogether names the field, and marks it invalid.
    page.get_by_label("Password", exact=True).fill("")
    page.get_by_role("button", name="Sign in").click()
    password = page.get_by_label("Password", exact=True)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Password: Enter your password.")).to_be_visible()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description("Enter your password.")
    expect(page.get_by_label("Email address")).not_to_have_attribute("aria-invalid", "true")

    summary.get_by_role("link", name="Password: Enter your password.").click()
    expect(password).to_be_focused()
    page.keyboard.type(user.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Welcome, Jun Tanaka.")


def test_the_first_tab_reaches_the_skip_link_which_leads_to_the_main_content(page):
    page.goto("/login")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    expect(skip).not_to_be_in_viewport()
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
