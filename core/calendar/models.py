"""Bank holidays per GOV.UK division; rate rules and programmes read this table, never a list in code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow


class BankHoliday(db.Model):
    """A bank holiday in one nation, e.g. ("england-and-wales", 28 December 2026, "Boxing Day (substitute day)")."""

    __tablename__ = "calendar_bank_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GOV.UK division: "england-and-wales", "scotland" or "northern-ireland"
    division: Mapped[str] = mapped_column(String(32))
    #: the day the holiday is taken (a substitute day when the holiday itself falls at a weekend)
    day: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: where the row came from: "seeded" (holidays library), "gov.uk" (the GOV.UK feed) or "admin" (added by hand)
    source: Mapped[str] = mapped_column(String(20))
    #: inactive rows are kept but are not bank holidays, so a wrong seeded entry stays retired after each sync
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: why an administrator added or retired the row
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    deactivated_by = relationship("User", foreign_keys=[deactivated_by_id], lazy="joined")

    __table_args__ = (UniqueConstraint("division", "day"),)

    def __repr__(self) -> str:
        return f"<BankHoliday {self.division} {self.day.isoformat()} {self.title!r}>"
