"""The attendance tables: service users, premises, sections, programmes, registers and meetings; all start "attendance_"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.lookups.models import LookupValue
from core.people.models import Person
from core.security.models import User
from core.types import AwareDateTime, utcnow

#: the two halves of a day a section opens for
AM, PM = "AM", "PM"
HALVES = (AM, PM)

#: states of an attendance record
PLANNED, ATTENDED, NOT_ATTENDED = "planned", "attended", "not_attended"
STATUSES = (PLANNED, ATTENDED, NOT_ATTENDED)

#: how a service user is paid for their half-days
BACS, CASH = "bacs", "cash"
PAYMENT_METHODS = (BACS, CASH)

#: meeting kinds: before a service user joins, and after
CONSULTATION, REVIEW = "consultation", "review"
MEETING_KINDS = (CONSULTATION, REVIEW)

#: weekday numbers as Python's date.weekday() gives them; sections open Monday to Friday unless set otherwise
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_OPENING_DAYS = "01234"


class Premises(db.Model):
    """A building of the provider where service users attend, e.g. "Riverside Centre"."""

    __tablename__ = "attendance_premises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: the building's address in the core places register, where known
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    #: the fire assembly point, printed on fire registers
    assembly_point: Mapped[str] = mapped_column(String(200), default="")
    #: inactive premises are not offered for new sections
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    place = relationship("Place", lazy="joined")
    sections: Mapped[list[Section]] = relationship(back_populates="premises", order_by="Section.name")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Premises {self.id} {self.name!r}>"


class Section(db.Model):
    """A section of a premises service users attend for half-days, e.g. "Woodwork" or "Horticulture"."""

    __tablename__ = "attendance_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("attendance_premises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: how many service users the section takes in one half-day (morning or afternoon)
    capacity: Mapped[int] = mapped_column(Integer)
    #: the section manager: marks registers, receives "register not taken" alerts
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the core team (of type attendance.section_staff) whose members work in the section
    staff_team_id: Mapped[int | None] = mapped_column(ForeignKey("access_team.id"))
    #: weekdays the section opens, as digits of date.weekday() (0 Monday ... 6 Sunday), e.g. "01234"
    opening_days: Mapped[str] = mapped_column(String(7), default=DEFAULT_OPENING_DAYS)
    #: inactive sections take no new programmes
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    premises: Mapped[Premises] = relationship(back_populates="sections", lazy="joined")
    manager: Mapped[User | None] = relationship(lazy="joined")
    staff_team = relationship("Team", lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("premises_id", "name"),
        CheckConstraint("capacity > 0", name="capacity"),
    )

    def __repr__(self) -> str:
        return f"<Section {self.id} {self.name!r}>"

    @property
    def opening_weekdays(self) -> set[int]:
        """The weekdays (0 Monday ... 6 Sunday) the section opens."""
        return {int(digit) for digit in self.opening_days}

    @property
    def full_name(self) -> str:
        """The section with its premises, e.g. "Woodwork, Riverside Centre"."""
        return f"{self.name}, {self.premises.name}"


class SectionClosure(db.Model):
    """Days a section is closed (training days, a burst pipe): no attendances are planned on them."""

    __tablename__ = "attendance_section_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("attendance_section.id"), index=True)
    #: first and last day closed (the same day for a one-day closure)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    section: Mapped[Section] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates"),)

    def __repr__(self) -> str:
        return f"<SectionClosure {self.section_id} {self.start_date}..{self.end_date}>"


class NonAttendanceReason(db.Model):
    """Why a service user did not attend a planned half-day; ``paid`` says whether the half-day is still paid."""

    __tablename__ = "attendance_non_attendance_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name, e.g. "sick"; never changes once registers use it
    code: Mapped[str] = mapped_column(String(80), unique=True)
    #: what section managers see; administrators may rename it
    label: Mapped[str] = mapped_column(String(200))
    #: whether a half-day missed for this reason is paid as if attended
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    #: retired reasons are not offered for new marks, but old registers still show them
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<NonAttendanceReason {self.code} paid={self.paid}>"


class ServiceUser(db.Model):
    """A person's service-user profile: referral, funding, key worker, needs, payment and, on leaving, the outcome."""

    __tablename__ = "attendance_service_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the core person record; one profile per person
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    referral_date: Mapped[date] = mapped_column(Date)
    #: first day of attendance; empty until they start
    start_date: Mapped[date | None] = mapped_column(Date)
    #: who pays for the place: a value of the attendance.funder lookup list
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    #: the funder's contract or purchase-order reference
    contract_reference: Mapped[str] = mapped_column(String(100), default="")
    key_worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: sensitive: shown only to staff working with the service user; the audit records a change, not the words
    medical_conditions: Mapped[str] = mapped_column(Text, default="", info={"audit": "redact"})
    #: sensitive, as medical_conditions
    special_needs: Mapped[str] = mapped_column(Text, default="", info={"audit": "redact"})
    #: "bacs" or "cash"
    payment_method: Mapped[str] = mapped_column(String(10), default=CASH)
    #: name on the bank account, for BACS payments
    bank_account_name: Mapped[str] = mapped_column(String(100), default="", info={"audit": "redact"})
    #: six digits, no dashes, kept as a string so leading zeros stay
    bank_sort_code: Mapped[str] = mapped_column(String(6), default="", info={"audit": "redact"})
    #: eight digits, kept as a string so leading zeros stay
    bank_account_number: Mapped[str] = mapped_column(String(8), default="", info={"audit": "redact"})
    #: the day they left; empty while they attend
    end_date: Mapped[date | None] = mapped_column(Date)
    #: where they moved on to: a value of the attendance.move_on_outcome list
    move_on_outcome_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    #: when the outcome began, e.g. the first day of the new job
    move_on_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(lazy="joined")
    funder: Mapped[LookupValue | None] = relationship(foreign_keys=[funder_id], lazy="joined")
    move_on_outcome: Mapped[LookupValue | None] = relationship(foreign_keys=[move_on_outcome_id], lazy="joined")
    key_worker: Mapped[User | None] = relationship(lazy="joined")
    emergency_contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="service_user", order_by="EmergencyContact.priority", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __audit_person__ = "person_id"
    __table_args__ = (
        CheckConstraint("payment_method IN ('bacs', 'cash')", name="payment_method"),
        CheckConstraint("start_date IS NULL OR start_date >= referral_date", name="start_after_referral"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
    )

    def __repr__(self) -> str:
        return f"<ServiceUser {self.id} person={self.person_id}>"

    @property
    def name(self) -> str:
        return self.person.display_name


class EmergencyContact(db.Model):
    """Someone to call in an emergency, printed on fire registers in priority order."""

    __tablename__ = "attendance_emergency_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("attendance_service_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: how they know the service user, e.g. "Mother" or "Support worker"
    relationship_to: Mapped[str] = mapped_column(String(100), default="")
    #: a UK phone number in international form, as core people contact details store them
    phone: Mapped[str] = mapped_column(String(40))
    #: 1 is called first
    priority: Mapped[int] = mapped_column(Integer, default=1)

    service_user: Mapped[ServiceUser] = relationship(back_populates="emergency_contacts")

    def __repr__(self) -> str:
        return f"<EmergencyContact {self.service_user_id} {self.name!r}>"


class Meeting(db.Model):
    """A consultation meeting before a service user joins, or a review meeting after."""

    __tablename__ = "attendance_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("attendance_service_user.id"), index=True)
    #: "consultation" or "review"
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    #: who attended, in the recorder's words
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: when the next review is due; the latest meeting's date drives the due and overdue reviews list
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    service_user: Mapped[ServiceUser] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")
    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="meeting", order_by="MeetingAction.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    # the audit files a meeting's changes under the service user's person
    __audit_person__ = "service_user.person_id"
    __table_args__ = (CheckConstraint("kind IN ('consultation', 'review')", name="kind"),)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} {self.held_on}>"


