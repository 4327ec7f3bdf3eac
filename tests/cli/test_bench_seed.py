"""``flask --app lms bench seed`` (issue #8): a deterministic site full of learners, on
the test database, and refused wherever it would mix with real records."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lms import PROJECT_ROOT
from lms.accounts.models import User
from lms.benchdata import (
    ADMIN_EMAIL,
    BENCH_PASSWORD,
    INSTRUCTOR_EMAILS,
    SYNTHETIC_SLUG,
    learner_email,
)
from lms.catalog.models import Course, CourseInstructor
from lms.certificates.models import Certificate
from lms.certificates.services import normalise_code
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from tests.learning_fixtures import EXAMPLE, import_folder, sign_in

SHIPPED = sorted(path.name for path in (PROJECT_ROOT / "courses").iterdir() if path.is_dir())
AS_OF = "2026-03-02"  # pinned, so that a run across midnight seeds the same rows twice


@pytest.fixture
def config_class(config_class):
    """The real shipped courses, which the command imports, not the test fixtures."""

    class Settings(config_class):
        COURSES_DIR = str(PROJECT_ROOT / "courses")

    return Settings


def seed(runner, *extra):
    return runner.invoke(args=["bench", "seed", "--size", "S", "--as-of", AS_OF, *extra])


def digest() -> str:
    """A fingerprint of the seeded rows by their natural keys (emails, slugs, codes),
    so that it does not depend on row ids; password hashes are salted at random and
    left out."""
    person = select(User.id, User.email).subquery()
    course = select(Course.id, Course.slug).subquery()
    enrolment = (
        select(Enrollment.id, person.c.email, course.c.slug)
        .join(person, person.c.id == Enrollment.user_id)
        .join(course, course.c.id == Enrollment.course_id)
        .subquery()
    )
    queries = [
        select(User.email, User.full_name, User.profession, User.role, User.created_at).order_by(
            User.email
        ),
        select(User.session_token).order_by(User.email),
        select(Cohort.name, Cohort.opens_on, Cohort.closes_on, CohortCourse.due_on, course.c.slug)
        .join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .join(course, course.c.id == CohortCourse.course_id)
        .order_by(Cohort.name, course.c.slug),
        select(Cohort.name, person.c.email)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(person, person.c.id == CohortMember.user_id)
        .order_by(person.c.email),
        select(
            enrolment.c.email,
            enrolment.c.slug,
            Enrollment.enrolled_at,
            Enrollment.source,
            Enrollment.due_on,
            Enrollment.last_lesson,
            Enrollment.last_activity_at,
            Enrollment.completed_at,
        )
        .join(enrolment, enrolment.c.id == Enrollment.id)
        .order_by(enrolment.c.email, enrolment.c.slug),
        select(
            enrolment.c.email,
            enrolment.c.slug,
            LessonProgress.module_slug,
            LessonProgress.lesson_slug,
            LessonProgress.completed_at,
        )
        .join(enrolment, enrolment.c.id == LessonProgress.enrollment_id)
        .order_by(
            enrolment.c.email,
            enrolment.c.slug,
            LessonProgress.module_slug,
            LessonProgress.lesson_slug,
        ),
        select(
            enrolment.c.email,
            enrolment.c.slug,
            QuizAttempt.quiz_key,
            QuizAttempt.number,
            QuizAttempt.started_at,
            QuizAttempt.submitted_at,
            QuizAttempt.responses,
            QuizAttempt.score,
            QuizAttempt.passed,
        )
        .join(enrolment, enrolment.c.id == QuizAttempt.enrollment_id)
        .order_by(enrolment.c.email, enrolment.c.slug, QuizAttempt.quiz_key, QuizAttempt.number),
        select(enrolment.c.email, enrolment.c.slug, EvaluationResponse.answers)
        .join(enrolment, enrolment.c.id == EvaluationResponse.enrollment_id)
        .order_by(enrolment.c.email, enrolment.c.slug),
        select(
            Certificate.code,
            enrolment.c.email,
            Certificate.learner_name,
            Certificate.course_slug,
            Certificate.completed_at,
        )
        .join(enrolment, enrolment.c.id == Certificate.enrollment_id)
        .order_by(Certificate.code),
    ]
    fingerprint = hashlib.sha256()
    for query in queries:
        for row in db.session.execute(query):
            fingerprint.update(repr(tuple(row)).encode())
    return fingerprint.hexdigest()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_size_s_seeds_the_courses_people_and_their_work(app, runner):
    result = seed(runner)

    assert result.exit_code == 0, result.output
    assert "Seeded size S (seed 8" in result.output
    with app.app_context():
        assert sorted(db.session.scalars(select(Course.slug))) == sorted([*SHIPPED, SYNTHETIC_SLUG])
        synthetic = db.session.scalar(select(Course).where(Course.slug == SYNTHETIC_SLUG))
        assert len(synthetic.current_version.modules) == 40
        assert {len(m.lessons) for m in synthetic.current_version.modules} == {3}
        assert count(User, User.role == "learner") == 100
        assert db.session.scalar(select(User.role).where(User.email == ADMIN_EMAIL)) == (
            "administrator"
        )
        for email in INSTRUCTOR_EMAILS:
            user = db.session.scalar(select(User).where(User.email == email))
            assert user.role == "instructor"
            assert count(CourseInstructor, CourseInstructor.user_id == user.id) >= 2
        assert count(User, User.email == learner_email(99)) == 1
        # Hashed once and shared: the seed does not run argon2 per account.
        assert db.session.scalar(select(func.count(User.password_hash.distinct()))) == 1
        assert count(Cohort) == 1
        assert count(CohortMember) == 100
        per_learner = db.session.execute(
            select(func.count()).select_from(Enrollment).group_by(Enrollment.user_id)
        ).scalars()
        assert set(per_learner) <= {1, 2, 3}
        assert count(Enrollment, Enrollment.course_id == synthetic.id) > 0
        completions = count(Enrollment, Enrollment.completed_at.is_not(None))
        assert 0 < completions < count(Enrollment)
        assert count(Certificate) == count(EvaluationResponse) == completions
        assert count(LessonProgress) > 0
        assert count(QuizAttempt) > 0
        graded = QuizAttempt.score.is_not(None), QuizAttempt.passed.is_not(None)
        assert count(QuizAttempt, QuizAttempt.submitted_at.is_not(None), *graded) == count(
            QuizAttempt, QuizAttempt.submitted_at.is_not(None)
        )
        codes = db.session.scalars(select(Certificate.code)).all()
        assert all(normalise_code(code) == code for code in codes)
    # The counts printed are the rows in the database.
    assert f"completions {completions:>10,}".replace(" ", "") in result.output.replace(" ", "")


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(app, runner):
    assert seed(runner).exit_code == 0
    with app.app_context():
        first = digest()

    again = seed(runner)
    assert again.exit_code == 0, again.output
    assert "Replacing the previous seed (103 accounts)." in again.output
    with app.app_context():
        assert digest() == first
        assert count(User) == 103

    assert seed(runner, "--seed", "9").exit_code == 0
    with app.app_context():
        assert digest() != first


def test_seeded_learners_sign_in_and_see_their_dashboard_and_staff_their_reports(app, runner):
    assert seed(runner).exit_code == 0
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.email == learner_email(0)))
        titles = [
            course.current_version.title
            for course in db.session.scalars(
                select(Course).join(Enrollment).where(Enrollment.user_id == learner.id)
            )
        ]
        synthetic_enrolment = db.session.scalar(
            select(Enrollment.id)
            .join(Course)
            .where(Course.slug == SYNTHETIC_SLUG, Enrollment.completed_at.is_not(None))
            .limit(1)
        )

    client = app.test_client()
    sign_in(client, SimpleNamespace(email=learner_email(0), password=BENCH_PASSWORD))
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert titles and all(title.replace("'", "&#39;") in html for title in titles)

    admin = app.test_client()
    sign_in(admin, SimpleNamespace(email=ADMIN_EMAIL, password=BENCH_PASSWORD))
    base = f"/reports/courses/{SYNTHETIC_SLUG}"
    for path in (
        "/reports",
        f"{base}/progress",
        f"{base}/progress.csv",
        f"{base}/learners/{synthetic_enrolment}",
        f"{base}/quizzes/module-01/items",
        f"{base}/quizzes/pretest/items",
        f"{base}/knowledge-gain",
        f"{base}/evaluation",
        f"/reports/courses/{SHIPPED[0]}/progress",
        "/reports/completions?from=2025-01-01&to=2026-03-01",
    ):
        assert admin.get(path).status_code == 200, path

    instructor = app.test_client()
    sign_in(instructor, SimpleNamespace(email=INSTRUCTOR_EMAILS[0], password=BENCH_PASSWORD))
    assert instructor.get(f"{base}/progress").status_code == 200


def test_a_database_with_real_accounts_is_refused_and_left_alone(app, runner, make_user):
    make_user("administrator", email="ana@clinic.example.com")

    result = seed(runner)

    assert result.exit_code == 1
    assert "holds 1 account(s) that bench seed did not make" in result.output
    assert "never mixed with real people's records" in result.output
    with app.app_context():
        assert count(User) == 1
        assert count(Course) == 0


def test_a_database_with_other_courses_is_refused(app, runner):
    import_folder(app, EXAMPLE)

    result = seed(runner)

    assert result.exit_code == 1
    assert "neither shipped nor synthetic (example-course)" in result.output
    with app.app_context():
        assert count(User) == 0
        assert count(Course) == 1


def test_a_database_without_tables_is_refused(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["bench", "seed", "--size", "S"])

    assert result.exit_code == 1
    assert "run `flask --app lms db upgrade` first" in result.output


def test_an_unknown_size_is_refused(runner):
    result = runner.invoke(args=["bench", "seed", "--size", "XL"])

    assert result.exit_code == 2
    assert "'XL' is not one of 'S', 'M', 'L'" in result.output
