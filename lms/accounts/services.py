"""Account rules as plain functions: explicit arguments, no request, no current_user.

Functions add and change rows in the session; the caller (a view or a command)
commits once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import exists, func, or_, select

from lms import audit, mail
from lms.accounts import throttle, tokens
from lms.accounts.models import (
    EMAIL_MAX,
    NAME_MAX,
    PROFESSION_MAX,
    Role,
    User,
    new_session_token,
)
from lms.accounts.passwords import hash_password, needs_rehash, password_problems, verify_password
from lms.catalog.models import Course, CourseVersion
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.refusals import Refusal


class AccountError(Refusal):
    """A rule refused the change. ``field`` names the form field it concerns."""


# -- reading -----------------------------------------------------------------


# A plain ASCII address (dot-atom local part, letters-digits-hyphens domain, a
# letters-only top-level domain): email_validator accepts every one of these and
# normalises it to itself, lower-cased here. Checking them with a regular expression
# first makes a 100,000-row roster ten times faster to read; anything else (Unicode,
# quoted local parts, odd domains) goes through email_validator itself.
_PLAIN_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{4,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)


def checked_email(raw: str) -> str | None:
    """The stored (lower-case) form of an address that is at most EMAIL_MAX characters,
    or None if email_validator refuses it."""
    if _PLAIN_EMAIL.fullmatch(raw):
        domain = raw.rsplit("@", 1)[1].lower()
        if not any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE):
            return raw.lower()
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def normalise_email(raw: str) -> str:
    """The stored form of an email address, or AccountError if it is not one."""
    raw = (raw or "").strip()
    if not raw:
        raise AccountError("Enter an email address.", "email")
    if len(raw) > EMAIL_MAX:
        raise AccountError(f"An email address has at most {EMAIL_MAX} characters.", "email")
    checked = checked_email(raw)
    if checked is None:
        raise AccountError("Enter an email address in the form name@example.org.", "email")
    return checked


def find_user_by_email(raw: str) -> User | None:
    try:
        email = normalise_email(raw)
    except AccountError:
        return None
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def administrator_exists() -> bool:
    """Whether any administrator account exists, active or not.

    A deactivated administrator still counts: the setup link must never reopen
    (an operator reactivates one with ``flask --app lms users activate``).
    """
    return (
        db.session.execute(select(User.id).where(User.role == Role.ADMINISTRATOR).limit(1)).first()
        is not None
    )


def load_user_from_session(user_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds ``id:session_token``."""
    ident, _, token = (user_id or "").partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


# -- validating ----------------------------------------------------------------


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def _clean_name(full_name: str) -> str:
    name = " ".join((full_name or "").split())
    if has_control_characters(name):
        raise AccountError("A name cannot contain control characters.", "full_name")
    if not name:
        raise AccountError("Enter your full name as it should appear on certificates.", "full_name")
    if len(name) > NAME_MAX:
        raise AccountError(f"A name has at most {NAME_MAX} characters.", "full_name")
    return name


def _clean_profession(profession: str) -> str:
    value = " ".join((profession or "").split())
    if has_control_characters(value):
        raise AccountError(
            "Profession or training level cannot contain control characters.", "profession"
        )
    if len(value) > PROFESSION_MAX:
        raise AccountError(
            f"Profession or training level has at most {PROFESSION_MAX} characters.",
            "profession",
        )
    return value


def _check_password(password: str, email: str, full_name: str, field: str = "password") -> None:
    problems = password_problems(password, email=email, full_name=full_name)
    if problems:
        raise AccountError(" ".join(problems), field)


def _check_email_free(email: str, user: User | None = None) -> None:
    query = select(User.id).where(User.email == email)
    if user is not None:
        query = query.where(User.id != user.id)
    if db.session.execute(query).first() is not None:
        raise AccountError("An account with this email address already exists.", "email")


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AccountError(f"Unknown role {role!r}: use one of {known}.", "role") from None


# -- changing ----------------------------------------------------------------


def create_user(
    *,
    email: str,
    full_name: str,
    role: str = Role.LEARNER,
    password: str | None = None,
    profession: str = "",
    actor: User | None = None,
    via: str = "web",
) -> User:
    """A new account. Without a password the person sets one from a link later."""
    email = normalise_email(email)
    name = _clean_name(full_name)
    profession = _clean_profession(profession)
    role = _role(role)
    if password is not None:
        _check_password(password, email, name)
    _check_email_free(email)
    user = User(
        email=email,
        full_name=name,
        profession=profession,
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        target_type="user",
        target_id=user.id,
        actor=actor,
        via=via,
        after={"email": email, "full_name": name, "role": role.value},
    )
    return user


def create_first_administrator(*, email: str, full_name: str, profession: str, password: str):
    """The setup link's account; refused once any administrator exists."""
    if administrator_exists():
        raise AccountError("An administrator already exists; sign in instead.")
    return create_user(
        email=email,
        full_name=full_name,
        profession=profession,
        password=password,
        role=Role.ADMINISTRATOR,
        via="setup",
    )


