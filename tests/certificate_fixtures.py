"""Shared helpers and fixtures for the certificate tests (issue #5).

Import what a test module needs: ``from tests.certificate_fixtures import ...``.
As in ``tests.learning_fixtures``, fixtures are defined as ``<name>_fixture`` with
``name="<name>"``: import ``certified_fixture`` and ask for ``certified``. A module
that uses ``certified`` also imports the fixtures it builds on
(``enrolled_fixture``, ``learner_fixture``, ``example_course_fixture``).

- ``finish_example_course(browser)``: every step of the example course, passed,
  through the real pages; the course is then complete and its certificate issued.
- ``quick_course(app, root)``: imports a one-lesson course whose only rule is
  "lessons"; ``finish_quick_course(browser)`` enrols and completes it in two
  requests (for tests that need many certificates).
- The database as it is now: ``certificate_rows``, ``certificate_row``,
  ``audit_rows``, plain snapshots usable outside any app context.
- Documents: ``pdf_text(data)`` is the text pypdf extracts from a PDF.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.audit import AuditEvent
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.learning_fixtures import (
    EVALUATION,
    RIGHT,
    SLUG,
    Browser,
    ModuleDef,
    import_folder,
    snapshot,
    write_course,
)

# The example course as its certificate shows it (tests/fixtures/courses/example-course).
EXAMPLE_TITLE = "An Example Course"
EXAMPLE_CREDIT_HOURS = 0.5

QUICK_SLUG = "quick-course"
QUICK_LESSON = ("only", "intro")

# A code as the application stores it: 13 symbols, no 0/O and no 1/I.
CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{13}$")
PDF_LINK_RE = re.compile(r'href="/certificates/([A-Z0-9]+)\.pdf"')

NOT_FOUND = "No certificate has the code"


def finish_example_course(browser: Browser, slug: str = SLUG) -> None:
    """Every step of the example course, right first time; the last is the evaluation."""
    browser.complete_all(slug=slug)
    for quiz in ("first-steps", "going-further", "posttest"):
        browser.take(quiz, RIGHT[quiz], slug=slug)
    response = browser.evaluate(EVALUATION, slug=slug)
    assert response.status_code == 302, response.status_code


def quick_course(app, root: Path, slug: str = QUICK_SLUG, *, title: str | None = None) -> str:
    """Import a course of one lesson, complete once that lesson is; returns its slug."""
    folder = write_course(
        root,
        slug,
        modules=[ModuleDef(QUICK_LESSON[0], lessons=[QUICK_LESSON[1]], quiz=None)],
        completion=("lessons",),
        title=title,
    )
    import_folder(app, folder)
    return slug


def finish_quick_course(browser: Browser, slug: str = QUICK_SLUG) -> None:
    browser.enrol(slug)
    response = browser.complete(*QUICK_LESSON, slug=slug)
    assert response.status_code == 302, response.status_code


def code_on_dashboard(browser: Browser) -> str:
    """The code of the (only) certificate the learner's dashboard links to."""
    codes = PDF_LINK_RE.findall(browser.text("/dashboard"))
    assert len(codes) == 1, codes
    return codes[0]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    """Text with all whitespace removed (PDF text extraction breaks lines freely)."""
    return re.sub(r"\s+", "", text)


# -- the database as it is now -------------------------------------------------------------


def certificate_rows(app, user_id: int | None = None) -> list[dict]:
    with app.app_context():
        query = select(Certificate).order_by(Certificate.id)
        if user_id is not None:
            query = query.where(Certificate.user_id == user_id)
        return [snapshot(row) for row in db.session.execute(query).scalars()]


def certificate_row(app, code: str) -> dict | None:
    with app.app_context():
        return snapshot(
            db.session.execute(
                select(Certificate).where(Certificate.code == code)
            ).scalar_one_or_none()
        )


def audit_rows(app, action: str | None = None) -> list[dict]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return [snapshot(row) for row in db.session.execute(query).scalars()]


# -- fixtures ------------------------------------------------------------------------------


@dataclass
class Certified:
    """A signed-in learner who completed the example course, and their certificate's code."""

    browser: Browser
    code: str

    @property
    def user(self):
        return self.browser.user


@pytest.fixture(name="certified")
def certified_fixture(enrolled) -> Certified:
    finish_example_course(enrolled)
    return Certified(enrolled, code_on_dashboard(enrolled))


@pytest.fixture(name="admin")
def admin_fixture(make_user, browser_for) -> Browser:
    """An administrator, signed in in a browser of their own."""
    return browser_for(make_user("administrator"))
