"""A learner's whole journey through the example course, in the browser only: sign in,
enrol, read, fail a quiz and pass it, stop, come back to the same step, take the
post-test, submit the evaluation and see the course complete. Everything is found by
its label or role, as a person (or a screen reader) finds it.

With LMS_TEST_SCREENSHOTS set to a folder, the journey saves full-page screenshots of its
main pages there (journey-*.png, at phone size), to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lms.catalog.loader import load_course
from lms.catalog.services import import_course
from lms.extensions import db
from tests.conftest import FIXTURE_COURSES

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

COURSE = "An Example Course"
STEPS = 7  # 3 lessons, 2 module quizzes, the post-test and the evaluation
PROGRESS = re.compile(r"^(\d+) of (\d+) steps done \(\d+%\)$")
# Resolves after two rendering frames: by then any autofocus has been applied.
TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
SCREENSHOTS = os.environ.get("LMS_TEST_SCREENSHOTS", "")


@pytest.fixture
def example_course(app):
    """The example course, imported before the browser starts."""
    with app.app_context():
        import_course(load_course(FIXTURE_COURSES / "example-course").course)
        db.session.commit()


def arrive(page, heading: str) -> None:
    """A new page: its one h1 says ``heading``, and nothing has taken the focus."""
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_have_text(heading)
    expect(h1).to_have_count(1)
    page.evaluate(TWO_FRAMES)
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    assert page.evaluate("document.activeElement === document.body"), focused


def steps_done(page) -> int:
    """The number in "N of 7 steps done", the progress bar's text equivalent."""
    text = page.get_by_text(PROGRESS).inner_text()
    done, total = PROGRESS.match(text.strip()).groups()
    assert int(total) == STEPS
    return int(done)


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / f"journey-{name}.png", full_page=True)


