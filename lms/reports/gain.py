"""Knowledge gain: the pre-test against the post-test, per learner and overall.

Each learner's FIRST submitted pre-test attempt (what they knew on arrival; a
retake would measure the test, not the learner) against their BEST submitted
post-test attempt (what the course lets them show, as the course page does).
The gain is in percentage points. Statistics cover the learners with both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Course, CourseVersion, Quiz
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.learning.models import Enrollment, QuizAttempt
from lms.reports import statistics
from lms.reports.queries import Page, members_of, page_of

PER_PAGE = 100
BIN_WIDTH = 10  # percentage points


@dataclass
class GainRow:
    enrollment_id: int
    name: str
    email: str
    pre: float | None = None  # percent, first submitted pre-test attempt
    post: float | None = None  # percent, best submitted post-test attempt

    @property
    def gain(self) -> float | None:
        if self.pre is None or self.post is None:
            return None
        return round(self.post - self.pre, 1)


@dataclass
class KnowledgeGain:
    course: Course
    version: CourseVersion
    cohort: Cohort | None
    rows: list[GainRow]  # every learner with either test, by name
    tests: set[str] = field(default_factory=set)  # of the current version
    page: Page | None = None

    @property
    def has_tests(self) -> bool:
        return self.tests == {"pretest", "posttest"}

    @property
    def paired(self) -> list[GainRow]:
        return [row for row in self.rows if row.gain is not None]

    @property
    def n(self) -> int:
        return len(self.paired)

    @property
    def only_pre(self) -> int:
        return sum(1 for row in self.rows if row.post is None)

    @property
    def only_post(self) -> int:
        return sum(1 for row in self.rows if row.pre is None)

    @property
    def mean_pre(self) -> float | None:
        return statistics.mean([row.pre for row in self.paired])

    @property
    def mean_post(self) -> float | None:
        return statistics.mean([row.post for row in self.paired])

    @property
    def gains(self) -> list[float]:
        return [row.gain for row in self.paired]

    @property
    def mean_gain(self) -> float | None:
        return statistics.mean(self.gains)

    @property
    def median_gain(self) -> float | None:
        return statistics.median(self.gains)

    def bins(self) -> list[statistics.Bin]:
        return statistics.histogram_bins(self.gains, -100, 100, BIN_WIDTH)


def knowledge_gain(
    course: Course,
    *,
    cohort: Cohort | None = None,
    page: int | None = None,
    per_page: int = PER_PAGE,
) -> KnowledgeGain:
    """Every learner's first pre-test and best post-test (two queries).

    With ``page``, also that page of the per-learner table (ReportInputError for a
    page that does not exist)."""
    version = course.current_version
    tests = set(
        db.session.execute(
            select(Quiz.key).where(
                Quiz.version_id == version.id, Quiz.key.in_(("pretest", "posttest"))
            )
        ).scalars()
    )
    query = (
        select(
            Enrollment.id,
            User.full_name,
            User.email,
            QuizAttempt.quiz_key,
            QuizAttempt.score,
        )
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(
            Enrollment.course_id == course.id,
            QuizAttempt.quiz_key.in_(("pretest", "posttest")),
            QuizAttempt.submitted_at.is_not(None),
        )
        .order_by(func.lower(User.full_name), User.id, QuizAttempt.number)
    )
    if cohort is not None:
        query = query.where(Enrollment.user_id.in_(members_of(cohort.id)))
    rows: dict[int, GainRow] = {}
    for enrollment_id, name, email, key, score in db.session.execute(query):
        row = rows.get(enrollment_id)
        if row is None:
            row = rows[enrollment_id] = GainRow(enrollment_id, name, email)
        percent = round((score or 0.0) * 100, 1)
        if key == "pretest":
            if row.pre is None:  # attempts come in order: the first one counts
                row.pre = percent
        elif row.post is None or percent > row.post:
            row.post = percent
    report = KnowledgeGain(course, version, cohort, list(rows.values()), tests)
    if page is not None:
        report.page = page_of(report.rows, page, per_page)
    return report
