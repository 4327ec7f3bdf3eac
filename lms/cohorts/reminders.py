"""Reminders for learners who are behind: enrolled, not complete, and their due
date is past or near. ``flask --app lms reminders send`` runs this from cron.

Each enrolment is reminded at most once per interval: the enrolments to remind
are claimed by one conditional UPDATE ... RETURNING, so two runs at the same
moment (two app servers' crons) never remind the same person twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import or_, select, update

from lms import mail
from lms.accounts.models import User
from lms.catalog.models import Course, CourseVersion
from lms.extensions import db
from lms.learning.models import Enrollment

SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class Due:
    enrollment_id: int
    user_id: int
    email: str
    full_name: str
    has_password: bool
    course_slug: str
    title: str
    due_on: object


def _behind(now: datetime, interval_days: int, within_days: int):
    # An hour's slack, so that a daily cron that runs a little earlier than last
    # week's run still finds last week's reminder old enough (no drift to day 8).
    cutoff = now - timedelta(days=interval_days) + SLACK
    horizon = now.date() + timedelta(days=within_days)
    return (
        Enrollment.completed_at.is_(None),
        Enrollment.due_on.is_not(None),
        Enrollment.due_on <= horizon,
        or_(Enrollment.reminded_at.is_(None), Enrollment.reminded_at <= cutoff),
    )


def learners_behind(now: datetime, *, interval_days: int, within_days: int) -> list[Due]:
    """Who would be reminded now (changes nothing)."""
    rows = db.session.execute(
        select(
            Enrollment.id,
            User.id,
            User.email,
            User.full_name,
            User.password_hash.is_not(None),
            Course.slug,
            CourseVersion.title,
            Enrollment.due_on,
        )
        .join(User, Enrollment.user_id == User.id)
        .join(Course, Enrollment.course_id == Course.id)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(User.active.is_(True), *_behind(now, interval_days, within_days))
        .order_by(Enrollment.due_on, User.email)
    ).all()
    return [Due(*row) for row in rows]


def send_reminders(
    now: datetime, *, interval_days: int, within_days: int, batch: str | None = None
) -> int:
    """Queue a reminder for every learner behind, and mark them reminded. The
    caller commits, then delivers the queue."""
    behind = learners_behind(now, interval_days=interval_days, within_days=within_days)
    if not behind:
        return 0
    claimed: set[int] = set()
    ids = [due.enrollment_id for due in behind]
    for start in range(0, len(ids), 500):
        claimed.update(
            db.session.execute(
                update(Enrollment)
                .where(
                    Enrollment.id.in_(ids[start : start + 500]),
                    *_behind(now, interval_days, within_days),
                )
                .values(reminded_at=now)
                .returning(Enrollment.id)
                .execution_options(synchronize_session=False)
            ).scalars()
        )
    site = current_app.config["SITE_NAME"]
    today = now.date()
    messages = []
    for due in behind:
        if due.enrollment_id not in claimed:
            continue
        link = mail.public_url("learning.resume", slug=due.course_slug)
        messages.append(
            {
                "kind": "reminder",
                "user_id": due.user_id,
                "to_address": due.email,
                "subject": f"Reminder: {due.title} is due {due.due_on:%d %B %Y}",
                "body": render_template(
                    "email/reminder.txt",
                    due=due,
                    overdue=due.due_on < today,
                    link=link,
                    site=site,
                ),
            }
        )
    return mail.queue_many(messages, batch=batch)
