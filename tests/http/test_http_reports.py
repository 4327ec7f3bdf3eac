"""The reports' pages and CSV exports through the test client (issue #6): who may
see what, what the pages and files hold, and that bad input is never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.http.conftest import page_text
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder, sign_in, write_generated_course
from tests.report_fixtures import (
    assign,
    bulk_learners,
    evaluators,
    make_cohort,
    read_csv,
    reports_fixture,  # noqa: F401
    study,
)

BASE = f"/reports/courses/{SLUG}"
WITHHELD = "Results appear once at least 5 learners have answered, to keep answers anonymous."


def course_pages(enrollment_id: int) -> list[str]:
    return [
        f"{BASE}/progress",
        f"{BASE}/progress.csv",
        f"{BASE}/learners/{enrollment_id}",
        f"{BASE}/learners/{enrollment_id}.csv",
        f"{BASE}/quizzes/first-steps/items",
        f"{BASE}/quizzes/first-steps/items.csv",
        f"{BASE}/quizzes/pretest/items",
        f"{BASE}/quizzes/posttest/items.csv",
        f"{BASE}/knowledge-gain",
        f"{BASE}/knowledge-gain.csv",
        f"{BASE}/evaluation",
        f"{BASE}/evaluation.csv",
    ]


GLOBAL_PAGES = ["/reports", "/reports/completions", "/reports/completions.csv"]


@dataclass
class People:
    admin: object
    teacher: object  # an instructor of the example course
    stranger: object  # an instructor of another course only
    learner: object


@pytest.fixture
def people(app, tmp_path, make_user, reports):
    import_folder(app, write_generated_course(tmp_path, "other-course", modules=1))
    found = People(
        make_user("administrator", full_name="Ada Admin"),
        make_user("instructor", full_name="Ian Instructor"),
        make_user("instructor", full_name="Olga Other"),
        reports["B"],
    )
    assign(app, found.teacher)
    assign(app, found.stranger, "other-course")
    return found


@pytest.fixture
def browser(app):
    """``browser(user)``: a test client signed in as ``user``."""

    def make(user):
        client = app.test_client()
        sign_in(client, user)
        return client

    return make


# -- who may see what --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, reports):
    for path in [*course_pages(reports["ids"]["A"]), *GLOBAL_PAGES]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"], path


def test_learners_get_404_everywhere(browser, people, reports):
    learner = browser(people.learner)
    for path in [*course_pages(reports["ids"]["A"]), *GLOBAL_PAGES]:
        assert learner.get(path).status_code == 404, path
    # Not even their own detail.
    assert learner.get(f"{BASE}/learners/{reports['ids']['B']}").status_code == 404


def test_an_instructor_of_another_course_gets_404_on_this_course(browser, people, reports):
    stranger = browser(people.stranger)
    for path in course_pages(reports["ids"]["A"]):
        assert stranger.get(path).status_code == 404, path
    index = page_text(stranger.get("/reports"))
    assert "Course other-course" in index and "An Example Course" not in index
    completions = page_text(stranger.get("/reports/completions"))
    assert "An Example Course" not in completions and "Course other-course" in completions


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_the_instructor_of_the_course_and_administrators_see_every_report(
    browser, people, reports, role
):
    client = browser(getattr(people, role))
    for path in [*course_pages(reports["ids"]["A"]), *GLOBAL_PAGES]:
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".csv"):
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8", path
            assert response.headers["Content-Disposition"].startswith("attachment; filename="), path
        else:
            assert response.mimetype == "text/html", path


def test_the_reports_link_is_in_the_menu_of_those_who_may_see_reports(browser, people):
    assert ">Reports</a>" in page_text(browser(people.teacher).get("/courses"))
    assert ">Reports</a>" in page_text(browser(people.admin).get("/courses"))
    assert ">Reports</a>" not in page_text(browser(people.learner).get("/courses"))


def test_a_learner_of_another_course_is_not_found_under_this_one(app, browser, people, reports):
    other = study(app, people.learner, slug="other-course")
    client = browser(people.admin)
    assert client.get(f"/reports/courses/other-course/learners/{other}").status_code == 200
    assert client.get(f"{BASE}/learners/{other}").status_code == 404
    # The teacher of the example course may not see it under either course.
    teacher = browser(people.teacher)
    assert teacher.get(f"/reports/courses/other-course/learners/{other}").status_code == 404


# -- what the pages hold -----------------------------------------------------------------------


def test_index_lists_the_courses_reports_and_a_labelled_cohort_choice(
    app, browser, people, reports
):
    make_cohort(app, "Residents 2025", members=[reports["A"]])
    html = page_text(browser(people.teacher).get("/reports"))
    assert "An Example Course" in html
    for path in ("progress", "knowledge-gain", "evaluation", "quizzes/first-steps/items"):
        assert f'href="{BASE}/{path}"' in html, path
    assert 'href="/reports/completions"' in html
    select = re.search(
        r'<label for="(cohort-\d+)">Cohort</label>.*?<select[^>]* id="\1" name="cohort"', html, re.S
    )
    assert select, "no labelled cohort select"
    assert "Residents 2025" in html


def test_progress_page_has_a_table_and_an_accessible_heat_map(browser, people, reports):
    html = page_text(browser(people.admin).get(f"{BASE}/progress"))
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'class="table-scroll" role="region"' in html
    assert html.count("Learner ") >= 6
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "2 of 6 done" in svg
    assert 'fill="#1f6f43"' in svg  # colours as presentation attributes
    assert "D: done" in svg and "P: in progress" in svg and "N: not started" in svg
    # The Content-Security-Policy forbids inline style and script.
    assert "style=" not in html and "<script" not in html
    assert f'href="{BASE}/learners/{reports["ids"]["A"]}"' in html


def test_learner_detail_page(browser, people, reports):
    html = page_text(browser(people.teacher).get(f"{BASE}/learners/{reports['ids']['A']}"))
    assert "Learner A in An Example Course" in html
    assert "Pre-test" in html and "Post-test" in html
    assert "(valid)" in html


def test_item_analysis_page_states_its_thresholds_and_draws_a_chart(browser, people, reports):
    client = browser(people.teacher)
    html = page_text(client.get(f"{BASE}/quizzes/first-steps/items"))
    assert "facility above 0.90" in html and "facility below 0.30" in html
    assert "too hard (facility below 0.30), once n is at least 5" in html
    assert "check the key), only once n is at least 20" in html
    assert "too few attempts to flag discrimination" in html  # 7 attempts: 5 <= n < 20
    assert "tied at the boundary" in html
    assert "7 submitted attempts" in html
    assert 'id="facility-chart-title"' in html
    first = page_text(client.get(f"{BASE}/quizzes/first-steps/items?attempts=first"))
    assert "6 submitted attempts (first attempts only)" in first
    assert "attempts=first" in first  # the CSV link keeps the choice


def test_knowledge_gain_and_evaluation_pages(browser, people, reports):
    client = browser(people.admin)
    gain = page_text(client.get(f"{BASE}/knowledge-gain"))
    assert "<strong>first</strong> submitted pre-test" in gain
    assert "+100.0" in gain and 'id="gain-histogram-title"' in gain
    # Only A has answered the evaluation: the count, and why there is nothing more.
    evaluation = page_text(client.get(f"{BASE}/evaluation"))
    assert WITHHELD in evaluation and "1 response." in evaluation
    assert "More cases, please." not in evaluation
    assert "The course met its stated objectives." not in evaluation
    assert "evaluation.csv" not in evaluation


def test_evaluation_page_is_anonymous_sorted_and_timeless(app, browser, people, reports, make_user):
    evaluators(app, make_user)  # five more responses, an hour apart, after A's
    html = page_text(browser(people.admin).get(f"{BASE}/evaluation"))
    assert "6 responses." in html and WITHHELD not in html
    assert "at least 5 learners have answered" in html  # the rule is stated
    assert "The course met its stated objectives." in html
    # Written answers by their text, case aside, numbered after sorting; no time.
    answers = re.findall(
        r"<tr><td>What should we improve\?</td><td>(\d+)</td><td>([^<]*)</td>", html
    )
    assert answers == [
        ("1", "A glossary of terms."),
        ("2", "More cases, please."),
        ("3", "More cases, please."),
        ("4", "more cases, please."),
        ("5", "Zoom in on the diagrams."),
    ]
    assert "Submitted" not in html and "oldest first" not in html
    assert not re.search(r"2025-06-0\d|\d\d:\d\d", html)
    assert "Learner A" not in html and "Evaluator" not in html  # no names
    rows = read_csv(page_text(browser(people.admin).get(f"{BASE}/evaluation.csv")))
    assert list(rows[0]) == ["response", "met-objectives", "improve"]
    assert [r["response"] for r in rows] == ["1", "2", "3", "4", "5", "6"]


def test_evaluation_of_a_cohort_of_two_shows_only_the_count(
    app, browser, people, reports, make_user
):
    users = evaluators(app, make_user)
    cohort_id = make_cohort(app, "Pair", members=users[:2])
    client = browser(people.teacher)
    html = page_text(client.get(f"{BASE}/evaluation?cohort={cohort_id}"))
    assert "2 responses from the cohort Pair." in html and WITHHELD in html
    for answer in ("more cases, please.", "Zoom in on the diagrams.", "Strongly agree"):
        assert answer not in html
    csv_text = page_text(client.get(f"{BASE}/evaluation.csv?cohort={cohort_id}"))
    assert csv_text == "\ufeffresponse,met-objectives,improve\r\n"


def test_progress_and_learner_pages_say_whether_the_evaluation_was_sent_not_when(
    app, browser, people, reports, make_user
):
    from tests.report_fixtures import NOW

    late = make_user(full_name="Learner G", email="g@example.org")
    study(app, late)
    enrollment_id = study(
        app, late, evaluation={"e-met-objectives": "2"}, at=NOW + timedelta(days=3)
    )  # sent on 2025-06-05
    client = browser(people.admin)
    progress = page_text(client.get(f"{BASE}/progress"))
    row = re.search(r"Learner G</a>.*?</tr>", progress, re.S).group(0)
    assert "<td>Submitted</td>" in row
    learner = page_text(client.get(f"{BASE}/learners/{enrollment_id}"))
    assert "<dt>Evaluation</dt><dd>submitted" in learner
    for text in (
        progress,
        learner,
        page_text(client.get(f"{BASE}/progress.csv")),
        page_text(client.get(f"{BASE}/learners/{enrollment_id}.csv")),
    ):
        assert "2025-06-05" not in text


def test_completion_summary_page_and_period(browser, people, reports):
    client = browser(people.admin)
    html = page_text(client.get("/reports/completions?from=2025-06-02&to=2025-06-02"))
    assert "1 completion by" in html and "0.5 credit hours" in html
    empty = page_text(client.get("/reports/completions?from=2025-06-03&to=2025-06-30"))
    assert "0 completions" in empty
    rows = read_csv(page_text(client.get("/reports/completions.csv?from=2025-06-02&to=2025-06-02")))
    by_slug = {r["course_slug"]: r for r in rows}
    assert by_slug[SLUG]["completions"] == "1"
    assert by_slug[""]["course_title"] == "Total"


def test_cohort_filter(app, browser, people, reports):
    cohort_id = make_cohort(app, "Night shift", members=[reports["E"], reports["F"]])
    client = browser(people.teacher)
    html = page_text(client.get(f"{BASE}/progress?cohort={cohort_id}"))
    assert "2 learners in the cohort Night shift" in html
    rows = read_csv(page_text(client.get(f"{BASE}/progress.csv?cohort={cohort_id}")))
    assert [r["learner"] for r in rows] == ["Learner E", "Learner F"]


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_cells_cannot_run_as_formulas(app, browser, people, make_user):
    evil = make_user(full_name='=HYPERLINK("http://evil.example","x")', email="evil@example.org")
    study(
        app,
        evil,
        quizzes=[("first-steps", {"q-where-is-the-slug": "0", "q-callouts": ["0"]})],
        evaluation=None,
    )
    client = browser(people.admin)
    text = page_text(client.get(f"{BASE}/progress.csv"))
    assert "'=HYPERLINK" in text
    assert not any(line.startswith("=") for line in text.splitlines())
    rows = read_csv(text)
    assert any(r["learner"].startswith("'=") for r in rows)


def test_csv_of_typed_answers_is_escaped_too(app, browser, people):
    study(
        app,
        people.learner,
        quizzes=[("going-further", {"q-gift-comes-from": "@SUM(A1)", "q-numbers": "-4"})],
    )
    text = page_text(browser(people.admin).get(f"{BASE}/quizzes/going-further/items.csv"))
    assert "'@sum(a1)" in text
    assert "'-4" in text


# -- bad input ---------------------------------------------------------------------------------


def test_unknown_things_are_404(browser, people, reports):
    client = browser(people.admin)
    for path in [
        "/reports/courses/no-such-course/progress",
        "/reports/courses/no-such-course/progress.csv",
        "/reports/courses/Example-Course/progress",
        f"{BASE}/quizzes/no-such-quiz/items",
        f"{BASE}/quizzes/no-such-quiz/items.csv",
        f"{BASE}/learners/999999",
        f"{BASE}/learners/{10**30}",
        f"{BASE}/learners/{2**31}",
        f"{BASE}/learners/{2**31}.csv",
        f"{BASE}/learners/0",
        f"{BASE}/learners/abc",
        "/reports/courses/no-such-course/learners/1",
    ]:
        assert client.get(path).status_code == 404, path


def test_pages_that_do_not_exist_are_404_with_the_reason(browser, people, reports):
    client = browser(people.admin)
    for path in (
        f"{BASE}/progress?page=0",
        f"{BASE}/progress?page=2",
        f"{BASE}/progress?page=-3",
        f"{BASE}/knowledge-gain?page=5",
        f"{BASE}/evaluation?page=9999999999999999999999",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "There is no page" in page_text(response), path
    assert client.get(f"{BASE}/progress?page=abc").status_code == 200  # read as page 1


def test_bad_filters_get_a_message_and_422(app, browser, people, reports):
    other_cohort = make_cohort(app, "Other course only", course_slugs=("other-course",))
    client = browser(people.admin)
    for query in ("cohort=999", "cohort=abc", f"cohort={other_cohort}", "cohort=1%00"):
        for path in (f"{BASE}/progress", f"{BASE}/progress.csv", f"{BASE}/evaluation"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 422, (path, query)
            html = page_text(response)
            assert "There is a problem" in html
            assert "Choose a cohort from the list" in html
            assert "<title>Error: " in html
            if "evaluation" in path:
                assert "at least 5 learners have answered" in html  # the rule, still stated
    response = client.get(f"{BASE}/quizzes/first-steps/items?attempts=some")
    assert response.status_code == 422
    assert "Choose every attempt or first attempts only" in page_text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-45", "Enter a real date as YYYY-MM-DD"),
        ("to=yesterday", "Enter a real date as YYYY-MM-DD"),
        ("from=2025-02-30", "Enter a real date as YYYY-MM-DD"),
        ("from=2025-06-02&to=2025-06-01", "The last day is before the first day"),
        ("to=9999-12-31", "Choose a date between"),
        ("from=0001-01-01", "Choose a date between"),
        ("cohort=12345", "Choose a cohort from the list"),
    ],
)
def test_bad_periods_get_a_message_and_422(browser, people, reports, query, message):
    client = browser(people.admin)
    for path in ("/reports/completions", "/reports/completions.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query)
        assert message in page_text(response)


def test_empty_dates_mean_the_default_period(browser, people, reports):
    response = browser(people.admin).get("/reports/completions?from=&to=")
    assert response.status_code == 200


def test_a_course_with_nothing_yet_still_answers(app, tmp_path, browser, make_user):
    import_folder(app, write_generated_course(tmp_path, "empty-course", modules=2))
    admin = browser(make_user("administrator"))
    base = "/reports/courses/empty-course"
    for path in (
        f"{base}/progress",
        f"{base}/progress.csv",
        f"{base}/quizzes/module-1/items",
        f"{base}/knowledge-gain",
        f"{base}/evaluation",
        f"{base}/evaluation.csv",
        "/reports",
        "/reports/completions",
    ):
        assert admin.get(path).status_code == 200, path


# -- fixed query counts ------------------------------------------------------------------------


def test_pages_cost_the_same_queries_for_10_and_1000_learners(
    app, browser, make_user, count_queries
):
    import_folder(app, EXAMPLE)
    admin = browser(make_user("administrator"))
    cohort_id = make_cohort(app, "Everyone")
    pages = [
        f"{BASE}/progress",
        f"{BASE}/progress?cohort={cohort_id}",
        f"{BASE}/progress.csv",
        f"{BASE}/quizzes/first-steps/items",
        f"{BASE}/knowledge-gain",
        f"{BASE}/evaluation",
        "/reports/completions",
        "/reports",
    ]

    def costs():
        found = {}
        for path in pages:
            admin.get(path)  # anything loaded once per process is loaded now
            with count_queries() as statements:
                assert admin.get(path).status_code == 200, path
            found[path] = len(statements)
        return found

    bulk_learners(app, 10, cohort_id=cohort_id)
    small = costs()
    bulk_learners(app, 990, cohort_id=cohort_id)
    assert costs() == small
