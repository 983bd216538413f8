"""Personal API tokens and webhook subscriptions: every write and rule about them.

A token is made for the acting user on screen (they need api.tokens.create), or for any user by the server's
operator at the command line; it is shown once and only its sha256 is kept. Its owner or a user administrator can
revoke it. Webhook subscriptions belong to administrators holding admin.webhooks.manage.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, g
from sqlalchemy import select

from core.api import tokens
from core.api.models import ApiToken, WebhookDelivery, WebhookSubscription
from core.extensions import db
from core.permissions import acting_user, authorize, can
from core.types import utcnow

CREATE_TOKENS = "api.tokens.create"
MANAGE_USERS = "admin.users.manage"
MANAGE_WEBHOOKS = "admin.webhooks.manage"


class ApiChangeError(ValueError):
    """A token or webhook change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    """A token just made: the stored row, and the value, which is shown once and then forgotten."""

    token: ApiToken
    value: str


# --- tokens ------------------------------------------------------------------------------------------------------


def default_token_days() -> int:
    return int(current_app.config["API_TOKEN_DEFAULT_DAYS"])


def max_token_days() -> int:
    return int(current_app.config["API_TOKEN_MAX_DAYS"])


def _from_command_line() -> bool:
    # the command line runs as whoever operates the server, as for `ppp users create-admin`
    return bool(g.get("ppp_command_line"))


def create_token(name: str, days: int | None = None, user=None) -> NewToken:
    """Make a token for the acting user, or (command line only) for ``user``; it expires after ``days`` days."""
    if _from_command_line():
        owner = user
        if owner is None:
            raise ApiChangeError("user", "Say which user the token is for")
    else:
        authorize(CREATE_TOKENS)
        owner = acting_user()
        if user is not None and user.id != owner.id:
            raise ApiChangeError("user", "You can only create API tokens for yourself")
    name = (name or "").strip()
    if not name:
        raise ApiChangeError("name", "Enter a name that says what the token is for")
    if len(name) > 100:
        raise ApiChangeError("name", "Name must be 100 characters or fewer")
    days = default_token_days() if days is None else days
    if not 1 <= days <= max_token_days():
        raise ApiChangeError("days", f"Choose between 1 and {max_token_days()} days")
    if not owner.active:
        raise ApiChangeError("user", "This account is deactivated")
    value = tokens.new_token_value()
    now = utcnow()
    actor = acting_user()
    token = ApiToken(
        user_id=owner.id,
        name=name,
        prefix=value[: tokens.SHOWN_CHARACTERS],
        token_hash=tokens.hash_token(value),
        created_at=now,
        created_by_id=None if actor is None else actor.id,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token, value)


def my_tokens() -> list[ApiToken]:
    """The acting user's tokens, newest first, revoked and expired ones included."""
    user = acting_user()
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def all_tokens(include_ended: bool = False) -> list[ApiToken]:
    """Every user's tokens, for user administrators; live ones only unless asked."""
    authorize(MANAGE_USERS)
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not include_ended:
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
    return list(db.session.scalars(query))


def can_revoke(token: ApiToken) -> bool:
    user = acting_user()
    return _from_command_line() or (user is not None and (token.user_id == user.id or can(MANAGE_USERS)))


def revoke_token(token: ApiToken) -> None:
    """Stop a token working at once; its owner or a user administrator may do this."""
    if not can_revoke(token):
        authorize(MANAGE_USERS)
    if token.revoked_at is not None:
        return
    actor = acting_user()
    token.revoked_at = utcnow()
    token.revoked_by_id = None if actor is None else actor.id
    db.session.flush()


# --- webhook subscriptions ---------------------------------------------------------------------------------------


def _clean_subscription(name: str, url: str, events: list[str]) -> tuple[str, str, list[str]]:
    from core.api.webhooks import available_events

    name = (name or "").strip()
    if not name:
        raise ApiChangeError("name", "Enter a name that says who receives these events")
    if len(name) > 200:
        raise ApiChangeError("name", "Name must be 200 characters or fewer")
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        raise ApiChangeError("url", "Enter the full address to send events to, starting https://")
    if current_app.config["PPP_ENV"] == "production" and parts.scheme != "https":
        raise ApiChangeError("url", "Use an https address: events are sent over the network")
    known = available_events()
    unknown = [event for event in events if event not in known]
    if unknown:
        raise ApiChangeError("events", f'"{unknown[0]}" is not an event this platform sends')
    if not events:
        raise ApiChangeError("events", "Choose at least one event")
    return name, url, sorted(set(events))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def list_subscriptions() -> list[WebhookSubscription]:
    authorize(MANAGE_WEBHOOKS)
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name)))


def create_subscription(name: str, url: str, events: list[str]) -> tuple[WebhookSubscription, str]:
    """Register a URL for events; returns the subscription and its signing secret, which is shown once."""
    authorize(MANAGE_WEBHOOKS)
    name, url, events = _clean_subscription(name, url, events)
    secret = new_secret()
    actor = acting_user()
    subscription = WebhookSubscription(
        name=name, url=url, events=events, secret=secret, active=True,
        created_by_id=None if actor is None else actor.id,
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription, secret


def update_subscription(subscription: WebhookSubscription, name: str, url: str, events: list[str],
                        active: bool) -> None:
    """Change where and what a subscription receives, or pause it."""
    authorize(MANAGE_WEBHOOKS)
    name, url, events = _clean_subscription(name, url, events)
    subscription.name = name
    subscription.url = url
    subscription.events = events
    subscription.active = active
    db.session.flush()


def rotate_secret(subscription: WebhookSubscription) -> str:
    """Give a subscription a new signing secret, returned once; deliveries from now on use it."""
    authorize(MANAGE_WEBHOOKS)
    subscription.secret = new_secret()
    db.session.flush()
    return subscription.secret


def recent_deliveries(subscription_id: int | None = None, status: str | None = None,
                      limit: int = 100) -> list[WebhookDelivery]:
    """The newest deliveries, optionally of one subscription or one status."""
    authorize(MANAGE_WEBHOOKS)
    query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query.limit(limit)))
