"""Pre-test, post-test, evaluation and completion through the browser (issue #4, 6-8)."""

from __future__ import annotations

import re

import pytest

from lms.learning.services import course_by_slug
from tests.http.conftest import page_text
from tests.learning_fixtures import (  # noqa: F401
    EVALUATION,
    LESSONS,
    RIGHT,
    WRONG,
    ModuleDef,
    attempts_of,
    browser_for_fixture,
    completions_fixture,
    enrolled_fixture,
    enrollment_of,
    evaluation_rows,
    example_course_fixture,
    import_folder,
    learner_fixture,
    progress_of,
    write_course,
)

COURSE = "/courses/example-course"
DONE = "You have completed this course. Well done."


# -- pre-test and post-test ------------------------------------------------------------------


def test_the_course_page_offers_the_pre_test_as_optional(enrolled):
    page = enrolled.text(COURSE)
    assert f'href="{COURSE}/quizzes/pretest"' in page
    assert "It is optional and does not count towards completion" in page
    quiz = enrolled.text(f"{COURSE}/quizzes/pretest")
    assert "does not count towards completion, and there is no pass mark to reach" in quiz


def test_the_pre_test_is_not_a_step_of_the_course(app, enrolled):
    done, total, rules = progress_of(app, enrolled.user)
    assert (done, total) == (0, 7)
    enrolled.take("pretest", RIGHT["pretest"])
    assert progress_of(app, enrolled.user)[:2] == (0, 7)
    # Once taken, it is no longer offered.
    assert "It is optional and does not count" not in enrolled.text(COURSE)


def test_the_pre_and_post_tests_allow_one_attempt(app, enrolled):
    enrolled.take("pretest", WRONG["pretest"])
    page = enrolled.text(f"{COURSE}/quizzes/pretest")
    assert "You have used every attempt." in page
    assert f'action="{COURSE}/quizzes/pretest/start"' not in page
    response = enrolled.start("pretest")
    assert response.headers["Location"] == f"{COURSE}/quizzes/pretest"
    assert len(attempts_of(app, enrolled.user, "pretest")) == 1


def test_the_review_of_a_pre_test_shows_no_pass_or_fail(enrolled):
    attempt_id = enrolled.take("pretest", WRONG["pretest"])
    page = enrolled.text(f"{COURSE}/attempts/{attempt_id}")
    assert "You scored 0%" in page
    assert "pass mark" not in page.lower()


def test_the_course_page_shows_the_knowledge_gain(enrolled):
    enrolled.take("pretest", {"q-folder-names": "0", "q-front-matter": "false"})  # 50%
    page = enrolled.text(COURSE)
    assert "Pre-test 50%" not in page  # no post-test yet
    enrolled.take("posttest", RIGHT["posttest"])
    page = enrolled.text(COURSE)
    assert "Pre-test 50%, post-test 100%: a change of +50 points." in page
    assert "Taken, 100%" in page


def test_a_low_post_test_score_still_counts_as_taken(app, enrolled):
    enrolled.take("posttest", WRONG["posttest"])
    assert progress_of(app, enrolled.user)[2]["posttest"] is True
    assert "Taken, 0%" in enrolled.text(COURSE)


# -- the evaluation ---------------------------------------------------------------------------


def test_the_evaluation_form_has_likert_and_free_text_items(enrolled):
    page = enrolled.text(f"{COURSE}/evaluation")
    assert "The course met its stated objectives." in page
    for label in (
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ):
        assert f">{label}</label>" in page
    assert "What should we improve? (optional)" in page
    assert '<textarea id="e-improve" name="e-improve"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please answer this question."),
        ({"e-improve": "Only the optional one."}, "Please answer this question."),
        ({"e-met-objectives": "7"}, "Choose one of the five answers."),
        ({"e-met-objectives": "0"}, "Choose one of the five answers."),
        ({"e-met-objectives": "abc"}, "Choose one of the five answers."),
        ({"e-met-objectives": ["4", "5"]}, "Choose one answer."),
        ({"e-met-objectives": "4", "e-improve": "x" * 4001}, "Use at most 4000 characters."),
    ],
)
def test_evaluation_problems_get_422_with_messages_and_store_nothing(
    app, enrolled, completions, data, message
):
    response = enrolled.evaluate(data)
    assert response.status_code == 422
    page = page_text(response)
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: Course evaluation" in page
    assert evaluation_rows(app) == []
    assert progress_of(app, enrolled.user)[2]["evaluation"] is False


def test_a_refused_evaluation_keeps_what_was_typed(enrolled):
    response = enrolled.evaluate({"e-improve": "Shorter lessons."})
    assert response.status_code == 422
    assert ">Shorter lessons.</textarea>" in page_text(response)


