"""Cohorts and their members. Removing a member or a course from a cohort deletes
only the link: enrolments, progress and certificates stay with the learner."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.extensions import UTCDateTime, db, utcnow

COHORT_NAME_MAX = 120
DESCRIPTION_MAX = 2000


class Cohort(db.Model):
    __tablename__ = "cohort"
    __table_args__ = (
        CheckConstraint(
            "opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on",
            name="window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(COHORT_NAME_MAX), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The enrolment window, both days included (UTC dates; either may be open):
    # members can be added within it. Outside it, adding is refused with the reason.
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    courses: Mapped[list[CohortCourse]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="CohortCourse.course_id"
    )


class CohortCourse(db.Model):
    """A course of a cohort, with the date its members should complete it by."""

    __tablename__ = "cohort_course"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The last day to complete the course (UTC date), if any.
    due_on: Mapped[date | None] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="courses")
    course: Mapped[Course] = relationship()


class CohortMember(db.Model):
    __tablename__ = "cohort_member"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RosterUpload(db.Model):
    """A CSV file uploaded for a cohort, kept between its preview and its
    confirmation (in the database, so any app server can apply it)."""

    __tablename__ = "roster_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