class MeetingAction(db.Model):
    """An action agreed at a meeting; it is followed up as a core intention for the person it was given to."""

    __tablename__ = "attendance_meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("attendance_meeting.id"), index=True)
    #: the core intention that tracks the action until it is done
    intention_id: Mapped[int] = mapped_column(ForeignKey("intention_record.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    intention = relationship("Intention", lazy="joined")

    __audit_person__ = "meeting.service_user.person_id"

    def __repr__(self) -> str:
        return f"<MeetingAction {self.meeting_id} intention={self.intention_id}>"


class Pattern(db.Model):
    """A service user's agreed half-day slots in one section for a period: the source of their programme."""

    __tablename__ = "attendance_pattern"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("attendance_service_user.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("attendance_section.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    service_user: Mapped[ServiceUser] = relationship(lazy="joined")
    section: Mapped[Section] = relationship(lazy="joined")
    slots: Mapped[list[PatternSlot]] = relationship(
        back_populates="pattern", order_by="(PatternSlot.weekday, PatternSlot.half)", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates"),)

    def __repr__(self) -> str:
        return f"<Pattern {self.id} user={self.service_user_id} section={self.section_id}>"


class PatternSlot(db.Model):
    """One preferred half-day of a pattern: a weekday and AM or PM."""

    __tablename__ = "attendance_pattern_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern_id: Mapped[int] = mapped_column(ForeignKey("attendance_pattern.id"), index=True)
    #: 0 Monday ... 6 Sunday, as date.weekday()
    weekday: Mapped[int] = mapped_column(Integer)
    #: "AM" or "PM"
    half: Mapped[str] = mapped_column(String(2))

    pattern: Mapped[Pattern] = relationship(back_populates="slots")

    __table_args__ = (
        UniqueConstraint("pattern_id", "weekday", "half"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("half IN ('AM', 'PM')", name="half"),
    )

    def __repr__(self) -> str:
        return f"<PatternSlot {self.pattern_id} {WEEKDAY_NAMES[self.weekday]} {self.half}>"


class Attendance(db.Model):
    """One service user's half-day in a section: planned by a programme (or added unplanned), then marked."""

    __tablename__ = "attendance_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("attendance_service_user.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("attendance_section.id"))
    day: Mapped[date] = mapped_column(Date)
    #: "AM" or "PM"
    half: Mapped[str] = mapped_column(String(2))
    #: "planned" until the register is marked, then "attended" or "not_attended"
    status: Mapped[str] = mapped_column(String(16), default=PLANNED)
    #: why they did not attend; required for "not_attended", and decides whether the half-day is paid
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_non_attendance_reason.id"))
    #: the pattern that planned it; empty for unplanned attendance added on the register
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_pattern.id"), index=True)
    #: whether the half-day was in the programme (False: the service user came without being planned)
    planned: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    service_user: Mapped[ServiceUser] = relationship(lazy="joined")
    section: Mapped[Section] = relationship(lazy="joined")
    reason: Mapped[NonAttendanceReason | None] = relationship(lazy="joined")
    marked_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        # a service user is in one place per half-day, so they can never be paid twice for it
        UniqueConstraint("service_user_id", "day", "half"),
        Index("ix_attendance_record_register", "section_id", "day", "half"),
        CheckConstraint("half IN ('AM', 'PM')", name="half"),
        CheckConstraint("status IN ('planned', 'attended', 'not_attended')", name="status"),
        CheckConstraint("status = 'not_attended' OR reason_id IS NULL", name="reason_only_when_absent"),
    )

    def __repr__(self) -> str:
        return f"<Attendance {self.service_user_id} {self.day} {self.half} {self.status}>"

    @property
    def is_paid(self) -> bool:
        """A paid half-day: attended, or not attended for a reason flagged paid."""
        return self.status == ATTENDED or (
            self.status == NOT_ATTENDED and self.reason is not None and self.reason.paid
        )


class RegisterAlert(db.Model):
    """A "register not taken" alert: a past half-day of a section with attendances still unmarked."""

    __tablename__ = "attendance_register_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("attendance_section.id"))
    day: Mapped[date] = mapped_column(Date)
    half: Mapped[str] = mapped_column(String(2))
    #: how many attendances were unmarked when the alert was raised
    unmarked: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: set when the register is complete; resolved alerts leave the section manager's list
    resolved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    section: Mapped[Section] = relationship(lazy="joined")

    __table_args__ = (
        # one alert per register, however often the job runs
        UniqueConstraint("section_id", "day", "half"),
        CheckConstraint("half IN ('AM', 'PM')", name="half"),
    )

    def __repr__(self) -> str:
        return f"<RegisterAlert {self.section_id} {self.day} {self.half}>"
