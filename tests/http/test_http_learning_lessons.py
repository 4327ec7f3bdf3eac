"""Dashboard, course outline, lessons, content notes and "continue" (issue #4, 2-4 and 10)."""

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
    browser_for_fixture,
    completions_fixture,
    enrolled_fixture,
    enrollment_of,
    evaluation_rows,
    example_course_fixture,
    import_folder,
    learner_fixture,
    lesson_rows,
    write_course,
)

COURSE = "/courses/example-course"
WELCOME = f"{COURSE}/lessons/first-steps/welcome"
HARD = f"{COURSE}/lessons/first-steps/a-hard-lesson"
GIFT = f"{COURSE}/lessons/going-further/gift"
HARD_BODY = "The learner sees the content note before this text and may go back."
NOTE = "This example lesson stands in for one that describes coercion."
TAGS = re.compile(r"<[^>]+>")
ITEM = re.compile(r"<li( class=\"next-step\")?>(.*?)</li>", re.S)
COMPLETED_HEADING = re.compile(r"<h2[^>]*>Completed</h2>")
IN_PROGRESS_HEADING = re.compile(r"<h2[^>]*>In progress</h2>")
HIDDEN = re.compile(r'<span class="visually-hidden">.*?</span>', re.S)


def plain(fragment: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", fragment)).split())


def outline(page: str) -> list[tuple[str, str, str, bool]]:
    """Each step of the course page's outline: (title, state, details, is it the next step)."""
    section = page.split('id="modules-title"', 1)[1]
    items = []
    for marked, inner in ITEM.findall(section):
        inner = HIDDEN.sub("", inner)
        link = re.search(r"<a [^>]*>(.*?)</a>", inner, re.S)
        state = re.search(r'<span class="state[^"]*">(.*?)</span>', inner, re.S)
        details = re.search(r'<span class="muted">(.*?)</span>', inner, re.S)
        title = plain(link.group(1)) if link else plain(inner.split("<span", 1)[0])
        is_next = bool(marked) or "Next step" in plain(inner)
        items.append(
            (
                title,
                plain(state.group(1)) if state else "",
                plain(details.group(1)).lstrip("· ") if details else "",
                is_next,
            )
        )
    return items


def step(page: str, title: str, occurrence: int = 0) -> tuple[str, bool]:
    """The state of the outline's step called ``title``, and whether it is the next step."""
    found = [(state, is_next) for t, state, _, is_next in outline(page) if t == title]
    assert len(found) > occurrence, f"no step {title!r} in {outline(page)}"
    return found[occurrence]


def module_states(page: str) -> dict[str, str]:
    section = page.split('id="modules-title"', 1)[1]
    states = {}
    for heading in re.findall(r"<h3>(.*?)</h3>", section, re.S):
        state = re.search(r'<span class="state[^"]*">(.*?)</span>', heading, re.S)
        if state:  # a module (the "At the end" heading has no state)
            states[plain(heading.split("<span", 1)[0])] = plain(state.group(1))
    return states


def progress_text(page: str) -> str:
    match = re.search(r"(\d+) of (\d+) steps done \((\d+)%\)", page)
    assert match, "no text equivalent of the progress bar"
    return match.group(0)


def progress_bar(page: str) -> dict[str, str]:
    match = re.search(r"<progress\b([^>]*)>", page)
    assert match, "no progress bar"
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', match.group(1)))
    return {name: attributes.get(name) for name in ("max", "value")}


def resume_target(browser, slug: str = "example-course") -> str:
    response = browser.get(f"/courses/{slug}/continue")
    assert response.status_code == 302
    return response.headers["Location"]


# -- dashboard ----------------------------------------------------------------------------


def test_the_dashboard_of_a_learner_with_no_course_points_at_the_catalogue(learner):
    text = learner.text("/dashboard")
    assert "You are not enrolled in a course yet." in text
    assert 'href="/courses"' in text


def test_the_dashboard_needs_a_signed_in_user(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_dashboard_shows_a_progress_bar_and_its_text_equivalent(enrolled):
    text = enrolled.text("/dashboard")
    assert "An Example Course" in text
    # 3 lessons, 2 graded quizzes, the post-test and the evaluation.
    assert progress_bar(text) == {"max": "7", "value": "0"}
    assert progress_text(text) == "0 of 7 steps done (0%)"
    enrolled.complete("first-steps", "welcome")
    text = enrolled.text("/dashboard")
    assert progress_bar(text) == {"max": "7", "value": "1"}
    assert progress_text(text) == "1 of 7 steps done (14%)"


def test_the_dashboard_links_to_continue_where_you_left_off(enrolled):
    text = enrolled.text("/dashboard")
    assert "Continue where you left off" in text
    assert f'href="{COURSE}/continue"' in text
    assert "Next: Welcome" in text
    assert resume_target(enrolled) == WELCOME


def test_continue_leads_to_the_exact_next_step(enrolled):
    assert resume_target(enrolled) == WELCOME
    enrolled.complete("first-steps", "welcome")
    assert resume_target(enrolled) == HARD
    enrolled.complete("first-steps", "a-hard-lesson")
    # Every lesson of module 1 is done: its quiz is next.
    assert resume_target(enrolled) == f"{COURSE}/quizzes/first-steps"
    assert "Next: Check your understanding" in enrolled.text("/dashboard")
    enrolled.take("first-steps", RIGHT["first-steps"])
    assert resume_target(enrolled) == GIFT


def test_continue_leads_to_the_last_lesson_visited(enrolled):
    enrolled.text(f"{HARD}?note=seen")  # lesson 2, without completing lesson 1
    assert resume_target(enrolled) == HARD
    enrolled.text(GIFT)
    assert resume_target(enrolled) == GIFT
    assert enrollment_of(enrolled.app, enrolled.user)["last_lesson"] == "going-further/gift"


def test_continue_moves_on_once_the_last_lesson_visited_is_complete(enrolled):
    enrolled.text(f"{HARD}?note=seen")
    enrolled.complete("first-steps", "a-hard-lesson")
    assert resume_target(enrolled) == WELCOME  # the first step still open


def short_course(app, tmp_path) -> None:
    """A one-lesson course that completes when its lesson is done."""
    modules = [ModuleDef("only", quiz=None)]
    folder = write_course(tmp_path, "short-course", modules=modules, completion=("lessons",))
    import_folder(app, folder)


def test_the_dashboard_lists_completed_courses_as_completed(app, learner, tmp_path):
    short_course(app, tmp_path)
    learner.enrol("short-course")
    learner.complete("only", "intro", slug="short-course")
    text = learner.text("/dashboard")
    completed = COMPLETED_HEADING.split(text, maxsplit=1)
    assert len(completed) == 2, "no Completed section"
    assert "Course short-course" in completed[1]
    assert "Completed on" in completed[1]
    assert not IN_PROGRESS_HEADING.search(text)


def test_the_dashboard_separates_courses_in_progress_from_completed_ones(app, enrolled, tmp_path):
    short_course(app, tmp_path)
    enrolled.enrol("short-course")
    enrolled.complete("only", "intro", slug="short-course")
    text = enrolled.text("/dashboard")
    in_progress, completed = COMPLETED_HEADING.split(text, maxsplit=1)
    assert "An Example Course" in in_progress
    assert "Course short-course" not in in_progress
    assert "Course short-course" in completed


# -- the course outline --------------------------------------------------------------------


def test_the_outline_shows_lesson_states_and_marks_the_next_step(enrolled):
    page = enrolled.text(COURSE)
    assert step(page, "Welcome") == ("Not complete", True)
    assert step(page, "A lesson with a content note") == ("Not complete", False)
    enrolled.complete("first-steps", "welcome")
    page = enrolled.text(COURSE)
    assert step(page, "Welcome") == ("Complete", False)
    assert step(page, "A lesson with a content note") == ("Not complete", True)
    details = {title: details for title, _, details, _ in outline(page)}
    assert details["A lesson with a content note"] == "10 min · content note"
    assert details["Welcome"] == "5 min"
    assert sum(1 for *_, is_next in outline(page) if is_next) == 1
    assert progress_text(page) == "1 of 7 steps done (14%)"


def test_the_outline_shows_quiz_state_and_best_score(enrolled):
    enrolled.complete_all()
    page = enrolled.text(COURSE)
    assert step(page, "Check your understanding") == ("Not taken", True)
    # Module 1: 50% pass mark. 0 of 2 right.
    enrolled.take("first-steps", WRONG["first-steps"])
    page = enrolled.text(COURSE)
    assert step(page, "Check your understanding") == ("Not passed yet, best 0%", True)
    enrolled.take("first-steps", RIGHT["first-steps"])
    enrolled.take("first-steps", WRONG["first-steps"])  # the best attempt counts
    page = enrolled.text(COURSE)
    assert step(page, "Check your understanding") == ("Passed, best 100%", False)
    # Module 2's quiz is next.
    assert step(page, "Check your understanding", 1) == ("Not taken", True)


def test_the_outline_shows_module_states(enrolled):
    page = enrolled.text(COURSE)
    assert module_states(page) == {"First steps": "Not started", "Going further": "Not started"}
    enrolled.complete("first-steps", "welcome")
    assert module_states(enrolled.text(COURSE))["First steps"] == "In progress"
    enrolled.complete("first-steps", "a-hard-lesson")
    enrolled.take("first-steps", RIGHT["first-steps"])
    assert module_states(enrolled.text(COURSE)) == {
        "First steps": "Complete",
        "Going further": "Not started",
    }


def test_the_outline_of_a_visitor_has_no_states_or_links_to_lessons(client, example_course):
    page = page_text(client.get(COURSE))
    assert "Not complete" not in page
    assert "Next step" not in page
    assert f'href="{WELCOME}"' not in page


# -- lessons -----------------------------------------------------------------------------


def test_a_lesson_shows_its_body_and_a_form_to_mark_it_complete(enrolled):
    page = enrolled.text(WELCOME)
    assert "<h1>Welcome</h1>" in page
    assert "This lesson has no content note." in page
    assert f'action="{WELCOME}/complete"' in page
    assert 'method="post"' in page
    assert "Mark as complete and go on" in page


def test_a_content_note_comes_before_the_lesson_body(enrolled):
    page = enrolled.text(HARD)
    assert NOTE in page
    assert HARD_BODY not in page
    assert "Continue to the lesson" in page
    assert f'href="{HARD}?note=seen"' in page
    assert "Go back to the course" in page
    assert f'href="{COURSE}"' in page
    assert "your place is kept" in page
    # Reading only the note does not mark the lesson as visited.
    assert enrollment_of(enrolled.app, enrolled.user)["last_lesson"] is None


def test_after_the_note_the_lesson_body_is_shown(enrolled):
    page = enrolled.text(f"{HARD}?note=seen")
    assert HARD_BODY in page
    assert "Mark as complete and go on" in page


def test_a_lesson_without_a_note_ignores_the_note_parameter(enrolled):
    assert "This lesson has no content note." in enrolled.text(f"{WELCOME}?note=seen")


def pager(page: str) -> tuple[str | None, str | None]:
    """The previous and next links of a lesson page."""
    prev = re.search(r'rel="prev" href="([^"]+)"', page)
    following = re.search(r'rel="next" href="([^"]+)"', page)
    return (prev.group(1) if prev else None, following.group(1) if following else None)


def test_lessons_link_to_the_previous_and_next_step_across_modules(enrolled):
    quiz_1, quiz_2 = f"{COURSE}/quizzes/first-steps", f"{COURSE}/quizzes/going-further"
    assert pager(enrolled.text(WELCOME)) == (None, HARD)
    previous, following = pager(enrolled.text(f"{HARD}?note=seen"))
    assert previous == WELCOME
    assert following in (GIFT, quiz_1)  # the next lesson, or the module's quiz in between
    previous, following = pager(enrolled.text(GIFT))
    assert previous in (HARD, quiz_1)
    assert following in (None, quiz_2)
    assert "Previous: " in enrolled.text(GIFT)
    assert "Next: A lesson with a content note" in enrolled.text(WELCOME)


def test_marking_a_lesson_complete_is_a_post(enrolled):
    assert enrolled.get(f"{WELCOME}/complete").status_code == 405
    assert lesson_rows(enrolled.app, enrolled.user) == set()


def test_marking_a_lesson_complete_needs_the_csrf_token(enrolled):
    assert enrolled.client.post(f"{WELCOME}/complete").status_code == 400
    assert lesson_rows(enrolled.app, enrolled.user) == set()


def test_marking_a_lesson_complete_records_it_and_goes_to_the_next_step(enrolled):
    response = enrolled.complete("first-steps", "welcome")
    assert response.status_code == 302
    assert response.headers["Location"] == HARD
    assert lesson_rows(enrolled.app, enrolled.user) == {("first-steps", "welcome")}
    page = enrolled.text(WELCOME)
    assert "You marked this lesson complete." in page
    assert "Mark as complete and go on" not in page


def test_marking_a_lesson_twice_keeps_one_record(enrolled):
    enrolled.complete("first-steps", "welcome")
    enrolled.complete("first-steps", "welcome")
    assert lesson_rows(enrolled.app, enrolled.user) == {("first-steps", "welcome")}
    assert progress_text(enrolled.text(COURSE)) == "1 of 7 steps done (14%)"


def test_the_last_lesson_leads_to_the_next_open_step(enrolled):
    enrolled.complete("first-steps", "welcome")
    enrolled.complete("first-steps", "a-hard-lesson")
    response = enrolled.complete("going-further", "gift")
    assert response.headers["Location"] == f"{COURSE}/quizzes/first-steps"


# -- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        WELCOME,
        f"{HARD}?note=seen",
        f"{COURSE}/quizzes/first-steps",
        f"{COURSE}/quizzes/pretest",
        f"{COURSE}/quizzes/posttest",
        f"{COURSE}/evaluation",
        f"{COURSE}/continue",
    ],
)
def test_a_learner_who_is_not_enrolled_gets_404(learner, example_course, path):
    assert learner.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{WELCOME}/complete",
        f"{COURSE}/quizzes/first-steps/start",
        f"{COURSE}/evaluation",
    ],
)
def test_posts_of_a_learner_who_is_not_enrolled_get_404_and_store_nothing(
    app, learner, example_course, path
):
    data = {"e-met-objectives": "5"}
    assert learner.post(path, data).status_code == 404
    assert enrollment_of(app, learner.user) is None
    assert all_attempts(app) == []
    assert evaluation_rows(app) == []


