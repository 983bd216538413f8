"""Lookup values; the lists themselves are declared in code by register_lookups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow


class LookupValue(db.Model):
    """One value of a configurable list, e.g. ("people.contact_type", "mobile", "Mobile phone")."""

    __tablename__ = "lookup_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the list's stable code, namespaced by module, e.g. "attendance.non_attendance_reason"
    list_code: Mapped[str] = mapped_column(String(120), index=True)
    #: stable machine name within the list; never changes once records use it
    code: Mapped[str] = mapped_column(String(80))
    #: what people see; administrators may rename it
    label: Mapped[str] = mapped_column(String(200))
    #: the label the code last seeded, so sync can tell whether an administrator renamed the value
    seeded_label: Mapped[str | None] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    #: inactive values are not offered for new records, but old records still show them
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    retired_by = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("list_code", "code"),)
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<LookupValue {self.list_code}:{self.code}>"
