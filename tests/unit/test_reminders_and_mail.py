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
    just_too_early = NOW + timedelta(days=INTERVAL) - reminders.SLACK - timedelta(seconds=1)
    assert send(just_too_early) == 0

    assert len(queued_mail()) == 1
    assert behind(NOW + timedelta(hours=1)) == []


def test_a_daily_cron_a_little_early_does_not_drift_to_the_next_day(ctx):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)
    send()

    a_week_later_but_two_minutes_earlier = NOW + timedelta(days=INTERVAL, minutes=-2)

    assert send(a_week_later_but_two_minutes_earlier) == 1


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


def _queue(n: int = 1, *, batch: str | None = None, prefix: str = "person", **extra) -> None:
    mail.queue_many(
        [
            {
                "kind": "reminder",
                "user_id": None,
                "to_address": f"{prefix}{i}@example.org",
                "subject": f"Subject {i}",
                "body": f"Body {i}\nwith a second line.",
                **extra,
            }
            for i in range(n)
        ],
        batch=batch,
    )
    db.session.commit()


@pytest.fixture
def clock(monkeypatch):
    """The time the mail queue sees: ``clock.now``, moved with ``clock.advance(...)``."""

    class Clock:
        now = NOW

        def advance(self, delta: timedelta) -> None:
            self.now += delta

    fake = Clock()
    monkeypatch.setattr("lms.mail.utcnow", lambda: fake.now)
    return fake


@pytest.fixture
def relay(monkeypatch):
    """The mail relay: ``relay.down = True`` refuses every message; ``relay.refuse``
    names addresses refused; ``relay.tried`` lists every address it was given."""
    real = mail._deliver

    class Relay:
        def __init__(self) -> None:
            self.down = False
            self.refuse: set[str] = set()
            self.tried: list[str] = []

    fake = Relay()

    def deliver(msg):
        fake.tried.append(msg["To"])
        if fake.down:
            raise OSError("Connection refused by mail.example.org")
        if msg["To"] in fake.refuse:
            raise OSError("mailbox unavailable")
        real(msg)

    monkeypatch.setattr("lms.mail._deliver", deliver)
    return fake


def test_queued_mail_is_delivered_to_the_outbox_and_marked_sent(ctx, outbox):
    _queue(3)
    assert mail.pending_count() == 3
    assert outbox() == []

    delivery = mail.deliver_queued()

    assert isinstance(delivery, mail.Delivery)
    assert delivery == mail.Delivery(sent=3, failed=0, stopped=False)
    messages = outbox()
    assert sorted(m["To"] for m in messages) == [f"person{i}@example.org" for i in range(3)]
    first = next(m for m in messages if m["To"] == "person0@example.org")
    assert first["Subject"] == "Subject 0"
    assert first.get_body(("plain",)).get_content().startswith("Body 0\nwith a second line.")
    assert mail.pending_count() == 0
    assert mail.failed_count() == 0
    rows = queued_mail()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert all(row.last_error == "" and row.next_attempt_at is None for row in rows)

    # Delivering again sends nothing twice.
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    assert len(outbox()) == 3


def test_deliver_queued_sends_at_most_the_limit_oldest_first(ctx, outbox):
    _queue(5)

    assert mail.deliver_queued(limit=2) == mail.Delivery(sent=2, failed=0, stopped=False)

    assert sorted(m["To"] for m in outbox()) == ["person0@example.org", "person1@example.org"]
    assert mail.pending_count() == 3


def test_queued_mail_is_not_sent_if_the_transaction_is_rolled_back(ctx, outbox):
    mail.queue_many(
        [{"kind": "x", "user_id": None, "to_address": "a@example.org", "subject": "S", "body": "B"}]
    )
    db.session.rollback()

    assert mail.pending_count() == 0
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    assert outbox() == []


def test_a_long_subject_is_cut_to_fit(ctx):
    _queue(1, subject="s" * 1000)

    assert len(queued_mail()[0].subject) == mail.SUBJECT_MAX


def test_a_failed_delivery_stays_pending_with_the_error_and_a_pause(ctx, outbox, clock, relay):
    _queue(1)
    relay.down = True

    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=1, stopped=True)

    [row] = queued_mail()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "Connection refused by mail.example.org"
    assert row.next_attempt_at == NOW + mail.RETRY_PAUSE == NOW + timedelta(minutes=5)
    assert mail.pending_count() == 1
    assert mail.failed_count() == 0
    assert outbox() == []


