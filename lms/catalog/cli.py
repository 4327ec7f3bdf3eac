"""``flask --app lms courses ...``: validate, import, list and export courses."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from lms.catalog import instructors, services
from lms.catalog.loader import course_folders, load_course
from lms.extensions import db

courses_cli = AppGroup(
    "courses", help="Validate, import, list and export courses; assign their instructors."
)


def shipped_courses() -> list[Path]:
    return course_folders([current_app.config["COURSES_DIR"]])


def _paths(paths: tuple[str, ...]) -> list[Path]:
    return course_folders(list(paths)) if paths else shipped_courses()


@courses_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths):
    """Check courses (default: the shipped ones) and print every problem as path:line."""
    failed = 0
    folders = _paths(paths)
    for folder in folders:
        result = load_course(folder)
        for message in result.errors:
            click.echo(message)
        failed += bool(result.errors)
    if failed:
        raise click.ClickException(f"{failed} of {len(folders)} courses have problems.")
    click.echo(f"{len(folders)} course{'s' if len(folders) != 1 else ''} valid.")


def import_folders(folders: list[Path], echo=click.echo) -> int:
    """Import each course in its own transaction; returns how many were refused."""
    refused = 0
    for folder in folders:
        result = load_course(folder)
        if result.errors:
            for message in result.errors:
                echo(message)
            echo(f"{folder}: not imported: it has {len(result.errors)} problem(s).")
            refused += 1
            continue
        try:
            outcome = services.import_course(result.course, via="cli")
            db.session.commit()
        except SQLAlchemyError as error:
            db.session.rollback()
            echo(f"{folder}: not imported: the database refused it ({error.__class__.__name__}).")
            refused += 1
            continue
        spec = result.course
        if outcome.created:
            echo(f"{spec.slug}: imported as version {outcome.version.number}.")
        else:
            echo(f"{spec.slug}: unchanged (version {outcome.version.number}).")
    return refused


@courses_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path())
def import_command(paths):
    """Import courses (default: the shipped ones). A course with any problem changes nothing."""
    refused = import_folders(_paths(paths))
    if refused:
        raise click.ClickException(f"{refused} course(s) not imported.")


@courses_cli.command("list")
def list_command():
    """Courses, their current version and every version."""
    courses = services.all_courses()
    if not courses:
        click.echo("No courses. Import some with: flask --app lms courses import")
        return
    for course in courses:
        current = next((v for v in course.versions if v.id == course.current_version_id), None)
        title = current.title if current else "(no version)"
        click.echo(f"{course.slug}  {title}")
        for version in course.versions:
            mark = "*" if current is not None and version.id == current.id else " "
            click.echo(
                f"  {mark} v{version.number}  {version.created_at:%Y-%m-%d %H:%M} UTC  "
                f"{version.source}  {version.content_hash[:12]}"
            )


@courses_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--version", "number", type=int, help="A version number (default: current).")
@click.option("--draft", is_flag=True, help="The draft edited in the browser, not a version.")
def export_command(slug, directory, number, draft):
    """Write course SLUG into DIRECTORY/SLUG in the course file format."""
    from lms.authoring.drafts import draft_of

    course = services.course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"No course has the slug {slug!r}.")
    if draft and number is not None:
        raise click.ClickException("Give --draft or --version, not both.")
    version = course.current_version
    if draft:
        version = draft_of(course)
        if version is None:
            raise click.ClickException(f"{slug} has no draft.")
    elif number is not None:
        version = next((v for v in course.versions if v.number == number), None)
        if version is None:
            raise click.ClickException(f"{slug} has no version {number}.")
    target = Path(directory) / slug
    if target.exists() and any(target.iterdir()):
        raise click.ClickException(f"{target} is not empty; choose another directory.")
    files = services.export_version(version, Path(directory))
    name = "the draft" if version.is_draft else f"v{version.number}"
    click.echo(f"Wrote {len(files)} files of {slug} {name} to {target}.")


# -- instructors ------------------------------------------------------------------------------


def _course(slug: str):
    course = services.course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"No course has the slug {slug!r}.")
    return course


@courses_cli.command("instructors")
@click.argument("slug")
def instructors_command(slug):
    """List the instructors of course SLUG."""
    course = _course(slug)
    people = instructors.instructors_of(course)
    if not people:
        click.echo(f"{slug} has no instructor.")
        return
    for user in people:
        notes = [] if user.role == "instructor" else [f"now {user.role}: sees no reports"]
        notes += [] if user.active else ["deactivated"]
        suffix = f"  ({', '.join(notes)})" if notes else ""
        click.echo(f"{user.email}  {user.full_name}{suffix}")


def _change_instructor(slug: str, email: str, change) -> tuple[bool, str]:
    """Apply ``change`` (assign or unassign); returns whether it changed anything, and
    the account's address as stored."""
    course = _course(slug)
    try:
        user = instructors.instructor_by_email(email)
        changed = change(course, user, actor=None, via="cli")
    except instructors.InstructorError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    return changed, user.email


@courses_cli.command("assign-instructor")
@click.argument("slug")
@click.argument("email")
def assign_instructor(slug, email):
    """Make the instructor EMAIL an instructor of course SLUG."""
    changed, email = _change_instructor(slug, email, instructors.assign)
    click.echo(f"{email} {'now teaches' if changed else 'already teaches'} {slug}.")


@courses_cli.command("unassign-instructor")
@click.argument("slug")
@click.argument("email")
def unassign_instructor(slug, email):
    """EMAIL no longer teaches course SLUG."""
    changed, email = _change_instructor(slug, email, instructors.unassign)
    if not changed:
        raise click.ClickException(f"{email} does not teach {slug}.")
    click.echo(f"{email} no longer teaches {slug}.")
