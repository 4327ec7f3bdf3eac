"""The first run: ``flask --app lms setup`` prints a link; the first administrator is
created through it, signs in and finds the user list. Fields are found by their labels,
as a person (or a screen reader) finds them."""

from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

SETUP_LINK = re.compile(r"^\s*(https?://\S+/setup/\S+)\s*$", re.MULTILINE)
PASSWORD = "harbour lantern quietly ninety"


@pytest.fixture
def app(fresh_app):
    """A site on an empty database, as on the first day: ``setup`` migrates it."""
    return fresh_app


def test_creates_the_first_admin_through_the_setup_link_and_logs_in(page, runner, live_server):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "No administrator exists yet" in result.output
    match = SETUP_LINK.search(result.output)
    assert match, result.output
    link = match.group(1)
    assert link.startswith(live_server + "/setup/")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Create the first administrator")
    page.get_by_label("Full name").fill("Amara Okafor")
    page.get_by_label("Email address").fill("amara.okafor@example.org")
    page.get_by_label("Profession or training level").fill("Attending physician")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create the administrator").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text(
        "Your administrator account is ready. Sign in to continue."
    )

    page.get_by_label("Email address").fill("amara.okafor@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("status")).to_have_text("Welcome, Amara Okafor.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your learning")
    users_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Users")
    expect(users_link).to_be_visible()

    users_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    row = page.get_by_role("row").filter(has_text="amara.okafor@example.org")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [
            "Amara Okafor",
            "amara.okafor@example.org",
            "Attending physician",
            "Administrator",
            "Active",
            re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"),
        ]
    )

    # The link works once: now that an administrator exists it leads nowhere.
    response = page.goto(link)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
