"""The learner's journey as plain functions: enrol, read, answer, evaluate, complete.

Functions take explicit arguments (no request, no current_user), add and change
rows in the session, and leave the commit to the caller; the two that must be
right under concurrent requests (submitting an attempt, completing a course)
use a conditional UPDATE whose row count says who won.
"""

from __future__ import annotations

import functools
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from lms.catalog import gift
from lms.catalog.models import DRAFT_NUMBER, Course, CourseVersion, Module, Question, Quiz
from lms.catalog.services import course_by_slug as course_by_slug  # the one look-up
from lms.extensions import db, savepoint
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from lms.learning.signals import course_completed

LIKERT = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
TEXT_ANSWER_MAX = 4000
SHORT_ANSWER_MAX = 500


class LearningError(ValueError):
    """A request the rules refuse; the message is shown to the learner."""


# -- reading content ----------------------------------------------------------------


def published_courses() -> list[tuple[Course, CourseVersion]]:
    rows = db.session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .order_by(CourseVersion.title)
    )
    return [tuple(r) for r in rows]


CONTENT_CACHE_SIZE = 256  # published versions kept per process
_STAMPS = select(
    CourseVersion.id, CourseVersion.content_hash, CourseVersion.created_at, CourseVersion.number
).where(CourseVersion.id.in_(bindparam("ids", expanding=True)))


def versions_with_content(version_ids) -> dict[int, CourseVersion]:
    """Versions with their modules, lessons and quizzes, in one query when cached.

    A published version never changes (authoring edits the draft and publishes a
    new version), so each process keeps its content after the first load:
    read-only objects detached from any session, shared by every request and
    thread of the app. One query checks that each id still names the same
    version (its content hash and when it was made), so a database restored
    under a running server is loaded again. Drafts, versions not yet committed,
    and databases on one shared connection (in-memory SQLite) are loaded into the
    request's session every time, in four queries.

    Loaded on the shared objects: the version's columns, ``modules``,
    ``module.lessons``, ``module.quiz``, ``lesson.module``, ``quizzes`` and
    ``quiz.module``. Anything else (``version.course``, ``quiz.questions``...)
    raises DetachedInstanceError: ask for it by id in the request's session.
    """
    ids = list(dict.fromkeys(version_ids))
    if not ids:
        return {}
    stamps = db.session.execute(_STAMPS, {"ids": ids}).all()
    cache = _content_cache()
    found: dict[int, CourseVersion] = {}
    wanted = {}
    for version_id, content_hash, created_at, number in stamps:
        if number == DRAFT_NUMBER or cache is None:
            continue
        key = (version_id, content_hash, created_at)
        hit = cache.get(key)
        if hit is not None:
            found[version_id] = hit
        else:
            wanted[version_id] = key
    if wanted:
        found.update(cache.fill(wanted))
    rest = [i for i in ids if i not in found]
    if rest:
        found.update(_load_versions(db.session, rest))
    return found


def _load_versions(session, ids) -> dict[int, CourseVersion]:
    versions = session.execute(
        select(CourseVersion)
        .where(CourseVersion.id.in_(list(ids)))
        .options(
            selectinload(CourseVersion.modules).selectinload(Module.lessons),
            selectinload(CourseVersion.quizzes),
        )
    ).scalars()
    return {version.id: version for version in versions}


class _ContentCache:
    """Published versions' content, per app: (id, content hash, created at) ->
    detached version, at most ``size`` of them, the oldest loaded leaving first."""

    def __init__(self, size: int = CONTENT_CACHE_SIZE):
        self.size = size
        self.entries: dict[tuple, CourseVersion] = {}
        self.lock = threading.Lock()

    def get(self, key):
        return self.entries.get(key)

    def fill(self, wanted: dict[int, tuple]) -> dict[int, CourseVersion]:
        """Load and keep the wanted versions (id -> key), in their own session: the
        request's identity map never holds the shared objects, and its commit never
        expires them. A version this session cannot see yet (written by the
        request's own open transaction), or that changed meanwhile, is left out and
        loaded by the caller. On a cache miss a request holds two connections."""
        with Session(db.engine) as session:
            loaded = _load_versions(session, list(wanted))
            for version in loaded.values():
                quiz_of = {quiz.module_id: quiz for quiz in version.quizzes if quiz.module_id}
                for quiz in version.quizzes:
                    quiz.module  # noqa: B018 - loaded now from the identity map, no query
                for module in version.modules:
                    set_committed_value(module, "quiz", quiz_of.get(module.id))
                    for lesson in module.lessons:
                        lesson.module  # noqa: B018
        kept = {
            i: v for i, v in loaded.items() if (v.id, v.content_hash, v.created_at) == wanted[i]
        }
        with self.lock:
            for version_id, version in kept.items():
                key = wanted[version_id]
                for stale in [k for k in self.entries if k[0] == version_id and k != key]:
                    del self.entries[stale]  # the same id, other content: a restore
                if key not in self.entries and len(self.entries) >= self.size:
                    self.entries.pop(next(iter(self.entries)))
                self.entries[key] = version
        return kept