@pytest.mark.parametrize(
    "path",
    [
        f"{COURSE}/lessons/no-such-module/welcome",
        f"{COURSE}/lessons/first-steps/no-such-lesson",
        f"{COURSE}/lessons/going-further/welcome",  # a lesson of another module
        f"{COURSE}/lessons/first-steps",
        f"{COURSE}/quizzes/no-such-module",
        f"{COURSE}/quizzes/welcome",
        "/courses/no-such-course/lessons/first-steps/welcome",
        "/courses/no-such-course/quizzes/first-steps",
        "/courses/no-such-course/evaluation",
        f"{COURSE}/attempts/999999",
        f"{COURSE}/attempts/not-a-number",
    ],
)
def test_unknown_slugs_are_not_found(enrolled, path):
    assert enrolled.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{COURSE}/lessons/no-such-module/welcome/complete",
        f"{COURSE}/lessons/first-steps/no-such-lesson/complete",
        f"{COURSE}/quizzes/no-such-module/start",
        "/courses/no-such-course/lessons/first-steps/welcome/complete",
    ],
)
def test_posts_to_unknown_slugs_are_not_found_and_store_nothing(enrolled, path):
    assert enrolled.post(path).status_code == 404
    assert lesson_rows(enrolled.app, enrolled.user) == set()


