"""Record and search the audit trail: views, exports, break-glass access and every change to a record.

Creates, updates and deletes are captured automatically on every flush (core.audit.capture). Reads, exports and
break-glass access are recorded by calling ``record_view``, ``record_export`` and ``record_break_glass`` from the
service that does them. Like any write, the event is flushed here and committed by the request or job, so a view
that records a read must commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import func, inspect, select

from core.audit.models import ACTIONS, AuditEvent
from core.extensions import db
from core.permissions import acting_user, authorize
from core.types import LONDON, utcnow

VIEW = "admin.audit.view"
PERSON_VIEW = "people.audit.view"

#: the audit search screen never pages further than this many rows per page
MAX_PER_PAGE = 200

#: how each core action reads on screen
ACTION_LABELS: dict[str, str] = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "view": "Viewed",
    "export": "Exported",
    "break_glass": "Broke glass",
    "login": "Signed in",
    "login_failed": "Sign-in failed",
    "login_throttled": "Sign-in refused: too many attempts",
    "logout": "Signed out",
    "password_reset_requested": "Asked to reset password",
    "password_changed": "Changed password",
}

_MODULE_ACTION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")


class AuditError(ValueError):
    """An audit call was refused, e.g. an unknown action or a break-glass access without a reason."""


@dataclass(frozen=True)
class AuditPage:
    """One page of audit events, newest first, with the total matching the search."""

    items: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def is_module_action(action: str) -> bool:
    """Whether an action is named like a module's own, ``<module>.<action>``."""
    return bool(_MODULE_ACTION.match(action))


def check_action(action: str) -> None:
    """Refuse an action that is neither a core action nor namespaced ``<module>.<action>``."""
    if action not in ACTIONS and not is_module_action(action):
        raise AuditError(
            f'Unknown audit action "{action}": use one of {", ".join(ACTIONS)}, '
            f'or a module action named "<module>.<action>".'
        )


def current_actor() -> tuple[int | None, str | None]:
    """The acting user's id and name, read without a query when the user is already loaded."""
    user = acting_user()
    if user is None:
        return None, None
    state = inspect(user, raiseerr=False)
    if state is None or state.identity is None:  # not a stored user: a test double or a user being created
        return getattr(user, "id", None), getattr(user, "name", None)
    user_id = state.identity[0]
    names = g.setdefault("ppp_audit_actor_names", {}) if has_app_context() else {}
    name = state.dict.get("name")
    if name is not None:
        names[user_id] = name
    elif user_id in names:
        name = names[user_id]
    else:
        name = names[user_id] = user.name  # an expired user: one load, then remembered for the request
    return user_id, name


def request_origin() -> tuple[str | None, str | None]:
    """The address and path of the current request, or (None, None) outside one."""
    if not has_request_context():
        return None, None
    return request.remote_addr, request.path[:500]


def record(
    action: str,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    *,
    person_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the audit trail on behalf of the acting user, with the request's address and path."""
    check_action(action)
    actor_id, actor_name = current_actor()
    ip_address, path = request_origin()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        person_id=person_id,
        changes=changes,
        reason=reason,
        details=details,
        ip_address=ip_address,
        path=path,
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_view(entity_type: str, entity_id: str | int, person_id: int | None = None) -> AuditEvent:
    """Record that the acting user opened a record, e.g. a person's page."""
    return record("view", entity_type, entity_id, person_id=person_id)


def record_export(
    what: str,
    format: str,
    *,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Record that the acting user exported data, e.g. ``record_export("people.list", "csv", details={"rows": 120})``."""
    return record(
        "export",
        person_id=person_id,
        reason=reason,
        details={"what": what, "format": format, **(details or {})},
    )


def record_break_glass(person_id: int, reason: str) -> AuditEvent:
    """Record that the acting user opened a restricted person's record without a working relationship, and why."""
    if not reason or not reason.strip():
        raise AuditError("Give a reason for opening a restricted record")
    return record("break_glass", person_id=person_id, reason=reason.strip())


def london_day_start(day: date) -> datetime:
    """Midnight at the start of a day in Europe/London, as an aware time."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def search(
    person_id: int | None = None,
    actor_id: int | None = None,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    action: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Events matching every filter given, newest first; dates are Europe/London days and date_to is inclusive."""
    authorize(VIEW)
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    conditions = []
    if person_id is not None:
        conditions.append(AuditEvent.person_id == person_id)
    if actor_id is not None:
        conditions.append(AuditEvent.actor_id == actor_id)
    if entity_type:
        conditions.append(AuditEvent.entity_type == entity_type)
    if entity_id is not None and entity_id != "":
        conditions.append(AuditEvent.entity_id == str(entity_id))
    if action:
        conditions.append(AuditEvent.action == action)
    if date_from is not None:
        start = date_from if isinstance(date_from, datetime) else london_day_start(date_from)
        conditions.append(AuditEvent.occurred_at >= start)
    if isinstance(date_to, datetime):
        conditions.append(AuditEvent.occurred_at <= date_to)
    elif date_to is not None:
        conditions.append(AuditEvent.occurred_at < london_day_start(date_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    items = db.session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage(list(items), total, page, per_page)


def accesses_for_person(person_id: int, limit: int = 50) -> list[AuditEvent]:
    """Who viewed, changed, exported or broke glass on a person's records, newest first."""
    authorize(PERSON_VIEW)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.person_id == person_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def break_glass_events(since: datetime | None = None, limit: int = 500) -> list[AuditEvent]:
    """Break-glass accesses, newest first, for administrators to review."""
    authorize(VIEW)
    query = select(AuditEvent).where(AuditEvent.action == "break_glass")
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    return list(db.session.scalars(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))


def entity_types() -> Sequence[str]:
    """Every table whose changes the audit captures, for the search form's record type list."""
    from core.audit.capture import audited

    return sorted(
        {mapper.local_table.name for mapper in db.Model.registry.mappers if audited(mapper) is not None}
    )


def users_to_search_by() -> list:
    """Every user, active or not, by name: the people whose actions the audit can be searched for."""
    from core.security.models import User

    authorize(VIEW)
    return list(db.session.scalars(select(User).order_by(User.name, User.id)))


def action_label(action: str) -> str:
    """An action in plain English for the audit screens; a module's own action is shown as its name."""
    return ACTION_LABELS.get(action, action)