def _content_cache() -> _ContentCache | None:
    """The app's cache; None where every session shares one connection (an in-memory
    SQLite database), since the cache's own session would end the request's
    transaction."""
    cache = current_app.extensions.get("lms.content_cache")
    if cache is None:
        shared = isinstance(db.engine.pool, (StaticPool, SingletonThreadPool))
        cache = current_app.extensions.setdefault(
            "lms.content_cache", False if shared else _ContentCache()
        )
    return cache or None


def version_with_content(version_id: int) -> CourseVersion:
    return versions_with_content([version_id])[version_id]


def quiz_questions(quiz: Quiz) -> list[Question]:
    return list(
        db.session.execute(
            select(Question).where(Question.quiz_id == quiz.id).order_by(Question.position)
        ).scalars()
    )


def quiz_in_version(version_id: int, key: str) -> Quiz | None:
    return db.session.execute(
        select(Quiz).where(Quiz.version_id == version_id, Quiz.key == key)
    ).scalar_one_or_none()


def quiz_of_attempt(attempt) -> Quiz | None:
    """The quiz as it was in the version the attempt was started on."""
    return quiz_in_version(attempt.version_id, attempt.quiz_key)


def attempts_of(enrollment, quiz_key: str) -> list:
    return list(
        db.session.execute(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_key == quiz_key)
            .order_by(QuizAttempt.number)
        ).scalars()
    )


# -- enrolment ----------------------------------------------------------------


_ENROLLMENT = select(Enrollment).where(
    Enrollment.user_id == bindparam("user_id"), Enrollment.course_id == bindparam("course_id")
)


def enrollment_for(user, course: Course) -> Enrollment | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.execute(
        _ENROLLMENT, {"user_id": user.id, "course_id": course.id}
    ).scalar_one_or_none()


def enrol(user, course: Course, *, source: str = "self", now: datetime) -> Enrollment:
    """Enrol ``user`` once; enrolling again returns the existing enrolment."""
    existing = enrollment_for(user, course)
    if existing is not None:
        return existing
    enrollment = Enrollment(user_id=user.id, course_id=course.id, source=source, enrolled_at=now)
    try:
        with savepoint():
            db.session.add(enrollment)
    except IntegrityError:  # a concurrent request enrolled first
        return enrollment_for(user, course)
    return enrollment


def enrolled_course_titles(user) -> list[str]:
    """Titles of the published courses ``user`` is enrolled in and has not completed."""
    return list(
        db.session.execute(
            select(CourseVersion.title)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == user.id, Enrollment.completed_at.is_(None))
            .order_by(CourseVersion.title)
        ).scalars()
    )


_ENROLLMENTS_OF = (
    select(Enrollment, Course, Course.current_version_id)
    .join(Course, Enrollment.course_id == Course.id)
    .where(Enrollment.user_id == bindparam("user_id"), Course.current_version_id.is_not(None))
    .order_by(Enrollment.completed_at.is_not(None), Enrollment.enrolled_at.desc())
)


def enrollments_of(user) -> list[tuple[Enrollment, Course, int]]:
    """The learner's enrolments in published courses, unfinished first, newest first:
    (enrolment, course, id of the course's current version)."""
    return [tuple(r) for r in db.session.execute(_ENROLLMENTS_OF, {"user_id": user.id})]


# -- progress ----------------------------------------------------------------


