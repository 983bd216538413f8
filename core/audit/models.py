"""The audit event table, which the database itself refuses to update or delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow

#: actions the core records; modules add their own, namespaced "<module>.<action>"
ACTIONS: tuple[str, ...] = (
    "create",
    "update",
    "delete",
    "view",
    "export",
    "break_glass",
    "search",
    "merge",
    "login",
    "login_failed",
    "login_throttled",
    "logout",
    "password_reset_requested",
    "password_changed",
)

#: stands in for both values of a field whose values must never be written down, e.g. a password hash
REDACTED = None


class AuditEvent(db.Model):
    """One thing that happened to a record or a person, by whom and when; never edited or deleted."""

    __tablename__ = "audit_event"
    #: the automatic change capture must not audit its own rows
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: the user who acted; empty for the system and scheduled jobs
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the actor's name at the time, so the record reads the same after a rename
    actor_name: Mapped[str | None] = mapped_column(String(200))
    #: one of ACTIONS, or a module's own "<module>.<action>"
    action: Mapped[str] = mapped_column(String(80))
    #: the table of the record acted on, e.g. "user_account"; empty for events about no one record
    entity_type: Mapped[str | None] = mapped_column(String(120))
    #: the record's primary key as text (composite keys joined with ",")
    entity_id: Mapped[str | None] = mapped_column(String(120))
    #: the person the record is about; no foreign key, so the trail outlives any person record
    person_id: Mapped[int | None] = mapped_column(Integer)
    #: {field: [before, after]}; a redacted field maps to null: it changed, its values are not kept
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: why, as the user stated it: required for break-glass access and exports
    reason: Mapped[str | None] = mapped_column(Text)
    #: anything else worth keeping, e.g. {"format": "csv", "rows": 120}
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: the address the request came from, when there was a request
    ip_address: Mapped[str | None] = mapped_column(String(45))
    #: the request path, when there was a request
    path: Mapped[str | None] = mapped_column(String(500))

    actor = relationship("User", lazy="joined", viewonly=True)

    __table_args__ = (
        Index("ix_audit_event_person_id_occurred_at", "person_id", "occurred_at"),
        Index("ix_audit_event_actor_id_occurred_at", "actor_id", "occurred_at"),
        Index("ix_audit_event_entity_type_entity_id", "entity_type", "entity_id"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_action_occurred_at", "action", "occurred_at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type} {self.entity_id}>"
