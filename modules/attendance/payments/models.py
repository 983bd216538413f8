"""Attendance payment tables: dated rates, payment runs, each service user's line and each paid half-day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.security.models import User
from core.types import AwareDateTime, utcnow

from ..models import Section, ServiceUser

#: a run is calculated as a draft, reviewed, then confirmed; a confirmed run never changes again
DRAFT, CONFIRMED = "draft", "confirmed"
RUN_STATUSES = (DRAFT, CONFIRMED)

#: an item is a half-day of the run's own period, or a correction to a half-day of a period already paid
DUE, ADJUSTMENT = "due", "adjustment"
ITEM_KINDS = (DUE, ADJUSTMENT)


class PaymentRate(db.Model):
    """What a paid half-day is worth from a date on; the rate in force on a day is the latest that started by then."""

    __tablename__ = "attendance_payment_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the first day the rate applies; it applies until the next rate's first day
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    #: pence per paid half-day
    amount_pence: Mapped[int] = mapped_column(Integer)
    #: why the rate changed, e.g. "Trustees' annual review"
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    created_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount"),)

    def __repr__(self) -> str:
        return f"<PaymentRate from {self.effective_from} {self.amount_pence}p>"


class PaymentSettings(db.Model):
    """The provider's payment settings: the account BACS payments come from, the cash set and the bank CSV layout."""

    __tablename__ = "attendance_payment_settings"

    #: there is one row, id 1
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the provider's own account, written as the originator of every Standard 18 record
    originator_sort_code: Mapped[str] = mapped_column(String(6), default="")
    originator_account_number: Mapped[str] = mapped_column(String(8), default="")
    originator_name: Mapped[str] = mapped_column(String(18), default="")
    #: what the service user's bank statement shows, before the month, e.g. "ATTENDANCE" gives "ATTENDANCE MAR26"
    reference_prefix: Mapped[str] = mapped_column(String(12), default="ATTENDANCE")
    #: the notes and coins envelopes are made up from, in pence, largest first, e.g. "2000,1000,500,200,...,1"
    denominations: Mapped[str] = mapped_column(String(100), default="2000,1000,500,200,100,50,20,10,5,2,1")
    #: the bank-upload CSV's columns, comma-separated names from bacs.CSV_COLUMNS
    csv_columns: Mapped[str] = mapped_column(String(200), default="sort_code,account_number,account_name,amount,reference")
    #: whether the CSV starts with a row of column headings
    csv_header: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    def __repr__(self) -> str:
        return f"<PaymentSettings {self.originator_name!r}>"

    @property
    def denomination_values(self) -> tuple[int, ...]:
        return tuple(int(value) for value in self.denominations.split(",") if value.strip())


class PaymentRun(db.Model):
    """A payment run for a period: a draft until a finance officer confirms it, then locked for good."""

    __tablename__ = "attendance_payment_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the half-days paid: every paid half-day from the first to the last day, inclusive
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: the day the money goes out (BACS) or the envelopes are handed over (cash)
    payment_date: Mapped[date] = mapped_column(Date)
    #: "draft" or "confirmed"
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    #: totals over the lines, in pence, kept when the run is calculated
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    bacs_total_pence: Mapped[int] = mapped_column(Integer, default=0)
    cash_total_pence: Mapped[int] = mapped_column(Integer, default=0)
    adjustment_total_pence: Mapped[int] = mapped_column(Integer, default=0)
    #: paid half-days of the period, over every service user
    half_days: Mapped[int] = mapped_column(Integer, default=0)
    #: the cash set used for the envelopes, in pence, as settings held it when the run was calculated
    denominations: Mapped[str] = mapped_column(String(100))
    #: the bank statement reference every BACS payment of the run carries
    reference: Mapped[str] = mapped_column(String(18))
    calculated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id], lazy="joined")
    lines: Mapped[list[PaymentLine]] = relationship(
        back_populates="run", order_by="PaymentLine.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("status IN ('draft', 'confirmed')", name="status"),
        CheckConstraint("status = 'draft' OR confirmed_at IS NOT NULL", name="confirmed_when"),
    )

    def __repr__(self) -> str:
        return f"<PaymentRun {self.id} {self.period_start}..{self.period_end} {self.status}>"

    @property
    def locked(self) -> bool:
        return self.status == CONFIRMED

    @property
    def denomination_values(self) -> tuple[int, ...]:
        return tuple(int(value) for value in self.denominations.split(",") if value.strip())