def test_the_evaluation_is_submitted_once(app, enrolled):
    response = enrolled.evaluate(EVALUATION)
    assert response.status_code == 302
    assert response.headers["Location"] == COURSE
    assert "Thank you: your evaluation is submitted." in enrolled.text(COURSE)
    rows = evaluation_rows(app)
    assert len(rows) == 1
    assert rows[0]["answers"] == {"met-objectives": 4, "improve": "More worked examples, please."}
    # A second POST changes nothing.
    again = enrolled.evaluate({"e-met-objectives": "1", "e-improve": "Changed my mind."})
    assert again.status_code in (200, 302)
    assert evaluation_rows(app) == rows
    assert "You have submitted the evaluation. Thank you." in enrolled.text(f"{COURSE}/evaluation")
    assert "Submitted" in enrolled.text(COURSE)


def test_the_optional_item_may_be_left_out(app, enrolled):
    assert enrolled.evaluate({"e-met-objectives": "5"}).status_code == 302
    assert evaluation_rows(app)[0]["answers"] == {"met-objectives": 5}


def test_the_evaluation_needs_the_csrf_token(app, enrolled):
    response = enrolled.client.post(f"{COURSE}/evaluation", data=EVALUATION)
    assert response.status_code == 400
    assert evaluation_rows(app) == []


def test_a_course_without_an_evaluation_has_no_evaluation_page(app, learner, tmp_path):
    import_folder(app, write_course(tmp_path, "plain-course", modules=[ModuleDef("only")]))
    learner.enrol("plain-course")
    assert learner.get("/courses/plain-course/evaluation").status_code == 404
    assert learner.post("/courses/plain-course/evaluation", {"e-useful": "5"}).status_code == 404
    assert evaluation_rows(app) == []


# -- completion -------------------------------------------------------------------------------


STEPS = ["lessons", "module-quizzes", "posttest", "evaluation"]


def do(browser, step: str):
    if step == "lessons":
        for module, lesson in LESSONS:
            response = browser.complete(module, lesson)
        return response
    if step == "module-quizzes":
        browser.take("first-steps", RIGHT["first-steps"])
        attempt_id = browser.start_attempt("going-further")
        return browser.send(attempt_id, RIGHT["going-further"])
    if step == "posttest":
        attempt_id = browser.start_attempt("posttest")
        return browser.send(attempt_id, WRONG["posttest"])  # taken is enough
    return browser.evaluate(EVALUATION)


def repeat(browser, step: str) -> None:
    """Do the last step again, the ways a learner can."""
    if step == "lessons":
        browser.complete(*LESSONS[-1])
    elif step == "module-quizzes":
        browser.take("going-further", RIGHT["going-further"])
        attempts = attempts_of(browser.app, browser.user, "module:going-further")
        browser.send(attempts[0]["id"], RIGHT["going-further"])
    elif step == "posttest":
        attempts = attempts_of(browser.app, browser.user, "posttest")
        browser.send(attempts[0]["id"], RIGHT["posttest"])
        browser.start("posttest")
    else:
        browser.evaluate({"e-met-objectives": "2"})


@pytest.mark.parametrize("last", STEPS)
def test_completion_happens_exactly_once_whichever_step_is_last(app, enrolled, completions, last):
    for step in STEPS:
        if step != last:
            do(enrolled, step)
    assert enrollment_of(app, enrolled.user)["completed_at"] is None
    assert completions == []
    response = do(enrolled, last)
    assert response.status_code == 302
    row = enrollment_of(app, enrolled.user)
    assert row["completed_at"] is not None
    with app.app_context():
        current = course_by_slug("example-course").current_version_id
    assert row["completed_version_id"] == current
    assert completions == [(row["id"], current)]
    assert DONE in page_text(enrolled.get(response.headers["Location"]))
    repeat(enrolled, last)
    repeat(enrolled, last)
    after = enrollment_of(app, enrolled.user)
    assert after["completed_at"] == row["completed_at"]
    assert after["completed_version_id"] == current
    assert completions == [(row["id"], current)]


def test_the_pre_test_is_never_needed_to_complete(app, enrolled, completions):
    for step in STEPS:
        do(enrolled, step)
    assert attempts_of(app, enrolled.user, "pretest") == []
    assert enrollment_of(app, enrolled.user)["completed_at"] is not None
    assert len(completions) == 1


def test_a_completed_course_says_so_on_the_course_page_and_the_dashboard(app, enrolled):
    for step in STEPS:
        do(enrolled, step)
    page = enrolled.text(COURSE)
    assert "You completed this course on" in page
    assert "7 of 7 steps done (100%)" in page
    dashboard = enrolled.text("/dashboard")
    assert re.search(r"<h2[^>]*>Completed</h2>", dashboard)
    assert not re.search(r"<h2[^>]*>In progress</h2>", dashboard)


def test_failing_a_graded_quiz_keeps_the_course_open(app, enrolled, completions):
    do(enrolled, "lessons")
    enrolled.take("first-steps", RIGHT["first-steps"])
    enrolled.take("going-further", WRONG["going-further"])
    do(enrolled, "posttest")
    do(enrolled, "evaluation")
    assert enrollment_of(app, enrolled.user)["completed_at"] is None
    assert completions == []
    enrolled.take("going-further", RIGHT["going-further"])
    assert enrollment_of(app, enrolled.user)["completed_at"] is not None
    assert len(completions) == 1


