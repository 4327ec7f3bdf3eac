"""Fixtures for the HTTP tests: forms sent the way a browser sends them.

Every POST carries the CSRF token read from the page that holds the form, so
CSRF protection stays on exactly as in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db, utcnow
from tests.conftest import csrf_token_from

RESET_LINK_RE = re.compile(r"http://lms\.test/reset-password/[A-Za-z0-9_.\-]+")


def page_text(response) -> str:
    return response.get_data(as_text=True)


def path_of(link: str) -> str:
    """The path of an absolute link, to open it with the test client's cookies."""
    return urlsplit(link).path


@pytest.fixture
def submit(client):
    """``submit(page, data, action=None, csrf_field="csrf_token", via=client)``.

    Opens ``page`` like a browser, takes the CSRF token from it and posts
    ``data`` to ``action`` (default: the page itself).
    """

    def send(page, data, *, action=None, csrf_field="csrf_token", via=None, **kwargs):
        browser = via or client
        token = csrf_token_from(page_text(browser.get(page)))
        return browser.post(action or page, data={csrf_field: token, **data}, **kwargs)

    return send


@pytest.fixture
def can_sign_in(app, submit):
    """``can_sign_in(email, password)``, tried in a fresh browser: this test's stays as it is."""

    def attempt(email: str, password: str) -> bool:
        response = submit("/login", {"email": email, "password": password}, via=app.test_client())
        return response.status_code == 302

    return attempt


@dataclass(frozen=True)
class StoredUser:
    """A user row as it is in the database now."""

    id: int
    email: str
    full_name: str
    profession: str
    role: str
    active: bool


@pytest.fixture
def stored_user(app):
    """``stored_user(user_id)`` or ``stored_user(email=...)``: the row now, or None."""

    def fetch(user_id=None, *, email=None):
        with app.app_context():
            if user_id is not None:
                user = db.session.get(User, user_id)
            else:
                user = db.session.execute(
                    select(User).where(User.email == email)
                ).scalar_one_or_none()
            if user is None:
                return None
            return StoredUser(
                user.id, user.email, user.full_name, user.profession, user.role, user.active
            )

    return fetch


@pytest.fixture
def user_count(app):
    def count() -> int:
        with app.app_context():
            return db.session.execute(select(func.count(User.id))).scalar_one()

    return count


@pytest.fixture
def reset_link(outbox):
    """The reset link in the newest message of the outbox."""

    def latest() -> str:
        messages = outbox()
        assert messages, "no mail in the outbox"
        match = RESET_LINK_RE.search(messages[-1].get_body(("plain",)).get_content())
        assert match, "no reset link in the mail"
        return match.group(0)

    return latest


@pytest.fixture
def request_reset(submit):
    """``request_reset(email)`` sends the forgotten-password form."""

    def send(email: str, **kwargs):
        return submit("/forgot-password", {"email": email}, **kwargs)

    return send


@pytest.fixture
def setup_link(app):
    """``setup_link()``: the first-run link, as ``flask --app lms setup`` prints it."""

    def make() -> str | None:
        with app.app_context():
            return services.setup_link()

    return make


@pytest.fixture
def clock(monkeypatch):
    """Moves the time the views see: ``clock.advance(seconds)``."""

    class Clock:
        offset = timedelta()

        def advance(self, seconds: float) -> None:
            self.offset += timedelta(seconds=seconds)

        def now(self):
            return utcnow() + self.offset

    fake = Clock()
    monkeypatch.setattr("lms.accounts.views.utcnow", fake.now)
    return fake
