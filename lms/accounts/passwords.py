"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# Verified against when no account matches, so that an unknown email costs the
# same time as a wrong password (no account enumeration by timing).
_DUMMY_PASSWORD = "not-a-real-password-for-timing-only"  # noqa: S105


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    cache = current_app.extensions.setdefault("lms_password_hasher", {})
    if key not in cache:
        cache[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
    return cache[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one hash computation."""
    hasher = _hasher()
    if not password_hash:
        cache = current_app.extensions.setdefault("lms_dummy_hash", {})
        dummy = cache.get(hasher.memory_cost) or cache.setdefault(
            hasher.memory_cost, hasher.hash(_DUMMY_PASSWORD)
        )
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(dummy, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problems(password: str, *, email: str = "", full_name: str = "") -> list[str]:
    """Every reason ``password`` is refused, as sentences for the person typing it.

    The rules follow NIST SP 800-63B: a minimum length and no composition rules,
    a generous maximum, and nothing guessable from the account itself.
    """
    cfg = current_app.config
    minimum, maximum = cfg["PASSWORD_MIN_LENGTH"], cfg["PASSWORD_MAX_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters; a short phrase is easiest.")
    if len(password) > maximum:
        problems.append(f"Use at most {maximum} characters.")
    lowered = password.strip().lower()
    email = email.strip().lower()
    local_part = email.split("@", 1)[0]
    if email and (lowered == email or (len(local_part) >= 4 and local_part in lowered)):
        problems.append("Don't use your email address in your password.")
    name = full_name.strip().lower()
    if name and lowered in {name, name.replace(" ", "")}:
        problems.append("Don't use your name as your password.")
    if password and len(set(password)) == 1:
        problems.append("Don't repeat a single character.")
    return problems
