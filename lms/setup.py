"""First-run preparation: ``flask --app lms setup``.

Safe to run at every start (the README's run command does): it creates the
instance folder and a secret key for development, brings the database schema
up to date, imports the shipped courses into an empty catalog, and, while no
administrator exists, prints a one-time link to create the first one. Nothing
here runs inside ``create_app``.
"""

from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from lms import MIGRATIONS_DIR
from lms.accounts import services
from lms.catalog import services as catalog_services
from lms.catalog.cli import import_folders, shipped_courses


def ensure_secret_key(app) -> None:
    """Write a random key to the instance folder for development use.

    Only when no key was configured: a production site gets LMS_SECRET_KEY.
    """
    if os.environ.get("LMS_SECRET_KEY") or app.config.get("NAME") != "development":
        return
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
    with open(path, encoding="utf-8") as fh:
        app.config["SECRET_KEY"] = fh.read().strip()


def prepare_site(app, echo=click.echo) -> str | None:
    """Bring the site to a runnable state; returns the setup link if one is needed."""
    os.makedirs(app.instance_path, exist_ok=True)
    ensure_secret_key(app)
    upgrade(directory=str(MIGRATIONS_DIR))
    if catalog_services.catalog_is_empty():
        folders = shipped_courses()
        echo(f"The catalog is empty: importing the {len(folders)} shipped courses.")
        import_folders(folders, echo=echo)
    return services.setup_link()


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or upgrade the database and print the first-administrator link if needed."""
    app = current_app._get_current_object()
    link = prepare_site(app)
    click.echo("Database is up to date.")
    if link:
        click.echo("")
        click.echo("No administrator exists yet. Open this link to create the first one")
        days = app.config["SETUP_LINK_MAX_AGE_SECONDS"] // 86400
        click.echo(f"(it works until an administrator exists, for {days} days at most):")
        click.echo("")
        click.echo(f"    {link}")
        click.echo("")
