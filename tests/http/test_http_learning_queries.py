"""A learner's page costs a fixed number of SQL statements, whatever the size of the
course or the number of enrolments (issue #4, requirement 11; DESIGN.md, "Data, scale").

Equal counts between sizes are what is asserted, with a sane upper bound; never time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.learning_fixtures import (  # noqa: F401
    Browser,
    browser_for_fixture,
    import_folder,
    write_generated_course,
)

LIMIT = 20
QUIZ_RIGHT = {"q-which-is-right": "0", "q-sky": "true"}


@dataclass
class Learner:
    browser: Browser
    slug: str
    open_attempt: int
    submitted_attempt: int


def set_up_learner(browser: Browser, slug: str) -> Learner:
    """Enrolled, one lesson done, one quiz attempt submitted and one open."""
    browser.enrol(slug)
    browser.complete("module-1", "lesson", slug=slug)
    submitted = browser.take("module-1", {"q-which-is-right": "1"}, slug=slug)
    opened = browser.start_attempt("module-1", slug=slug)
    browser.send(opened, {"q-which-is-right": "0"}, action="save", slug=slug)
    return Learner(browser, slug, opened, submitted)


@pytest.fixture
def sized(app, tmp_path, make_user, browser_for):
    """A learner in a course of 4 modules and another in a course of 40."""
    learners = {}
    for modules in (4, 40):
        slug = f"course-of-{modules}"
        import_folder(app, write_generated_course(tmp_path, slug, modules=modules))
        learners[modules] = set_up_learner(browser_for(make_user()), slug)
    return learners


def cost(count_queries, send) -> int:
    """SQL statements of one request, after the same request once to warm up."""
    send()
    with count_queries() as statements:
        response = send()
    assert response.status_code in (200, 302), response.status_code
    return len(statements)


PAGES = {
    "dashboard": lambda s: "/dashboard",
    "course page": lambda s: f"/courses/{s.slug}",
    "first lesson": lambda s: f"/courses/{s.slug}/lessons/module-1/lesson",
    "lesson in the middle": lambda s: f"/courses/{s.slug}/lessons/module-3/lesson",
    "quiz page": lambda s: f"/courses/{s.slug}/quizzes/module-1",
    "open attempt": lambda s: f"/courses/{s.slug}/attempts/{s.open_attempt}",
    "submitted attempt (review)": lambda s: f"/courses/{s.slug}/attempts/{s.submitted_attempt}",
    "continue": lambda s: f"/courses/{s.slug}/continue",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_costs_the_same_for_4_and_40_modules(sized, count_queries, page):
    costs = {}
    for modules, learner in sized.items():
        path = PAGES[page](learner)
        costs[modules] = cost(count_queries, lambda b=learner.browser, p=path: b.get(p))
    assert costs[4] == costs[40], costs
    assert costs[4] <= LIMIT, costs


def test_marking_a_lesson_complete_costs_the_same_for_4_and_40_modules(sized, count_queries):
    costs = {}
    for modules, learner in sized.items():
        browser, slug = learner.browser, learner.slug
        token = browser.token()
        path = f"/courses/{slug}/lessons/module-2/lesson/complete"
        costs[modules] = cost(
            count_queries,
            lambda b=browser, p=path, t=token: b.client.post(p, data={"csrf_token": t}),
        )
    assert costs[4] == costs[40], costs
    assert costs[4] <= LIMIT + 5, costs


def test_saving_and_submitting_answers_cost_the_same_for_4_and_40_modules(sized, count_queries):
    saves, submits = {}, {}
    for modules, learner in sized.items():
        browser, slug = learner.browser, learner.slug
        token = browser.token()
        path = f"/courses/{slug}/attempts/{learner.open_attempt}"

        def save(b=browser, p=path, t=token):
            return b.client.post(p, data={"csrf_token": t, **QUIZ_RIGHT, "action": "save"})

        saves[modules] = cost(count_queries, save)
        with count_queries() as statements:
            response = browser.client.post(
                path, data={"csrf_token": token, **QUIZ_RIGHT, "action": "submit"}
            )
        assert response.status_code == 302
        submits[modules] = len(statements)
    assert saves[4] == saves[40], saves
    assert submits[4] == submits[40], submits
    assert saves[4] <= LIMIT, saves
    assert submits[4] <= LIMIT + 5, submits


def test_the_dashboard_costs_the_same_with_1_and_5_enrolments(
    app, tmp_path, make_user, browser_for, count_queries
):
    slugs = [f"course-{n}" for n in range(1, 6)]
    for slug in slugs:
        import_folder(app, write_generated_course(tmp_path, slug, modules=4))
    one = browser_for(make_user())
    set_up_learner(one, slugs[0])
    five = browser_for(make_user())
    for slug in slugs:
        set_up_learner(five, slug)
    costs = {
        1: cost(count_queries, lambda: one.get("/dashboard")),
        5: cost(count_queries, lambda: five.get("/dashboard")),
    }
    assert "course-5" in five.text("/dashboard")
    assert costs[1] == costs[5], costs
    assert costs[1] <= LIMIT, costs


def test_the_catalogue_costs_the_same_with_1_and_5_courses(app, tmp_path, client, count_queries):
    import_folder(app, write_generated_course(tmp_path, "course-1", modules=4))
    one = cost(count_queries, lambda: client.get("/courses"))
    for n in range(2, 6):
        import_folder(app, write_generated_course(tmp_path, f"course-{n}", modules=4))
    five = cost(count_queries, lambda: client.get("/courses"))
    assert one == five
    assert one <= LIMIT
