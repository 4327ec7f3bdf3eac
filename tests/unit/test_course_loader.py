"""Reading course folders: the example course, deliberately broken courses, the shipped four."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.catalog.loader import course_folders, load_course
from tests.conftest import FIXTURES

EXAMPLE = FIXTURES / "courses" / "example-course"
BROKEN = FIXTURES / "broken"


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of the example course that a test may break."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example-course"))


def test_the_example_course_reads_completely():
    result = load_course(EXAMPLE)
    assert result.errors == []
    course = result.course
    assert course.slug == "example-course"
    assert [m.slug for m in course.modules] == ["first-steps", "going-further"]
    first = course.modules[0]
    assert [lesson.slug for lesson in first.lessons] == ["welcome", "a-hard-lesson"]
    assert first.lessons[1].content_note.startswith("This example lesson")
    assert first.quiz.key == "module:first-steps"
    assert (first.quiz.pass_mark, first.quiz.max_attempts, first.quiz.shuffle_answers) == (
        50,
        3,
        False,
    )
    assert course.modules[1].quiz.pass_mark == 80  # the course's default
    assert [q.id for q in first.quiz.questions] == ["where-is-the-slug", "callouts"]
    assert course.pretest.graded is False
    assert [e.kind for e in course.evaluation] == ["likert", "text"]
    assert course.completion == ["lessons", "quizzes", "posttest", "evaluation"]
    assert 'src="asset:images/dot.png"' in first.lessons[0].body_html
    assert set(course.assets) == {"images/dot.png"}


def test_the_content_hash_depends_on_content_only(example):
    first = load_course(EXAMPLE).course.content_hash()
    assert load_course(example).course.content_hash() == first
    lesson = example / "02-going-further" / "01-gift.md"
    lesson.write_text(lesson.read_text() + "\nOne more sentence.\n")
    assert load_course(example).course.content_hash() != first


def test_every_problem_is_reported_with_its_place():
    result = load_course(BROKEN / "many-problems")
    assert result.course is None
    root = BROKEN / "many-problems"
    expected = [
        f"{root}/course.toml:1: 'title' is missing",
        f"{root}/course.toml:7: unknown completion rule 'attendance'",
        f"{root}/course.toml:8: unknown setting 'colour' in course.toml",
        f"{root}/01-intro/quiz.gift:1: multiple choice question has no correct answer",
        f"{root}/01-intro/quiz.gift:7: unclosed answer block",
        f"{root}/01-intro/01-lesson.md:8: image '../images/missing.png' is not a file",
        f"{root}/02-intro:1: two modules have the slug 'intro'",
        f"{root}/02-intro/quiz.gift:1: question 'an-essay' is an essay",
        f"{root}/03-Bad_Name:1: 'Bad_Name' is not a slug",
    ]
    for start in expected:
        assert any(message.startswith(start) for message in result.errors), start


def test_bad_toml_names_the_line():
    result = load_course(BROKEN / "bad-toml")
    assert result.errors == [
        f"{BROKEN / 'bad-toml'}/course.toml:3: this is not valid TOML: Illegal character '\\n'"
    ]


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("course.toml", None, "course.toml:1: course.toml is missing"),
        ("01-first-steps/module.toml", None, "module.toml:1: module.toml is missing"),
        (
            "01-first-steps/01-welcome.md",
            "No front matter here.\n",
            "01-welcome.md:1: a lesson starts with front matter",
        ),
        (
            "01-first-steps/01-welcome.md",
            "+++\ntitle = 'x'\nminutes = 5\n",
            "01-welcome.md:1: the front matter opened on line 1 is never closed",
        ),
        (
            "01-first-steps/01-welcome.md",
            "+++\ntitle = 'x'\nminutes = 'five'\n+++\n\nText.\n",
            "01-welcome.md:3: 'minutes' must be a whole number",
        ),
        (
            "01-first-steps/01-welcome.md",
            "+++\ntitle = 'x'\nminutes = 5\n+++\n\nText.\n\n::: caution\nx\n:::\n",
            "01-welcome.md:8: unknown block '::: caution'",
        ),
        (
            "01-first-steps/02-welcome.md",
            "+++\ntitle = 'Twin'\nminutes = 5\n+++\n\nText.\n",
            "02-welcome.md:1: two lessons in this module have the number 2",
        ),
        ("01-first-steps/notes.txt", "x", "notes.txt:1: unexpected file 'notes.txt'"),
        ("pretest.gift", "::Q:: Describe it. {}\n", "pretest.gift:1: question 'q' is an essay"),
        (
            "01-first-steps/quiz.gift",
            "::A::\nQ {=a ~b}\n\n::A::\nQ {=a ~b}\n",
            "quiz.gift:4: two questions have the id 'a'",
        ),
        ("images/notes.pdf", "x", "notes.pdf:1: only images"),
        ("02-going-further/quiz.gift", b"::Q:: \xff {T}\n", "quiz.gift:1: not UTF-8"),
    ],
)
def test_each_kind_of_problem_is_found(example, relative, text, expected):
    path = example / relative
    if text is None:
        path.unlink()
    elif isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    result = load_course(example)
    assert result.course is None
    assert any(expected in message for message in result.errors), result.errors


def test_completion_rules_need_what_they_count(example):
    (example / "posttest.gift").unlink()
    text = (example / "course.toml").read_text()
    text = text[: text.index("[[evaluation]]")]
    (example / "course.toml").write_text(text)
    errors = load_course(example).errors
    assert any("'posttest' needs a posttest.gift file" in e for e in errors)
    assert any("'evaluation' needs [[evaluation]] questions" in e for e in errors)


def test_course_folders_finds_courses_inside_a_folder():
    assert course_folders([FIXTURES / "courses"]) == [EXAMPLE]
    assert course_folders([EXAMPLE]) == [EXAMPLE]
