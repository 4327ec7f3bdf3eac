"""Certificates as services, without HTTP (issue #5): the code, issuing exactly once (also
under concurrency), the facts frozen at issue, revoking, re-issuing and who may do what.
"""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import permissions
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.certificates import services
from lms.certificates.models import CODE_LENGTH, Certificate, format_code
from lms.extensions import db, utcnow
from lms.learning import services as learning
from lms.learning.models import Enrollment
from tests.certificate_fixtures import (
    CODE_RE,
    QUICK_LESSON,
    QUICK_SLUG,
    audit_rows,
    certificate_rows,
    quick_course,
)
from tests.conftest import TEST_DATABASE_URL
from tests.learning_fixtures import completions_fixture  # noqa: F401

needs_postgresql = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="needs PostgreSQL (set LMS_TEST_DATABASE_URL): SQLite lets one writer in at a "
    "time, so two connections cannot race to issue the same certificate",
)


# -- the code ------------------------------------------------------------------------------


def test_the_alphabet_leaves_out_confusable_symbols():
    assert len(set(services.ALPHABET)) == len(services.ALPHABET) == 32
    assert set(services.ALPHABET).isdisjoint("0O1I")
    assert services.ALPHABET.upper() == services.ALPHABET
    assert CODE_LENGTH == 13


def test_a_code_carries_at_least_60_bits():
    assert CODE_LENGTH * math.log2(len(set(services.ALPHABET))) >= 60


def test_new_codes_are_well_formed_random_and_distinct():
    codes = [services.new_code() for _ in range(5000)]
    assert all(CODE_RE.match(code) for code in codes)
    assert all(len(code) == 13 and set(code) <= set(services.ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    # Every symbol is used, in every position (a weak but cheap check of the randomness).
    assert set("".join(codes)) == set(services.ALPHABET)
    for position in range(CODE_LENGTH):
        assert len({code[position] for code in codes}) == 32


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCDEFGHJKLMN", "ABCDEFGHJKLMN"),
        ("abcdefghjklmn", "ABCDEFGHJKLMN"),
        ("ABCD-EFGH-JKLMN", "ABCDEFGHJKLMN"),
        (" abcd efgh  jklmn ", "ABCDEFGHJKLMN"),
        ("abcd-EFGH_jklmn.", "ABCDEFGHJKLMN"),
        (None, None),
        ("", None),
        ("abc", None),
        ("<script>", None),
        ("ABCDEFGHJKLM", None),  # 12 symbols
        ("ABCDEFGHJKLMNP", None),  # 14 symbols
        ("0BCDEFGHJKLMN", None),
        ("OBCDEFGHJKLMN", None),
        ("1BCDEFGHJKLMN", None),
        ("IBCDEFGHJKLMN", None),
        ("ÄBCDEFGHJKLMN", None),
        ("A" + " " * 100 + "BCDEFGHJKLMN", None),  # too long to be typed
        ("A" * 10_000, None),
    ],
)
def test_a_typed_code_is_normalised_or_refused(typed, expected):
    assert services.normalise_code(typed) == expected


def test_format_code_groups_the_symbols():
    assert format_code("ABCDEFGHJKLMN") == "ABCD-EFGH-JKLMN"


# -- a course to complete ------------------------------------------------------------------


@pytest.fixture
def course(app, tmp_path) -> str:
    """A course of one lesson, complete once that lesson is (credit hours 1.5)."""
    return quick_course(app, tmp_path)


def make_learner(app, make_user, **kwargs) -> int:
    """A learner enrolled in the quick course; returns the user's id."""
    record = make_user(**kwargs)
    with app.app_context():
        user = db.session.get(User, record.id)
        learning.enrol(user, learning.course_by_slug(QUICK_SLUG), now=utcnow())
        db.session.commit()
    return record.id


@pytest.fixture
def learner_id(app, make_user, course) -> int:
    return make_learner(app, make_user, full_name="Amara Okafor")


def context(user_id: int):
    """(enrolment, version) of ``user_id`` in the quick course, in the current session."""
    user = db.session.get(User, user_id)
    course = learning.course_by_slug(QUICK_SLUG)
    version = learning.version_with_content(course.current_version_id)
    return learning.enrollment_for(user, course), version


