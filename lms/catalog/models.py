"""The content model: a course has immutable versions; a version has modules,
lessons, quizzes, questions and images.

Every import and every publication from the browser makes a new version,
numbered from 1 and never changed afterwards. A course's draft (lms/authoring)
is a version row too, numbered 0, so at most one per course (the unique
``(course_id, number)``); it is the only row that changes, and publishing copies
it into a new numbered version. Learner records point at content by slug
(module, lesson, quiz, question), never by these row ids, so they survive new
versions.

``revision`` on a draft's settings, modules, lessons and quizzes changes (to a new
random value) with every saved edit: a save names the revision it was made from
and is refused if another save came first (docs/authoring.md, "Two people
editing").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import UTCDateTime, db, utcnow

SLUG_MAX = 80
DRAFT_NUMBER = 0  # the number of a course's draft version; published ones count from 1


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version learners see. Set by the import (and by publishing, later).
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id", use_alter=True, ondelete="SET NULL")
    )

    # Published versions only: the draft (number 0) is reached through lms.authoring.
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course",
        primaryjoin=lambda: and_(
            Course.id == CourseVersion.course_id, CourseVersion.number > DRAFT_NUMBER
        ),
        foreign_keys="CourseVersion.course_id",
        order_by="CourseVersion.number",
        viewonly=True,
    )
    current_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class CourseInstructor(db.Model):
    """An instructor of a course: edits it (lms/authoring) and sees its reports."""

    __tablename__ = "course_instructor"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseVersion(db.Model):
    __tablename__ = "course_version"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("credit_hours > 0", name="credit_hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    number: Mapped[int]
    # sha256 of the version's content: importing the same files again makes nothing new.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(20), default="import")  # import, browser, draft
    change_note: Mapped[str] = mapped_column(String(500), default="")
    # The version a draft was started from, and the version published from a draft.
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id", ondelete="SET NULL")
    )
    # The last saved edit of a draft (a published version keeps its draft's last).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    # A draft's: changed by every save, claimed by publishing and discarding.
    edit_stamp: Mapped[int | None]

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(300))
    credit_hours: Mapped[float]
    estimated_minutes: Mapped[int]
    pass_mark: Mapped[int]
    self_enrollment: Mapped[bool]
    objectives: Mapped[list[str]] = mapped_column(JSON)
    completion_rules: Mapped[list[str]] = mapped_column(JSON)
    evaluation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    references_md: Mapped[str] = mapped_column(Text, default="")
    references_html: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    based_on: Mapped[CourseVersion | None] = relationship(
        remote_side="CourseVersion.id", foreign_keys=[based_on_id]
    )

    @property
    def is_draft(self) -> bool:
        return self.number == DRAFT_NUMBER

    modules: Mapped[list[Module]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )
    quizzes: Mapped[list[Quiz]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )
    assets: Mapped[list[CourseAsset]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class Module(db.Model):
    __tablename__ = "module"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quiz: Mapped[Quiz | None] = relationship(back_populates="module")


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    content_note: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    module: Mapped[Module] = relationship(back_populates="lessons")


class Quiz(db.Model):
    """A module's quiz, or the course's pre-test or post-test."""

    __tablename__ = "quiz"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        CheckConstraint("kind IN ('module', 'pretest', 'posttest')", name="kind_known"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("max_attempts >= 0", name="max_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), unique=True
    )
    # Stable identity across versions: "module:<module slug>", "pretest" or "posttest".
    key: Mapped[str] = mapped_column(String(SLUG_MAX + 10))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int]
    max_attempts: Mapped[int] = mapped_column(default=0)  # 0: unlimited
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_answers: Mapped[bool] = mapped_column(default=True)
    graded: Mapped[bool] = mapped_column(default=True)
    # The GIFT text as written: exported unchanged.
    source: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    version: Mapped[CourseVersion] = relationship(back_populates="quizzes")
    module: Mapped[Module | None] = relationship(back_populates="quiz")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("quiz_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    # The question as parsed (gift.to_json), plus its texts rendered to HTML.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # This question alone in GIFT: parsed again to grade a response.
    source: Mapped[str] = mapped_column(Text)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")


class AssetBlob(db.Model):
    """File contents, stored once however many versions use them."""

    __tablename__ = "asset_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CourseAsset(db.Model):
    """An image of a course version, at its path inside the course folder."""

    __tablename__ = "course_asset"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(ForeignKey("asset_blob.sha256"))

    version: Mapped[CourseVersion] = relationship(back_populates="assets")