def _throttle_identity(email: str) -> str:
    """Every spelling of one address counts against the same account."""
    try:
        return normalise_email(email)
    except AccountError:
        return (email or "").strip().lower()


@dataclass
class LoginOutcome:
    user: User | None = None
    retry_after_seconds: int = 0
    inactive: bool = False


def authenticate(email: str, password: str, client_address: str, now: datetime) -> LoginOutcome:
    """Check a login, counting failures per account and per client address.

    An unknown email and a wrong password cost the same time and give the same
    outcome. While either counter is over its limit nothing is checked at all.
    """
    cfg = current_app.config
    window = cfg["LOGIN_THROTTLE_WINDOW_SECONDS"]
    account_key = throttle.key_for("login-account", _throttle_identity(email))
    address_key = throttle.key_for("login-address", client_address or "unknown")
    wait = max(
        throttle.retry_after(
            account_key,
            limit=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            window_seconds=window,
            now=now,
        ),
        throttle.retry_after(
            address_key,
            limit=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            window_seconds=window,
            now=now,
        ),
    )
    if wait:
        return LoginOutcome(retry_after_seconds=wait)
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        throttle.record(account_key, now=now, window_seconds=window)
        throttle.record(address_key, now=now, window_seconds=window)
        return LoginOutcome()
    if not user.active:
        return LoginOutcome(inactive=True)
    throttle.clear(account_key)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginOutcome(user=user)


def set_password(user: User, new_password: str) -> None:
    """A new password; every other session of the account ends."""
    _check_password(new_password, user.email, user.full_name)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    # The owner proved control of the account: lift any lock on it.
    throttle.clear(throttle.key_for("login-account", _throttle_identity(user.email)))


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not correct.", "current_password")
    _check_password(new_password, user.email, user.full_name, "new_password")
    set_password(user, new_password)


def update_profile(user: User, *, full_name: str, profession: str) -> None:
    name, profession = _clean_name(full_name), _clean_profession(profession)
    user.full_name, user.profession = name, profession


