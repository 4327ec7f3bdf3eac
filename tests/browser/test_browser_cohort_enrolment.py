"""An administrator enrols an intake from a CSV file: uploads it, reads the preview
(good rows and bad rows, each bad row with its number and reason), applies it and
opens the cohort's progress matrix. Then an invited learner opens the invitation,
sets a password and sees the due date. Found by label and role, as a screen-reader
user finds them."""

from __future__ import annotations

import re

import pytest

from lms.accounts import services as accounts
from lms.extensions import db
from tests.conftest import PASSWORD
from tests.learning_fixtures import EXAMPLE, import_folder

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

ROSTER = (
    "Email;Full name;Profession;Employee number\n"
    "amina.yusuf@example.org;Amina Yusuf;Resident physician;1001\n"
    "not-an-address;Bad Email;Nurse;1002\n"
    "li.wei@example.org;李伟;Registered nurse;1003\n"
    "amina.yusuf@example.org;Amina Again;;1004\n"
    "no.name@example.org;;Medical student;1005\n"
).encode("utf-8-sig")
LINK = re.compile(r"http://\S+/invitation/\S+")


@pytest.fixture
def admin(app):
    import_folder(app, EXAMPLE)
    with app.app_context():
        user = accounts.create_user(
            email="admin@example.org",
            full_name="Grace Admin",
            role="administrator",
            password=PASSWORD,
            via="cli",
        )
        db.session.commit()
        return user.email


def sign_in(page, email):
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_admin_uploads_a_roster_previews_applies_and_opens_the_matrix(page, admin, outbox):
    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Cohort name").fill("Family medicine residents, July 2027")
    page.get_by_role("button", name="Create the cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Family medicine residents, July 2027"
    )

    page.get_by_label("Course to add").select_option(label="An Example Course")
    page.get_by_label("Due date (optional)").fill("2099-06-30")
    page.get_by_role("button", name="Add the course and enrol every member").click()
    expect(page.get_by_role("status").or_(page.locator(".flash"))).to_contain_text("Course added")

    page.get_by_label("CSV file of members").set_input_files(
        {"name": "intake.csv", "mimeType": "text/csv", "buffer": ROSTER}
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of intake.csv")
    problems = page.get_by_role("heading", name="3 rows cannot be applied")
    expect(problems).to_be_visible()
    errors = page.locator("section", has=problems)
    expect(errors).to_contain_text("Row 3: “not-an-address” is not an email address.")
    expect(errors).to_contain_text("Row 5: duplicate of row 2 (amina.yusuf@example.org).")
    expect(errors).to_contain_text("Row 6: full name is missing")
    table = page.get_by_role("table", name=re.compile("Every row of the file"))
    expect(table.get_by_role("row", name=re.compile("李伟"))).to_contain_text("New account")
    assert outbox() == [], "nothing is sent before the administrator applies the file"

    page.get_by_role("button", name="Apply: add 2 people and skip 3 rows with errors").click()
    expect(page.locator(".flash-success")).to_contain_text("Applied: 2 people added")
    members = page.get_by_role("table", name=re.compile("Members, by name"))
    expect(members.get_by_role("row", name=re.compile("Amina Yusuf"))).to_contain_text("Invited")
    expect(members.get_by_role("row", name=re.compile("李伟"))).to_be_visible()

    page.get_by_role("link", name=re.compile("Progress matrix")).first.click()
    matrix = page.get_by_role("table", name=re.compile("Progress"))
    expect(matrix.get_by_role("row", name=re.compile("Amina Yusuf"))).to_be_visible()
    expect(matrix.get_by_role("row", name=re.compile("李伟"))).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("Progress of 2 learners by module"))
    ).to_be_visible()

    invitations = [m for m in outbox() if m["To"] == "amina.yusuf@example.org"]
    assert len(invitations) == 1
    link = LINK.search(invitations[0].get_content()).group(0)

    learner = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    try:
        invited = learner.new_page()
        invited.goto(link)
        expect(invited.get_by_role("heading", level=1)).to_have_text("Welcome, Amina Yusuf")
        invited.get_by_label("Choose a password").fill("a harbour lantern at dusk")
        invited.get_by_label("Type the password again").fill("a harbour lantern at dusk")
        invited.get_by_role("button", name="Set the password and sign in").click()
        expect(invited.get_by_role("heading", level=1)).to_have_text("Your learning")
        expect(invited.get_by_text("Due date: 30 June 2099.")).to_be_visible()
    finally:
        learner.close()
