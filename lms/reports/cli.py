"""``flask --app lms reports ...``: every report's CSV, the same as the browser's export.

The command line is the operator's: it reports on every published course. The
CSV goes to standard output, or to a file with ``--output``.
"""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from lms.extensions import utcnow
from lms.reports import completions as completion_reports
from lms.reports import evaluation as evaluation_reports
from lms.reports import exports, queries
from lms.reports import gain as gain_reports
from lms.reports import items as item_reports
from lms.reports import progress as progress_reports
from lms.reports.queries import ReportInputError

reports_cli = AppGroup("reports", help="Write the reports as CSV.")

output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the CSV to this file instead of standard output.",
)
cohort_option = click.option("--cohort", "cohort_name", help="Only the members of this cohort.")


def _course(slug: str):
    course = queries.published_course(slug)
    if course is None:
        raise click.ClickException(
            f"No published course has the slug {slug!r}. `flask --app lms courses list` lists them."
        )
    return course


def _cohort(name: str | None, course=None):
    if name is None:
        return None
    cohort = queries.cohort_by_name(name)
    if cohort is None:
        raise click.ClickException(f"No cohort is named {name!r}.")
    if course is not None and not queries.cohort_includes(cohort, course.id):
        raise click.ClickException(f"The cohort {name!r} does not take the course {course.slug}.")
    return cohort


def _write(file: exports.CsvFile, output: str | None) -> None:
    if output is None:
        click.echo(file.text, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="") as fh:
        fh.write(file.text)
    click.echo(f"Wrote {output}.", err=True)


@reports_cli.command("progress")
@click.argument("course_slug")
@cohort_option
@output_option
def progress(course_slug, cohort_name, output):
    """The progress matrix of COURSE_SLUG: every learner, every module."""
    course = _course(course_slug)
    cohort = _cohort(cohort_name, course)
    _write(exports.progress_csv(progress_reports.progress_table(course, cohort=cohort)), output)


@reports_cli.command("items")
@click.argument("course_slug")
@click.argument("quiz_key")
@click.option("--first-attempts", is_flag=True, help="Count each learner's first attempt only.")
@cohort_option
@output_option
def items(course_slug, quiz_key, first_attempts, cohort_name, output):
    """Item analysis of one quiz: QUIZ_KEY is pretest, posttest or module:<module slug>."""
    course = _course(course_slug)
    cohort = _cohort(cohort_name, course)
    try:
        report = item_reports.item_analysis(
            course, item_reports.quiz_slug_of(quiz_key), cohort=cohort, first_only=first_attempts
        )
    except ReportInputError as error:
        raise click.ClickException(
            f"{error} Quiz keys are pretest, posttest and module:<module slug>."
        ) from None
    _write(exports.items_csv(report), output)


@reports_cli.command("knowledge-gain")
@click.argument("course_slug")
@cohort_option
@output_option
def knowledge_gain(course_slug, cohort_name, output):
    """Pre-test (first attempt) against post-test (best attempt), per learner."""
    course = _course(course_slug)
    cohort = _cohort(cohort_name, course)
    _write(exports.gain_csv(gain_reports.knowledge_gain(course, cohort=cohort)), output)


@reports_cli.command("evaluation")
@click.argument("course_slug")
@cohort_option
@output_option
def evaluation(course_slug, cohort_name, output):
    """Every evaluation response of COURSE_SLUG, one row each, anonymously.

    Rows are sorted by their answers, without times. With fewer than five
    responses (MIN_RESPONSES) only the header row is written, and the count is
    said on standard error."""
    course = _course(course_slug)
    cohort = _cohort(cohort_name, course)
    report = evaluation_reports.evaluation_results(course, cohort=cohort)
    if report.withheld:
        responses = f"{report.count} response{'' if report.count == 1 else 's'}"
        click.echo(f"{responses}. {report.withheld_text}", err=True)
    _write(exports.evaluation_csv(report), output)


def _date(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date as YYYY-MM-DD, for example 2025-01-31."
        ) from None
    if not completion_reports.EARLIEST <= day <= completion_reports.LATEST:
        raise click.BadParameter(
            f"Choose a date between {completion_reports.EARLIEST} and {completion_reports.LATEST}."
        )
    return day


@reports_cli.command("completions")
@click.option("--from", "date_from", callback=_date, help="First day, YYYY-MM-DD (UTC).")
@click.option("--to", "date_to", callback=_date, help="Last day, YYYY-MM-DD (UTC), included.")
@cohort_option
@output_option
def completions(date_from, date_to, cohort_name, output):
    """Completions and credit hours per course in a period (default: the last 12 months)."""
    default_from, default_to = completion_reports.default_period(utcnow().date())
    date_from, date_to = date_from or default_from, date_to or default_to
    if date_to < date_from:
        raise click.ClickException("The last day (--to) is before the first day (--from).")
    summary = completion_reports.completion_summary(
        queries.all_published_courses(),
        date_from=date_from,
        date_to=date_to,
        cohort=_cohort(cohort_name),
    )
    _write(exports.completions_csv(summary), output)
