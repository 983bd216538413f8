"""Care contracts tables; every table of this module starts with "care_contracts_"."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow

#: how often a contract scheme bills its funder: (code, label)
BILLING_PERIODS = (("weekly", "Weekly"), ("four_weekly", "Four-weekly"), ("monthly", "Monthly"))
#: who a funder is: (code, label); "private" funders are an establishment charging the service user
FUNDER_KINDS = (("council", "Council"), ("nhs", "NHS body"), ("private", "Private (the service user pays)"))
#: how a rate unit prices a service: (code, label)
RATE_UNIT_KINDS = (
    ("week", "Per week: a seventh of the rate for each chargeable day"),
    ("day", "Per day or night: the rate for each chargeable day"),
    ("hour", "Per hour: the planned hours of the weekly schedule"),
    ("session", "Per session: each planned visit of the weekly schedule"),
)


class _Configured:
    """Columns every configuration record shares: a stable code, a name, and retirement instead of deletion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name, e.g. "oak_lodge"; never changes once records use it
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: the name people see, e.g. "Oak Lodge Care Home"
    name: Mapped[str] = mapped_column(String(200))
    #: retired records stay on old contracts but are not offered for new ones
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"

    def __str__(self) -> str:
        return self.name


class Establishment(_Configured, db.Model):
    """A care home, day centre or domiciliary branch that provides services under contracts."""

    __tablename__ = "care_contracts_establishment"


class Location(_Configured, db.Model):
    """A building or site of an establishment, e.g. "Main house"."""

    __tablename__ = "care_contracts_location"

    establishment_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_establishment.id"), index=True)
    establishment: Mapped[Establishment] = relationship(lazy="joined")


class SubLocation(_Configured, db.Model):
    """A floor, wing or unit of a location, e.g. "First floor"."""

    __tablename__ = "care_contracts_sub_location"

    location_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_location.id"), index=True)
    location: Mapped[Location] = relationship(lazy="joined")


class Room(_Configured, db.Model):
    """A room of a sub-location, holding one or more beds."""

    __tablename__ = "care_contracts_room"

    sub_location_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_sub_location.id"), index=True)
    sub_location: Mapped[SubLocation] = relationship(lazy="joined")


class Bed(_Configured, db.Model):
    """A bed in a room; bed allocations place one service user in it at a time."""

    __tablename__ = "care_contracts_bed"

    room_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_room.id"), index=True)
    room: Mapped[Room] = relationship(lazy="joined")


class Funder(_Configured, db.Model):
    """Who pays for a service: a council, an NHS body, or (private care) the establishment charging the person."""

    __tablename__ = "care_contracts_funder"
    __table_args__ = (
        CheckConstraint("kind IN ('council', 'nhs', 'private')", name="kind"),
        CheckConstraint("(kind = 'private') = (establishment_id IS NOT NULL)", name="private_is_establishment"),
    )

    #: council, nhs or private (see FUNDER_KINDS)
    kind: Mapped[str] = mapped_column(String(20))
    #: for private funders, the establishment itself: its service users are charged
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_establishment.id"))
    establishment: Mapped[Establishment | None] = relationship(lazy="joined")


class ContractScheme(_Configured, db.Model):
    """A framework under which an establishment is paid by a funder, and how it bills."""

    __tablename__ = "care_contracts_contract_scheme"
    __table_args__ = (CheckConstraint("billing_period IN ('weekly', 'four_weekly', 'monthly')", name="billing_period"),)

    establishment_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_establishment.id"), index=True)
    #: who pays for services under this scheme; filled into every person contract service and not changeable there
    funder_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_funder.id"))
    #: weekly, four_weekly or monthly (see BILLING_PERIODS)
    billing_period: Mapped[str] = mapped_column(String(20), default="four_weekly")
    #: the first day of a billing period, from which weekly and four-weekly periods are counted
    period_anchor: Mapped[date] = mapped_column(Date)
    #: the seed's "Updateable on Person Contract Service?": whether services may override the mapped finance code
    finance_code_updateable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the funder asks the establishment to collect the service user's contribution (residential net billing)
    collect_contribution: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the contribution collected is charged to the service user automatically
    charge_contribution: Mapped[bool] = mapped_column(Boolean, default=False)

    establishment: Mapped[Establishment] = relationship(lazy="joined")
    funder: Mapped[Funder] = relationship(lazy="joined")


