"""Signing in and out through the real forms."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pytest

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db
from tests.http.conftest import page_text

LOGIN_FAILED = "The email address or password is not correct."


def _login_form(client, csrf_token, email, password, *, next_url=None, **extra):
    action = "/login" if next_url is None else f"/login?next={quote(next_url, safe='')}"
    data = {"email": email, "password": password, "csrf_token": csrf_token(), **extra}
    return client.post(action, data=data)


# -- signing in ----------------------------------------------------------------


def test_right_password_signs_in_and_goes_home(client, make_user, login):
    user = make_user()

    response = login(user)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = page_text(client.get("/", follow_redirects=True))
    assert f"Welcome, {user.full_name}." in home
    assert "Your learning" in home
    assert client.get("/account").status_code == 200


def test_email_is_accepted_in_any_case_and_with_spaces(client, make_user, csrf_token):
    user = make_user(email="ana.lopez@example.org")

    response = _login_form(client, csrf_token, "  Ana.Lopez@EXAMPLE.org ", user.password)

    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client, make_user, csrf_token, user_count):
    user = make_user()
    users_before = user_count()

    wrong_password = _login_form(client, csrf_token, user.email, "not the password at all")
    unknown_email = _login_form(client, csrf_token, "nobody@example.org", user.password)

    assert wrong_password.status_code == unknown_email.status_code == 422
    assert LOGIN_FAILED in page_text(wrong_password)
    assert LOGIN_FAILED in page_text(unknown_email)
    assert user_count() == users_before
    assert client.get("/account").status_code == 302


def test_malformed_email_gets_a_field_message(client, csrf_token):
    response = _login_form(client, csrf_token, "not-an-email", "whatever it is")

    assert response.status_code == 422
    assert "Enter an email address in the form name@example.org." in page_text(response)


def test_empty_form_asks_for_both_fields(client, csrf_token):
    response = _login_form(client, csrf_token, "", "")

    assert response.status_code == 422
    body = page_text(response)
    assert "Enter an email address." in body
    assert "Enter your password." in body


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("a" * 10_000, "some password"),
        ("a" * 10_000 + "@example.org", "some password"),
        ("learner1@example.org", "p" * 10_000),
    ],
    ids=["long-text", "long-email", "long-password"],
)
def test_very_long_input_is_refused_without_an_error_page(
    client, make_user, csrf_token, email, password
):
    make_user()

    response = _login_form(client, csrf_token, email, password)

    assert response.status_code == 422
    assert "There is a problem" in page_text(response)


def test_deactivated_account_is_told_so_with_the_right_password(client, make_user, csrf_token):
    user = make_user(active=False)

    response = _login_form(client, csrf_token, user.email, user.password)

    assert response.status_code == 422
    assert "This account has been deactivated." in page_text(response)
    assert client.get("/account").status_code == 302


def test_deactivated_account_with_a_wrong_password_gets_the_usual_message(
    client, make_user, csrf_token
):
    user = make_user(active=False)

    response = _login_form(client, csrf_token, user.email, "not the password at all")

    assert response.status_code == 422
    assert LOGIN_FAILED in page_text(response)
    assert "deactivated" not in page_text(response)


def test_signed_in_person_visiting_login_goes_home(client, make_user, login):
    login(make_user())

    response = client.get("/login")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# -- remember me ---------------------------------------------------------------


def test_remember_me_sets_a_protected_long_lived_cookie(client, make_user, login):
    login(make_user(), remember="y")

    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.max_age is not None or cookie.expires is not None


def test_without_remember_me_there_is_no_remember_cookie(client, make_user, login):
    login(make_user())

    assert client.get_cookie("remember_token") is None


def test_remember_me_keeps_the_person_signed_in_after_the_browser_closes(client, make_user, login):
    login(make_user(), remember="y")
    client.delete_cookie("session")  # a session cookie ends with the browser

    assert client.get("/account").status_code == 200


# -- where sign-in leads -------------------------------------------------------


def test_next_page_on_this_site_is_followed(client, make_user, csrf_token):
    user = make_user()

    response = _login_form(client, csrf_token, user.email, user.password, next_url="/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_next_page_survives_a_failed_attempt(client, make_user, csrf_token):
    user = make_user()

    failed = _login_form(client, csrf_token, user.email, "not the password", next_url="/account")

    assert 'action="/login?next=/account"' in page_text(failed)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_next_page_elsewhere_is_ignored(client, make_user, csrf_token, target):
    user = make_user()

    response = _login_form(client, csrf_token, user.email, user.password, next_url=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
def test_signed_in_person_is_not_sent_elsewhere_either(client, make_user, login, target):
    login(make_user())

    response = client.get(f"/login?next={quote(target, safe='')}")

    assert response.headers["Location"] == "/"


def test_signed_out_visitor_is_sent_to_login_and_back(client, make_user, csrf_token):
    user = make_user()

    first = client.get("/account")
    assert first.status_code == 302
    assert first.headers["Location"] == "/login?next=%2Faccount"
    assert "Please sign in to see that page." in page_text(client.get(first.headers["Location"]))

    response = _login_form(client, csrf_token, user.email, user.password, next_url="/account")
    assert response.headers["Location"] == "/account"


# -- signing out ---------------------------------------------------------------


def test_sign_out_is_a_form_post(client, make_user, login, submit):
    login(make_user())

    response = submit("/account", {}, action="/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    after = client.get("/account")
    assert after.status_code == 302
    assert after.headers["Location"] == "/login?next=%2Faccount"


def test_sign_out_by_link_is_refused_with_a_page(client, make_user, login):
    login(make_user())

    response = client.get("/logout")

    assert response.status_code == 405
    assert "This page can&#39;t be used that way." in page_text(response)
    assert client.get("/account").status_code == 200


def test_sign_out_without_the_form_token_is_refused(client, make_user, login):
    login(make_user())

    response = client.post("/logout")

    assert response.status_code == 400
    assert "This form has expired" in page_text(response)
    assert client.get("/account").status_code == 200


def test_sign_out_also_forgets_remember_me(client, make_user, login, submit):
    login(make_user(), remember="y")

    submit("/account", {}, action="/logout")
    client.delete_cookie("session")

    assert client.get_cookie("remember_token") is None
    assert client.get("/account").status_code == 302


# -- cookies that were not made here -------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "eyJfdXNlcl9pZCI6IjE6YWJjIn0.invalid.signature",
        "." * 4000,
    ],
)
def test_unreadable_session_cookie_is_treated_as_signed_out(client, make_user, value):
    make_user()
    client.set_cookie("session", value)

    response = client.get("/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"


def test_altered_session_cookie_is_treated_as_signed_out(client, make_user, login):
    login(make_user())
    genuine = client.get_cookie("session").value
    client.set_cookie("session", genuine[:-3] + ("AAA" if genuine[-3:] != "AAA" else "BBB"))

    assert client.get("/account").status_code == 302


def _session_cookie(app, secret_key: str, data: dict) -> str:
    """A session cookie as Flask writes it, signed with ``secret_key``."""
    signer = app.session_interface.get_signing_serializer(
        SimpleNamespace(secret_key=secret_key, config={"SECRET_KEY_FALLBACKS": None})
    )
    return signer.dumps(data)


def _admin_session(app, make_user, secret_key: str | None = None) -> str:
    admin = make_user("administrator")
    with app.app_context():
        user_id = db.session.get(User, admin.id).get_id()
    return _session_cookie(app, secret_key or app.secret_key, {"_user_id": user_id})


def test_session_cookie_signed_with_this_site_key_signs_in(client, app, make_user):
    # The control for the test below: the forged cookie is right in every other way.
    client.set_cookie("session", _admin_session(app, make_user))

    assert client.get("/admin/users").status_code == 200


def test_session_cookie_signed_with_another_key_is_refused(client, app, make_user):
    client.set_cookie("session", _admin_session(app, make_user, "someone-else's-secret-key"))

    response = client.get("/admin/users")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fusers"


def test_remember_cookie_that_was_tampered_with_is_ignored(client, make_user):
    user = make_user()
    client.set_cookie("remember_token", f"{user.id}:whatever|0000")

    assert client.get("/account").status_code == 302


def test_deactivation_signs_the_person_out(client, app, make_user, login):
    user = make_user()
    login(user, remember="y")
    with app.app_context():
        services.set_active(db.session.get(User, user.id), False, actor=None, via="cli")
        db.session.commit()

    assert client.get("/account").status_code == 302
