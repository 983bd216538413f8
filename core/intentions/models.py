"""Intentions (things that need to be done), their configurable types, and the rules that create them by themselves."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.cases.models import Case, ConfiguredType, DemandType
from core.extensions import db
from core.types import AwareDateTime, utcnow

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
STATUSES = ((OPEN, "Open"), (DONE, "Done"), (CANCELLED, "Cancelled"))


class IntentionType(ConfiguredType, db.Model):
    """A kind of follow-up, e.g. "Check the bin was collected"."""

    __tablename__ = "intention_type"
    __table_args__ = (UniqueConstraint("department", "code"),)

    rules: Mapped[list[IntentionRule]] = relationship(
        back_populates="intention_type", order_by="IntentionRule.id", lazy="selectin"
    )


class IntentionRule(db.Model):
    """When a case with this demand type opens, create an intention of this type due a set number of days later."""

    __tablename__ = "intention_rule"
    __table_args__ = (
        UniqueConstraint("intention_type_id", "demand_type_id"),
        CheckConstraint("due_days >= 0", name="due_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_type_id: Mapped[int] = mapped_column(ForeignKey("intention_type.id"), index=True)
    demand_type_id: Mapped[int] = mapped_column(ForeignKey("case_demand_type.id"), index=True)
    #: calendar days after the case opens (in Europe/London) that the intention is due; 0 means the same day
    due_days: Mapped[int] = mapped_column(Integer)
    #: the team the intention goes to; without one it goes to the case owner
    team_id: Mapped[int | None] = mapped_column(ForeignKey("access_team.id"))
    #: retired rules stop creating intentions but stay on the intentions they created
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    intention_type: Mapped[IntentionType] = relationship(back_populates="rules")
    demand_type: Mapped[DemandType] = relationship(lazy="joined")
    team = relationship("Team", lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<IntentionRule type={self.intention_type_id} demand_type={self.demand_type_id} +{self.due_days}d>"


class Intention(db.Model):
    """Something that needs to be done by a date, by a member of staff or a team, about a case or a person."""

    __tablename__ = "intention_record"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        CheckConstraint("assigned_user_id IS NOT NULL OR team_id IS NOT NULL", name="assigned"),
        CheckConstraint("case_id IS NOT NULL OR person_id IS NOT NULL", name="linked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_type_id: Mapped[int] = mapped_column(ForeignKey("intention_type.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    #: the member of staff who should do it; a team instead, or as well
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("access_team.id"), index=True)
    #: "open", "done" or "cancelled"
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    #: who marked it done or cancelled it, and when
    status_changed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: the rule that created it when its case opened; empty for intentions staff added
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("intention_rule.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    intention_type: Mapped[IntentionType] = relationship(lazy="joined")
    assigned_user = relationship("User", foreign_keys=[assigned_user_id], lazy="joined")
    team = relationship("Team", lazy="joined")
    status_changed_by = relationship("User", foreign_keys=[status_changed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    case: Mapped[Case | None] = relationship(lazy="joined")
    person = relationship("Person", lazy="joined")
    rule: Mapped[IntentionRule | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Intention {self.id} {self.status} due {self.due_on}>"

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_overdue(self, today: date) -> bool:
        return self.status == OPEN and self.due_on < today

    @property
    def status_label(self) -> str:
        return dict(STATUSES)[self.status]