class Service(_Configured, db.Model):
    """A kind of care provided, e.g. "Residential care" or "Home care"."""

    __tablename__ = "care_contracts_service"


class ServiceDetail(_Configured, db.Model):
    """A finer description of a service, e.g. "Dementia" under "Residential care"."""

    __tablename__ = "care_contracts_service_detail"

    service_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_service.id"), index=True)
    service: Mapped[Service] = relationship(lazy="joined")


class RateUnit(_Configured, db.Model):
    """How a rate is expressed: per week, per day or night, per hour or per session."""

    __tablename__ = "care_contracts_rate_unit"
    __table_args__ = (CheckConstraint("kind IN ('week', 'day', 'hour', 'session')", name="kind"),)

    #: week, day, hour or session (see RATE_UNIT_KINDS)
    kind: Mapped[str] = mapped_column(String(20))
    #: the seed's "Time and Days?": rates in this unit carry time bands and days of the week
    time_and_days: Mapped[bool] = mapped_column(Boolean, default=False)


class ContractService(_Configured, db.Model):
    """A priced service an establishment offers under a contract scheme."""

    __tablename__ = "care_contracts_contract_service"
    __table_args__ = (CheckConstraint("standard_rate_pence >= 0", name="standard_rate_not_negative"),)

    contract_scheme_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_contract_scheme.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_service.id"))
    service_detail_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_service_detail.id"))
    rate_unit_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_rate_unit.id"))
    #: the seed's "Negotiated Rates Apply?": each person's service needs its own rates (the Rates tab)
    negotiated_rates_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the seed's "Rooms Apply?": services are residential and get a bed allocation
    rooms_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the rate charged when neither an override nor a negotiated rate applies, in pence per rate unit
    standard_rate_pence: Mapped[int] = mapped_column(Integer, default=0)

    contract_scheme: Mapped[ContractScheme] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")
    service_detail: Mapped[ServiceDetail | None] = relationship(lazy="joined")
    rate_unit: Mapped[RateUnit] = relationship(lazy="joined")


class EndReason(_Configured, db.Model):
    """Why a service ended, with its charging rule: how many days after the end date are still charged."""

    __tablename__ = "care_contracts_end_reason"
    __table_args__ = (CheckConstraint("extra_days_charged >= 0", name="extra_days_not_negative"),)

    #: days after the end date that are still charged, e.g. 3 after a death while the room is cleared
    extra_days_charged: Mapped[int] = mapped_column(Integer, default=0)


class AbsenceType(_Configured, db.Model):
    """A kind of absence from a service, e.g. a hospital stay, with stepped charging rules."""

    __tablename__ = "care_contracts_absence_type"

    steps: Mapped[list[AbsenceChargeStep]] = relationship(
        back_populates="absence_type", order_by="AbsenceChargeStep.from_day", cascade="all, delete-orphan",
        lazy="selectin",
    )