@dataclass
class QuizState:
    quiz: Quiz
    attempts: int = 0
    attempts_submitted: int = 0
    best: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None

    @property
    def attempts_left(self) -> int | None:
        if not self.quiz.max_attempts:
            return None
        return max(0, self.quiz.max_attempts - self.attempts)

    @property
    def may_start(self) -> bool:
        """A new attempt is allowed: none is open and the limit is not reached."""
        return self.open_attempt_id is None and self.attempts_left != 0

    @property
    def may_retry(self) -> bool:
        """Offer "Try again": a graded module quiz not passed yet, with attempts left."""
        return self.quiz.kind == "module" and not self.passed and self.may_start

    @property
    def best_percent(self) -> int | None:
        return None if self.best is None else round(self.best * 100)


@dataclass
class Step:
    kind: str  # "lesson", "quiz", "pretest", "posttest", "evaluation"
    module_slug: str = ""
    lesson_slug: str = ""
    title: str = ""
    done: bool = False


@dataclass
class Progress:
    """Where a learner stands in a course version, computed from slug-keyed records."""

    version: CourseVersion
    enrollment: Enrollment | None
    completed_lessons: set[tuple[str, str]] = field(default_factory=set)
    quizzes: dict[str, QuizState] = field(default_factory=dict)
    evaluation_submitted: bool = False
    steps: list[Step] = field(default_factory=list)

    @property
    def done_steps(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_steps / len(self.steps)) if self.steps else 0

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    def is_next(self, kind: str, module_slug: str = "", lesson_slug: str = "") -> bool:
        step = self.next_step
        return step is not None and (step.kind, step.module_slug, step.lesson_slug) == (
            kind,
            module_slug,
            lesson_slug,
        )

    def resume_step(self) -> Step | None:
        """Where "continue" leads: the lesson last opened while it is unfinished and still
        in this version, else the first step not done."""
        last = self.enrollment.last_lesson if self.enrollment else None
        if last:
            module_slug, _, lesson_slug = last.partition("/")
            for step in self.steps:
                if step.kind == "lesson" and (step.module_slug, step.lesson_slug) == (
                    module_slug,
                    lesson_slug,
                ):
                    if not step.done:
                        return step
                    break
        return self.next_step

    def around(self, module_slug: str, lesson_slug: str) -> tuple[Step | None, Step | None]:
        """The steps before and after a lesson, for its page's "Previous" and "Next"."""
        steps = self.steps
        index = next(
            i
            for i, step in enumerate(steps)
            if step.kind == "lesson"
            and (step.module_slug, step.lesson_slug) == (module_slug, lesson_slug)
        )
        return (
            steps[index - 1] if index > 0 else None,
            steps[index + 1] if index + 1 < len(steps) else None,
        )

    def lesson_done(self, module_slug: str, lesson_slug: str) -> bool:
        return (module_slug, lesson_slug) in self.completed_lessons

    def module_state(self, module: Module) -> str:
        lessons = [self.lesson_done(module.slug, x.slug) for x in module.lessons]
        quiz = self.quizzes.get(f"module:{module.slug}")
        counts = (
            quiz is not None and quiz.quiz.graded and "quizzes" in self.version.completion_rules
        )
        parts = lessons + ([quiz.passed] if counts else [])
        if parts and all(parts):
            return "complete"
        if any(parts) or (quiz and quiz.attempts):
            return "in progress"
        return "not started"

    def rules(self) -> dict[str, bool]:
        """Each completion rule of the version, and whether it holds."""
        version = self.version
        lessons = [(m.slug, x.slug) for m in version.modules for x in m.lessons]
        graded = [q for q in self.quizzes.values() if q.quiz.kind == "module" and q.quiz.graded]
        posttest = self.quizzes.get("posttest")
        holds = {
            "lessons": all(key in self.completed_lessons for key in lessons),
            "quizzes": all(q.passed for q in graded),
            "posttest": posttest is not None and posttest.attempts_submitted > 0,
            "evaluation": self.evaluation_submitted,
        }
        return {rule: holds[rule] for rule in version.completion_rules}

    @property
    def complete(self) -> bool:
        return all(self.rules().values())

    def knowledge_gain(self) -> tuple[int, int, int] | None:
        """(pre-test %, post-test %, gain in points) once both were submitted."""
        pre, post = self.quizzes.get("pretest"), self.quizzes.get("posttest")
        if pre is None or post is None or pre.best is None or post.best is None:
            return None
        return pre.best_percent, post.best_percent, post.best_percent - pre.best_percent


