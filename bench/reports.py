"""How long each report takes for one cohort, against a floor measured in the same run.

    python bench/reports.py [--learners 10000] [--runs 5] [--database-url URL]

A new database (a SQLite file by default), the shipped course
identification-and-referral in one cohort, and N learners in it, inserted in a
few bulk INSERTs: about a third completed (every lesson, module quizzes passed
in one to three attempts, pre-test, post-test, evaluation, certificate), a third
part of the way (some modules done, the next one started), the rest with only
the pre-test or nothing. Quiz answers follow a per-learner ability and a
per-question difficulty, graded by the course's own GIFT grader, so facility and
discrimination come out as they would (``lms.benchdata.activity.seed_cohort``,
which shares its rules with ``flask --app lms bench seed``).

Measured: each report function as its view calls it (the cohort chosen, and all
learners), the median of --runs runs after one warm-up, each in a new session;
then the pages and CSV downloads through the test client as an administrator
(templates, the heat map and the CSV writer included). The floor is the
cheapest pass over the same data: count the cohort's submitted attempts (one
join through its members) and fetch its enrolments as plain tuples. Issue #6
asks that each report for a cohort of 10,000 learners answer in well under a
second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from config import TestConfig
from lms import create_app
from lms.accounts import services as accounts
from lms.benchdata.activity import seed_cohort
from lms.catalog.loader import load_course
from lms.catalog.models import Course
from lms.catalog.services import import_course
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db, utcnow
from lms.learning.models import Enrollment, QuizAttempt
from lms.learning.services import version_with_content
from lms.reports import exports, queries
from lms.reports.completions import completion_summary, default_period
from lms.reports.evaluation import evaluation_results
from lms.reports.gain import knowledge_gain
from lms.reports.items import item_analysis
from lms.reports.progress import learner_detail, progress_all, progress_matrix, progress_table

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "courses" / "identification-and-referral"
PASSWORD = "a calm and long bench passphrase"  # noqa: S105
BAR = 1.0  # seconds: issue #6 asks for "well under a second"


# -- timing ------------------------------------------------------------------------------------


def median_seconds(setup, run, runs: int) -> float:
    """Median time of ``run(*setup())``, after one warm-up, each in a new session;
    ``setup`` (loading the course and the cohort, as the view's preamble) is not timed."""
    times = []
    for attempt in range(runs + 1):
        db.session.remove()
        args = setup()
        start = time.perf_counter()
        run(*args)
        if attempt:  # the first run warms up
            times.append(time.perf_counter() - start)
    db.session.remove()
    return statistics.median(times)


def report_runs(slug: str, quiz: str, enrollment_id: int):
    """(name, run(course, cohort)) for each report, called as its view calls it."""
    today = utcnow().date()
    date_from, date_to = default_period(today)
    return [
        ("progress matrix, page 1 (100 rows)", lambda c, k: progress_matrix(c, cohort=k, page=1)),
        ("progress, every learner (progress_all)", lambda c, k: progress_all(c, cohort=k)),
        (
            "progress CSV (progress_table + progress_csv)",
            lambda c, k: exports.progress_csv(progress_table(c, cohort=k)),
        ),
        (
            "learner detail (a completer)",
            lambda c, k: learner_detail(c, queries.enrollment_by_id(enrollment_id)),
        ),
        (
            "item analysis, module 1 quiz, all attempts",
            lambda c, k: item_analysis(c, quiz, cohort=k),
        ),
        (
            "item analysis, module 1 quiz, first attempts",
            lambda c, k: item_analysis(c, quiz, cohort=k, first_only=True),
        ),
        ("knowledge gain, page 1", lambda c, k: knowledge_gain(c, cohort=k, page=1)),
        ("evaluation results, page 1", lambda c, k: evaluation_results(c, cohort=k, page=1)),
        (
            "completion summary, last 12 months",
            lambda c, k: completion_summary(
                queries.all_published_courses(), date_from=date_from, date_to=date_to, cohort=k
            ),
        ),
    ]


def floor_pass(course: Course, cohort: Cohort) -> None:
    """The least a report over the cohort must do: count its submitted attempts
    through its members, and fetch its enrolment rows as tuples."""
    db.session.execute(
        select(func.count())
        .select_from(QuizAttempt)
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .join(CohortMember, CohortMember.user_id == Enrollment.user_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            Enrollment.course_id == course.id,
            QuizAttempt.submitted_at.is_not(None),
        )
    ).scalar_one()
    db.session.execute(
        select(
            Enrollment.id,
            Enrollment.user_id,
            Enrollment.enrolled_at,
            Enrollment.due_on,
            Enrollment.completed_at,
        )
        .join(CohortMember, CohortMember.user_id == Enrollment.user_id)
        .where(CohortMember.cohort_id == cohort.id, Enrollment.course_id == course.id)
    ).all()


def http_runs(client, slug: str, quiz: str, cohort_id: int, enrollment_id: int, runs: int):
    base = f"/reports/courses/{slug}"
    pages = [
        ("progress page (100 rows, heat map)", f"{base}/progress?cohort={cohort_id}"),
        ("progress CSV download", f"{base}/progress.csv?cohort={cohort_id}"),
        ("learner page", f"{base}/learners/{enrollment_id}"),
        ("item analysis page", f"{base}/quizzes/{quiz}/items?cohort={cohort_id}"),
        ("knowledge gain page", f"{base}/knowledge-gain?cohort={cohort_id}"),
        ("evaluation page", f"{base}/evaluation?cohort={cohort_id}"),
        ("completions page", f"/reports/completions?cohort={cohort_id}"),
    ]
    results = []
    for name, url in pages:
        times, size = [], 0
        for attempt in range(runs + 1):
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            size = len(response.get_data())
            if attempt:
                times.append(elapsed)
        results.append((name, statistics.median(times), size))
    return results


def sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    marker = 'name="csrf_token"'
    tail = page[page.index(marker) :]
    token = tail.split('value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"could not sign in: {response.status_code}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lms-bench-")
    os.environ.setdefault("LMS_INSTANCE_PATH", f"{folder}/instance")

    class Settings(TestConfig):
        DATABASE_URL = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        OUTBOX_DIR = f"{folder}/outbox"

    app = create_app(Settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        course = import_course(load_course(COURSE).course).course
        cohort = cohorts.create_cohort(name="Bench intake", actor=None, via="cli")
        cohorts.set_course(
            cohort, course, date.today() + timedelta(days=30), actor=None, via="cli", now=utcnow()
        )
        admin = accounts.create_user(
            email="admin@example.org",
            full_name="Bench Administrator",
            role="administrator",
            password=PASSWORD,
            via="cli",
        )
        db.session.commit()
        course_id, cohort_id, slug, admin_email = course.id, cohort.id, course.slug, admin.email

        start = time.perf_counter()
        counts = seed_cohort(course, cohort, args.learners)
        seeding = time.perf_counter() - start
        first_module = version_with_content(course.current_version_id).modules[0].slug
        module_attempts = db.session.execute(
            select(func.count(), func.count(func.distinct(QuizAttempt.enrollment_id))).where(
                QuizAttempt.quiz_key == f"module:{first_module}",
                QuizAttempt.submitted_at.is_not(None),
            )
        ).one()
        completer = db.session.execute(
            select(Enrollment.id)
            .where(Enrollment.course_id == course_id, Enrollment.completed_at.is_not(None))
            .order_by(Enrollment.id)
            .limit(1)
        ).scalar_one()

        def with_cohort():
            return db.session.get(Course, course_id), db.session.get(Cohort, cohort_id)

        def without_cohort():
            return db.session.get(Course, course_id), None

        floor = median_seconds(with_cohort, floor_pass, args.runs)
        timings = [
            (
                name,
                median_seconds(with_cohort, run, args.runs),
                median_seconds(without_cohort, run, args.runs),
            )
            for name, run in report_runs(slug, first_module, completer)
        ]

    client = app.test_client()
    sign_in(client, admin_email)
    pages = http_runs(client, slug, first_module, cohort_id, completer, args.runs)

    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # the SQLite file of 10,000 learners is 250 MB

    print(
        f"{counts['learners']:,} learners in one cohort: {counts['lesson rows']:,} lessons done, "
        f"{counts['attempts']:,} quiz attempts, {counts['evaluations']:,} evaluations, "
        f"{counts['completions']:,} completions (seeded in {seeding:.1f} s)"
    )
    print(
        f"module 1 quiz: {module_attempts[0]:,} submitted attempts "
        f"by {module_attempts[1]:,} learners"
    )
    print(f"median of {args.runs} runs after one warm-up, each in a new session\n")
    print(f"{'report':44} {'cohort':>11} {'all':>11} {'/ floor':>8}  under 1 s")
    for name, cohort_median, all_median in timings:
        under = "yes" if max(cohort_median, all_median) < BAR else "NO"
        print(
            f"{name:44} {ms(cohort_median)} {ms(all_median)} {cohort_median / floor:7.1f}x  {under}"
        )
    print(f"{'floor: count attempts + enrolment tuples':44} {ms(floor)}")
    print(
        f"\n{'through the test client (administrator)':44} {'median':>11} {'size':>11}  under 1 s"
    )
    for name, median, size in pages:
        under = "yes" if median < BAR else "NO"
        print(f"{name:44} {ms(median)} {size / 1024:8.0f} KiB  {under}")


if __name__ == "__main__":
    main()
