"""Security headers and cookie flags on every kind of response."""

from __future__ import annotations

import pytest

RESPONSE_KINDS = {
    "page": ("/", 200),
    "form-page": ("/login", 200),
    "not-found": ("/no-such-page", 404),
    "redirect": ("/account", 302),
    "wrong-method": ("/logout", 405),
    "static-file": ("/static/style.css", 200),
    "health-check": ("/healthz", 200),
}


def fetch(client, path: str, **kwargs):
    """The response to GET ``path``, closed (static files hold an open file)."""
    response = client.get(path, **kwargs)
    response.close()
    return response


@pytest.mark.parametrize(("path", "status"), RESPONSE_KINDS.values(), ids=RESPONSE_KINDS.keys())
def test_every_response_carries_the_security_headers(client, path, status):
    response = fetch(client, path)

    assert response.status_code == status
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("path", "status"), RESPONSE_KINDS.values(), ids=RESPONSE_KINDS.keys())
def test_no_hsts_without_secure_cookies(client, path, status):
    assert "Strict-Transport-Security" not in fetch(client, path).headers


def test_csrf_refusal_carries_the_security_headers(client):
    response = client.post("/login", data={})

    assert response.status_code == 400
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_lax_and_not_secure_in_tests(client):
    fetch(client, "/login")

    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure


def test_signed_in_session_cookie_keeps_its_flags(client, make_user, login):
    login(make_user())

    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_pages_are_served_as_utf8_html(client):
    assert fetch(client, "/").headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(client, "/no-such-page").headers["Content-Type"] == "text/html; charset=utf-8"
