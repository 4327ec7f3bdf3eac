"""Issuing, finding, revoking and re-issuing certificates.

Functions add rows to the session; the caller commits once.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.accounts.models import User
from lms.catalog.models import Course, CourseVersion
from lms.certificates.models import CODE_LENGTH, Certificate
from lms.extensions import db, savepoint, utcnow

# 32 symbols that are hard to confuse when read aloud or typed: no 0/O and no
# 1/I (codes are shown in capitals, so there is no l). 13 symbols carry 65 bits.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE_RE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
CODE_INPUT_MAX = 64
CODE_ATTEMPTS = 5
REASON_MAX = 500


class CertificateError(ValueError):
    """A change the rules refuse; the message is for the person who asked."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str | None) -> str | None:
    """The stored form of a typed code (case and spacing forgiven), or None."""
    if not raw or len(raw) > CODE_INPUT_MAX:
        return None
    code = re.sub(r"[\s\-_.]", "", raw).upper()
    return code if _CODE_RE.match(code) else None


def by_code(raw: str | None) -> Certificate | None:
    code = normalise_code(raw)
    if code is None:
        return None
    return db.session.execute(
        select(Certificate).where(Certificate.code == code)
    ).scalar_one_or_none()


def current_for(enrollment_id: int) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(
            Certificate.enrollment_id == enrollment_id, Certificate.superseded_at.is_(None)
        )
    ).scalar_one_or_none()


def _new_certificate(enrollment, user: User, course: Course, version: CourseVersion, now):
    return Certificate(
        code=new_code(),
        enrollment_id=enrollment.id,
        user_id=user.id,
        course_id=course.id,
        version_id=version.id,
        learner_name=user.full_name,
        course_slug=course.slug,
        course_title=version.title,
        credit_hours=version.credit_hours,
        course_version_number=version.number,
        completed_at=enrollment.completed_at or now,
        issued_at=now,
    )


def issue(enrollment, version: CourseVersion, now: datetime | None = None) -> Certificate:
    """The enrolment's certificate, issued now if it has none: exactly one, even when
    two requests complete the course at the same moment (a partial unique index)."""
    existing = current_for(enrollment.id)
    if existing is not None:
        return existing
    now = now or utcnow()
    user = db.session.get(User, enrollment.user_id)
    course = db.session.get(Course, enrollment.course_id)
    for _ in range(CODE_ATTEMPTS):
        certificate = _new_certificate(enrollment, user, course, version, now)
        try:
            with savepoint():
                db.session.add(certificate)
        except IntegrityError:
            # Either another request issued it first, or (once in 2^65) the code
            # is taken: then draw another.
            existing = current_for(enrollment.id)
            if existing is not None:
                return existing
            continue
        return certificate
    raise CertificateError("Could not draw a free certificate code; please try again.")


def _free_code() -> str:
    """A code no certificate has yet (checked first, so a re-issue never collides)."""
    for _ in range(CODE_ATTEMPTS):
        code = new_code()
        taken = db.session.execute(select(Certificate.id).where(Certificate.code == code)).first()
        if taken is None:
            return code
    raise CertificateError("Could not draw a free certificate code; please try again.")


def on_course_completed(enrollment, version: CourseVersion, **extra) -> None:
    """Receiver of lms.learning.signals.course_completed."""
    issue(enrollment, version)


def replacement_of(certificate: Certificate) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(Certificate.replaces_id == certificate.id)
    ).scalar_one_or_none()


def current_certificates_of(user) -> list[Certificate]:
    """The learner's certificates that have not been replaced by a corrected one."""
    return [c for c in certificates_of(user) if c.superseded_at is None]


_CERTIFICATES_OF = (  # built once: the dashboard asks it on every view
    select(Certificate)
    .where(Certificate.user_id == bindparam("user_id"))
    .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
)


def certificates_of(user) -> list[Certificate]:
    return list(db.session.execute(_CERTIFICATES_OF, {"user_id": user.id}).scalars())


def revoke(certificate: Certificate, reason: str, *, actor, via: str, now=None) -> None:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"A reason has at most {REASON_MAX} characters.")
    if certificate.revoked_at is not None:
        raise CertificateError(
            f"This certificate was already revoked on {certificate.revoked_at:%d %B %Y}."
        )
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason
    audit.record(
        "certificate.revoke",
        target_type="certificate",
        target_id=certificate.code,
        actor=actor,
        via=via,
        before={"status": "valid"},
        after={"status": "revoked", "reason": reason},
    )


_FACTS_KEPT_ON_REISSUE = (
    "enrollment_id",
    "user_id",
    "course_id",
    "version_id",
    "course_slug",
    "course_title",
    "credit_hours",
    "course_version_number",
    "completed_at",
)


def reissue(certificate: Certificate, *, actor, via: str, now=None) -> Certificate:
    """A new certificate with the learner's current name; the old one is superseded."""
    if certificate.superseded_at is not None:
        raise CertificateError("This certificate has already been replaced by a newer one.")
    if certificate.revoked_at is not None:
        raise CertificateError("A revoked certificate cannot be re-issued.")
    now = now or utcnow()
    user = db.session.get(User, certificate.user_id)
    if user.full_name == certificate.learner_name:
        raise CertificateError(
            "The name on the account is the same as on the certificate: correct the "
            "name first, then re-issue."
        )
    # The old one stops being current first: one current certificate per enrolment.
    certificate.superseded_at = now
    db.session.flush()
    # The same facts as the old certificate but the name: only the name was wrong.
    kept = {column: getattr(certificate, column) for column in _FACTS_KEPT_ON_REISSUE}
    replacement = Certificate(
        **kept,
        code=_free_code(),
        replaces_id=certificate.id,
        learner_name=user.full_name,
        issued_at=now,
    )
    db.session.add(replacement)
    db.session.flush()
    audit.record(
        "certificate.reissue",
        target_type="certificate",
        target_id=certificate.code,
        actor=actor,
        via=via,
        before={"learner_name": certificate.learner_name},
        after={"learner_name": replacement.learner_name, "code": replacement.code},
    )
    return replacement


def search(query: str, limit: int = 100) -> list[Certificate]:
    """Certificates by code, learner name or course title, newest first."""
    statement = select(Certificate).order_by(Certificate.issued_at.desc()).limit(limit)
    query = (query or "").replace("\x00", "").strip()
    code = normalise_code(query)
    if code is not None:
        statement = statement.where(Certificate.code == code)
    elif query:
        statement = statement.where(
            Certificate.learner_name.icontains(query, autoescape=True)
            | Certificate.course_title.icontains(query, autoescape=True)
        )
    return list(db.session.execute(statement).scalars())


def current_of_course(course_slug: str) -> list[Certificate]:
    """The current (not superseded) certificates of a course, for a bulk download."""
    return list(
        db.session.execute(
            select(Certificate)
            .where(Certificate.course_slug == course_slug, Certificate.superseded_at.is_(None))
            .order_by(Certificate.learner_name)
        ).scalars()
    )
