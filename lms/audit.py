"""The audit trail: every administrative change, with who, when, what and before/after.

Rows are only ever added; nothing in the application updates or deletes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from lms.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User

# Who made a change that no account made.
VIA_LABELS = {"cli": "command line", "setup": "setup"}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # The events about one thing (a user's page), newest first; and the list of
    # target types, read from the index's leading column.
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None for changes made from the command line or by the first-run setup.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # How the change was made: "web", "cli" or "setup".
    via: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Read-only: loaded with the event for the trail's pages, never written through.
    actor: Mapped[User | None] = relationship(viewonly=True)

    @property
    def actor_label(self) -> str:
        """Who made the change, as the trail shows it (the actor must be loaded)."""
        if self.actor is not None:
            return f"{self.actor.full_name} <{self.actor.email}>"
        if self.via in VIA_LABELS:
            return VIA_LABELS[self.via]
        return "an account that no longer exists"

    @property
    def changes(self) -> list[tuple[str, str | None, str | None]]:
        """(field, before, after) for every key of before and after, as text;
        None where the side has no such key."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [
            (
                key.replace("_", " "),
                readable(before[key]) if key in before else None,
                readable(after[key]) if key in after else None,
            )
            for key in keys
        ]


def record(
    action: str,
    *,
    target_type: str,
    target_id: object,
    actor=None,
    via: str = "web",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction (committed with the change itself)."""
    event = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        actor_id=actor.id if actor is not None else None,
        via=via,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


# -- reading the trail -------------------------------------------------------------------


def readable(value: Any) -> str:
    """A before or after value as a person reads it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value or "(empty)"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class AuditFilters:
    """Every field is optional. ``action`` ending in a dot is a prefix ("cohort.")."""

    action: str = ""
    actor: str = ""  # part of the actor's email address, any case
    target_type: str = ""
    date_from: date | None = None  # UTC days, both included
    date_to: date | None = None


def _clean(text: str) -> str:
    return (text or "").replace("\x00", "").strip()


def _filtered(query, filters: AuditFilters):
    from lms.accounts.models import User

    action = _clean(filters.action)
    if action.endswith("."):
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    elif action:
        query = query.where(AuditEvent.action == action)
    actor = _clean(filters.actor)
    if actor:
        query = query.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(User.email.icontains(actor, autoescape=True))
            )
        )
    target_type = _clean(filters.target_type)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if filters.date_from is not None:
        query = query.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to is not None:
        query = query.where(AuditEvent.at <= datetime.combine(filters.date_to, time.max, UTC))
    return query


def _newest_first(filters: AuditFilters):
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    return _filtered(query, filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def events_page(filters: AuditFilters, page: int, per_page: int = 50):
    """One page of the trail, newest first, with each actor (two queries)."""
    return db.paginate(_newest_first(filters), page=page, per_page=per_page, error_out=False)


def events_for_export(filters: AuditFilters, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read in batches (for the CSV file)."""
    result = db.session.execute(_newest_first(filters).execution_options(yield_per=batch))
    yield from result.scalars()


def events_about(target_type: str, target_id: object, limit: int = 20) -> list[AuditEvent]:
    """The latest changes to one thing (a user's page shows them)."""
    query = _newest_first(AuditFilters(target_type=target_type)).where(
        AuditEvent.target_id == str(target_id)
    )
    return list(db.session.execute(query.limit(limit)).scalars())


def distinct_actions() -> list[str]:
    """Every action the trail holds, for the filter."""
    return list(
        db.session.execute(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        ).scalars()
    )


def distinct_target_types() -> list[str]:
    return list(
        db.session.execute(
            select(AuditEvent.target_type).distinct().order_by(AuditEvent.target_type)
        ).scalars()
    )


def target_users(events) -> dict[str, Any]:
    """The accounts that events about users point at, by target id (one query)."""
    from lms.accounts.models import User

    ids = {int(e.target_id) for e in events if e.target_type == "user" and e.target_id.isdigit()}
    if not ids:
        return {}
    users = db.session.execute(select(User).where(User.id.in_(ids))).scalars()
    return {str(user.id): user for user in users}