class AbsenceChargeStep(db.Model):
    """From a day of an absence onwards (day 1 is the first day away), the share of the charge still made."""

    __tablename__ = "care_contracts_absence_charge_step"
    __table_args__ = (
        UniqueConstraint("absence_type_id", "from_day"),
        CheckConstraint("from_day >= 1", name="from_day_positive"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    absence_type_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_absence_type.id"), index=True)
    #: the day of the absence this step starts on; it lasts until the next step's day
    from_day: Mapped[int] = mapped_column(Integer)
    #: percentage of the usual charge made for each day of this step
    percent: Mapped[int] = mapped_column(Integer)

    absence_type: Mapped[AbsenceType] = relationship(back_populates="steps")

    def __repr__(self) -> str:
        return f"<AbsenceChargeStep from day {self.from_day}: {self.percent}%>"


class FinanceCodeMapping(db.Model):
    """The finance (ledger) code for services of an establishment, service and funder."""

    __tablename__ = "care_contracts_finance_code_mapping"
    __table_args__ = (UniqueConstraint("establishment_id", "service_id", "funder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_establishment.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_service.id"))
    funder_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_funder.id"))
    #: the ledger code transactions for such services are posted to, e.g. "RES-OAK-CNCL"
    finance_code: Mapped[str] = mapped_column(String(40))
    #: retired mappings stay on the services that took their code but give no code to new ones
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    establishment: Mapped[Establishment] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")
    funder: Mapped[Funder] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<FinanceCodeMapping {self.finance_code}>"


# --- person contracts and their services ------------------------------------------------------------------------

#: statuses of a person contract service: (code, label); only Completed services are charged
SERVICE_STATUSES = (("draft", "Draft"), ("completed", "Completed (ready for charging)"), ("cancelled", "Cancelled"))


class PersonContract(db.Model):
    """A person's contract with an establishment under a contract scheme; its services are what gets charged."""

    __tablename__ = "care_contracts_person_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_establishment.id"))
    contract_scheme_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_contract_scheme.id"))
    #: the funder's or provider's own reference for the contract, e.g. "NCC/2026/0412"
    reference: Mapped[str] = mapped_column(String(60), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person = relationship("Person", lazy="joined")
    establishment: Mapped[Establishment] = relationship(lazy="joined")
    contract_scheme: Mapped[ContractScheme] = relationship(lazy="joined")
    services: Mapped[list[PersonContractService]] = relationship(
        back_populates="person_contract", order_by="[PersonContractService.start_at, PersonContractService.id]",
        lazy="selectin")

    __mapper_args__ = {"version_id_col": version}
    __audit_person__ = "person_id"

    def __repr__(self) -> str:
        return f"<PersonContract {self.id} person {self.person_id}>"


class PersonContractService(db.Model):
    """A service provided under a person contract (the seed's Person Contract Service), charged once Completed."""

    __tablename__ = "care_contracts_person_contract_service"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'completed', 'cancelled')", name="status"),
        CheckConstraint("kind IN ('service', 'contribution')", name="kind"),
        CheckConstraint("frequency_weeks BETWEEN 1 AND 9", name="frequency_weeks"),
        CheckConstraint("end_at IS NULL OR end_at > start_at", name="ends_after_start"),
        CheckConstraint("end_at IS NULL OR end_reason_id IS NOT NULL", name="end_needs_reason"),
        CheckConstraint("NOT suspend_debtor_invoices OR suspend_reason_id IS NOT NULL", name="suspend_needs_reason"),
        CheckConstraint("override_rate_pence IS NULL OR override_rate_pence >= 0", name="override_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_person_contract.id"), index=True)
    #: service, or the service user's contribution deducted from a residential service (the seed's second record)
    kind: Mapped[str] = mapped_column(String(20), default="service")
    #: for a contribution, the residential service it is deducted from
    contribution_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    #: defaulted from the person contract
    contract_scheme_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_contract_scheme.id"))
    #: filled from the establishment and contract scheme and never typed; private when it is the establishment
    funder_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_funder.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_service.id"))
    service_detail_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_service_detail.id"))
    contract_service_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_contract_service.id"))
    #: the seed's "Update Finance Code": the finance code may be typed (only where the scheme allows it)
    update_finance_code: Mapped[bool] = mapped_column(Boolean, default=False)
    #: from the finance code mapping, unless someone typed one
    finance_code: Mapped[str | None] = mapped_column(String(40))
    #: set once someone typed the finance code: it is never replaced from the mapping again
    finance_code_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    #: free text, e.g. the funder's purchase order
    account_code: Mapped[str] = mapped_column(String(60), default="")
    #: from when the service applies; charged from this day
    start_at: Mapped[datetime] = mapped_column(AwareDateTime())
    #: from when the service no longer applies; charged up to, not including, this day
    end_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    expected_end_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    end_reason_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_end_reason.id"))
    #: draft, completed or cancelled (see SERVICE_STATUSES)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: the weekly charge at the last save, in pence; its history is in care_contracts_charge_history
    charge_per_week_pence: Mapped[int | None] = mapped_column(Integer)
    #: from the contract service
    rate_unit_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_rate_unit.id"))
    #: the planned weekly schedule repeats every this many weeks (1 to 9)
    frequency_weeks: Mapped[int] = mapped_column(Integer, default=1)
    #: from the contract service's "Negotiated Rates Apply?": the Rates tab must hold the rates
    rate_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a rate that replaces every other, in pence per rate unit
    override_rate_pence: Mapped[int | None] = mapped_column(Integer)
    rate_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the service user's invoices for this service are held back
    suspend_debtor_invoices: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a value of the care_contracts.suspend_reason lookup list
    suspend_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    #: the end of the last billing period the transactions job charged (the first day after it)
    charged_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person_contract: Mapped[PersonContract] = relationship(back_populates="services", lazy="joined")
    contract_scheme: Mapped[ContractScheme] = relationship(lazy="joined")
    funder: Mapped[Funder] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")
    service_detail: Mapped[ServiceDetail | None] = relationship(lazy="joined")
    contract_service: Mapped[ContractService] = relationship(lazy="joined")
    rate_unit: Mapped[RateUnit] = relationship(lazy="joined")
    end_reason: Mapped[EndReason | None] = relationship(lazy="joined")
    suspend_reason = relationship("LookupValue", lazy="joined")
    contribution_of: Mapped[PersonContractService | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<PersonContractService {self.id} {self.kind} {self.status}>"

    @property
    def is_private(self) -> bool:
        """Private care: the funder is the establishment itself, so the service user is charged."""
        return self.funder.establishment_id == self.person_contract.establishment_id


class ChargeTrigger(db.Model):
    """A note, written in the same transaction as a change to a Completed service, that its charges need working out."""

    __tablename__ = "care_contracts_charge_trigger"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    #: what changed, e.g. "completed", "changed", "rates changed", "absence recorded"
    reason: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: set by the transactions job once the service's charges are up to date; pending while empty
    processed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<ChargeTrigger {self.id} service {self.person_contract_service_id} {self.reason}>"


class ChargeHistory(db.Model):
    """The seed's Charge Per Week tab: a service's weekly charge each time it changed."""

    __tablename__ = "care_contracts_charge_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: the weekly charge from then on, in pence; None when it cannot be worked out (no rate or schedule yet)
    charge_per_week_pence: Mapped[int | None] = mapped_column(Integer)
    #: the rate it was worked out from, in pence per rate unit
    rate_pence: Mapped[int | None] = mapped_column(Integer)
    #: where that rate came from: override, rates tab, standard rate
    rate_source: Mapped[str] = mapped_column(String(40), default="")

    def __repr__(self) -> str:
        return f"<ChargeHistory service {self.person_contract_service_id} {self.charge_per_week_pence}>"


# --- rates, planned schedule, bed allocation and absences -------------------------------------------------------

#: weekday bits of ServiceRate.weekdays, Monday first, as date.weekday() numbers them
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ALL_DAYS = 0b1111111


class ServiceRate(db.Model):
    """The seed's Rates tab: a rate for some days of the week and, for timed units, a time band."""

    __tablename__ = "care_contracts_service_rate"
    __table_args__ = (
        CheckConstraint("rate_pence >= 0", name="rate_not_negative"),
        CheckConstraint("bank_holiday_rate_pence IS NULL OR bank_holiday_rate_pence >= 0", name="bank_holiday_rate"),
        CheckConstraint("weekdays BETWEEN 1 AND 127", name="weekdays"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    #: the first day the rate applies
    start_date: Mapped[date] = mapped_column(Date)
    #: the last day the rate applies; None while open-ended
    end_date: Mapped[date | None] = mapped_column(Date)
    #: pence per rate unit
    rate_pence: Mapped[int] = mapped_column(Integer)
    #: defaulted from the person contract service
    rate_unit_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_rate_unit.id"))
    #: for units with Time and Days?: the band's start; None means from midnight
    time_band_start: Mapped[time | None] = mapped_column(Time)
    #: the band's end; None (or midnight) means to the end of the day
    time_band_end: Mapped[time | None] = mapped_column(Time)
    #: pence per rate unit on bank holidays; None charges the ordinary rate
    bank_holiday_rate_pence: Mapped[int | None] = mapped_column(Integer)
    #: the days of the week the rate applies, one bit each from Monday (1) to Sunday (64); 127 is Select All Days
    weekdays: Mapped[int] = mapped_column(Integer, default=ALL_DAYS)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    rate_unit: Mapped[RateUnit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ServiceRate {self.id} {self.rate_pence}p from {self.start_date}>"

    @property
    def all_days(self) -> bool:
        return self.weekdays == ALL_DAYS


class PlannedVisit(db.Model):
    """One visit of a service's planned weekly schedule, in week 1 to Frequency of the repeating cycle."""

    __tablename__ = "care_contracts_planned_visit"
    __table_args__ = (
        CheckConstraint("week_number BETWEEN 1 AND 9", name="week_number"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    #: which week of the cycle, counted from the week the service starts
    week_number: Mapped[int] = mapped_column(Integer, default=1)
    #: 0 Monday to 6 Sunday
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    #: the visit's end; midnight means the end of the day
    end_time: Mapped[time] = mapped_column(Time)

    def __repr__(self) -> str:
        return f"<PlannedVisit week {self.week_number} day {self.weekday} {self.start_time}-{self.end_time}>"


class BedAllocation(db.Model):
    """The seed's Bed Allocation (Occupancy): which bed a residential service user has, and when."""

    __tablename__ = "care_contracts_bed_allocation"
    __table_args__ = (CheckConstraint("end_at IS NULL OR end_at > start_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    bed_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_bed.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(AwareDateTime())
    end_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    bed: Mapped[Bed] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<BedAllocation bed {self.bed_id} from {self.start_at}>"


#: which Person Contract Services a person absence affects (the seed's Person Contract Service Absence)
person_absence_service = Table(
    "care_contracts_person_absence_service",
    db.metadata,
    Column("person_absence_id", ForeignKey("care_contracts_person_absence.id", ondelete="CASCADE"), primary_key=True),
    Column("person_contract_service_id", ForeignKey("care_contracts_person_contract_service.id"), primary_key=True,
           index=True),
)


class PersonAbsence(db.Model):
    """A person's absence (e.g. a hospital stay), linked to the services it affects; charged by its type's steps."""

    __tablename__ = "care_contracts_person_absence"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date > start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    absence_type_id: Mapped[int] = mapped_column(ForeignKey("care_contracts_absence_type.id"))
    #: the first day away (day 1 of the type's charging steps)
    start_date: Mapped[date] = mapped_column(Date)
    #: the day the person came back, which is not a day away; None while still away
    end_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    absence_type: Mapped[AbsenceType] = relationship(lazy="joined")
    #: the Person Contract Services whose charge the absence affects
    services: Mapped[list[PersonContractService]] = relationship(
        secondary=person_absence_service, order_by="[PersonContractService.start_at, PersonContractService.id]",
        lazy="selectin")

    __mapper_args__ = {"version_id_col": version}
    __audit_person__ = "person_id"

    def __repr__(self) -> str:
        return f"<PersonAbsence {self.id} person {self.person_id} from {self.start_date}>"

    @property
    def service_ids(self) -> list[int]:
        """The ids of the services it affects."""
        return [service.id for service in self.services]


# --- finance transactions and invoices --------------------------------------------------------------------------


class FinanceInvoice(db.Model):
    """A numbered invoice to a funder (or, for their charges, a service user) for one billing period; never changed."""

    __tablename__ = "care_contracts_finance_invoice"
    __table_args__ = (
        CheckConstraint("debtor_kind IN ('funder', 'person')", name="debtor_kind"),
        CheckConstraint("(debtor_kind = 'funder') = (funder_id IS NOT NULL)", name="funder_debtor"),
        CheckConstraint("(debtor_kind = 'person') = (person_id IS NOT NULL)", name="person_debtor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the invoice's place in the one unbroken sequence of invoice numbers (1, 2, 3, ...), given in the invoicing
    #: job's own transaction, so a failed run leaves no gap
    serial: Mapped[int] = mapped_column(Integer, unique=True)
    #: the invoice number printed on it: the configured prefix and the serial, e.g. "INV-000123"
    number: Mapped[str] = mapped_column(String(40), unique=True)
    #: funder or person: who is asked to pay
    debtor_kind: Mapped[str] = mapped_column(String(10))
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_funder.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    #: the first day after the billing period
    period_end: Mapped[date] = mapped_column(Date)
    #: the sum of its transactions, in pence; negative for a credit note
    total_pence: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    funder: Mapped[Funder | None] = relationship(lazy="joined")
    person = relationship("Person", lazy="joined")

    def __repr__(self) -> str:
        return f"<FinanceInvoice {self.number} {self.total_pence}p>"


class FinanceTransaction(db.Model):
    """A charge (or an adjustment to one) for a service, a debtor and a billing period; never edited once written."""

    __tablename__ = "care_contracts_finance_transaction"
    __table_args__ = (
        CheckConstraint("debtor_kind IN ('funder', 'person')", name="debtor_kind"),
        CheckConstraint("kind IN ('charge', 'adjustment')", name="kind"),
        CheckConstraint("(debtor_kind = 'funder') = (funder_id IS NOT NULL)", name="funder_debtor"),
        CheckConstraint("(debtor_kind = 'person') = (person_id IS NOT NULL)", name="person_debtor"),
        Index("ix_care_contracts_finance_transaction_uninvoiced", "invoice_id", "debtor_kind", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_contract_service_id: Mapped[int] = mapped_column(
        ForeignKey("care_contracts_person_contract_service.id"), index=True)
    #: charge (the first for this service, debtor and period) or adjustment (the difference after a change)
    kind: Mapped[str] = mapped_column(String(20))
    debtor_kind: Mapped[str] = mapped_column(String(10))
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_funder.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    period_start: Mapped[date] = mapped_column(Date)
    #: the first day after the billing period
    period_end: Mapped[date] = mapped_column(Date)
    #: pence; negative for a deduction (a contribution collected) or an adjustment down
    amount_pence: Mapped[int] = mapped_column(Integer)
    #: the service's finance and account codes when the transaction was written, for the ledger
    finance_code: Mapped[str | None] = mapped_column(String(40))
    account_code: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: set once, when the invoicing job puts it on an invoice
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("care_contracts_finance_invoice.id"))
    #: set instead of an invoice when a debtor's uninvoiced transactions for a period add up to nothing (a charge
    #: cancelled before it was invoiced): nobody is sent an invoice for £0.00
    cleared_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    def __repr__(self) -> str:
        return f"<FinanceTransaction {self.id} {self.kind} {self.amount_pence}p>"