def test_a_failed_message_is_not_tried_again_before_its_pause(ctx, outbox, clock, relay):
    _queue(1)
    relay.down = True
    mail.deliver_queued()
    relay.down = False

    # Run again at once, and just before the pause is over: nothing is tried.
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    clock.advance(mail.RETRY_PAUSE - timedelta(seconds=1))
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    assert relay.tried == ["person0@example.org"]
    [row] = queued_mail()
    assert (row.attempts, row.sent_at) == (1, None)
    assert outbox() == []

    clock.advance(timedelta(seconds=1))
    assert mail.deliver_queued() == mail.Delivery(sent=1, failed=0, stopped=False)

    [row] = queued_mail()
    assert row.sent_at == NOW + mail.RETRY_PAUSE
    assert row.attempts == 2
    assert [m["To"] for m in outbox()] == ["person0@example.org"]


def test_a_failed_delivery_is_tried_again_once_its_time_has_come(ctx, outbox, relay):
    _queue(1)
    relay.down = True
    mail.deliver_queued()
    relay.down = False
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    # As if the pause were over.
    db.session.execute(
        OutgoingMail.__table__.update().values(
            next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
        )
    )
    db.session.commit()

    assert mail.deliver_queued() == mail.Delivery(sent=1, failed=0, stopped=False)

    [row] = queued_mail()
    assert row.sent_at is not None
    assert row.attempts == 2
    assert [m["To"] for m in outbox()] == ["person0@example.org"]


def test_the_pause_doubles_after_each_failure_then_delivery_gives_up(ctx, outbox, clock, relay):
    _queue(1)
    relay.down = True
    pauses = []

    for _ in range(MAX_DELIVERY_ATTEMPTS):
        assert mail.deliver_queued() == mail.Delivery(sent=0, failed=1, stopped=True)
        [row] = queued_mail()
        pauses.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at

    assert pauses == [mail.RETRY_PAUSE * 2**n for n in range(MAX_DELIVERY_ATTEMPTS)]
    assert pauses[:4] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert len(relay.tried) == MAX_DELIVERY_ATTEMPTS
    [row] = queued_mail()
    assert (row.attempts, row.sent_at, row.last_error) == (
        MAX_DELIVERY_ATTEMPTS,
        None,
        "Connection refused by mail.example.org",
    )
    # Given up on: not waiting any more, counted apart, never tried again.
    assert mail.pending_count() == 0
    assert mail.failed_count() == 1
    clock.advance(timedelta(days=30))
    relay.down = False
    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=0, stopped=False)
    assert len(relay.tried) == MAX_DELIVERY_ATTEMPTS
    assert outbox() == []


def test_retry_failed_gives_the_given_up_messages_a_fresh_start(ctx, outbox, clock, relay):
    _queue(2)
    db.session.execute(
        OutgoingMail.__table__.update()
        .where(OutgoingMail.to_address == "person0@example.org")
        .values(attempts=MAX_DELIVERY_ATTEMPTS, next_attempt_at=NOW + timedelta(hours=2))
    )
    db.session.commit()
    assert (mail.pending_count(), mail.failed_count()) == (1, 1)

    assert mail.retry_failed() == 1
    db.session.commit()

    assert (mail.pending_count(), mail.failed_count()) == (2, 0)
    retried = next(r for r in queued_mail() if r.to_address == "person0@example.org")
    assert (retried.attempts, retried.next_attempt_at, retried.sent_at) == (0, None, None)
    assert mail.deliver_queued() == mail.Delivery(sent=2, failed=0, stopped=False)
    assert sorted(m["To"] for m in outbox()) == ["person0@example.org", "person1@example.org"]
    assert mail.retry_failed() == 0


def test_retry_failed_leaves_sent_and_waiting_mail_alone(ctx, outbox, relay):
    _queue(2)
    mail.deliver_queued(limit=1)
    relay.down = True
    mail.deliver_queued()
    before = [(r.id, r.sent_at, r.attempts, r.next_attempt_at) for r in queued_mail()]

    assert mail.retry_failed() == 0
    db.session.commit()

    assert [(r.id, r.sent_at, r.attempts, r.next_attempt_at) for r in queued_mail()] == before


def test_delivery_stops_at_the_first_failure_and_the_rest_stay_queued(ctx, outbox, relay):
    _queue(4)
    relay.refuse = {"person1@example.org"}

    assert mail.deliver_queued() == mail.Delivery(sent=1, failed=1, stopped=True)

    assert relay.tried == ["person0@example.org", "person1@example.org"]
    assert [m["To"] for m in outbox()] == ["person0@example.org"]
    rows = {row.to_address: row for row in queued_mail()}
    failed = rows["person1@example.org"]
    assert (failed.sent_at, failed.attempts, failed.last_error) == (
        None,
        1,
        "mailbox unavailable",
    )
    assert failed.next_attempt_at is not None
    for untouched in ("person2@example.org", "person3@example.org"):
        row = rows[untouched]
        assert (row.sent_at, row.attempts, row.last_error, row.next_attempt_at) == (
            None,
            0,
            "",
            None,
        )
    assert mail.pending_count() == 3

    # The next run sends the rest; the failed one waits for its pause.
    relay.refuse = set()
    assert mail.deliver_queued() == mail.Delivery(sent=2, failed=0, stopped=False)
    assert [m["To"] for m in outbox()][1:] == ["person2@example.org", "person3@example.org"]
    assert mail.pending_count() == 1


