from __future__ import annotations

import pytest

from config import ConfigError, DevelopmentConfig, ProductionConfig, config_from_environment
from lms import create_app


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("LMS_SECRET_KEY", "LMS_DATABASE_URL", "LMS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(clean_env):
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY is not set"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(clean_env):
    clean_env.setenv("LMS_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        create_app(ProductionConfig)


def test_production_reads_lms_settings_from_the_environment(clean_env):
    clean_env.setenv("LMS_SECRET_KEY", "k" * 64)
    clean_env.setenv("LMS_DATABASE_URL", "postgresql+psycopg://lms@db.internal/lms")
    clean_env.setenv("LMS_SITE_NAME", "Clinic Learning")
    clean_env.setenv("LMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "7")
    app = create_app(ProductionConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://lms@db.internal/lms"
    assert app.config["SITE_NAME"] == "Clinic Learning"
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 7
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_defaults_to_sqlite_in_the_instance_folder(clean_env, tmp_path):
    app = create_app(DevelopmentConfig)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'instance' / 'lms.sqlite3'}"
    assert len(app.config["SECRET_KEY"]) >= 32


def test_development_uses_the_key_written_by_setup(clean_env, tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text("f" * 64)
    assert create_app(DevelopmentConfig).config["SECRET_KEY"] == "f" * 64


def test_the_factory_writes_nothing(clean_env, tmp_path):
    create_app(DevelopmentConfig)
    assert not (tmp_path / "instance" / "lms.sqlite3").exists()
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_unknown_config_name_is_explained(clean_env):
    clean_env.setenv("LMS_CONFIG", "staging")
    with pytest.raises(ConfigError, match="LMS_CONFIG='staging' is not known"):
        config_from_environment()


def test_an_all_digit_secret_from_the_environment_stays_text(clean_env):
    clean_env.setenv("LMS_SECRET_KEY", "1234567890" * 4)
    clean_env.setenv("LMS_MAIL_PASSWORD", "12345678")
    app = create_app(ProductionConfig)
    assert app.config["SECRET_KEY"] == "1234567890" * 4
    assert app.config["MAIL_PASSWORD"] == "12345678"
    with app.test_request_context():
        from flask import session

        session["x"] = 1  # signing with the key works
