"""Shared helpers and fixtures for the learner-journey tests (tests/*/test_*learning_*.py).

Import what a test module needs: ``from tests.learning_fixtures import ...``.
Fixtures are defined as ``<name>_fixture`` with ``name="<name>"``: import
``enrolled_fixture`` and ask for ``enrolled`` (a test parameter then does not
shadow the import). Fixtures: ``example_course`` (imported), ``learner`` (signed
in, the test's ``client``), ``enrolled`` (that learner, enrolled in the example
course), ``browser_for(user)`` (another signed-in browser), ``completions``
(the ``course_completed`` signals sent during the test).

- Courses: ``import_folder(app, path)`` imports a course folder;
  ``write_course(root, slug, modules=[...])`` writes a small course to import;
  ``write_generated_course(root, slug, modules=N)`` writes N modules of one
  lesson and a two-question quiz each (for query counts).
- A learner in a browser: ``Browser`` wraps a test client that is signed in,
  sends forms with the CSRF token read from a page, and knows the course URLs.
- The database as it is now: ``enrollment_of``, ``attempt_of``, ``attempts_of``,
  ``lesson_rows``, ``evaluation_rows``, each a plain snapshot, usable outside
  any app context and comparable with ``==`` ("nothing changed").
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.catalog.loader import load_course
from lms.catalog.models import Course
from lms.catalog.services import import_course
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment, EvaluationResponse, LessonProgress, QuizAttempt
from lms.learning.signals import course_completed
from tests.conftest import FIXTURE_COURSES, csrf_token_from

EXAMPLE = FIXTURE_COURSES / "example-course"
SLUG = "example-course"

# The example course, as a learner meets it.
LESSONS = [
    ("first-steps", "welcome"),
    ("first-steps", "a-hard-lesson"),
    ("going-further", "gift"),
]
# Answers that score 100% on each quiz of the example course (form field -> value).
RIGHT = {
    "first-steps": {"q-where-is-the-slug": "0", "q-callouts": ["0", "1"]},
    "going-further": {"q-gift-comes-from": "Moodle", "q-numbers": "4"},
    "pretest": {"q-folder-names": "0", "q-front-matter": "true"},
    "posttest": {"q-folder-names": "0", "q-front-matter": "true"},
}
WRONG = {
    "first-steps": {"q-where-is-the-slug": "1", "q-callouts": ["2"]},
    "going-further": {"q-gift-comes-from": "Blackboard", "q-numbers": "5"},
    "pretest": {"q-folder-names": "1", "q-front-matter": "false"},
    "posttest": {"q-folder-names": "1", "q-front-matter": "false"},
}
EVALUATION = {"e-met-objectives": "4", "e-improve": "More worked examples, please."}


# -- courses -------------------------------------------------------------------------------


def import_folder(app, path: Path) -> int:
    """Import the course folder at ``path``; returns the number of the current version."""
    with app.app_context():
        result = load_course(path)
        assert not result.errors, result.errors
        outcome = import_course(result.course)
        db.session.commit()
        return outcome.version.number


def copy_example(root: Path) -> Path:
    """A copy of the example course under ``root``, to change and import again."""
    target = root / SLUG
    shutil.copytree(EXAMPLE, target)
    return target


def lesson_file(title: str, body: str, *, minutes: int = 5, content_note: str = "") -> str:
    note = f'content_note = "{content_note}"\n' if content_note else ""
    return f'+++\ntitle = "{title}"\nminutes = {minutes}\n{note}+++\n\n{body}\n'


TWO_QUESTIONS = """\
::Which is right::
Which answer is right? {
  =This one#Yes: this one is right.
  ~That one#No: that one is wrong.
}