def progress_for(enrollment: Enrollment | None, version: CourseVersion) -> Progress:
    """Progress in ``version`` (loaded with version_with_content), in three queries."""
    if enrollment is None:
        return _progress(None, version, set(), {}, False)
    return progress_for_many([(enrollment, version)])[enrollment.id]


# Built once: a page asks these on every request, and building a statement (coercing
# its columns and expressions) cost more than running it. The ids are an expanding
# parameter, so one statement serves any number of enrolments.
_IDS = bindparam("ids", expanding=True)
_SUBMITTED = QuizAttempt.submitted_at.is_not(None)
_LESSONS_DONE = select(
    LessonProgress.enrollment_id, LessonProgress.module_slug, LessonProgress.lesson_slug
).where(LessonProgress.enrollment_id.in_(_IDS))
_QUIZ_FIGURES = (
    select(
        QuizAttempt.enrollment_id,
        QuizAttempt.quiz_key,
        func.count(),
        func.count(QuizAttempt.submitted_at),
        func.max(case((_SUBMITTED, QuizAttempt.score))),
        func.max(case((_SUBMITTED & QuizAttempt.passed, 1), else_=0)),
        func.max(case((QuizAttempt.submitted_at.is_(None), QuizAttempt.id))),
    )
    .where(QuizAttempt.enrollment_id.in_(_IDS))
    .group_by(QuizAttempt.enrollment_id, QuizAttempt.quiz_key)
)
_EVALUATED = select(EvaluationResponse.enrollment_id).where(
    EvaluationResponse.enrollment_id.in_(_IDS)
)


def progress_for_many(rows: list[tuple[Enrollment, CourseVersion]]) -> dict[int, Progress]:
    """Progress of several enrolments at once, in three queries however many there are:
    the lessons done, each quiz's figures as aggregates (attempts made and submitted,
    best score, passed, the open attempt), and the evaluations submitted.

    Each version must be loaded with its modules, lessons and quizzes
    (``versions_with_content``).
    """
    ids = [enrollment.id for enrollment, _ in rows]
    if not ids:
        return {}
    given = {"ids": ids}
    lessons: dict[int, set[tuple[str, str]]] = {i: set() for i in ids}
    for enrollment_id, module_slug, lesson_slug in db.session.execute(_LESSONS_DONE, given):
        lessons[enrollment_id].add((module_slug, lesson_slug))
    attempts: dict[int, dict[str, tuple]] = {i: {} for i in ids}
    for enrollment_id, quiz_key, *figures in db.session.execute(_QUIZ_FIGURES, given):
        attempts[enrollment_id][quiz_key] = figures
    evaluated = set(db.session.execute(_EVALUATED, given).scalars())
    return {
        enrollment.id: _progress(
            enrollment,
            version,
            lessons[enrollment.id],
            attempts[enrollment.id],
            enrollment.id in evaluated,
        )
        for enrollment, version in rows
    }


def _progress(enrollment, version, completed_lessons, attempts, evaluated) -> Progress:
    progress = Progress(version=version, enrollment=enrollment)
    progress.completed_lessons = completed_lessons
    progress.evaluation_submitted = evaluated
    for quiz in version.quizzes:
        state = QuizState(quiz=quiz)
        figures = attempts.get(quiz.key)
        if figures is not None:
            made, submitted, best, passed, open_id = figures
            state.attempts, state.attempts_submitted = made, submitted
            state.best, state.passed, state.open_attempt_id = best, bool(passed), open_id
        progress.quizzes[quiz.key] = state
    progress.steps = steps_of(progress)
    return progress


