"""A whole site of benchmark data: courses, staff, cohorts, learners and their work.

``seed_site`` imports the shipped courses and the synthetic forty-module course
through the normal loader, then inserts everything else set-based (a few bulk
INSERTs per table, never a query per learner), from one ``random.Random(seed)``:
the same seed and the same ``as_of`` day give the same rows.

It never mixes with real records: a database holding any account that a previous
seed did not make, or a course that is neither shipped nor synthetic, is refused.
A previous seed is removed first, in the same transaction as the new one.
"""

from __future__ import annotations

import math
import random
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, func, inspect, select

from lms.accounts.forms import PROFESSIONS
from lms.accounts.models import ThrottleEvent, User
from lms.accounts.passwords import hash_password
from lms.benchdata.activity import (
    FIRST,
    LAST,
    Activity,
    BenchDataError,
    CourseWork,
    bulk_insert,
    draw_plan,
    work_and_enrol,
)
from lms.benchdata.synthetic import SYNTHETIC_SLUG, write_synthetic_course
from lms.catalog.cli import import_folders, shipped_courses
from lms.catalog.models import Course, CourseInstructor
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from lms.learning.services import versions_with_content
from lms.mail import OutgoingMail

# Published on purpose: load tests sign in as the seeded accounts with it.
BENCH_PASSWORD = "bench learner passphrase 2026"  # noqa: S105
EMAIL_DOMAIN = "bench.example.org"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
INSTRUCTOR_EMAILS = (f"instructor1@{EMAIL_DOMAIN}", f"instructor2@{EMAIL_DOMAIN}")
SIZES = {"S": 100, "M": 1_000, "L": 10_000}
DEFAULT_SEED = 8
COHORT_SIZE = 500
COHORT_PREFIX = "Bench intake "
CHUNK = 1_000  # learners whose work is held in memory and inserted together


class SeedRefused(BenchDataError):
    """The database holds records that are not benchmark data."""


def learner_email(number: int) -> str:
    """The address of learner ``number``, counted from 0."""
    return f"learner{number:05d}@{EMAIL_DOMAIN}"


def _is_bench_account():
    return User.email.endswith(f"@{EMAIL_DOMAIN}", autoescape=True)


def previous_seed(expected_slugs: set[str]) -> int:
    """How many accounts a previous seed left (0 for an empty database); refuses a
    database with anything else in it."""
    if not inspect(db.engine).has_table(User.__tablename__):
        raise SeedRefused("The database has no tables yet: run `flask --app lms db upgrade` first.")
    others = db.session.scalar(select(func.count()).where(~_is_bench_account()))
    if others:
        raise SeedRefused(
            f"The database holds {others:,} account(s) that bench seed did not make. "
            "Benchmark data is never mixed with real people's records: point "
            "LMS_DATABASE_URL at a new database, run `flask --app lms db upgrade`, "
            "and seed that."
        )
    slugs = set(db.session.scalars(select(Course.slug)))
    if foreign := sorted(slugs - expected_slugs):
        raise SeedRefused(
            f"The database holds course(s) that are neither shipped nor synthetic "
            f"({', '.join(foreign)}). Benchmark data goes into a database of its own: "
            "point LMS_DATABASE_URL at a new database, run `flask --app lms db upgrade`, "
            "and seed that."
        )
    return db.session.scalar(select(func.count()).select_from(User))


def clear_previous_seed() -> None:
    """Remove the accounts of a previous seed and everything that hangs on them
    (enrolments and their work, certificates, memberships, the bench cohorts)."""
    bench_users = select(User.id).where(_is_bench_account())
    bench_enrolments = select(Enrollment.id).where(Enrollment.user_id.in_(bench_users))
    for statement in (
        delete(Certificate).where(Certificate.user_id.in_(bench_users)),
        delete(EvaluationResponse).where(EvaluationResponse.enrollment_id.in_(bench_enrolments)),
        delete(QuizAttempt).where(QuizAttempt.enrollment_id.in_(bench_enrolments)),
        delete(LessonProgress).where(LessonProgress.enrollment_id.in_(bench_enrolments)),
        delete(Enrollment).where(Enrollment.user_id.in_(bench_users)),
        delete(CohortMember).where(CohortMember.user_id.in_(bench_users)),
        delete(CohortCourse).where(
            CohortCourse.cohort_id.in_(
                select(Cohort.id).where(Cohort.name.startswith(COHORT_PREFIX, autoescape=True))
            )
        ),
        delete(Cohort).where(Cohort.name.startswith(COHORT_PREFIX, autoescape=True)),
        delete(CourseInstructor).where(CourseInstructor.user_id.in_(bench_users)),
        delete(OutgoingMail).where(OutgoingMail.user_id.in_(bench_users)),
        # Only bench accounts exist (previous_seed checked): failed sign-ins counted
        # during an earlier load test would otherwise throttle the next one.
        delete(ThrottleEvent),
        delete(User).where(_is_bench_account()),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))


