"""The LMS application package: :func:`create_app` builds the Flask app.

The factory wires config, extensions, blueprints and commands. It writes
nothing and calls no network; first-run work lives in ``flask --app lms setup``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, IntegerConverter

from config import Config, config_from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


class SlugConverter(BaseConverter):
    """A course, module, lesson or quiz slug in a URL: anything else is a 404 before
    any database sees it (PostgreSQL refuses some characters, such as NUL)."""

    regex = "[a-z0-9]+(?:-[a-z0-9]+)*"


class IdConverter(IntegerConverter):
    """A row id in a URL: a positive integer that fits the database's INTEGER, so a
    larger number is a 404 rather than a database error."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=2**31 - 1)


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_from_environment()
    app = Flask(
        __name__,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config_class)
    if config_class.READ_ENVIRONMENT:
        app.config.from_prefixed_env("LMS")
    config_class.finalise(app)

    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["id"] = IdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms.accounts.services import load_user_from_session
    from lms.extensions import csrf, db, login_manager, migrate, render_migration_item

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session)

    # Completing a course issues its certificate, in the same transaction.
    from lms.certificates.services import on_course_completed
    from lms.learning.signals import course_completed

    course_completed.connect(on_course_completed)


def _register_blueprints(app: Flask) -> None:
    from lms.accounts.views import bp as accounts_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.cohorts.views import bp as cohorts_bp
    from lms.learning.views import bp as learning_bp
    from lms.reports.views import bp as reports_bp
    from lms.site import register_site

    app.register_blueprint(accounts_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(authoring_bp)
    register_site(app)


def _register_commands(app: Flask) -> None:
    from lms.accounts.cli import users_cli
    from lms.benchdata.cli import bench_cli
    from lms.catalog.cli import courses_cli
    from lms.catalog.quiz_cli import quiz_cli
    from lms.certificates.cli import certificates_cli
    from lms.cohorts.cli import cohorts_cli, mail_cli, reminders_cli
    from lms.reports.cli import reports_cli
    from lms.setup import setup_command

    app.cli.add_command(users_cli)
    app.cli.add_command(setup_command)
    app.cli.add_command(quiz_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(cohorts_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(bench_cli)
