"""A certificate: the facts of one completion, frozen when it is issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

CODE_LENGTH = 13


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # Exactly one current certificate per completed enrolment; a re-issue
        # (after a name correction) supersedes the old one.
        Index(
            "uq_certificate_current_per_enrollment",
            "enrollment_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, from an alphabet without 0/O or 1/I/l; shown grouped (ABCD-EFGH-JKLMN).
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    # The facts as they were at issue: later edits to the account or the course
    # do not change a certificate (a name correction re-issues it).
    learner_name: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(80))
    course_title: Mapped[str] = mapped_column(String(200))
    credit_hours: Mapped[float]
    course_version_number: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    # A re-issue: the new certificate names the one it replaces, which is then
    # marked superseded.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "superseded"
        return "valid"

    @property
    def display_code(self) -> str:
        return format_code(self.code)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