::Sky::
The sky on a clear day is blue. {T#It is blue on a clear day.#Right: it is blue.}
"""


@dataclass
class ModuleDef:
    slug: str
    lessons: list[str] = field(default_factory=lambda: ["intro"])
    quiz: str | None = TWO_QUESTIONS
    quiz_settings: str = ""  # lines of the [quiz] table


def write_course(
    root: Path,
    slug: str,
    *,
    modules: list[ModuleDef],
    completion: tuple[str, ...] = ("lessons", "quizzes"),
    self_enrollment: bool = True,
    pass_mark: int = 80,
    evaluation: bool = False,
    posttest: str | None = None,
    pretest: str | None = None,
    title: str | None = None,
) -> Path:
    """Write a small course folder under ``root`` and return its path."""
    folder = root / slug
    folder.mkdir(parents=True)
    rules = ", ".join(f'"{rule}"' for rule in completion)
    toml = (
        f'slug = "{slug}"\n'
        f'title = "{title or "Course " + slug}"\n'
        f'summary = "A small course written by a test: {slug}."\n'
        'audience = "Learners in a test"\n'
        "credit_hours = 1.5\n"
        "estimated_minutes = 25\n"
        f"pass_mark = {pass_mark}\n"
        f"self_enrollment = {'true' if self_enrollment else 'false'}\n"
        'objectives = ["Pass a test."]\n'
        f"completion = [{rules}]\n"
    )
    if evaluation:
        toml += '\n[[evaluation]]\nid = "useful"\nkind = "likert"\nprompt = "It was useful."\n'
    (folder / "course.toml").write_text(toml, encoding="utf-8")
    for name, text in (("pretest.gift", pretest), ("posttest.gift", posttest)):
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    for number, module in enumerate(modules, start=1):
        mfolder = folder / f"{number:02d}-{module.slug}"
        mfolder.mkdir()
        module_toml = f'title = "Module {module.slug}"\nobjectives = ["Learn {module.slug}."]\n'
        if module.quiz is not None and module.quiz_settings:
            module_toml += f"\n[quiz]\n{module.quiz_settings}\n"
        (mfolder / "module.toml").write_text(module_toml, encoding="utf-8")
        for n, lesson in enumerate(module.lessons, start=1):
            (mfolder / f"{n:02d}-{lesson}.md").write_text(
                lesson_file(f"Lesson {lesson}", f"The text of {module.slug}/{lesson}."),
                encoding="utf-8",
            )
        if module.quiz is not None:
            (mfolder / "quiz.gift").write_text(module.quiz, encoding="utf-8")
    return folder


def write_generated_course(root: Path, slug: str, *, modules: int) -> Path:
    """``modules`` modules, each with one lesson and a two-question quiz."""
    return write_course(
        root,
        slug,
        modules=[ModuleDef(f"module-{n}", lessons=["lesson"]) for n in range(1, modules + 1)],
    )


# -- a learner in a browser ------------------------------------------------------------


ATTEMPT_RE = re.compile(r"/courses/[a-z0-9-]+/attempts/(\d+)$")
QUESTION_RE = re.compile(r'id="q-([a-z0-9-]+)-stem"')


def sign_in(client, user) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": user.password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


class Browser:
    """A signed-in learner's browser: forms carry the token read from a page."""

    def __init__(self, app, client, user):
        self.app, self.client, self.user = app, client, user

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def text(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def token(self) -> str:
        return csrf_token_from(self.client.get("/courses").get_data(as_text=True))

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kwargs)

    # the course's pages
    def enrol(self, slug: str = SLUG):
        response = self.post(f"/courses/{slug}/enrol")
        assert response.status_code == 302, response.status_code
        return response

    def complete(self, module: str, lesson: str, slug: str = SLUG):
        return self.post(f"/courses/{slug}/lessons/{module}/{lesson}/complete")

    def complete_all(self, lessons=LESSONS, slug: str = SLUG) -> None:
        for module, lesson in lessons:
            assert self.complete(module, lesson, slug).status_code == 302

    def start(self, quiz: str, slug: str = SLUG):
        return self.post(f"/courses/{slug}/quizzes/{quiz}/start")

    def start_attempt(self, quiz: str, slug: str = SLUG) -> int:
        response = self.start(quiz, slug)
        assert response.status_code == 302, response.status_code
        match = ATTEMPT_RE.search(response.headers["Location"])
        assert match, response.headers["Location"]
        return int(match.group(1))

    def send(self, attempt_id: int, answers: dict, action: str = "submit", slug: str = SLUG):
        return self.post(f"/courses/{slug}/attempts/{attempt_id}", {**answers, "action": action})

    def take(self, quiz: str, answers: dict, slug: str = SLUG) -> int:
        """Start an attempt, submit ``answers``; returns the attempt's id."""
        attempt_id = self.start_attempt(quiz, slug)
        response = self.send(attempt_id, answers, slug=slug)
        assert response.status_code == 302, response.get_data(as_text=True)
        return attempt_id

    def evaluate(self, answers: dict = EVALUATION, slug: str = SLUG):
        return self.post(f"/courses/{slug}/evaluation", answers)


@pytest.fixture(name="browser_for")
def browser_for_fixture(app):
    """``browser_for(user)``: a new browser, signed in as ``user``."""

    def make(user) -> Browser:
        client = app.test_client()
        sign_in(client, user)
        return Browser(app, client, user)

    return make


@pytest.fixture(name="example_course")
def example_course_fixture(app):
    import_folder(app, EXAMPLE)
    return SLUG


@pytest.fixture(name="learner")
def learner_fixture(app, client, make_user):
    """A signed-in learner (the test's ``client``), not enrolled in anything."""
    user = make_user()
    sign_in(client, user)
    return Browser(app, client, user)


@pytest.fixture(name="enrolled")
def enrolled_fixture(example_course, learner):
    """The signed-in learner, enrolled in the example course."""
    learner.enrol(SLUG)
    return learner


@pytest.fixture(name="completions")
def completions_fixture():
    """Every ``course_completed`` signal sent during the test: (enrolment id, version id)."""
    received: list[tuple[int, int]] = []

    def receiver(sender, **extra):
        received.append((sender.id, extra["version"].id))

    course_completed.connect(receiver, weak=False)
    try:
        yield received
    finally:
        course_completed.disconnect(receiver)


# -- the database as it is now ------------------------------------------------------------


def snapshot(row) -> dict | None:
    if row is None:
        return None
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def _enrollment(user_id: int, slug: str):
    return db.session.execute(
        select(Enrollment)
        .join(Course, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == user_id, Course.slug == slug)
    ).scalar_one_or_none()


def enrollment_of(app, user, slug: str = SLUG) -> dict | None:
    with app.app_context():
        return snapshot(_enrollment(user.id, slug))


def enrollment_count(app, user=None, slug: str = SLUG) -> int:
    with app.app_context():
        query = select(func.count(Enrollment.id)).join(Course, Enrollment.course_id == Course.id)
        query = query.where(Course.slug == slug)
        if user is not None:
            query = query.where(Enrollment.user_id == user.id)
        return db.session.execute(query).scalar_one()


def attempt_of(app, attempt_id: int) -> dict | None:
    with app.app_context():
        return snapshot(db.session.get(QuizAttempt, attempt_id))


def attempts_of(app, user, quiz_key: str, slug: str = SLUG) -> list[dict]:
    with app.app_context():
        enrollment = _enrollment(user.id, slug)
        if enrollment is None:
            return []
        rows = db.session.execute(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.quiz_key == quiz_key)
            .order_by(QuizAttempt.number)
        ).scalars()
        return [snapshot(row) for row in rows]


def all_attempts(app) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(select(QuizAttempt).order_by(QuizAttempt.id)).scalars()
        return [snapshot(row) for row in rows]


def lesson_rows(app, user, slug: str = SLUG) -> set[tuple[str, str]]:
    with app.app_context():
        enrollment = _enrollment(user.id, slug)
        if enrollment is None:
            return set()
        rows = db.session.execute(
            select(LessonProgress.module_slug, LessonProgress.lesson_slug).where(
                LessonProgress.enrollment_id == enrollment.id
            )
        )
        return {tuple(row) for row in rows}


def evaluation_rows(app) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(select(EvaluationResponse)).scalars()
        return [snapshot(row) for row in rows]


def progress_of(app, user, slug: str = SLUG):
    """(done steps, all steps, rules) of ``user`` in the course's current version."""
    with app.app_context():
        course = services.course_by_slug(slug)
        version = services.version_with_content(course.current_version_id)
        enrollment = _enrollment(user.id, slug)
        progress = services.progress_for(enrollment, version)
        return progress.done_steps, len(progress.steps), progress.rules()


def question_order_on_page(html: str) -> list[str]:
    return QUESTION_RE.findall(html)
