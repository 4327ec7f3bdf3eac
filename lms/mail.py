"""Sending mail: by SMTP when LMS_MAIL_SERVER is set, otherwise into the outbox folder.

The outbox (``instance/outbox/`` by default) holds each message as an ``.eml``
file that any mail program opens, so a machine with no mail server still works.

Mail to many people at once (invitations, reminders) is queued in the
``outgoing_mail`` table inside the transaction that caused it, so a change that
is rolled back sends nothing, and delivered in batches by :func:`deliver_queued`
(``flask --app lms mail send``, safe to run from cron on any app server).
"""

from __future__ import annotations

import os
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template, url_for
from sqlalchemy import ForeignKey, String, Text, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

SUBJECT_MAX = 300
MAX_DELIVERY_ATTEMPTS = 5
RETRY_PAUSE = timedelta(minutes=5)


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the mail is about ("invitation", "enrolled", "reminder"), for the queue page.
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    # The request or command that queued it, so that a request sends its own mail.
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    # Pending while sent_at is NULL and attempts < MAX_DELIVERY_ATTEMPTS; after a
    # failure, not tried again before next_attempt_at.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")


def public_url(endpoint: str, **values) -> str:
    """An absolute link built on LMS_PUBLIC_URL, never on the request's Host header."""
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    return _message(to, subject, render_template(template, **context))


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="lms.local")
    msg.set_content(body)
    return msg


def send(msg: EmailMessage) -> bool:
    """Send or file one message. A failure is logged, never raised: a mail server
    that is down must not turn a page into an error (nor reveal who has an account)."""
    try:
        _deliver(msg)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send mail to %s", msg["To"])
        return False
    return True


def _deliver(msg: EmailMessage) -> None:
    cfg = current_app.config
    if cfg["MAIL_SERVER"]:
        _send_smtp(msg, cfg)
    else:
        _write_to_outbox(msg, cfg["OUTBOX_DIR"])


def _send_smtp(msg: EmailMessage, cfg) -> None:
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=cfg["MAIL_TIMEOUT_SECONDS"]
    ) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)


def _write_to_outbox(msg: EmailMessage, folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    # Sortable by time, unique across processes.
    name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(bytes(msg))
    current_app.logger.info("Mail to %s written to %s", msg["To"], path)
    return path


# -- the queue -----------------------------------------------------------------


def new_batch() -> str:
    """A label for the mail one request or command queues, to send just that."""
    return secrets.token_hex(8)


def queue_many(messages: list[dict], batch: str | None = None) -> int:
    """Queue messages in one statement. Each dict has kind, user_id, to_address,
    subject and body. Nothing is sent until the transaction commits and
    :func:`deliver_queued` runs."""
    if not messages:
        return 0
    now = utcnow()
    rows = [
        {**m, "subject": m["subject"][:SUBJECT_MAX], "created_at": now, "batch": batch}
        for m in messages
    ]
    db.session.execute(insert(OutgoingMail.__table__), rows)  # the table: faster in bulk
    return len(rows)


def _due(now: datetime):
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.attempts < MAX_DELIVERY_ATTEMPTS,
        or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now),
    )


def pending_count() -> int:
    """Messages not sent yet that will still be tried."""
    return db.session.execute(
        select(func.count())
        .select_from(OutgoingMail)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_DELIVERY_ATTEMPTS)
    ).scalar_one()


def failed_count() -> int:
    """Messages given up on after MAX_DELIVERY_ATTEMPTS (``mail retry`` tries them again)."""
    return db.session.execute(
        select(func.count())
        .select_from(OutgoingMail)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts >= MAX_DELIVERY_ATTEMPTS)
    ).scalar_one()


def retry_failed() -> int:
    """Give the messages given up on a fresh set of attempts."""
    return db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts >= MAX_DELIVERY_ATTEMPTS)
        .values(attempts=0, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    # True when delivery stopped at a failure (the relay is down): the rest wait.
    stopped: bool = False


def deliver_queued(limit: int = 500, *, batch: str | None = None) -> Delivery:
    """Send up to ``limit`` queued messages that are due, oldest first (only those
    of ``batch`` when given). Stops at the first failure: when the mail relay is
    down, one failed connection is enough to know, and the rest wait for the next
    run rather than holding a request.

    Each message is claimed by a conditional UPDATE before it is sent, so two
    processes running this at once never send the same message twice (a process
    killed between the claim and the sending loses that one message: at most
    once, never twice). A failed message is tried again after a growing pause
    (5 minutes, then 10, 20, 40), up to MAX_DELIVERY_ATTEMPTS times.
    """
    query = select(OutgoingMail.id).where(*_due(utcnow())).order_by(OutgoingMail.id)
    if batch is not None:
        query = query.where(OutgoingMail.batch == batch)
    ids = db.session.execute(query.limit(limit)).scalars().all()
    sent = 0
    for mail_id in ids:
        claimed = db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, *_due(utcnow()))
            .values(sent_at=utcnow(), attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        row = db.session.get(OutgoingMail, mail_id)
        try:
            _deliver(_message(row.to_address, row.subject, row.body))
        except (OSError, smtplib.SMTPException) as error:
            current_app.logger.exception("Could not send mail to %s", row.to_address)
            row.sent_at = None
            row.last_error = str(error)[:500]
            row.next_attempt_at = utcnow() + RETRY_PAUSE * 2 ** (row.attempts - 1)
            db.session.commit()
            return Delivery(sent=sent, failed=1, stopped=True)
        sent += 1
        db.session.commit()
    return Delivery(sent=sent, failed=0)


def send_batch_now(batch: str) -> Delivery:
    """At the end of a request: send the mail that request queued (up to
    LMS_MAIL_SEND_IN_REQUEST_MAX messages); the rest waits for ``mail send``."""
    return deliver_queued(current_app.config["MAIL_SEND_IN_REQUEST_MAX"], batch=batch)


def send_and_describe(message: str, batch: str, queued: int) -> tuple[str, str]:
    """After a request's commit: send its mail, and return (sentence, flash
    category) saying what was done and what became of the mail."""
    delivery = send_batch_now(batch)
    text = f"{message} {delivery_note(delivery, queued)}".strip()
    return text, "error" if delivery.stopped else "success"


def delivery_note(delivery: Delivery, queued: int) -> str:
    """What became of the ``queued`` messages, for the person who caused them."""
    if queued <= 0:
        return ""
    if delivery.sent >= queued:
        return "The mail is sent." if queued == 1 else f"All {queued:,} messages are sent."
    waiting = queued - delivery.sent
    if delivery.stopped:
        return (
            f"{delivery.sent:,} of {queued:,} messages sent; the mail server did not take the "
            f"other {waiting:,}, which wait in the queue and will be tried again."
        )
    return (
        f"{delivery.sent:,} of {queued:,} messages sent; the other {waiting:,} wait in the "
        "queue and go out when `flask --app lms mail send` runs, or with the button below."
    )
