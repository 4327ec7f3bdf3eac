"""Signed links: password reset and invitations (single use, expiring) and first-run setup."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.extensions import db

RESET_SALT = "lms.password-reset"
SETUP_SALT = "lms.first-administrator"
INVITATION_SALT = "lms.invitation"
TOKEN_MAX_LENGTH = 512  # anything longer is not one of ours


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Changes whenever the password, the session token or the email changes, which
    # makes a reset link single-use (using it sets a new password) and ends links
    # sent to an address the account no longer uses.
    material = f"{user.id}:{user.email}:{user.password_hash or ''}:{user.session_token}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def make_reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, or None if it is forged, expired or used."""
    if len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        data = _serializer(RESET_SALT).loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
        )
        user_id, fingerprint = int(data["u"]), str(data["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or _fingerprint(user) != fingerprint:
        return None
    return user


def make_invitation_token(user: User) -> str:
    return invitation_signer()(user)


def invitation_signer():
    """A function making invitation tokens, with one serializer for a whole batch."""
    serializer = _serializer(INVITATION_SALT)
    return lambda user: serializer.dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_invitation_token(token: str) -> User | None:
    """The invited account, while it has no password yet and the link has not expired.

    Setting the first password changes the fingerprint, so the link works once;
    a resent invitation keeps earlier ones valid until one of them is used.
    """
    if len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        data = _serializer(INVITATION_SALT).loads(
            token, max_age=current_app.config["INVITATION_MAX_AGE_SECONDS"]
        )
        user_id, fingerprint = int(data["u"]), str(data["f"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.active
        or user.password_hash is not None
        or _fingerprint(user) != fingerprint
    ):
        return None
    return user


def make_setup_token() -> str:
    return _serializer(SETUP_SALT).dumps({"purpose": "first-administrator"})


def setup_token_is_valid(token: str) -> bool:
    """Signed by this site and not expired; the caller also checks no admin exists yet."""
    if len(token) > TOKEN_MAX_LENGTH:
        return False
    try:
        data = _serializer(SETUP_SALT).loads(
            token, max_age=current_app.config["SETUP_LINK_MAX_AGE_SECONDS"]
        )
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("purpose") == "first-administrator"
