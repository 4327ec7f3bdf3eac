"""Two application servers (gunicorn, as deployed) sharing one PostgreSQL database.

What a load balancer in front of two servers must not break (issue #8, point 6):

- a session made on one server is good on the other (nothing is kept in a process);
- the same learner submitting the same attempt on both servers at once gives one
  result;
- completing the same course on both at once gives one certificate;
- sign-in throttling counts failures made on either server.

Skipped without PostgreSQL (SQLite admits one writer: nothing can race) or
without gunicorn (``pip install -e '.[test]'`` installs it).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from lms import create_app
from lms.accounts import services as accounts
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning.models import QuizAttempt
from tests.conftest import PASSWORD, TEST_DATABASE_URL
from tests.learning_fixtures import EXAMPLE, ModuleDef, import_folder, write_course

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which(
    "gunicorn"
)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ONE_LESSON = "one-lesson"

pytestmark = [
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"),
        reason="needs PostgreSQL (set LMS_TEST_DATABASE_URL): with SQLite one writer at a "
        "time, two servers cannot race",
    ),
    pytest.mark.skipif(
        GUNICORN is None, reason="gunicorn is not installed: pip install -e '.[test]'"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


@dataclass
class Browser:
    """A client that keeps its cookies, whichever server it talks to."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, server: Server, method: str, path: str, form: dict | None = None):
        connection = server.connection()
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie = pair.partition("=")
                self.cookies[key.strip()] = cookie.strip()
        connection.close()
        return response.status, response.getheader("Location") or "", text

    def token(self, server: Server, path: str) -> str:
        status, _, text = self.request(server, "GET", path)
        assert status == 200, (path, status)
        return CSRF_RE.search(text).group(1)

    def sign_in(self, server: Server, email: str, password: str = PASSWORD):
        token = self.token(server, "/login")
        return self.request(
            server, "POST", "/login", {"csrf_token": token, "email": email, "password": password}
        )


@pytest.fixture
def shared_app(config_class, empty_database_url, tmp_path, monkeypatch):
    """The database both servers use: migrated, the example course and a one-lesson
    course imported. The test's own app (for setting up and reading rows) uses it too."""
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))

    class Shared(config_class):
        DATABASE_URL = empty_database_url

    app = create_app(Shared)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    import_folder(app, EXAMPLE)
    folder = write_course(
        tmp_path / "courses",
        ONE_LESSON,
        modules=[ModuleDef("only", lessons=["intro"], quiz=None)],
        completion=("lessons",),
    )
    import_folder(app, folder)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def servers(shared_app, empty_database_url, tmp_path):
    """Two gunicorn servers on their own ports, each with two workers, sharing the database."""
    started = []
    for n in (1, 2):
        port = _free_port()
        env = {
            **os.environ,
            "LMS_CONFIG": "production",
            "LMS_SECRET_KEY": "the same secret on both servers, as in a deployment",
            "LMS_DATABASE_URL": empty_database_url,
            "LMS_INSTANCE_PATH": str(tmp_path / f"instance-{n}"),
            "LMS_PUBLIC_URL": "http://127.0.0.1",
            "LMS_ARGON2_TIME_COST": "1",
            "LMS_ARGON2_MEMORY_COST": "8",
            "LMS_ARGON2_PARALLELISM": "1",
        }
        process = subprocess.Popen(  # noqa: S603
            [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(Server(port, process))
    try:
        for server in started:
            _wait_until_up(server)
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
            if server.process.stderr:
                server.process.stderr.close()


def _wait_until_up(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {server.process.stderr.read().decode()}")
        try:
            connection = server.connection()
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {server.port} did not answer in {seconds} s")


def _on_both_at_once(browser: Browser, servers: list[Server], path: str, form: dict) -> list:
    """POST the same form to both servers in threads released together; the statuses."""
    barrier = threading.Barrier(len(servers))
    results = [None] * len(servers)

    def run(index, server):
        barrier.wait()
        results[index] = browser.request(server, "POST", path, form)[0]

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _learner(app, email: str) -> str:
    """A learner in the shared database; returns their full name."""
    with app.app_context():
        user = accounts.create_user(
            email=email,
            full_name=f"Learner {email.split('@')[0]}",
            role="learner",
            password=PASSWORD,
            profession="Registered nurse",
            via="cli",
        )
        db.session.commit()
        return user.full_name


def _signed_in_learner(app, servers) -> tuple[Browser, str]:
    name = _learner(app, "racer@example.org")
    browser = Browser()
    status, _, _ = browser.sign_in(servers[0], "racer@example.org")
    assert status == 302
    return browser, name


def test_a_session_made_on_one_server_is_good_on_the_other(servers, shared_app):
    browser, name = _signed_in_learner(shared_app, servers)
    status, _, page = browser.request(servers[1], "GET", "/dashboard")
    assert status == 200
    assert name in page


def test_the_same_attempt_submitted_on_both_servers_at_once_gives_one_result(servers, shared_app):
    browser, _ = _signed_in_learner(shared_app, servers)
    token = browser.token(servers[0], "/courses/example-course")
    status, _, _ = browser.request(
        servers[0], "POST", "/courses/example-course/enrol", {"csrf_token": token}
    )
    assert status == 302
    for attempt in range(5):  # five races, each on a new attempt (this quiz has no limit)
        status, location, _ = browser.request(
            servers[0],
            "POST",
            "/courses/example-course/quizzes/going-further/start",
            {"csrf_token": token},
        )
        path = urlsplit(location).path
        assert status == 302 and "/attempts/" in path, (status, location)
        statuses = _on_both_at_once(
            browser, servers, path, {"csrf_token": token, "action": "submit"}
        )
        assert all(status in (200, 302) for status in statuses), (attempt, statuses)
    with shared_app.app_context():
        attempts = db.session.execute(
            select(QuizAttempt.number, QuizAttempt.submitted_at, QuizAttempt.score)
        ).all()
        assert sorted(number for number, _, _ in attempts) == [1, 2, 3, 4, 5]
        assert all(submitted is not None and score is not None for _, submitted, score in attempts)


def test_completing_a_course_on_both_servers_at_once_gives_one_certificate(servers, shared_app):
    for n in range(5):  # five learners, five races
        email = f"finisher{n}@example.org"
        _learner(shared_app, email)
        browser = Browser()
        assert browser.sign_in(servers[n % 2], email)[0] == 302
        token = browser.token(servers[0], f"/courses/{ONE_LESSON}")
        browser.request(servers[0], "POST", f"/courses/{ONE_LESSON}/enrol", {"csrf_token": token})
        path = f"/courses/{ONE_LESSON}/lessons/only/intro/complete"
        statuses = _on_both_at_once(browser, servers, path, {"csrf_token": token})
        assert statuses == [302, 302]
    with shared_app.app_context():
        per_learner = db.session.execute(
            select(Certificate.user_id, func.count(Certificate.id)).group_by(Certificate.user_id)
        ).all()
        assert len(per_learner) == 5
        assert {count for _, count in per_learner} == {1}


def test_sign_in_throttling_counts_failures_on_either_server(servers, shared_app):
    email = "forgetful@example.org"
    _learner(shared_app, email)
    limit = shared_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for n in range(limit):
        status, _, _ = Browser().sign_in(servers[n % 2], email, "not the password")
        assert status == 422, (n, status)
    # The right password, on either server, now waits for the window to pass.
    for server in servers:
        status, _, page = Browser().sign_in(server, email)
        assert status == 429, status
        assert "Too many sign-in attempts" in page