def complete(user_id: int) -> bool:
    """Complete the course as the pages do (inside an app context); True if this completed it."""
    enrollment, version = context(user_id)
    learning.mark_lesson_complete(enrollment, *QUICK_LESSON, utcnow())
    db.session.flush()
    done = learning.complete_if_done(
        enrollment, learning.progress_for(enrollment, version), utcnow()
    )
    db.session.commit()
    return done


def mark_completed(user_id: int) -> None:
    """Record the completion without sending the signal (to call ``issue`` by hand)."""
    enrollment, version = context(user_id)
    enrollment.completed_at = utcnow()
    enrollment.completed_version_id = version.id
    db.session.commit()


def count_certificates() -> int:
    return db.session.execute(select(func.count(Certificate.id))).scalar_one()


# -- issuing exactly once ------------------------------------------------------------------


def test_completion_issues_the_certificate_through_the_signal(app, learner_id, completions):
    with app.app_context():
        assert complete(learner_id) is True
        enrollment, version = context(learner_id)
        certificate = services.current_for(enrollment.id)
        assert certificate is not None
        assert completions == [(enrollment.id, version.id)]
        assert count_certificates() == 1


def test_completing_again_issues_nothing_more(app, learner_id, completions):
    with app.app_context():
        complete(learner_id)
        first = certificate_rows(app)
        assert complete(learner_id) is False
        enrollment, version = context(learner_id)
        progress = learning.progress_for(enrollment, version)
        assert learning.complete_if_done(enrollment, progress, utcnow()) is False
        db.session.commit()
    assert certificate_rows(app) == first
    assert len(completions) == 1


def test_issuing_twice_returns_the_same_certificate(app, learner_id):
    with app.app_context():
        mark_completed(learner_id)
        enrollment, version = context(learner_id)
        first = services.issue(enrollment, version)
        db.session.commit()
        second = services.issue(enrollment, version)
        db.session.commit()
        assert second.id == first.id
        assert second.code == first.code
        assert count_certificates() == 1


def test_issuing_after_the_signal_returns_the_same_certificate(app, learner_id):
    with app.app_context():
        complete(learner_id)
        enrollment, version = context(learner_id)
        code = services.current_for(enrollment.id).code
        assert services.issue(enrollment, version).code == code
        services.on_course_completed(enrollment, version=version)
        db.session.commit()
        assert count_certificates() == 1


def test_issuing_when_another_transaction_already_did_returns_that_one(
    app, learner_id, monkeypatch
):
    """The race, played out in one connection: the check finds nothing, the insert then
    meets the row another request committed meanwhile."""
    with app.app_context():
        complete(learner_id)  # the "other request": issues and commits
        enrollment, version = context(learner_id)
        existing = services.current_for(enrollment.id)
        calls = []
        real = services.current_for

        def stale_then_real(enrollment_id):
            calls.append(enrollment_id)
            return None if len(calls) == 1 else real(enrollment_id)

        monkeypatch.setattr(services, "current_for", stale_then_real)
        result = services.issue(enrollment, version)
        db.session.commit()
        assert result is not None
        assert result.id == existing.id
        assert len(calls) == 2
        assert count_certificates() == 1


def test_a_code_that_is_already_taken_is_not_reused(app, make_user, course, monkeypatch):
    """Two learners drawing the same code (vanishingly rare, but possible): the second
    still gets a certificate, with a code of its own."""
    first_id = make_learner(app, make_user)
    second_id = make_learner(app, make_user)
    codes = iter(["ABCDEFGHJKLMN", "ABCDEFGHJKLMN", "PQRSTUVWXYZ23"])
    monkeypatch.setattr(services, "new_code", lambda: next(codes))
    with app.app_context():
        mark_completed(first_id)
        mark_completed(second_id)
        enrollment, version = context(first_id)
        services.issue(enrollment, version)
        db.session.commit()
        enrollment, version = context(second_id)
        second = services.issue(enrollment, version)
        db.session.commit()
        assert second is not None, "a colliding code left the learner without a certificate"
        assert second.code == "PQRSTUVWXYZ23"
        assert count_certificates() == 2


