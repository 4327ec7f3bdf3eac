"""``flask --app lms cohorts|reminders|mail ...`` through runner.invoke: what each
command prints, its exit code, and what it changes (or, on error, does not)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms import mail
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.catalog.models import Course
from lms.catalog.services import course_by_slug
from lms.cohorts import reminders as reminders_module
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, RosterUpload
from lms.extensions import db, utcnow
from lms.learning.models import Enrollment
from lms.mail import OutgoingMail
from tests.conftest import PASSWORD
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

HEADER = "email,full name,profession"


def csv_path(tmp_path, *lines: str, name: str = "people.csv"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return str(path)


def state(app) -> dict:
    with app.app_context():

        def rows(query):
            return sorted(tuple(r) for r in db.session.execute(query))

        return {
            "cohorts": rows(select(Cohort.id, Cohort.name, Cohort.opens_on, Cohort.closes_on)),
            "courses": rows(
                select(CohortCourse.cohort_id, CohortCourse.course_id, CohortCourse.due_on)
            ),
            "members": rows(select(CohortMember.cohort_id, CohortMember.user_id)),
            "users": rows(select(User.id, User.email, User.invited_at)),
            "enrolments": rows(
                select(
                    Enrollment.user_id,
                    Enrollment.course_id,
                    Enrollment.due_on,
                    Enrollment.reminded_at,
                )
            ),
            "mail": rows(select(OutgoingMail.id, OutgoingMail.sent_at, OutgoingMail.attempts)),
            "audit": rows(select(AuditEvent.id)),
        }


def members(app, name: str = "July intake") -> set[str]:
    with app.app_context():
        return set(
            db.session.execute(
                select(User.email)
                .join(CohortMember, CohortMember.user_id == User.id)
                .join(Cohort, Cohort.id == CohortMember.cohort_id)
                .where(Cohort.name == name)
            ).scalars()
        )


@pytest.fixture
def course(app):
    import_folder(app, EXAMPLE)
    return SLUG


@pytest.fixture
def cohort(app, runner, course):
    """The cohort "July intake" with the example course, due in 30 days."""
    due = (utcnow().date() + timedelta(days=30)).isoformat()
    assert runner.invoke(args=["cohorts", "create", "July intake"]).exit_code == 0
    result = runner.invoke(args=["cohorts", "add-course", "July intake", SLUG, "--due", due])
    assert result.exit_code == 0, result.output
    return date.fromisoformat(due)


def account(app, email: str, name: str, *, password: bool = True) -> int:
    with app.app_context():
        user = accounts.create_user(
            email=email, full_name=name, password=PASSWORD if password else None, via="cli"
        )
        db.session.commit()
        return user.id


# -- cohorts create / list -------------------------------------------------------------------


def test_create_and_list(app, runner):
    result = runner.invoke(
        args=[
            "cohorts",
            "create",
            "July   intake",
            "--description",
            "Residents",
            "--opens",
            "2027-07-01",
            "--closes",
            "2027-07-31",
        ]
    )

    assert result.exit_code == 0, result.output
    assert result.output == "Created cohort July intake.\n"
    with app.app_context():
        cohort = db.session.execute(select(Cohort)).scalar_one()
        assert (cohort.name, cohort.description, cohort.opens_on, cohort.closes_on) == (
            "July intake",
            "Residents",
            date(2027, 7, 1),
            date(2027, 7, 31),
        )
        event = db.session.execute(select(AuditEvent)).scalar_one()
        assert (event.action, event.via, event.actor_id) == ("cohort.create", "cli", None)
    listed = runner.invoke(args=["cohorts", "list"])
    assert listed.exit_code == 0
    assert listed.output == "July intake\t0 members\t0 courses\n"


def test_list_counts_members_and_courses(app, runner, cohort, tmp_path):
    runner.invoke(args=["cohorts", "create", "August intake"])
    runner.invoke(
        args=["cohorts", "enroll", "July intake", csv_path(tmp_path, HEADER, "a@example.org,A,")]
    )

    result = runner.invoke(args=["cohorts", "list"])

    assert result.output.splitlines() == [
        "August intake\t0 members\t0 courses",
        "July intake\t1 members\t1 courses",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["July intake", "--opens", "2027-02-30"], "--opens: '2027-02-30' is not a day such as"),
        (["July intake", "--closes", "soon"], "--closes: 'soon' is not a day such as 2027-06-30."),
        (
            ["July intake", "--opens", "2027-08-01", "--closes", "2027-07-01"],
            "The enrolment window cannot close before it opens.",
        ),
        (["   "], "Enter a name for the cohort."),
        (["x" * 121], "A cohort name has at most 120 characters."),
    ],
)
def test_create_refuses_bad_input(app, runner, args, message):
    result = runner.invoke(args=["cohorts", "create", *args])

    assert result.exit_code == 1
    assert message in result.output
    assert state(app)["cohorts"] == []


def test_create_refuses_a_duplicate_name(app, runner):
    runner.invoke(args=["cohorts", "create", "July intake"])

    result = runner.invoke(args=["cohorts", "create", "JULY INTAKE"])

    assert result.exit_code == 1
    assert "A cohort with this name already exists." in result.output
    assert [name for _, name, _, _ in state(app)["cohorts"]] == ["July intake"]


# -- cohorts add-course ---------------------------------------------------------------------


def test_add_course_with_a_due_date_and_change_it(app, runner, course):
    runner.invoke(args=["cohorts", "create", "July intake"])

    first = runner.invoke(
        args=["cohorts", "add-course", "july intake", SLUG, "--due", "2031-06-30"]
    )
    second = runner.invoke(
        args=["cohorts", "add-course", "July intake", SLUG, "--due", "2031-05-31"]
    )
    third = runner.invoke(args=["cohorts", "add-course", "July intake", SLUG])

    assert first.exit_code == second.exit_code == third.exit_code == 0
    assert first.output == f"{SLUG} is a course of July intake, due 2031-06-30.\n"
    assert third.output == f"{SLUG} is a course of July intake.\n"
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("cohort."))
            .order_by(AuditEvent.id)
        ).scalars()
        assert list(actions) == [
            "cohort.create",
            "cohort.course.add",
            "cohort.course.due",
            "cohort.course.due",
        ]
    assert state(app)["courses"] == [(1, course_by_slug_id(app), None)]


def course_by_slug_id(app, slug: str = SLUG) -> int:
    with app.app_context():
        return course_by_slug(slug).id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["No such cohort", SLUG], "No cohort is named 'No such cohort'."),
        (["July intake", "no-such-course"], "No course has the slug 'no-such-course'."),
        (["July intake", SLUG, "--due", "2027-02-30"], "--due: '2027-02-30' is not a day"),
        (["July intake", SLUG, "--due", "30/06/2027"], "--due: '30/06/2027' is not a day"),
        (["July intake", "draft-course"], "Only a published course can be given to a cohort."),
    ],
)
def test_add_course_refuses_bad_input(app, runner, course, args, message):
    runner.invoke(args=["cohorts", "create", "July intake"])
    with app.app_context():
        db.session.add(Course(slug="draft-course"))
        db.session.commit()
    before = state(app)

    result = runner.invoke(args=["cohorts", "add-course", *args])

    assert result.exit_code == 1
    assert message in result.output
    assert state(app) == before


# -- cohorts enroll --------------------------------------------------------------------------


def test_enroll_applies_the_file_and_delivers_the_invitations(
    app, runner, cohort, tmp_path, outbox
):
    account(app, "existing@example.org", "Eve Existing")
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,Nurse", "existing@example.org,,")

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2\tNew account\tnew@example.org\t")
    assert lines[1].startswith("3\tExisting account\texisting@example.org\t")
    assert "1 new, 1 existing, 0 already members, 0 errors." in result.output
    assert "Applied: 2 added (1 new accounts invited, 1 told by mail)." in result.output
    assert result.output.endswith("Mail: 2 sent, 0 waiting.\n")
    assert members(app) == {"new@example.org", "existing@example.org"}
    to = sorted(m["To"] for m in outbox())
    assert to == ["existing@example.org", "new@example.org"]
    invitation = next(m for m in outbox() if m["To"] == "new@example.org")
    assert "http://lms.test/invitation/" in invitation.get_body(("plain",)).get_content()
    with app.app_context():
        dues = set(db.session.execute(select(Enrollment.due_on)).scalars())
        assert dues == {cohort}
        events = db.session.execute(select(AuditEvent.via, AuditEvent.actor_id)).all()
        assert {tuple(e) for e in events} == {("cli", None)}


def test_enroll_when_the_mail_server_is_down_keeps_the_mail(
    app, runner, cohort, tmp_path, outbox, monkeypatch
):
    tried = _refuse_all(monkeypatch)
    path = csv_path(tmp_path, HEADER, "a@example.org,A,", "b@example.org,B,")

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path])

    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Applied: 2 added (2 new accounts invited, 0 told by mail).\n"
        "Mail: 0 sent, 2 waiting.\n"
        "The mail server did not accept a message: `mail send` will try again.\n"
    )
    assert members(app) == {"a@example.org", "b@example.org"}
    assert tried == ["a@example.org"]  # it stops at the first failure
    assert outbox() == []


def test_enroll_twice_changes_nothing_the_second_time(app, runner, cohort, tmp_path, outbox):
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,")
    runner.invoke(args=["cohorts", "enroll", "July intake", path])
    before, mails = state(app), len(outbox())

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path])

    assert result.exit_code == 0
    assert "2\tAlready a member\tnew@example.org" in result.output
    assert "Applied: 0 added" in result.output
    assert state(app) == before
    assert len(outbox()) == mails


def test_enroll_dry_run_changes_nothing(app, runner, cohort, tmp_path, outbox):
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,", "bad,Bad,")
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path, "--dry-run"])

    assert result.exit_code == 0
    assert "2\tNew account\tnew@example.org" in result.output
    assert "3\tError\tbad\tRow 3: “bad” is not an email address." in result.output
    assert "1 new, 0 existing, 0 already members, 1 errors." in result.output
    assert result.output.endswith("Dry run: nothing was changed.\n")
    assert state(app) == before
    assert outbox() == []


def test_enroll_with_bad_rows_applies_nothing_without_skip_bad_rows(
    app, runner, cohort, tmp_path, outbox
):
    path = csv_path(
        tmp_path,
        HEADER,
        "new@example.org,Nia New,",
        "nameless@example.org,,",
        "new@example.org,Nia Again,",
    )
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path])

    assert result.exit_code == 1
    assert "Row 3: full name is missing" in result.output
    assert "Row 4: duplicate of row 2 (new@example.org)." in result.output
    assert "2 rows have errors; nothing was changed." in result.output
    assert "--skip-bad-rows" in result.output
    assert state(app) == before
    assert outbox() == []


def test_enroll_with_skip_bad_rows_applies_the_good_rows(app, runner, cohort, tmp_path):
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,", "nameless@example.org,,")

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path, "--skip-bad-rows"])

    assert result.exit_code == 0, result.output
    assert members(app) == {"new@example.org"}
    with app.app_context():
        assert (
            db.session.execute(select(User.id).where(User.email == "nameless@example.org")).first()
            is None
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"PK\x03\x04\x00\x00", "This is not a CSV text file"),
        (b"email,full name\nana@example.org,Jos\xe9\n", "Line 2: the file is not UTF-8 text."),
        (b"who,what\na,b\n", "missing: email, full name; found: “who”, “what”."),
    ],
)
def test_enroll_refuses_a_file_it_cannot_read(app, runner, cohort, tmp_path, data, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "July intake", str(path)])

    assert result.exit_code == 1
    assert message in result.output
    assert state(app) == before


def test_enroll_refuses_a_file_over_the_size_limit(app, runner, cohort, tmp_path):
    app.config["ROSTER_MAX_BYTES"] = 100
    path = csv_path(tmp_path, HEADER, *(f"p{n}@example.org,Person {n}," for n in range(20)))
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "July intake", path])

    assert result.exit_code == 1
    assert "Split it into smaller files" in result.output
    assert state(app) == before


def test_enroll_into_an_unknown_cohort(app, runner, cohort, tmp_path):
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,")
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "June intake", path])

    assert result.exit_code == 1
    assert "No cohort is named 'June intake'." in result.output
    assert state(app) == before


def test_enroll_a_file_that_does_not_exist(app, runner, cohort, tmp_path):
    result = runner.invoke(args=["cohorts", "enroll", "July intake", str(tmp_path / "nope.csv")])

    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_enroll_outside_the_window_changes_nothing(app, runner, course, tmp_path):
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    runner.invoke(args=["cohorts", "create", "Closed", "--closes", yesterday])
    path = csv_path(tmp_path, HEADER, "new@example.org,Nia New,")
    before = state(app)

    result = runner.invoke(args=["cohorts", "enroll", "Closed", path])

    assert result.exit_code == 1
    assert "The enrolment window of Closed closed on" in result.output
    assert state(app) == before


# -- cohorts remove-member -------------------------------------------------------------------


def test_remove_member_keeps_their_records(app, runner, cohort, tmp_path):
    runner.invoke(
        args=[
            "cohorts",
            "enroll",
            "July intake",
            csv_path(tmp_path, HEADER, "ana@example.org,Ana,", "bo@example.org,Bo,"),
        ]
    )

    result = runner.invoke(args=["cohorts", "remove-member", "July intake", "ANA@example.org"])

    assert result.exit_code == 0, result.output
    assert result.output == "Removed ana@example.org from July intake; their records are kept.\n"
    assert members(app) == {"bo@example.org"}
    with app.app_context():
        kept = db.session.execute(
            select(Enrollment.due_on)
            .join(User, User.id == Enrollment.user_id)
            .where(User.email == "ana@example.org")
        ).all()
        assert [tuple(k) for k in kept] == [(None,)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["June intake", "ana@example.org"], "No cohort is named 'June intake'."),
        (["July intake", "nobody@example.org"], "No account uses the email address"),
        (["July intake", "outsider@example.org"], "Oona Outsider is not a member of July intake."),
    ],
)
def test_remove_member_refuses_bad_input(app, runner, cohort, args, message):
    account(app, "outsider@example.org", "Oona Outsider")
    before = state(app)

    result = runner.invoke(args=["cohorts", "remove-member", *args])

    assert result.exit_code == 1
    assert message in result.output
    assert state(app) == before


# -- reminders send --------------------------------------------------------------------------


def _behind(app, runner, tmp_path):
    """Ana is overdue; Bo is due in 30 days (not yet within 14); Cy has completed."""
    runner.invoke(args=["cohorts", "create", "Overdue"])
    past = (utcnow().date() - timedelta(days=2)).isoformat()
    runner.invoke(args=["cohorts", "add-course", "Overdue", SLUG, "--due", past])
    runner.invoke(
        args=[
            "cohorts",
            "enroll",
            "Overdue",
            csv_path(tmp_path, HEADER, "ana@example.org,Ana,", "cy@example.org,Cy,", name="o.csv"),
        ]
    )
    runner.invoke(
        args=["cohorts", "enroll", "July intake", csv_path(tmp_path, HEADER, "bo@example.org,Bo,")]
    )
    with app.app_context():
        cy = db.session.execute(select(User.id).where(User.email == "cy@example.org")).scalar()
        db.session.execute(
            Enrollment.__table__.update()
            .where(Enrollment.user_id == cy)
            .values(completed_at=utcnow())
        )
        db.session.commit()
    return date.fromisoformat(past)


def test_reminders_dry_run_lists_who_would_be_reminded_and_changes_nothing(
    app, runner, cohort, tmp_path, outbox
):
    past = _behind(app, runner, tmp_path)
    before, mails = state(app), len(outbox())

    result = runner.invoke(args=["reminders", "send", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"ana@example.org\t{SLUG}\tdue {past.isoformat()}\n"
        "1 reminders would be sent. Dry run: nothing was changed.\n"
    )
    assert state(app) == before
    assert len(outbox()) == mails


def test_reminders_send_mails_once_per_interval(app, runner, cohort, tmp_path, outbox):
    _behind(app, runner, tmp_path)
    mails = len(outbox())

    first = runner.invoke(args=["reminders", "send"])
    second = runner.invoke(args=["reminders", "send"])

    assert first.exit_code == second.exit_code == 0
    assert first.output == "1 reminders queued.\nMail: 1 sent, 0 waiting.\n"
    assert second.output == "0 reminders queued.\nMail: 0 sent, 0 waiting.\n"
    reminders = outbox()[mails:]
    assert [m["To"] for m in reminders] == ["ana@example.org"]
    assert reminders[0]["Subject"].startswith("Reminder: An Example Course is due")


def test_a_daily_reminder_run_a_little_earlier_next_week_still_reminds(
    app, runner, cohort, tmp_path, outbox, monkeypatch
):
    _behind(app, runner, tmp_path)
    start = utcnow()
    at = {"now": start}
    monkeypatch.setattr("lms.cohorts.cli.utcnow", lambda: at["now"])
    assert runner.invoke(args=["reminders", "send"]).output.startswith("1 reminders queued.")

    # Not again within the interval, less the slack...
    at["now"] = start + timedelta(days=7) - reminders_module.SLACK - timedelta(seconds=1)
    too_early = runner.invoke(args=["reminders", "send"])
    # ...but a week later, even if cron starts a few minutes earlier than last time.
    at["now"] = start + timedelta(days=7, minutes=-5)
    next_week = runner.invoke(args=["reminders", "send"])

    assert too_early.output.startswith("0 reminders queued.")
    assert next_week.output.startswith("1 reminders queued.")
    with app.app_context():
        reminded = db.session.execute(
            select(Enrollment.reminded_at)
            .join(User, User.id == Enrollment.user_id)
            .where(User.email == "ana@example.org")
        ).scalar_one()
        assert reminded == at["now"]


def test_a_weekly_reminder_is_not_sent_two_hours_early(app, runner, cohort, tmp_path, monkeypatch):
    _behind(app, runner, tmp_path)
    start = utcnow()
    at = {"now": start}
    monkeypatch.setattr("lms.cohorts.cli.utcnow", lambda: at["now"])
    runner.invoke(args=["reminders", "send"])

    at["now"] = start + timedelta(days=7, hours=-2)
    result = runner.invoke(args=["reminders", "send", "--dry-run"])

    assert result.output == "0 reminders would be sent. Dry run: nothing was changed.\n"


def test_reminders_within_days_widens_who_is_behind(app, runner, cohort, tmp_path):
    _behind(app, runner, tmp_path)

    result = runner.invoke(args=["reminders", "send", "--within-days", "30", "--dry-run"])

    assert "2 reminders would be sent." in result.output
    assert "bo@example.org" in result.output


@pytest.mark.parametrize(
    "args", [["--interval-days", "0"], ["--within-days", "-1"], ["--interval-days", "x"]]
)
def test_reminders_refuse_bad_options(app, runner, args):
    result = runner.invoke(args=["reminders", "send", *args])

    assert result.exit_code == 2
    assert "Invalid value" in result.output


# -- mail send / status / retry -------------------------------------------------------------


def _queue(app, n: int = 1, *, attempts: int = 0) -> None:
    """``n`` messages waiting in the queue (``attempts`` failed deliveries each)."""
    with app.app_context():
        mail.queue_many(
            [
                {
                    "kind": "reminder",
                    "user_id": None,
                    "to_address": f"p{i}@example.org",
                    "subject": f"Subject {i}",
                    "body": "Body",
                }
                for i in range(n)
            ]
        )
        db.session.execute(OutgoingMail.__table__.update().values(attempts=attempts))
        db.session.commit()


def _mail_rows(app) -> list[tuple[str, bool, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(OutgoingMail.to_address, OutgoingMail.sent_at, OutgoingMail.attempts).order_by(
                OutgoingMail.id
            )
        )
        return [(to, sent is not None, attempts) for to, sent, attempts in rows]


def test_mail_status_and_send(app, runner, outbox):
    _queue(app, 1)

    assert runner.invoke(args=["mail", "status"]).output == "1 messages waiting, 0 given up on.\n"
    sent = runner.invoke(args=["mail", "send"])

    assert sent.exit_code == 0
    assert sent.output == "1 sent, 0 still waiting.\n"
    assert [m["To"] for m in outbox()] == ["p0@example.org"]
    assert runner.invoke(args=["mail", "status"]).output == "0 messages waiting, 0 given up on.\n"


def test_mail_send_respects_the_limit(app, runner, outbox):
    _queue(app, 3)

    result = runner.invoke(args=["mail", "send", "--limit", "2"])

    assert result.exit_code == 0
    assert result.output == "2 sent, 1 still waiting.\n"
    assert [m["To"] for m in outbox()] == ["p0@example.org", "p1@example.org"]


def test_mail_send_stops_at_the_first_failure_and_says_so(app, runner, outbox, monkeypatch):
    _queue(app, 3)
    tried = _refuse_all(monkeypatch)

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 1
    assert result.output == (
        "0 sent, 3 still waiting.\n"
        "Error: The mail server did not accept a message; it will be tried again later.\n"
    )
    assert tried == ["p0@example.org"]
    assert _mail_rows(app) == [
        ("p0@example.org", False, 1),
        ("p1@example.org", False, 0),
        ("p2@example.org", False, 0),
    ]
    assert outbox() == []


def test_mail_send_waits_before_trying_a_failed_message_again(app, runner, outbox, monkeypatch):
    _queue(app, 1)
    tried = _refuse_all(monkeypatch)
    runner.invoke(args=["mail", "send"])
    monkeypatch.undo()

    again = runner.invoke(args=["mail", "send"])

    assert again.exit_code == 0
    assert again.output == "0 sent, 1 still waiting.\n"
    assert tried == ["p0@example.org"]
    assert outbox() == []
    with app.app_context():  # as if the pause were over
        db.session.execute(
            OutgoingMail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    later = runner.invoke(args=["mail", "send"])
    assert later.output == "1 sent, 0 still waiting.\n"
    assert _mail_rows(app) == [("p0@example.org", True, 2)]
    assert [m["To"] for m in outbox()] == ["p0@example.org"]


def test_mail_given_up_on_is_counted_apart_and_retried_on_request(app, runner, outbox):
    _queue(app, 2, attempts=mail.MAX_DELIVERY_ATTEMPTS)
    with app.app_context():
        mail.queue_many(
            [
                {
                    "kind": "reminder",
                    "user_id": None,
                    "to_address": "waiting@example.org",
                    "subject": "S",
                    "body": "B",
                }
            ]
        )
        db.session.commit()

    assert runner.invoke(args=["mail", "status"]).output == "1 messages waiting, 2 given up on.\n"
    sent = runner.invoke(args=["mail", "send"])
    assert sent.output == "1 sent, 0 still waiting.\n"
    assert [m["To"] for m in outbox()] == ["waiting@example.org"]

    retried = runner.invoke(args=["mail", "retry"])

    assert retried.exit_code == 0
    assert retried.output == "2 messages will be tried again by the next `mail send`.\n"
    assert runner.invoke(args=["mail", "status"]).output == "2 messages waiting, 0 given up on.\n"
    assert runner.invoke(args=["mail", "send"]).output == "2 sent, 0 still waiting.\n"
    assert sorted(m["To"] for m in outbox()) == [
        "p0@example.org",
        "p1@example.org",
        "waiting@example.org",
    ]


def test_mail_retry_with_nothing_given_up_on_changes_nothing(app, runner):
    _queue(app, 1, attempts=1)
    before = _mail_rows(app)

    result = runner.invoke(args=["mail", "retry"])

    assert result.exit_code == 0
    assert result.output == "0 messages will be tried again by the next `mail send`.\n"
    assert _mail_rows(app) == before


# -- cohorts purge-uploads --------------------------------------------------------------------


def _uploads_aged(app, *days: float) -> None:
    with app.app_context():
        cohort_id = db.session.execute(select(Cohort.id)).scalar_one()
        now = utcnow()
        db.session.add_all(
            RosterUpload(
                cohort_id=cohort_id,
                filename=f"{age}.csv",
                data=b"email,full name\na@example.org,A\n",
                uploaded_at=now - timedelta(days=age),
            )
            for age in days
        )
        db.session.commit()


def _upload_names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.execute(select(RosterUpload.filename)).scalars())


def test_purge_uploads_forgets_files_older_than_a_week(app, runner, cohort):
    _uploads_aged(app, 0.5, 6.9, 7.1, 30)

    result = runner.invoke(args=["cohorts", "purge-uploads"])

    assert result.exit_code == 0, result.output
    assert result.output == "2 uploaded files forgotten.\n"
    assert _upload_names(app) == ["0.5.csv", "6.9.csv"]
    again = runner.invoke(args=["cohorts", "purge-uploads"])
    assert again.output == "0 uploaded files forgotten.\n"


def test_purge_uploads_with_days(app, runner, cohort):
    _uploads_aged(app, 0.5, 1.5, 3)

    result = runner.invoke(args=["cohorts", "purge-uploads", "--days", "1"])

    assert result.exit_code == 0, result.output
    assert result.output == "2 uploaded files forgotten.\n"
    assert _upload_names(app) == ["0.5.csv"]


@pytest.mark.parametrize("days", ["-1", "3651", "x"])
def test_purge_uploads_refuses_bad_days(app, runner, cohort, days):
    _uploads_aged(app, 30)

    result = runner.invoke(args=["cohorts", "purge-uploads", "--days", days])

    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert _upload_names(app) == ["30.csv"]


def _refuse(msg):
    raise OSError("mail server down")


def _refuse_all(monkeypatch) -> list[str]:
    """The mail server is down. Returns the addresses it was given."""
    tried: list[str] = []

    def refuse(msg):
        tried.append(msg["To"])
        _refuse(msg)

    monkeypatch.setattr("lms.mail._deliver", refuse)
    return tried
