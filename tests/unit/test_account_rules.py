"""Account rules called directly: no HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import services, tokens
from lms.accounts.models import ThrottleEvent, User
from lms.accounts.passwords import hash_password, password_problems, verify_password
from lms.audit import AuditEvent
from lms.extensions import db, utcnow
from tests.conftest import PASSWORD


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def _user_count() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


# -- email -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ana.Lopez@Example.ORG", "ana.lopez@example.org"),
        ("  nurse@clinic.example.org ", "nurse@clinic.example.org"),
    ],
)
def test_emails_are_stored_in_one_case(ctx, raw, stored):
    assert services.normalise_email(raw) == stored


@pytest.mark.parametrize(
    "raw", ["", "not-an-email", "a@", "@b.org", "a b@c.org", "x" * 300 + "@e.org"]
)
def test_malformed_emails_are_refused_with_a_message(ctx, raw):
    with pytest.raises(services.AccountError) as caught:
        services.normalise_email(raw)
    assert caught.value.field == "email"
    assert caught.value.message


# -- passwords ---------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(ctx):
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")


def test_verifying_against_no_hash_is_false(ctx):
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 12 characters"),
        ("x" * 300, "at most 256"),
        ("ana.lopez@example.org", "email address"),
        ("my-name-is-ana.lopez-ok", "email address"),
        ("aaaaaaaaaaaaaa", "single character"),
        ("Ana Maria Lopez", "name"),
    ],
)
def test_password_rules_explain_the_refusal(ctx, password, fragment):
    problems = password_problems(
        password, email="ana.lopez@example.org", full_name="Ana Maria Lopez"
    )
    assert any(fragment in p for p in problems), problems


def test_a_long_passphrase_is_accepted(ctx):
    assert password_problems(PASSWORD, email="ana@example.org", full_name="Ana Lopez") == []


# -- creating accounts ---------------------------------------------------------


def test_create_user_records_an_audit_event(ctx):
    user = services.create_user(
        email="Nurse@Example.org",
        full_name="  Kofi   Mensah ",
        role="instructor",
        password=PASSWORD,
    )
    db.session.commit()
    assert user.email == "nurse@example.org"
    assert user.full_name == "Kofi Mensah"
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.action, event.target_id, event.after["role"]) == (
        "user.create",
        str(user.id),
        "instructor",
    )


def test_email_is_unique_whatever_its_case(ctx, make_user):
    make_user(email="dup@example.org")
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_user(email="DUP@example.org", full_name="Other", password=PASSWORD)
    db.session.rollback()
    assert _user_count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": "x" * 10_000}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"profession": "p" * 500}, "profession"),
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
        ({"email": "nope"}, "email"),
    ],
)
def test_bad_account_details_write_nothing(ctx, changes, field):
    details = {"email": "new@example.org", "full_name": "New Person", "password": PASSWORD}
    with pytest.raises(services.AccountError) as caught:
        services.create_user(**(details | changes))
    assert caught.value.field == field
    db.session.rollback()
    assert _user_count() == 0


def test_names_in_any_script_are_kept_as_written(ctx):
    for name in ["Nguyễn Thị Ánh", "José Ångström-Øberg", "Zoë O'Brien-Smith", "Фатима Алиева"]:
        user = services.create_user(
            email=f"u{len(name)}{ord(name[0])}@example.org", full_name=name, password=PASSWORD
        )
        assert user.full_name == name


def test_only_one_first_administrator(ctx):
    services.create_first_administrator(
        email="admin@example.org", full_name="Admin", profession="", password=PASSWORD
    )
    db.session.commit()
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_first_administrator(
            email="second@example.org", full_name="Second", profession="", password=PASSWORD
        )


# -- signing in and throttling -----------------------------------------------------


def test_authenticate_accepts_the_right_password_only(ctx, make_user):
    user = make_user()
    now = utcnow()
    assert services.authenticate(user.email, "wrong password!!", "10.0.0.1", now).user is None
    outcome = services.authenticate(user.email.upper(), user.password, "10.0.0.1", now)
    assert outcome.user is not None and outcome.user.id == user.id
    assert outcome.user.last_login_at == now


def test_unknown_email_and_wrong_password_look_the_same(ctx, make_user):
    user = make_user()
    now = utcnow()
    unknown = services.authenticate("nobody@example.org", "whatever pass", "10.0.0.1", now)
    wrong = services.authenticate(user.email, "whatever pass", "10.0.0.1", now)
    assert unknown == wrong == services.LoginOutcome()


def test_deactivated_account_cannot_sign_in(ctx, make_user):
    user = make_user(active=False)
    outcome = services.authenticate(user.email, user.password, "10.0.0.1", utcnow())
    assert outcome.user is None and outcome.inactive


def test_too_many_failures_block_the_account_for_a_while(app, ctx, make_user):
    user = make_user()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    window = app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    start = utcnow()
    for i in range(limit):
        services.authenticate(user.email, "wrong password!!", f"10.0.0.{i}", start)
    blocked = services.authenticate(user.email, user.password, "10.0.1.1", start)
    assert blocked.user is None and 0 < blocked.retry_after_seconds <= window
    later = start + timedelta(seconds=window + 1)
    assert services.authenticate(user.email, user.password, "10.0.1.1", later).user is not None


def test_a_blocked_address_is_blocked_for_every_account(app, ctx, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    user = make_user()
    now = utcnow()
    for i in range(3):
        services.authenticate(f"guess{i}@example.org", "wrong password!!", "203.0.113.9", now)
    assert services.authenticate(user.email, user.password, "203.0.113.9", now).retry_after_seconds
    assert services.authenticate(user.email, user.password, "203.0.113.10", now).user is not None


def test_a_new_password_lifts_the_block_and_ends_other_sessions(app, ctx, make_user):
    record = make_user()
    now = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        services.authenticate(record.email, "wrong password!!", "10.0.0.1", now)
    user = db.session.get(User, record.id)
    old_session = user.get_id()
    services.set_password(user, "another long passphrase")
    assert services.load_user_from_session(old_session) is None
    assert services.load_user_from_session(user.get_id()) is user
    ok = services.authenticate(record.email, "another long passphrase", "10.0.0.1", now)
    assert ok.user is not None


def test_throttle_keys_never_store_what_was_typed(app, ctx):
    services.authenticate("secret-typo@example.org", "pw pw pw pw pw", "10.0.0.1", utcnow())
    keys = db.session.execute(select(ThrottleEvent.key)).scalars().all()
    assert keys and not any("secret-typo" in k or "10.0.0.1" in k for k in keys)


def test_old_throttle_events_are_pruned(app, ctx):
    window = app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    start = utcnow()
    services.authenticate("a@example.org", "pw pw pw pw pw", "10.0.0.1", start)
    later = start + timedelta(seconds=window + 5)
    services.authenticate("a@example.org", "pw pw pw pw pw", "10.0.0.1", later)
    ats = db.session.execute(select(ThrottleEvent.at)).scalars().all()
    assert ats and min(ats) == later


# -- sessions, roles, deactivation ----------------------------------------------------


@pytest.mark.parametrize("cookie_id", ["", "abc", "1", "1:", ":token", "999:token", "1:wrong"])
def test_session_loader_refuses_anything_but_a_current_token(ctx, make_user, cookie_id):
    make_user()
    assert services.load_user_from_session(cookie_id) is None


def test_role_changes_are_audited(ctx, make_user):
    record = make_user()
    user = db.session.get(User, record.id)
    services.set_role(user, "instructor", actor=None, via="cli")
    services.set_role(user, "instructor", actor=None, via="cli")  # no change, no row
    db.session.commit()
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "user.role"))
    (event,) = events.scalars().all()
    assert (event.before, event.after, event.via) == (
        {"role": "learner"},
        {"role": "instructor"},
        "cli",
    )


def test_deactivation_ends_sessions_and_is_audited(ctx, make_user):
    record = make_user()
    user = db.session.get(User, record.id)
    session_id = user.get_id()
    services.set_active(user, False, actor=None, via="cli")
    db.session.commit()
    assert services.load_user_from_session(session_id) is None
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "user.deactivate" in actions


def test_email_change_needs_the_password_and_a_free_address(ctx, make_user):
    make_user(email="taken@example.org")
    record = make_user(email="me@example.org")
    user = db.session.get(User, record.id)
    with pytest.raises(services.AccountError, match="current password"):
        services.change_email(user, "wrong", "new@example.org")
    with pytest.raises(services.AccountError, match="already exists"):
        services.change_email(user, record.password, "TAKEN@example.org")
    services.change_email(user, record.password, "New@Example.org")
    assert user.email == "new@example.org"


# -- signed links ------------------------------------------------------------------------


def test_reset_token_works_once(ctx, make_user):
    record = make_user()
    user = db.session.get(User, record.id)
    token = tokens.make_reset_token(user)
    assert tokens.user_for_reset_token(token) is user
    services.set_password(user, "a different passphrase")
    db.session.commit()
    assert tokens.user_for_reset_token(token) is None


def test_reset_token_expires(app, ctx, make_user):
    record = make_user()
    token = tokens.make_reset_token(db.session.get(User, record.id))
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = -1
    assert tokens.user_for_reset_token(token) is None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000])
def test_forged_tokens_are_refused(ctx, token):
    assert tokens.user_for_reset_token(token) is None
    assert not tokens.setup_token_is_valid(token)


def test_a_reset_token_is_not_a_setup_token(ctx, make_user):
    record = make_user()
    token = tokens.make_reset_token(db.session.get(User, record.id))
    assert not tokens.setup_token_is_valid(token)
    assert tokens.user_for_reset_token(tokens.make_setup_token()) is None


def test_setup_link_exists_only_while_no_administrator_does(ctx, make_user):
    assert services.setup_link().startswith("http://lms.test/setup/")
    make_user(role="administrator")
    assert services.setup_link() is None


# -- administration ------------------------------------------------------------------------


def _update_events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "user.update").order_by(AuditEvent.id)
    return list(db.session.execute(query).scalars())


def test_update_user_records_one_event_with_the_changed_fields_only(ctx, make_user):
    admin = db.session.get(User, make_user("administrator").id)
    user = db.session.get(User, make_user(full_name="Ana Lopez", profession="Midwife").id)
    old_email = user.email

    changed = services.update_user(
        user,
        email=" Ana@Example.org ",
        full_name="Ana  López",
        profession="Midwife",
        actor=admin,
        via="web",
    )
    db.session.commit()

    assert changed == ["email", "full_name"]
    assert (user.email, user.full_name, user.profession) == (
        "ana@example.org",
        "Ana López",
        "Midwife",
    )
    (event,) = _update_events()
    assert event.before == {"email": old_email, "full_name": "Ana Lopez"}
    assert event.after == {"email": "ana@example.org", "full_name": "Ana López"}
    assert (event.actor_id, event.via, event.target_id) == (admin.id, "web", str(user.id))


def test_update_user_with_nothing_new_records_nothing(ctx, make_user):
    user = db.session.get(User, make_user().id)
    changed = services.update_user(
        user,
        email=user.email.upper(),
        full_name=user.full_name,
        profession=user.profession,
        actor=None,
        via="cli",
    )
    assert changed == []
    assert _update_events() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"email": "taken@example.org"}, "email"),
        ({"full_name": "x" * 10_000}, "full_name"),
        ({"full_name": " "}, "full_name"),
        ({"full_name": "Bell\x07Name"}, "full_name"),
        ({"profession": "p" * 121}, "profession"),
    ],
)
def test_update_user_refuses_bad_details_and_changes_nothing(ctx, make_user, changes, field):
    make_user(email="taken@example.org")
    user = db.session.get(User, make_user().id)
    before = (user.email, user.full_name, user.profession)
    details = {"email": user.email, "full_name": user.full_name, "profession": "", **changes}

    with pytest.raises(services.AccountError) as refused:
        services.update_user(user, **details, actor=None, via="cli")

    assert refused.value.field == field
    assert (user.email, user.full_name, user.profession) == before
    assert _update_events() == []


def test_an_email_change_ends_earlier_links(ctx, make_user):
    user = db.session.get(User, make_user().id)
    token = tokens.make_reset_token(user)
    services.update_user(
        user,
        email="new@example.org",
        full_name=user.full_name,
        profession="",
        actor=None,
        via="cli",
    )
    assert tokens.user_for_reset_token(token) is None


def test_administrators_cannot_lock_themselves_out(ctx, make_user):
    admin = db.session.get(User, make_user("administrator").id)
    with pytest.raises(services.AccountError, match="own administrator role") as refused:
        services.set_role(admin, "learner", actor=admin, via="web")
    assert refused.value.field == "role"
    with pytest.raises(services.AccountError, match="deactivate your own account"):
        services.set_active(admin, False, actor=admin, via="web")
    assert (admin.role, admin.active) == ("administrator", True)
    # Another administrator, or the command line, may.
    other = db.session.get(User, make_user("administrator").id)
    services.set_role(admin, "instructor", actor=other, via="web")
    services.set_active(admin, False, actor=None, via="cli")
    assert (admin.role, admin.active) == ("instructor", False)


def test_user_filters(ctx, make_user):
    make_user(full_name="Ana López", email="ana@example.org")
    make_user("instructor", full_name="Bo 50% Chen", email="bo@example.org", active=False)
    invited = services.create_user(email="cy@example.org", full_name="Cy", via="cli")
    db.session.commit()

    def emails(**filters) -> list[str]:
        return [u.email for u in services.users_matching(services.UserFilters(**filters))]

    assert emails(search="lóp") == ["ana@example.org"]
    assert emails(search="50%") == ["bo@example.org"]
    assert emails(search="%") == ["bo@example.org"]
    assert emails(role="instructor") == ["bo@example.org"]
    assert emails(status="deactivated") == ["bo@example.org"]
    assert emails(status="invited") == [invited.email]
    assert emails(status="active") == ["ana@example.org"]
    assert services.status_of(invited) is services.UserStatus.INVITED
    with pytest.raises(services.AccountError, match="Unknown status"):
        emails(status="gone")
    with pytest.raises(services.AccountError, match="Unknown role"):
        emails(role="root")
