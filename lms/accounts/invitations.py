"""Invitations: an account created for someone (by an administrator, or from a
cohort's CSV file) gets a signed, expiring, single-use link to set its first
password. Messages are queued (lms.mail) in the transaction that created the
account, so an enrolment that is rolled back invites nobody."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Protocol

from flask import current_app, render_template
from sqlalchemy import update

from lms import audit, mail
from lms.accounts import tokens
from lms.accounts.models import User
from lms.extensions import db
from lms.refusals import Refusal

# Stand in for what differs per person while a batch's message is rendered once.
_TOKEN_SLOT = "TOKEN-SLOT"  # noqa: S105 (a placeholder, not a secret)
_NAME_SLOT = "\x00name\x00"  # names and addresses never hold control characters
_EMAIL_SLOT = "\x00email\x00"


class Invitee(Protocol):
    id: int
    email: str
    full_name: str
    password_hash: str | None
    session_token: str


class InvitationError(Refusal):
    """An invitation cannot be sent to this account (the message says why)."""


def _link_template() -> str:
    return mail.public_url("accounts.accept_invitation", token=_TOKEN_SLOT)


def _days() -> int:
    return max(1, current_app.config["INVITATION_MAX_AGE_SECONDS"] // 86400)


def queue_invitations(
    people: list[Invitee],
    *,
    courses: list[str],
    cohort_name: str = "",
    now: datetime,
    batch: str | None = None,
) -> int:
    """Queue an invitation for each person (who must have no password yet).

    ``courses`` are the titles the person is enrolled in, named in the message.
    The message is rendered once and only the name, address and token differ, so
    thousands of invitations cost milliseconds, not a template each.
    """
    if not people:
        return 0
    link = _link_template()
    site = current_app.config["SITE_NAME"]
    # Rendered once, with slots for what differs per person (plain text: nothing is
    # escaped, and names and addresses hold no control characters, so no slot can
    # occur in them).
    text = render_template(
        "email/invitation.txt",
        person=SimpleNamespace(full_name=_NAME_SLOT, email=_EMAIL_SLOT),
        link=link,
        days=_days(),
        courses=courses,
        cohort_name=cohort_name,
    )
    sign = tokens.invitation_signer()
    messages = [
        {
            "kind": "invitation",
            "user_id": person.id,
            "to_address": person.email,
            "subject": f"You are invited to {site}",
            # The token first: a name may contain anything printable, even "TOKEN-SLOT".
            "body": text.replace(_TOKEN_SLOT, sign(person))
            .replace(_NAME_SLOT, person.full_name)
            .replace(_EMAIL_SLOT, person.email),
        }
        for person in people
    ]
    mail.queue_many(messages, batch=batch)
    ids = [p.id for p in people]
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(User)
            .where(User.id.in_(ids[start : start + 500]))
            .values(invited_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(messages)


def resend(user: User, *, actor, via: str, now: datetime, batch: str | None = None) -> None:
    """A new invitation for someone who has not set a password yet."""
    if not user.active:
        raise InvitationError("This account is deactivated: reactivate it before inviting.")
    if user.password_hash is not None:
        raise InvitationError(
            "This person has already set a password: they can sign in, or use "
            "“Forgot your password?” on the sign-in page."
        )
    from lms.learning.services import enrolled_course_titles

    queue_invitations([user], courses=enrolled_course_titles(user), now=now, batch=batch)
    db.session.refresh(user)
    audit.record(
        "user.invite",
        target_type="user",
        target_id=user.id,
        actor=actor,
        via=via,
        after={"email": user.email},
    )
