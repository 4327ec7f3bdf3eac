"""Forms sent without the page's token are refused and change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from
from tests.http.conftest import page_text

EXPIRED = "This form has expired"


def _assert_expired_page(response) -> None:
    assert response.status_code == 400
    body = page_text(response)
    assert EXPIRED in body
    assert "Skip to main content" in body


@pytest.mark.parametrize("token", [None, "", "forged-token", "x" * 5000])
def test_login_without_a_valid_token_is_refused(client, make_user, token):
    user = make_user()
    data = {"email": user.email, "password": user.password}
    if token is not None:
        data["csrf_token"] = token

    _assert_expired_page(client.post("/login", data=data))
    assert client.get("/account").status_code == 302


def test_password_reset_request_without_a_token_sends_nothing(client, make_user, outbox):
    user = make_user()

    _assert_expired_page(client.post("/forgot-password", data={"email": user.email}))
    assert outbox() == []


def test_profile_change_without_a_token_changes_nothing(client, make_user, login, stored_user):
    user = make_user()
    login(user)

    response = client.post(
        "/account/profile", data={"full_name": "Someone Else", "profession": "Pharmacist"}
    )

    _assert_expired_page(response)
    assert stored_user(user.id).full_name == user.full_name


def test_token_from_another_visitor_is_refused(app, client, make_user, login, stored_user):
    user = make_user()
    login(user)
    attacker = app.test_client()
    attacker_token = csrf_token_from(page_text(attacker.get("/login")))

    response = client.post(
        "/account/profile", data={"full_name": "Someone Else", "csrf_token": attacker_token}
    )

    _assert_expired_page(response)
    assert stored_user(user.id).full_name == user.full_name


def test_email_change_without_a_token_changes_nothing(client, make_user, login, stored_user):
    user = make_user()
    login(user)

    response = client.post(
        "/account/email",
        data={"email-email": "new@example.org", "email-current_password": user.password},
    )

    _assert_expired_page(response)
    assert stored_user(user.id).email == user.email


def test_password_change_without_a_token_changes_nothing(client, make_user, login):
    user = make_user()
    login(user)
    new = "another long passphrase here"

    response = client.post(
        "/account/password",
        data={
            "password-current_password": user.password,
            "password-new_password": new,
            "password-confirm": new,
        },
    )

    _assert_expired_page(response)
    assert client.get("/account").status_code == 200
