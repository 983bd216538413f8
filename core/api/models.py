"""Personal API tokens, webhook subscriptions, and each webhook delivery with its attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow

DELIVERY_STATUSES = ("pending", "delivered", "retrying", "failed")


class ApiToken(db.Model):
    """A personal API token: a request bearing it acts as its user, with that user's permissions."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the user the token acts as
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: what the user called it, e.g. "Rent system nightly import"
    name: Mapped[str] = mapped_column(String(100))
    #: the token's first characters, shown so people can tell tokens apart; too short to use
    prefix: Mapped[str] = mapped_column(String(16))
    #: sha256 of the whole token, hex; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: who made it: the user on screen, or empty when made at the command line
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the token stops working at this time
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    #: the last request made with it (kept current without an audit row per request)
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the minute (since 1970) that rate_count counts requests in, when Redis is not there to count them
    rate_minute: Mapped[int] = mapped_column(Integer, default=0)
    #: requests made in rate_minute
    rate_count: Mapped[int] = mapped_column(Integer, default=0)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"

    def state(self, now: datetime) -> str:
        """"active", "expired" or "revoked" at the given time."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class WebhookSubscription(db.Model):
    """An integrator's URL that is sent a signed POST whenever one of the chosen events happens."""

    __tablename__ = "api_webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what it is for, e.g. "Housing rent system"
    name: Mapped[str] = mapped_column(String(200))
    #: where deliveries are POSTed
    url: Mapped[str] = mapped_column(String(2000))
    #: event names it wants, e.g. ["person.created", "case.closed"]
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the key deliveries are signed with (HMAC-SHA256); shown to the administrator once
    secret: Mapped[str] = mapped_column(String(100), info={"audit": "redact"})
    #: paused subscriptions get no new deliveries
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    created_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<WebhookSubscription {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event sent, or to be sent, to one subscription; retried with back-off until it succeeds or gives up."""

    __tablename__ = "api_webhook_delivery"
    #: its own history (the attempts) is the record; an audit row per status change would only repeat it
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("api_webhook_subscription.id"), index=True)
    #: the event name, e.g. "person.created"
    event: Mapped[str] = mapped_column(String(80))
    #: a unique id receivers can use to ignore a delivery they already handled
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: the JSON body sent, built when the event happened
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: pending, delivered, retrying or failed (gave up)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when the retry job should try again; empty unless retrying
    next_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    subscription = relationship(WebhookSubscription, lazy="joined")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_api_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_api_webhook_delivery_created_at", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event} {self.status}>"


class WebhookAttempt(db.Model):
    """One try at POSTing a delivery: when, what the receiver answered, how long it took."""

    __tablename__ = "api_webhook_attempt"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("api_webhook_delivery.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: the receiver's HTTP status; empty when it could not be reached
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: why it failed: the start of the receiver's answer, or the connection error
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")

    def __repr__(self) -> str:
        return f"<WebhookAttempt {self.id} delivery={self.delivery_id} {self.status_code}>"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
