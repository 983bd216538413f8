"""Signed links for setting a password: a reset link (one hour) and a new user's invitation (days).

A token carries the user's id and a fingerprint of their email and current password hash, so it dies as soon as it
has been used (the hash changes), when the password changes any other way, or when the email address changes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from core.extensions import db
from core.security.models import User

RESET = "pw-reset"
INVITE = "pw-invite"

RESET_LIFETIME = timedelta(hours=1)


def lifetime(purpose: str) -> timedelta:
    """How long a token for this purpose stays valid."""
    if purpose == RESET:
        return RESET_LIFETIME
    if purpose == INVITE:
        return timedelta(days=current_app.config["INVITE_EXPIRY_DAYS"])
    raise ValueError(f'Unknown token purpose "{purpose}"')


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be set, so a token can be made or checked as of a given time."""

    def __init__(self, *args, at: datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return int(self.at.timestamp()) if self.at is not None else super().get_timestamp()


def _serializer(purpose: str, at: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=purpose, signer=_ClockSigner, signer_kwargs={"at": at}
    )


def _fingerprint(user: User) -> str:
    # a digest rather than the hash itself, so the link reveals nothing of the password hash
    material = f"{user.id}:{user.email}:{user.password_hash or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def make_token(user: User, purpose: str, at: datetime | None = None) -> str:
    """A signed token for the user; ``at`` backdates it (tests of expiry)."""
    lifetime(purpose)
    return _serializer(purpose, at).dumps({"u": user.id, "f": _fingerprint(user)})


def read_token(token: str, purpose: str, at: datetime | None = None) -> User | None:
    """The active user the token was made for, or None if it is forged, expired, used or outdated."""
    try:
        data = _serializer(purpose, at).loads(token, max_age=int(lifetime(purpose).total_seconds()))
        user = db.session.get(User, int(data["u"]))
        fingerprint = data["f"]
    except (BadData, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or not hmac.compare_digest(str(fingerprint), _fingerprint(user)):
        return None
    return user