def sign_in(page, user) -> None:
    page.goto("/login")
    arrive(page, "Sign in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text(f"Welcome, {user.full_name}.")
    arrive(page, "Your learning")


def submit_answers(page) -> None:
    page.get_by_role("button", name="Submit answers").click()


def test_a_learner_goes_through_the_whole_course(page, example_course, make_user):
    learner = make_user(full_name="Nadia Haddad")
    main_nav = page.get_by_role("navigation", name="Main")

    # Sign in and find the course in the catalogue.
    sign_in(page, learner)
    expect(page.get_by_text("You are not enrolled in a course yet.")).to_be_visible()
    main_nav.get_by_role("link", name="Courses").click()
    arrive(page, "Courses")
    page.get_by_role("link", name=COURSE).click()
    arrive(page, COURSE)
    snap(page, "course-before-enrolling")

    # Enrol: the course page shows progress and the way in.
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("status")).to_have_text(f"You are enrolled in {COURSE}.")
    arrive(page, COURSE)
    progress = [steps_done(page)]
    assert progress == [0]
    snap(page, "course")
    page.get_by_role("link", name="Continue where you left off").click()

    # Lesson 1 has no content note: straight to the body and its callout.
    arrive(page, "Welcome")
    expect(page.get_by_role("complementary", name="Clinical pearl: Keep it short")).to_contain_text(
        "Short paragraphs read well on a phone."
    )
    expect(page.get_by_role("img", name="A single dot")).to_be_visible()
    snap(page, "lesson-callout")
    page.get_by_role("button", name="Mark as complete and go on").click()

    # Lesson 2 opens with its content note, before (and without) the lesson body.
    arrive(page, "A lesson with a content note")
    note = page.get_by_role("complementary", name="Content note")
    expect(note).to_contain_text("This example lesson stands in for one that describes coercion.")
    expect(page.get_by_role("link", name="Go back to the course")).to_be_visible()
    body_text = page.get_by_text("The learner sees the content note before this text")
    expect(body_text).to_have_count(0)
    snap(page, "content-note")
    page.get_by_role("link", name="Continue to the lesson").click()
    expect(body_text).to_be_visible()
    arrive(page, "A lesson with a content note")
    expect(page.get_by_role("complementary", name="Self-care")).to_contain_text(
        "Pause whenever you need to."
    )
    snap(page, "lesson-self-care")
    page.get_by_role("button", name="Mark as complete and go on").click()

    # Module 1's quiz, first attempt: wrong answers, a result with feedback per answer.
    arrive(page, "Check your understanding")
    expect(page.get_by_text("Pass mark: 50%. You have 3 attempts.")).to_be_visible()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Attempt 1.")).to_be_visible()
    arrive(page, "Check your understanding")
    question_1 = page.get_by_role("group", name="Question 1")
    question_2 = page.get_by_role("group", name="Question 2")
    expect(question_1).to_have_accessible_description("Where does a lesson's slug come from?")
    question_1.get_by_label("Its title").check()
    expect(question_2.get_by_text("Choose all that apply.")).to_be_visible()
    question_2.get_by_label("warning").check()
    snap(page, "quiz-form")
    submit_answers(page)
    arrive(page, "Check your understanding: your result")
    expect(page.get_by_role("heading", name="You scored 0%")).to_be_visible()
    expect(page.get_by_text("The pass mark is 50%.")).to_be_visible()
    # The result lists every question under a heading "Question N: Correct" or "Not correct".
    reviewed = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Question \d+: "))
    )
    expect(reviewed).to_have_count(2)
    first, second = reviewed.nth(0), reviewed.nth(1)
    expect(first.get_by_role("heading")).to_have_text("Question 1: Not correct")
    expect(first).to_contain_text("Your answer: Its title")
    expect(first).to_contain_text("No: titles may change without losing progress.")
    expect(second.get_by_role("heading")).to_have_text("Question 2: Not correct")
    expect(second).to_contain_text("No: use red-flag.")
    snap(page, "review-failed")

    # Second attempt: the right answers pass.
    page.get_by_role("link", name="Back to the quiz").click()
    arrive(page, "Check your understanding")
    expect(page.get_by_role("listitem").filter(has_text="Attempt 1")).to_have_text(
        "Attempt 1: 0%, not passed"
    )
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("Attempt 2.")).to_be_visible()
    arrive(page, "Check your understanding")
    question_1.get_by_label("Its file name, without the leading number").check()
    question_2.get_by_label("red-flag").check()
    question_2.get_by_label("self-care").check()
    submit_answers(page)
    arrive(page, "Check your understanding: your result")
    expect(page.get_by_role("heading", name="You scored 100%")).to_be_visible()
    expect(page.get_by_text("You passed (the pass mark is 50%).")).to_be_visible()
    expect(first.get_by_role("heading")).to_have_text("Question 1: Correct")
    expect(first).to_contain_text("Right.")
    snap(page, "review-passed")

    # Module 1 is complete on the course page.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=COURSE).click()
    arrive(page, COURSE)
    progress.append(steps_done(page))
    expect(page.get_by_role("heading", name="First steps Complete", level=3)).to_be_visible()

    # Stop: sign out.
    main_nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text(
        "You have signed out. You can come back at any time."
    )
    arrive(page, "Sign in")
    expect(main_nav.get_by_role("link", name="Your learning")).to_have_count(0)

    # Come back: the dashboard leads to the same place, the lesson of module 2.
    sign_in(page, learner)
    in_progress = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=COURSE, level=3)
    )
    expect(page.get_by_role("heading", name="In progress", level=2)).to_be_visible()
    expect(in_progress).to_contain_text("Next: Quizzes in GIFT")
    assert steps_done(page) == progress[-1]
    resume = in_progress.get_by_role("link", name="Continue where you left off")
    # The course's title is in the link's name, for a list of links read out of context.
    expect(resume).to_have_accessible_name(re.compile(f"{COURSE}$"))
    resume.click()
    arrive(page, "Quizzes in GIFT")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Going further")
    page.get_by_role("button", name="Mark as complete and go on").click()

    # Module 2's quiz: a short answer and a number.
    arrive(page, "Check your understanding")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Attempt 1.")).to_be_visible()
    arrive(page, "Check your understanding")
    question_1.get_by_label("Your answer", exact=True).fill("moodle")
    question_2.get_by_label("Your answer (a number)").fill("4")
    snap(page, "quiz-form-typed")
    submit_answers(page)
    arrive(page, "Check your understanding: your result")
    expect(page.get_by_role("heading", name="You scored 100%")).to_be_visible()
    expect(first).to_contain_text("Your answer: moodle")
    expect(second).to_contain_text("Four: content note, clinical pearl, self-care and red flag.")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=COURSE).click()
    arrive(page, COURSE)
    progress.append(steps_done(page))
    page.get_by_role("link", name="Continue where you left off").click()

    # The post-test: one attempt, no pass mark to reach.
    arrive(page, "Post-test")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Attempt 1.")).to_be_visible()
    arrive(page, "Post-test")
    question_1.get_by_label("a number and a hyphen").check()
    question_2.get_by_label("True").check()
    submit_answers(page)
    arrive(page, "Post-test: your result")
    expect(page.get_by_role("heading", name="You scored 100%")).to_be_visible()
    page.get_by_role("link", name="Continue the course").click()

    # The evaluation: a Likert question and an optional comment.
    arrive(page, "Course evaluation")
    likert = page.get_by_role("group", name="The course met its stated objectives.")
    likert.get_by_label("Agree", exact=True).check()
    page.get_by_label("What should we improve? (optional)").fill("More cases from clinics.")
    snap(page, "evaluation")
    page.get_by_role("button", name="Submit the evaluation").click()

    # The course is complete, on the course page and on the dashboard.
    arrive(page, COURSE)
    expect(page.get_by_role("status")).to_have_text(
        [
            "Thank you: your evaluation is submitted.",
            "You have completed this course. Well done.",
        ]
    )
    expect(page.get_by_text(re.compile(r"^You completed this course on "))).to_be_visible()
    expect(page.get_by_role("link", name="Continue where you left off")).to_have_count(0)
    progress.append(steps_done(page))
    assert progress == [0, 3, 5, STEPS]
    snap(page, "course-complete")

    main_nav.get_by_role("link", name="Your learning").click()
    arrive(page, "Your learning")
    expect(page.get_by_role("heading", name="In progress")).to_have_count(0)
    completed = page.get_by_role("region", name="Completed")
    expect(completed.get_by_role("link", name=COURSE, exact=True)).to_be_visible()
    expect(completed).to_contain_text("Completed on ")
    # The certificate is there, to download and to show to anyone.
    expect(completed).to_contain_text("Certificate ")
    pdf_link = completed.get_by_role("link", name=f"download the PDF for {COURSE}")
    expect(pdf_link).to_be_visible()
    completed.get_by_role("link", name=f"verification page for {COURSE}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Certificate ")
    expect(page.get_by_text("Valid.")).to_be_visible()


