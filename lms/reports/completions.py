"""The completion summary for the accreditor: per course, completions and credit
hours awarded in a period.

A completion counts on the UTC day of ``Enrollment.completed_at``; the period
includes both its first and its last day. Credit hours are those of the version
the learner completed (``Enrollment.completed_version_id``), so a course whose
hours changed between versions is counted as each learner earned it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from lms.catalog.models import CourseVersion
from lms.cohorts.models import Cohort, CohortCourse
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.reports.queries import ReportCourse, members_of

# The dates a period may use (the day after LATEST still exists).
EARLIEST = date(2000, 1, 1)
LATEST = date(9998, 12, 31)


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, ending today: a year ago tomorrow to today."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC: the first day's midnight to the midnight after the last day."""
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class CourseCompletions:
    course: ReportCourse
    completions: int
    credit_hours: float
    # Completions whose version has since been deleted: counted, hours unknown.
    without_hours: int = 0


@dataclass
class CompletionSummary:
    date_from: date
    date_to: date
    cohort: Cohort | None
    courses: list[CourseCompletions]
    learners: int  # distinct people who completed at least one course

    @property
    def total_completions(self) -> int:
        return sum(c.completions for c in self.courses)

    @property
    def total_credit_hours(self) -> float:
        return sum(c.credit_hours for c in self.courses)

    @property
    def without_hours(self) -> int:
        return sum(c.without_hours for c in self.courses)


def completion_summary(
    courses: list[ReportCourse],
    *,
    date_from: date,
    date_to: date,
    cohort: Cohort | None = None,
) -> CompletionSummary:
    """Completions of ``courses`` in the period (two queries; three with a cohort).

    With a cohort: its members' completions of the cohort's courses."""
    if cohort is not None:
        in_cohort = set(
            db.session.execute(
                select(CohortCourse.course_id).where(CohortCourse.cohort_id == cohort.id)
            ).scalars()
        )
        courses = [c for c in courses if c.course.id in in_cohort]
    ids = [c.course.id for c in courses]
    start, end = period_bounds(date_from, date_to)
    conditions = [
        Enrollment.course_id.in_(ids),
        Enrollment.completed_at >= start,
        Enrollment.completed_at < end,
    ]
    if cohort is not None:
        conditions.append(Enrollment.user_id.in_(members_of(cohort.id)))
    counts = {
        course_id: (completions, float(hours or 0), completions - with_version)
        for course_id, completions, hours, with_version in db.session.execute(
            select(
                Enrollment.course_id,
                func.count(Enrollment.id),
                func.sum(CourseVersion.credit_hours),
                func.count(CourseVersion.id),
            )
            .outerjoin(CourseVersion, CourseVersion.id == Enrollment.completed_version_id)
            .where(*conditions)
            .group_by(Enrollment.course_id)
        )
    }
    learners = db.session.execute(
        select(func.count(func.distinct(Enrollment.user_id))).where(*conditions)
    ).scalar_one()
    return CompletionSummary(
        date_from,
        date_to,
        cohort,
        [CourseCompletions(c, *counts.get(c.course.id, (0, 0.0, 0))) for c in courses],
        learners,
    )