def test_the_database_refuses_a_second_current_certificate(app, learner_id):
    with app.app_context():
        complete(learner_id)
        enrollment, _ = context(learner_id)
        existing = services.current_for(enrollment.id)
        values = {
            c.key: getattr(existing, c.key)
            for c in Certificate.__table__.columns
            if c.key not in ("id", "code")
        }
        db.session.add(Certificate(code="PQRSTUVWXYZ23", **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert count_certificates() == 1


def test_the_database_refuses_a_code_twice(app, make_user, course):
    first_id = make_learner(app, make_user)
    second_id = make_learner(app, make_user)
    with app.app_context():
        complete(first_id)
        existing = services.current_for(context(first_id)[0].id)
        other, _ = context(second_id)
        values = {
            c.key: getattr(existing, c.key)
            for c in Certificate.__table__.columns
            if c.key not in ("id", "enrollment_id", "user_id")
        }
        db.session.add(Certificate(enrollment_id=other.id, user_id=second_id, **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert count_certificates() == 1


def test_codes_of_many_certificates_are_distinct_and_well_formed(app, make_user, course):
    ids = [make_learner(app, make_user) for _ in range(12)]
    with app.app_context():
        for user_id in ids:
            complete(user_id)
    codes = [row["code"] for row in certificate_rows(app)]
    assert len(codes) == 12
    assert len(set(codes)) == 12
    assert all(CODE_RE.match(code) for code in codes)


# -- the facts, frozen at issue ------------------------------------------------------------


def test_the_certificate_records_the_facts_of_the_completion(app, learner_id):
    with app.app_context():
        complete(learner_id)
        enrollment, version = context(learner_id)
        certificate = services.current_for(enrollment.id)
        assert certificate.learner_name == "Amara Okafor"
        assert certificate.user_id == learner_id
        assert certificate.course_title == version.title == "Course quick-course"
        assert certificate.credit_hours == version.credit_hours == 1.5
        assert certificate.course_version_number == version.number == 1
        assert certificate.version_id == version.id == enrollment.completed_version_id
        assert certificate.completed_at == enrollment.completed_at
        assert certificate.status == "valid"


def test_a_later_name_change_does_not_change_the_certificate(app, learner_id):
    with app.app_context():
        complete(learner_id)
        user = db.session.get(User, learner_id)
        accounts.update_profile(user, full_name="Amara Okafor-Mensah", profession="Nurse")
        db.session.commit()
    (row,) = certificate_rows(app)
    assert row["learner_name"] == "Amara Okafor"
    with app.app_context():
        assert services.by_code(row["code"]).learner_name == "Amara Okafor"


def test_the_certificate_of_a_named_version_keeps_its_facts(app, learner_id, tmp_path):
    with app.app_context():
        complete(learner_id)
    # A new version of the course, with another title and credit hours.
    quick_course(app, tmp_path / "v2", title="A Renamed Course")
    (row,) = certificate_rows(app)
    assert (row["course_title"], row["course_version_number"]) == ("Course quick-course", 1)


# -- finding -------------------------------------------------------------------------------


def test_by_code_accepts_a_typed_code_and_refuses_the_rest(app, learner_id):
    with app.app_context():
        complete(learner_id)
        code = services.current_for(context(learner_id)[0].id).code
        for typed in (code, code.lower(), format_code(code), f" {format_code(code).lower()} "):
            assert services.by_code(typed).code == code, typed
        for typed in (None, "", "2" * 13, "abc", "<script>", "x" * 10_000):
            assert services.by_code(typed) is None, typed


def test_search_finds_by_code_name_or_title(app, learner_id):
    with app.app_context():
        complete(learner_id)
        code = services.current_for(context(learner_id)[0].id).code
        assert [c.code for c in services.search(format_code(code).lower())] == [code]
        assert [c.code for c in services.search("okafor")] == [code]
        assert [c.code for c in services.search("QUICK-COURSE")] == [code]
        assert services.search("nobody") == []


# -- revoking ------------------------------------------------------------------------------


@pytest.fixture
def certificate_code(app, learner_id) -> str:
    with app.app_context():
        complete(learner_id)
        return services.current_for(context(learner_id)[0].id).code


def _revoke(app, code, reason, actor_id=None, via="cli"):
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        services.revoke(services.by_code(code), reason, actor=actor, via=via)
        db.session.commit()


def test_revoke_records_the_date_reason_and_audit_event(app, certificate_code, make_user):
    admin = make_user("administrator")

    _revoke(app, certificate_code, "Completed by someone else", actor_id=admin.id, via="web")

    (row,) = certificate_rows(app)
    assert row["revoked_at"] is not None
    assert row["revoked_reason"] == "Completed by someone else"
    (event,) = audit_rows(app, "certificate.revoke")
    assert (event["actor_id"], event["via"], event["target_id"]) == (
        admin.id,
        "web",
        certificate_code,
    )
    assert event["before"] == {"status": "valid"}
    assert event["after"] == {"status": "revoked", "reason": "Completed by someone else"}
    with app.app_context():
        assert services.by_code(certificate_code).status == "revoked"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, "Give a reason"),
        ("", "Give a reason"),
        (" \t\n ", "Give a reason"),
        ("r" * 501, "at most 500 characters"),
    ],
)
def test_revoke_refuses_a_missing_or_overlong_reason(app, certificate_code, reason, message):
    before = certificate_rows(app)
    with pytest.raises(services.CertificateError, match=message):
        _revoke(app, certificate_code, reason)
    assert certificate_rows(app) == before
    assert audit_rows(app, "certificate.revoke") == []


def test_revoke_twice_is_refused_and_changes_nothing(app, certificate_code):
    _revoke(app, certificate_code, "First")
    before = certificate_rows(app)

    with pytest.raises(services.CertificateError, match="already revoked on"):
        _revoke(app, certificate_code, "Second")

    assert certificate_rows(app) == before
    assert len(audit_rows(app, "certificate.revoke")) == 1


# -- re-issuing ----------------------------------------------------------------------------


def _rename(app, user_id, name):
    with app.app_context():
        user = db.session.get(User, user_id)
        accounts.update_profile(user, full_name=name, profession=user.profession)
        db.session.commit()


def _reissue(app, code) -> str:
    with app.app_context():
        replacement = services.reissue(services.by_code(code), actor=None, via="cli")
        db.session.commit()
        return replacement.code


def test_reissue_after_a_name_correction(app, learner_id, certificate_code):
    _rename(app, learner_id, "Amara Okafor-Mensah")

    new_code = _reissue(app, certificate_code)

    rows = {row["code"]: row for row in certificate_rows(app)}
    old, new = rows[certificate_code], rows[new_code]
    assert new_code != certificate_code
    assert CODE_RE.match(new_code)
    assert old["learner_name"] == "Amara Okafor"
    assert old["superseded_at"] is not None
    assert new["learner_name"] == "Amara Okafor-Mensah"
    assert new["replaces_id"] == old["id"]
    assert new["superseded_at"] is None
    with app.app_context():
        assert services.by_code(certificate_code).status == "superseded"
        assert services.replacement_of(services.by_code(certificate_code)).code == new_code
        assert services.current_for(old["enrollment_id"]).code == new_code
        # Issuing again (say, on a replayed signal) returns the current one.
        enrollment, version = context(learner_id)
        assert services.issue(enrollment, version).code == new_code
        db.session.commit()
    assert len(certificate_rows(app)) == 2
    (event,) = audit_rows(app, "certificate.reissue")
    assert event["before"] == {"learner_name": "Amara Okafor"}
    assert event["after"] == {"learner_name": "Amara Okafor-Mensah", "code": new_code}


def test_reissue_without_a_name_change_is_refused(app, certificate_code):
    before = certificate_rows(app)
    with pytest.raises(services.CertificateError, match="correct the name first"):
        _reissue(app, certificate_code)
    assert certificate_rows(app) == before


def test_a_revoked_certificate_is_not_reissued(app, learner_id, certificate_code):
    _revoke(app, certificate_code, "Issued in error")
    _rename(app, learner_id, "Amara Okafor-Mensah")
    before = certificate_rows(app)
    with pytest.raises(services.CertificateError, match="revoked certificate cannot"):
        _reissue(app, certificate_code)
    assert certificate_rows(app) == before


def test_a_superseded_certificate_is_not_reissued_again(app, learner_id, certificate_code):
    _rename(app, learner_id, "Amara Okafor-Mensah")
    _reissue(app, certificate_code)
    _rename(app, learner_id, "Amara Mensah")
    before = certificate_rows(app)
    with pytest.raises(services.CertificateError, match="already been replaced"):
        _reissue(app, certificate_code)
    assert certificate_rows(app) == before


def test_the_course_zip_lists_current_certificates_only(app, make_user, course):
    ids = [make_learner(app, make_user) for _ in range(3)]
    with app.app_context():
        for user_id in ids:
            complete(user_id)
    codes = [row["code"] for row in certificate_rows(app)]
    _rename(app, ids[0], "A Corrected Name")
    new_code = _reissue(app, codes[0])
    with app.app_context():
        current = {c.code for c in services.current_of_course(QUICK_SLUG)}
    assert current == {new_code, codes[1], codes[2]}


# -- under concurrency (PostgreSQL) --------------------------------------------------------


def _run_together(app, work, n: int = 2) -> tuple[list, list]:
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                results.append(work())
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


@needs_postgresql
def test_two_requests_issuing_at_once_make_one_certificate(app, learner_id, monkeypatch):
    with app.app_context():
        mark_completed(learner_id)
    barrier = threading.Barrier(2)
    local = threading.local()
    real = services.current_for
    looks = []

    def both_see_none_first(enrollment_id):
        found = real(enrollment_id)
        looks.append(found)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=10)  # both have looked before either inserts
        return found

    monkeypatch.setattr(services, "current_for", both_see_none_first)

    def issue():
        enrollment, version = context(learner_id)
        certificate = services.issue(enrollment, version)
        return certificate.code if certificate is not None else None

    codes, errors = _run_together(app, issue)

    assert errors == []
    assert len(codes) == 2
    assert codes[0] is not None
    assert codes[0] == codes[1]
    assert [row["code"] for row in certificate_rows(app)] == [codes[0]]
    # Both looked and found nothing; the loser's insert failed and it looked again.
    assert len(looks) == 3
    assert looks[:2] == [None, None]
    assert looks[2] is not None