def seed_site(
    learners: int,
    *,
    seed: int = DEFAULT_SEED,
    as_of: date,
    echo: Callable[[str], object] = print,
) -> dict[str, int]:
    """Seed ``learners`` learners, their cohorts and their work, up to the start of day
    ``as_of`` (UTC); returns the number of rows of each kind now in the database."""
    folders = shipped_courses()
    expected = [folder.name for folder in folders] + [SYNTHETIC_SLUG]
    previous = previous_seed(set(expected))
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        folders.append(write_synthetic_course(Path(scratch)))
        if import_folders(folders, echo=echo):
            raise BenchDataError("Some courses could not be imported (above): nothing seeded.")

    by_slug = {
        c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(expected)))
    }
    courses = [by_slug[slug] for slug in expected]
    versions = versions_with_content([course.current_version_id for course in courses])
    if previous:
        echo(f"Replacing the previous seed ({previous:,} accounts).")
        clear_previous_seed()

    rng = random.Random(seed)
    works = [CourseWork(c, versions[c.current_version_id], rng) for c in courses]
    now = datetime.combine(as_of, time(), UTC)
    cohorts = _cohort_plan(learners, len(works), now)
    password_hash = hash_password(BENCH_PASSWORD)  # once: argon2 is slow on purpose

    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(learners)]
    user_rows = _staff(now) + [
        {
            "email": learner_email(i),
            "full_name": names[i],
            "profession": rng.choice(PROFESSIONS),
            "role": "learner",
            "created_at": cohorts[i // COHORT_SIZE]["intake"]
            - timedelta(days=rng.randint(1, 21), minutes=rng.randint(0, 1440)),
        }
        for i in range(learners)
    ]
    for row in user_rows:
        row |= {
            "password_hash": password_hash,
            "active": True,
            "session_token": f"{rng.getrandbits(128):032x}",
        }
    user_ids = bulk_insert(User, user_rows, "email")
    admin_id = user_ids[ADMIN_EMAIL]
    instructor_ids = [user_ids[email] for email in INSTRUCTOR_EMAILS]
    learner_ids = [user_ids[learner_email(i)] for i in range(learners)]

    bulk_insert(
        CourseInstructor,
        [
            {"course_id": work.course.id, "user_id": user_id, "added_at": now - timedelta(days=400)}
            for index, work in enumerate(works)
            for n, user_id in enumerate(instructor_ids)
            # Each shipped course has one of the two; the synthetic one has both.
            if index == len(works) - 1 or index % len(instructor_ids) == n
        ],
    )
    cohort_rows = bulk_insert(
        Cohort,
        [
            {
                "name": cohort["name"],
                "description": "Benchmark data (flask --app lms bench seed).",
                "opens_on": cohort["intake"].date() - timedelta(days=14),
                "closes_on": cohort["intake"].date() + timedelta(days=30),
                "created_at": cohort["intake"] - timedelta(days=21),
                "created_by_id": admin_id,
            }
            for cohort in cohorts
        ],
        "name",
    )
    cohort_ids = [cohort_rows[cohort["name"]] for cohort in cohorts]
    bulk_insert(
        CohortCourse,
        [
            {
                "cohort_id": cohort_id,
                "course_id": works[index].course.id,
                "due_on": cohort["due_on"],
                "added_at": cohort["intake"] - timedelta(days=20),
            }
            for cohort_id, cohort in zip(cohort_ids, cohorts, strict=True)
            for index in cohort["courses"]
        ],
    )
    bulk_insert(
        CohortMember,
        [
            {
                "cohort_id": cohort_ids[i // COHORT_SIZE],
                "user_id": user_id,
                "added_at": cohorts[i // COHORT_SIZE]["intake"] - timedelta(days=1),
                "added_by_id": admin_id,
            }
            for i, user_id in enumerate(learner_ids)
        ],
    )

    # Every learner's courses and plans are drawn before any work, so that the rows do
    # not depend on how many learners are inserted together.
    enrolments = [
        _enrolments_of(rng, works, cohorts[i // COHORT_SIZE], user_id, names[i], now)
        for i, user_id in enumerate(learner_ids)
    ]
    work_by_course = {work.course.id: work for work in works}
    activity = Activity()
    for start in range(0, learners, CHUNK):
        chunk = [row for rows in enrolments[start : start + CHUNK] for row in rows]
        work_and_enrol(rng, work_by_course, activity, chunk)
    db.session.commit()
    return row_counts()


def _staff(now: datetime) -> list[dict]:
    created = now - timedelta(days=720)
    return [
        {
            "email": ADMIN_EMAIL,
            "full_name": "Bench Administrator",
            "profession": "",
            "role": "administrator",
            "created_at": created,
        },
        {
            "email": INSTRUCTOR_EMAILS[0],
            "full_name": "Grace Mensah",
            "profession": "Attending physician",
            "role": "instructor",
            "created_at": created,
        },
        {
            "email": INSTRUCTOR_EMAILS[1],
            "full_name": "Tomás Novak",
            "profession": "Nurse practitioner",
            "role": "instructor",
            "created_at": created,
        },
    ]


def _cohort_plan(learners: int, course_count: int, now: datetime) -> list[dict]:
    """One cohort per COHORT_SIZE learners, an intake every 25 days, the latest 60 days
    ago; each takes one or two shipped courses (every fourth also the synthetic one),
    due 90 days after its intake."""
    count = max(1, math.ceil(learners / COHORT_SIZE))
    shipped = max(1, course_count - 1)
    cohorts = []
    for k in range(count):
        intake = (now - timedelta(days=60 + 25 * (count - 1 - k))).replace(hour=9)
        courses = [k % shipped] + ([(k + 1) % shipped] if k % 2 else [])
        if k % 4 == 3:
            courses.append(course_count - 1)
        cohorts.append(
            {
                "name": f"{COHORT_PREFIX}{k + 1:02d}",
                "intake": intake,
                "due_on": intake.date() + timedelta(days=90),
                "courses": sorted(set(courses)),
            }
        )
    return cohorts


def _enrolments_of(rng, works, cohort: dict, user_id: int, name: str, now: datetime):
    """A learner's enrolments (one to three): the cohort's courses, and perhaps one or
    two more they chose themselves, each with its plan."""
    own = cohort["courses"]
    roll = rng.random()
    extra = min(0 if roll < 0.5 else 1 if roll < 0.85 else 2, 3 - len(own))
    others = [index for index in range(len(works)) if index not in own]
    chosen = rng.sample(others, min(extra, len(others)))
    latest_self = now - timedelta(days=40)
    span = max(0, (latest_self - cohort["intake"]).days)
    rows = []
    for index in sorted([*own, *chosen]):
        if index in own:
            plan = draw_plan(rng, cohort["intake"] + timedelta(days=14), (0, 14))
            source, due_on = "cohort", cohort["due_on"]
        else:
            plan = draw_plan(rng, latest_self, (0, span))
            source, due_on = "self", None
        rows.append(
            {
                "user_id": user_id,
                "course_id": works[index].course.id,
                "enrolled_at": plan.enrolled_at,
                "source": source,
                "due_on": due_on,
                "plan": plan,
                "learner_name": name,
            }
        )
    return rows


def row_counts() -> dict[str, int]:
    """Rows of each kind in the database, as the command reports them."""

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "courses": count(Course),
        "learners": count(User, User.role == "learner"),
        "staff": count(User, User.role != "learner"),
        "cohorts": count(Cohort),
        "cohort members": count(CohortMember),
        "enrolments": count(Enrollment),
        "lessons completed": count(LessonProgress),
        "quiz attempts": count(QuizAttempt),
        "evaluations": count(EvaluationResponse),
        "completions": count(Enrollment, Enrollment.completed_at.is_not(None)),
        "certificates": count(Certificate),
    }
