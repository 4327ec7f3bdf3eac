"""Login throttling, per account and per client address, as a person meets it."""

from __future__ import annotations

import pytest

from tests.http.conftest import page_text, path_of

TOO_MANY = "Too many sign-in attempts"
WRONG = "not the password at all"
ANOTHER_ADDRESS = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def config_class(config_class):
    """Small limits, so that a test reaches them in a few requests."""

    class SmallLimits(config_class):
        LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
        LOGIN_MAX_FAILURES_PER_ADDRESS = 5
        LOGIN_THROTTLE_WINDOW_SECONDS = 600

    return SmallLimits


@pytest.fixture
def attempt(client, csrf_token):
    def send(email, password, **kwargs):
        return client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_token()},
            **kwargs,
        )

    return send


@pytest.fixture
def lock_out(app, attempt):
    """Fails to sign in as ``email`` as often as the per-account limit allows."""

    def fail(email):
        for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
            assert attempt(email, WRONG).status_code == 422

    return fail


def test_after_too_many_failures_even_the_right_password_waits(make_user, attempt, lock_out):
    user = make_user()
    lock_out(user.email)

    response = attempt(user.email, user.password)

    assert response.status_code == 429
    body = page_text(response)
    assert TOO_MANY in body
    assert "10 minutes" in body
    assert "reset your password" in body


def test_failures_below_the_limit_do_not_block(app, make_user, attempt):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        attempt(user.email, WRONG)

    assert attempt(user.email, user.password).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(app, client, make_user, attempt, submit):
    user = make_user()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        attempt(user.email, WRONG)
    assert attempt(user.email, user.password).status_code == 302
    submit("/dashboard", {}, action="/logout")

    for _ in range(limit - 1):
        attempt(user.email, WRONG)

    assert attempt(user.email, user.password).status_code == 302


def test_the_lock_counts_the_account_however_its_email_is_capitalised(make_user, attempt, lock_out):
    user = make_user(email="ana.lopez@example.org")
    lock_out("ANA.LOPEZ@example.org")

    assert attempt(" Ana.Lopez@Example.org ", user.password).status_code == 429


def test_the_lock_counts_the_account_however_its_email_is_spelled(make_user, attempt, lock_out):
    # "ｅxample.org" (a full-width e) and "example。org" (an ideographic full stop)
    # are the same address once normalised: they sign in to the same account, so
    # they must share its lock, or each spelling is a fresh set of guesses.
    user = make_user(email="ana.lopez@example.org")
    lock_out(user.email)

    assert attempt("ana.lopez@\uff45xample.org", user.password).status_code == 429
    assert attempt("ana.lopez@example\u3002org", user.password).status_code == 429


def test_the_lock_is_lifted_after_the_window(app, make_user, attempt, lock_out, clock):
    user = make_user()
    lock_out(user.email)
    assert attempt(user.email, user.password).status_code == 429

    clock.advance(app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] - 60)
    assert attempt(user.email, user.password).status_code == 429

    clock.advance(61)
    assert attempt(user.email, user.password).status_code == 302


def test_a_password_reset_lifts_the_lock(
    make_user, attempt, lock_out, request_reset, reset_link, submit
):
    user = make_user()
    lock_out(user.email)
    new_password = "a brand new passphrase for spring"

    request_reset(user.email)
    link = path_of(reset_link())
    assert submit(link, {"password": new_password, "confirm": new_password}).status_code == 302

    assert attempt(user.email, new_password).status_code == 302


def test_an_unknown_email_is_locked_the_same_way(attempt, lock_out):
    lock_out("nobody@example.org")

    response = attempt("nobody@example.org", WRONG)

    assert response.status_code == 429
    assert TOO_MANY in page_text(response)


def test_locked_account_does_not_lock_other_accounts(make_user, attempt, lock_out):
    locked, other = make_user(), make_user()
    lock_out(locked.email)

    assert attempt(other.email, other.password).status_code == 302


def test_failures_from_one_address_across_many_emails_block_that_address(app, make_user, attempt):
    user = make_user()
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        assert attempt(f"guess{n}@example.org", WRONG).status_code == 422

    response = attempt(user.email, user.password)

    assert response.status_code == 429
    assert TOO_MANY in page_text(response)


def test_another_address_is_not_blocked_by_one_address(app, make_user, attempt):
    user = make_user()
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        attempt(f"guess{n}@example.org", WRONG)

    response = attempt(user.email, user.password, environ_base=ANOTHER_ADDRESS)

    assert response.status_code == 302
