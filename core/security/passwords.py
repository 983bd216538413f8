"""Password hashing with Argon2id, re-hashed at login whenever the cost parameters change, and the password rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: argon2-cffi's defaults follow RFC 9106's low-memory recommendation (Argon2id, t=3, m=64 MiB, p=4)
_hasher = PasswordHasher()

MINIMUM_LENGTH = 12

#: the most common passwords, one a line after a header that ends at the first blank line
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"

#: the rules as a user reads them on the set-password page
RULES_HINT = f"Use {MINIMUM_LENGTH} characters or more. Avoid common passwords: a short sentence is easier to remember."


def hash_password(password: str) -> str:
    """Return an Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; False for accounts without a password yet."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list, lower-cased, read once per process."""
    text = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    _header, _, body = text.partition("\n\n")
    return frozenset(line.strip().lower() for line in body.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in words for the user, or None if it meets the rules."""
    if len(password) < MINIMUM_LENGTH:
        return f"Password must be {MINIMUM_LENGTH} characters or more"
    if password.strip().lower() in common_passwords():
        return "Password is too common: choose one that is harder to guess"
    return None