def steps_of(progress: Progress) -> list[Step]:
    """The course's steps in order, each marked done or not."""
    version, steps = progress.version, []
    for module in version.modules:
        for lesson in module.lessons:
            steps.append(
                Step(
                    "lesson",
                    module.slug,
                    lesson.slug,
                    lesson.title,
                    progress.lesson_done(module.slug, lesson.slug),
                )
            )
        quiz = progress.quizzes.get(f"module:{module.slug}")
        if quiz is not None and quiz.quiz.graded and "quizzes" in version.completion_rules:
            steps.append(Step("quiz", module.slug, "", quiz.quiz.title, quiz.passed))
    if "posttest" in progress.quizzes and "posttest" in version.completion_rules:
        taken = progress.quizzes["posttest"].attempts_submitted > 0
        steps.append(Step("posttest", title="Post-test", done=taken))
    if version.evaluation and "evaluation" in version.completion_rules:
        done = progress.evaluation_submitted
        steps.append(Step("evaluation", title="Course evaluation", done=done))
    return steps


# -- lessons ----------------------------------------------------------------


def record_visit(enrollment: Enrollment, module_slug: str, lesson_slug: str, now: datetime):
    enrollment.last_lesson = f"{module_slug}/{lesson_slug}"
    enrollment.last_activity_at = now


def mark_lesson_complete(enrollment: Enrollment, module_slug: str, lesson_slug: str, now):
    """Idempotent: marking a lesson twice keeps the first time."""
    exists = db.session.execute(
        select(LessonProgress.id).where(
            LessonProgress.enrollment_id == enrollment.id,
            LessonProgress.module_slug == module_slug,
            LessonProgress.lesson_slug == lesson_slug,
        )
    ).first()
    if exists is None:
        try:
            with savepoint():
                db.session.add(
                    LessonProgress(
                        enrollment_id=enrollment.id,
                        module_slug=module_slug,
                        lesson_slug=lesson_slug,
                        completed_at=now,
                    )
                )
        except IntegrityError:
            pass  # the same lesson marked from another tab at the same moment
    enrollment.last_activity_at = now


# -- quizzes ----------------------------------------------------------------


def attempt_layout(quiz: Quiz, questions: list[Question], rng) -> tuple[list[str], dict]:
    """The order of the questions, and of each question's answers, in a new attempt."""
    order = [q.slug for q in questions]
    if quiz.shuffle_questions:
        rng.shuffle(order)
    answer_orders = {}
    for question in questions:
        count = len(question.data.get("answers") or question.data.get("pairs") or [])
        indexes = list(range(count))
        if quiz.shuffle_answers and question.type in ("multichoice", "match"):
            rng.shuffle(indexes)
        answer_orders[question.slug] = indexes
    return order, answer_orders


def start_attempt(
    enrollment: Enrollment, quiz: Quiz, questions: list[Question], state: QuizState, now, rng=None
) -> QuizAttempt:
    """The open attempt if there is one, else a new one within the attempt limit."""
    if state.open_attempt_id is not None:
        return db.session.get(QuizAttempt, state.open_attempt_id)
    if state.attempts_left == 0:
        used = (
            "You have taken this test"
            if quiz.max_attempts == 1
            else f"You have used all {quiz.max_attempts} attempts at this quiz"
        )
        raise LearningError(f"{used}. Your best score counts.")
    order, answer_orders = attempt_layout(quiz, questions, rng or random.SystemRandom())
    number = (
        db.session.execute(
            select(func.coalesce(func.max(QuizAttempt.number), 0)).where(
                QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_key == quiz.key
            )
        ).scalar_one()
        + 1
    )
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        quiz_key=quiz.key,
        number=number,
        version_id=quiz.version_id,
        started_at=now,
        question_order=order,
        answer_orders=answer_orders,
        responses={},
    )
    try:
        with savepoint():
            db.session.add(attempt)
    except IntegrityError:  # two tabs started at once: use the one that won
        attempt = db.session.execute(
            select(QuizAttempt).where(
                QuizAttempt.enrollment_id == enrollment.id,
                QuizAttempt.quiz_key == quiz.key,
                QuizAttempt.number == number,
            )
        ).scalar_one()
    enrollment.last_activity_at = now
    return attempt