def test_each_learner_completes_on_their_own(app, enrolled, make_user, browser_for, completions):
    other = browser_for(make_user())
    other.enrol()
    for step in STEPS:
        do(enrolled, step)
    assert enrollment_of(app, other.user)["completed_at"] is None
    for step in STEPS:
        do(other, step)
    assert len(completions) == 2
    assert {c[0] for c in completions} == {
        enrollment_of(app, enrolled.user)["id"],
        enrollment_of(app, other.user)["id"],
    }


# -- each rule can be switched per course ------------------------------------------------------


POSTTEST = """\
::Final::
Which is right at the end? {
  =This one#Yes.
  ~That one#No.
}
"""


def single_rule_course(app, tmp_path, rule: str) -> str:
    slug = f"only-{rule}"
    folder = write_course(
        tmp_path,
        slug,
        modules=[ModuleDef("first", lessons=["intro", "more"]), ModuleDef("second")],
        completion=(rule,),
        evaluation=True,
        posttest=POSTTEST,
    )
    import_folder(app, folder)
    return slug


QUIZ_RIGHT = {"q-which-is-right": "0", "q-sky": "true"}


def satisfy(browser, rule: str, slug: str) -> None:
    if rule == "lessons":
        lessons = [("first", "intro"), ("first", "more"), ("second", "intro")]
        browser.complete_all(lessons, slug=slug)
    elif rule == "quizzes":
        browser.take("first", QUIZ_RIGHT, slug=slug)
        browser.take("second", QUIZ_RIGHT, slug=slug)
    elif rule == "posttest":
        browser.take("posttest", {"q-final": "1"}, slug=slug)
    else:
        assert browser.evaluate({"e-useful": "4"}, slug=slug).status_code == 302


@pytest.mark.parametrize("rule", ["lessons", "quizzes", "posttest", "evaluation"])
def test_a_course_completes_on_its_own_rules_only(app, learner, tmp_path, completions, rule):
    slug = single_rule_course(app, tmp_path, rule)
    learner.enrol(slug)
    # Everything but the rule's own step does not complete the course...
    for other in ("lessons", "quizzes", "posttest", "evaluation"):
        if other != rule:
            satisfy(learner, other, slug)
    assert enrollment_of(app, learner.user, slug)["completed_at"] is None
    assert completions == []
    # ...and the rule's step does, on its own.
    satisfy(learner, rule, slug)
    assert enrollment_of(app, learner.user, slug)["completed_at"] is not None
    assert len(completions) == 1


@pytest.mark.parametrize("rule", ["lessons", "quizzes", "posttest", "evaluation"])
def test_the_rule_alone_is_enough(app, learner, tmp_path, completions, rule):
    slug = single_rule_course(app, tmp_path, rule)
    learner.enrol(slug)
    satisfy(learner, rule, slug)
    assert enrollment_of(app, learner.user, slug)["completed_at"] is not None
    assert len(completions) == 1


def test_the_course_page_lists_only_the_course_rules(app, learner, tmp_path):
    slug = single_rule_course(app, tmp_path, "lessons")
    page = page_text(learner.get(f"/courses/{slug}"))
    assert "Mark every lesson complete." in page
    assert "Pass every module quiz" not in page
    assert "Take the post-test at the end." not in page
    assert "Fill in the course evaluation." not in page


def test_a_lessons_only_course_shows_full_progress_once_complete(app, learner, tmp_path):
    """Steps that no rule needs should not keep a completed course below 100%.

    The post-test and the evaluation are left out of the steps when the course's
    rules do not need them; graded module quizzes should be too.
    """
    slug = single_rule_course(app, tmp_path, "lessons")
    learner.enrol(slug)
    satisfy(learner, "lessons", slug)
    assert enrollment_of(app, learner.user, slug)["completed_at"] is not None
    page = learner.text(f"/courses/{slug}")
    assert "You completed this course on" in page
    done, total, _ = progress_of(app, learner.user, slug)
    assert done == total, f"a completed course shows {done} of {total} steps done"


def test_a_course_of_lessons_only_without_quizzes(app, learner, tmp_path, completions):
    folder = write_course(
        tmp_path,
        "reading-course",
        modules=[ModuleDef("only", lessons=["one", "two"], quiz=None)],
        completion=("lessons",),
    )
    import_folder(app, folder)
    learner.enrol("reading-course")
    learner.complete("only", "one", slug="reading-course")
    assert completions == []
    response = learner.complete("only", "two", slug="reading-course")
    assert response.headers["Location"] == "/courses/reading-course"
    assert len(completions) == 1
    assert "2 of 2 steps done (100%)" in learner.text("/courses/reading-course")
