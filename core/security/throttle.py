"""Refuse sign-in for a while after repeated failures for one account or from one address.

Attempts are rows in ``security_login_attempt``, so the count holds across workers and needs no Redis. Once the
limit is reached within the window, sign-in stays refused until the window has passed since the last failure;
refused attempts are recorded but do not count as failures, so a lock ends on time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from core.extensions import db
from core.security.models import LoginAttempt
from core.types import utcnow

FAILED = "failed"
SUCCEEDED = "succeeded"
THROTTLED = "throttled"

#: attempts are needed only for the window; older rows are pruned as new ones arrive
KEEP_FOR = timedelta(days=1)


def window() -> timedelta:
    """How far back failures count, and how long sign-in is then refused."""
    return timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])


def refused_until(email: str, ip_address: str, now: datetime | None = None) -> datetime | None:
    """When sign-in opens again for this account or from this address, or None if it is open now."""
    now = now or utcnow()
    # a success ends the run of failures for its account, but not for its address, where other accounts are guessed
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.outcome == SUCCEEDED
        )
    )
    times = [
        _locked_until(LoginAttempt.email == email, now, after=last_success),
        _locked_until(LoginAttempt.ip_address == ip_address, now),
    ]
    locked = [time for time in times if time is not None]
    return max(locked) if locked else None


def _locked_until(condition, now: datetime, after: datetime | None = None) -> datetime | None:
    limit, span = current_app.config["LOGIN_THROTTLE_ATTEMPTS"], window()
    query = (
        select(LoginAttempt.attempted_at)
        .where(condition, LoginAttempt.outcome == FAILED, LoginAttempt.attempted_at > now - 2 * span)
        .order_by(LoginAttempt.attempted_at.desc())
    )
    if after is not None:
        query = query.where(LoginAttempt.attempted_at > after)
    failures = list(db.session.scalars(query.limit(limit)))
    if len(failures) < limit:
        return None
    latest, earliest = failures[0], failures[-1]
    if latest - earliest > span or now >= latest + span:
        return None
    return latest + span


def record(email: str, ip_address: str, outcome: str) -> None:
    """Note one attempt, and forget attempts older than a day."""
    now = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEEP_FOR))
    db.session.add(LoginAttempt(email=email[:254], ip_address=ip_address[:45], outcome=outcome, attempted_at=now))
    db.session.flush()
