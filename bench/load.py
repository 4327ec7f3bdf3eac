"""Signed-in learners against gunicorn, compared with the framework's floor in the same run.

    python bench/load.py --size L                       # a new SQLite file, seeded
    python bench/load.py --database-url URL --size L --reset-database --instances 2
    python bench/load.py --database-url URL             # a database already seeded

Everything runs on this machine, on 127.0.0.1 and free ports, and is stopped on
exit (also on Ctrl-C, errors and the time limit): gunicorn serving ``wsgi:app``
(the production settings) with --workers sync or gthread workers, --instances
of them on one database, and as many gunicorn servers with the same settings
serving bench/floor_app.py, a bare Flask view that answers N bytes.

The load comes from --clients separate processes (bench/_loadclient.py,
asyncio, HTTP/1.1, keep-alive where the server allows it). --users learners of
the database (``learner…@bench.example.org``, seeded by ``flask --app lms bench
seed``) sign in once through the real form; then each scenario runs for
--duration seconds after --warmup seconds, first against the LMS, then against
the floor, which answers each request with as many bytes as the LMS's median
answer for that page in that scenario (and reads a request body of the same
size):

- one page alone, the users sending requests back to back: dashboard, course
  outline, lesson, quiz page, quiz submission (start an attempt, open its form,
  submit answers), and /verify/<code> without a session: what each page
  costs, as throughput against the floor's;
- the learner's journey through all of them (mix), back to back: the total
  throughput, and with two instances, against one;
- the same journey paced (a random pause after each request, so that the
  offered load is about half of what the mix sustained): the latency a learner
  sees on a busy server that is not saturated. Back to back, latency is only
  queueing: by Little's law it is the number of users divided by throughput.

Then it prints, per page, requests, requests per second, p50/p95/p99 latency,
errors (5xx and failed connections) and 4xx, the floor's figures and the ratio,
the servers' CPU time per request (every worker, read from /proc during the
measured window), and the targets of issue #8, met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

from _loadclient import SEQUENCES  # beside this file: what each scenario requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
try:  # the names `flask --app lms bench seed` gives its learners
    from lms.benchdata import BENCH_PASSWORD as PASSWORD
    from lms.benchdata import EMAIL_DOMAIN
except ImportError:  # a checkout from before bench seed: a database prepared by hand
    PASSWORD = "bench learner passphrase 2026"  # noqa: S105
    EMAIL_DOMAIN = "bench.example.org"
LEARNER_EMAILS = f"learner%@{EMAIL_DOMAIN}"

# Scenarios, and the labels of their requests in the journey's order (the client's).
PAGE_SCENARIOS = ["dashboard", "outline", "lesson", "quiz", "submit", "verify"]
LABELS = SEQUENCES["mix"]
# Issue #8's targets: throughput against the floor (each page alone) and p95 (paced mix).
RATIO_TARGETS = {"lesson": 0.6, "outline": 0.6, "dashboard": 0.6}
P95_TARGETS_MS = {"lesson": 25, "outline": 25, "dashboard": 25, "quiz submit": 50}


class Stop(Exception):
    """A signal or the time limit: stop everything and clean up."""


def _raise_stop(signum, frame):
    raise Stop(f"stopped by signal {signal.Signals(signum).name}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- child processes -------------------------------------------------------------------


class Children:
    """Every process this run starts, each in its own process group, all stopped at exit."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict, **kwargs) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:  # the child keeps its own copy
            kwargs.setdefault("stdout", log)
            process = subprocess.Popen(  # noqa: S603 - our own commands
                argv, env=env, cwd=ROOT, stderr=log, start_new_session=True, **kwargs
            )
        self.processes.append((name, process))
        return process

    def stop_all(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.processes.clear()


def run_checked(argv: list[str], env: dict, what: str, timeout: float) -> str:
    done = subprocess.run(  # noqa: S603 - our own commands
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def gunicorn_argv(args, port: int, app: str, chdir: Path) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(args.workers), "--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        argv += ["--threads", str(args.threads)]
    argv += ["--preload", "--timeout", "60", "--log-level", "warning", "--chdir", str(chdir), app]
    return argv


def wait_until_up(port: int, path: str, process: subprocess.Popen, name: str, logs: Path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"{name} stopped at start ({process.returncode}):\n{log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer {path} within 60 s")


# -- the database ----------------------------------------------------------------------


def lms_environment(args, database_url: str, instance: Path, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "LMS_CONFIG": "production",
            "LMS_SECRET_KEY": args.secret_key,
            "LMS_DATABASE_URL": database_url,
            "LMS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LMS_INSTANCE_PATH": str(instance),
            "LMS_OB_SIGNING_KEY_FILE": str(instance / "ob_signing_key.pem"),
            "LMS_OUTBOX_DIR": str(instance / "outbox"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def prepare_database(args, database_url: str, env: dict) -> float:
    """Seed a new database with ``flask --app lms bench seed``; the seconds it took."""
    if find_spec("lms.benchdata") is None:
        raise SystemExit(
            "--size needs `flask --app lms bench seed` (lms/benchdata.py), which is not "
            "there: give --database-url of a database that holds the bench learners."
        )
    if database_url.startswith("postgresql"):
        reset_postgresql(database_url, args.reset_database)
    flask = [sys.executable, "-m", "flask", "--app", "lms"]
    started = time.perf_counter()
    run_checked(flask + ["db", "upgrade"], env, "flask db upgrade", 600)
    print(f"Seeding the database (bench seed --size {args.size}) ...", flush=True)
    output = run_checked(
        flask + ["bench", "seed", "--size", args.size], env, "flask bench seed", 3600
    )
    print("  " + output.strip().replace("\n", "\n  "), flush=True)
    return time.perf_counter() - started


def reset_postgresql(database_url: str, reset: bool) -> None:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(database_url)
    name = engine.url.database
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"Refusing to seed the database {name!r}: use a scratch one.")
    try:
        engine.connect().close()
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[-1]
        raise SystemExit(
            f"Cannot connect to the database {name!r} ({reason}). A scratch database is "
            f"made once with: psql -h {engine.url.host or 'localhost'} -U "
            f"{engine.url.username or 'postgres'} -c 'CREATE DATABASE {name}'"
        ) from None
    with engine.begin() as connection:
        tables = inspect(connection).get_table_names()
        if tables and not reset:
            raise SystemExit(
                f"The database {engine.url.database!r} has {len(tables)} tables: give "
                "--reset-database to drop everything in it, or a new database."
            )
        if tables:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def discover(args, env: dict) -> tuple[list[dict], list[str], dict]:
    """The learners to sign in (with their courses, lessons and quizzes) and
    certificate codes, read from the database."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("LMS_")})
    from sqlalchemy import func, select

    from config import ProductionConfig
    from lms import create_app
    from lms.accounts.models import User
    from lms.catalog.models import Course, Lesson, Module, Quiz
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.learning.models import Enrollment

    app = create_app(ProductionConfig)
    with app.app_context():
        check_schema(db)
        learners = db.session.execute(
            select(User.id, User.email)
            .where(User.email.like(LEARNER_EMAILS), User.active.is_(True))
            .where(select(Enrollment.id).where(Enrollment.user_id == User.id).exists())
            .order_by(User.id)
            .limit(args.users)
        ).all()
        if len(learners) < args.users:
            raise SystemExit(
                f"The database has {len(learners)} active bench learners with an enrolment; "
                f"--users asks for {args.users}."
            )
        enrolled = db.session.execute(
            select(Enrollment.user_id, Course.slug, Course.current_version_id)
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.user_id.in_([u.id for u in learners]))
            .where(Course.current_version_id.is_not(None))
            .order_by(Enrollment.user_id, Course.slug)
        ).all()
        versions = {row.current_version_id: row.slug for row in enrolled}
        lessons: dict[str, list] = {slug: [] for slug in versions.values()}
        for row in db.session.execute(
            select(Module.version_id, Module.slug, Lesson.slug, Lesson.content_note)
            .join(Lesson, Lesson.module_id == Module.id)
            .where(Module.version_id.in_(versions))
            .order_by(Module.version_id, Module.position, Lesson.position)
        ):
            lessons[versions[row[0]]].append([row[1], row[2], bool(row[3])])
        quizzes: dict[str, list] = {slug: [] for slug in versions.values()}
        limited: dict[str, list] = {slug: [] for slug in versions.values()}
        for version_id, key, max_attempts in db.session.execute(
            select(Quiz.version_id, Quiz.key, Quiz.max_attempts)
            .where(Quiz.version_id.in_(versions), Quiz.kind == "module")
            .order_by(Quiz.version_id, Quiz.key)
        ):
            slug = key.removeprefix("module:")
            (limited if max_attempts else quizzes)[versions[version_id]].append(slug)
        codes = list(
            db.session.execute(
                select(Certificate.code)
                .where(Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))
                .order_by(Certificate.id)
                .limit(2000)
            ).scalars()
        )
        counts = {
            "learners": db.session.scalar(
                select(func.count(User.id)).where(User.email.like(LEARNER_EMAILS))
            ),
            "enrolments": db.session.scalar(select(func.count(Enrollment.id))),
            "certificates": db.session.scalar(select(func.count(Certificate.id))),
        }
        db.engine.dispose()
    courses_of: dict[int, list] = {}
    for row in enrolled:
        course = {
            "slug": row.slug,
            "lessons": lessons[row.slug],
            # Unlimited attempts where the course has such quizzes; else the limited
            # ones, whose refusals (a redirect back to the quiz) are counted apart.
            "quizzes": quizzes[row.slug] or limited[row.slug],
        }
        if course["lessons"] and course["quizzes"]:
            courses_of.setdefault(row.user_id, []).append(course)
    users = [
        {"email": email, "password": PASSWORD, "courses": courses_of[user_id], "codes": codes}
        for user_id, email in learners
        if user_id in courses_of
    ]
    if len(users) < args.users:
        raise SystemExit(
            "Too few bench learners are enrolled in a course with lessons and quizzes."
        )
    return users, codes, counts


def check_schema(db) -> None:
    """Refuse a database whose schema is not the code's: every page would be a 500."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    from lms import MIGRATIONS_DIR

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if current != heads:
        raise SystemExit(
            f"The database is at migration {sorted(current)}, the code at {sorted(heads)}: "
            "run `flask --app lms db upgrade` on it, or give --size for a new one."
        )
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        missing = {c.name for c in table.columns} - {
            c["name"] for c in inspector.get_columns(table.name)
        }
        if missing:
            raise SystemExit(
                f"The table {table.name} lacks {sorted(missing)} although the database is at "
                "the code's migration (a migration edited after it ran?): seed a new "
                "database with --size."
            )


# -- the clients -----------------------------------------------------------------------


class Clients:
    """The load client processes, each with its share of the virtual users."""

    def __init__(self, children: Children, count: int, env: dict):
        self.logs = [children.logs / f"client-{i}.log" for i in range(count)]
        self.processes = [
            children.start(
                f"client-{i}",
                [sys.executable, str(BENCH / "_loadclient.py")],
                env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for i in range(count)
        ]

    def ask(self, commands: list[dict], timeout: float) -> list[dict]:
        for process, command in zip(self.processes, commands, strict=True):
            process.stdin.write((json.dumps(command) + "\n").encode())
            process.stdin.flush()
        answers = []
        deadline = time.monotonic() + timeout
        for process in self.processes:
            line = read_line(process, deadline)
            if not line:
                raise SystemExit(f"a load client stopped ({process.poll()}):\n{self.log_tail()}")
            answers.append(json.loads(line))
        return answers

    def log_tail(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-2000:] for log in self.logs)

    def quit(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    process.stdin.write(b'{"cmd": "quit"}\n')
                    process.stdin.close()
                except OSError:
                    pass


def read_line(process: subprocess.Popen, deadline: float) -> bytes:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(max(0.0, deadline - time.monotonic())):
            raise SystemExit("a load client did not answer in time")
    return process.stdout.readline()


# -- figures ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU time (user + system) of the processes ``roots`` and every descendant alive,
    plus what the roots' reaped children used (a gunicorn worker that was replaced),
    read from /proc; NaN where there is no /proc. A database server is not a
    descendant: its CPU is not counted."""
    proc = Path("/proc")
    if not proc.is_dir():
        return float("nan")
    parents, cpu = {}, {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, ...
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        if pid in roots:  # cutime, cstime: children that exited and were waited for
            cpu[pid] += (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    tree, grown = set(roots), True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(cpu.get(pid, 0.0) for pid in tree)


def _cpu_or_nan(roots: list[int]) -> float:
    try:
        return tree_cpu_seconds(roots)
    except (OSError, ValueError, IndexError):
        return float("nan")


def summarise(records: list[list], duration: float) -> dict:
    """Per label: requests, per second, latency percentiles (ms), errors, 4xx, sizes."""
    by_label: dict[str, list] = {}
    for record in records:
        by_label.setdefault(record[0], []).append(record)
    result = {}
    for label, rows in by_label.items():
        latencies = sorted(r[2] / 1000 for r in rows)
        statuses = Counter(r[1] for r in rows)
        ok_rows = [r for r in rows if r[1] and r[1] < 400]
        result[label] = {
            "requests": len(rows),
            "per_second": len(rows) / duration,
            "p50_ms": percentile(latencies, 0.50),
            "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "errors": sum(n for s, n in statuses.items() if s == 0 or s >= 500),
            "client_errors": sum(n for s, n in statuses.items() if 400 <= s < 500),
            "statuses": {str(s): n for s, n in sorted(statuses.items())},
            "response_bytes": int(statistics.median(r[3] for r in ok_rows)) if ok_rows else 0,
            "request_bytes": int(statistics.median(r[4] for r in ok_rows)) if ok_rows else 0,
            "method": Counter(r[5] for r in rows).most_common(1)[0][0],
        }
    total = len(records)
    result["all"] = {
        "requests": total,
        "per_second": total / duration,
        "p50_ms": percentile(sorted(r[2] / 1000 for r in records), 0.50),
        "p95_ms": percentile(sorted(r[2] / 1000 for r in records), 0.95),
        "p99_ms": percentile(sorted(r[2] / 1000 for r in records), 0.99),
        "errors": sum(1 for r in records if r[1] == 0 or r[1] >= 500),
        "client_errors": sum(1 for r in records if 400 <= r[1] < 500),
    }
    return result


# -- the run ---------------------------------------------------------------------------


class Bench:
    def __init__(self, args, clients: Clients, lms: list, floor: list, users: list[dict]):
        self.args = args
        self.clients = clients
        self.lms = lms
        self.floor = floor
        self.users = users
        self.results: dict[str, dict] = {}
        self.lms_pids: list[int] = []
        self.floor_pids: list[int] = []
        self.py_spy: str | None = None
        self.scaling: dict[str, float] = {}

    def _split(self) -> list[list[dict]]:
        count = len(self.clients.processes)
        return [self.users[i::count] for i in range(count)]

    def sign_in(self) -> dict:
        start_at = time.time() + 0.5
        answers = self.clients.ask(
            [
                {
                    "cmd": "login",
                    "servers": self.lms,
                    "users": share,
                    "seed": 1000 * i,
                    "start_at": start_at,
                }
                for i, share in enumerate(self._split())
            ],
            timeout=600,
        )
        records = [r for a in answers for r in a["records"]]
        problems = [p for a in answers for p in a["errors"]]
        elapsed = max(r[2] for r in records) / 1e6 if records else 0.0
        summary = summarise(records, max(elapsed, 1e-9))
        summary["problems"] = problems
        if problems:
            print("Some sign-ins failed:\n  " + "\n  ".join(problems[:10]), flush=True)
            raise SystemExit("Every learner must sign in; see above.")
        return summary

    def run(self, scenario: str, mode: str, servers: list, duration: float, **extra) -> dict:
        start_at = time.time() + 0.3
        spies = []
        if self.args.profile and mode == "lms":
            spies = self.spy(extra.pop("profile_name"), start_at, duration)
        extra.pop("profile_name", None)
        command = {
            "cmd": "run",
            "scenario": scenario,
            "mode": mode,
            "servers": servers,
            "start_at": start_at,
            "warmup": self.args.warmup,
            "duration": duration,
            **extra,
        }
        # The servers' CPU over the measured window: from the end of the warm-up
        # until the clients stop (the servers are idle from then on).
        roots = self.lms_pids if mode == "lms" else self.floor_pids
        cpu_at_start: list[float] = []
        timer = threading.Timer(
            max(0.0, start_at + self.args.warmup - time.time()),
            lambda: cpu_at_start.append(_cpu_or_nan(roots)),
        )
        timer.start()
        answers = self.clients.ask(
            [command] * len(self.clients.processes), timeout=duration + self.args.warmup + 120
        )
        timer.join()
        server_cpu = _cpu_or_nan(roots) - (cpu_at_start or [float("nan")])[0]
        for spy in spies:
            spy.wait(60)
        records = [r for a in answers for r in a["records"]]
        summary = summarise(records, duration)
        requests = summary["all"]["requests"]
        summary["all"]["server_cpu_seconds"] = server_cpu
        summary["all"]["server_cpu_ms_per_request"] = (
            1000 * server_cpu / requests if requests else float("nan")
        )
        summary["all"]["load_average"] = round(os.getloadavg()[0], 2)
        summary["all"]["client_cpu_share"] = sum(a["client_cpu_seconds"] for a in answers) / (
            duration + self.args.warmup
        )
        summary["all"]["connects"] = sum(a["connects"] for a in answers)
        summary["all"]["error_samples"] = [e for a in answers for e in a["errors"]][:5]
        return summary

    def spy(self, name: str, start_at: float, duration: float) -> list:
        """py-spy on every LMS server (all its workers) for the measured window."""
        spies = []
        for pid in self.lms_pids:
            output = self.args.profile / f"{name}-{pid}.txt"
            argv = [self.py_spy, "record", "--pid", str(pid), "--subprocesses", "--rate", "250"]
            argv += ["--format", "raw", "--output", str(output), "--nonblocking"]
            argv += ["--duration", str(int(duration))]
            delay = max(0.0, start_at + self.args.warmup - time.time())
            spies.append(
                subprocess.Popen(  # noqa: S603 - our own command
                    ["/bin/sh", "-c", f'sleep {delay:.2f} && exec "$@"', "sh", *argv],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        return spies

    def compare(
        self, scenario: str, key: str | None = None, servers=None, floor_servers=None, **extra
    ) -> None:
        key = key or scenario
        servers = servers or self.lms
        floor_servers = floor_servers or self.floor
        print(f"  {key}: LMS ...", end="", flush=True)
        measured = self.run(scenario, "lms", servers, self.args.duration, profile_name=key, **extra)
        sizes = {
            label: [figures["method"], figures["request_bytes"], figures["response_bytes"]]
            for label, figures in measured.items()
            if label != "all"
        }
        errors = measured["all"]["errors"]
        print(
            f" {measured['all']['per_second']:.0f}/s"
            + (f" ({errors} ERRORS: {measured['all']['error_samples'][:1]})" if errors else "")
            + "; floor ...",
            end="",
            flush=True,
        )
        floor = self.run(
            scenario, "floor", floor_servers, self.args.floor_duration, sizes=sizes, **extra
        )
        print(f" {floor['all']['per_second']:.0f}/s", flush=True)
        self.results[key] = {"lms": measured, "floor": floor, "extra": extra}


# -- the report ------------------------------------------------------------------------


def ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"  # noqa: PLR0124 - NaN check


def table(bench: Bench, keys: list[str], title: str, lines: list[str]) -> None:
    if not any(key in bench.results for key in keys):
        return  # not run (--scenarios)
    lines.append(f"\n{title}\n")
    lines.append(
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | 4xx | bytes "
        "| floor req/s | floor p50 | floor p95 | floor p99 | ratio |"
    )
    lines.append("|" + " --- |" * 15)
    for key in keys:
        result = bench.results.get(key)
        if result is None:
            continue
        for label in [*LABELS, "all"]:
            page, floor = result["lms"].get(label), result["floor"].get(label)
            if page is None or floor is None:
                continue
            if label == "all" and len(result["lms"]) <= 2:
                continue  # one page alone: "all" is that page
            ratio = page["per_second"] / floor["per_second"] if floor["per_second"] else 0
            lines.append(
                f"| {label} | {page['requests']} | {page['per_second']:.0f} | "
                f"{ms(page['p50_ms'])} | {ms(page['p95_ms'])} | {ms(page['p99_ms'])} | "
                f"{page['errors']} | {page['client_errors']} | {page.get('response_bytes', '')} | "
                f"{floor['per_second']:.0f} | {ms(floor['p50_ms'])} | {ms(floor['p95_ms'])} | "
                f"{ms(floor['p99_ms'])} | {ratio:.2f} |"
            )


def targets(bench: Bench) -> list[tuple[str, bool, str]]:
    verdicts = []
    for label, bar in RATIO_TARGETS.items():
        scenario = {"quiz page": "quiz"}.get(label, label)
        result = bench.results.get(scenario)
        if result is None:
            continue
        page, floor = result["lms"][label], result["floor"][label]
        ratio = page["per_second"] / floor["per_second"]
        verdicts.append(
            (f"{label}: throughput >= {bar} x floor (alone)", ratio >= bar, f"{ratio:.2f}")
        )
    paced = bench.results.get("paced")
    for label, bar in P95_TARGETS_MS.items():
        if paced is None or label not in paced["lms"]:
            continue
        p95 = paced["lms"][label]["p95_ms"]
        verdicts.append((f"{label}: p95 <= {bar} ms (paced mix)", p95 <= bar, f"{p95:.1f} ms"))
    errors = sum(r["lms"]["all"]["errors"] for r in bench.results.values())
    verdicts.append(("no errors (5xx, failed connections)", errors == 0, str(errors)))
    return verdicts


def _frame_name(frame: str) -> str:
    """``view (/path/lms/learning/views.py:154)`` -> ``lms/learning/views.py:view``."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{function}"


def hot_frames(folder: Path, key: str, top: int = 15) -> list[str]:
    """The functions where the LMS servers spent their CPU time during one run:
    inclusive share (the function and what it called) and self share."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for path in folder.glob(f"{key}-*.txt"):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = [_frame_name(f) for f in stack.split(";") if " (" in f]
            if not frames:
                continue
            total += int(count)
            own[frames[-1]] += int(count)
            for name in set(frames):
                inclusive[name] += int(count)
    if not total:
        return []
    lines = [f"\nWhere the LMS workers spent their CPU during '{key}' ({total} samples):\n"]
    lines.append("| inclusive | function |")
    lines.append("| --- | --- |")
    project = [(n, c) for n, c in inclusive.most_common() if n.startswith(("lms/", "templates/"))]
    for name, count in project[:top]:
        lines.append(f"| {100 * count / total:.0f} % | {name} |")
    lines.append("\n| self | function |")
    lines.append("| --- | --- |")
    for name, count in own.most_common(top):
        lines.append(f"| {100 * count / total:.1f} % | {name} |")
    return lines


def machine(database_url: str) -> dict:
    info = {
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        from importlib.metadata import version

        info["gunicorn"] = version("gunicorn")
    except Exception:  # noqa: BLE001 - informative only
        info["gunicorn"] = "?"
    if database_url.startswith("sqlite"):
        info["database"] = f"SQLite {sqlite3.sqlite_version}"
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url)
        with engine.connect() as connection:
            info["database"] = (
                "PostgreSQL " + connection.execute(text("SHOW server_version")).scalar_one()
            )
        engine.dispose()
    return info


def report(args, bench: Bench, info: dict, counts: dict, login: dict, command: str) -> str:
    lines = [f"Command: {command}"]
    lines.append(
        f"Machine: {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
        f"{info['database']}, gunicorn {info['gunicorn']}, {info['platform']}; "
        f"load average before the run {info['load_average']}"
    )
    worker = args.worker_class + (
        f" ({args.threads} threads)" if args.worker_class == "gthread" else ""
    )
    lines.append(
        f"Servers: {args.instances} x gunicorn --workers {args.workers} {worker} --preload, "
        f"the floor the same; {args.users} users from {args.clients} client process(es); "
        f"{args.duration:g} s measured after {args.warmup:g} s warm-up "
        f"(floor {args.floor_duration:g} s)"
    )
    lines.append(
        f"Data: {counts['learners']} bench learners, {counts['enrolments']} enrolments, "
        f"{counts['certificates']} certificates"
    )
    sign_in = login.get("sign in", {"p50_ms": float("nan"), "p95_ms": float("nan")})
    lines.append(
        f"Sign-in (all {args.users} at once, before the measures): "
        f"p50 {ms(sign_in['p50_ms'])} ms, p95 {ms(sign_in['p95_ms'])} ms, none refused"
    )
    table(bench, PAGE_SCENARIOS, "Each page alone, users back to back (throughput):", lines)
    table(bench, ["mix"], "The journey (mix), users back to back:", lines)
    if "paced" in bench.results:
        paced = bench.results["paced"]
        think = paced["extra"]["think"]
        table(
            bench,
            ["paced"],
            f"The journey paced (mean pause {think * 1000:.0f} ms after each request; "
            f"offered about {args.users / (think + 0.005):.0f} req/s):",
            lines,
        )
    if "mix-one" in bench.results:
        one, two = bench.results["mix-one"], bench.results["mix"]
        lms_ratio = two["lms"]["all"]["per_second"] / one["lms"]["all"]["per_second"]
        floor_ratio = two["floor"]["all"]["per_second"] / one["floor"]["all"]["per_second"]
        lines.append(f"\nScaling, the mix back to back (1 vs {args.instances} servers):\n")
        lines.append("| | one server req/s | " + f"{args.instances} servers req/s | ratio |")
        lines.append("| --- | --- | --- | --- |")
        lines.append(
            f"| LMS | {one['lms']['all']['per_second']:.0f} | "
            f"{two['lms']['all']['per_second']:.0f} | {lms_ratio:.2f} |"
        )
        lines.append(
            f"| floor | {one['floor']['all']['per_second']:.0f} | "
            f"{two['floor']['all']['per_second']:.0f} | {floor_ratio:.2f} |"
        )
        bench.scaling = {"lms": lms_ratio, "floor": floor_ratio}
    lines.append(
        "\nApp servers' CPU per request (gunicorn, every worker, user + system, from "
        "/proc, over the measured window; not the database's; cores: CPU seconds per "
        "second):\n"
    )
    lines.append("| run | LMS ms/request | LMS cores | floor ms/request | floor cores | ratio |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for key, result in bench.results.items():
        lms, floor = result["lms"]["all"], result["floor"]["all"]
        lms_ms, floor_ms = lms["server_cpu_ms_per_request"], floor["server_cpu_ms_per_request"]
        lines.append(
            f"| {key} | {lms_ms:.2f} | {lms['server_cpu_seconds'] / args.duration:.2f} | "
            f"{floor_ms:.2f} | {floor['server_cpu_seconds'] / args.floor_duration:.2f} | "
            f"{floor_ms / lms_ms if lms_ms else float('nan'):.2f} |"
        )
    lines.append("\nClient CPU (share of one core) and connections opened, per run:\n")
    for key, result in bench.results.items():
        lines.append(
            f"- {key}: LMS {result['lms']['all']['client_cpu_share']:.2f} "
            f"({result['lms']['all']['connects']} connects), floor "
            f"{result['floor']['all']['client_cpu_share']:.2f} "
            f"({result['floor']['all']['connects']} connects); load average after "
            f"{result['lms']['all']['load_average']} / {result['floor']['all']['load_average']}"
        )
        for sample in result["lms"]["all"]["error_samples"]:
            lines.append(f"  error: {sample}")
    if args.profile:
        for key in bench.results:
            lines += hot_frames(args.profile, key)
    lines.append("\nTargets of issue #8:\n")
    for what, met, value in targets(bench):
        lines.append(f"- {'met   ' if met else 'MISSED'} {what}: {value}")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file (needs --size)")
    parser.add_argument("--size", choices=["S", "M", "L"], help="seed a new database first")
    parser.add_argument(
        "--reset-database",
        action="store_true",
        help="PostgreSQL: drop everything in the database before seeding",
    )
    parser.add_argument("--instances", type=int, default=1, choices=[1, 2, 3, 4])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--clients", type=int, default=1, help="load client processes")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per run")
    parser.add_argument("--floor-duration", type=float, help="default: --duration")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--scenarios",
        default=",".join([*PAGE_SCENARIOS, "mix", "paced"]),
        help="comma-separated subset of " + ", ".join([*PAGE_SCENARIOS, "mix", "paced"]),
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.5,
        help="paced mix: offered load as a share of what the mix sustained",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record the LMS servers with py-spy during each LMS run into DIR",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, SQLite)")
    parser.add_argument("--time-limit", type=float, default=3 * 3600, help="seconds, then stop")
    args = parser.parse_args(argv)
    args.floor_duration = args.floor_duration or args.duration
    if not args.database_url and not args.size:
        args.size = "L"
    args.secret_key = secrets.token_hex(32)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    command = shlex.join(["python", "bench/load.py", *(sys.argv[1:] if argv is None else argv)])
    # Ctrl-C must stop the run even when started where SIGINT is ignored (`cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    signal.signal(signal.SIGALRM, _raise_stop)
    signal.alarm(int(args.time_limit))
    work = Path(tempfile.mkdtemp(prefix="lms-load-"))
    instance = work / "instance"
    instance.mkdir()
    children = Children(work)
    database_url = args.database_url or f"sqlite:///{instance / 'lms.sqlite3'}"
    try:
        ports = [free_port() for _ in range(2 * args.instances)]
        lms_ports, floor_ports = ports[: args.instances], ports[args.instances :]
        env = lms_environment(args, database_url, instance, lms_ports[0])
        seeded = prepare_database(args, database_url, env) if args.size else None
        if seeded is not None:
            print(f"  seeded in {seeded:.0f} s", flush=True)
        info = machine(database_url)
        users, codes, counts = discover(args, env)
        print(
            f"{len(users)} learners, {len(codes)} certificate codes; starting "
            f"{args.instances} LMS and {args.instances} floor servers ...",
            flush=True,
        )
        for i, port in enumerate(lms_ports):
            name = f"lms-{i}"
            process = children.start(
                name,
                gunicorn_argv(args, port, "wsgi:app", ROOT),
                lms_environment(args, database_url, instance, port),
            )
            wait_until_up(port, "/healthz", process, name, work)
        floor_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        for i, port in enumerate(floor_ports):
            name = f"floor-{i}"
            process = children.start(
                name, gunicorn_argv(args, port, "floor_app:app", BENCH), floor_env
            )
            wait_until_up(port, "/bytes?size=1", process, name, work)
        lms = [["127.0.0.1", p] for p in lms_ports]
        floor = [["127.0.0.1", p] for p in floor_ports]
        clients = Clients(children, args.clients, floor_env)
        bench = Bench(args, clients, lms, floor, users)
        bench.lms_pids = [p.pid for name, p in children.processes if name.startswith("lms-")]
        bench.floor_pids = [p.pid for name, p in children.processes if name.startswith("floor-")]
        if args.profile:
            beside = Path(sys.executable).with_name("py-spy")
            bench.py_spy = str(beside) if beside.exists() else shutil.which("py-spy")
            if bench.py_spy is None:
                raise SystemExit("--profile needs py-spy (pip install py-spy)")
            args.profile.mkdir(parents=True, exist_ok=True)
        print(f"Signing in {len(users)} learners ...", flush=True)
        login = bench.sign_in()
        scenarios = args.scenarios.split(",")
        for scenario in scenarios:
            if scenario in PAGE_SCENARIOS or scenario == "mix":
                bench.compare(scenario)
        if args.instances > 1 and "mix" in scenarios:
            bench.compare("mix", key="mix-one", servers=lms[:1], floor_servers=floor[:1])
        if "paced" in scenarios:
            sustained = bench.results.get("mix", {}).get("lms", {}).get("all", {})
            rate = args.pace * sustained.get("per_second", 100.0)
            bench.compare("mix", key="paced", think=args.users / max(rate, 1.0))
        clients.quit()
        figures = {
            "command": command,
            "machine": info,
            "data": counts,
            "sign_in": login,
            "results": bench.results,
        }
        if args.json:  # first without the verdicts: a report that fails loses no figures
            args.json.write_text(json.dumps(figures, indent=1))
        text = report(args, bench, info, counts, login, command)
        print("\n" + text)
        if args.json:
            figures["scaling"] = bench.scaling
            figures["targets"] = [
                {"target": what, "met": met, "value": value} for what, met, value in targets(bench)
            ]
            args.json.write_text(json.dumps(figures, indent=1))
    except (KeyboardInterrupt, Stop) as stop:
        print(f"\nStopped: {str(stop) or 'interrupted'}; stopping the servers.", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        signal.alarm(0)
        children.stop_all()
        if args.keep:
            print(f"Work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
