"""Sending mail: by SMTP when LMS_MAIL_SERVER is set, otherwise into the outbox folder.

The outbox (``instance/outbox/`` by default) holds each message as an ``.eml``
file that any mail program opens, so a machine with no mail server still works.
"""

from __future__ import annotations

import os
import secrets
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template, url_for

from lms.extensions import utcnow


def public_url(endpoint: str, **values) -> str:
    """An absolute link built on LMS_PUBLIC_URL, never on the request's Host header."""
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="lms.local")
    msg.set_content(render_template(template, **context))
    return msg


def send(msg: EmailMessage) -> bool:
    """Send or file one message. A failure is logged, never raised: a mail server
    that is down must not turn a page into an error (nor reveal who has an account)."""
    cfg = current_app.config
    try:
        if cfg["MAIL_SERVER"]:
            _send_smtp(msg, cfg)
        else:
            _write_to_outbox(msg, cfg["OUTBOX_DIR"])
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send mail to %s", msg["To"])
        return False
    return True


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
