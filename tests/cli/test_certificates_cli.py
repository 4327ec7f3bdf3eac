"""``flask --app lms certificates verify|revoke`` through runner.invoke (issue #5)."""

from __future__ import annotations

import re

import pytest

from lms.certificates.models import format_code
from tests.certificate_fixtures import (  # noqa: F401
    NOT_FOUND,
    admin_fixture,
    audit_rows,
    certificate_row,
    certificate_rows,
    code_on_dashboard,
    finish_quick_course,
    quick_course,
)
from tests.learning_fixtures import browser_for_fixture, learner_fixture  # noqa: F401

QUICK_TITLE = "Course quick-course"  # the title write_course gives it
UNKNOWN = "2" * 13


@pytest.fixture
def code(app, tmp_path, learner) -> str:
    """The code of a certificate the signed-in ``learner`` earned."""
    finish_quick_course(learner, quick_course(app, tmp_path))
    return code_on_dashboard(learner)


def verify(runner, code: str):
    return runner.invoke(args=["certificates", "verify", code])


def revoke(runner, code: str, *reason: str):
    args = ["certificates", "revoke", code]
    if reason:
        args += ["--reason", *reason]
    return runner.invoke(args=args)


LABELS = ("Certificate", "Status", "Name", "Course version", "Course", "Credit hours", "Completed")


def facts(output: str) -> dict[str, str]:
    """The ``Label  value`` lines of ``certificates verify`` as a dict."""
    found = {}
    for line in output.splitlines():
        for label in LABELS:
            if line.startswith(label + " "):
                found[label] = line[len(label) :].strip()
                break
    return found


# -- verify --------------------------------------------------------------------------------


def test_verify_prints_the_facts_and_the_status(app, runner, code, learner):
    row = certificate_row(app, code)

    result = verify(runner, code)

    assert result.exit_code == 0, result.output
    assert facts(result.output) == {
        "Certificate": format_code(code),
        "Status": "valid",
        "Name": learner.user.full_name,
        "Course": QUICK_TITLE,
        "Credit hours": "1.5",
        "Completed": row["completed_at"].date().isoformat(),
        "Course version": "1",
    }


@pytest.mark.parametrize(
    "typed",
    [str.lower, format_code, lambda c: f" {c[:4].lower()} {c[4:8]}-{c[8:]} "],
    ids=["lowercase", "grouped", "spaced"],
)
def test_verify_forgives_case_and_spacing(app, runner, code, typed):
    result = verify(runner, typed(code))
    assert result.exit_code == 0, result.output
    assert facts(result.output)["Certificate"] == format_code(code)


def test_verify_prints_what_the_page_shows(app, runner, code):
    page = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    printed = facts(verify(runner, code).output)
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert shown["Name"] == printed["Name"]
    assert shown["Course"] == printed["Course"]
    assert shown["Credit"] == f"{printed['Credit hours']} hours"
    assert shown["Course version"] == printed["Course version"]
    row = certificate_row(app, code)
    assert shown["Completed"] == row["completed_at"].strftime("%d %B %Y")
    assert printed["Completed"] == row["completed_at"].strftime("%Y-%m-%d")


@pytest.mark.parametrize("typed", [UNKNOWN, "abc", "<script>", "0O1I0O1I0O1I0", "x" * 10_000, ""])
def test_verify_an_unknown_code_exits_1_with_a_message(app, runner, code, typed):
    result = verify(runner, typed)

    assert result.exit_code == 1
    assert NOT_FOUND in result.output
    assert "Traceback" not in result.output
    assert "Name" not in result.output


def test_verify_a_revoked_certificate_gives_the_date(app, runner, code):
    assert revoke(runner, code, "Completed by someone else").exit_code == 0
    row = certificate_row(app, code)

    result = verify(runner, code)

    assert result.exit_code == 0
    assert facts(result.output)["Status"] == f"revoked on {row['revoked_at']:%Y-%m-%d}"


def test_verify_a_superseded_certificate_names_the_new_one(app, runner, code, learner, admin):
    response = learner.post(
        "/account/profile", {"full_name": "A Corrected Name", "profession": "Nurse"}
    )
    assert response.status_code == 302
    assert admin.post(f"/admin/certificates/{code}/reissue").status_code == 302
    (new,) = [r for r in certificate_rows(app) if r["code"] != code]
    old = certificate_row(app, code)

    old_facts = facts(verify(runner, code).output)
    new_facts = facts(verify(runner, new["code"]).output)

    assert old_facts["Status"] == (
        f"superseded on {old['superseded_at']:%Y-%m-%d} by {format_code(new['code'])}"
    )
    assert old_facts["Name"] == learner.user.full_name
    assert new_facts["Status"] == "valid"
    assert new_facts["Name"] == "A Corrected Name"


# -- revoke --------------------------------------------------------------------------------


def test_revoke_records_the_reason_and_the_audit_trail(app, runner, code):
    result = revoke(runner, code, "  Completed by   someone else ")

    assert result.exit_code == 0, result.output
    assert f"Certificate {format_code(code)} is revoked." in result.output
    row = certificate_row(app, code)
    assert row["revoked_at"] is not None
    assert row["revoked_reason"] == "Completed by someone else"
    (event,) = audit_rows(app, "certificate.revoke")
    assert event["via"] == "cli"
    assert event["actor_id"] is None
    assert event["target_type"] == "certificate"
    assert event["target_id"] == code
    assert event["after"] == {"status": "revoked", "reason": "Completed by someone else"}
    # The public page says so.
    page = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert f"<strong>Revoked</strong> on {row['revoked_at']:%d %B %Y}" in page


def test_revoke_accepts_the_code_as_printed(app, runner, code):
    result = revoke(runner, format_code(code).lower(), "Issued in error")
    assert result.exit_code == 0, result.output
    assert certificate_row(app, code)["revoked_at"] is not None


def test_revoking_twice_says_so_and_changes_nothing(app, runner, code):
    assert revoke(runner, code, "First reason").exit_code == 0
    before = certificate_row(app, code)

    result = revoke(runner, code, "Second reason")

    assert result.exit_code == 1
    assert f"already revoked on {before['revoked_at']:%d %B %Y}" in result.output
    assert certificate_row(app, code) == before
    assert len(audit_rows(app, "certificate.revoke")) == 1


def test_revoke_needs_the_reason_option(app, runner, code):
    before = certificate_row(app, code)

    result = revoke(runner, code)

    assert result.exit_code == 2
    assert "--reason" in result.output
    assert certificate_row(app, code) == before
    assert audit_rows(app, "certificate.revoke") == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give a reason"),
        ("   ", "Give a reason"),
        ("r" * 501, "at most 500 characters"),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_revoke_refuses_a_bad_reason(app, runner, code, reason, message):
    before = certificate_row(app, code)

    result = revoke(runner, code, reason)

    assert result.exit_code == 1
    assert message in result.output
    assert certificate_row(app, code) == before
    assert audit_rows(app, "certificate.revoke") == []


@pytest.mark.parametrize("typed", [UNKNOWN, "abc", "x" * 10_000])
def test_revoke_an_unknown_code_exits_1(app, runner, code, typed):
    before = certificate_rows(app)

    result = revoke(runner, typed, "Any reason")

    assert result.exit_code == 1
    assert NOT_FOUND in result.output
    assert certificate_rows(app) == before
    assert audit_rows(app, "certificate.revoke") == []