def change_email(user: User, current_password: str, new_email: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not correct.", "current_password")
    email = normalise_email(new_email)
    if email == user.email:
        raise AccountError("That is already your email address.", "email")
    _check_email_free(email, user)
    user.email = email


def set_role(user: User, role: str, *, actor: User | None, via: str) -> None:
    new = _role(role)
    if new.value == user.role:
        return
    if _is_self(actor, user) and user.role == Role.ADMINISTRATOR:
        # Keeps at least one administrator able to undo the change.
        raise AccountError(
            "You cannot remove your own administrator role. Ask another administrator.",
            "role",
        )
    before = user.role
    user.role = new.value
    audit.record(
        "user.role",
        target_type="user",
        target_id=user.id,
        actor=actor,
        via=via,
        before={"role": before},
        after={"role": new.value},
    )


def set_active(user: User, active: bool, *, actor: User | None, via: str) -> None:
    if user.active == active:
        return
    if not active and _is_self(actor, user):
        raise AccountError("You cannot deactivate your own account. Ask another administrator.")
    user.active = active
    if not active:
        user.session_token = new_session_token()  # signs them out everywhere
    audit.record(
        "user.activate" if active else "user.deactivate",
        target_type="user",
        target_id=user.id,
        actor=actor,
        via=via,
        before={"active": not active},
        after={"active": active},
    )


def request_password_reset(email: str, client_address: str, now: datetime) -> int:
    """Mail a reset link if the account exists. Returns seconds to wait when throttled.

    The caller shows the same message whether or not the account exists. Requests
    are counted per client address (the caller tells the person to wait) and per
    account (further mails are silently not sent, so nobody is flooded).
    """
    cfg = current_app.config
    window = cfg["RESET_THROTTLE_WINDOW_SECONDS"]
    address_key = throttle.key_for("reset-address", client_address or "unknown")
    wait = throttle.retry_after(
        address_key, limit=cfg["RESET_MAX_REQUESTS_PER_ADDRESS"], window_seconds=window, now=now
    )
    if wait:
        return wait
    throttle.record(address_key, now=now, window_seconds=window)
    user = find_user_by_email(email)
    if user is None or not user.active:
        return 0
    account_key = throttle.key_for("reset-account", user.email)
    if throttle.retry_after(
        account_key, limit=cfg["RESET_MAX_REQUESTS_PER_ACCOUNT"], window_seconds=window, now=now
    ):
        return 0
    throttle.record(account_key, now=now, window_seconds=window)
    link = mail.public_url("accounts.reset_password", token=tokens.make_reset_token(user))
    minutes = cfg["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60
    mail.send(
        mail.compose(
            user.email,
            f"Reset your {cfg['SITE_NAME']} password",
            "email/reset_password.txt",
            user=user,
            link=link,
            minutes=minutes,
        )
    )
    return 0


def setup_link() -> str | None:
    """The one-time link to create the first administrator, while none exists."""
    if administrator_exists():
        return None
    return mail.public_url("accounts.setup", token=tokens.make_setup_token())


# -- administration --------------------------------------------------------------


def _is_self(actor: User | None, user: User) -> bool:
    return actor is not None and actor.id == user.id


def update_user(
    user: User, *, email: str, full_name: str, profession: str, actor: User | None, via: str
) -> list[str]:
    """An administrator corrects someone's details. Returns the fields that changed.

    One audit event holds the changed fields only, before and after; nothing
    changed, nothing recorded. A new email address ends earlier invitation and
    reset links (they were sent to the old one).
    """
    new = {
        "email": normalise_email(email),
        "full_name": _clean_name(full_name),
        "profession": _clean_profession(profession),
    }
    if new["email"] != user.email:
        _check_email_free(new["email"], user)
    before = {key: getattr(user, key) for key, value in new.items() if getattr(user, key) != value}
    if not before:
        return []
    after = {key: new[key] for key in before}
    for key, value in after.items():
        setattr(user, key, value)
    audit.record(
        "user.update",
        target_type="user",
        target_id=user.id,
        actor=actor,
        via=via,
        before=before,
        after=after,
    )
    return list(after)


class UserStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    # Created (by an administrator or from a cohort's file) and not signed up yet.
    INVITED = "invited"


STATUS_LABELS = {
    UserStatus.ACTIVE: "Active",
    UserStatus.DEACTIVATED: "Deactivated",
    UserStatus.INVITED: "Invited, not signed up yet",
}


def status_of(user: User) -> UserStatus:
    if not user.active:
        return UserStatus.DEACTIVATED
    if user.password_hash is None:
        return UserStatus.INVITED
    return UserStatus.ACTIVE


@dataclass(frozen=True)
class UserFilters:
    """What the administrators' list and ``users list`` narrow accounts down by."""

    search: str = ""  # part of the name or of the email address, any case
    role: str = ""
    status: str = ""  # a UserStatus value
    cohort_id: int | None = None


def _filtered(query, filters: UserFilters):
    search = filters.search.replace("\x00", "").strip()
    if search:
        query = query.where(
            or_(
                User.full_name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
            )
        )
    if filters.role:
        query = query.where(User.role == _role(filters.role).value)
    if filters.status:
        try:
            status = UserStatus(filters.status)
        except ValueError:
            known = ", ".join(s.value for s in UserStatus)
            raise AccountError(
                f"Unknown status {filters.status!r}: use one of {known}.", "status"
            ) from None
        if status is UserStatus.DEACTIVATED:
            query = query.where(User.active.is_(False))
        else:
            query = query.where(User.active.is_(True))
            if status is UserStatus.INVITED:
                query = query.where(User.password_hash.is_(None))
            else:
                query = query.where(User.password_hash.is_not(None))
    if filters.cohort_id is not None:
        query = query.where(
            exists().where(
                CohortMember.user_id == User.id, CohortMember.cohort_id == filters.cohort_id
            )
        )
    return query


def users_page(page: int, per_page: int = 50, *, filters: UserFilters | None = None):
    """Users by name for the administrators' list, one page at a time (two queries)."""
    query = _filtered(select(User), filters or UserFilters())
    query = query.order_by(func.lower(User.full_name), User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def users_matching(filters: UserFilters) -> list[User]:
    """Every account that matches, by email address (for the command line)."""
    query = _filtered(select(User), filters).order_by(User.email)
    return list(db.session.execute(query).scalars())


def cohort_choices() -> list[tuple[int, str]]:
    """Every cohort as (id, name), by name: the list's cohort filter."""
    rows = db.session.execute(select(Cohort.id, Cohort.name).order_by(func.lower(Cohort.name)))
    return [(cohort_id, name) for cohort_id, name in rows]


def cohort_named(name: str) -> Cohort | None:
    return db.session.execute(
        select(Cohort).where(Cohort.name == (name or "").strip())
    ).scalar_one_or_none()


@dataclass(frozen=True)
class EnrolmentSummary:
    course_slug: str
    course_title: str  # the current version's title, or the slug when unpublished
    enrolled_at: datetime
    completed_at: datetime | None
    due_on: date | None


def enrolments_of(user: User) -> list[EnrolmentSummary]:
    """Every course the person is enrolled in, published or not (one query)."""
    rows = db.session.execute(
        select(
            Course.slug,
            CourseVersion.title,
            Enrollment.enrolled_at,
            Enrollment.completed_at,
            Enrollment.due_on,
        )
        .join(Course, Enrollment.course_id == Course.id)
        .outerjoin(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(Enrollment.user_id == user.id)
        .order_by(Enrollment.enrolled_at.desc(), Course.slug)
    )
    return [
        EnrolmentSummary(slug, title or slug, enrolled_at, completed_at, due_on)
        for slug, title, enrolled_at, completed_at, due_on in rows
    ]


def cohorts_of(user: User) -> list[tuple[str, datetime]]:
    """The cohorts the person is a member of, as (name, added at), by name."""
    rows = db.session.execute(
        select(Cohort.name, CohortMember.added_at)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id)
        .order_by(func.lower(Cohort.name))
    )
    return [(name, added_at) for name, added_at in rows]
