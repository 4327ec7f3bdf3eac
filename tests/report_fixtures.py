"""Shared helpers and fixtures for the reports tests (issue #6).

Import what a test module needs: ``from tests.report_fixtures import ...``. As in
``tests.learning_fixtures``, fixtures are defined as ``<name>_fixture`` with
``name="<name>"``.

- ``study(app, user, ...)``: a learner's work in a course through the learning
  services (enrol, lessons, quiz attempts with form answers, evaluation), as
  the pages would do it, then committed.
- ``bulk_learners(app, n, ...)``: ``n`` learners with progress, attempts, an
  evaluation and completions, inserted in a handful of bulk INSERTs (for the
  query-count tests at 10 and 1,000 learners).
- ``make_cohort(app, name, course_slugs, members)``: a cohort through its models.
- ``assign(app, instructor, slug)``: makes an instructor teach a course.
- ``reports`` fixture: the example course with six learners whose answers to the
  first module's quiz are chosen so the item statistics can be worked by hand.
- ``evaluators(app, make_user, answers)``: a learner per evaluation form, each
  submitting it an hour after the one before (EVALUATIONS: five answers whose
  order of submission is not the order of their text).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from lms.accounts.models import User
from lms.catalog.models import CourseInstructor
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from tests.learning_fixtures import EXAMPLE, LESSONS, RIGHT, SLUG, WRONG, import_folder

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)

# Answers to the first module's quiz (where-is-the-slug: 0 is right; callouts:
# [0, 1] is right, one of them alone half right, [2] wrong) and what they score.
FIRST_STEPS = {
    "A": ({"q-where-is-the-slug": "0", "q-callouts": ["0", "1"]}, (1.0, 1.0)),
    "B": ({"q-where-is-the-slug": "0", "q-callouts": ["0"]}, (1.0, 0.5)),
    "C": ({"q-where-is-the-slug": "1", "q-callouts": ["0", "1"]}, (0.0, 1.0)),
    "D": ({"q-where-is-the-slug": "0", "q-callouts": ["2"]}, (1.0, 0.0)),
    "E": ({"q-where-is-the-slug": "2", "q-callouts": ["2"]}, (0.0, 0.0)),
    "F": ({"q-where-is-the-slug": "1", "q-callouts": ["1"]}, (0.0, 0.5)),
}


def _form(answers: dict) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in answers.items()}


def study(
    app,
    user,
    *,
    slug: str = SLUG,
    lessons=(),
    quizzes=(),
    evaluation: dict | None = None,
    at: datetime = NOW,
) -> int:
    """Enrol ``user`` and do the work given, through the services; the enrolment's id.

    ``quizzes``: (quiz slug, form answers) pairs, each a submitted attempt, in order.
    ``evaluation``: the evaluation form's fields (``e-<item id>``)."""
    with app.app_context():
        course = services.course_by_slug(slug)
        version = services.version_with_content(course.current_version_id)
        learner = db.session.get(User, user.id)
        enrollment = services.enrol(learner, course, now=at)
        db.session.flush()
        for module_slug, lesson_slug in lessons:
            progress = services.progress_for(enrollment, version)
            services.complete_lesson(enrollment, progress, module_slug, lesson_slug, at)
        for step, (quiz_slug, answers) in enumerate(quizzes, start=1):
            when = at + timedelta(minutes=step)
            key = quiz_slug if quiz_slug in ("pretest", "posttest") else f"module:{quiz_slug}"
            quiz = next(q for q in version.quizzes if q.key == key)
            questions = services.quiz_questions(quiz)
            state = services.progress_for(enrollment, version).quizzes[key]
            attempt = services.start_attempt(enrollment, quiz, questions, state, when)
            services.answer_attempt(
                attempt,
                quiz,
                {q.slug: q for q in questions},
                _form(answers),
                submit=True,
                enrollment=enrollment,
                version=version,
                now=when,
            )
        if evaluation is not None:
            answers, errors = services.read_evaluation(version, _form(evaluation))
            assert not errors, errors
            progress = services.progress_for(enrollment, version)
            services.evaluate(enrollment, progress, answers, at + timedelta(hours=1))
        db.session.commit()
        return enrollment.id


def finish(app, user, *, slug: str = SLUG, at: datetime = NOW, pre=WRONG, post=RIGHT) -> int:
    """Every step of the example course: completed, with its certificate."""
    return study(
        app,
        user,
        slug=slug,
        lessons=LESSONS,
        quizzes=[
            ("pretest", pre["pretest"]),
            ("first-steps", RIGHT["first-steps"]),
            ("going-further", RIGHT["going-further"]),
            ("posttest", post["posttest"]),
        ],
        evaluation={"e-met-objectives": "4", "e-improve": "More cases, please."},
        at=at,
    )


# Evaluation forms in the order they are submitted, an hour apart: neither the
# ratings nor the written answers are in order, and two answers differ only in case.
EVALUATIONS = [
    {"e-met-objectives": "2", "e-improve": "more cases, please."},
    {"e-met-objectives": "5", "e-improve": "Zoom in on the diagrams."},
    {"e-met-objectives": "4", "e-improve": "A glossary of terms."},
    {"e-met-objectives": "5"},
    {"e-met-objectives": "3", "e-improve": "More cases, please."},
]


