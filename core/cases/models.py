"""Cases, the people they concern, their demands and status history; the configurable demand categories and types."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.access.models import Team  # noqa: F401  (the case's team relationship needs the class mapped)
from core.extensions import db
from core.lookups.models import LookupValue  # noqa: F401
from core.people.models import Person  # noqa: F401
from core.places.models import Place  # noqa: F401
from core.security.models import User  # noqa: F401
from core.types import AwareDateTime, utcnow

#: what a demand can be, in the systems-thinking vocabulary: (code, label)
DEMAND_KINDS = (("value", "Value demand"), ("failure", "Failure demand"))
OPEN, CLOSED = "open", "closed"


class ConfiguredType:
    """Columns every configurable type shares: a stable code within a department, a label, retired never deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "general", or the name of the module whose department uses this type
    department: Mapped[str] = mapped_column(String(80), index=True)
    #: stable machine name within the department; never changes once records use it
    code: Mapped[str] = mapped_column(String(80))
    #: what people see; administrators may rename it
    label: Mapped[str] = mapped_column(String(200))
    #: guidance for staff choosing this type
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: retired types are not offered for new records, but old records still show them
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the label a module's code last gave this type, so a sync can tell whether an administrator renamed it
    seeded_label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def retired_by(cls):
        return relationship("User", lazy="joined")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.department}:{self.code}>"

    @property
    def choice_label(self) -> str:
        """The label with a note when the type is retired, for showing on an old record's form."""
        return self.label if self.active else f"{self.label} (no longer used)"


class DemandCategory(ConfiguredType, db.Model):
    """A group of demand types within a department, e.g. "Waste and recycling"."""

    __tablename__ = "case_demand_category"
    __table_args__ = (UniqueConstraint("department", "code"),)

    types: Mapped[list[DemandType]] = relationship(
        back_populates="category", order_by="DemandType.sort_order", foreign_keys="DemandType.category_id"
    )


class DemandType(ConfiguredType, db.Model):
    """A kind of demand a customer makes, classed as value demand or failure demand."""

    __tablename__ = "case_demand_type"
    __table_args__ = (
        UniqueConstraint("department", "code"),
        CheckConstraint("kind IN ('value', 'failure')", name="kind"),
    )

    #: the category; always in the same department as the type
    category_id: Mapped[int] = mapped_column(ForeignKey("case_demand_category.id"), index=True)
    #: "value" (what the customer wants from the service) or "failure" (caused by a failure to do something or do
    #: it right); copied onto each demand when it is recorded
    kind: Mapped[str] = mapped_column(String(20))

    category: Mapped[DemandCategory] = relationship(
        back_populates="types", foreign_keys=[category_id], lazy="joined"
    )

    @property
    def kind_label(self) -> str:
        return dict(DEMAND_KINDS)[self.kind]


class Case(db.Model):
    """A problem the council works on for one or more people, made of one or more demands, from opening to closing."""

    __tablename__ = "case_record"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL) OR (status = 'closed' AND closed_at IS NOT NULL)",
            name="closed_when_closed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "general", or the name of the module whose department works the case
    department: Mapped[str] = mapped_column(String(80), index=True)
    #: a line saying what the case is about, for lists
    summary: Mapped[str] = mapped_column(String(200), default="")
    #: the member of staff responsible for the case
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the team working the case, if any
    team_id: Mapped[int | None] = mapped_column(ForeignKey("access_team.id"), index=True)
    #: the property or site the problem is at, if it has one
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    #: "open" or "closed"
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: when the case last closed; cleared when it is reopened
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    #: a value of the "cases.close_reason" lookup list
    close_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    close_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    team = relationship("Team", lazy="joined")
    place = relationship("Place", lazy="joined")
    close_reason = relationship("LookupValue", lazy="joined")
    people: Mapped[list[CasePerson]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CasePerson.id", lazy="selectin"
    )
    demands: Mapped[list[Demand]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Demand.id", lazy="selectin"
    )
    status_changes: Mapped[list[CaseStatusChange]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseStatusChange.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status}>"

    @property
    def reference(self) -> str:
        """The number staff quote, e.g. CAS-000123."""
        return f"CAS-{self.id:06d}" if self.id is not None else "CAS-(new)"

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def end_to_end(self, now: datetime | None = None) -> timedelta:
        """Time from opening to closing; for an open case, the time it has been open so far."""
        return (self.closed_at or now or utcnow()) - self.opened_at

    def person_ids(self) -> set[int]:
        return {link.person_id for link in self.people}


class CasePerson(db.Model):
    """A person a case concerns, in a role such as the subject or the caller."""

    __tablename__ = "case_person"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: a value of the "cases.person_role" lookup list
    role_id: Mapped[int] = mapped_column(ForeignKey("lookup_value.id"))
    added_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship(back_populates="people")
    person = relationship("Person", lazy="joined")
    role = relationship("LookupValue", lazy="joined")

    def __repr__(self) -> str:
        return f"<CasePerson case={self.case_id} person={self.person_id}>"


class Demand(db.Model):
    """One thing a customer asked for (or chased) on a case, with whether it was value or failure demand."""

    __tablename__ = "case_demand"
    __table_args__ = (CheckConstraint("kind IN ('value', 'failure')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    demand_type_id: Mapped[int] = mapped_column(ForeignKey("case_demand_type.id"), index=True)
    #: the type's kind when the demand was recorded, so reclassifying a type later does not rewrite history
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: what the customer said, in their words where possible
    note: Mapped[str] = mapped_column(Text, default="")
    #: the day the council received the demand
    received_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship(back_populates="demands")
    demand_type: Mapped[DemandType] = relationship(lazy="joined")
    recorded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Demand {self.id} case={self.case_id} {self.kind}>"

    @property
    def kind_label(self) -> str:
        return dict(DEMAND_KINDS)[self.kind]


class CaseStatusChange(db.Model):
    """A case opening, closing or reopening, with who did it, when and why."""

    __tablename__ = "case_status_change"
    __table_args__ = (CheckConstraint("action IN ('opened', 'closed', 'reopened')", name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    #: "opened", "closed" or "reopened"
    action: Mapped[str] = mapped_column(String(20))
    #: the close reason's label, or the reason given for reopening
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship(back_populates="status_changes")
    by = relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseStatusChange case={self.case_id} {self.action}>"
