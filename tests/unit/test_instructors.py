"""Assigning instructors to courses, called directly: no HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import permissions
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.catalog import instructors
from lms.catalog.models import Course
from lms.extensions import db
from tests.learning_fixtures import EXAMPLE, ModuleDef, import_folder, write_course


@pytest.fixture
def course(app):
    import_folder(app, EXAMPLE)
    with app.app_context():
        yield db.session.execute(select(Course)).scalar_one()


def _user(record) -> User:
    return db.session.get(User, record.id)


def _events(action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.execute(query).scalars())


def test_assign_and_unassign_are_audited_and_idempotent(course, make_user):
    admin = _user(make_user("administrator"))
    teacher = _user(make_user("instructor"))

    assert instructors.assign(course, teacher, actor=admin, via="web") is True
    assert instructors.assign(course, teacher, actor=admin, via="web") is False
    db.session.commit()

    assert instructors.instructors_of(course) == [teacher]
    assert instructors.courses_taught_by(teacher) == [course]
    assert permissions.teaches(teacher, course)
    (added,) = _events("course.instructor.add")
    assert (added.target_type, added.target_id, added.before, added.after) == (
        "course",
        course.slug,
        None,
        {"user": teacher.email},
    )
    assert (added.actor_id, added.via) == (admin.id, "web")

    assert instructors.unassign(course, teacher, actor=None, via="cli") is True
    assert instructors.unassign(course, teacher, actor=None, via="cli") is False
    db.session.commit()

    assert instructors.instructors_of(course) == []
    assert instructors.courses_taught_by(teacher) == []
    assert not permissions.teaches(teacher, course)
    (removed,) = _events("course.instructor.remove")
    assert (removed.before, removed.after, removed.via) == ({"user": teacher.email}, None, "cli")


@pytest.mark.parametrize("role", ["learner", "administrator"])
def test_only_instructors_can_be_assigned(course, make_user, role):
    user = _user(make_user(role))
    with pytest.raises(instructors.InstructorError, match="is not an instructor") as refused:
        instructors.assign(course, user, actor=None, via="cli")
    assert refused.value.field == "email"
    assert instructors.instructors_of(course) == []
    assert _events("course.instructor.add") == []


def test_a_deactivated_instructor_cannot_be_assigned(course, make_user):
    user = _user(make_user("instructor", active=False))
    with pytest.raises(instructors.InstructorError, match="deactivated"):
        instructors.assign(course, user, actor=None, via="cli")


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the email address"),
        ("nobody@example.org", "No account uses"),
        ("bad", "No account"),
    ],
)
def test_instructor_by_email_says_why_there_is_none(ctx_app, email, message):
    with pytest.raises(instructors.InstructorError, match=message):
        instructors.instructor_by_email(email)


def test_instructor_by_email_ignores_case(course, make_user):
    teacher = make_user("instructor", email="bo@example.org")
    assert instructors.instructor_by_email(" BO@example.org ").id == teacher.id


def test_every_course_with_instructors(app, course, make_user, tmp_path):
    amy = _user(make_user("instructor", full_name="Amy"))
    zed = _user(make_user("instructor", full_name="Zed"))
    write_course(tmp_path, "a-second", modules=[ModuleDef("m", quiz=None)], completion=("lessons",))
    import_folder(app, tmp_path / "a-second")
    second = db.session.execute(select(Course).where(Course.slug == "a-second")).scalar_one()
    second.current_version_id = None
    for user in (zed, amy):
        instructors.assign(course, user, actor=None, via="cli")
    db.session.commit()

    rows = instructors.every_course_with_instructors()

    assert [(r.title, r.published, [u.full_name for u in r.instructors]) for r in rows] == [
        ("a-second", False, []),
        ("An Example Course", True, ["Amy", "Zed"]),
    ]
    assert instructors.course_title(second) == "a-second"
    assert instructors.course_title(course) == "An Example Course"


@pytest.fixture
def ctx_app(app):
    with app.app_context():
        yield
