"""``flask --app lms users ...`` and ``flask --app lms setup`` through runner.invoke."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import mail
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.extensions import db
from lms.mail import OutgoingMail
from tests.admin_fixtures import cohort_with, invited_user
from tests.conftest import PASSWORD


def _users(app) -> list[tuple[str, str, bool]]:
    with app.app_context():
        rows = db.session.execute(select(User.email, User.role, User.active).order_by(User.id))
        return [tuple(r) for r in rows]


def test_create_with_a_prompted_password(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Kofi@Example.org",
            "--name",
            "Kofi Mensah",
            "--role",
            "instructor",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created instructor Kofi Mensah <kofi@example.org>" in result.output
    assert _users(app) == [("kofi@example.org", "instructor", True)]


def test_create_with_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--name", "A Learner", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert _users(app) == [("a@example.org", "learner", True)]


def test_the_created_account_can_sign_in(app, runner, client, csrf_token):
    runner.invoke(
        args=["users", "create", "b@example.org", "--name", "B", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    response = client.post(
        "/login",
        data={"email": "b@example.org", "password": PASSWORD, "csrf_token": csrf_token()},
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["not-an-email", "--name", "X"], PASSWORD, "Enter an email address in the form"),
        (["c@example.org", "--name", "X" * 10_000], PASSWORD, "at most 200 characters"),
        (["c@example.org", "--name", "C"], "short", "at least 12 characters"),
        (["c@example.org", "--name", "C", "--role", "root"], PASSWORD, "Invalid value"),
        (["c@example.org"], PASSWORD, "Missing option '--name'"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(app, runner, args, password, message):
    result = runner.invoke(
        args=["users", "create", *args, "--password-stdin"], input=f"{password}\n"
    )
    assert result.exit_code != 0
    assert message in result.output
    assert _users(app) == []


def test_create_refuses_an_email_already_taken(app, runner, make_user):
    make_user(email="dup@example.org")
    result = runner.invoke(
        args=["users", "create", "DUP@example.org", "--name", "Dup", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert len(_users(app)) == 1


def test_list_shows_every_account_and_filters_by_role(runner, make_user):
    make_user(email="zed@example.org", full_name="Zed Learner")
    make_user("administrator", email="amy@example.org", full_name="Amy Admin")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("amy@example.org") and "administrator" in lines[0]
    assert lines[1].startswith("zed@example.org") and "Zed Learner" in lines[1]
    only_admins = runner.invoke(args=["users", "list", "--role", "administrator"]).output
    assert "amy@example.org" in only_admins and "zed@example.org" not in only_admins


def test_list_says_when_there_are_no_accounts(runner):
    assert runner.invoke(args=["users", "list"]).output.strip() == "No accounts."


def test_set_role_changes_the_role_and_audits_it(app, runner, make_user):
    user = make_user(email="r@example.org")
    result = runner.invoke(args=["users", "set-role", "R@example.org", "administrator"])
    assert result.exit_code == 0, result.output
    assert _users(app) == [("r@example.org", "administrator", True)]
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.role")
        ).scalar_one()
        assert (event.target_id, event.via) == (str(user.id), "cli")


def test_commands_on_an_unknown_account_fail_clearly(runner):
    for args in (["set-role", "x@example.org", "learner"], ["deactivate", "x@example.org"]):
        result = runner.invoke(args=["users", *args])
        assert result.exit_code == 1
        assert "No account uses the email address 'x@example.org'" in result.output


def test_deactivate_and_activate(app, runner, make_user):
    make_user(email="d@example.org")
    assert runner.invoke(args=["users", "deactivate", "d@example.org"]).exit_code == 0
    assert _users(app) == [("d@example.org", "learner", False)]
    again = runner.invoke(args=["users", "deactivate", "d@example.org"])
    assert again.exit_code == 1 and "already deactivated" in again.output
    assert runner.invoke(args=["users", "activate", "d@example.org"]).exit_code == 0
    assert _users(app) == [("d@example.org", "learner", True)]
    with app.app_context():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert {"user.deactivate", "user.activate"} <= set(actions)


def test_setup_migrates_an_empty_database_and_prints_the_link(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "No administrator exists yet" in result.output
    assert "http://lms.test/setup/" in result.output
    with fresh_app.app_context():
        assert db.session.execute(select(func.count(User.id))).scalar_one() == 0
    # Idempotent: a second run changes nothing and still offers a link.
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0 and "http://lms.test/setup/" in second.output


def test_setup_prints_no_link_once_an_administrator_exists(fresh_app):
    runner = fresh_app.test_cli_runner()
    runner.invoke(args=["setup"])
    runner.invoke(
        args=[
            "users",
            "create",
            "boss@example.org",
            "--name",
            "Boss",
            "--role",
            "administrator",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0
    assert "Database is up to date." in result.output
    assert "/setup/" not in result.output


# -- list filters, edit, invite --------------------------------------------------------------


@pytest.fixture
def people(app, make_user):
    ana = make_user(full_name="Ana López", email="ana@hospital.example.org")
    make_user("instructor", full_name="Bo Chen", email="bo@clinic.example.org", active=False)
    ines = invited_user(app, email="ines@hospital.example.org", full_name="Ines Invited")
    cohort_with(app, "Residents 2025", [ana, ines])


def _emails(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--search", "HOSPITAL"], ["ana@hospital.example.org", "ines@hospital.example.org"]),
        (["--search", "chen"], ["bo@clinic.example.org"]),
        (["--status", "active"], ["ana@hospital.example.org"]),
        (["--status", "deactivated"], ["bo@clinic.example.org"]),
        (["--status", "invited"], ["ines@hospital.example.org"]),
        (["--cohort", "Residents 2025"], ["ana@hospital.example.org", "ines@hospital.example.org"]),
        (["--cohort", "Residents 2025", "--status", "invited"], ["ines@hospital.example.org"]),
    ],
)
def test_list_filters(runner, people, args, expected):
    result = runner.invoke(args=["users", "list", *args])
    assert result.exit_code == 0, result.output
    assert _emails(result.output) == expected


def test_list_shows_the_status_of_each_account(runner, people):
    lines = runner.invoke(args=["users", "list"]).output.splitlines()
    assert [line.split()[2] for line in lines] == ["active", "deactivated", "invited"]


def test_list_says_when_nothing_matches(runner, people):
    result = runner.invoke(args=["users", "list", "--search", "%"])
    assert result.exit_code == 0
    assert result.output.strip() == "No accounts match."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cohort", "Nobody"], "No cohort is named 'Nobody'."),
        (["--status", "gone"], "Invalid value for '--status'"),
    ],
)
def test_list_refuses_unknown_filters(runner, people, args, message):
    result = runner.invoke(args=["users", "list", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_edit_changes_the_details_and_audits_them(app, runner, make_user):
    user = make_user(email="e@example.org", full_name="Ana Lopez")

    result = runner.invoke(
        args=[
            "users",
            "edit",
            "E@example.org",
            "--name",
            "Ana López",
            "--new-email",
            "ana@example.org",
            "--profession",
            "",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "changed email, full name, profession" in result.output
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.email, stored.full_name, stored.profession) == (
            "ana@example.org",
            "Ana López",
            "",
        )
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.update")
        ).scalar_one()
    assert (event.via, event.actor_id) == ("cli", None)
    assert event.before == {
        "email": "e@example.org",
        "full_name": "Ana Lopez",
        "profession": "Resident physician",
    }


def test_edit_with_nothing_new_says_so(app, runner, make_user):
    make_user(email="e@example.org", full_name="Ana")
    result = runner.invoke(args=["users", "edit", "e@example.org", "--name", "Ana"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Nothing to change: give --name, --new-email or --profession."),
        (["--name", "x" * 10_000], "A name has at most 200 characters."),
        (["--new-email", "nope"], "Enter an email address in the form"),
        (["--new-email", "taken@example.org"], "already exists"),
    ],
)
def test_edit_refuses_bad_input_and_changes_nothing(app, runner, make_user, args, message):
    make_user(email="taken@example.org")
    user = make_user(email="e@example.org")

    result = runner.invoke(args=["users", "edit", "e@example.org", *args])

    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert db.session.get(User, user.id).email == "e@example.org"
        assert (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "user.update")).first()
            is None
        )


def test_edit_an_unknown_account_fails_clearly(runner):
    result = runner.invoke(args=["users", "edit", "x@example.org", "--name", "X"])
    assert result.exit_code == 1
    assert "No account uses the email address 'x@example.org'" in result.output


def test_invite_sends_a_new_invitation(app, runner, outbox):
    person = invited_user(app)

    result = runner.invoke(args=["users", "invite", person.email.upper()])

    assert result.exit_code == 0, result.output
    assert result.output == f"An invitation has been sent to {person.email}.\n"
    assert _mail_rows(app) == {person.email: (True, 1)}
    (message,) = outbox()
    assert message["To"] == person.email
    assert "/invitation/" in message.get_body(("plain",)).get_content()
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.invite")
        ).scalar_one()
    assert (event.via, event.target_id) == ("cli", str(person.id))


def _mail_rows(app) -> dict[str, tuple[bool, int]]:
    """to address: (sent?, attempts) of every queued message."""
    with app.app_context():
        rows = db.session.execute(
            select(OutgoingMail.to_address, OutgoingMail.sent_at, OutgoingMail.attempts)
        )
        return {to: (sent is not None, attempts) for to, sent, attempts in rows}


def test_invite_when_the_mail_server_is_down_says_it_is_queued(app, runner, outbox, monkeypatch):
    person = invited_user(app)
    tried = []

    def refuse(msg):
        tried.append(msg["To"])
        raise OSError("mail server down")

    monkeypatch.setattr("lms.mail._deliver", refuse)

    result = runner.invoke(args=["users", "invite", person.email])

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"An invitation to {person.email} is queued; the mail server did not take it now, "
        "and `flask --app lms mail send` will try again.\n"
    )
    assert "has been sent" not in result.output
    assert tried == [person.email]
    assert _mail_rows(app) == {person.email: (False, 1)}
    assert outbox() == []
    with app.app_context():
        assert mail.pending_count() == 1
        assert db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.invite")
        ).scalar_one()


def test_invite_says_sent_only_when_its_own_invitation_was_sent(app, runner, outbox):
    app.config["MAIL_SEND_IN_REQUEST_MAX"] = 1
    person = invited_user(app)
    with app.app_context():
        mail.queue_many(
            [
                {
                    "kind": "reminder",
                    "user_id": None,
                    "to_address": "earlier@example.org",
                    "subject": "S",
                    "body": "B",
                }
            ]
        )
        db.session.commit()

    result = runner.invoke(args=["users", "invite", person.email])

    assert result.exit_code == 0, result.output
    if f"An invitation has been sent to {person.email}." in result.output:
        assert _mail_rows(app)[person.email][0], "said sent, but the invitation still waits"
    assert person.email in [m["To"] for m in outbox()]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("signed-up@example.org", "already set a password"),
        ("nobody@example.org", "No account uses the email address"),
    ],
)
def test_invite_refuses_with_the_reason(runner, make_user, outbox, email, message):
    make_user(email="signed-up@example.org")
    result = runner.invoke(args=["users", "invite", email])
    assert result.exit_code == 1
    assert message in result.output
    assert outbox() == []
