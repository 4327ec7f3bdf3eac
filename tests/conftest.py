"""Fixtures shared by every layer of tests.

The suite runs on a fresh SQLite file per test. With LMS_TEST_DATABASE_URL set
(for example ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) the same
tests run on that database instead: the schema is created once and every table
is emptied after each test.
"""

from __future__ import annotations

import email
import itertools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import event, text

from config import TestConfig
from lms import create_app
from lms.accounts import services
from lms.extensions import db

TEST_DATABASE_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
PASSWORD = "a calm and long test passphrase"
FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_COURSES = FIXTURES / "courses"

_external_schema_ready = False


def _prepare_external_schema() -> None:
    global _external_schema_ready
    if not _external_schema_ready:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        _external_schema_ready = True


def _empty_external_tables() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def config_class(tmp_path):
    """The settings class for this test; tests may subclass it further."""

    class Settings(TestConfig):
        DATABASE_URL = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"
        OUTBOX_DIR = str(tmp_path / "outbox")
        COURSES_DIR = str(FIXTURE_COURSES)

    return Settings


@pytest.fixture
def app(config_class, tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(config_class)
    with app.app_context():
        if TEST_DATABASE_URL:
            _prepare_external_schema()
        else:
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            _empty_external_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass(frozen=True)
class UserRecord:
    """What a test needs of a user, usable outside any app context."""

    id: int
    email: str
    full_name: str
    role: str
    password: str


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role="administrator", email=..., active=False)``."""
    numbers = itertools.count(1)

    def make(
        role: str = "learner",
        *,
        email: str | None = None,
        full_name: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
        profession: str = "Resident physician",
    ) -> UserRecord:
        n = next(numbers)
        with app.app_context():
            user = services.create_user(
                email=email or f"{role}{n}@example.org",
                full_name=full_name or f"Test {role.title()} {n}",
                role=role,
                password=password,
                profession=profession,
                via="cli",
            )
            user.active = active
            db.session.commit()
            return UserRecord(user.id, user.email, user.full_name, user.role, password)

    return make


CSRF_RE = re.compile(
    r'name="[\w-]*csrf_token"[^>]*?value="([^"]+)"'
    r'|value="([^"]+)"[^>]*?name="[\w-]*csrf_token"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf_token(client):
    """``csrf_token()`` fetches a page (the sign-in page by default) and returns its token."""

    def fetch(path: str = "/login") -> str:
        return csrf_token_from(client.get(path).get_data(as_text=True))

    return fetch


@pytest.fixture
def login(client, csrf_token):
    """``login(user)`` signs ``user`` in through the real form; returns the response."""

    def do_login(user: UserRecord, password: str | None = None, **extra):
        data = {
            "email": user.email,
            "password": password if password is not None else user.password,
            "csrf_token": csrf_token(),
            **extra,
        }
        return client.post("/login", data=data)

    return do_login


@pytest.fixture
def outbox(app):
    """``outbox()`` lists the messages written to the outbox folder, oldest first."""

    def read():
        folder = app.config["OUTBOX_DIR"]
        if not os.path.isdir(folder):
            return []
        messages = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as fh:
                messages.append(email.message_from_binary_file(fh, policy=policy.default))
        return messages

    return read


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...`` then ``len(queries)``: SQL statements run."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables at all, for tests of migrations and first-run setup.

    SQLite: a new file. PostgreSQL: a new schema, made the connection's search path,
    dropped afterwards.
    """
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"empty_{os.getpid()}_{next(_schema_numbers)}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


_schema_numbers = itertools.count(1)


@pytest.fixture
def fresh_app(config_class, empty_database_url, tmp_path, monkeypatch):
    """An app on an empty database (no tables): first-run setup starts from here."""
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "fresh-instance"))

    class Fresh(config_class):
        DATABASE_URL = empty_database_url

    app = create_app(Fresh)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