@needs_postgresql
def test_two_requests_completing_at_once_make_one_certificate(app, learner_id, completions):
    with app.app_context():
        enrollment, _ = context(learner_id)
        learning.mark_lesson_complete(enrollment, *QUICK_LESSON, utcnow())
        db.session.commit()
    barrier = threading.Barrier(2)

    def finish():
        enrollment, version = context(learner_id)
        progress = learning.progress_for(enrollment, version)
        barrier.wait(timeout=10)
        return learning.complete_if_done(enrollment, progress, utcnow())

    results, errors = _run_together(app, finish)

    assert errors == []
    assert sorted(results) == [False, True]
    assert len(completions) == 1
    rows = certificate_rows(app)
    assert len(rows) == 1
    with app.app_context():
        enrollment = db.session.get(Enrollment, rows[0]["enrollment_id"])
        assert rows[0]["completed_at"] == enrollment.completed_at


@needs_postgresql
def test_many_requests_issuing_at_once_make_one_certificate(app, learner_id):
    with app.app_context():
        mark_completed(learner_id)
    barrier = threading.Barrier(6)

    def issue():
        enrollment, version = context(learner_id)
        barrier.wait(timeout=10)
        certificate = services.issue(enrollment, version)
        return certificate.code if certificate is not None else None

    codes, errors = _run_together(app, issue, n=6)

    assert errors == []
    assert len(set(codes)) == 1
    assert None not in codes
    assert len(certificate_rows(app)) == 1


