"""The progress matrix (learners x modules of a course) and one learner's detail.

State is computed against the course's current version by the learner's own
progress page's rule, ``Progress.module_state`` of lms/learning/services.py,
itself: a module is *done* when every one of its lessons is complete
and, if it has a graded quiz and the version's completion rules include
"quizzes", that quiz has a passed attempt (a course that completes by its
lessons alone does not wait for its quizzes); *in progress* when any of those
parts is done or the quiz has been attempted; else *not started*.

The matrix costs a fixed number of queries: the enrolments (with the learner,
whether the evaluation was submitted and the current certificate, joined), the
completed lessons of the current version, and attempts aggregated per enrolment
and quiz. ``module_state`` is asked of a ``Progress`` built from those rows, once
per distinct combination of what it looks at (no query per learner).

Only *whether* a learner submitted the evaluation is read, never when: the
evaluation report is anonymous, and a submission time next to a name would let
anyone match it to a response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select

from lms.accounts.models import User
from lms.catalog.models import Course, CourseVersion, Module, Quiz
from lms.certificates.models import Certificate, format_code
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from lms.learning.services import Progress, QuizState, version_with_content
from lms.reports.queries import Page, check_page, enrollment_ids, members_of

PER_PAGE = 100

DONE, IN_PROGRESS, NOT_STARTED = "done", "in progress", "not started"
STATES = (DONE, IN_PROGRESS, NOT_STARTED)
# Progress.module_state's names for the same states (the learner's page says "complete").
FROM_MODULE_STATE = {"complete": DONE, "in progress": IN_PROGRESS, "not started": NOT_STARTED}
LESSON_SEPARATOR = ","  # lesson slugs are [a-z0-9-]


@dataclass(frozen=True)
class ModuleColumn:
    number: int
    slug: str
    title: str
    lesson_slugs: tuple[str, ...]
    quiz_key: str | None  # the module's quiz, graded or not
    module: Module = field(compare=False, repr=False)
    quiz: Quiz | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Cell:
    state: str
    lessons_done: int
    best: float | None  # best score of the module quiz, 0..1


@dataclass
class LearnerRow:
    enrollment_id: int
    user_id: int
    name: str
    email: str
    enrolled_at: datetime
    due_on: date | None
    completed_at: datetime | None
    evaluation_submitted: bool  # never when: the evaluation report is anonymous
    certificate_code: str | None
    certificate_revoked: bool
    cells: list[Cell] = field(default_factory=list)
    pretest_best: float | None = None
    posttest_best: float | None = None

    @property
    def certificate(self) -> str:
        if self.certificate_code is None:
            return ""
        code = format_code(self.certificate_code)
        return f"{code} (revoked)" if self.certificate_revoked else code


@dataclass(frozen=True)
class ModuleSummary:
    module: ModuleColumn
    done: int
    in_progress: int
    not_started: int


@dataclass
class ProgressMatrix:
    course: Course
    version: CourseVersion
    cohort: Cohort | None
    modules: list[ModuleColumn]
    page: Page  # items: LearnerRow

    @property
    def rows(self) -> list[LearnerRow]:
        return self.page.items

    def summaries(self) -> list[ModuleSummary]:
        """Per module, how many learners of this page are in each state."""
        found = []
        for index, module in enumerate(self.modules):
            states = [row.cells[index].state for row in self.rows]
            found.append(
                ModuleSummary(
                    module, states.count(DONE), states.count(IN_PROGRESS), states.count(NOT_STARTED)
                )
            )
        return found


def module_columns(version: CourseVersion) -> list[ModuleColumn]:
    """The modules of a version loaded with its content (no query)."""
    quizzes = {quiz.key: quiz for quiz in version.quizzes}
    columns = []
    for number, module in enumerate(version.modules, start=1):
        quiz = quizzes.get(f"module:{module.slug}")
        columns.append(
            ModuleColumn(
                number=number,
                slug=module.slug,
                title=module.title,
                lesson_slugs=tuple(lesson.slug for lesson in module.lessons),
                quiz_key=quiz.key if quiz else None,
                module=module,
                quiz=quiz,
            )
        )
    return columns


def _learners(course_id: int, cohort_id: int | None):
    """Enrolments of the course (of the cohort's members) with what is one per enrolment."""
    query = (
        select(
            Enrollment.id,
            Enrollment.user_id,
            User.full_name,
            User.email,
            Enrollment.enrolled_at,
            Enrollment.due_on,
            Enrollment.completed_at,
            # Whether, never when: see the module's docstring.
            EvaluationResponse.id.is_not(None),
            Certificate.code,
            Certificate.revoked_at,
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(EvaluationResponse, EvaluationResponse.enrollment_id == Enrollment.id)
        .outerjoin(
            Certificate,
            and_(Certificate.enrollment_id == Enrollment.id, Certificate.superseded_at.is_(None)),
        )
        .where(Enrollment.course_id == course_id)
        .order_by(func.lower(User.full_name), User.id)
    )
    if cohort_id is not None:
        query = query.where(Enrollment.user_id.in_(members_of(cohort_id)))
    return query


def _count(course_id: int, cohort_id: int | None) -> int:
    query = select(func.count(Enrollment.id)).where(Enrollment.course_id == course_id)
    if cohort_id is not None:
        query = query.where(Enrollment.user_id.in_(members_of(cohort_id)))
    return db.session.execute(query).scalar_one()


def _lookups(modules: list[ModuleColumn], scope):
    """What the cells are made of, for the enrolments ``scope`` (a list or a
    subquery): each (enrolment, module)'s completed lessons as one string, and each
    (enrolment, quiz)'s (best score, passed, attempts). Two queries."""
    lessons: dict[tuple[int, str], str] = {}
    wanted = [
        and_(LessonProgress.module_slug == m.slug, LessonProgress.lesson_slug.in_(m.lesson_slugs))
        for m in modules
        if m.lesson_slugs
    ]
    if wanted:
        # The module's completed lessons as one string per enrolment ("a,b"; slugs
        # hold no comma): as few rows as a count, and exactly which lessons.
        for enrollment_id, module_slug, done in db.session.execute(
            select(
                LessonProgress.enrollment_id,
                LessonProgress.module_slug,
                func.aggregate_strings(LessonProgress.lesson_slug, LESSON_SEPARATOR),
            )
            .where(LessonProgress.enrollment_id.in_(scope), or_(*wanted))
            .group_by(LessonProgress.enrollment_id, LessonProgress.module_slug)
        ):
            lessons[enrollment_id, module_slug] = done
    quizzes: dict[tuple[int, str], tuple[float | None, bool, int]] = {}
    for enrollment_id, key, best, passed, attempts in db.session.execute(
        select(
            QuizAttempt.enrollment_id,
            QuizAttempt.quiz_key,
            func.max(QuizAttempt.score),
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.count(QuizAttempt.id),
        )
        .where(QuizAttempt.enrollment_id.in_(scope))
        .group_by(QuizAttempt.enrollment_id, QuizAttempt.quiz_key)
    ):
        quizzes[enrollment_id, key] = (best, bool(passed), attempts)
    return lessons, quizzes


NOTHING = (None, False, 0)  # no attempt at a quiz: no best score, not passed, none made


class _States:
    """Each cell's state is ``Progress.module_state``, the rule of the learner's own
    course page, asked of a ``Progress`` that holds what ``_lookups`` read: the
    module's completed lessons and the count and passing of its quiz attempts.
    Thousands of learners share a handful of those, so it is asked once for each
    distinct combination (no query, and little work, per learner)."""

    def __init__(self, version: CourseVersion, modules: list[ModuleColumn]):
        self.version, self.modules = version, modules
        self.known: dict[tuple, tuple[str, int]] = {}

    def of(self, index: int, done: str, attempts: int, passed: bool) -> tuple[str, int]:
        """(state, lessons done) of module number ``index`` (0-based)."""
        key = (index, done, attempts, passed)
        found = self.known.get(key)
        if found is None:
            completed = set(done.split(LESSON_SEPARATOR)) if done else set()
            found = self.known[key] = (
                _module_state(self.version, self.modules[index], completed, attempts, passed),
                len(completed),
            )
        return found


def _fill(
    rows: list[LearnerRow], version: CourseVersion, modules: list[ModuleColumn], scope
) -> None:
    """Cells and test scores for ``rows``; ``scope`` is the enrolment ids (a list or
    a subquery). Two queries."""
    lessons, quizzes = _lookups(modules, scope)
    states = _States(version, modules)
    for row in rows:
        eid = row.enrollment_id
        for index, module in enumerate(modules):
            best, passed, attempts = (
                quizzes.get((eid, module.quiz_key), NOTHING) if module.quiz_key else NOTHING
            )
            state, lessons_done = states.of(
                index, lessons.get((eid, module.slug), ""), attempts, passed
            )
            row.cells.append(Cell(state, lessons_done, best))
        row.pretest_best = quizzes.get((eid, "pretest"), NOTHING)[0]
        row.posttest_best = quizzes.get((eid, "posttest"), NOTHING)[0]


def _module_state(
    version: CourseVersion,
    module: ModuleColumn,
    completed: set[str],
    attempts: int,
    passed: bool,
) -> str:
    """``Progress.module_state``, the learner's own page's rule, for a learner who
    completed the lessons ``completed`` (slugs) of the module and made ``attempts``
    attempts at its quiz, ``passed`` or not. No query."""
    progress = Progress(
        version=version,
        enrollment=None,
        completed_lessons={(module.slug, slug) for slug in completed},
    )
    if module.quiz is not None:
        progress.quizzes[module.quiz.key] = QuizState(module.quiz, attempts=attempts, passed=passed)
    return FROM_MODULE_STATE[progress.module_state(module.module)]


def _rows(result) -> list[LearnerRow]:
    return [
        LearnerRow(
            enrollment_id=r[0],
            user_id=r[1],
            name=r[2],
            email=r[3],
            enrolled_at=r[4],
            due_on=r[5],
            completed_at=r[6],
            evaluation_submitted=bool(r[7]),
            certificate_code=r[8],
            certificate_revoked=r[9] is not None,
        )
        for r in result
    ]


def progress_matrix(
    course: Course, *, cohort: Cohort | None = None, page: int = 1, per_page: int = PER_PAGE
) -> ProgressMatrix:
    """One page of the matrix, learners by name (eight queries, however many learners).

    Raises ReportInputError for a page that does not exist."""
    version = version_with_content(course.current_version_id)
    modules = module_columns(version)
    cohort_id = cohort.id if cohort else None
    paged = check_page(page, per_page, _count(course.id, cohort_id))
    query = _learners(course.id, cohort_id).limit(per_page).offset((page - 1) * per_page)
    paged.items = _rows(db.session.execute(query))
    if paged.items:
        _fill(paged.items, version, modules, [row.enrollment_id for row in paged.items])
    return ProgressMatrix(course, version, cohort, modules, paged)


def progress_all(course: Course, *, cohort: Cohort | None = None) -> ProgressMatrix:
    """Every learner of the matrix on one page: what the CSV export holds (seven queries)."""
    version = version_with_content(course.current_version_id)
    modules = module_columns(version)
    cohort_id = cohort.id if cohort else None
    rows = _rows(db.session.execute(_learners(course.id, cohort_id)))
    _fill(rows, version, modules, enrollment_ids(course.id, cohort_id))
    return ProgressMatrix(
        course, version, cohort, modules, Page(1, max(1, len(rows)), len(rows), rows)
    )


@dataclass
class ProgressTable:
    """Every learner of the matrix as plain values: what the CSV export holds.

    The same queries and the same states as ``progress_all``, without an object
    per learner and per cell: ``records()`` yields, per learner, the enrolment's
    columns (name, email, enrolled, due, completed, evaluation submitted,
    certificate code, certificate revoked), then each module's (state, best score)
    and the pre- and post-test best scores. Seven queries."""

    course: Course
    version: CourseVersion
    cohort: Cohort | None
    modules: list[ModuleColumn]
    learners: list[tuple]
    lessons: dict[tuple[int, str], str]
    quizzes: dict[tuple[int, str], tuple[float | None, bool, int]]

    def records(self):
        states = _States(self.version, self.modules)
        lessons, quizzes = self.lessons, self.quizzes
        columns = [
            (index, module.slug, module.quiz_key) for index, module in enumerate(self.modules)
        ]
        for (
            eid,
            _user,
            name,
            email,
            enrolled,
            due,
            completed,
            evaluated,
            code,
            revoked,
        ) in self.learners:
            cells = []
            for index, slug, quiz_key in columns:
                best, passed, attempts = quizzes.get((eid, quiz_key), NOTHING)
                state = states.of(index, lessons.get((eid, slug), ""), attempts, passed)[0]
                cells.append((state, best))
            yield (
                (name, email, enrolled, due, completed, bool(evaluated), code, revoked is not None),
                cells,
                quizzes.get((eid, "pretest"), NOTHING)[0],
                quizzes.get((eid, "posttest"), NOTHING)[0],
            )


def progress_table(course: Course, *, cohort: Cohort | None = None) -> ProgressTable:
    """Every learner of the matrix, for the CSV export (seven queries)."""
    version = version_with_content(course.current_version_id)
    modules = module_columns(version)
    cohort_id = cohort.id if cohort else None
    learners = db.session.execute(_learners(course.id, cohort_id)).all()
    lessons, quizzes = _lookups(modules, enrollment_ids(course.id, cohort_id))
    return ProgressTable(course, version, cohort, modules, learners, lessons, quizzes)


# -- one learner ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonLine:
    module_title: str
    lesson_title: str
    module_slug: str
    lesson_slug: str
    completed_at: datetime | None
    in_current_version: bool = True


@dataclass(frozen=True)
class AttemptLine:
    quiz_key: str
    quiz_title: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None


@dataclass
class LearnerDetail:
    course: Course
    version: CourseVersion
    enrollment: Enrollment
    user: User
    lessons: list[LessonLine]
    attempts: list[AttemptLine]
    evaluation_submitted: bool  # never when: the evaluation report is anonymous
    certificate: Certificate | None

    @property
    def lessons_done(self) -> int:
        return sum(1 for line in self.lessons if line.completed_at and line.in_current_version)

    @property
    def lessons_in_version(self) -> int:
        return sum(1 for line in self.lessons if line.in_current_version)


def quiz_titles(version: CourseVersion) -> dict[str, str]:
    """Each quiz's title, a module's quiz named with its module (module quizzes
    often share a title such as "Check your understanding"). No query."""
    modules = {f"module:{module.slug}": module.title for module in version.modules}
    return {
        quiz.key: f"{modules[quiz.key]}: {quiz.title}" if quiz.key in modules else quiz.title
        for quiz in version.quizzes
    }


def quiz_title(key: str, titles: dict[str, str]) -> str:
    """The quiz's title in the current version, or a name made from its key."""
    if key in titles:
        return titles[key]
    if key == "pretest":
        return "Pre-test"
    if key == "posttest":
        return "Post-test"
    return f"{key.removeprefix('module:')} (not in the current version)"


def learner_detail(course: Course, enrollment: Enrollment) -> LearnerDetail:
    """Every lesson, attempt, whether the evaluation was submitted and the
    certificate of one enrolment (nine queries)."""
    version = version_with_content(course.current_version_id)
    user = db.session.get(User, enrollment.user_id)
    done = {
        (m, lesson): at
        for m, lesson, at in db.session.execute(
            select(
                LessonProgress.module_slug, LessonProgress.lesson_slug, LessonProgress.completed_at
            )
            .where(LessonProgress.enrollment_id == enrollment.id)
            .order_by(LessonProgress.completed_at)
        )
    }
    lessons = []
    for module in version.modules:
        for lesson in module.lessons:
            at = done.pop((module.slug, lesson.slug), None)
            lessons.append(LessonLine(module.title, lesson.title, module.slug, lesson.slug, at))
    # Lessons completed in an earlier version and since removed are listed too.
    for (module_slug, lesson_slug), at in done.items():
        lessons.append(LessonLine(module_slug, lesson_slug, module_slug, lesson_slug, at, False))
    titles = quiz_titles(version)
    attempts = [
        AttemptLine(key, quiz_title(key, titles), number, started, submitted, score, passed)
        for key, number, started, submitted, score, passed in db.session.execute(
            select(
                QuizAttempt.quiz_key,
                QuizAttempt.number,
                QuizAttempt.started_at,
                QuizAttempt.submitted_at,
                QuizAttempt.score,
                QuizAttempt.passed,
            )
            .where(QuizAttempt.enrollment_id == enrollment.id)
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    ]
    # Whether the evaluation was submitted, never when (see the module's docstring).
    evaluated = (
        db.session.execute(
            select(EvaluationResponse.id).where(EvaluationResponse.enrollment_id == enrollment.id)
        ).scalar_one_or_none()
        is not None
    )
    certificate = db.session.execute(
        select(Certificate).where(
            Certificate.enrollment_id == enrollment.id, Certificate.superseded_at.is_(None)
        )
    ).scalar_one_or_none()
    return LearnerDetail(
        course, version, enrollment, user, lessons, attempts, evaluated, certificate
    )