def tab_to(page, target, limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} is not reached by {limit} presses of Tab")


def test_a_quiz_can_be_taken_with_the_keyboard_alone(page, example_course, make_user):
    sign_in(page, make_user())
    page.goto("/courses/example-course")
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("status")).to_have_text(f"You are enrolled in {COURSE}.")

    page.goto("/courses/example-course/quizzes/first-steps")
    arrive(page, "Check your understanding")
    start = page.get_by_role("button", name="Start")
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Attempt 1.")).to_be_visible()
    arrive(page, "Check your understanding")

    # Tab into the first question's radio buttons and choose with Space.
    question_1 = page.get_by_role("group", name="Question 1")
    right = question_1.get_by_label("Its file name, without the leading number")
    tab_to(page, right)
    page.keyboard.press("Space")
    expect(right).to_be_checked()
    # Then the two right boxes of the second question.
    question_2 = page.get_by_role("group", name="Question 2")
    for name in ("red-flag", "self-care"):
        box = question_2.get_by_label(name)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    expect(question_2.get_by_label("warning")).not_to_be_checked()

    tab_to(page, page.get_by_role("button", name="Submit answers"))
    page.keyboard.press("Enter")
    arrive(page, "Check your understanding: your result")
    expect(page.get_by_role("heading", name="You scored 100%")).to_be_visible()