# -- permissions ---------------------------------------------------------------------------


def _user(role="learner", *, user_id=1, active=True, authenticated=True):
    return SimpleNamespace(id=user_id, role=role, is_active=active, is_authenticated=authenticated)


def test_who_may_download_a_certificate():
    certificate = SimpleNamespace(user_id=1)
    assert permissions.can_download_certificate(_user(user_id=1), certificate)
    assert not permissions.can_download_certificate(_user(user_id=2), certificate)
    assert not permissions.can_download_certificate(_user("instructor", user_id=2), certificate)
    assert permissions.can_download_certificate(_user("administrator", user_id=3), certificate)
    assert not permissions.can_download_certificate(_user(user_id=1, active=False), certificate)
    assert not permissions.can_download_certificate(
        _user(user_id=1, authenticated=False), certificate
    )
    assert not permissions.can_download_certificate(
        _user("administrator", active=False), certificate
    )
    assert not permissions.can_download_certificate(_user("administrator"), None)
    assert not permissions.can_download_certificate(None, certificate)


def test_who_may_manage_certificates():
    assert permissions.can_manage_certificates(_user("administrator"))
    assert not permissions.can_manage_certificates(_user("administrator", active=False))
    assert not permissions.can_manage_certificates(_user("instructor"))
    assert not permissions.can_manage_certificates(_user("learner"))
    assert not permissions.can_manage_certificates(_user(authenticated=False))
    assert not permissions.can_manage_certificates(None)