@pytest.mark.parametrize(
    "path", [WELCOME, f"{COURSE}/quizzes/first-steps", f"{COURSE}/continue", "/dashboard"]
)
def test_visitors_are_sent_to_sign_in(client, example_course, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# -- support and wording ----------------------------------------------------------------------


def test_every_learner_page_links_to_support(enrolled):
    attempt = enrolled.start_attempt("first-steps")
    pages = [
        "/courses",
        "/dashboard",
        COURSE,
        WELCOME,
        HARD,
        f"{HARD}?note=seen",
        f"{COURSE}/quizzes/first-steps",
        f"{COURSE}/attempts/{attempt}",
        f"{COURSE}/evaluation",
    ]
    for path in pages:
        assert 'href="/support"' in enrolled.text(path), path
    enrolled.send(attempt, WRONG["first-steps"])
    assert 'href="/support"' in enrolled.text(f"{COURSE}/attempts/{attempt}")


def test_the_content_note_page_offers_support_and_calm_choices(enrolled):
    page = enrolled.text(HARD)
    note = page.split('aria-label="Content note"', 1)[1].split("</aside>", 1)[0]
    assert 'href="/support"' in note
    assert "Read it when you are ready." in note
    assert "You can stop at any point" in note


def test_the_course_page_says_the_learner_sets_the_pace(enrolled):
    page = enrolled.text(COURSE)
    assert "at your own pace" in page
    assert "come back to the same place" in page
