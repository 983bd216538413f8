"""How an API request is authenticated: a bearer token, looked up by its sha256, counted against a rate limit.

Under /api/ the cookie session is neither read nor written (``ApiSessionInterface``), so a browser's login cannot
be borrowed by a page that calls the API, and the API needs no CSRF token. The user comes from the token alone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import case, or_, select, update

from core.api.conventions import is_api_path, problem
from core.api.models import ApiToken
from core.extensions import db, login_manager
from core.types import utcnow

log = logging.getLogger(__name__)

#: every token starts with this, so secret scanners and people can recognise one
TOKEN_PREFIX = "ppp_"
#: characters of the token kept in clear to tell tokens apart
SHOWN_CHARACTERS = 12


def new_token_value() -> str:
    """A fresh token: the prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(value: str) -> str:
    """The sha256 of a token, hex; only this is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def find_token(value: str) -> ApiToken | None:
    """The token row matching a presented token, or None."""
    if not value.startswith(TOKEN_PREFIX) or len(value) > 200:
        return None
    digest = hash_token(value)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


class ApiSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for screens only: under /api/ every request starts with an empty session that is never saved."""

    def open_session(self, app, request):
        if is_api_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if is_api_path(request.path):
            return None
        return super().save_session(app, session, response)


def _public(endpoint: str | None) -> bool:
    from core.permissions import access_rule

    if endpoint is None or endpoint == "static" or endpoint.startswith("api-docs."):
        return True
    view = current_app.view_functions.get(endpoint)
    rule = access_rule(view) if view is not None else None
    return rule is not None and rule[0] == "public"


def _refuse(detail: str):
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def authenticate_api_request():
    """Before every /api/ request: act as the bearer token's user, or as nobody; refuse bad tokens and floods."""
    if not is_api_path(request.path):
        return None
    user = None
    header = request.headers.get("Authorization", "").strip()
    if header and not _public(request.endpoint):
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return _refuse("Send your API token as: Authorization: Bearer <token>.")
        token = find_token(value.strip())
        now = utcnow()
        if token is None:
            return _refuse("This API token is not recognised. Check it was copied whole, or create a new one.")
        if token.revoked_at is not None:
            return _refuse("This API token has been revoked. Create a new one on your API tokens page.")
        if token.expires_at <= now:
            return _refuse(f"This API token expired on {token.expires_at:%Y-%m-%d}. Create a new one.")
        if not token.user.active:
            return _refuse("The account this API token belongs to has been deactivated.")
        allowed, retry_after = count_request(token.id, now)
        user = token.user
        db.session.commit()  # last used and the count hold whatever the request does next
        if not allowed:
            limit = current_app.config["API_RATE_LIMIT_PER_MINUTE"]
            return problem(
                429,
                f"This token has made more than {limit} requests this minute. Wait {retry_after} seconds.",
                headers={"Retry-After": str(retry_after)},
            )
        g.ppp_api_token_id = token.id
    # the user for this request comes from the token alone, never from a session or remember-me cookie
    login_manager._update_request_context_with_user(user)
    return None


def count_request(token_id: int, now: datetime) -> tuple[bool, int]:
    """Record one request on the token; (whether it is within the per-minute limit, seconds until the next minute)."""
    limit = int(current_app.config.get("API_RATE_LIMIT_PER_MINUTE") or 0)
    epoch = int(now.timestamp())
    minute, retry_after = epoch // 60, 60 - epoch % 60
    count = _count_in_redis(token_id, minute)
    if count is None:
        count = db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(
                rate_count=case((ApiToken.rate_minute == minute, ApiToken.rate_count + 1), else_=1),
                rate_minute=minute,
                last_used_at=now,
            )
            .returning(ApiToken.rate_count)
        ).scalar_one()
    else:
        # with Redis counting, the database only needs last_used_at, written at most once a minute
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - timedelta(minutes=1)),
            )
            .values(last_used_at=now)
        )
    return (limit <= 0 or count <= limit), retry_after


def _count_in_redis(token_id: int, minute: int) -> int | None:
    from redis.exceptions import RedisError

    from core.jobs.services import redis_connection

    connection = redis_connection()
    if connection is None:
        return None
    key = f"{current_app.config['JOB_QUEUE_PREFIX']}-api-rate-{token_id}-{minute}"
    try:
        pipeline = connection.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, 120)
        count, _ = pipeline.execute()
        return int(count)
    except RedisError:
        log.warning("Redis unavailable for API rate counting; counting in the database")
        return None


def install(app) -> None:
    """Make /api/ sessionless and token-authenticated; run before the login gate and every other check."""
    app.session_interface = ApiSessionInterface()
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_api_request)
