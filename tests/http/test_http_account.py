"""The account page: name, email and password, changed by their owner."""

from __future__ import annotations

import pytest

from tests.http.conftest import page_text

NEW_PASSWORD = "another long passphrase here"


@pytest.fixture
def me(make_user, login):
    """A learner, signed in in ``client``."""
    user = make_user(email="ana.lopez@example.org", full_name="Ana López")
    login(user)
    return user


@pytest.fixture
def save_profile(submit):
    def send(full_name: str, profession: str = "Registered nurse", **kwargs):
        return submit(
            "/account",
            {"full_name": full_name, "profession": profession},
            action="/account/profile",
            **kwargs,
        )

    return send


@pytest.fixture
def change_email(submit):
    def send(email: str, current_password: str, **kwargs):
        return submit(
            "/account",
            {"email-email": email, "email-current_password": current_password},
            action="/account/email",
            csrf_field="email-csrf_token",
            **kwargs,
        )

    return send


@pytest.fixture
def change_password(submit):
    def send(current: str, new: str = NEW_PASSWORD, confirm: str | None = None, **kwargs):
        return submit(
            "/account",
            {
                "password-current_password": current,
                "password-new_password": new,
                "password-confirm": new if confirm is None else confirm,
            },
            action="/account/password",
            csrf_field="password-csrf_token",
            **kwargs,
        )

    return send


def test_account_page_shows_the_person(client, me):
    response = client.get("/account")

    assert response.status_code == 200
    body = page_text(response)
    assert me.email in body
    assert 'value="Ana López"' in body
    assert "Learner" in body


# -- name ----------------------------------------------------------------------


def test_name_change_is_saved(client, me, save_profile, stored_user):
    response = save_profile("  Ana   María López ", "Midwife")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Your details have been saved." in page_text(client.get("/account"))
    stored = stored_user(me.id)
    assert stored.full_name == "Ana María López"
    assert stored.profession == "Midwife"


@pytest.mark.parametrize(
    ("full_name", "profession", "message"),
    [
        ("A" * 10_000, "Midwife", "A name has at most 200 characters."),
        ("   ", "Midwife", "Enter your full name."),
        ("Ana López", "p" * 10_000, "Use at most 120 characters."),
    ],
    ids=["very-long-name", "blank-name", "very-long-profession"],
)
def test_bad_details_are_refused_and_nothing_changes(
    me, save_profile, stored_user, full_name, profession, message
):
    response = save_profile(full_name, profession)

    assert response.status_code == 422
    assert message in page_text(response)
    stored = stored_user(me.id)
    assert stored.full_name == me.full_name
    assert stored.profession == "Resident physician"


@pytest.mark.parametrize(
    ("full_name", "profession"),
    [("Ana\x00López", "Midwife"), ("Ana María López", "Mid\x00wife")],
    ids=["in-name", "in-profession"],
)
def test_nul_character_is_refused_with_a_message(
    me, save_profile, stored_user, full_name, profession
):
    # PostgreSQL cannot store U+0000 in text: unless the form refuses it, the
    # request fails there with an error page.
    response = save_profile(full_name, profession)

    assert response.status_code == 422
    assert "cannot contain control characters" in page_text(response)
    stored = stored_user(me.id)
    assert stored.full_name == me.full_name
    assert stored.profession == "Resident physician"


def test_name_with_markup_is_shown_as_text(client, me, save_profile):
    save_profile("<script>alert(1)</script>")

    body = page_text(client.get("/account"))

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# -- email ---------------------------------------------------------------------


def test_email_change_needs_the_current_password(me, change_email, stored_user):
    response = change_email("new.address@example.org", "not my password")

    assert response.status_code == 422
    assert "Your current password is not correct." in page_text(response)
    assert stored_user(me.id).email == me.email


def test_email_of_another_account_is_refused_in_any_case(make_user, me, change_email, stored_user):
    other = make_user(email="taken@example.org")

    response = change_email("TAKEN@Example.org", me.password)

    assert response.status_code == 422
    assert "An account with this email address already exists." in page_text(response)
    assert stored_user(me.id).email == me.email
    assert stored_user(other.id).email == other.email


@pytest.mark.parametrize("email", ["not-an-email", "a" * 10_000 + "@example.org", ""])
def test_malformed_new_email_is_refused(me, change_email, stored_user, email):
    response = change_email(email, me.password)

    assert response.status_code == 422
    assert "There is a problem" in page_text(response)
    assert stored_user(me.id).email == me.email


def test_email_change_lets_the_person_sign_in_with_the_new_address(
    client, me, change_email, can_sign_in
):
    response = change_email("Ana.New@Example.org", me.password)

    assert response.status_code == 302
    assert "Your email address has been changed." in page_text(client.get("/account"))
    assert can_sign_in("ana.new@example.org", me.password)
    assert not can_sign_in(me.email, me.password)


def test_own_email_in_another_case_says_it_is_already_yours(me, change_email, stored_user):
    response = change_email("ANA.LOPEZ@example.org", me.password)

    assert response.status_code == 422
    assert "That is already your email address." in response.get_data(as_text=True)
    assert stored_user(me.id).email == me.email


# -- password ------------------------------------------------------------------


def test_password_change_needs_the_current_password(me, change_password, can_sign_in):
    response = change_password("not my password")

    assert response.status_code == 422
    assert "Your current password is not correct." in page_text(response)
    assert can_sign_in(me.email, me.password)


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("short", "short", "Use at least 12 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same."),
        ("Ana López", "Ana López", "Use at least 12 characters"),
    ],
    ids=["short", "mismatch", "name"],
)
def test_weak_new_password_is_refused(me, change_password, can_sign_in, new, confirm, message):
    response = change_password(me.password, new, confirm)

    assert response.status_code == 422
    assert message in page_text(response)
    assert can_sign_in(me.email, me.password)


def test_password_change_keeps_this_browser_and_signs_out_the_others(
    app, client, me, change_password, can_sign_in, submit
):
    phone = app.test_client()
    submit("/login", {"email": me.email, "password": me.password}, via=phone)
    assert phone.get("/account").status_code == 200

    response = change_password(me.password)

    assert response.status_code == 302
    assert "Other devices have been signed out." in page_text(client.get("/account"))
    assert client.get("/account").status_code == 200
    signed_out = phone.get("/account")
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"] == "/login?next=%2Faccount"
    assert can_sign_in(me.email, NEW_PASSWORD)
    assert not can_sign_in(me.email, me.password)


def test_password_change_ends_remember_me_on_other_devices(app, me, change_password, submit):
    phone = app.test_client()
    submit("/login", {"email": me.email, "password": me.password, "remember": "y"}, via=phone)
    change_password(me.password)
    phone.delete_cookie("session")

    assert phone.get("/account").status_code == 302


@pytest.mark.parametrize("path", ["/account/profile", "/account/email", "/account/password"])
def test_account_forms_need_a_signed_in_person(submit, path):
    response = submit("/login", {"full_name": "Someone"}, action=path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_password_change_keeps_remember_me_on_this_device(
    client, make_user, login, change_password
):
    user = make_user()
    login(user, remember="y")

    assert change_password(user.password).status_code == 302
    client.delete_cookie("session")  # the browser was closed

    assert client.get("/account").status_code == 200
