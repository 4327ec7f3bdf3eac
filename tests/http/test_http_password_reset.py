"""Forgotten password: the request, the mail, the link and the new password."""

from __future__ import annotations

import pytest
from itsdangerous.timed import TimestampSigner

from lms.accounts import services
from lms.extensions import db
from tests.http.conftest import page_text, path_of

RESET_SENT = "If an account uses that address, we have sent it a link"
LINK_DEAD = "This link no longer works"
NEW_PASSWORD = "a brand new passphrase for spring"


@pytest.fixture
def choose_password(submit):
    """Opens a reset link and sends the new password twice."""

    def send(link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
        data = {"password": password, "confirm": password if confirm is None else confirm}
        return submit(path_of(link), data)

    return send


# -- asking for a link ---------------------------------------------------------


def test_known_email_gets_one_mail_with_a_link(client, make_user, request_reset, outbox):
    user = make_user()

    response = request_reset(user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert RESET_SENT in page_text(client.get("/login"))
    messages = outbox()
    assert len(messages) == 1
    assert messages[0]["To"] == user.email
    assert "http://lms.test/reset-password/" in messages[0].get_body(("plain",)).get_content()


def test_email_in_another_case_still_gets_the_mail(make_user, request_reset, outbox):
    user = make_user(email="ana.lopez@example.org")

    request_reset("ANA.Lopez@Example.ORG")

    assert [m["To"] for m in outbox()] == [user.email]


def test_unknown_email_gets_the_same_answer_and_no_mail(client, request_reset, outbox):
    response = request_reset("nobody@example.org")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert RESET_SENT in page_text(client.get("/login"))
    assert outbox() == []


def test_deactivated_account_gets_the_same_answer_and_no_mail(
    client, make_user, request_reset, outbox
):
    user = make_user(active=False)

    response = request_reset(user.email)

    assert response.status_code == 302
    assert RESET_SENT in page_text(client.get("/login"))
    assert outbox() == []


@pytest.mark.parametrize("email", ["not-an-email", "", "a" * 10_000])
def test_malformed_email_gets_a_message(request_reset, outbox, email):
    response = request_reset(email)

    assert response.status_code == 422
    assert "There is a problem" in page_text(response)
    assert outbox() == []


def test_mails_to_one_account_are_capped_but_the_answer_is_the_same(
    app, client, make_user, request_reset, outbox
):
    user = make_user()
    cap = app.config["RESET_MAX_REQUESTS_PER_ACCOUNT"]

    for _ in range(cap + 2):
        response = request_reset(user.email)
        assert response.status_code == 302
        assert RESET_SENT in page_text(client.get("/login"))

    assert len(outbox()) == cap


def test_many_requests_from_one_address_are_asked_to_wait(app, request_reset):
    for n in range(app.config["RESET_MAX_REQUESTS_PER_ADDRESS"]):
        assert request_reset(f"someone{n}@example.org").status_code == 302

    response = request_reset("one.more@example.org")

    assert response.status_code == 429
    assert "Too many requests from this connection. Please wait" in page_text(response)


# -- using the link ------------------------------------------------------------


def test_link_opens_the_form_for_that_account(client, make_user, request_reset, reset_link):
    user = make_user()
    request_reset(user.email)

    response = client.get(path_of(reset_link()))

    assert response.status_code == 200
    body = page_text(response)
    assert "Choose a new password" in body
    assert user.email in body


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 12 characters"),
        ("learner1 is my password", "learner1 is my password", "Don&#39;t use your email"),
        ("x" * 20, "x" * 20, "Don&#39;t repeat a single character."),
        ("p" * 10_000, "p" * 10_000, "Use at most 256 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same."),
    ],
    ids=["short", "email", "repeated", "very-long", "mismatch"],
)
def test_weak_or_mismatched_password_is_refused_with_the_rule(
    make_user, request_reset, reset_link, choose_password, can_sign_in, password, confirm, message
):
    user = make_user()
    request_reset(user.email)

    response = choose_password(reset_link(), password, confirm)

    assert response.status_code == 422
    assert message in page_text(response)
    assert can_sign_in(user.email, user.password)


def test_new_password_replaces_the_old_one(
    make_user, request_reset, reset_link, choose_password, can_sign_in
):
    user = make_user()
    request_reset(user.email)

    response = choose_password(reset_link())

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert can_sign_in(user.email, NEW_PASSWORD)
    assert not can_sign_in(user.email, user.password)


def test_account_without_a_password_can_choose_one(
    app, request_reset, reset_link, choose_password, can_sign_in
):
    with app.app_context():
        services.create_user(email="invited@example.org", full_name="Invited Person", via="cli")
        db.session.commit()
    assert not can_sign_in("invited@example.org", "")

    request_reset("invited@example.org")
    assert choose_password(reset_link()).status_code == 302

    assert can_sign_in("invited@example.org", NEW_PASSWORD)


def test_link_works_once(client, make_user, request_reset, reset_link, choose_password):
    user = make_user()
    request_reset(user.email)
    link = reset_link()
    choose_password(link)

    opened = client.get(path_of(link))
    sent = client.post(path_of(link), data={"password": "x", "confirm": "x"})

    assert opened.status_code == 400
    assert LINK_DEAD in page_text(opened)
    assert sent.status_code == 400


def test_older_link_stops_working_when_a_newer_one_is_used(
    client, make_user, request_reset, reset_link, choose_password
):
    user = make_user()
    request_reset(user.email)
    first = reset_link()
    request_reset(user.email)
    second = reset_link()

    choose_password(second)

    assert client.get(path_of(first)).status_code == 400


def test_expired_link_is_refused(app, client, make_user, request_reset, reset_link, monkeypatch):
    user = make_user()
    request_reset(user.email)
    link = reset_link()
    max_age = app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    real_timestamp = TimestampSigner.get_timestamp

    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + max_age - 60
    )
    assert client.get(path_of(link)).status_code == 200

    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + max_age + 1
    )
    response = client.get(path_of(link))
    assert response.status_code == 400
    assert LINK_DEAD in page_text(response)


def test_link_to_a_changed_email_stops_working(
    client, make_user, request_reset, reset_link, login, submit
):
    # The mail went to the old address; once the owner moves the account to a
    # new address, whoever reads the old mailbox must not be able to use it.
    user = make_user()
    request_reset(user.email)
    link = reset_link()
    login(user)
    changed = submit(
        "/account",
        {"email-email": "new.address@example.org", "email-current_password": user.password},
        action="/account/email",
        csrf_field="email-csrf_token",
    )
    assert changed.status_code == 302

    assert client.get(path_of(link)).status_code == 400


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a" * 600,
        "a" * 10_000,
        "eyJ1IjoxLCJmIjoieCJ9.Zz9fAA.c2lnbmF0dXJl",
        "..",
        "%00",
        "%C3%A9t%C3%A9",
        "%FF%FE",
    ],
    ids=["garbage", "600", "10000", "forged", "dots", "nul", "unicode", "bad-utf8"],
)
def test_broken_links_say_so_and_never_fail(client, make_user, token):
    make_user()

    response = client.get(f"/reset-password/{token}")

    assert response.status_code == 400
    assert LINK_DEAD in page_text(response)


def test_setup_link_is_not_a_reset_link(client, make_user, setup_link):
    make_user()
    token = setup_link().rsplit("/", 1)[1]

    assert client.get(f"/reset-password/{token}").status_code == 400
