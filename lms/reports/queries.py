"""The look-ups the reports share: which courses a user may report on, cohorts,
the enrolments a report covers, and paging.

Every function is a fixed number of queries whatever the number of learners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select

from lms import permissions
from lms.catalog.models import Course, CourseInstructor, CourseVersion, Module, Quiz
from lms.catalog.services import course_by_slug
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment


class ReportInputError(LookupError):
    """Something asked for that does not exist (a page past the last one, an
    unknown quiz or cohort); the page answers 404, the command exits with the message."""


# -- courses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCourse:
    """A published course and its current version."""

    course: Course
    version: CourseVersion

    @property
    def slug(self) -> str:
        return self.course.slug

    @property
    def title(self) -> str:
        return self.version.title


def _published() -> Select:
    return (
        select(Course, CourseVersion)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .order_by(func.lower(CourseVersion.title), Course.slug)
    )


def reportable_courses(user) -> list[ReportCourse]:
    """The published courses ``user`` may report on (one query): every course for
    an administrator, the courses they teach for an instructor, none otherwise."""
    if permissions.is_administrator(user):
        query = _published()
    elif permissions.can_see_reports(user):
        query = _published().join(
            CourseInstructor,
            (CourseInstructor.course_id == Course.id) & (CourseInstructor.user_id == user.id),
        )
    else:
        return []
    return [ReportCourse(course, version) for course, version in db.session.execute(query)]


def all_published_courses() -> list[ReportCourse]:
    """Every published course: what the command line reports on."""
    return [ReportCourse(course, version) for course, version in db.session.execute(_published())]


# The largest id an INTEGER column holds on PostgreSQL: a larger one is not found.
ID_MAX = 2**31 - 1


def enrollment_by_id(enrollment_id: int) -> Enrollment | None:
    if not 0 < enrollment_id <= ID_MAX:
        return None
    return db.session.get(Enrollment, enrollment_id)


def published_course(slug: str) -> Course | None:
    """The course with this slug if it has a current version, else None."""
    course = course_by_slug(slug)
    if course is None or course.current_version_id is None:
        return None
    return course


@dataclass(frozen=True)
class QuizLink:
    key: str
    title: str

    @property
    def slug(self) -> str:
        """The quiz's part of a report's URL: "pretest", "posttest" or the module's slug."""
        return self.key.removeprefix("module:")


@dataclass(frozen=True)
class IndexEntry:
    course: Course
    version: CourseVersion
    quizzes: list[QuizLink]
    cohorts: list[Cohort]

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def has_evaluation(self) -> bool:
        return bool(self.version.evaluation)

    @property
    def has_tests(self) -> bool:
        keys = {quiz.key for quiz in self.quizzes}
        return "pretest" in keys and "posttest" in keys


def report_index(user) -> list[IndexEntry]:
    """What the reports page lists for ``user``: courses, their quizzes (pre-test
    first, module quizzes in order, post-test last) and cohorts. Three queries."""
    courses = reportable_courses(user)
    version_ids = [c.version.id for c in courses]
    quizzes: dict[int, list[tuple[tuple[int, int], QuizLink]]] = {v: [] for v in version_ids}
    if version_ids:
        for quiz, position, module_title in db.session.execute(
            select(Quiz, Module.position, Module.title)
            .outerjoin(Module, Module.id == Quiz.module_id)
            .where(Quiz.version_id.in_(version_ids))
        ):
            order = {"pretest": (0, 0), "posttest": (2, 0)}.get(quiz.key, (1, position or 0))
            title = f"{module_title}: {quiz.title}" if module_title else quiz.title
            quizzes[quiz.version_id].append((order, QuizLink(quiz.key, title)))
    cohorts = cohorts_of_courses([c.course.id for c in courses])
    return [
        IndexEntry(
            c.course,
            c.version,
            [link for _, link in sorted(quizzes[c.version.id], key=lambda pair: pair[0])],
            cohorts[c.course.id],
        )
        for c in courses
    ]


# -- cohorts ----------------------------------------------------------------------------


def cohorts_of_courses(course_ids: list[int]) -> dict[int, list[Cohort]]:
    """The cohorts that include each course, by name (one query)."""
    found: dict[int, list[Cohort]] = {course_id: [] for course_id in course_ids}
    if not course_ids:
        return found
    rows = db.session.execute(
        select(CohortCourse.course_id, Cohort)
        .join(Cohort, Cohort.id == CohortCourse.cohort_id)
        .where(CohortCourse.course_id.in_(course_ids))
        .order_by(func.lower(Cohort.name), Cohort.id)
    )
    for course_id, cohort in rows:
        found[course_id].append(cohort)
    return found


def cohorts_of_any(course_ids: list[int]) -> list[Cohort]:
    """The cohorts that include at least one of the courses, by name (one query)."""
    if not course_ids:
        return []
    return list(
        db.session.execute(
            select(Cohort)
            .where(
                Cohort.id.in_(
                    select(CohortCourse.cohort_id).where(CohortCourse.course_id.in_(course_ids))
                )
            )
            .order_by(func.lower(Cohort.name), Cohort.id)
        ).scalars()
    )


def cohorts_of_course(course_id: int) -> list[Cohort]:
    return cohorts_of_courses([course_id])[course_id]


def cohort_by_name(name: str) -> Cohort | None:
    return db.session.execute(select(Cohort).where(Cohort.name == name)).scalar_one_or_none()


def cohort_includes(cohort: Cohort, course_id: int) -> bool:
    return (
        db.session.execute(
            select(CohortCourse.course_id).where(
                CohortCourse.cohort_id == cohort.id, CohortCourse.course_id == course_id
            )
        ).first()
        is not None
    )


# -- the enrolments a report covers ----------------------------------------------------------


def enrollment_ids(course_id: int, cohort_id: int | None = None) -> Select:
    """A subquery of the ids of the course's enrolments, of one cohort's members if given."""
    query = select(Enrollment.id).where(Enrollment.course_id == course_id)
    if cohort_id is not None:
        query = query.where(Enrollment.user_id.in_(members_of(cohort_id)))
    return query


def members_of(cohort_id: int) -> Select:
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)


# -- pages ----------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a long list (pages count from 1; an empty list has one empty page)."""

    number: int
    per_page: int
    total: int
    items: list[Any] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the first item on the page."""
        return (self.number - 1) * self.per_page + 1


def check_page(number: int, per_page: int, total: int) -> Page:
    """A page of ``total`` items, or ReportInputError for a page that does not exist."""
    page = Page(number, per_page, total)
    if number < 1 or number > page.pages:
        raise ReportInputError(f"There is no page {number}: the pages are 1 to {page.pages}.")
    return page


def page_of(items: list, number: int, per_page: int) -> Page:
    """A page cut from a list already in memory."""
    page = check_page(number, per_page, len(items))
    start = (number - 1) * per_page
    page.items = items[start : start + per_page]
    return page
