"""Quizzes through the browser: attempts, saving, submitting once, grading, limits and bad
input (issue #4, requirement 5 and "bad input")."""

from __future__ import annotations

import html
import re

import pytest

from tests.http.conftest import page_text
from tests.learning_fixtures import (  # noqa: F401
    RIGHT,
    WRONG,
    ModuleDef,
    all_attempts,
    attempt_of,
    attempts_of,
    browser_for_fixture,
    completions_fixture,
    enrolled_fixture,
    example_course_fixture,
    import_folder,
    learner_fixture,
    question_order_on_page,
    write_course,
)

COURSE = "/courses/example-course"
M1 = "module:first-steps"
M2 = "module:going-further"
LIMIT_MESSAGE = "You have used all 3 attempts at this quiz. Your best score counts."


def attempt_url(attempt_id: int, slug: str = "example-course") -> str:
    return f"/courses/{slug}/attempts/{attempt_id}"


def checked(page: str) -> set[str]:
    """The ids of the checked radio buttons and boxes."""
    return set(re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"[^>]* checked>', page))


def text_value(page: str, name: str) -> str:
    match = re.search(rf'<input type="text" id="{name}" name="{name}" value="([^"]*)"', page)
    assert match, f"no text field {name}"
    return match.group(1)


def flat(page: str) -> str:
    """The page's text, without tags, spaces collapsed ("Attempt 1 : 100%" -> "Attempt 1: 100%")."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:;,.])", r"\1", text)


def score_heading(page: str) -> str:
    match = re.search(r"You scored (\d+)%", page)
    assert match, "no score on the page"
    return match.group(0)


# -- the quiz page -----------------------------------------------------------------------


def test_the_quiz_page_states_the_pass_mark_and_attempt_limit(enrolled):
    page = enrolled.text(f"{COURSE}/quizzes/first-steps")
    assert "Pass mark: 50%." in page
    assert "You have 3 attempts." in page
    assert "Your best attempt counts." in page
    assert "There is no time limit." in page
    assert f'action="{COURSE}/quizzes/first-steps/start"' in page


def test_module_two_uses_the_course_pass_mark_and_allows_any_number_of_attempts(enrolled):
    page = enrolled.text(f"{COURSE}/quizzes/going-further")
    assert "Pass mark: 80%." in page
    assert "You can try as often as you like." in page


def test_starting_an_attempt_shows_its_questions_without_a_timer(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    page = enrolled.text(attempt_url(attempt_id))
    assert question_order_on_page(page) == ["where-is-the-slug", "callouts"]
    assert "slug come from?" in page
    assert "Choose all that apply." in page  # the multiple-answer question
    assert "There is no time limit." in page
    lowered = page.lower()
    for word in ("countdown", "time left", "time remaining", "timer"):
        assert word not in lowered
    row = attempt_of(app, attempt_id)
    assert row["number"] == 1
    assert row["submitted_at"] is None
    assert row["question_order"] == ["where-is-the-slug", "callouts"]
    # shuffle_answers = false in module 1: answers in the file's order.
    assert row["answer_orders"] == {"where-is-the-slug": [0, 1, 2], "callouts": [0, 1, 2]}


def test_starting_again_while_an_attempt_is_open_resumes_it(app, enrolled):
    first = enrolled.start_attempt("first-steps")
    assert enrolled.start_attempt("first-steps") == first
    assert len(attempts_of(app, enrolled.user, M1)) == 1
    page = enrolled.text(f"{COURSE}/quizzes/first-steps")
    assert "Continue your attempt" in page
    assert "in progress" in page


def test_saved_answers_are_kept_and_shown_checked_on_reload(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    response = enrolled.send(attempt_id, RIGHT["first-steps"], action="save")
    assert response.status_code == 302
    assert response.headers["Location"] == attempt_url(attempt_id)
    page = enrolled.text(attempt_url(attempt_id))
    assert "Your answers are saved. You can come back to this at any time." in page
    assert checked(page) == {"q-where-is-the-slug-0", "q-callouts-0", "q-callouts-1"}
    row = attempt_of(app, attempt_id)
    assert row["responses"] == {"where-is-the-slug": 0, "callouts": [0, 1]}
    assert row["submitted_at"] is None
    # A later visit shows the same answers.
    assert checked(enrolled.text(attempt_url(attempt_id))) == checked(page)


def test_saved_text_answers_are_shown_on_reload(app, enrolled):
    attempt_id = enrolled.start_attempt("going-further")
    enrolled.send(attempt_id, {"q-gift-comes-from": "moodle", "q-numbers": "4"}, action="save")
    page = enrolled.text(attempt_url(attempt_id))
    assert text_value(page, "q-gift-comes-from") == "moodle"
    assert text_value(page, "q-numbers") == "4"


def test_submitting_grades_the_attempt_and_shows_the_review(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    response = enrolled.send(attempt_id, RIGHT["first-steps"])
    assert response.status_code == 302
    assert response.headers["Location"] == attempt_url(attempt_id)
    page = enrolled.text(attempt_url(attempt_id))
    assert score_heading(page) == "You scored 100%"
    assert "You passed (the pass mark is 50%)." in page
    row = attempt_of(app, attempt_id)
    assert row["submitted_at"] is not None
    assert row["score"] == 1.0
    assert row["passed"] is True
    assert row["responses"] == {"where-is-the-slug": 0, "callouts": [0, 1]}


def test_submitting_saved_answers_without_changing_them(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    enrolled.send(attempt_id, RIGHT["first-steps"], action="save")
    page = enrolled.text(attempt_url(attempt_id))
    assert checked(page) == {"q-where-is-the-slug-0", "q-callouts-0", "q-callouts-1"}
    enrolled.send(attempt_id, RIGHT["first-steps"])
    assert attempt_of(app, attempt_id)["score"] == 1.0


def test_the_review_shows_feedback_for_each_answer(enrolled):
    attempt_id = enrolled.take("first-steps", {"q-where-is-the-slug": "1", "q-callouts": ["0"]})
    page = enrolled.text(attempt_url(attempt_id))
    assert "No: titles may change without losing progress." in page
    assert "Yes." in page
    assert "Question 1: Not correct" in page
    assert "Question 2: Partly correct" in page
    text = flat(page)
    assert "Your answer: Its title No: titles may change without losing progress." in text
    assert "Your answer: red-flag Yes." in text


def test_the_review_shows_general_feedback(app, enrolled, tmp_path):
    quiz = """\
::Pairs::
Match each callout with its purpose. {
  =Red flag -> A sign of control
  =Clinical pearl -> Practical advice
  =Self-care -> Looking after yourself
  ####Each callout block has its own purpose.
}
"""
    folder = write_course(tmp_path, "pairs-course", modules=[ModuleDef("pairs", quiz=quiz)])
    import_folder(app, folder)
    enrolled.enrol("pairs-course")
    answers = {
        "q-pairs--0": "A sign of control",
        "q-pairs--1": "Looking after yourself",
        "q-pairs--2": "Practical advice",
    }
    attempt_id = enrolled.take("pairs", answers, slug="pairs-course")
    page = enrolled.text(attempt_url(attempt_id, "pairs-course"))
    assert "Each callout block has its own purpose." in page
    assert 'class="feedback general"' in page
    assert score_heading(page) == "You scored 33%"
    assert "Red flag → A sign of control" in page


def test_a_second_submit_of_the_same_attempt_changes_nothing(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    enrolled.send(attempt_id, RIGHT["first-steps"])
    before = attempt_of(app, attempt_id)
    # The back button, then "Submit answers" again, with other answers.
    response = enrolled.send(attempt_id, WRONG["first-steps"])
    assert response.status_code == 302
    assert response.headers["Location"] == attempt_url(attempt_id)
    assert attempt_of(app, attempt_id) == before
    page = enrolled.text(attempt_url(attempt_id))
    assert "This attempt was already submitted; here is its result." in page
    assert score_heading(page) == "You scored 100%"
    assert len(attempts_of(app, enrolled.user, M1)) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"action": "save", "q-where-is-the-slug": "2"},
        {"action": "submit", "q-unknown": "1"},
        {"action": "submit", "score": "1"},
    ],
)
def test_posting_anything_to_a_submitted_attempt_goes_to_its_result(app, enrolled, data):
    attempt_id = enrolled.take("first-steps", RIGHT["first-steps"])
    before = attempt_of(app, attempt_id)
    response = enrolled.post(attempt_url(attempt_id), data)
    assert response.status_code == 302
    assert response.headers["Location"] == attempt_url(attempt_id)
    assert attempt_of(app, attempt_id) == before


# -- grading by GIFT semantics on the example course ------------------------------------------


@pytest.mark.parametrize(
    ("answers", "callouts_score", "total"),
    [
        ({"q-where-is-the-slug": "1", "q-callouts": ["0"]}, 0.5, 0.25),  # half the right ones
        ({"q-where-is-the-slug": "1", "q-callouts": ["0", "1"]}, 1.0, 0.5),
        ({"q-where-is-the-slug": "1", "q-callouts": ["0", "2"]}, 0.0, 0.0),  # 50 - 100: 0
        ({"q-where-is-the-slug": "1", "q-callouts": ["0", "1", "2"]}, 0.0, 0.0),  # floored
        ({"q-where-is-the-slug": "1", "q-callouts": ["2"]}, 0.0, 0.0),  # -100%: floored at 0
        ({"q-where-is-the-slug": "0"}, 0.0, 0.5),  # unanswered: 0
    ],
)
def test_multiple_answers_give_partial_credit_and_never_less_than_zero(
    app, enrolled, answers, callouts_score, total
):
    attempt_id = enrolled.take("first-steps", answers)
    row = attempt_of(app, attempt_id)
    assert row["results"]["callouts"]["score"] == pytest.approx(callouts_score)
    assert row["score"] == pytest.approx(total)
    assert 0 <= row["score"] <= 1


@pytest.mark.parametrize(
    ("typed", "score"),
    [("Moodle", 1.0), ("moodle", 1.0), ("MOODLE LMS", 1.0), ("  moodle  ", 1.0), ("Canvas", 0.0)],
)
def test_short_answers_are_case_insensitive(app, enrolled, typed, score):
    attempt_id = enrolled.take("going-further", {"q-gift-comes-from": typed, "q-numbers": "4"})
    assert attempt_of(app, attempt_id)["results"]["gift-comes-from"]["score"] == score


@pytest.mark.parametrize(
    ("typed", "score"), [("4", 1.0), ("4.0", 1.0), ("4.5", 0.0), ("3", 0.0), ("four", 0.0)]
)
def test_numerical_answers_are_graded_within_the_tolerance(app, enrolled, typed, score):
    attempt_id = enrolled.take("going-further", {"q-gift-comes-from": "Moodle", "q-numbers": typed})
    assert attempt_of(app, attempt_id)["results"]["numbers"]["score"] == score


def test_a_number_that_is_not_a_number_gets_a_clear_feedback(enrolled):
    attempt_id = enrolled.take("going-further", {"q-gift-comes-from": "Moodle", "q-numbers": "4,0"})
    page = enrolled.text(attempt_url(attempt_id))
    assert "&#39;4,0&#39; is not a number: use a decimal point, as in 4.0" in page


def test_module_one_passes_at_its_own_pass_mark_of_50(app, enrolled):
    attempt_id = enrolled.take("first-steps", {"q-where-is-the-slug": "0"})  # 1 of 2 right
    row = attempt_of(app, attempt_id)
    assert row["score"] == 0.5
    assert row["passed"] is True
    assert "You passed (the pass mark is 50%)." in enrolled.text(attempt_url(attempt_id))


def test_module_two_needs_the_course_pass_mark_of_80(app, enrolled):
    attempt_id = enrolled.take("going-further", {"q-gift-comes-from": "Moodle", "q-numbers": "5"})
    row = attempt_of(app, attempt_id)
    assert row["score"] == 0.5
    assert row["passed"] is False
    page = enrolled.text(attempt_url(attempt_id))
    assert "The pass mark is 80%." in page
    assert "try again when you are ready" in page
    attempt_id = enrolled.take("going-further", RIGHT["going-further"])
    assert attempt_of(app, attempt_id)["passed"] is True


def test_a_result_below_the_pass_mark_is_worded_calmly(enrolled):
    attempt_id = enrolled.take("first-steps", WRONG["first-steps"])
    page = enrolled.text(attempt_url(attempt_id))
    lowered = page.lower()
    assert "fail" not in lowered
    assert "wrong" not in lowered
    assert "Read the feedback below, and try again when you are ready." in page
    assert "Your best attempt counts." in page


# -- attempts: the limit and the best one ---------------------------------------------------


def test_the_fourth_start_is_refused_and_creates_nothing(app, enrolled):
    for _ in range(3):
        enrolled.take("first-steps", WRONG["first-steps"])
    page = enrolled.text(f"{COURSE}/quizzes/first-steps")
    assert "You have used every attempt." in page
    assert f'action="{COURSE}/quizzes/first-steps/start"' not in page
    before = all_attempts(app)
    response = enrolled.start("first-steps")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{COURSE}/quizzes/first-steps"
    assert LIMIT_MESSAGE in page_text(enrolled.get(f"{COURSE}/quizzes/first-steps"))
    assert all_attempts(app) == before
    assert [a["number"] for a in attempts_of(app, enrolled.user, M1)] == [1, 2, 3]


def test_a_submit_after_the_attempt_limit_is_refused(app, enrolled):
    ids = [enrolled.take("first-steps", WRONG["first-steps"]) for _ in range(3)]
    before = all_attempts(app)
    response = enrolled.send(ids[-1], RIGHT["first-steps"])
    assert response.headers["Location"] == attempt_url(ids[-1])
    assert all_attempts(app) == before
    assert "You scored 0%" in enrolled.text(attempt_url(ids[-1]))


def test_an_open_attempt_counts_towards_the_limit(app, enrolled):
    enrolled.take("first-steps", WRONG["first-steps"])
    enrolled.take("first-steps", WRONG["first-steps"])
    third = enrolled.start_attempt("first-steps")
    assert "You have 3 attempts, 0 left." in enrolled.text(f"{COURSE}/quizzes/first-steps")
    assert enrolled.start_attempt("first-steps") == third
    assert len(attempts_of(app, enrolled.user, M1)) == 3


def test_the_best_attempt_counts(app, enrolled):
    enrolled.take("first-steps", RIGHT["first-steps"])
    enrolled.take("first-steps", WRONG["first-steps"])
    page = enrolled.text(f"{COURSE}/quizzes/first-steps")
    assert "Attempt 1: 100%, passed" in flat(page)
    assert "Attempt 2: 0%, not passed" in flat(page)
    course_page = enrolled.text(COURSE)
    assert "Passed, best 100%" in course_page


def test_a_later_pass_counts_after_a_failed_attempt(app, enrolled):
    enrolled.take("going-further", WRONG["going-further"])
    enrolled.take("going-further", RIGHT["going-further"])
    assert "Passed, best 100%" in enrolled.text(COURSE)


# -- shuffling -------------------------------------------------------------------------------


def shuffled_quiz(questions: int = 12) -> str:
    parts = []
    for n in range(1, questions + 1):
        parts.append(
            f"::Question {n}::\nPick answer A of question {n}. {{\n"
            f"  =A{n}#Yes.\n  ~B{n}#No.\n  ~C{n}#No.\n  ~D{n}#No.\n}}\n"
        )
    return "\n".join(parts)


def answer_order_on_page(page: str, slug: str) -> list[int]:
    fieldset = page.split(f'id="q-{slug}-stem"', 1)[1].split("</fieldset>", 1)[0]
    return [int(i) for i in re.findall(rf'id="q-{slug}-(\d+)"', fieldset)]


def test_with_shuffle_on_the_order_is_stored_and_a_reload_shows_the_same(app, enrolled, tmp_path):
    module = ModuleDef("mixed", quiz=shuffled_quiz(), quiz_settings="shuffle_questions = true")
    import_folder(app, write_course(tmp_path, "shuffled-course", modules=[module]))
    enrolled.enrol("shuffled-course")
    attempt_id = enrolled.start_attempt("mixed", slug="shuffled-course")
    row = attempt_of(app, attempt_id)
    in_file = [f"question-{n}" for n in range(1, 13)]
    assert sorted(row["question_order"]) == sorted(in_file)
    # 12 questions of 4 answers: the chance that nothing moved is negligible.
    assert row["question_order"] != in_file
    assert any(order != [0, 1, 2, 3] for order in row["answer_orders"].values())
    url = attempt_url(attempt_id, "shuffled-course")
    first, second = enrolled.text(url), enrolled.text(url)
    assert question_order_on_page(first) == row["question_order"]
    assert question_order_on_page(second) == row["question_order"]
    for slug in in_file:
        assert answer_order_on_page(first, slug) == row["answer_orders"][slug]
        assert answer_order_on_page(second, slug) == row["answer_orders"][slug]
    # Saving answers keeps the order too; and the right answer is right wherever it is shown.
    enrolled.send(attempt_id, {f"q-{slug}": "0" for slug in in_file}, slug="shuffled-course")
    after = attempt_of(app, attempt_id)
    assert after["question_order"] == row["question_order"]
    assert after["score"] == 1.0


# -- bad input ---------------------------------------------------------------------------------


BAD_ANSWERS = [
    pytest.param({"q-unknown": "1"}, "The answers sent do not match this quiz.", id="unknown"),
    pytest.param({"score": "1"}, "The answers sent do not match this quiz.", id="forged-score"),
    pytest.param({"passed": "y"}, "The answers sent do not match this quiz.", id="forged-passed"),
    pytest.param(
        {"q-gift-comes-from": "Moodle"},  # a question of module 2's quiz
        "The answers sent do not match this quiz.",
        id="question-of-another-quiz",
    ),
    pytest.param({"q-where-is-the-slug": "abc"}, "was not one of its choices", id="not-a-number"),
    pytest.param({"q-where-is-the-slug": "7"}, "was not one of its choices", id="out-of-range"),
    pytest.param({"q-where-is-the-slug": "-1"}, "was not one of its choices", id="negative"),
    pytest.param(
        {"q-where-is-the-slug": ["0", "1"]}, "was not one of its choices", id="two-for-single"
    ),
    pytest.param({"q-callouts": ["0", "9"]}, "was not one of its choices", id="multi-out-of-range"),
]


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize(("extra", "message"), BAD_ANSWERS)
def test_answers_the_form_could_not_send_are_refused_and_nothing_is_stored(
    app, enrolled, extra, message, action
):
    attempt_id = enrolled.start_attempt("first-steps")
    enrolled.send(attempt_id, {"q-where-is-the-slug": "0"}, action="save")
    before = attempt_of(app, attempt_id)
    data = {"q-where-is-the-slug": "1", "q-callouts": ["0"], **extra}
    response = enrolled.send(attempt_id, data, action=action)
    assert response.status_code == 400
    page = page_text(response)
    assert "There is a problem" in page
    assert message in page
    assert attempt_of(app, attempt_id) == before
    assert before["submitted_at"] is None
    assert len(all_attempts(app)) == 1


@pytest.mark.parametrize(
    ("quiz", "data"),
    [
        ("posttest", {"q-front-matter": "maybe"}),
        ("posttest", {"q-front-matter": ["true", "false"]}),
        ("going-further", {"q-gift-comes-from": ["Moodle", "Moodle LMS"]}),
        ("going-further", {"q-numbers": ["4", "5"]}),
        ("going-further", {"q-gift-comes-from": "x" * 501}),
    ],
)
def test_answers_of_the_wrong_shape_are_refused(app, enrolled, quiz, data):
    attempt_id = enrolled.start_attempt(quiz)
    before = attempt_of(app, attempt_id)
    response = enrolled.send(attempt_id, data)
    assert response.status_code == 400
    assert "There is a problem" in page_text(response)
    assert attempt_of(app, attempt_id) == before


def test_an_attempt_of_someone_else_is_not_found(app, enrolled, make_user, browser_for):
    attempt_id = enrolled.start_attempt("first-steps")
    enrolled.send(attempt_id, {"q-where-is-the-slug": "0"}, action="save")
    before = attempt_of(app, attempt_id)
    other = browser_for(make_user())
    other.enrol()
    assert other.get(attempt_url(attempt_id)).status_code == 404
    response = other.send(attempt_id, RIGHT["first-steps"])
    assert response.status_code == 404
    assert attempt_of(app, attempt_id) == before


def test_a_submitted_attempt_of_someone_else_is_not_found(app, enrolled, make_user, browser_for):
    attempt_id = enrolled.take("first-steps", RIGHT["first-steps"])
    other = browser_for(make_user())
    other.enrol()
    assert other.get(attempt_url(attempt_id)).status_code == 404


def test_an_attempt_seen_through_another_course_is_not_found(app, enrolled, tmp_path):
    import_folder(app, write_course(tmp_path, "other-course", modules=[ModuleDef("other")]))
    enrolled.enrol("other-course")
    attempt_id = enrolled.start_attempt("first-steps")
    assert enrolled.get(attempt_url(attempt_id, "other-course")).status_code == 404
    response = enrolled.send(attempt_id, RIGHT["first-steps"], slug="other-course")
    assert response.status_code == 404
    assert attempt_of(app, attempt_id)["submitted_at"] is None


def test_an_attempt_of_a_course_the_learner_left_unenrolled_is_not_found(
    app, enrolled, make_user, browser_for
):
    attempt_id = enrolled.start_attempt("first-steps")
    stranger = browser_for(make_user())  # not enrolled at all
    assert stranger.get(attempt_url(attempt_id)).status_code == 404


def test_starting_a_quiz_needs_the_csrf_token(app, enrolled):
    response = enrolled.client.post(f"{COURSE}/quizzes/first-steps/start")
    assert response.status_code == 400
    assert all_attempts(app) == []


def test_answers_need_the_csrf_token(app, enrolled):
    attempt_id = enrolled.start_attempt("first-steps")
    before = attempt_of(app, attempt_id)
    response = enrolled.client.post(
        attempt_url(attempt_id), data={**RIGHT["first-steps"], "action": "submit"}
    )
    assert response.status_code == 400
    assert attempt_of(app, attempt_id) == before


def test_starting_by_get_is_not_allowed(app, enrolled):
    assert enrolled.get(f"{COURSE}/quizzes/first-steps/start").status_code == 405
    assert all_attempts(app) == []


# -- no timers; what the learner typed is shown as text -----------------------------------------


def test_no_page_of_the_journey_has_a_timer(app, enrolled):
    open_attempt = enrolled.start_attempt("going-further")
    review = enrolled.take("first-steps", RIGHT["first-steps"])
    pages = [
        "/dashboard",
        COURSE,
        f"{COURSE}/lessons/first-steps/welcome",
        f"{COURSE}/quizzes/first-steps",
        f"{COURSE}/quizzes/posttest",
        attempt_url(open_attempt),
        attempt_url(review),
        f"{COURSE}/evaluation",
    ]
    for path in pages:
        lowered = enrolled.text(path).lower()
        for sign in ('http-equiv="refresh"', "countdown", "time remaining", "time left", "timer"):
            assert sign not in lowered, (path, sign)
    columns = set(attempt_of(app, open_attempt))
    assert not {c for c in columns if "deadline" in c or "limit" in c or "expires" in c}


def test_a_typed_answer_is_shown_as_text(enrolled):
    attempt_id = enrolled.start_attempt("going-further")
    typed = '"><script>alert(1)</script>'
    enrolled.send(attempt_id, {"q-gift-comes-from": typed}, action="save")
    page = enrolled.text(attempt_url(attempt_id))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    enrolled.send(attempt_id, {"q-gift-comes-from": typed})
    review = enrolled.text(attempt_url(attempt_id))
    assert "<script>alert(1)</script>" not in review


def test_a_course_without_pre_or_post_test_has_no_such_quiz(app, enrolled, tmp_path):
    import_folder(app, write_course(tmp_path, "plain-course", modules=[ModuleDef("only")]))
    enrolled.enrol("plain-course")
    for quiz in ("pretest", "posttest"):
        assert enrolled.get(f"/courses/plain-course/quizzes/{quiz}").status_code == 404
        assert enrolled.start(quiz, slug="plain-course").status_code == 404
    assert all_attempts(app) == []
