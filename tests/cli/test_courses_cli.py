"""``flask --app lms courses validate|import|list|export`` through runner.invoke."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEvent
from lms.catalog.loader import load_course
from lms.catalog.models import Course, CourseVersion, Lesson, Question
from lms.extensions import db
from tests.conftest import FIXTURES

EXAMPLE = FIXTURES / "courses" / "example-course"
BROKEN = FIXTURES / "broken"


@pytest.fixture
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "courses" / "example-course"))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_validate_passes_a_good_course(runner):
    result = runner.invoke(args=["courses", "validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "1 course valid." in result.output


def test_validate_prints_every_problem_and_fails(runner):
    result = runner.invoke(args=["courses", "validate", str(BROKEN)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if ".toml:" in line or ".gift:" in line]
    assert len(lines) >= 7
    assert f"{BROKEN}/bad-toml/course.toml:3: this is not valid TOML" in result.output
    assert "2 of 2 courses have problems." in result.output


def test_validate_defaults_to_the_configured_courses_folder(runner):
    result = runner.invoke(args=["courses", "validate"])
    assert result.exit_code == 0, result.output


def test_import_is_idempotent(app, runner, example):
    first = runner.invoke(args=["courses", "import", str(example)])
    assert first.exit_code == 0, first.output
    assert "example-course: imported as version 1." in first.output
    counts = [_count(app, m) for m in (Course, CourseVersion, Lesson, Question)]
    again = runner.invoke(args=["courses", "import", str(example)])
    assert "example-course: unchanged (version 1)." in again.output
    assert [_count(app, m) for m in (Course, CourseVersion, Lesson, Question)] == counts


def test_a_changed_course_becomes_a_new_version_with_the_same_slugs(app, runner, example):
    runner.invoke(args=["courses", "import", str(example)])
    lesson = example / "01-first-steps" / "01-welcome.md"
    lesson.write_text(lesson.read_text().replace('title = "Welcome"', 'title = "Welcome, reader"'))
    result = runner.invoke(args=["courses", "import", str(example)])
    assert "example-course: imported as version 2." in result.output
    with app.app_context():
        course = db.session.execute(select(Course)).scalar_one()
        v1, v2 = course.versions
        assert course.current_version_id == v2.id
        slugs = [[(m.slug, [x.slug for x in m.lessons]) for m in v.modules] for v in (v1, v2)]
        assert slugs[0] == slugs[1]
        assert v1.modules[0].lessons[0].title == "Welcome"
        assert v2.modules[0].lessons[0].title == "Welcome, reader"


def test_a_course_with_a_problem_changes_nothing(app, runner, example):
    runner.invoke(args=["courses", "import", str(example)])
    quiz = example / "02-going-further" / "quiz.gift"
    quiz.write_text(quiz.read_text() + "\n::Broken:: Which? {~a ~b}\n")
    lesson = example / "01-first-steps" / "01-welcome.md"
    lesson.write_text(lesson.read_text() + "\nChanged.\n")
    result = runner.invoke(args=["courses", "import", str(example)])
    assert result.exit_code == 1
    assert "quiz.gift:10: multiple choice question has no correct answer" in result.output
    assert "not imported" in result.output
    assert _count(app, CourseVersion) == 1


def test_list_shows_courses_and_versions(runner, example):
    assert "No courses." in runner.invoke(args=["courses", "list"]).output
    runner.invoke(args=["courses", "import", str(example)])
    output = runner.invoke(args=["courses", "list"]).output
    assert "example-course  An Example Course" in output
    assert "* v1" in output


def test_export_then_import_gives_identical_content(app, runner, example, tmp_path):
    runner.invoke(args=["courses", "import", str(example)])
    out = tmp_path / "exported"
    result = runner.invoke(args=["courses", "export", "example-course", str(out)])
    assert result.exit_code == 0, result.output
    exported = load_course(out / "example-course")
    assert exported.errors == []
    assert exported.course.content_hash() == load_course(example).course.content_hash()
    again = runner.invoke(args=["courses", "import", str(out / "example-course")])
    assert "unchanged (version 1)" in again.output


def test_export_refuses_unknown_courses_and_full_folders(runner, example, tmp_path):
    missing = runner.invoke(args=["courses", "export", "nope", str(tmp_path)])
    assert missing.exit_code == 1
    assert "No course has the slug 'nope'." in missing.output
    runner.invoke(args=["courses", "import", str(example)])
    (tmp_path / "full" / "example-course").mkdir(parents=True)
    (tmp_path / "full" / "example-course" / "keep.txt").write_text("mine")
    full = runner.invoke(args=["courses", "export", "example-course", str(tmp_path / "full")])
    assert full.exit_code == 1
    assert "is not empty" in full.output


def test_setup_imports_the_courses_into_an_empty_catalog(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "importing the 1 shipped courses" in result.output
    assert "example-course: imported as version 1." in result.output
    second = runner.invoke(args=["setup"])
    assert "importing" not in second.output


# -- instructors ---------------------------------------------------------------------------


def _instructor_events(app) -> list[tuple[str, str, dict | None, dict | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("course.instructor."))
            .order_by(AuditEvent.id)
        ).scalars()
        return [(e.action, e.via, e.before, e.after) for e in rows]


def test_assign_list_and_unassign_instructors(app, runner, example, make_user):
    runner.invoke(args=["courses", "import", str(example)])
    make_user("instructor", email="bo@example.org", full_name="Bo Chen")

    assigned = runner.invoke(
        args=["courses", "assign-instructor", "example-course", "BO@example.org"]
    )
    assert assigned.exit_code == 0, assigned.output
    assert "bo@example.org now teaches example-course." in assigned.output
    again = runner.invoke(args=["courses", "assign-instructor", "example-course", "bo@example.org"])
    assert again.exit_code == 0 and "already teaches" in again.output

    listed = runner.invoke(args=["courses", "instructors", "example-course"])
    assert listed.exit_code == 0
    assert listed.output.strip() == "bo@example.org  Bo Chen"

    removed = runner.invoke(
        args=["courses", "unassign-instructor", "example-course", "bo@example.org"]
    )
    assert removed.exit_code == 0, removed.output
    assert "no longer teaches example-course" in removed.output
    empty = runner.invoke(args=["courses", "instructors", "example-course"])
    assert empty.output.strip() == "example-course has no instructor."
    assert _instructor_events(app) == [
        ("course.instructor.add", "cli", None, {"user": "bo@example.org"}),
        ("course.instructor.remove", "cli", {"user": "bo@example.org"}, None),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assign-instructor", "no-such-course", "bo@example.org"], "No course has the slug"),
        (["assign-instructor", "example-course", "nobody@example.org"], "No account uses"),
        (["assign-instructor", "example-course", "ana@example.org"], "is not an instructor"),
        (["unassign-instructor", "example-course", "bo@example.org"], "does not teach"),
        (["unassign-instructor", "example-course", "nobody@example.org"], "No account uses"),
        (["instructors", "no-such-course"], "No course has the slug 'no-such-course'."),
    ],
)
def test_instructor_commands_fail_clearly(app, runner, example, make_user, args, message):
    runner.invoke(args=["courses", "import", str(example)])
    make_user("instructor", email="bo@example.org")
    make_user("learner", email="ana@example.org")

    result = runner.invoke(args=["courses", *args])

    assert result.exit_code == 1
    assert message in result.output
    assert _instructor_events(app) == []


def test_the_list_flags_instructors_who_lost_the_role(runner, example, make_user):
    runner.invoke(args=["courses", "import", str(example)])
    make_user("instructor", email="bo@example.org", full_name="Bo Chen")
    runner.invoke(args=["courses", "assign-instructor", "example-course", "bo@example.org"])
    runner.invoke(args=["users", "set-role", "bo@example.org", "learner"])
    runner.invoke(args=["users", "deactivate", "bo@example.org"])

    listed = runner.invoke(args=["courses", "instructors", "example-course"])

    assert "(now learner: sees no reports, deactivated)" in listed.output


def test_export_draft_writes_the_browser_edits_and_the_list_hides_the_draft(
    app, runner, example, tmp_path, make_user
):
    from datetime import UTC, datetime

    from lms.accounts.models import User
    from lms.authoring import drafts
    from lms.catalog.services import course_by_slug

    runner.invoke(args=["courses", "import", str(example)])
    no_draft = runner.invoke(args=["courses", "export", "example-course", str(tmp_path / "a")])
    assert no_draft.exit_code == 0
    refused = runner.invoke(
        args=["courses", "export", "example-course", str(tmp_path / "b"), "--draft"]
    )
    assert refused.exit_code == 1 and "has no draft" in refused.output
    teacher = make_user("instructor")
    with app.app_context():
        course = course_by_slug("example-course")
        drafts.save_lesson(
            course,
            course.current_version_id,
            "first-steps",
            "welcome",
            1,
            drafts.LessonText("Welcome", 5, "", "Edited in the browser."),
            db.session.get(User, teacher.id),
            datetime(2026, 11, 24, tzinfo=UTC),
        )
        db.session.commit()
    result = runner.invoke(
        args=["courses", "export", "example-course", str(tmp_path / "c"), "--draft"]
    )
    assert result.exit_code == 0, result.output
    assert "of example-course the draft" in result.output
    text = (tmp_path / "c" / "example-course" / "01-first-steps" / "01-welcome.md").read_text()
    assert "Edited in the browser." in text
    listing = runner.invoke(args=["courses", "list"]).output
    assert "v0" not in listing and "* v1" in listing