def read_responses(
    attempt: QuizAttempt, questions: dict[str, Question], form: dict[str, list[str]]
) -> dict:
    """The responses in a submitted form, checked against the attempt.

    ``form`` maps field names to their values (a MultiDict's ``to_dict(flat=False)``).
    Raises LearningError for anything the attempt's own form could not have sent.
    """
    allowed_extra = {"csrf_token", "action"}
    responses: dict = {}
    for name in form:
        if name in allowed_extra:
            continue
        prefix, _, rest = name.partition("-")
        slug = rest.split("--", 1)[0]
        if prefix != "q" or slug not in questions or slug not in attempt.question_order:
            raise LearningError(
                "The answers sent do not match this quiz. Reload the page and try again; "
                "your saved answers are kept."
            )
    for slug in attempt.question_order:
        question = questions.get(slug)
        if question is None:
            continue
        value = _response_from_form(question, attempt.answer_orders.get(slug, []), form, slug)
        if value is not None:
            responses[slug] = value
    return responses


def _response_from_form(question: Question, order: list[int], form, slug: str):
    name = f"q-{slug}"
    values = form.get(name, [])
    kind = question.type
    wrong = LearningError(
        f"An answer to “{question.data.get('title') or slug}” was not one of its choices."
    )
    if kind == "multichoice":
        try:
            picked = [int(v) for v in values]
        except ValueError:
            raise wrong from None
        if any(p not in order for p in picked):
            raise wrong
        if question.data.get("single", True):
            if len(picked) > 1:
                raise wrong
            return picked[0] if picked else None
        return sorted(set(picked)) or None
    if kind == "truefalse":
        if not values:
            return None
        if values not in (["true"], ["false"]):
            raise wrong
        return values[0] == "true"
    if kind in ("shortanswer", "numerical"):
        if len(values) > 1:
            raise wrong
        text = (values[0] if values else "").strip()
        if len(text) > SHORT_ANSWER_MAX:
            raise LearningError(f"An answer has at most {SHORT_ANSWER_MAX} characters.")
        return text or None
    if kind == "match":
        pairs = question.data.get("pairs", [])
        choices = {p["answer"] for p in pairs}
        chosen = {}
        for index, pair in enumerate(pairs):
            if not pair["question"]:
                continue
            field_values = form.get(f"{name}--{index}", [])
            if len(field_values) > 1 or (field_values and field_values[0] not in choices | {""}):
                raise wrong
            if field_values and field_values[0]:
                chosen[str(index)] = field_values[0]
        return chosen or None
    return None


def save_responses(attempt: QuizAttempt, responses: dict, now) -> None:
    """Keep the answers of an open attempt. Refused once it is submitted, even when
    the submission happened in another tab a moment ago (a conditional UPDATE)."""
    saved = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(responses=responses)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if saved != 1:
        raise LearningError("This attempt has already been submitted; its result is below.")


def _gift_question(question: Question) -> gift.Question:
    return _parsed_question(question.source)


@functools.lru_cache(maxsize=4096)
def _parsed_question(source: str) -> gift.Question:
    """A stored question's GIFT, parsed once per process: the text is the key, and
    the parsed question is immutable (frozen dataclasses and tuples)."""
    return gift.parse(source).questions[0]


def grade_question(question: Question, response) -> tuple[float, list[str]]:
    """(score 0..1, feedback shown) of one stored answer, as the attempt stores it; an
    answer missing or of the wrong shape scores 0."""
    if response is None:
        return 0.0, []
    parsed = _gift_question(question)
    if question.type == "match":
        response = {int(k): v for k, v in response.items()}
    elif question.type == "multichoice" and not parsed.single:
        response = set(response)
    try:
        grade = gift.grade(parsed, response)
    except gift.ResponseError:
        return 0.0, []
    return grade.score, list(grade.feedback)


def grade(
    quiz: Quiz, questions: dict[str, Question], order: list[str], responses: dict
) -> tuple[dict, float, bool]:
    """(results per question, score 0..1, passed) of ``responses``. No query: an
    attempt's submission and an instructor's preview grade the same way."""
    results, total, counted = {}, 0.0, 0
    for slug in order:
        question = questions.get(slug)
        if question is None or question.type == "description":
            continue
        score, feedback = grade_question(question, responses.get(slug))
        results[slug] = {"score": score, "feedback": feedback}
        total += score
        counted += 1
    score = total / counted if counted else 0.0
    return results, score, score * 100 >= quiz.pass_mark - 1e-9


