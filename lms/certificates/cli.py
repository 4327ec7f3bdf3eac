"""``flask --app lms certificates ...``: verify and revoke from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.certificates import documents, services
from lms.extensions import db

certificates_cli = AppGroup("certificates", help="Verify and revoke certificates.")


def _certificate(code: str):
    certificate = services.by_code(code)
    if certificate is None:
        raise click.ClickException(f"No certificate has the code {code!r}.")
    return certificate


@certificates_cli.command("verify")
@click.argument("code")
def verify(code):
    """Print what /verify/CODE shows: the facts and whether the certificate is valid."""
    c = _certificate(code)
    status = c.status
    if c.revoked_at is not None:
        status += f" on {c.revoked_at:%Y-%m-%d}"
    elif c.superseded_at is not None:
        replacement = services.replacement_of(c)
        status += f" on {c.superseded_at:%Y-%m-%d}"
        if replacement is not None:
            status += f" by {replacement.display_code}"
    click.echo(f"Certificate    {c.display_code}")
    click.echo(f"Status         {status}")
    click.echo(f"Name           {c.learner_name}")
    click.echo(f"Course         {c.course_title}")
    click.echo(f"Credit hours   {c.credit_hours:g}")
    click.echo(f"Completed      {c.completed_at:%Y-%m-%d}")
    click.echo(f"Course version {c.course_version_number}")


@certificates_cli.command("zip")
@click.argument("course_slug")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
def zip_command(course_slug, output):
    """Write the current certificates of COURSE_SLUG as PDFs into the zip file OUTPUT."""
    certificates = services.current_of_course(course_slug)
    if not certificates:
        raise click.ClickException(f"No course {course_slug!r} has certificates.")
    documents.write_zip(output, course_slug, certificates)
    click.echo(f"Wrote {len(certificates)} certificates of {course_slug} to {output}.")


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why, for the audit trail.")
def revoke(code, reason):
    """Revoke certificate CODE; its verification page then says so."""
    c = _certificate(code)
    try:
        services.revoke(c, reason, actor=None, via="cli")
    except services.CertificateError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Certificate {c.display_code} is revoked.")
