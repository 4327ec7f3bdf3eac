"""What each learner page costs inside one process, against a floor in the same run.

    export LMS_DATABASE_URL=sqlite:////tmp/benchL.db LMS_INSTANCE_PATH=/tmp/benchL
    flask --app lms db upgrade && flask --app lms bench seed --size L
    python bench/pages.py [--requests 300] [--learner learner00017@bench.example.org]

No server, no network, no other process: one learner of a seeded database
(``flask --app lms bench seed``) signs in through the real form with Flask's
test client, then each page is asked ``--requests`` times after 10 warm-up
requests: the dashboard, the outline of the learner's first course, its second
lesson, its first module quiz, and ``/verify/<code>`` without a session. The
floor is a bare Flask view answering as many bytes as the page did, asked the
same way. Prints the milliseconds per request and the ratio; the work is Python
CPU and SQLite, so run it on a quiet machine and compare runs side by side.

To compare two versions of the code on the same database, put the other
checkout first on the path: ``PYTHONPATH=/path/to/other/checkout python
bench/pages.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH, so another checkout can come first


def floor_client(sizes: dict[str, int]):
    floor = Flask("floor")
    bodies = {name: b"x" * size for name, size in sizes.items()}

    @floor.get("/<name>")
    def page(name: str):
        return bodies[name]

    return floor.test_client()


def per_request_ms(client, path: str, requests: int) -> float:
    for _ in range(10):
        client.get(path).close()
    started = time.perf_counter()
    for _ in range(requests):
        client.get(path).close()
    return (time.perf_counter() - started) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--learner", default="learner00017@bench.example.org")
    parser.add_argument("--rounds", type=int, default=3, help="median of this many rounds")
    args = parser.parse_args()
    if not os.environ.get("LMS_DATABASE_URL"):
        raise SystemExit("Set LMS_DATABASE_URL to a database seeded by `flask bench seed`.")

    from sqlalchemy import select

    from config import ProductionConfig
    from lms import create_app
    from lms.benchdata import BENCH_PASSWORD
    from lms.certificates.models import Certificate
    from lms.extensions import db

    os.environ.setdefault("LMS_SECRET_KEY", "bench-pages-secret-key-not-for-production")
    os.environ.setdefault("LMS_PUBLIC_URL", "http://127.0.0.1")
    app = create_app(ProductionConfig)
    app.config.update(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
    with app.app_context():
        code = db.session.execute(select(Certificate.code).limit(1)).scalar()
    client = app.test_client()
    answer = client.post("/login", data={"email": args.learner, "password": BENCH_PASSWORD})
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"{args.learner} could not sign in: is this a seeded database?")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    course = re.search(r'href="/courses/([a-z0-9-]+)"', dashboard)
    if course is None:
        raise SystemExit(f"{args.learner} is enrolled in nothing: choose another --learner.")
    outline_path = f"/courses/{course.group(1)}"
    outline = client.get(outline_path).get_data(as_text=True)
    lessons = re.findall(rf'href="({outline_path}/lessons/[^"?]+)"', outline)
    quizzes = re.findall(rf'href="({outline_path}/quizzes/(?!pretest|posttest)[^"?]+)"', outline)
    pages = {
        "dashboard": "/dashboard",
        "outline": outline_path,
        "lesson": lessons[min(1, len(lessons) - 1)] + "?note=seen",
        "quiz page": quizzes[0],
        "verify": f"/verify/{code}",
    }
    anonymous = app.test_client()
    clients = {name: anonymous if name == "verify" else client for name in pages}
    sizes = {}
    for name, path in pages.items():
        answer = clients[name].get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
        sizes[name.replace(" ", "-")] = len(answer.get_data())
    floor = floor_client(sizes)

    print(f"{args.requests} requests per page, median of {args.rounds} rounds; {args.learner}")
    print("| page | ms per request | floor ms | ratio | bytes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, path in pages.items():
        key = name.replace(" ", "-")
        ours = statistics.median(
            per_request_ms(clients[name], path, args.requests) for _ in range(args.rounds)
        )
        bare = statistics.median(
            per_request_ms(floor, f"/{key}", args.requests) for _ in range(args.rounds)
        )
        print(f"| {name} | {ours:.2f} | {bare:.3f} | {bare / ours:.3f} | {sizes[key]} |")


if __name__ == "__main__":
    main()
