"""Counting events per key in a sliding window, in the database.

Used for failed logins (per account and per client address) and for password
reset requests. Every app server shares the same counts.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from lms.accounts.models import ThrottleEvent
from lms.extensions import db


def key_for(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()
    return f"{kind}:{digest[:48]}"


def retry_after(key: str, *, limit: int, window_seconds: int, now: datetime) -> int:
    """Seconds until one more event is allowed for ``key`` (0: allowed now)."""
    since = now - timedelta(seconds=window_seconds)
    count, oldest = db.session.execute(
        select(func.count(ThrottleEvent.id), func.min(ThrottleEvent.at)).where(
            ThrottleEvent.key == key, ThrottleEvent.at > since
        )
    ).one()
    if count < limit:
        return 0
    # Blocked until enough events age out of the window. With ``limit`` events
    # counted, the oldest leaving frees one place.
    wait = (oldest + timedelta(seconds=window_seconds) - now).total_seconds()
    return max(1, math.ceil(wait))


def record(key: str, *, now: datetime, window_seconds: int) -> None:
    db.session.add(ThrottleEvent(key=key, at=now))
    # Events older than the window no longer count for anything.
    db.session.execute(
        delete(ThrottleEvent).where(
            ThrottleEvent.key == key,
            ThrottleEvent.at <= now - timedelta(seconds=window_seconds),
        )
    )


def clear(key: str) -> None:
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.key == key))
