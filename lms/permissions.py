"""The one place that answers "may this user do this to that?".

Every view and template asks here; nothing else looks at a role. A view that
gets False answers 404, so that a page a user may not see looks like a page
that does not exist.
"""

from __future__ import annotations

from flask import abort

from lms.accounts.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_administrator(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMINISTRATOR


def can_manage_users(user) -> bool:
    """List accounts, see their roles and whether they are active."""
    return is_administrator(user)


def can_edit_own_account(user) -> bool:
    return _signed_in(user)


def can_view_course_content(user, course) -> bool:
    """Images of a published course (lessons and quizzes also need an enrolment)."""
    return _signed_in(user) and course.current_version_id is not None


def can_see_course(user, course) -> bool:
    """The catalogue page of a course: anyone, once it is published."""
    return course is not None and course.current_version_id is not None


def can_enrol(user, course, version) -> bool:
    """Learners enrol themselves where the course allows it."""
    return _signed_in(user) and can_see_course(user, course) and bool(version.self_enrollment)


def can_study(user, enrollment) -> bool:
    """Lessons, quizzes and the evaluation: the enrolled learner only."""
    return _signed_in(user) and enrollment is not None and enrollment.user_id == user.id


def can_see_attempt(user, enrollment, attempt) -> bool:
    return (
        can_study(user, enrollment)
        and attempt is not None
        and attempt.enrollment_id == enrollment.id
    )


def can_download_certificate(user, certificate) -> bool:
    """The PDF and the signed credential: the learner it belongs to, and administrators."""
    return certificate is not None and (
        is_administrator(user) or (_signed_in(user) and certificate.user_id == user.id)
    )


def can_manage_certificates(user) -> bool:
    """Revoke, re-issue and download certificates in bulk."""
    return is_administrator(user)


def can_manage_cohorts(user) -> bool:
    """Create cohorts, add and remove members, upload CSV files, send invitations."""
    return is_administrator(user)


def can_view_audit_trail(user) -> bool:
    return is_administrator(user)


def can_assign_instructors(user) -> bool:
    return is_administrator(user)


def teaches(user, course) -> bool:
    """An instructor assigned to this course (by an administrator)."""
    from lms.catalog.models import CourseInstructor
    from lms.extensions import db

    return (
        _signed_in(user)
        and user.role == Role.INSTRUCTOR
        and course is not None
        and db.session.get(CourseInstructor, (course.id, user.id)) is not None
    )


def can_see_reports(user) -> bool:
    """The reports menu: administrators, and instructors (for their own courses)."""
    return _signed_in(user) and user.role in (Role.ADMINISTRATOR, Role.INSTRUCTOR)


def can_report_on_course(user, course) -> bool:
    """Progress, item analysis, knowledge gain and evaluation of one course:
    administrators for every course, instructors for the courses they teach."""
    return course is not None and (is_administrator(user) or teaches(user, course))


def can_edit_course(user, course) -> bool:
    """Edit a course's draft, preview, publish, compare versions and download it:
    administrators for every course, instructors for the courses they teach."""
    return course is not None and (is_administrator(user) or teaches(user, course))


def editable_courses(user, courses: list) -> list:
    """Those of ``courses`` that ``user`` may edit (``can_edit_course``), in one query."""
    if is_administrator(user):
        return list(courses)
    if not _signed_in(user) or user.role != Role.INSTRUCTOR:
        return []
    from lms.catalog.instructors import courses_taught_by

    taught = {course.id for course in courses_taught_by(user)}
    return [course for course in courses if course.id in taught]


def can_author(user) -> bool:
    """See the authoring index: administrators and instructors (an instructor with no
    course is told so there)."""
    return _signed_in(user) and user.role in (Role.ADMINISTRATOR, Role.INSTRUCTOR)


def can_report_on_learner(user, course, enrollment) -> bool:
    """One learner's detail in a course the user may report on."""
    return (
        can_report_on_course(user, course)
        and enrollment is not None
        and enrollment.course_id == course.id
    )


def require(allowed: bool) -> None:
    """Stop the request with 404 unless ``allowed``."""
    if not allowed:
        abort(404)


# Exposed to templates as ``permissions.<name>(current_user, ...)``.
TEMPLATE_FUNCTIONS = {
    "can_author": can_author,
    "can_edit_course": can_edit_course,
    "is_administrator": is_administrator,
    "can_manage_users": can_manage_users,
    "can_edit_own_account": can_edit_own_account,
    "can_view_course_content": can_view_course_content,
    "can_see_course": can_see_course,
    "can_enrol": can_enrol,
    "can_study": can_study,
    "can_download_certificate": can_download_certificate,
    "can_manage_certificates": can_manage_certificates,
    "can_manage_cohorts": can_manage_cohorts,
    "can_view_audit_trail": can_view_audit_trail,
    "can_assign_instructors": can_assign_instructors,
    "can_see_reports": can_see_reports,
    "can_report_on_course": can_report_on_course,
}
