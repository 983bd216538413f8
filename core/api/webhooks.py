"""Webhook deliveries: an event becomes one signed POST per subscription, sent by the job queue and retried.

A delivery carries what happened and which record (its id and API address), never the record's contents: the
receiver reads the record through the API with its own token, so access rules and the audit trail still apply.

Signing: ``X-PPP-Signature: sha256=<hex>`` is HMAC-SHA256, keyed with the subscription's secret, of
``<X-PPP-Timestamp>.<body>``; receivers recompute it and refuse old timestamps, which stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.api.models import WebhookDelivery, WebhookSubscription
from core.extensions import db
from core.permissions import acting_user, authorize
from core.types import utcnow

DELIVER_JOB = "api.deliver_webhook"
RETRY_JOB = "api.retry_webhooks"

#: the events a subscription can ask for, each sent from the core hook of the same name
EVENTS: dict[str, str] = {
    "person.created": "A person record was created",
    "person.updated": "A person's details were changed",
    "person.merged": "A duplicate person record was merged into another",
    "case.opened": "A case was opened with its first demand",
    "case.closed": "A case was closed",
    "case.reopened": "A closed case was reopened",
    "intention.completed": "An intention (a follow-up) was marked done",
}

#: minutes to wait before the 2nd, 3rd, ... attempt (the retry job runs every 5 minutes); then it has failed
BACKOFF_MINUTES: tuple[int, ...] = (5, 15, 60, 180, 720, 1440)
#: the start of a failing receiver's answer kept on the attempt
KEPT_RESPONSE = 500


def available_events() -> dict[str, str]:
    """Event name -> description, for the subscription form and the API."""
    return dict(EVENTS)


def max_attempts() -> int:
    return len(BACKOFF_MINUTES) + 1


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-PPP-Signature value for a body sent at ``timestamp`` (Unix seconds, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does: recompute the signature and refuse one older than ``tolerance`` seconds."""
    now = time.time() if now is None else now
    try:
        fresh = abs(now - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def notify(event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue a delivery of ``event`` to every active subscription that wants it; called from core event hooks."""
    if event not in EVENTS:
        raise KeyError(f'Unknown webhook event "{event}": add it to core.api.webhooks.EVENTS.')
    subscriptions = [
        subscription
        for subscription in db.session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        )
        if event in (subscription.events or [])
    ]
    if not subscriptions:
        return []
    from core.jobs.services import enqueue

    actor = acting_user()
    occurred_at = utcnow()
    deliveries = []
    for subscription in subscriptions:
        event_id = str(uuid.uuid4())
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            event=event,
            event_id=event_id,
            payload={"id": event_id, "event": event, "occurred_at": occurred_at.isoformat(), "data": data},
            status="pending",
            created_at=occurred_at,
        )
        db.session.add(delivery)
        db.session.flush()
        deliveries.append(delivery)
        enqueue(DELIVER_JOB, {"delivery_id": delivery.id}, triggered_by_id=None if actor is None else actor.id)
    return deliveries


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver that redirects has not accepted the delivery; following it would resend the body elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """POST the body; (status code or None, error text or None)."""
    opener = urllib.request.build_opener(_NoRedirects())
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        answer = exc.read(KEPT_RESPONSE).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, f"HTTP {exc.code}: {answer}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"Could not reach the receiver: {reason}"


def deliver(delivery_id: int) -> dict[str, Any]:
    """Job: POST one delivery, record the attempt, and schedule a retry with back-off if the receiver failed."""
    from core.api.models import WebhookAttempt

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status not in ("pending", "retrying"):
        return {"skipped": True}
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"PPP-Webhooks ({current_app.config['SERVICE_NAME']})",
        "X-PPP-Event": delivery.event,
        "X-PPP-Delivery": delivery.event_id,
        "X-PPP-Timestamp": timestamp,
        "X-PPP-Signature": sign(subscription.secret, timestamp, body),
    }
    clock = time.perf_counter()
    status_code, error = _post(subscription.url, body, headers, float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"]))
    now = utcnow()
    succeeded = status_code is not None and 200 <= status_code < 300
    delivery.attempt_log.append(
        WebhookAttempt(
            attempted_at=now,
            status_code=status_code,
            error=None if succeeded else (error or f"HTTP {status_code}"),
            duration_ms=int((time.perf_counter() - clock) * 1000),
        )
    )
    delivery.attempts += 1
    if succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.attempts >= max_attempts():
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.status = "retrying"
        delivery.next_attempt_at = now + timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
    db.session.flush()
    return {"status": delivery.status, "attempts": delivery.attempts, "status_code": status_code}


def retry_due(now: datetime | None = None) -> dict[str, int]:
    """Scheduled job: queue another attempt for every delivery whose back-off has run out."""
    from core.jobs.services import enqueue

    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "retrying", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(500)
        )
    )
    for delivery in due:
        delivery.next_attempt_at = None  # claimed: the next scheduled run must not queue it again
        db.session.flush()
        enqueue(DELIVER_JOB, {"delivery_id": delivery.id})
    return {"queued": len(due)}


def send_again(delivery: WebhookDelivery) -> None:
    """An administrator sends a failed (or still retrying) delivery again now, with a fresh set of attempts."""
    from core.api.services import MANAGE_WEBHOOKS
    from core.jobs.services import enqueue

    authorize(MANAGE_WEBHOOKS)
    if delivery.status == "delivered":
        raise ValueError("This event was delivered; it is not sent twice")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    db.session.flush()
    actor = acting_user()
    enqueue(DELIVER_JOB, {"delivery_id": delivery.id}, triggered_by_id=None if actor is None else actor.id)
