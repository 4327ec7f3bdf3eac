"""Certificates through the browser (issue #5): issuing once on completion, the public
verification page, revoking and re-issuing by the administrator, the learner's files
(PDF, Open Badge, transcript) and who may download what.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from lms.certificates import openbadges
from lms.certificates.models import format_code
from tests.certificate_fixtures import (  # noqa: F401
    CODE_RE,
    EXAMPLE_CREDIT_HOURS,
    EXAMPLE_TITLE,
    NOT_FOUND,
    QUICK_LESSON,
    admin_fixture,
    audit_rows,
    certificate_row,
    certificate_rows,
    certified_fixture,
    code_on_dashboard,
    finish_example_course,
    finish_quick_course,
    pdf_text,
    quick_course,
    squeeze,
)
from tests.http.conftest import page_text
from tests.learning_fixtures import (  # noqa: F401
    EVALUATION,
    RIGHT,
    SLUG,
    browser_for_fixture,
    completions_fixture,
    copy_example,
    enrolled_fixture,
    enrollment_of,
    example_course_fixture,
    import_folder,
    learner_fixture,
)

COURSE = f"/courses/{SLUG}"
OB3 = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "openbadges3"
SCHEMA = OB3 / "schema" / "ob_v3p0_achievementcredential_schema.json"
# What /verify/<code> may cost, whatever the status and the number of certificates.
VERIFY_QUERY_LIMIT = 4


def day(moment) -> str:
    """A date as the pages write it: 05 March 2026."""
    return moment.strftime("%d %B %Y")


def change_name(browser, full_name: str, profession: str = "Resident physician") -> None:
    """The learner corrects their name on the account page."""
    response = browser.post("/account/profile", {"full_name": full_name, "profession": profession})
    assert response.status_code == 302, page_text(response)


def admin_post(admin, action: str, code: str, **data):
    """The administrator sends the revoke or re-issue form of certificate ``code``."""
    return admin.post(f"/admin/certificates/{code}/{action}", data)


def flashed(browser, response) -> str:
    """The page a redirect leads to (where its flashed message is shown)."""
    assert response.status_code == 302, response.status_code
    return browser.text(response.headers["Location"])


# -- issuing exactly once ------------------------------------------------------------------


def test_completing_the_course_issues_one_certificate_with_its_facts(app, enrolled, completions):
    finish_example_course(enrolled)

    rows = certificate_rows(app)
    assert len(rows) == 1
    row = rows[0]
    enrollment = enrollment_of(app, enrolled.user)
    assert completions == [(enrollment["id"], enrollment["completed_version_id"])]
    assert row["enrollment_id"] == enrollment["id"]
    assert row["user_id"] == enrolled.user.id
    assert row["learner_name"] == enrolled.user.full_name
    assert row["course_title"] == EXAMPLE_TITLE
    assert row["credit_hours"] == EXAMPLE_CREDIT_HOURS
    assert row["course_version_number"] == 1
    assert row["version_id"] == enrollment["completed_version_id"]
    assert row["completed_at"] == enrollment["completed_at"]
    assert CODE_RE.match(row["code"]), row["code"]
    assert (row["revoked_at"], row["superseded_at"], row["replaces_id"]) == (None, None, None)


def test_repeating_the_last_step_and_opening_pages_keeps_one_certificate(app, certified):
    browser = certified.browser
    before = certificate_rows(app)
    assert len(before) == 1

    # The last step again: the evaluation (refused), and the post-test (no attempt left).
    browser.evaluate(EVALUATION)
    browser.start("posttest")
    browser.complete("going-further", "gift")
    for path in ("/dashboard", COURSE, f"{COURSE}/evaluation", "/transcript", "/courses"):
        assert browser.get(path).status_code == 200, path
    browser.get(f"/verify/{certified.code}")
    browser.get(f"/certificates/{certified.code}.pdf")

    assert certificate_rows(app) == before
    assert code_on_dashboard(browser) == certified.code


def test_each_learner_gets_a_certificate_of_their_own(app, certified, make_user, browser_for):
    other = browser_for(make_user(full_name="Amara Okafor"))
    other.enrol()
    finish_example_course(other)

    rows = certificate_rows(app)
    assert len(rows) == 2
    assert len({row["code"] for row in rows}) == 2
    assert {row["learner_name"] for row in rows} == {certified.user.full_name, "Amara Okafor"}
    assert code_on_dashboard(other) != certified.code


def _new_version(app, root: Path, *, title: str, credit_hours: float) -> int:
    folder = copy_example(root)
    toml = folder / "course.toml"
    text = toml.read_text("utf-8")
    text = text.replace(f'title = "{EXAMPLE_TITLE}"', f'title = "{title}"')
    text = text.replace(f"credit_hours = {EXAMPLE_CREDIT_HOURS}", f"credit_hours = {credit_hours}")
    toml.write_text(text, "utf-8")
    return import_folder(app, folder)


def test_the_certificate_records_the_version_completed_and_keeps_it(
    app, tmp_path, example_course, learner
):
    assert _new_version(app, tmp_path / "v2", title="A Revised Course", credit_hours=2) == 2
    learner.enrol()
    finish_example_course(learner)
    code = code_on_dashboard(learner)

    # A later version of the course changes nothing on the certificate.
    assert _new_version(app, tmp_path / "v3", title="A Third Title", credit_hours=7) == 3
    row = certificate_row(app, code)
    assert (row["course_title"], row["credit_hours"], row["course_version_number"]) == (
        "A Revised Course",
        2,
        2,
    )
    page = page_text(app.test_client().get(f"/verify/{code}"))
    assert "A Revised Course" in page
    assert "A Third Title" not in page
    assert "<dt>Course version</dt><dd>2</dd>" in page
    assert "<dt>Credit</dt><dd>2 hours</dd>" in page


def test_the_certificate_keeps_the_name_the_account_had(app, certified):
    old_name = certified.user.full_name
    change_name(certified.browser, "Corrected Name Afterwards")

    assert certificate_row(app, certified.code)["learner_name"] == old_name
    page = page_text(app.test_client().get(f"/verify/{certified.code}"))
    assert old_name in page
    assert "Corrected Name Afterwards" not in page
    text = pdf_text(certified.browser.get(f"/certificates/{certified.code}.pdf").data)
    assert old_name in text
    assert "Corrected Name Afterwards" not in text


# -- the public verification page ----------------------------------------------------------


@pytest.fixture
def private_learner(app, make_user, browser_for, example_course):
    """A learner whose e-mail address and profession must never be shown publicly."""
    user = make_user(
        email="zoe.private-address@example.org",
        full_name="Zoë Ångström-Nguyễn",
        profession="Paediatric nurse specialist",
    )
    browser = browser_for(user)
    browser.enrol()
    finish_example_course(browser)
    return browser


def test_the_verification_page_needs_no_account_and_shows_only_the_facts(app, private_learner):
    code = code_on_dashboard(private_learner)
    row = certificate_row(app, code)

    response = app.test_client().get(f"/verify/{code}")

    assert response.status_code == 200
    page = page_text(response)
    assert "Valid." in page
    assert format_code(code) in page
    for fact in (
        "<dt>Name</dt><dd>Zoë Ångström-Nguyễn</dd>",
        f"<dt>Course</dt><dd>{EXAMPLE_TITLE}</dd>",
        "<dt>Credit</dt><dd>0.5 hours</dd>",
        f"<dt>Completed</dt><dd>{day(row['completed_at'])}</dd>",
        "<dt>Course version</dt><dd>1</dd>",
    ):
        assert fact in page, fact
    for private in ("zoe.private-address", "example.org", "Paediatric", "nurse specialist"):
        assert private not in page, private
    assert len(re.findall(r"<dt>", page)) == 5


def test_a_revoked_certificate_says_so_with_the_date(app, certified, admin):
    admin_post(admin, "revoke", certified.code, reason="Completed by someone else")
    row = certificate_row(app, certified.code)

    page = page_text(app.test_client().get(f"/verify/{certified.code}"))

    assert f"<strong>Revoked</strong> on {day(row['revoked_at'])}" in page
    assert "Valid." not in page
    assert certified.user.full_name in page


def test_a_superseded_certificate_points_to_the_new_one(app, certified, admin):
    change_name(certified.browser, "Nadia Haddad-Corrected")
    response = admin_post(admin, "reissue", certified.code)
    assert response.status_code == 302
    new = [r for r in certificate_rows(app) if r["code"] != certified.code]
    assert len(new) == 1
    new_code = new[0]["code"]

    old_page = page_text(app.test_client().get(f"/verify/{certified.code}"))
    assert "<strong>Replaced</strong>" in old_page
    assert f'<a href="/verify/{new_code}">{format_code(new_code)}</a>' in old_page
    assert "Valid." not in old_page
    assert certified.user.full_name in old_page

    new_page = page_text(app.test_client().get(f"/verify/{new_code}"))
    assert "Valid." in new_page
    assert "<dt>Name</dt><dd>Nadia Haddad-Corrected</dd>" in new_page


def _without_echo(page: str) -> str:
    """The not-found page without the code it repeats back."""
    return re.sub(r"No certificate has the code “[^”]*”", "No certificate has the code “…”", page)


UNKNOWN_WELL_FORMED = "2" * 13
NOT_CODES = [
    "abc",
    "<script>",
    '"><img src=x onerror=alert(1)>',
    "ABCD-EFGH-JKLM",  # 12 symbols
    "ABCDEFGHJKLMNP",  # 14 symbols
    "0O1I0O1I0O1I0",  # confusable symbols the alphabet leaves out
    "ÄБВГДЕЖЗИЙКЛМ",
    "%00",
    "x" * 10_000,
    "A" * 10_000,
]


@pytest.mark.parametrize(
    "code", NOT_CODES, ids=lambda c: c[:20] + (f"…{len(c)}" if len(c) > 20 else "")
)
def test_a_malformed_code_gets_the_same_calm_not_found_page(app, certified, code):
    visitor = app.test_client()
    unknown = visitor.get(f"/verify/{UNKNOWN_WELL_FORMED}")
    assert unknown.status_code == 404

    response = visitor.get(f"/verify/{code}")

    assert response.status_code == 404
    page = page_text(response)
    assert NOT_FOUND in page
    assert "<script>" not in page
    assert "<img src=x" not in page
    if len(code) > 64:
        assert code not in page  # not repeated back in full
    assert _without_echo(page) == _without_echo(page_text(unknown))


def test_an_unknown_well_formed_code_is_not_found(app, certified):
    response = app.test_client().get(f"/verify/{UNKNOWN_WELL_FORMED}")
    assert response.status_code == 404
    page = page_text(response)
    assert f"No certificate has the code “{UNKNOWN_WELL_FORMED}”" in page
    assert certified.user.full_name not in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: f"{c[:4].lower()} {c[4:8]} {c[8:].lower()}",
        lambda c: format_code(c).lower(),
        lambda c: f"  {format_code(c)}  ",
        lambda c: f"{c[:4]}-{c[4:8].lower()} - {c[8:]}",
    ],
    ids=["lowercase", "spaces", "grouped-lowercase", "padded", "mixed"],
)
def test_a_typed_code_redirects_to_its_canonical_page(app, certified, typed):
    visitor = app.test_client()

    response = visitor.get("/verify", query_string={"code": typed(certified.code)})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{certified.code}"
    assert "Valid." in page_text(visitor.get(response.headers["Location"]))


@pytest.mark.parametrize(
    "typed", ["abc", "<script>alert(1)</script>", UNKNOWN_WELL_FORMED, "y" * 10_000]
)
def test_a_typed_code_that_is_not_a_certificate_is_not_found(app, certified, typed):
    # A well-formed code goes to its page first; either way the answer is not found.
    response = app.test_client().get("/verify", query_string={"code": typed}, follow_redirects=True)
    assert response.status_code == 404
    page = page_text(response)
    assert NOT_FOUND in page
    assert "<script>alert" not in page
    assert len(page) < 20_000


def test_the_verification_form_is_open_to_anyone(client):
    response = client.get("/verify")
    assert response.status_code == 200
    assert 'name="code"' in page_text(response)
    assert NOT_FOUND not in page_text(response)


def test_the_verification_page_costs_a_fixed_small_number_of_queries(
    app, tmp_path, make_user, browser_for, admin, count_queries
):
    slug = quick_course(app, tmp_path)
    browsers = [browser_for(make_user()) for _ in range(6)]
    for browser in browsers:
        finish_quick_course(browser, slug)
    codes = [code_on_dashboard(b) for b in browsers]
    admin_post(admin, "revoke", codes[1], reason="Issued in error")
    change_name(browsers[2], "A Corrected Name")
    admin_post(admin, "reissue", codes[2])
    visitor = app.test_client()

    def cost(path: str, status: int) -> int:
        assert visitor.get(path).status_code == status  # warm up
        with count_queries() as statements:
            assert visitor.get(path).status_code == status
        return len(statements)

    costs = {
        "valid": cost(f"/verify/{codes[0]}", 200),
        "revoked": cost(f"/verify/{codes[1]}", 200),
        "superseded": cost(f"/verify/{codes[2]}", 200),
        "unknown": cost(f"/verify/{UNKNOWN_WELL_FORMED}", 404),
        "malformed": cost("/verify/abc", 404),
    }
    assert max(costs.values()) <= VERIFY_QUERY_LIMIT, costs
    assert costs["valid"] == costs["revoked"] == costs["superseded"], costs
    # More certificates cost no more.
    for browser in [browser_for(make_user()) for _ in range(6)]:
        finish_quick_course(browser, slug)
    assert cost(f"/verify/{codes[0]}", 200) == costs["valid"]


# -- the status the Open Badge points at ---------------------------------------------------


def test_the_status_lists_the_credential_once_revoked(app, certified, admin):
    credential = certified.browser.get(f"/certificates/{certified.code}/credential.json").json
    visitor = app.test_client()
    status_url = f"/verify/{certified.code}/status"
    assert credential["credentialStatus"]["id"].endswith(status_url)

    before = visitor.get(status_url)
    assert before.status_code == 200
    assert before.json["revokedCredentials"] == []
    assert before.json["status"] == "valid"
    assert not openbadges.is_revoked(credential, before.json)

    admin_post(admin, "revoke", certified.code, reason="Completed by someone else")
    after = visitor.get(status_url).json

    assert credential["id"] in [entry["id"] for entry in after["revokedCredentials"]]
    assert after["status"] == "revoked"
    assert after["revokedAt"]
    assert openbadges.is_revoked(credential, after)


def test_a_superseded_certificate_is_not_listed_as_revoked(app, certified, admin):
    change_name(certified.browser, "Nadia Haddad-Corrected")
    admin_post(admin, "reissue", certified.code)

    status = app.test_client().get(f"/verify/{certified.code}/status").json

    assert status["revokedCredentials"] == []
    assert status["status"] == "superseded"


@pytest.mark.parametrize("code", [UNKNOWN_WELL_FORMED, "abc", "<script>", "z" * 10_000])
def test_the_status_of_an_unknown_code_is_not_found(client, example_course, code):
    assert client.get(f"/verify/{code}/status").status_code == 404


# -- the administrator: revoke and re-issue -----------------------------------------------------


def test_the_administrator_finds_a_certificate_by_code_or_name(app, certified, admin):
    for query in (certified.code, format_code(certified.code).lower(), certified.user.full_name):
        page = admin.text(f"/admin/certificates?q={query}")
        assert format_code(certified.code) in page, query
        assert f'action="/admin/certificates/{certified.code}/revoke"' in page
    assert "No certificate matches." in admin.text("/admin/certificates?q=Nobody+At+All")


def test_the_administrator_revokes_a_certificate_with_a_reason(app, certified, admin):
    response = admin_post(admin, "revoke", certified.code, reason="  Completed by  someone else ")

    assert f"Certificate {format_code(certified.code)} is revoked." in flashed(admin, response)
    row = certificate_row(app, certified.code)
    assert row["revoked_at"] is not None
    assert row["revoked_reason"] == "Completed by someone else"
    events = audit_rows(app, "certificate.revoke")
    assert len(events) == 1
    event = events[0]
    assert event["actor_id"] == admin.user.id
    assert event["via"] == "web"
    assert event["target_type"] == "certificate"
    assert event["target_id"] == certified.code
    assert event["after"]["reason"] == "Completed by someone else"
    assert event["after"]["status"] == "revoked"


@pytest.mark.parametrize("reason", [None, "", "   ", "\t\n"])
def test_revoking_needs_a_reason(app, certified, admin, reason):
    before = certificate_row(app, certified.code)
    data = {} if reason is None else {"reason": reason}

    response = admin_post(admin, "revoke", certified.code, **data)

    assert "Give a reason for revoking the certificate." in flashed(admin, response)
    assert certificate_row(app, certified.code) == before
    assert audit_rows(app, "certificate.revoke") == []


def test_a_reason_that_is_too_long_is_refused(app, certified, admin):
    before = certificate_row(app, certified.code)

    response = admin_post(admin, "revoke", certified.code, reason="r" * 501)

    assert "at most 500 characters" in flashed(admin, response)
    assert certificate_row(app, certified.code) == before
    assert audit_rows(app, "certificate.revoke") == []


def test_revoking_twice_says_so_and_changes_nothing(app, certified, admin):
    admin_post(admin, "revoke", certified.code, reason="First reason")
    before = certificate_row(app, certified.code)

    response = admin_post(admin, "revoke", certified.code, reason="Second reason")

    assert f"already revoked on {before['revoked_at']:%d %B %Y}" in flashed(admin, response)
    assert certificate_row(app, certified.code) == before
    assert len(audit_rows(app, "certificate.revoke")) == 1


def test_revoking_without_the_csrf_token_changes_nothing(app, certified, admin):
    before = certificate_row(app, certified.code)

    response = admin.client.post(
        f"/admin/certificates/{certified.code}/revoke", data={"reason": "No token"}
    )

    assert response.status_code == 400
    assert certificate_row(app, certified.code) == before
    assert audit_rows(app, "certificate.revoke") == []


def test_revoking_or_reissuing_an_unknown_code_is_not_found(app, certified, admin):
    for action in ("revoke", "reissue"):
        response = admin_post(admin, action, UNKNOWN_WELL_FORMED, reason="x")
        assert response.status_code == 404
        assert admin_post(admin, action, "<script>", reason="x").status_code == 404
    assert len(certificate_rows(app)) == 1
    assert audit_rows(app, "certificate.revoke") == []


def test_reissuing_after_a_name_correction(app, certified, admin):
    old_name = certified.user.full_name
    change_name(certified.browser, "Nadia Haddad-Corrected")

    response = admin_post(admin, "reissue", certified.code)

    rows = {row["code"]: row for row in certificate_rows(app)}
    assert len(rows) == 2
    old = rows.pop(certified.code)
    (new,) = rows.values()
    message = f"Certificate {format_code(new['code'])} replaces {format_code(certified.code)}."
    assert message in flashed(admin, response)
    assert old["learner_name"] == old_name
    assert old["superseded_at"] is not None
    assert new["learner_name"] == "Nadia Haddad-Corrected"
    assert new["replaces_id"] == old["id"]
    assert new["superseded_at"] is None
    assert CODE_RE.match(new["code"])
    for fact in ("enrollment_id", "course_title", "credit_hours", "course_version_number"):
        assert new[fact] == old[fact], fact
    assert new["completed_at"] == old["completed_at"]
    # The learner's dashboard now links the new certificate only.
    assert code_on_dashboard(certified.browser) == new["code"]
    events = audit_rows(app, "certificate.reissue")
    assert [(e["target_id"], e["actor_id"]) for e in events] == [(certified.code, admin.user.id)]


def test_reissuing_without_a_name_change_says_so_and_changes_nothing(app, certified, admin):
    before = certificate_rows(app)

    response = admin_post(admin, "reissue", certified.code)

    assert "correct the name first" in flashed(admin, response)
    assert certificate_rows(app) == before
    assert audit_rows(app, "certificate.reissue") == []


def test_a_superseded_certificate_cannot_be_reissued_again(app, certified, admin):
    change_name(certified.browser, "Nadia Haddad-Corrected")
    admin_post(admin, "reissue", certified.code)
    change_name(certified.browser, "Nadia Haddad-Twice")
    before = certificate_rows(app)

    response = admin_post(admin, "reissue", certified.code)

    assert "already been replaced" in flashed(admin, response)
    assert certificate_rows(app) == before


def test_the_admin_page_offers_no_action_on_a_revoked_certificate(app, certified, admin):
    admin_post(admin, "revoke", certified.code, reason="Issued in error")
    page = admin.text(f"/admin/certificates?q={certified.code}")
    assert "revoked" in page
    assert f"/admin/certificates/{certified.code}/revoke" not in page
    assert f"/admin/certificates/{certified.code}/reissue" not in page


# -- who may see what ----------------------------------------------------------------------


@pytest.fixture
def other_learner(make_user, browser_for, example_course):
    """A second learner who completed the example course."""
    browser = browser_for(make_user(full_name="Other Learner"))
    browser.enrol()
    finish_example_course(browser)
    return browser


@pytest.mark.parametrize("path", ["/certificates/{}.pdf", "/certificates/{}/credential.json"])
def test_a_learner_cannot_download_another_learners_files(app, certified, other_learner, path):
    theirs = code_on_dashboard(other_learner)

    response = certified.browser.get(path.format(theirs))

    assert response.status_code == 404
    assert b"Other Learner" not in response.data
    # The same as for a code that does not exist.
    assert certified.browser.get(path.format(UNKNOWN_WELL_FORMED)).status_code == 404
    assert certified.browser.get(path.format(certified.code)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/certificates/{}.pdf",
        "/certificates/{}/credential.json",
        "/transcript",
        "/transcript.pdf",
        "/transcript.csv",
        "/admin/certificates",
        "/admin/courses/example-course/certificates.zip",
    ],
)
def test_a_visitor_is_asked_to_sign_in(app, certified, path):
    response = app.test_client().get(path.format(certified.code))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_administrator_can_download_any_certificate(app, certified, admin):
    pdf = admin.get(f"/certificates/{certified.code}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert certified.user.full_name in pdf_text(pdf.data)
    credential = admin.get(f"/certificates/{certified.code}/credential.json")
    assert credential.status_code == 200
    assert openbadges.verify(credential.json)


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_only_administrators_manage_certificates(app, certified, make_user, browser_for, role):
    someone = certified.browser if role == "learner" else browser_for(make_user(role))
    before = certificate_rows(app)

    for path in (
        "/admin/certificates",
        f"/admin/certificates?q={certified.code}",
        "/admin/courses/example-course/certificates.zip",
        "/admin/courses/no-such-course/certificates.zip",
    ):
        assert someone.get(path).status_code == 404, path
    assert (
        someone.post(f"/admin/certificates/{certified.code}/revoke", {"reason": "x"}).status_code
        == 404
    )
    change_name(certified.browser, "Nadia Haddad-Corrected")
    assert someone.post(f"/admin/certificates/{certified.code}/reissue").status_code == 404

    assert certificate_rows(app) == before
    assert audit_rows(app, "certificate.revoke") == []


def test_the_course_zip_holds_one_pdf_per_current_certificate(
    app, tmp_path, make_user, browser_for, admin
):
    slug = quick_course(app, tmp_path)
    browsers = [browser_for(make_user(full_name=f"Learner Number {n}")) for n in range(3)]
    for browser in browsers:
        finish_quick_course(browser, slug)
    codes = [code_on_dashboard(b) for b in browsers]
    change_name(browsers[0], "Learner Number Zero")
    admin_post(admin, "reissue", codes[0])
    current = {r["code"] for r in certificate_rows(app) if r["superseded_at"] is None}
    assert len(current) == 3
    assert codes[0] not in current

    response = admin.get(f"/admin/courses/{slug}/certificates.zip")

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{slug}/certificate-{code}.pdf" for code in current)
        texts = {name: pdf_text(archive.read(name)) for name in names}
    assert (
        "Learner Number Zero" in texts[f"{slug}/certificate-{code_on_dashboard(browsers[0])}.pdf"]
    )
    assert all(f"Learner Number {n}" in " ".join(texts.values()) for n in (1, 2))
    # A course nobody completed, or that does not exist, has no zip.
    assert admin.get("/admin/courses/no-such-course/certificates.zip").status_code == 404


# -- the learner's documents ---------------------------------------------------------------


def test_the_dashboard_links_the_certificate(app, certified):
    page = certified.browser.text("/dashboard")
    assert f"Certificate {format_code(certified.code)}" in page
    assert f'href="/certificates/{certified.code}.pdf"' in page
    assert f'href="/verify/{certified.code}"' in page


def test_the_dashboard_shows_a_revoked_certificate_as_revoked(app, certified, admin):
    admin_post(admin, "revoke", certified.code, reason="Issued in error")
    assert f"Certificate {format_code(certified.code)} (revoked)" in certified.browser.text(
        "/dashboard"
    )


def test_the_certificate_pdf_opens_and_carries_the_name_and_code(app, certified):
    response = certified.browser.get(f"/certificates/{certified.code}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"certificate-{certified.code}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert certified.user.full_name in text
    assert format_code(certified.code) in text
    assert EXAMPLE_TITLE in text
    assert f"/verify/{certified.code}" in squeeze(text)


# Names in any script must render (DESIGN.md, "Certificates"); tests/unit/test_certificate_pdf.py
# covers the fonts in depth, this checks that the name travels from the account to the PDF.
# Scripts whose letters join are extracted by pypdf in drawing order, so for them only the
# absence of missing glyphs is checked.
def _needs_font(package: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(package) is None, reason=f"the font package {package} is absent"
    )


SCRIPT_NAMES = [
    pytest.param("Zoë Ångström-Nguyễn", True, id="latin"),
    pytest.param("Σωκράτης Παπαδόπουλος", True, id="greek"),
    pytest.param("Дмитрий Иванов", True, id="cyrillic"),
    pytest.param(
        "अनन्या शर्मा", True, id="devanagari", marks=_needs_font("fontpkg_noto_sans_devanagari")
    ),
    pytest.param(
        "محمد عبد الله", False, id="arabic", marks=_needs_font("fontpkg_noto_sans_arabic")
    ),
]


@pytest.mark.parametrize(("name", "extractable"), SCRIPT_NAMES)
def test_a_name_in_any_script_is_drawn_in_the_pdf(
    app, tmp_path, make_user, browser_for, caplog, name, extractable
):
    slug = quick_course(app, tmp_path)
    browser = browser_for(make_user(full_name=name))
    finish_quick_course(browser, slug)
    code = code_on_dashboard(browser)

    with caplog.at_level("WARNING", logger="fpdf"):
        response = browser.get(f"/certificates/{code}.pdf")

    assert response.status_code == 200
    missing = [r.getMessage() for r in caplog.records if "missing" in r.getMessage()]
    assert missing == []
    if extractable:
        assert name in pdf_text(response.data)


def test_the_transcript_page_lists_the_certificate(app, certified):
    page = certified.browser.text("/transcript")
    row = certificate_row(app, certified.code)
    assert EXAMPLE_TITLE in page
    assert format_code(certified.code) in page
    assert day(row["completed_at"]) in page
    assert "Total: 0.5 credit hours." in page
    for link in (
        f"/certificates/{certified.code}.pdf",
        f"/certificates/{certified.code}/credential.json",
        f"/verify/{certified.code}",
        "/transcript.pdf",
        "/transcript.csv",
    ):
        assert f'href="{link}"' in page, link


def test_an_empty_transcript_says_so(app, learner):
    assert "Courses you complete appear here" in learner.text("/transcript")
    rows = _csv_rows(learner.get("/transcript.csv"))
    assert len(rows) == 1  # the header row only


def test_the_transcript_pdf_opens_and_lists_course_and_code(app, certified):
    response = certified.browser.get("/transcript.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert EXAMPLE_TITLE in text
    assert format_code(certified.code) in text
    assert certified.user.full_name in text


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_transcript_csv_has_a_header_and_a_row_per_certificate(app, certified, tmp_path):
    title = "=SUM(1+2) Formula Safety"
    slug = quick_course(app, tmp_path, title=title)
    finish_quick_course(certified.browser, slug)

    rows = _csv_rows(certified.browser.get("/transcript.csv"))

    assert rows[0] == ["course", "credit_hours", "completed_on", "course_version", "code", "status"]
    body = rows[1:]
    assert len(body) == 2
    by_course = {row[0].lstrip("'"): row for row in body}
    assert set(by_course) == {EXAMPLE_TITLE, title}
    example = by_course[EXAMPLE_TITLE]
    row = certificate_row(app, certified.code)
    assert example[1:] == [
        "0.5",
        row["completed_at"].date().isoformat(),
        "1",
        format_code(certified.code),
        "valid",
    ]
    # A title that starts like a formula is written as text.
    formula = by_course[title][0]
    assert not formula.startswith(("=", "+", "-", "@"))
    assert formula == "'" + title


def test_the_transcript_csv_has_no_row_for_a_superseded_certificate(app, certified, admin):
    change_name(certified.browser, "Nadia Haddad-Corrected")
    admin_post(admin, "reissue", certified.code)

    rows = _csv_rows(certified.browser.get("/transcript.csv"))

    assert len(rows) == 2, rows  # header and the current certificate
    assert rows[1][4] == format_code(code_on_dashboard(certified.browser))
    assert format_code(certified.code) not in certified.browser.text("/transcript")


# -- Open Badges 3.0 -----------------------------------------------------------------------


@pytest.fixture
def credential(certified) -> dict:
    response = certified.browser.get(f"/certificates/{certified.code}/credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_credential_validates_against_the_open_badges_schema(credential):
    if not SCHEMA.is_file():
        pytest.skip(f"the Open Badges 3.0 schema is not at {SCHEMA}")
    from jsonschema import Draft201909Validator

    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(credential)
    ]
    assert errors == []


def test_the_credential_carries_the_certificates_facts(app, certified, credential):
    assert credential["id"].endswith(f"/verify/{certified.code}")
    subject = credential["credentialSubject"]
    assert subject["achievement"]["name"] == EXAMPLE_TITLE
    assert subject["creditsEarned"] == EXAMPLE_CREDIT_HOURS
    names = [i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"]
    assert names == [certified.user.full_name]
    assert certified.user.email not in json.dumps(credential)


def test_the_credential_verifies_and_tampering_breaks_it(credential):
    result = openbadges.verify(credential)
    assert result, result.reasons

    tampered = copy.deepcopy(credential)
    for identifier in tampered["credentialSubject"]["identifier"]:
        if identifier["identityType"] == "name":
            identifier["identityHash"] = "Somebody Else"
    assert not openbadges.verify(tampered)

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["creditsEarned"] = 50
    assert not openbadges.verify(tampered)


def test_the_issuer_profile_names_the_key_that_signs(app, credential):
    response = app.test_client().get("/issuer")

    assert response.status_code == 200
    profile = response.json
    assert "Profile" in profile["type"]
    assert profile["id"] == credential["issuer"]["id"]
    assert profile["name"] == credential["issuer"]["name"]
    dids = [entry["identifier"] for entry in profile["otherIdentifier"]]
    method = credential["proof"][0]["verificationMethod"]
    assert method.split("#")[0] in dids
