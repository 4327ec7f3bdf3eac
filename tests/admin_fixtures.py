"""Shared helpers for the administration tests (users, audit trail, instructors).

Import what a test module needs: ``from tests.admin_fixtures import ...``.

- ``invited_user(app, ...)``: an account created by an administrator, with no
  password yet (the person has not followed the invitation).
- ``cohort_with(app, name, users)``: a cohort whose members are ``users``.
- ``user_row(app, user_id)``: the account as stored now, a plain snapshot.
- ``audit_rows(app, action)``: the audit trail, oldest first (from
  ``tests.certificate_fixtures``).
- ``record_event(app, ...)``: an audit event at a chosen time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lms import audit
from lms.accounts import services
from lms.accounts.models import User
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db
from tests.certificate_fixtures import audit_rows  # noqa: F401  (re-exported)
from tests.conftest import UserRecord
from tests.learning_fixtures import snapshot


def invited_user(
    app, *, email: str = "invited@example.org", full_name: str = "Ines Invited", role="learner"
) -> UserRecord:
    with app.app_context():
        user = services.create_user(email=email, full_name=full_name, role=role, via="cli")
        db.session.commit()
        return UserRecord(user.id, user.email, user.full_name, user.role, "")


def cohort_with(app, name: str, users) -> int:
    with app.app_context():
        cohort = Cohort(name=name)
        db.session.add(cohort)
        db.session.flush()
        db.session.add_all(CohortMember(cohort_id=cohort.id, user_id=u.id) for u in users)
        db.session.commit()
        return cohort.id


def user_row(app, user_id: int) -> dict | None:
    with app.app_context():
        return snapshot(db.session.get(User, user_id))


def record_event(app, action: str, *, at: datetime, target_type="user", target_id="1", **kw):
    with app.app_context():
        event = audit.record(action, target_type=target_type, target_id=target_id, **kw)
        event.at = at.astimezone(UTC)
        db.session.commit()
        return event.id
