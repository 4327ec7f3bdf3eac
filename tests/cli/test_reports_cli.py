"""``flask --app lms reports progress|items|knowledge-gain|evaluation|completions``
through runner.invoke (issue #6): the same CSV as the browser's export, and clear
errors."""

from __future__ import annotations

import pytest

from tests.http.conftest import page_text
from tests.learning_fixtures import SLUG, sign_in
from tests.report_fixtures import (  # noqa: F401
    evaluators,
    make_cohort,
    read_csv,
    reports_fixture,
)


@pytest.fixture
def admin(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("administrator"))
    return client


def run(runner, *args):
    return runner.invoke(args=["reports", *args])


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["progress", SLUG], f"/reports/courses/{SLUG}/progress.csv"),
        (
            ["items", SLUG, "module:first-steps"],
            f"/reports/courses/{SLUG}/quizzes/first-steps/items.csv",
        ),
        (
            ["items", SLUG, "module:first-steps", "--first-attempts"],
            f"/reports/courses/{SLUG}/quizzes/first-steps/items.csv?attempts=first",
        ),
        (["items", SLUG, "pretest"], f"/reports/courses/{SLUG}/quizzes/pretest/items.csv"),
        (["knowledge-gain", SLUG], f"/reports/courses/{SLUG}/knowledge-gain.csv"),
        (["evaluation", SLUG], f"/reports/courses/{SLUG}/evaluation.csv"),
        (
            ["completions", "--from", "2025-01-01", "--to", "2025-12-31"],
            "/reports/completions.csv?from=2025-01-01&to=2025-12-31",
        ),
    ],
)
def test_each_command_writes_the_browsers_csv(runner, admin, reports, args, path):
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == page_text(admin.get(path))
    # The fixture's one evaluation response is withheld: the header row only.
    assert read_csv(result.stdout) or args[0] == "evaluation"


def test_progress_rows(runner, reports):
    rows = read_csv(run(runner, "progress", SLUG).stdout)
    assert [r["learner"] for r in rows] == [f"Learner {x}" for x in "ABCDEF"]
    assert rows[0]["module_1_first-steps_state"] == "done"


def test_progress_of_a_cohort_by_name(app, runner, reports):
    make_cohort(app, "Night shift", members=[reports["E"], reports["F"]])
    result = run(runner, "progress", SLUG, "--cohort", "Night shift")
    assert result.exit_code == 0, result.output
    assert [r["learner"] for r in read_csv(result.stdout)] == ["Learner E", "Learner F"]


def test_output_to_a_file(runner, reports, tmp_path):
    target = tmp_path / "progress.csv"
    result = run(runner, "progress", SLUG, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert len(read_csv(text)) == 6


def test_knowledge_gain_rows(runner, reports):
    [gain] = read_csv(run(runner, "knowledge-gain", SLUG).stdout)
    assert (gain["learner"], gain["gain_points"]) == ("Learner A", "100.0")


WITHHELD = "Results appear once at least 5 learners have answered, to keep answers anonymous."


def test_evaluation_with_fewer_than_five_responses_writes_only_the_header(runner, reports):
    # Only A has answered: the header, no row; the count and the reason on standard error.
    result = run(runner, "evaluation", SLUG)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == "\ufeffresponse,met-objectives,improve\r\n"
    assert f"1 response. {WITHHELD}" in result.stderr


def test_evaluation_rows_are_sorted_numbered_and_timeless(app, runner, admin, reports, make_user):
    users = evaluators(app, make_user)
    result = run(runner, "evaluation", SLUG)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    rows = read_csv(result.stdout)
    assert list(rows[0]) == ["response", "met-objectives", "improve"]
    assert [(r["response"], r["met-objectives"]) for r in rows] == [
        ("1", "2"),
        ("2", "3"),
        ("3", "4"),
        ("4", "4"),
        ("5", "5"),
        ("6", "5"),
    ]
    assert "2025" not in result.stdout
    browser_csv = page_text(admin.get(f"/reports/courses/{SLUG}/evaluation.csv"))
    assert result.stdout_bytes.decode("utf-8") == browser_csv
    # A cohort of two of them: withheld again.
    make_cohort(app, "Pair", members=users[:2])
    pair = run(runner, "evaluation", SLUG, "--cohort", "Pair")
    assert pair.exit_code == 0, pair.output
    assert read_csv(pair.stdout) == []
    assert f"2 responses. {WITHHELD}" in pair.stderr


def test_completions_default_to_the_last_twelve_months(runner, reports):
    result = run(runner, "completions")
    assert result.exit_code == 0, result.output
    rows = read_csv(result.stdout)
    assert rows[-1]["course_title"] == "Total"
    # The fixture's completion is dated 2025-06-02 (its clock), the period ends today.
    assert rows[0]["period_to"] > "2025-06-02"


def test_completions_in_a_period(runner, reports):
    rows = read_csv(run(runner, "completions", "--from", "2025-06-02", "--to", "2025-06-02").stdout)
    assert [(r["course_slug"], r["completions"], r["credit_hours_awarded"]) for r in rows] == [
        (SLUG, "1", "0.5"),
        ("", "1", "0.5"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["progress", "no-such-course"], "No published course has the slug 'no-such-course'"),
        (["items", "no-such-course", "pretest"], "No published course"),
        (["knowledge-gain", "no-such-course"], "No published course"),
        (["evaluation", "no-such-course"], "No published course"),
        (["items", SLUG, "module:no-such-module"], "has no quiz"),
        (["items", SLUG, "quiz"], "Quiz keys are pretest, posttest"),
        (["progress", SLUG, "--cohort", "Nobody"], "No cohort is named 'Nobody'"),
        (["completions", "--cohort", "Nobody"], "No cohort is named 'Nobody'"),
        (["completions", "--from", "2025-06-02", "--to", "2025-06-01"], "before the first day"),
    ],
)
def test_errors_are_clear_and_exit_1(runner, reports, args, message):
    result = run(runner, *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_cohort_that_does_not_take_the_course(app, runner, tmp_path, reports):
    from tests.learning_fixtures import import_folder, write_generated_course

    import_folder(app, write_generated_course(tmp_path, "other-course", modules=1))
    make_cohort(app, "Elsewhere", course_slugs=("other-course",))
    result = run(runner, "progress", SLUG, "--cohort", "Elsewhere")
    assert result.exit_code == 1
    assert "does not take the course example-course" in result.output


@pytest.mark.parametrize("value", ["2026-13-45", "yesterday", "9999-12-31"])
def test_bad_dates_are_usage_errors(runner, reports, value):
    result = run(runner, "completions", "--from", value)
    assert result.exit_code == 2
    assert "--from" in result.output