def evaluators(app, make_user, answers=EVALUATIONS, *, name="Evaluator", at=NOW) -> list:
    """A new learner for each evaluation form in ``answers``, the n-th submitting
    it n hours after ``at`` (``study`` adds one more)."""
    users = []
    for number, fields in enumerate(answers, start=1):
        user = make_user(full_name=f"{name} {number}", email=f"{name.lower()}{number}@example.org")
        study(app, user, evaluation=fields, at=at + timedelta(hours=number))
        users.append(user)
    return users


def make_cohort(app, name: str, course_slugs=(SLUG,), members=(), due_on=None) -> int:
    with app.app_context():
        cohort = Cohort(name=name)
        db.session.add(cohort)
        db.session.flush()
        for slug in course_slugs:
            course = services.course_by_slug(slug)
            db.session.add(CohortCourse(cohort_id=cohort.id, course_id=course.id, due_on=due_on))
        for member in members:
            db.session.add(CohortMember(cohort_id=cohort.id, user_id=member.id))
        db.session.commit()
        return cohort.id


def assign(app, instructor, slug: str = SLUG) -> None:
    with app.app_context():
        course = services.course_by_slug(slug)
        db.session.add(CourseInstructor(course_id=course.id, user_id=instructor.id))
        db.session.commit()


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "no byte-order mark"
    return list(csv.DictReader(io.StringIO(text[1:])))


# -- many learners at once -------------------------------------------------------------------


def bulk_learners(app, n: int, *, slug: str = SLUG, cohort_id: int | None = None) -> None:
    """``n`` learners in the example course, each with two lessons, a first-module
    quiz attempt, a pre-test and a post-test, an evaluation, and every third one
    completed: a few bulk INSERTs, whatever ``n``."""
    with app.app_context():
        course = services.course_by_slug(slug)
        version_id = course.current_version_id
        first = db.session.execute(select(User.id).order_by(User.id.desc())).first()
        start = (first[0] if first else 0) + 1
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"bulk{start + i}@example.org",
                    "full_name": f"Bulk Learner {i:05d}",
                    "role": "learner",
                    "profession": "Registered nurse",
                }
                for i in range(n)
            ],
        )
        user_ids = list(
            db.session.execute(
                select(User.id).where(User.email.like("bulk%@example.org")).order_by(User.id)
            ).scalars()
        )[-n:]
        db.session.execute(
            insert(Enrollment),
            [
                {
                    "user_id": uid,
                    "course_id": course.id,
                    "enrolled_at": NOW,
                    "source": "cohort",
                    "due_on": date(2025, 9, 1),
                    "completed_at": NOW + timedelta(days=1) if i % 3 == 0 else None,
                    "completed_version_id": version_id if i % 3 == 0 else None,
                }
                for i, uid in enumerate(user_ids)
            ],
        )
        enrollment_ids = list(
            db.session.execute(
                select(Enrollment.id)
                .where(Enrollment.user_id.in_(select(User.id).where(User.id >= user_ids[0])))
                .order_by(Enrollment.id)
            ).scalars()
        )
        db.session.execute(
            insert(LessonProgress),
            [
                {"enrollment_id": e, "module_slug": m, "lesson_slug": lesson, "completed_at": NOW}
                for e in enrollment_ids
                for m, lesson in LESSONS[:2]
            ],
        )
        attempts = []
        for i, e in enumerate(enrollment_ids):
            right = i % 2 == 0
            attempts.append(
                _attempt(e, "module:first-steps", version_id, i, right, "where-is-the-slug")
            )
            attempts.append(_attempt(e, "pretest", version_id, i, False, "folder-names"))
            attempts.append(_attempt(e, "posttest", version_id, i, right, "folder-names"))
        db.session.execute(insert(QuizAttempt), attempts)
        db.session.execute(
            insert(EvaluationResponse),
            [
                {
                    "enrollment_id": e,
                    "version_id": version_id,
                    "submitted_at": NOW,
                    "answers": {"met-objectives": 1 + i % 5, "improve": f"Idea {i}"},
                }
                for i, e in enumerate(enrollment_ids)
            ],
        )
        if cohort_id is not None:
            db.session.execute(
                insert(CohortMember), [{"cohort_id": cohort_id, "user_id": u} for u in user_ids]
            )
        db.session.commit()


def _attempt(enrollment_id, key, version_id, i, right, slug) -> dict:
    return {
        "enrollment_id": enrollment_id,
        "quiz_key": key,
        "number": 1,
        "version_id": version_id,
        "started_at": NOW,
        "submitted_at": NOW + timedelta(minutes=5),
        "question_order": [slug],
        "answer_orders": {slug: [0, 1]},
        "responses": {slug: 0 if right else 1},
        "results": {slug: {"score": 1.0 if right else 0.0, "feedback": []}},
        "score": 1.0 if right else 0.0,
        "passed": right,
    }


# -- the example course with six learners ------------------------------------------------------


@pytest.fixture(name="reports")
def reports_fixture(app, make_user):
    """The example course; learners A-F answered its first quiz as in FIRST_STEPS.

    A also finished the course (pre-test wrong, post-test right), B did the first
    two lessons, C only enrolled. Returns {letter: UserRecord} plus "ids": enrolment
    ids by letter."""
    import_folder(app, EXAMPLE)
    users = {
        letter: make_user(full_name=f"Learner {letter}", email=f"{letter.lower()}@example.org")
        for letter in "ABCDEF"
    }
    ids = {}
    for letter, user in users.items():
        answers, _ = FIRST_STEPS[letter]
        ids[letter] = study(app, user, quizzes=[("first-steps", answers)])
    finish(app, users["A"])
    study(app, users["B"], lessons=LESSONS[:2])
    return {**users, "ids": ids}
