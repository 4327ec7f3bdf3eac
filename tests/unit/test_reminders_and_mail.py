"""Reminders for learners who are behind (lms.cohorts.reminders) and the queue of
outgoing mail (lms.mail): who is reminded, how often, and what a failed delivery
leaves behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from lms import mail
from lms.accounts import services as accounts
from lms.catalog.services import course_by_slug
from lms.cohorts import reminders, services
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.mail import MAX_DELIVERY_ATTEMPTS, OutgoingMail
from tests.conftest import PASSWORD
from tests.learning_fixtures import EXAMPLE, SLUG, import_folder

NOW = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
TITLE = "An Example Course"
INTERVAL, WITHIN = 7, 14


@pytest.fixture
def ctx(app):
    import_folder(app, EXAMPLE)
    with app.app_context():
        yield


def person(email: str, name: str, *, password: bool = True, active: bool = True) -> int:
    user = accounts.create_user(
        email=email, full_name=name, password=PASSWORD if password else None, via="cli"
    )
    user.active = active
    db.session.commit()
    return user.id


def cohort_due(name: str, due: date | None, *user_ids: int):
    cohort = services.create_cohort(name=name, actor=None, via="cli")
    services.set_course(cohort, course_by_slug(SLUG), due, actor=None, via="cli", now=NOW)
    services.add_members(cohort, list(user_ids), actor=None, via="cli", now=NOW)
    db.session.commit()
    return cohort


def complete(user_id: int) -> None:
    db.session.execute(
        Enrollment.__table__.update()
        .where(Enrollment.user_id == user_id)
        .values(completed_at=NOW - timedelta(days=1))
    )
    db.session.commit()


def behind(now: datetime = NOW, interval: int = INTERVAL, within: int = WITHIN) -> list[str]:
    return [
        d.email for d in reminders.learners_behind(now, interval_days=interval, within_days=within)
    ]


def send(now: datetime = NOW, interval: int = INTERVAL, within: int = WITHIN) -> int:
    queued = reminders.send_reminders(now, interval_days=interval, within_days=within)
    db.session.commit()
    return queued


def queued_mail() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.execute(select(OutgoingMail).order_by(OutgoingMail.id)).scalars())


# -- who is behind ---------------------------------------------------------------------------


def test_who_is_behind_overdue_due_soon_not_far_off(ctx):
    overdue = person("overdue@example.org", "Olu Overdue")
    soon = person("soon@example.org", "Sam Soon")
    edge = person("edge@example.org", "Eda Edge")
    later = person("later@example.org", "Lee Later")
    undated = person("undated@example.org", "Uma Undated")
    cohort_due("Overdue", TODAY - timedelta(days=1), overdue)
    cohort_due("Soon", TODAY + timedelta(days=3), soon)
    cohort_due("Edge", TODAY + timedelta(days=WITHIN), edge)
    cohort_due("Later", TODAY + timedelta(days=WITHIN + 1), later)
    cohort_due("Undated", None, undated)

    assert behind() == ["overdue@example.org", "soon@example.org", "edge@example.org"]


def test_completed_and_deactivated_learners_are_not_behind(ctx):
    done = person("done@example.org", "Dee Done")
    gone = person("gone@example.org", "Gus Gone")
    open_ = person("open@example.org", "Oona Open")
    cohort_due("Overdue", TODAY - timedelta(days=5), done, gone, open_)
    complete(done)
    accounts.set_active(db.session.get(accounts.User, gone), False, actor=None, via="cli")
    db.session.commit()

    assert behind() == ["open@example.org"]


def test_learners_behind_changes_nothing(ctx):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)

    behind()
    db.session.commit()

    assert db.session.execute(select(Enrollment.reminded_at)).scalar_one() is None
    assert queued_mail() == []


# -- sending -----------------------------------------------------------------------------------


def test_send_queues_one_reminder_per_learner_and_marks_them_reminded(ctx):
    ana = person("ana@example.org", "Ana López")
    bo = person("bo@example.org", "Bo Chen", password=False)
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)
    cohort_due("Soon", TODAY + timedelta(days=3), bo)

    assert send() == 2

    mails = {m.to_address: m for m in queued_mail()}
    assert set(mails) == {"ana@example.org", "bo@example.org"}
    overdue, soon = mails["ana@example.org"], mails["bo@example.org"]
    assert overdue.kind == soon.kind == "reminder"
    assert overdue.subject == f"Reminder: {TITLE} is due 09 March 2027"
    assert "Hello Ana López," in overdue.body
    assert "was 09 March 2027, and the course is not" in overdue.body
    assert "http://lms.test/courses/example-course/continue" in overdue.body
    assert "You have not set your password yet" not in overdue.body
    assert f'"{TITLE}" is due on 13 March 2027.' in soon.body
    assert "You have not set your password yet" in soon.body
    reminded = db.session.execute(select(Enrollment.reminded_at)).scalars().all()
    assert reminded == [NOW, NOW]


def test_running_twice_in_a_row_sends_once(ctx):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)

    assert send() == 1
    assert send(NOW + timedelta(minutes=5)) == 0
    assert send(NOW + timedelta(days=INTERVAL) - timedelta(seconds=1)) == 0

    assert len(queued_mail()) == 1
    assert behind(NOW + timedelta(hours=1)) == []


def test_after_the_interval_the_learner_is_reminded_again(ctx):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)
    send()
    later = NOW + timedelta(days=INTERVAL)

    assert behind(later) == ["ana@example.org"]
    assert send(later) == 1

    assert [m.to_address for m in queued_mail()] == ["ana@example.org"] * 2
    assert db.session.execute(select(Enrollment.reminded_at)).scalar_one() == later


def test_two_runs_at_the_same_moment_remind_once(ctx, monkeypatch):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)
    # The second run read who was behind before the first run marked them reminded.
    seen_by_both = reminders.learners_behind(NOW, interval_days=INTERVAL, within_days=WITHIN)
    assert send() == 1
    monkeypatch.setattr(reminders, "learners_behind", lambda *a, **k: seen_by_both)

    assert send(NOW + timedelta(seconds=1)) == 0

    assert len(queued_mail()) == 1
    assert db.session.execute(select(Enrollment.reminded_at)).scalar_one() == NOW


def test_completed_learners_are_never_reminded(ctx):
    done = person("done@example.org", "Dee Done")
    cohort_due("Overdue", TODAY - timedelta(days=30), done)
    complete(done)

    for days in (0, INTERVAL, 5 * INTERVAL):
        assert send(NOW + timedelta(days=days)) == 0

    assert queued_mail() == []


def test_nobody_behind_queues_nothing(ctx):
    assert send() == 0
    assert queued_mail() == []


def test_a_course_in_two_cohorts_is_reminded_once_with_the_earliest_date(ctx):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Early", TODAY + timedelta(days=2), ana)
    cohort_due("Late", TODAY + timedelta(days=10), ana)

    assert send() == 1

    assert queued_mail()[0].subject == f"Reminder: {TITLE} is due 12 March 2027"


# -- the mail queue ---------------------------------------------------------------------------


def _queue(n: int = 1, **extra) -> None:
    mail.queue_many(
        [
            {
                "kind": "reminder",
                "user_id": None,
                "to_address": f"person{i}@example.org",
                "subject": f"Subject {i}",
                "body": f"Body {i}\nwith a second line.",
                **extra,
            }
            for i in range(n)
        ]
    )
    db.session.commit()


def test_queued_mail_is_delivered_to_the_outbox_and_marked_sent(ctx, outbox):
    _queue(3)
    assert mail.pending_count() == 3
    assert outbox() == []

    assert mail.deliver_queued() == (3, 0)

    messages = outbox()
    assert sorted(m["To"] for m in messages) == [f"person{i}@example.org" for i in range(3)]
    first = next(m for m in messages if m["To"] == "person0@example.org")
    assert first["Subject"] == "Subject 0"
    assert first.get_body(("plain",)).get_content().startswith("Body 0\nwith a second line.")
    assert mail.pending_count() == 0
    rows = queued_mail()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert all(row.last_error == "" for row in rows)

    # Delivering again sends nothing twice.
    assert mail.deliver_queued() == (0, 0)
    assert len(outbox()) == 3


def test_deliver_queued_sends_at_most_the_limit_oldest_first(ctx, outbox):
    _queue(5)

    assert mail.deliver_queued(limit=2) == (2, 0)

    assert sorted(m["To"] for m in outbox()) == ["person0@example.org", "person1@example.org"]
    assert mail.pending_count() == 3


def test_queued_mail_is_not_sent_if_the_transaction_is_rolled_back(ctx, outbox):
    mail.queue_many(
        [{"kind": "x", "user_id": None, "to_address": "a@example.org", "subject": "S", "body": "B"}]
    )
    db.session.rollback()

    assert mail.pending_count() == 0
    assert mail.deliver_queued() == (0, 0)
    assert outbox() == []


def test_a_long_subject_is_cut_to_fit(ctx):
    _queue(1, subject="s" * 1000)

    assert len(queued_mail()[0].subject) == mail.SUBJECT_MAX


def test_a_failed_delivery_stays_pending_with_the_error(ctx, outbox, monkeypatch):
    _queue(1)

    def refuse(msg):
        raise OSError("Connection refused by mail.example.org")

    monkeypatch.setattr("lms.mail._deliver", refuse)

    assert mail.deliver_queued() == (0, 1)

    [row] = queued_mail()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "Connection refused by mail.example.org"
    assert mail.pending_count() == 1
    assert outbox() == []


def test_a_failed_delivery_is_tried_again_and_can_succeed(ctx, outbox, monkeypatch):
    _queue(1)
    monkeypatch.setattr("lms.mail._deliver", lambda msg: (_ for _ in ()).throw(OSError("down")))
    mail.deliver_queued()
    monkeypatch.undo()

    assert mail.deliver_queued() == (1, 0)

    [row] = queued_mail()
    assert row.sent_at is not None
    assert row.attempts == 2
    assert [m["To"] for m in outbox()] == ["person0@example.org"]


def test_delivery_gives_up_after_the_maximum_attempts(ctx, outbox, monkeypatch):
    _queue(1)
    calls = []

    def refuse(msg):
        calls.append(msg["To"])
        raise OSError("down")

    monkeypatch.setattr("lms.mail._deliver", refuse)

    for _ in range(MAX_DELIVERY_ATTEMPTS + 3):
        mail.deliver_queued()

    assert len(calls) == MAX_DELIVERY_ATTEMPTS
    [row] = queued_mail()
    assert (row.attempts, row.sent_at, row.last_error) == (MAX_DELIVERY_ATTEMPTS, None, "down")
    assert mail.pending_count() == 0


def test_one_failure_does_not_stop_the_others(ctx, outbox, monkeypatch):
    _queue(3)
    real = mail._deliver

    def flaky(msg):
        if msg["To"] == "person1@example.org":
            raise OSError("mailbox unavailable")
        real(msg)

    monkeypatch.setattr("lms.mail._deliver", flaky)

    assert mail.deliver_queued() == (2, 1)

    assert sorted(m["To"] for m in outbox()) == ["person0@example.org", "person2@example.org"]
    failed = [row for row in queued_mail() if row.sent_at is None]
    assert [(row.to_address, row.last_error) for row in failed] == [
        ("person1@example.org", "mailbox unavailable")
    ]


def test_reminders_sent_then_delivered_reach_the_outbox(ctx, outbox):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)

    send()
    mail.deliver_queued()

    [message] = outbox()
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == f"Reminder: {TITLE} is due 09 March 2027"
