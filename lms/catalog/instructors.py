"""Who teaches which course. An administrator assigns instructors; an instructor
edits and sees the reports of the courses they teach (``permissions.teaches``).

Functions add and remove rows in the session and record the change in the
audit trail; the caller (a view or a command) commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from lms import audit
from lms.accounts.models import Role, User
from lms.accounts.services import find_user_by_email
from lms.catalog.models import Course, CourseInstructor, CourseVersion
from lms.extensions import db


class InstructorError(ValueError):
    """A rule refused the change. ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = "email"):
        super().__init__(message)
        self.message = message
        self.field = field


def instructor_by_email(email: str) -> User:
    """The account to assign, or InstructorError saying why there is none.

    Only administrators assign instructors, so saying that no account uses an
    address reveals nothing they could not see on the users page.
    """
    if not (email or "").strip():
        raise InstructorError("Enter the email address of an instructor's account.")
    user = find_user_by_email(email)
    if user is None:
        raise InstructorError(f"No account uses the email address {email.strip()!r}.")
    return user


def assign(course: Course, user: User, *, actor: User | None, via: str) -> bool:
    """Make ``user`` an instructor of ``course``. False if they already were."""
    if user.role != Role.INSTRUCTOR:
        raise InstructorError(
            f"{user.full_name} <{user.email}> is not an instructor ({user.role_label.lower()}). "
            "Give the account the instructor role first, on its page under Users."
        )
    if not user.active:
        raise InstructorError(
            f"{user.full_name} <{user.email}> is deactivated: reactivate the account first."
        )
    if db.session.get(CourseInstructor, (course.id, user.id)) is not None:
        return False
    db.session.add(CourseInstructor(course_id=course.id, user_id=user.id))
    audit.record(
        "course.instructor.add",
        target_type="course",
        target_id=course.slug,
        actor=actor,
        via=via,
        after={"user": user.email},
    )
    return True


def unassign(course: Course, user: User, *, actor: User | None, via: str) -> bool:
    """``user`` no longer teaches ``course``. False if they did not."""
    removed = db.session.execute(
        delete(CourseInstructor).where(
            CourseInstructor.course_id == course.id, CourseInstructor.user_id == user.id
        )
    ).rowcount
    if not removed:
        return False
    audit.record(
        "course.instructor.remove",
        target_type="course",
        target_id=course.slug,
        actor=actor,
        via=via,
        before={"user": user.email},
    )
    return True


def instructors_of(course: Course) -> list[User]:
    """The course's instructors, by name."""
    return list(
        db.session.execute(
            select(User)
            .join(CourseInstructor, CourseInstructor.user_id == User.id)
            .where(CourseInstructor.course_id == course.id)
            .order_by(func.lower(User.full_name), User.id)
        ).scalars()
    )


def courses_taught_by(user: User) -> list[Course]:
    """The courses ``user`` is assigned to, by slug."""
    return list(
        db.session.execute(
            select(Course)
            .join(CourseInstructor, CourseInstructor.course_id == Course.id)
            .where(CourseInstructor.user_id == user.id)
            .order_by(Course.slug)
        ).scalars()
    )


@dataclass
class CourseStaff:
    course: Course
    title: str  # the current version's title, or the slug while unpublished
    instructors: list[User] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.course.current_version_id is not None


def every_course_with_instructors() -> list[CourseStaff]:
    """Every course and its instructors, by title, in two queries however many."""
    rows = db.session.execute(
        select(Course, CourseVersion.title)
        .outerjoin(CourseVersion, Course.current_version_id == CourseVersion.id)
        .order_by(func.lower(func.coalesce(CourseVersion.title, Course.slug)), Course.slug)
    )
    staff = {course.id: CourseStaff(course, title or course.slug) for course, title in rows}
    assignments = db.session.execute(
        select(CourseInstructor.course_id, User)
        .join(User, CourseInstructor.user_id == User.id)
        .order_by(func.lower(User.full_name), User.id)
    )
    for course_id, user in assignments:
        staff[course_id].instructors.append(user)
    return list(staff.values())


def course_title(course: Course) -> str:
    """The title learners see, or the slug while the course is unpublished."""
    version = course.current_version
    return version.title if version is not None else course.slug
