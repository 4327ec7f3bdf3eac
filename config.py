"""Settings for the LMS.

Every setting can be given in the environment with the ``LMS_`` prefix:
``LMS_DATABASE_URL``, ``LMS_SECRET_KEY``, ``LMS_MAIL_SERVER`` and so on.
Values are read with :meth:`flask.Config.from_prefixed_env`, so numbers and
``true``/``false`` are parsed as JSON. docs/operations.md lists them all.
"""

from __future__ import annotations

import os
from datetime import timedelta


class ConfigError(SystemExit):
    """Raised when the settings cannot work; the message is one line for the operator."""


TEXT_SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "PUBLIC_URL",
    "SITE_NAME",
    "ORGANISATION_NAME",
    "SUPPORT_EMAIL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_SENDER",
)


class Config:
    """Defaults shared by every environment."""

    NAME = "base"
    READ_ENVIRONMENT = True
    REQUIRE_SECRET_KEY = True

    SITE_NAME = "Recognise and Respond"
    ORGANISATION_NAME = "Recognise and Respond"
    # Base of every link the site sends by mail or prints (setup, reset, verify).
    # Never taken from the request's Host header, which a client controls.
    PUBLIC_URL = "http://127.0.0.1:5000"
    SUPPORT_EMAIL = ""
    # The Ed25519 key that signs Open Badges credentials (a PEM file); when unset,
    # one is generated into <instance>/ob_signing_key.pem on first use.
    OB_SIGNING_KEY_FILE = ""
    # The shipped courses: imported by `flask --app lms setup` into an empty catalog,
    # and the default folder of the `courses` commands.
    COURSES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "courses")

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # A learner may read a lesson for an hour before pressing a button: the
    # CSRF token lives as long as the session instead of Flask-WTF's one hour.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Number of reverse proxies in front of the app whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted (0: none, the direct client is the address).
    TRUSTED_PROXIES = 0
    # Strict-Transport-Security; only sent when the session cookie is Secure.
    HSTS_SECONDS = 31536000

    # Passwords: Argon2id (memory-hard). The defaults are argon2-cffi's RFC 9106
    # "low memory" profile: 3 passes over 64 MiB.
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 256
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Login throttling: failures counted in the database, so every app server
    # sees the same counts. Blocking is temporary by design: the owner of an
    # account under attack waits out the window or resets the password.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    RESET_MAX_REQUESTS_PER_ADDRESS = 10
    RESET_MAX_REQUESTS_PER_ACCOUNT = 3
    RESET_THROTTLE_WINDOW_SECONDS = 60 * 60

    PASSWORD_RESET_MAX_AGE_SECONDS = 60 * 60
    SETUP_LINK_MAX_AGE_SECONDS = 7 * 24 * 60 * 60
    INVITATION_MAX_AGE_SECONDS = 14 * 24 * 60 * 60
    # Queued mail sent at the end of the request that queued it (the rest by
    # `flask --app lms mail send`, from cron).
    MAIL_SEND_IN_REQUEST_MAX = 100
    # CSV files of cohort members.
    ROSTER_MAX_BYTES = 5 * 1024 * 1024
    ROSTER_MAX_ROWS = 50_000

    # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in OUTBOX_DIR.
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_TIMEOUT_SECONDS = 10
    MAIL_SENDER = "Recognise and Respond <no-reply@localhost>"
    OUTBOX_DIR = ""  # default: <instance>/outbox

    @classmethod
    def finalise(cls, app) -> None:
        """Derive settings that depend on others, and refuse settings that cannot work."""
        cfg = app.config
        # from_prefixed_env parses values as JSON: an all-digit secret or password
        # would arrive as a number. These settings are always text.
        for key in TEXT_SETTINGS:
            if cfg.get(key) is not None and not isinstance(cfg[key], str):
                cfg[key] = str(cfg[key])
        url = cfg.get("DATABASE_URL") or "sqlite:///" + os.path.join(
            app.instance_path, "lms.sqlite3"
        )
        cfg["SQLALCHEMY_DATABASE_URI"] = url
        if not cfg.get("OUTBOX_DIR"):
            cfg["OUTBOX_DIR"] = os.path.join(app.instance_path, "outbox")
        if not cfg.get("SECRET_KEY"):
            cfg["SECRET_KEY"] = cls.fallback_secret_key(app)
        if cls.REQUIRE_SECRET_KEY and not cfg.get("SECRET_KEY"):
            raise ConfigError(
                "LMS_SECRET_KEY is not set: give it a long random value "
                '(python -c "import secrets; print(secrets.token_hex(32))").'
            )
        if cfg.get("SECRET_KEY") and len(str(cfg["SECRET_KEY"])) < 16:
            raise ConfigError("LMS_SECRET_KEY is too short: use at least 32 random characters.")

    @classmethod
    def fallback_secret_key(cls, app) -> str | None:
        return None


class DevelopmentConfig(Config):
    """``flask --app lms run`` on a laptop: the embedded SQLite database."""

    NAME = "development"
    REQUIRE_SECRET_KEY = False

    @classmethod
    def fallback_secret_key(cls, app) -> str:
        # `flask --app lms setup` writes a random key into the instance folder so
        # that sessions and the printed setup link survive a restart. Without it,
        # a key that lives as long as the process: never a key known to anyone else.
        path = os.path.join(app.instance_path, "secret_key")
        try:
            with open(path, encoding="utf-8") as fh:
                key = fh.read().strip()
        except OSError:
            key = ""
        return key or os.urandom(32).hex()


class ProductionConfig(Config):
    """``gunicorn wsgi:app``: LMS_SECRET_KEY is required; cookies are Secure."""

    NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    """The test suite: settings come from the fixtures, never from the environment."""

    NAME = "testing"
    READ_ENVIRONMENT = False
    REQUIRE_SECRET_KEY = False
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    PUBLIC_URL = "http://lms.test"
    SERVER_NAME = None
    # Cheap hashing keeps the suite fast; production uses the class defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


CONFIGS = {c.NAME: c for c in (DevelopmentConfig, ProductionConfig, TestConfig)}


def config_from_environment() -> type[Config]:
    name = os.environ.get("LMS_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"LMS_CONFIG={name!r} is not known: use one of {', '.join(sorted(CONFIGS))}."
        ) from None
