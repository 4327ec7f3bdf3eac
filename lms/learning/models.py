"""Learner records. They point at content by slugs (module, lesson, quiz key,
question), never by content row ids, so a new course version keeps them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import SLUG_MAX, Course, CourseVersion
from lms.extensions import UTCDateTime, db, utcnow


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "self" (the learner enrolled) or "cohort" (through a cohort).
    source: Mapped[str] = mapped_column(String(20), default="self")
    # The earliest due date of this course among the learner's cohorts, kept in
    # step by lms.cohorts.services.sync_due_dates.
    due_on: Mapped[date | None] = mapped_column(Date)
    # When the last reminder for this enrolment was sent (flask lms reminders send).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where "continue" leads: the last lesson opened, as "module-slug/lesson-slug".
    last_lesson: Mapped[str | None] = mapped_column(String(2 * SLUG_MAX + 1))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set exactly once, by a conditional UPDATE (see services.complete_if_done).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    completed_version: Mapped[CourseVersion | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on is not None and today > self.due_on


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "module_slug", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """One attempt at a quiz (a module quiz, the pre-test or the post-test).

    Answers are saved as the learner goes; submitting grades the attempt once.
    The order of questions and answers is chosen when the attempt starts and
    kept with it, so a reload shows the same order.
    """

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "quiz_key", "number"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_fraction"),
        # Covers the reports' best-score aggregates, which then never read the wide
        # rows (answers and feedback) of 10,000 learners' attempts.
        Index("ix_quiz_attempt_scores", "enrollment_id", "quiz_key", "score", "passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    quiz_key: Mapped[str] = mapped_column(String(SLUG_MAX + 10))
    number: Mapped[int]
    # The version whose questions this attempt shows (and is graded against).
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Question slugs in the order shown, and for each question the order of its
    # answers (indexes into the question's answers or pairs).
    question_order: Mapped[list[str]] = mapped_column(JSON)
    answer_orders: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    responses: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per question: score and the feedback shown, filled in when submitted.
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None]
    passed: Mapped[bool | None]


class EvaluationResponse(db.Model):
    __tablename__ = "evaluation_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