class PaymentLine(db.Model):
    """What one service user is paid in a run: their half-days, corrections to earlier periods, and how."""

    __tablename__ = "attendance_payment_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("attendance_payment_run.id", ondelete="CASCADE"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("attendance_service_user.id"), index=True)
    #: "bacs" or "cash", as the service user's profile said when the run was calculated
    method: Mapped[str] = mapped_column(String(10))
    #: paid half-days in the run's period, and what they come to
    half_days: Mapped[int] = mapped_column(Integer, default=0)
    amount_pence: Mapped[int] = mapped_column(Integer, default=0)
    #: corrections to half-days of periods already paid: plus for ones now paid, minus for ones no longer paid
    adjustment_pence: Mapped[int] = mapped_column(Integer, default=0)
    #: what is paid: the amount plus the adjustment
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    #: bank details as the profile held them when the run was calculated (BACS only)
    account_name: Mapped[str] = mapped_column(String(100), default="", info={"audit": "redact"})
    sort_code: Mapped[str] = mapped_column(String(6), default="", info={"audit": "redact"})
    account_number: Mapped[str] = mapped_column(String(8), default="", info={"audit": "redact"})
    #: a problem that stops the BACS payment (bad format), or a warning (failed modulus check) to look into
    bank_problem: Mapped[str] = mapped_column(String(300), default="")
    bank_warning: Mapped[str] = mapped_column(String(300), default="")
    #: an overpayment bigger than this period's pay is left for the next run, and says so here
    note: Mapped[str] = mapped_column(String(300), default="")

    run: Mapped[PaymentRun] = relationship(back_populates="lines")
    service_user: Mapped[ServiceUser] = relationship(lazy="joined")

    __audit_person__ = "service_user.person_id"
    __table_args__ = (
        UniqueConstraint("run_id", "service_user_id"),
        CheckConstraint("method IN ('bacs', 'cash')", name="method"),
        CheckConstraint("total_pence = amount_pence + adjustment_pence", name="total"),
    )

    def __repr__(self) -> str:
        return f"<PaymentLine run={self.run_id} user={self.service_user_id} {self.total_pence}p>"


class PaymentItem(db.Model):
    """One half-day a run pays for (due), or the change in what is due for a half-day already paid (adjustment).

    Items name the half-day by service user, day and half, which is unique among attendances, so what was paid stays
    readable whatever later happens to the register.
    """

    __tablename__ = "attendance_payment_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("attendance_payment_run.id", ondelete="CASCADE"))
    # no foreign keys on the service user and section: items are copied in bulk from attendance records that have
    # them, and a run of a year writes tens of thousands (the run's lines keep the key to the service user)
    service_user_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    #: "AM" or "PM"
    half: Mapped[str] = mapped_column(String(2))
    #: "due" or "adjustment"
    kind: Mapped[str] = mapped_column(String(10))
    #: the rate in force on the day (for a half-day no longer paid, empty)
    rate_pence: Mapped[int | None] = mapped_column(Integer)
    #: what this item adds to the service user's pay (negative for a half-day paid before and no longer due)
    amount_pence: Mapped[int] = mapped_column(Integer)

    section: Mapped[Section | None] = relationship(
        primaryjoin="foreign(PaymentItem.section_id) == Section.id", lazy="select", viewonly=True)

    # written and removed in bulk with the run, whose calculation and confirmation are audited as events
    __audit__ = False

    __table_args__ = (
        UniqueConstraint("run_id", "service_user_id", "day", "half"),
        CheckConstraint("kind IN ('due', 'adjustment')", name="kind"),
        CheckConstraint("half IN ('AM', 'PM')", name="half"),
    )

    def __repr__(self) -> str:
        return f"<PaymentItem run={self.run_id} {self.service_user_id} {self.day} {self.half} {self.amount_pence}p>"


class PaidDay(db.Model):
    """A day inside the period of a confirmed run; the primary key stops a second run paying the same day."""

    __tablename__ = "attendance_payment_paid_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("attendance_payment_run.id"), index=True)

    def __repr__(self) -> str:
        return f"<PaidDay {self.day} run={self.run_id}>"
