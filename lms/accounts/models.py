from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

EMAIL_MAX = 254
NAME_MAX = 200
PROFESSION_MAX = 120


class Role(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMINISTRATOR = "administrator"


ROLE_LABELS = {
    Role.LEARNER: "Learner",
    Role.INSTRUCTOR: "Instructor",
    Role.ADMINISTRATOR: "Administrator",
}


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person with an account. Never hard-deleted once they have records."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('learner', 'instructor', 'administrator')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case): see services.normalise_email.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    # Exactly as the person writes it; printed on certificates.
    full_name: Mapped[str] = mapped_column(String(NAME_MAX))
    profession: Mapped[str] = mapped_column(String(PROFESSION_MAX), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER.value)
    # None until the person sets a password (invited accounts).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: changing it (new password, deactivation) ends
    # every session and "remember me" cookie of this account.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last invitation (a link to set a first password) was sent.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ThrottleEvent(db.Model):
    """One counted event (a failed login, a reset request) for a throttle key.

    Kept in the database so that every app server counts the same events. Keys
    are hashes, so a password typed into the email field is never stored.
    """

    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
