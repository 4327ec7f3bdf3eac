"""The first-run link that creates the first administrator."""

from __future__ import annotations

import pytest
from itsdangerous.timed import TimestampSigner

from lms.accounts import services, tokens
from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import csrf_token_from
from tests.http.conftest import page_text, path_of

PASSWORD = "the first administrator's passphrase"
GOOD = {
    "full_name": "Grace Adeyemi",
    "email": "grace@example.org",
    "profession": "Attending physician",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


@pytest.fixture
def create_admin(submit, setup_link):
    """Opens a fresh setup link and sends the form with ``GOOD`` overridden by ``changes``."""

    def send(link: str | None = None, **changes):
        return submit(path_of(link or setup_link()), {**GOOD, **changes})

    return send


def test_link_is_printed_as_a_public_address(setup_link):
    assert setup_link().startswith("http://lms.test/setup/")


def test_link_shows_the_form(client, setup_link):
    response = client.get(path_of(setup_link()))

    assert response.status_code == 200
    assert "Create the first administrator" in page_text(response)


def test_creating_the_administrator_leads_to_sign_in(
    client, setup_link, create_admin, stored_user, submit
):
    link = setup_link()

    response = create_admin(link)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Your administrator account is ready." in page_text(client.get("/login"))
    admin = stored_user(email=GOOD["email"])
    assert admin.role == "administrator"
    assert admin.full_name == GOOD["full_name"]
    assert admin.profession == GOOD["profession"]
    signed_in = submit("/login", {"email": "Grace@Example.org", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_used_link_is_gone(client, setup_link, create_admin):
    link = setup_link()
    create_admin(link)

    response = client.get(path_of(link))

    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_a_second_post_with_the_used_link_creates_nothing(
    client, setup_link, create_admin, user_count
):
    link = setup_link()
    token = csrf_token_from(page_text(client.get(path_of(link))))
    create_admin(link)

    response = client.post(
        path_of(link), data={**GOOD, "email": "mallory@example.org", "csrf_token": token}
    )

    assert response.status_code == 404
    assert user_count() == 1


def test_no_fresh_link_once_an_administrator_exists(app, client, make_user, setup_link):
    make_user("administrator")
    assert setup_link() is None
    with app.app_context():
        token = tokens.make_setup_token()

    assert client.get(f"/setup/{token}").status_code == 404


def test_used_link_stays_gone_when_the_administrator_is_deactivated(
    app, client, setup_link, create_admin
):
    # The page promises the link "stops working once it has been used".
    link = setup_link()
    create_admin(link)
    with app.app_context():
        admin = db.session.execute(db.select(User)).scalar_one()
        services.set_active(admin, False, actor=None, via="cli")
        db.session.commit()

    assert client.get(path_of(link)).status_code == 404


@pytest.mark.parametrize(
    "token", ["garbage", "a" * 600, "a" * 10_000, "%00", "eyJwdXJwb3NlIjoieCJ9.AAAA.BBBB"]
)
def test_invalid_link_is_not_found(client, token):
    response = client.get(f"/setup/{token}")

    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_reset_link_is_not_a_setup_link(app, client, make_user):
    user = make_user()
    with app.app_context():
        token = tokens.make_reset_token(db.session.get(User, user.id))

    assert client.get(f"/setup/{token}").status_code == 404


def test_expired_link_is_not_found(app, client, setup_link, monkeypatch):
    link = setup_link()
    real_timestamp = TimestampSigner.get_timestamp
    later = app.config["SETUP_LINK_MAX_AGE_SECONDS"] + 1
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + later)

    assert client.get(path_of(link)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"confirm": PASSWORD + "!"}, "The two passwords are not the same."),
        ({"email": "grace.example.org"}, "Enter an email address in the form name@example.org."),
        ({"email": ""}, "Enter an email address."),
        ({"full_name": ""}, "Enter your full name."),
        ({"full_name": "G" * 10_000}, "A name has at most 200 characters."),
        ({"profession": "p" * 10_000}, "Use at most 120 characters."),
        ({"password": "short", "confirm": "short"}, "Use at least 12 characters"),
        (
            {"password": "grace@example.org", "confirm": "grace@example.org"},
            "Don&#39;t use your email address in your password.",
        ),
    ],
    ids=[
        "mismatch",
        "malformed-email",
        "no-email",
        "no-name",
        "long-name",
        "long-profession",
        "short-password",
        "email-as-password",
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(
    create_admin, user_count, changes, message
):
    response = create_admin(**changes)

    assert response.status_code == 422
    assert message in page_text(response)
    assert user_count() == 0


@pytest.mark.parametrize("field", ["full_name", "profession"])
def test_nul_character_is_refused_with_a_message(create_admin, user_count, field):
    # PostgreSQL cannot store U+0000 in text: unless the form refuses it, the
    # request fails there with an error page.
    response = create_admin(**{field: "Grace\x00Adeyemi"})

    assert response.status_code == 422
    assert "cannot contain control characters" in page_text(response)
    assert user_count() == 0


def test_email_already_used_is_refused(make_user, create_admin, user_count):
    make_user(email="grace@example.org")

    response = create_admin(email="GRACE@example.org")

    assert response.status_code == 422
    assert "An account with this email address already exists." in page_text(response)
    assert user_count() == 1


def test_form_keeps_what_was_typed_except_passwords(create_admin):
    body = page_text(create_admin(confirm="something else entirely"))

    assert 'value="Grace Adeyemi"' in body
    assert 'value="grace@example.org"' in body
    assert PASSWORD not in body