def submit_attempt(attempt: QuizAttempt, quiz: Quiz, questions: dict[str, Question], now) -> bool:
    """Grade and close the attempt. True if this call submitted it; False if it
    already was (a second submit, a back-button resubmit, another tab)."""
    results, score, passed = grade(quiz, questions, attempt.question_order, attempt.responses)
    won = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(
            submitted_at=now,
            score=score,
            passed=passed,
            results=results,
            responses=attempt.responses,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    return won == 1


# -- evaluation ----------------------------------------------------------------


def read_evaluation(version: CourseVersion, form: dict[str, list[str]]) -> tuple[dict, dict]:
    """(answers, errors by item id) from the evaluation form."""
    answers, errors = {}, {}
    for item in version.evaluation:
        values = form.get(f"e-{item['id']}", [])
        value = values[0].strip() if len(values) == 1 else ""
        if len(values) > 1:
            errors[item["id"]] = "Choose one answer."
            continue
        if item["kind"] == "likert":
            if value and value not in {str(k) for k in LIKERT}:
                errors[item["id"]] = "Choose one of the five answers."
            elif value:
                answers[item["id"]] = int(value)
        elif len(value) > TEXT_ANSWER_MAX:
            errors[item["id"]] = f"Use at most {TEXT_ANSWER_MAX} characters."
        elif value:
            answers[item["id"]] = value
        if item.get("required", True) and item["id"] not in answers and item["id"] not in errors:
            errors[item["id"]] = "Please answer this question."
    return answers, errors


def submit_evaluation(enrollment: Enrollment, version: CourseVersion, answers: dict, now):
    """Once per enrolment; a second submission is refused."""
    try:
        with savepoint():
            db.session.add(
                EvaluationResponse(
                    enrollment_id=enrollment.id,
                    version_id=version.id,
                    submitted_at=now,
                    answers=answers,
                )
            )
    except IntegrityError:
        raise LearningError("You have already submitted the evaluation. Thank you.") from None


# -- completion ----------------------------------------------------------------


def complete_if_done(enrollment: Enrollment, progress: Progress, now) -> bool:
    """Mark the enrolment complete when every rule holds; exactly once.

    The conditional UPDATE lets only one of several concurrent requests win;
    that one sends ``course_completed`` (certificates listen to it).
    """
    if enrollment.completed_at is not None or not progress.complete:
        return False
    won = db.session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.completed_at.is_(None))
        .values(completed_at=now, completed_version_id=progress.version.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(enrollment)
    if won == 1:
        course_completed.send(enrollment, version=progress.version)
        return True
    return False


# -- what a learner does, each step checked for completion ------------------------


def complete_lesson(enrollment: Enrollment, progress: Progress, module_slug, lesson_slug, now):
    """Mark a lesson complete; True when that completed the course."""
    mark_lesson_complete(enrollment, module_slug, lesson_slug, now)
    progress.completed_lessons.add((module_slug, lesson_slug))
    progress.steps = steps_of(progress)
    return complete_if_done(enrollment, progress, now)


def attempt_submitted(attempt_id: int) -> bool:
    """Whether the attempt is submitted, as the database says now."""
    return (
        db.session.execute(
            select(QuizAttempt.submitted_at).where(QuizAttempt.id == attempt_id)
        ).scalar_one_or_none()
        is not None
    )


def answer_attempt(
    attempt: QuizAttempt,
    quiz: Quiz,
    questions: dict[str, Question],
    form: dict[str, list[str]],
    *,
    submit: bool,
    enrollment: Enrollment,
    version: CourseVersion,
    now,
) -> bool:
    """Save the form's answers and, when asked, submit them once; True when that
    completed the course. LearningError for a form the attempt could not have sent."""
    save_responses(attempt, read_responses(attempt, questions, form), now)
    if submit and submit_attempt(attempt, quiz, questions, now):
        return complete_if_done(enrollment, progress_for(enrollment, version), now)
    return False


def evaluate(enrollment: Enrollment, progress: Progress, answers: dict, now) -> bool:
    """Submit the evaluation once; True when that completed the course."""
    submit_evaluation(enrollment, progress.version, answers, now)
    progress.evaluation_submitted = True
    progress.steps = steps_of(progress)
    return complete_if_done(enrollment, progress, now)
