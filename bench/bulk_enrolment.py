"""How long enrolling a cohort from a CSV file takes, against a floor measured in
the same run.

    python bench/bulk_enrolment.py [--rows 10000] [--database-url URL]

Measured: reading and planning the file (the preview), applying it in one
transaction (accounts, memberships, enrolments in every course of the cohort,
audit rows, invitations queued), and applying the same file again (nothing to
do). The floor is the least any implementation must do: insert the same number
of account rows with one executemany into a bare table on the same database.
Issue #6 asks for 10,000 rows in a few seconds on SQLite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from config import TestConfig
from lms import create_app
from lms.catalog.loader import course_folders, load_course
from lms.catalog.services import import_course
from lms.cohorts import roster, services
from lms.extensions import db, utcnow

ROOT = Path(__file__).resolve().parent.parent


def roster_file(rows: int) -> bytes:
    lines = ["email,full name,profession"]
    lines += [f"learner{i}@example.org,Learner Number {i},Registered nurse" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="lms-bench-")

    class Settings(TestConfig):
        DATABASE_URL = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        OUTBOX_DIR = f"{folder}/outbox"
        ROSTER_MAX_ROWS = max(50_000, args.rows)
        ROSTER_MAX_BYTES = 64 * 1024 * 1024

    app = create_app(Settings)
    data = roster_file(args.rows)
    with app.app_context():
        db.drop_all()
        db.create_all()
        cohort = services.create_cohort(name="Bench intake", actor=None, via="cli")
        for path in course_folders([ROOT / "courses"]):
            course = import_course(load_course(path).course).course
            services.set_course(cohort, course, None, actor=None, via="cli", now=utcnow())
        db.session.commit()
        courses = len(cohort.courses)

        plan, planning = timed(lambda: roster.plan(cohort, data))

        def apply_once():
            result = roster.apply(cohort, plan, actor=None, via="cli", now=utcnow())
            db.session.commit()
            return result

        result, applying = timed(apply_once)
        again = roster.plan(cohort, data)
        _, reapplying = timed(
            lambda: (
                roster.apply(cohort, again, actor=None, via="cli", now=utcnow()),
                db.session.commit(),
            )
        )

        floor_table = Table(
            "bench_floor",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("email", String(254), unique=True),
            Column("full_name", String(200)),
        )
        floor_table.create(db.engine)
        rows = [
            {"email": f"floor{i}@example.org", "full_name": f"Learner Number {i}"}
            for i in range(args.rows)
        ]

        def floor():
            with db.engine.begin() as conn:
                conn.execute(insert(floor_table), rows)

        _, flooring = timed(floor)
        floor_table.drop(db.engine)
        db.drop_all()

    print(f"{args.rows:,} rows, {courses} courses")
    print(f"plan (preview):        {planning:6.2f} s")
    print(
        f"apply:                 {applying:6.2f} s  ({result.added:,} added, "
        f"{result.added * courses:,} enrolments, {result.invited:,} invitations queued)"
    )
    print(f"apply the same again:  {reapplying:6.2f} s  (nothing to do)")
    print(f"floor (bare insert):   {flooring:6.2f} s")
    print(f"plan + apply / floor:  {(planning + applying) / flooring:6.1f}x")


if __name__ == "__main__":
    main()
