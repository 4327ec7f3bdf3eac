"""Progress is keyed by slugs, so it carries over to a new course version (issue #4, 9)."""

from __future__ import annotations

import re

from lms.learning.services import course_by_slug
from tests.learning_fixtures import (  # noqa: F401
    EVALUATION,
    RIGHT,
    WRONG,
    attempt_of,
    browser_for_fixture,
    completions_fixture,
    copy_example,
    enrollment_of,
    import_folder,
    learner_fixture,
    lesson_file,
    progress_of,
)

COURSE = "/courses/example-course"
WELCOME = f"{COURSE}/lessons/first-steps/welcome"
HARD = f"{COURSE}/lessons/first-steps/a-hard-lesson"


def start_on_v1(app, learner, tmp_path):
    folder = copy_example(tmp_path)
    assert import_folder(app, folder) == 1
    learner.enrol()
    return folder


def test_a_changed_lesson_text_keeps_progress(app, learner, tmp_path):
    folder = start_on_v1(app, learner, tmp_path)
    learner.complete("first-steps", "welcome")
    learner.complete("first-steps", "a-hard-lesson")
    learner.take("first-steps", RIGHT["first-steps"])
    assert progress_of(app, learner.user)[:2] == (3, 7)
    lesson = folder / "01-first-steps" / "01-welcome.md"
    lesson.write_text(lesson.read_text().replace("It shows a table", "It now shows a table"))
    assert import_folder(app, folder) == 2
    done, total, rules = progress_of(app, learner.user)
    assert (done, total) == (3, 7)
    page = learner.text(WELCOME)
    assert "It now shows a table" in page
    assert "You marked this lesson complete." in page
    outline = learner.text(COURSE)
    assert "Passed, best 100%" in outline


def test_a_changed_quiz_keeps_its_passed_attempts(app, learner, tmp_path):
    folder = start_on_v1(app, learner, tmp_path)
    learner.take("first-steps", RIGHT["first-steps"])
    quiz = folder / "01-first-steps" / "quiz.gift"
    quiz.write_text(
        quiz.read_text().replace("Which are callout blocks", "Which blocks are callouts")
    )
    assert import_folder(app, folder) == 2
    assert "Passed, best 100%" in learner.text(COURSE)
    assert progress_of(app, learner.user)[:2] == (1, 7)


def test_a_new_lesson_in_a_new_version_is_simply_not_done(app, learner, tmp_path):
    folder = start_on_v1(app, learner, tmp_path)
    learner.complete("first-steps", "welcome")
    learner.complete("first-steps", "a-hard-lesson")
    (folder / "01-first-steps" / "03-new-lesson.md").write_text(
        lesson_file("A new lesson", "Added in version 2.")
    )
    assert import_folder(app, folder) == 2
    assert progress_of(app, learner.user)[:2] == (2, 8)
    page = learner.text(COURSE)
    assert re.search(
        r'<li class="next-step">\s*<a href="[^"]+/new-lesson">A new lesson</a>\s*'
        r'<span class="state state-open">Not complete</span>',
        page,
    )
    response = learner.get(f"{COURSE}/continue")
    assert response.headers["Location"] == f"{COURSE}/lessons/first-steps/new-lesson"


def test_a_removed_lesson_no_longer_counts(app, learner, tmp_path, completions):
    folder = start_on_v1(app, learner, tmp_path)
    learner.complete("first-steps", "welcome")
    (folder / "01-first-steps" / "02-a-hard-lesson.md").unlink()
    assert import_folder(app, folder) == 2
    assert progress_of(app, learner.user)[:2] == (1, 6)
    assert learner.get(HARD).status_code == 404
    # The course completes without it.
    learner.complete("going-further", "gift")
    learner.take("first-steps", RIGHT["first-steps"])
    learner.take("going-further", RIGHT["going-further"])
    learner.take("posttest", WRONG["posttest"])
    assert learner.evaluate(EVALUATION).status_code == 302
    row = enrollment_of(app, learner.user)
    assert row["completed_at"] is not None
    assert len(completions) == 1
    with app.app_context():
        assert row["completed_version_id"] == course_by_slug("example-course").current_version_id


def test_a_removed_lesson_that_was_the_only_step_left_completes_the_course(
    app, learner, tmp_path, completions
):
    """Everything else was done; v2 drops the one lesson left: the learner has met every
    rule, and nothing is left for them to do to trigger completion. Opening the course
    (or the dashboard) should complete it."""
    folder = start_on_v1(app, learner, tmp_path)
    learner.complete("first-steps", "welcome")
    learner.complete("going-further", "gift")
    learner.take("first-steps", RIGHT["first-steps"])
    learner.take("going-further", RIGHT["going-further"])
    learner.take("posttest", WRONG["posttest"])
    learner.evaluate(EVALUATION)
    assert enrollment_of(app, learner.user)["completed_at"] is None
    (folder / "01-first-steps" / "02-a-hard-lesson.md").unlink()
    assert import_folder(app, folder) == 2
    done, total, rules = progress_of(app, learner.user)
    assert (done, total) == (6, 6)
    assert all(rules.values())
    learner.text("/dashboard")
    learner.text(COURSE)
    assert enrollment_of(app, learner.user)["completed_at"] is not None, (
        "every rule holds, but the enrolment is never completed"
    )
    assert len(completions) == 1


def test_an_attempt_is_graded_against_the_version_it_was_started_on(app, learner, tmp_path):
    folder = start_on_v1(app, learner, tmp_path)
    attempt_id = learner.start_attempt("first-steps")
    learner.send(attempt_id, RIGHT["first-steps"], action="save")
    quiz = folder / "01-first-steps" / "quiz.gift"
    text = quiz.read_text()
    # Version 2 makes the title the right answer.
    text = text.replace("=Its file name", "~Its file name").replace("~Its title", "=Its title")
    quiz.write_text(text)
    assert import_folder(app, folder) == 2
    assert learner.send(attempt_id, RIGHT["first-steps"]).status_code == 302
    row = attempt_of(app, attempt_id)
    assert row["score"] == 1.0
    page = learner.text(f"{COURSE}/attempts/{attempt_id}")
    assert "You scored 100%" in page
