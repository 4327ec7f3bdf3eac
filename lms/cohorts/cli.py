"""``flask --app lms cohorts|reminders|mail ...``: administration from a terminal,
for scripts and cron."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lms import mail
from lms.catalog.services import course_by_slug
from lms.cohorts import reminders, roster, services
from lms.extensions import db, utcnow

cohorts_cli = AppGroup("cohorts", help="Cohorts: create them, give them courses, enrol members.")
reminders_cli = AppGroup("reminders", help="Remind learners whose due date is near or past.")
mail_cli = AppGroup("mail", help="The queue of outgoing mail (invitations, reminders).")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _cohort(name: str):
    cohort = services.cohort_by_name(name)
    if cohort is None:
        _fail(f"No cohort is named {name!r}. `flask --app lms cohorts list` shows them.")
    return cohort


def _course(slug: str):
    course = course_by_slug(slug)
    if course is None:
        _fail(f"No course has the slug {slug!r}. `flask --app lms courses list` shows them.")
    return course


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not a day such as 2027-06-30.")


def _deliver(batch: str) -> None:
    """Send the mail this command queued; other waiting mail is `mail send`'s."""
    delivery = mail.deliver_queued(limit=1_000_000, batch=batch)
    click.echo(f"Mail: {delivery.sent} sent, {mail.pending_count()} waiting.")
    if delivery.stopped:
        click.echo("The mail server did not accept a message: `mail send` will try again.")


@cohorts_cli.command("list")
def list_cohorts():
    """Every cohort with its members and courses."""
    for row in services.all_cohorts():
        click.echo(f"{row.cohort.name}\t{row.members} members\t{row.courses} courses")


@cohorts_cli.command("create")
@click.argument("name")
@click.option("--description", default="")
@click.option("--opens", help="First day members can be added (YYYY-MM-DD).")
@click.option("--closes", help="Last day members can be added (YYYY-MM-DD).")
def create_cohort(name, description, opens, closes):
    """Create a cohort called NAME."""
    try:
        cohort = services.create_cohort(
            name=name,
            description=description,
            opens_on=_day(opens, "--opens"),
            closes_on=_day(closes, "--closes"),
            actor=None,
            via="cli",
        )
    except services.CohortError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created cohort {cohort.name}.")


@cohorts_cli.command("add-course")
@click.argument("cohort_name")
@click.argument("course_slug")
@click.option("--due", help="Due date (YYYY-MM-DD); without it, no due date.")
def add_course(cohort_name, course_slug, due):
    """Give COHORT the course COURSE_SLUG (or change its due date); members are enrolled."""
    cohort, course = _cohort(cohort_name), _course(course_slug)
    try:
        services.set_course(cohort, course, _day(due, "--due"), actor=None, via="cli", now=utcnow())
    except services.CohortError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"{course.slug} is a course of {cohort.name}" + (f", due {due}." if due else "."))


@cohorts_cli.command("remove-member")
@click.argument("cohort_name")
@click.argument("email")
def remove_member(cohort_name, email):
    """Take EMAIL out of the cohort (their progress and certificates are kept)."""
    from lms.accounts.services import find_user_by_email

    cohort = _cohort(cohort_name)
    user = find_user_by_email(email)
    if user is None:
        _fail(f"No account uses the email address {email!r}.")
    try:
        services.remove_member(cohort, user, actor=None, via="cli")
    except services.CohortError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Removed {user.email} from {cohort.name}; their records are kept.")


@cohorts_cli.command("enroll")
@click.argument("cohort_name")
@click.argument("csv_file", type=click.File("rb"))
@click.option(
    "--dry-run", is_flag=True, help="Show what would happen to every row; change nothing."
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Apply the good rows even if some rows have errors (otherwise nothing is applied).",
)
def enroll(cohort_name, csv_file, dry_run, skip_bad_rows):
    """Add the people in CSV_FILE to the cohort and enrol them in its courses.

    Columns: email, full name, profession (optional); comma or semicolon; UTF-8.
    New accounts are created and invited; nobody absent from the file is removed.
    """
    cohort = _cohort(cohort_name)
    try:
        plan = roster.plan(cohort, csv_file.read(current_app.config["ROSTER_MAX_BYTES"] + 1))
    except roster.RosterError as error:
        _fail(error.message)
    for row in plan.rows:
        click.echo(f"{row.line}\t{row.outcome_label}\t{row.email}\t{row.message}")
    counts = plan.counts
    click.echo(
        f"{counts['new']} new, {counts['existing']} existing, {counts['member']} already "
        f"members, {counts['error']} errors."
    )
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if plan.errors and not skip_bad_rows:
        _fail(
            f"{len(plan.errors)} rows have errors; nothing was changed. Correct them, or "
            "apply the good rows with --skip-bad-rows."
        )
    try:
        batch = mail.new_batch()
        result = roster.apply(cohort, plan, actor=None, via="cli", now=utcnow(), batch=batch)
    except services.CohortError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(
        f"Applied: {result.added} added ({result.created} new accounts invited, "
        f"{result.told} told by mail)."
    )
    _deliver(batch)


@cohorts_cli.command("purge-uploads")
@click.option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(0, 3650),
    help="Forget uploaded CSV files older than this many days.",
)
def purge_uploads(days):
    """Forget uploaded CSV files: previews never applied (applied ones are already empty)."""
    deleted = services.delete_roster_uploads_before(utcnow() - timedelta(days=days))
    db.session.commit()
    click.echo(f"{deleted} uploaded files forgotten.")


@reminders_cli.command("send")
@click.option(
    "--interval-days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 365),
    help="Remind each learner at most once per course in this many days.",
)
@click.option(
    "--within-days",
    default=14,
    show_default=True,
    type=click.IntRange(0, 365),
    help="Remind when the due date is this close, or past.",
)
@click.option("--dry-run", is_flag=True, help="List who would be reminded; send nothing.")
def send_reminders(interval_days, within_days, dry_run):
    """Mail learners who have not completed a course due soon or overdue. Safe from cron."""
    now = utcnow()
    if dry_run:
        behind = reminders.learners_behind(
            now, interval_days=interval_days, within_days=within_days
        )
        for due in behind:
            click.echo(f"{due.email}\t{due.course_slug}\tdue {due.due_on}")
        click.echo(f"{len(behind)} reminders would be sent. Dry run: nothing was changed.")
        return
    batch = mail.new_batch()
    queued = reminders.send_reminders(
        now, interval_days=interval_days, within_days=within_days, batch=batch
    )
    db.session.commit()
    click.echo(f"{queued} reminders queued.")
    _deliver(batch)


@mail_cli.command("send")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
def send_mail(limit):
    """Send queued mail, oldest first. Safe to run from cron on every app server."""
    delivery = mail.deliver_queued(limit=limit)
    click.echo(f"{delivery.sent} sent, {mail.pending_count()} still waiting.")
    if delivery.stopped:
        _fail("The mail server did not accept a message; it will be tried again later.")


@mail_cli.command("status")
def mail_status():
    """How many messages are waiting, and how many were given up on."""
    click.echo(f"{mail.pending_count()} messages waiting, {mail.failed_count()} given up on.")


@mail_cli.command("retry")
def mail_retry():
    """Try again the messages given up on after repeated failures."""
    count = mail.retry_failed()
    db.session.commit()
    click.echo(f"{count} messages will be tried again by the next `mail send`.")