def test_a_relay_that_is_down_is_asked_once_per_run(ctx, outbox, relay):
    _queue(50)
    relay.down = True

    assert mail.deliver_queued() == mail.Delivery(sent=0, failed=1, stopped=True)

    assert relay.tried == ["person0@example.org"]
    assert [r.attempts for r in queued_mail()] == [1] + [0] * 49


def test_a_batch_is_delivered_alone(ctx, outbox):
    mine, theirs = mail.new_batch(), mail.new_batch()
    assert mine != theirs
    assert 0 < len(mine) <= 32
    _queue(2, prefix="older")  # queued earlier, by no request
    _queue(2, batch=theirs, prefix="theirs")
    _queue(3, batch=mine, prefix="mine")

    assert mail.deliver_queued(batch=mine) == mail.Delivery(sent=3, failed=0, stopped=False)

    assert sorted(m["To"] for m in outbox()) == [f"mine{i}@example.org" for i in range(3)]
    assert {r.batch for r in queued_mail() if r.sent_at is None} == {None, theirs}
    assert mail.pending_count() == 4
    assert mail.deliver_queued(batch=mine) == mail.Delivery(sent=0, failed=0, stopped=False)


def test_a_batch_respects_the_limit(ctx, outbox):
    batch = mail.new_batch()
    _queue(3, batch=batch)

    assert mail.deliver_queued(limit=2, batch=batch) == mail.Delivery(2, 0, False)

    assert sorted(m["To"] for m in outbox()) == ["person0@example.org", "person1@example.org"]


def test_queue_many_labels_the_messages_with_their_batch(ctx):
    _queue(1, batch="abc123")
    _queue(1, prefix="unlabelled")

    assert [(r.to_address, r.batch) for r in queued_mail()] == [
        ("person0@example.org", "abc123"),
        ("unlabelled0@example.org", None),
    ]


def test_send_and_describe_sends_the_batch_and_says_so(ctx, outbox):
    _queue(1, prefix="older")
    batch = mail.new_batch()
    _queue(1, batch=batch)

    assert mail.send_and_describe("Done.", batch, 1) == ("Done. The mail is sent.", "success")

    assert [m["To"] for m in outbox()] == ["person0@example.org"]
    assert mail.pending_count() == 1


def test_send_and_describe_counts_several_messages(ctx, outbox):
    batch = mail.new_batch()
    _queue(3, batch=batch)

    assert mail.send_and_describe("Done.", batch, 3) == (
        "Done. All 3 messages are sent.",
        "success",
    )


def test_send_and_describe_with_nothing_queued_says_only_the_message(ctx, outbox):
    assert mail.send_and_describe("Done.", mail.new_batch(), 0) == ("Done.", "success")


def test_send_and_describe_over_the_request_limit_leaves_the_rest_waiting(app, ctx, outbox):
    app.config["MAIL_SEND_IN_REQUEST_MAX"] = 2
    batch = mail.new_batch()
    _queue(5, batch=batch)

    text, category = mail.send_and_describe("Done.", batch, 5)

    assert category == "success"
    assert text.startswith("Done. 2 of 5 messages sent; the other 3 wait in the queue and go out")
    assert "flask --app lms mail send" in text
    assert len(outbox()) == 2
    assert mail.pending_count() == 3


def test_send_and_describe_when_the_relay_refuses_is_an_error(ctx, outbox, relay):
    batch = mail.new_batch()
    _queue(3, batch=batch)
    relay.refuse = {"person1@example.org"}

    text, category = mail.send_and_describe("Done.", batch, 3)

    assert category == "error"
    assert text == (
        "Done. 1 of 3 messages sent; the mail server did not take the other 2, which wait "
        "in the queue and will be tried again."
    )
    assert mail.pending_count() == 2


def test_reminders_sent_then_delivered_reach_the_outbox(ctx, outbox):
    ana = person("ana@example.org", "Ana López")
    cohort_due("Overdue", TODAY - timedelta(days=1), ana)

    send()
    mail.deliver_queued()

    [message] = outbox()
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == f"Reminder: {TITLE} is due 09 March 2027"
