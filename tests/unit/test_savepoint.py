"""``extensions.savepoint``: a savepoint that is the first write of a transaction
does not commit on SQLite (Python's sqlite3 opens no transaction before it)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.extensions import db, savepoint


def _accounts(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(User.id))).scalar_one()


def test_rows_written_in_a_savepoint_go_when_the_transaction_rolls_back(app):
    with app.app_context():
        with savepoint():
            db.session.add(User(email="kept@example.org", full_name="Kept", role="learner"))
        db.session.rollback()
    assert _accounts(app) == 0


def test_a_failed_savepoint_leaves_the_transaction_usable(app, make_user):
    make_user(email="taken@example.org")
    with app.app_context():
        db.session.add(User(email="first@example.org", full_name="First", role="learner"))
        db.session.flush()
        try:
            with savepoint():
                db.session.add(User(email="taken@example.org", full_name="Twin", role="learner"))
        except IntegrityError:
            pass
        db.session.commit()
    assert _accounts(app) == 2
