"""With production's cookie settings, cookies are Secure and browsers are told to keep HTTPS."""

from __future__ import annotations

import pytest

from config import ProductionConfig
from tests.conftest import csrf_token_from
from tests.http.conftest import page_text

HTTPS = {"base_url": "https://lms.example.org"}


@pytest.fixture
def config_class(config_class):
    class ProductionCookies(config_class):
        SESSION_COOKIE_SECURE = ProductionConfig.SESSION_COOKIE_SECURE
        REMEMBER_COOKIE_SECURE = ProductionConfig.REMEMBER_COOKIE_SECURE

    return ProductionCookies


def _get(client, path):
    response = client.get(path, **HTTPS)
    response.close()
    return response


def test_session_cookie_is_secure(client):
    _get(client, "/login")

    cookie = client.get_cookie("session", domain="lms.example.org")
    assert cookie.secure
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/no-such-page", 404), ("/account", 302), ("/static/style.css", 200)],
    ids=["page", "not-found", "redirect", "static-file"],
)
def test_every_response_asks_browsers_to_keep_https(client, app, path, status):
    response = _get(client, path)

    assert response.status_code == status
    assert response.headers["Strict-Transport-Security"] == (
        f"max-age={app.config['HSTS_SECONDS']}"
    )


def test_remember_me_cookie_is_secure_too(client, make_user):
    user = make_user()
    token = csrf_token_from(page_text(client.get("/login", **HTTPS)))

    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": user.password,
            "remember": "y",
            "csrf_token": token,
        },
        headers={"Referer": "https://lms.example.org/login"},
        **HTTPS,
    )

    assert response.status_code == 302
    cookie = client.get_cookie("remember_token", domain="lms.example.org")
    assert cookie.secure
    assert cookie.http_only
    assert cookie.same_site == "Lax"
