"""Care contracts rules and writes; each checks the same permission as the screen, API or job that calls it."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, any_, bindparam, func, insert, inspect, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import flag_modified

from core import module_system
from core.audit import services as audit
from core.calendar import services as calendar
from core.extensions import db
from core.jobs import services as jobs
from core.lookups.models import LookupValue
from core.people import services as people
from core.people.models import Person
from core.permissions import authorize, can
from core.types import LONDON, london_now, utcnow

from . import charging
from .models import (
    SERVICE_STATUSES,
    AbsenceChargeStep,
    AbsenceType,
    Bed,
    BedAllocation,
    ChargeHistory,
    ChargeTrigger,
    ContractScheme,
    ContractService,
    EndReason,
    Establishment,
    FinanceCodeMapping,
    FinanceInvoice,
    FinanceTransaction,
    Funder,
    Location,
    PersonAbsence,
    PersonContract,
    PersonContractService,
    PlannedVisit,
    RateUnit,
    Room,
    Service,
    ServiceDetail,
    ServiceRate,
    SubLocation,
    person_absence_service,
)

VIEW = "care_contracts.contract.view"
WRITE = "care_contracts.contract.write"
CONFIGURE = "care_contracts.config.manage"
FINANCE = "care_contracts.finance.run"
INVOICES = "care_contracts.invoice.view"
SUSPEND_REASONS = "care_contracts.suspend_reason"
#: contracts are person records: reading or changing them also needs the core's permission to open people
PEOPLE_VIEW = people.VIEW


class CareContractsError(ValueError):
    """A change was refused; ``field`` names the form or API field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- configuration ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigKind:
    """One kind of configuration record administrators keep on the configuration screens."""

    slug: str
    label: str
    singular: str
    model: type
    #: (column heading, how to show a record's value) for the list screen
    columns: tuple[tuple[str, Callable[[Any], Any]], ...]
    #: select fields and the model whose records they offer
    parents: tuple[tuple[str, type], ...] = ()
    #: extra rule checks, raising CareContractsError
    check: Callable[[Any, dict[str, Any]], None] | None = None
    description: str = ""


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _money(pence: int | None) -> str:
    return "" if pence is None else f"£{pence / 100:,.2f}"


def _check_funder(record, values: dict[str, Any]) -> None:
    if values["kind"] == "private" and not values.get("establishment_id"):
        raise CareContractsError("establishment_id", "Select the establishment that charges its service users")
    if values["kind"] != "private" and values.get("establishment_id"):
        raise CareContractsError("establishment_id", "Only private funders are an establishment: leave it empty")


def _check_scheme(record, values: dict[str, Any]) -> None:
    funder = db.session.get(Funder, values["funder_id"])
    if funder.kind == "private" and funder.establishment_id != values["establishment_id"]:
        raise CareContractsError("funder_id", "A private funder must be the scheme's own establishment")
    if values.get("charge_contribution") and not values.get("collect_contribution"):
        raise CareContractsError(
            "charge_contribution", "Only a contribution the establishment collects can be charged to the service user")


def _check_contract_service(record, values: dict[str, Any]) -> None:
    detail_id = values.get("service_detail_id")
    if detail_id and db.session.get(ServiceDetail, detail_id).service_id != values["service_id"]:
        raise CareContractsError("service_detail_id", "Select a service detail of the chosen service")
    if values["standard_rate_pence"] < 0:
        raise CareContractsError("standard_rate_pence", "The standard rate cannot be negative")


#: an absence type has at most three charging steps, as its screen shows
MAX_ABSENCE_STEPS = 3
#: the last day of an absence a step can start on (ten years)
MAX_ABSENCE_DAY = 3650


def _check_absence_type(record, values: dict[str, Any]) -> None:
    steps = values.get("steps") or []
    if not steps:
        raise CareContractsError("steps", "Enter the percentage charged from the first day away")
    if len(steps) > MAX_ABSENCE_STEPS:
        raise CareContractsError("steps", f"An absence type has at most {MAX_ABSENCE_STEPS} charging steps")
    previous = 0
    for index, (day, percent) in enumerate(steps):
        if index == 0 and day != 1:
            raise CareContractsError("steps.0.from_day", "The first step starts on day 1, the first day away")
        if day <= previous:
            raise CareContractsError(f"steps.{index}.from_day", "Each step must start on a later day than the one before")
        if day > MAX_ABSENCE_DAY:
            raise CareContractsError(f"steps.{index}.from_day", f"Days must be between 2 and {MAX_ABSENCE_DAY}")
        if not 0 <= percent <= 100:
            raise CareContractsError(f"steps.{index}.percent", "Percentages must be between 0 and 100")
        previous = day


def absence_steps_from(values: dict[str, Any]) -> list[tuple[int, int]]:
    """The (from day, percent) steps an absence type form describes, checking each later step is complete."""
    steps = [(1, values["first_percent"])]
    for which in ("second", "third"):
        day, percent = values.get(f"{which}_from_day"), values.get(f"{which}_percent")
        if day is None and percent is None:
            continue
        if day is None:
            raise CareContractsError(f"{which}_from_day", "Enter the day this step starts on")
        if percent is None:
            raise CareContractsError(f"{which}_percent", "Enter the percentage charged from that day")
        if which == "third" and values.get("second_from_day") is None:
            raise CareContractsError("second_from_day", "Enter the second step before the third")
        steps.append((day, percent))
    return steps


def absence_step_values(absence_type: AbsenceType) -> dict[str, Any]:
    """An absence type's steps as the fields of its form."""
    values: dict[str, Any] = {"first_percent": 100}
    for index, step in enumerate(absence_type.steps):
        if index == 0:
            values["first_percent"] = step.percent
        else:
            which = ("second", "third")[index - 1] if index < 3 else None
            if which:
                values[f"{which}_from_day"] = step.from_day
                values[f"{which}_percent"] = step.percent
    return values


def _check_mapping(record, values: dict[str, Any]) -> None:
    clash = db.session.scalar(
        select(FinanceCodeMapping).where(
            FinanceCodeMapping.establishment_id == values["establishment_id"],
            FinanceCodeMapping.service_id == values["service_id"],
            FinanceCodeMapping.funder_id == values["funder_id"],
        )
    )
    if clash is not None and clash is not record:
        # one mapping per establishment, service and funder, in use or not, so a service's code has one history
        if not clash.active:
            raise CareContractsError(
                "funder_id", f"{clash.finance_code} is already the finance code for this establishment, service and "
                             f"funder, though retired: bring that mapping back into use, changing its code if needed")
        raise CareContractsError(
            "funder_id", f"{clash.finance_code} is already the finance code for this establishment, service and funder")


def _parent(attribute: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, attribute)


CONFIG_KINDS: dict[str, ConfigKind] = {
    kind.slug: kind
    for kind in (
        ConfigKind("establishments", "Establishments", "establishment", Establishment, (),
                   description="Care homes, day centres and domiciliary branches providing services."),
        ConfigKind("locations", "Locations", "location", Location, (("Establishment", _parent("establishment")),),
                   (("establishment_id", Establishment),), description="Buildings or sites of an establishment."),
        ConfigKind("sub_locations", "Sub-locations", "sub-location", SubLocation, (("Location", _parent("location")),),
                   (("location_id", Location),), description="Floors, wings or units of a location."),
        ConfigKind("rooms", "Rooms", "room", Room, (("Sub-location", _parent("sub_location")),),
                   (("sub_location_id", SubLocation),)),
        ConfigKind("beds", "Beds", "bed", Bed, (("Room", _parent("room")),), (("room_id", Room),)),
        ConfigKind("funders", "Funders", "funder", Funder,
                   (("Kind", lambda funder: funder.kind), ("Establishment", _parent("establishment"))),
                   (("establishment_id", Establishment),), _check_funder,
                   "Councils, NHS bodies, and establishments charging their service users privately."),
        ConfigKind("schemes", "Contract schemes", "contract scheme", ContractScheme,
                   (("Establishment", _parent("establishment")), ("Funder", _parent("funder")),
                    ("Billing period", lambda scheme: scheme.billing_period.replace("_", "-")),
                    ("Updateable on Person Contract Service?", lambda scheme: _yes(scheme.finance_code_updateable))),
                   (("establishment_id", Establishment), ("funder_id", Funder)), _check_scheme),
        ConfigKind("services", "Services", "service", Service, ()),
        ConfigKind("service_details", "Service details", "service detail", ServiceDetail,
                   (("Service", _parent("service")),), (("service_id", Service),)),
        ConfigKind("rate_units", "Rate units", "rate unit", RateUnit,
                   (("Charges", lambda unit: unit.kind), ("Time and Days?", lambda unit: _yes(unit.time_and_days)))),
        ConfigKind("contract_services", "Contract services", "contract service", ContractService,
                   (("Scheme", _parent("contract_scheme")), ("Service", _parent("service")),
                    ("Rate unit", _parent("rate_unit")), ("Standard rate", lambda cs: _money(cs.standard_rate_pence)),
                    ("Negotiated Rates Apply?", lambda cs: _yes(cs.negotiated_rates_apply)),
                    ("Rooms Apply?", lambda cs: _yes(cs.rooms_apply))),
                   (("contract_scheme_id", ContractScheme), ("service_id", Service),
                    ("service_detail_id", ServiceDetail), ("rate_unit_id", RateUnit)), _check_contract_service),
        ConfigKind("end_reasons", "End reasons", "end reason", EndReason,
                   (("Days charged after the end", lambda reason: reason.extra_days_charged),)),
        ConfigKind("absence_types", "Absence types", "absence type", AbsenceType,
                   (("Charging", lambda kind: describe_steps([(s.from_day, s.percent) for s in kind.steps])),),
                   check=_check_absence_type),
        ConfigKind("finance_codes", "Finance code mappings", "finance code mapping", FinanceCodeMapping,
                   (("Establishment", _parent("establishment")), ("Service", _parent("service")),
                    ("Funder", _parent("funder"))),
                   (("establishment_id", Establishment), ("service_id", Service), ("funder_id", Funder)), _check_mapping,
                   "The finance code for each establishment, service and funder."),
    )
}


def describe_steps(steps: list[tuple[int, int]]) -> str:
    """Absence charging steps in words, e.g. "100% for days 1 to 28, then 0%"."""
    parts = []
    for index, (day, percent) in enumerate(steps):
        following = steps[index + 1][0] if index + 1 < len(steps) else None
        if following is None:
            parts.append(f"{percent}%" if index else f"{percent}% throughout")
        else:
            parts.append(f"{percent}% for days {day} to {following - 1}")
    return ", then ".join(parts)


def config_kind(slug: str) -> ConfigKind:
    """The configuration kind with that slug, or KeyError."""
    return CONFIG_KINDS[slug]


def config_records(slug: str, active: bool | None = None) -> list[Any]:
    """Every record of a configuration kind (only those in use, or only retired ones), in use first, then by name."""
    authorize(CONFIGURE)
    model = CONFIG_KINDS[slug].model
    name = model.finance_code if model is FinanceCodeMapping else model.name
    query = select(model).order_by(model.active.desc(), name, model.id)
    if active is not None:
        query = query.where(model.active.is_(active))
    return list(db.session.scalars(query))


def options(model: type, current: int | None = None) -> list[tuple[Any, str]]:
    """(id, label) choices of a configuration model: records in use, plus the current one if since retired."""
    query = select(model).order_by(model.name)
    rows = [row for row in db.session.scalars(query) if row.active or row.id == current]
    return [(row.id, _option_label(row)) for row in rows]


def _option_label(row: Any) -> str:
    if isinstance(row, Bed):
        return f"{row.room.name}, {row.name}"
    if isinstance(row, Room):
        return f"{row.sub_location.name}, {row.name}"
    return row.name


def get_config(slug: str, record_id: int, for_update: bool = False) -> Any:
    """One configuration record of a kind, locked for a change when ``for_update``; LookupError when there is none."""
    authorize(CONFIGURE)
    model = CONFIG_KINDS[slug].model
    if for_update:  # the row alone (its eager joins cannot be locked), so two changes cannot both pass If-Match
        db.session.execute(select(model.id).where(model.id == record_id).with_for_update())
    record = db.session.get(model, record_id)
    if record is None:
        raise LookupError(f"No such {CONFIG_KINDS[slug].singular}")
    return record


def _check_code(code: str) -> None:
    # the same words as the form's validators, so the screen and the API refuse a code alike
    if not code:
        raise CareContractsError("code", "Enter a code")
    if len(code) > 40:
        raise CareContractsError("code", "Code must be 40 characters or fewer")
    if not re.fullmatch(r"[a-z0-9_]+", code):
        raise CareContractsError("code", "Code must use only lower-case letters, digits and _")


def save_config(slug: str, record: Any | None, values: dict[str, Any]) -> Any:
    """Create (record None) or change a configuration record after checking the kind's rules.

    An absence type's ``steps`` are (from day, percent) pairs, the first from day 1; the screen's form and the API
    both pass them so.
    """
    authorize(CONFIGURE)
    kind = CONFIG_KINDS[slug]
    for field_name, model in kind.parents:
        chosen = values.get(field_name)
        if chosen is not None and db.session.get(model, chosen) is None:
            raise CareContractsError(field_name, "Select one of the options")
    if "code" in values:
        if record is not None and values["code"] != record.code:
            raise CareContractsError("code", "The code cannot change once records may use it")
        if record is None:
            _check_code(values["code"] or "")
        clash = db.session.scalar(select(kind.model).where(kind.model.code == values["code"]))
        if clash is not None and clash is not record:
            raise CareContractsError("code", f"The code {values['code']} is already used by {clash.name}")
    if kind.check:
        kind.check(record, values)
    record = record or kind.model()
    columns = set(kind.model.__table__.columns.keys())
    for name, value in values.items():
        if name in columns and name != "id":
            setattr(record, name, value)
    db.session.add(record)
    if isinstance(record, AbsenceType):
        steps = values["steps"]
        if record.steps:  # the old steps go first, so a new step may reuse a day number
            record.steps.clear()
            db.session.flush()
        record.steps.extend(AbsenceChargeStep(from_day=day, percent=percent) for day, percent in steps)
    db.session.flush()
    return record


# --- person contracts ------------------------------------------------------------------------------------------


def open_person(person_id: int):
    """The person, if the acting user may open their record (restricted records need a working relationship)."""
    return people.get_person(person_id)


def contracts_of(person_id: int) -> list[PersonContract]:
    """A person's contracts, newest first."""
    authorize(VIEW)
    query = (select(PersonContract).where(PersonContract.person_id == person_id)
             .order_by(PersonContract.start_date.desc(), PersonContract.id.desc()))
    return list(db.session.scalars(query))


def get_contract(contract_id: int) -> PersonContract:
    """A person contract the acting user may see; LookupError when there is none."""
    authorize(VIEW)
    contract = db.session.get(PersonContract, contract_id)
    if contract is None:
        raise LookupError("No such person contract")
    open_person(contract.person_id)
    return contract


def get_service(service_id: int) -> PersonContractService:
    """A person contract service the acting user may see; LookupError when there is none."""
    authorize(VIEW)
    service = db.session.get(PersonContractService, service_id)
    if service is None:
        raise LookupError("No such person contract service")
    open_person(service.person_contract.person_id)
    return service


def view_service(service_id: int) -> PersonContractService:
    """Open a service's page: the same checks as get_service, and the view is audited against the person."""
    service = get_service(service_id)
    audit.record_view("care_contracts.person_contract_service", service.id,
                      person_id=service.person_contract.person_id)
    return service


def create_contract(person_id: int, establishment_id: int | None, contract_scheme_id: int | None, reference: str,
                    start_date: date | None, end_date: date | None) -> PersonContract:
    """Record a person's contract with an establishment under one of its schemes."""
    authorize(WRITE)
    person = open_person(person_id)
    establishment = db.session.get(Establishment, establishment_id or 0)
    if establishment is None:
        raise CareContractsError("establishment_id", "Select the establishment")
    scheme = db.session.get(ContractScheme, contract_scheme_id or 0)
    if scheme is None:
        raise CareContractsError("contract_scheme_id", "Select the contract scheme")
    if scheme.establishment_id != establishment.id:
        raise CareContractsError("contract_scheme_id", f"{scheme.name} is not a scheme of {establishment.name}")
    if start_date is None:
        raise CareContractsError("start_date", "Enter the start date")
    if end_date is not None and end_date < start_date:
        raise CareContractsError("end_date", "The end date must be on or after the start date")
    contract = PersonContract(person_id=person.id, establishment=establishment, contract_scheme=scheme,
                              reference=(reference or "").strip(), start_date=start_date, end_date=end_date)
    db.session.add(contract)
    db.session.flush()
    return contract


def mapped_finance_code(establishment_id: int, service_id: int, funder_id: int) -> str | None:
    """The finance code a mapping in use gives an establishment, service and funder, or None when none does."""
    mapping = finance_code_mapping(establishment_id, service_id, funder_id)
    return mapping.finance_code if mapping is not None and mapping.active else None


def finance_code_mapping(establishment_id: int, service_id: int, funder_id: int) -> FinanceCodeMapping | None:
    """The mapping of an establishment, service and funder, in use or retired, or None when there is none."""
    return db.session.scalar(
        select(FinanceCodeMapping).where(
            FinanceCodeMapping.establishment_id == establishment_id,
            FinanceCodeMapping.service_id == service_id,
            FinanceCodeMapping.funder_id == funder_id,
        )
    )


@dataclass
class ServiceDetails:
    """What a person on the Person Contract Service screen (or an API caller) can set."""

    service_id: int | None = None
    service_detail_id: int | None = None
    contract_service_id: int | None = None
    update_finance_code: bool = False
    finance_code: str | None = None
    account_code: str = ""
    start_at: datetime | None = None
    end_at: datetime | None = None
    expected_end_at: datetime | None = None
    end_reason_id: int | None = None
    status: str = "draft"
    frequency_weeks: int | None = 1
    override_rate_pence: int | None = None
    rate_verified: bool = False
    suspend_debtor_invoices: bool | None = False
    suspend_reason_id: int | None = None


#: fields whose change alters what a Completed service charges, so a change writes a charge trigger
CHARGING_FIELDS = ("status", "start_at", "end_at", "end_reason_id", "override_rate_pence", "frequency_weeks",
                   "contract_service_id", "suspend_debtor_invoices")


def _check_service(contract: PersonContract, details: ServiceDetails):
    """Check a service's fields against the seed's rules; return the contract service it uses."""
    service = db.session.get(Service, details.service_id or 0)
    if service is None:
        raise CareContractsError("service_id", "Select the service")
    if details.service_detail_id is not None:
        detail = db.session.get(ServiceDetail, details.service_detail_id)
        if detail is None or detail.service_id != service.id:
            raise CareContractsError("service_detail_id", f"Select a service detail of {service.name}")
    contract_service = db.session.get(ContractService, details.contract_service_id or 0)
    if contract_service is None:
        raise CareContractsError("contract_service_id", "Select the contract service")
    if contract_service.contract_scheme_id != contract.contract_scheme_id:
        raise CareContractsError("contract_service_id",
                                 f"{contract_service.name} is not offered under {contract.contract_scheme.name}")
    if contract_service.service_id != service.id:
        raise CareContractsError("contract_service_id", f"{contract_service.name} is not a {service.name} service")
    if details.start_at is None:
        raise CareContractsError("start_at", "Enter the start date")
    if details.end_at is not None and details.end_at <= details.start_at:
        raise CareContractsError("end_at", "The end date and time must be after the start")
    if details.expected_end_at is not None and details.expected_end_at <= details.start_at:
        raise CareContractsError("expected_end_at", "The expected end date and time must be after the start")
    if details.end_at is not None and details.end_reason_id is None:
        raise CareContractsError("end_reason_id", "Select the end reason: it is mandatory when an end date is recorded")
    if details.end_reason_id is not None and db.session.get(EndReason, details.end_reason_id) is None:
        raise CareContractsError("end_reason_id", "Select one of the end reasons")
    if details.status not in dict(SERVICE_STATUSES):
        raise CareContractsError("status", "Select the status")
    if details.frequency_weeks is None or not 1 <= details.frequency_weeks <= 9:
        raise CareContractsError("frequency_weeks", "Frequency must be a whole number of weeks from 1 to 9")
    if details.override_rate_pence is not None and details.override_rate_pence < 0:
        raise CareContractsError("override_rate_pence", "The override rate cannot be negative")
    if details.suspend_debtor_invoices is None:
        raise CareContractsError("suspend_debtor_invoices", "Select whether debtor invoices are suspended")
    if details.suspend_debtor_invoices:
        reason = db.session.get(LookupValue, details.suspend_reason_id or 0)
        if reason is None or reason.list_code != SUSPEND_REASONS:
            raise CareContractsError("suspend_reason_id",
                                     "Select the reason: it is needed when Suspend Debtor Invoices is Yes")
    if details.update_finance_code and not contract.contract_scheme.finance_code_updateable:
        raise CareContractsError(
            "update_finance_code",
            f"The finance code cannot be updated: {contract.contract_scheme.name} is not updateable on services")
    return contract_service


def save_service(contract: PersonContract, record: PersonContractService | None,
                 details: ServiceDetails) -> PersonContractService:
    """Create (record None) or change a person contract service, filling what the seed says the system fills."""
    authorize(WRITE)
    open_person(contract.person_id)
    if record is not None and record.person_contract_id != contract.id:
        raise CareContractsError("person_contract_id", "The service belongs to another contract")
    if record is not None and record.status == "cancelled" and details.status != "cancelled":
        raise CareContractsError("status", "A cancelled service cannot be reopened: create a new one")
    if record is not None and record.status == "completed" and details.status == "draft":
        raise CareContractsError("status", "A Completed service cannot go back to Draft: it may have been charged. "
                                           "Change it, or cancel it to reverse its charges")
    contract_service = _check_service(contract, details)
    was_completed = record is not None and record.status == "completed"
    previous_end = record.end_at if record is not None else None
    with db.session.no_autoflush:  # the new record joins the session only once every mandatory field is set
        service = record or PersonContractService(person_contract=contract, kind="service")
        _fill_service(service, contract, contract_service, details)
        state = inspect(service)
        changed = [name for name in CHARGING_FIELDS if state.attrs[name].history.has_changes()]
    db.session.add(service)
    db.session.flush()
    _after_service_change(service, was_completed, bool(changed))
    if record is not None and service.kind == "service":
        for contribution in contributions_of(service):
            _follow_parent(contribution, service, previous_end)
    return service


def _follow_parent(contribution: PersonContractService, parent: PersonContractService,
                   parent_previous_end: datetime | None) -> None:
    """Keep a contribution in step with the residential service it is deducted from.

    It never runs past the service's end; an end it shared with the service (or none) follows the service's new
    end; it is Completed with the service, cancelled with it (or when the service now ends before it starts), and
    the service's debtor-invoice suspension applies to it, because the service user is its debtor.
    """
    was_completed = contribution.status == "completed"
    ends_before_it_starts = parent.end_at is not None and parent.end_at <= contribution.start_at
    with db.session.no_autoflush:
        if not ends_before_it_starts and (contribution.end_at is None or contribution.end_at == parent_previous_end
                                          or (parent.end_at is not None and contribution.end_at > parent.end_at)):
            contribution.end_at = parent.end_at
            contribution.end_reason_id = parent.end_reason_id
        if parent.status == "cancelled" or ends_before_it_starts:
            contribution.status = "cancelled"
        elif parent.status == "completed" and contribution.status == "draft":
            contribution.status = "completed"
        contribution.suspend_debtor_invoices = parent.suspend_debtor_invoices
        contribution.suspend_reason_id = parent.suspend_reason_id
        state = inspect(contribution)
        changed = any(state.attrs[name].history.has_changes() for name in CHARGING_FIELDS)
    if changed:
        db.session.flush()
        _after_service_change(contribution, was_completed, True)


def _fill_service(service: PersonContractService, contract: PersonContract, contract_service: ContractService,
                  details: ServiceDetails) -> None:
    scheme = contract.contract_scheme
    # defaults from the contract, funder from establishment and scheme: never typed
    service.contract_scheme = scheme
    service.funder = scheme.funder
    service.service_id = details.service_id
    service.service_detail_id = details.service_detail_id
    service.contract_service = contract_service
    service.rate_unit = contract_service.rate_unit
    service.rate_required = contract_service.negotiated_rates_apply
    service.account_code = (details.account_code or "").strip()
    service.start_at, service.end_at, service.expected_end_at = details.start_at, details.end_at, details.expected_end_at
    service.end_reason_id = details.end_reason_id if details.end_at is not None else None
    service.status = details.status
    service.frequency_weeks = details.frequency_weeks
    service.override_rate_pence = details.override_rate_pence
    service.rate_verified = bool(details.rate_verified)
    service.suspend_debtor_invoices = bool(details.suspend_debtor_invoices)
    service.suspend_reason_id = details.suspend_reason_id if details.suspend_debtor_invoices else None
    _apply_finance_code(service, contract, details)


def _apply_finance_code(service: PersonContractService, contract: PersonContract, details: ServiceDetails) -> None:
    service.update_finance_code = bool(details.update_finance_code)
    typed = (details.finance_code or "").strip() or None
    if service.update_finance_code and typed is not None and typed != service.finance_code:
        service.finance_code = typed[:40]
        service.finance_code_edited = True  # never replaced from the mapping again
    elif not service.finance_code_edited:
        mapping = finance_code_mapping(contract.establishment_id, service.service_id, service.funder.id)
        if mapping is None or mapping.active:
            service.finance_code = mapping.finance_code if mapping is not None else None
        elif service.id is None or inspect(service).attrs.service_id.history.has_changes():
            service.finance_code = None  # a retired mapping gives no code to a new service or a changed one
        # an existing service keeps the code its retired mapping gave it, as retired records stay on old contracts


def _after_service_change(service: PersonContractService, was_completed: bool, changed: bool) -> None:
    """Record the weekly charge and, for a Completed service (or one that was), a charge trigger."""
    record_charge_per_week(service)
    if service.status == "completed" and not was_completed:
        add_trigger(service, "completed")
    elif was_completed and (changed or service.status != "completed"):
        add_trigger(service, "cancelled" if service.status == "cancelled" else "changed")


def add_trigger(service: PersonContractService, reason: str) -> ChargeTrigger:
    """Note, in the current transaction, that a Completed service's charges need working out again."""
    trigger = ChargeTrigger(person_contract_service_id=service.id, reason=reason)
    db.session.add(trigger)
    db.session.flush()
    return trigger


def add_contribution(service: PersonContractService, weekly_pence: int | None, start_at: datetime | None = None
                     ) -> PersonContractService:
    """Record the service user's weekly contribution the establishment collects, deducted from the funder's charge."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    scheme = service.contract_scheme
    if service.kind != "service" or not scheme.collect_contribution:
        raise CareContractsError(
            "weekly_pence", f"{scheme.name} does not ask the establishment to collect the service user's contribution")
    if service.is_private:
        raise CareContractsError("weekly_pence", "A private service user pays the whole charge: there is no contribution")
    if weekly_pence is None or weekly_pence <= 0:
        raise CareContractsError("weekly_pence", "Enter the contribution per week")
    per_week = db.session.scalar(select(RateUnit).where(RateUnit.kind == "week", RateUnit.active.is_(True))
                                 .order_by(RateUnit.id))
    with db.session.no_autoflush:
        contribution = _contribution(service, scheme, per_week, weekly_pence, start_at)
    db.session.add(contribution)
    db.session.flush()
    _after_service_change(contribution, False, True)
    return contribution


def _contribution(service, scheme, per_week, weekly_pence, start_at) -> PersonContractService:
    return PersonContractService(
        person_contract=service.person_contract, kind="contribution", contribution_of=service,
        contract_scheme=scheme, funder=service.funder, service_id=service.service_id,
        service_detail_id=service.service_detail_id, contract_service=service.contract_service,
        finance_code=service.finance_code, finance_code_edited=service.finance_code_edited,
        account_code=service.account_code, start_at=start_at or service.start_at, end_at=service.end_at,
        end_reason_id=service.end_reason_id, status=service.status, rate_unit=per_week, frequency_weeks=1,
        rate_required=False, override_rate_pence=weekly_pence, rate_verified=True,
        suspend_debtor_invoices=service.suspend_debtor_invoices, suspend_reason_id=service.suspend_reason_id,
    )


def contributions_of(service: PersonContractService) -> list[PersonContractService]:
    """The contribution records deducted from a residential service."""
    return list(db.session.scalars(
        select(PersonContractService).where(PersonContractService.contribution_of_id == service.id)
        .order_by(PersonContractService.start_at, PersonContractService.id)))


# --- rates in force and the weekly charge ---------------------------------------------------------------------


def chargeable_end(service: PersonContractService) -> date | None:
    """The first day no longer charged: the end date plus the end reason's extra days, or None while open."""
    if service.end_at is None:
        return None
    extra = service.end_reason.extra_days_charged if service.end_reason else 0
    return service.end_at.astimezone(LONDON).date() + timedelta(days=extra)


def terms_of(service: PersonContractService) -> charging.Terms:
    """A service's charging terms as plain values for the charging arithmetic."""
    rates = tuple(charging.Rate(r.start_date, r.end_date, r.rate_pence, r.weekdays, r.time_band_start,
                                r.time_band_end, r.bank_holiday_rate_pence, r.id) for r in rates_of(service))
    visits = tuple(charging.Visit(v.week_number, v.weekday, v.start_time, v.end_time) for v in visits_of(service))
    absences = tuple(
        charging.Absence(a.start_date, a.end_date, tuple((s.from_day, s.percent) for s in a.absence_type.steps))
        for a in absences_of(service))
    return charging.Terms(
        unit=service.rate_unit.kind, start=service.start_at.astimezone(LONDON).date(), end=chargeable_end(service),
        standard_pence=service.contract_service.standard_rate_pence, override_pence=service.override_rate_pence,
        rates=rates, visits=visits, frequency_weeks=service.frequency_weeks, absences=absences)


def rate_in_force(service: PersonContractService, day: date) -> tuple[int | None, str]:
    """The rate that applies on a day, in pence per rate unit, and where it comes from.

    The Override Rate if set, else the Rates tab's rate for that day, else the contract service's standard rate.
    """
    if service.override_rate_pence is not None:
        return service.override_rate_pence, "override"
    rate = terms_of(service).rate_on(day)
    if rate is not None:
        return rate.pence, "rates tab"
    return service.contract_service.standard_rate_pence, "standard rate"


def weekly_charge(service: PersonContractService, day: date) -> tuple[int | None, int | None, str]:
    """(charge per week in pence, the rate used, its source) for a service as it stands on a day."""
    rate, source = rate_in_force(service, day)
    kind = service.rate_unit.kind
    if kind == "week":
        return rate, rate, source
    if kind == "day":
        return rate * 7, rate, source
    terms = terms_of(service)
    if not terms.visits:
        return None, rate, source
    return charging.weekly_schedule_charge(terms), rate, f"{source}, planned schedule"


def record_charge_per_week(service: PersonContractService) -> None:
    """Keep the service's Charge Per Week up to date, adding a history row whenever it changes."""
    day = max(london_today(), service.start_at.astimezone(LONDON).date())
    charge, rate, source = weekly_charge(service, day)
    last = db.session.scalar(
        select(ChargeHistory).where(ChargeHistory.person_contract_service_id == service.id)
        .order_by(ChargeHistory.id.desc()).limit(1))
    service.charge_per_week_pence = charge
    if last is None or (last.charge_per_week_pence, last.rate_pence, last.rate_source) != (charge, rate, source):
        db.session.add(ChargeHistory(person_contract_service_id=service.id, charge_per_week_pence=charge,
                                     rate_pence=rate, rate_source=source))
    db.session.flush()


def charge_history(service: PersonContractService) -> list[ChargeHistory]:
    """The Charge Per Week tab, newest first."""
    return list(db.session.scalars(
        select(ChargeHistory).where(ChargeHistory.person_contract_service_id == service.id)
        .order_by(ChargeHistory.id.desc())))


def _charging_changed(service: PersonContractService, reason: str) -> None:
    """After a change to rates, schedule or absences: the weekly charge again, and a trigger if Completed."""
    record_charge_per_week(service)
    if service.status == "completed":
        add_trigger(service, reason)


# --- the Rates tab ---------------------------------------------------------------------------------------------


@dataclass
class RateDetails:
    """What the Rates tab's form (or an API caller) sets."""

    start_date: date | None = None
    end_date: date | None = None
    rate_pence: int | None = None
    time_band_start: time | None = None
    time_band_end: time | None = None
    bank_holiday_rate_pence: int | None = None
    all_days: bool = True
    weekdays: tuple[int, ...] = ()


def rates_of(service: PersonContractService) -> list[ServiceRate]:
    """The Rates tab, by start date and then time band (a band from midnight first, on every database)."""
    rows = db.session.scalars(select(ServiceRate).where(ServiceRate.person_contract_service_id == service.id))
    return sorted(rows, key=lambda r: (r.start_date, charging.minute_of(r.time_band_start), r.id))


def save_rate(service: PersonContractService, record: ServiceRate | None, details: RateDetails) -> ServiceRate:
    """Add or change a rate; refused, naming the clashing rate, if two rates could apply at one moment of a day."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    if not service.rate_required:
        raise CareContractsError("rate_pence", "This service's contract service has no negotiated rates")
    if details.start_date is None:
        raise CareContractsError("start_date", "Enter the date the rate starts")
    if details.end_date is not None and details.end_date < details.start_date:
        raise CareContractsError("end_date", "The end date must be on or after the start date")
    if details.rate_pence is None or details.rate_pence < 0:
        raise CareContractsError("rate_pence", "Enter the rate")
    if details.bank_holiday_rate_pence is not None and details.bank_holiday_rate_pence < 0:
        raise CareContractsError("bank_holiday_rate_pence", "The bank holiday rate cannot be negative")
    timed = service.rate_unit.time_and_days
    if not timed and (details.time_band_start or details.time_band_end):
        raise CareContractsError("time_band_start", f"{service.rate_unit.name} rates have no time bands")
    if timed and charging.minute_of(details.time_band_start) >= charging.minute_of(details.time_band_end, end=True):
        raise CareContractsError("time_band_end", "The time band must end after it starts")
    mask = charging.ALL_DAYS if details.all_days else sum(1 << day for day in set(details.weekdays) if 0 <= day <= 6)
    if not mask:
        raise CareContractsError("weekdays", "Select the days of the week, or Select All Days")
    candidate = charging.Rate(details.start_date, details.end_date, details.rate_pence, mask, details.time_band_start,
                              details.time_band_end, details.bank_holiday_rate_pence,
                              record.id if record is not None else None)
    others = [charging.Rate(r.start_date, r.end_date, r.rate_pence, r.weekdays, r.time_band_start, r.time_band_end,
                            r.bank_holiday_rate_pence, r.id) for r in rates_of(service)]
    clash = charging.first_clash(candidate, others)
    if clash is not None:
        raise CareContractsError(
            "start_date", f"This rate overlaps the rate of {clash.describe()}: only one rate can apply at any time of "
                          "any day. Change its days, times or dates, or end the other rate first")
    rate = record or ServiceRate(person_contract_service_id=service.id)
    rate.rate_unit_id = service.rate_unit_id
    rate.start_date, rate.end_date, rate.rate_pence = details.start_date, details.end_date, details.rate_pence
    rate.time_band_start = details.time_band_start if timed else None
    rate.time_band_end = details.time_band_end if timed else None
    rate.bank_holiday_rate_pence = details.bank_holiday_rate_pence
    rate.weekdays = mask
    db.session.add(rate)
    db.session.flush()
    _charging_changed(service, "rates changed")
    return rate


# --- the planned schedule --------------------------------------------------------------------------------------


def visits_of(service: PersonContractService) -> list[PlannedVisit]:
    return list(db.session.scalars(
        select(PlannedVisit).where(PlannedVisit.person_contract_service_id == service.id)
        .order_by(PlannedVisit.week_number, PlannedVisit.weekday, PlannedVisit.start_time)))


def add_visit(service: PersonContractService, week_number: int | None, weekday: int | None, start: time | None,
              end: time | None) -> PlannedVisit:
    """Add a visit to the planned weekly schedule of an hourly or sessional service."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    if service.rate_unit.kind not in ("hour", "session"):
        raise CareContractsError("weekday", f"{service.rate_unit.name} services have no planned schedule")
    if week_number is None or not 1 <= week_number <= service.frequency_weeks:
        raise CareContractsError("week_number", f"Select a week from 1 to {service.frequency_weeks}")
    if weekday is None or not 0 <= weekday <= 6:
        raise CareContractsError("weekday", "Select the day of the week")
    if start is None:
        raise CareContractsError("start_time", "Enter the time the visit starts")
    if end is None or charging.minute_of(end, end=True) <= charging.minute_of(start):
        raise CareContractsError("end_time", "The visit must end after it starts, on the same day")
    new = charging.Visit(week_number, weekday, start, end)
    for visit in visits_of(service):
        if (visit.week_number, visit.weekday) == (week_number, weekday):
            (a, b), (c, d) = charging.Visit(visit.week_number, visit.weekday, visit.start_time,
                                            visit.end_time).minutes, new.minutes
            if a < d and c < b:
                raise CareContractsError("start_time", "This visit overlaps another visit on the same day")
    visit = PlannedVisit(person_contract_service_id=service.id, week_number=week_number, weekday=weekday,
                         start_time=start, end_time=end)
    db.session.add(visit)
    db.session.flush()
    _charging_changed(service, "schedule changed")
    return visit


def remove_visit(service: PersonContractService, visit_id: int) -> None:
    """Take a visit off the planned schedule."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    visit = db.session.get(PlannedVisit, visit_id)
    if visit is None or visit.person_contract_service_id != service.id:
        raise CareContractsError("visit", "No such visit on this service")
    db.session.delete(visit)
    db.session.flush()
    _charging_changed(service, "schedule changed")


# --- bed allocation --------------------------------------------------------------------------------------------


def beds_of(service: PersonContractService) -> list[BedAllocation]:
    return list(db.session.scalars(
        select(BedAllocation).where(BedAllocation.person_contract_service_id == service.id)
        .order_by(BedAllocation.start_at)))


def bed_choices(service: PersonContractService) -> list[tuple[int, str]]:
    """The beds of the service's establishment, labelled sub-location, room and bed."""
    query = (select(Bed).join(Room).join(SubLocation).join(Location)
             .where(Location.establishment_id == service.person_contract.establishment_id, Bed.active.is_(True))
             .order_by(SubLocation.name, Room.name, Bed.name))
    return [(bed.id, f"{bed.room.sub_location.name}, {bed.room.name}, {bed.name}") for bed in db.session.scalars(query)]


def _overlap(start_a: datetime, end_a: datetime | None, start_b: datetime, end_b: datetime | None) -> bool:
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


def _check_bed(service: PersonContractService, bed_id: int | None, start_at: datetime | None,
               end_at: datetime | None, allocation: BedAllocation | None = None) -> Bed:
    """The bed, after checking an allocation of it against the rules; ``allocation`` is the one being changed."""
    if not service.contract_service.rooms_apply:
        raise CareContractsError("bed_id", f"{service.contract_service.name} does not have rooms")
    # lock the bed (PostgreSQL) so two people cannot be placed in it at once by concurrent requests
    locked = db.session.scalar(select(Bed.id).where(Bed.id == (bed_id or 0)).with_for_update())
    bed = db.session.get(Bed, locked) if locked is not None else None
    if bed is None or bed.room.sub_location.location.establishment_id != service.person_contract.establishment_id:
        raise CareContractsError("bed_id", f"Select a bed at {service.person_contract.establishment.name}")
    if start_at is None:
        raise CareContractsError("start_at", "Enter the date the service user is placed in the bed")
    if end_at is not None and end_at <= start_at:
        raise CareContractsError("end_at", "The end must be after the start")
    others = db.session.scalars(select(BedAllocation).where(
        (BedAllocation.bed_id == bed.id) | (BedAllocation.person_contract_service_id == service.id)))
    for other in others:
        if other is allocation or not _overlap(start_at, end_at, other.start_at, other.end_at):
            continue
        if other.person_contract_service_id == service.id and other.bed_id != bed.id:
            raise CareContractsError("start_at", f"The service user is in {other.bed.room.name}, {other.bed.name} "
                                                 "then: end that allocation first")
        raise CareContractsError("bed_id", f"{bed.room.name}, {bed.name} is allocated from "
                                           f"{_when(other.start_at)}{' to ' + _when(other.end_at) if other.end_at else ''}"
                                           " then: a bed never holds two people at once")
    return bed


def allocate_bed(service: PersonContractService, bed_id: int | None, start_at: datetime | None,
                 end_at: datetime | None) -> BedAllocation:
    """Place (or move) a residential service user in a bed; a bed never holds two people at once. Charges unchanged."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    bed = _check_bed(service, bed_id, start_at, end_at)
    allocation = BedAllocation(person_contract_service_id=service.id, bed_id=bed.id, start_at=start_at, end_at=end_at)
    db.session.add(allocation)
    db.session.flush()
    return allocation


def bed_allocation_of(service: PersonContractService, allocation_id: int) -> BedAllocation:
    """One of the service's bed allocations; CareContractsError when it is not the service's."""
    allocation = db.session.get(BedAllocation, allocation_id)
    if allocation is None or allocation.person_contract_service_id != service.id:
        raise CareContractsError("allocation", "No such bed allocation on this service")
    return allocation


def get_bed_allocation(allocation_id: int) -> BedAllocation:
    """A bed allocation the acting user may see; LookupError when there is none."""
    authorize(VIEW)
    allocation = db.session.get(BedAllocation, allocation_id)
    if allocation is None:
        raise LookupError("No such bed allocation")
    get_service(allocation.person_contract_service_id)
    return allocation


def change_bed_allocation(service: PersonContractService, allocation: BedAllocation, bed_id: int | None,
                          start_at: datetime | None, end_at: datetime | None) -> BedAllocation:
    """Correct a bed allocation's bed, start or end, by the same rules as allocating; the charge is unchanged."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    if allocation.person_contract_service_id != service.id:
        raise CareContractsError("allocation", "No such bed allocation on this service")
    bed = _check_bed(service, bed_id, start_at, end_at, allocation)
    allocation.bed_id, allocation.start_at, allocation.end_at = bed.id, start_at, end_at
    db.session.flush()
    db.session.expire(allocation, ["bed"])  # the relationship follows the new bed_id
    return allocation


def remove_bed_allocation(service: PersonContractService, allocation: BedAllocation) -> None:
    """Remove a bed allocation recorded in error; occupancy is not charged, so nothing is charged again."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    if allocation.person_contract_service_id != service.id:
        raise CareContractsError("allocation", "No such bed allocation on this service")
    db.session.delete(allocation)
    db.session.flush()


def end_bed_allocation(service: PersonContractService, allocation_id: int, end_at: datetime | None) -> BedAllocation:
    """Record when the service user left a bed."""
    authorize(WRITE)
    open_person(service.person_contract.person_id)
    allocation = bed_allocation_of(service, allocation_id)
    if end_at is None or end_at <= allocation.start_at:
        raise CareContractsError("end_at", "The end must be after the start")
    allocation.end_at = end_at
    db.session.flush()
    return allocation


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y %H:%M}"


# --- absences ------------------------------------------------------------------------------------------------


def absences_of(service: PersonContractService) -> list[PersonAbsence]:
    """The service's Absences tab: the person absences linked to it, by first day away."""
    return list(db.session.scalars(
        select(PersonAbsence).join(person_absence_service)
        .where(person_absence_service.c.person_contract_service_id == service.id)
        .order_by(PersonAbsence.start_date, PersonAbsence.id)))


def person_absences(person_id: int) -> list[PersonAbsence]:
    """A person's absences, the latest first."""
    authorize(VIEW)
    open_person(person_id)
    return list(db.session.scalars(select(PersonAbsence).where(PersonAbsence.person_id == person_id)
                                   .order_by(PersonAbsence.start_date.desc(), PersonAbsence.id.desc())))


def get_absence(absence_id: int) -> PersonAbsence:
    """A person absence the acting user may see; LookupError when there is none."""
    authorize(VIEW)
    absence = db.session.get(PersonAbsence, absence_id)
    if absence is None:
        raise LookupError("No such absence")
    open_person(absence.person_id)
    return absence


def services_of_person(person_id: int) -> list[PersonContractService]:
    """Every Person Contract Service of a person, the services an absence can be linked to."""
    return list(db.session.scalars(
        select(PersonContractService).join(PersonContract)
        .where(PersonContract.person_id == person_id)
        .order_by(PersonContractService.start_at, PersonContractService.id)))


def _runs_during(service: PersonContractService, start: date, end: date | None) -> bool:
    first, last = service.start_at.astimezone(LONDON).date(), chargeable_end(service)
    return (end is None or first < end) and (last is None or start < last)


def default_absence_services(person_id: int, start: date, end: date | None) -> list[PersonContractService]:
    """The services an absence links to unless the user chooses: those of kind "service" running during it.

    A residential contribution is left out: it is the service user's own assessed charge, which goes on while they
    are away unless a financial reassessment says otherwise, and reducing it would raise the funder's net charge;
    the user can still tick it. Cancelled services are never charged, so they are left out too.
    """
    return [service for service in services_of_person(person_id)
            if service.kind == "service" and service.status != "cancelled" and _runs_during(service, start, end)]


@dataclass
class AbsenceDetails:
    """What the absence form (or an API caller) sets."""

    absence_type_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    notes: str = ""
    #: the Person Contract Services it affects; None links the default ones for a new absence and keeps the links of
    #: one being changed
    service_ids: list[int] | None = None


def _describe_absence(absence: PersonAbsence) -> str:
    back = f" (back on {_day(absence.end_date)})" if absence.end_date else " (still away)"
    return f"{absence.absence_type.name.lower()} from {_day(absence.start_date)}{back}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def save_absence(person_id: int, record: PersonAbsence | None, details: AbsenceDetails) -> PersonAbsence:
    """Record (record None) or change a person's absence and the services it affects; linked Completed services
    (those linked before the change too) are charged again."""
    authorize(WRITE)
    open_person(person_id)
    if record is not None and record.person_id != person_id:
        raise CareContractsError("person_id", "The absence belongs to another person")
    kind = db.session.get(AbsenceType, details.absence_type_id or 0)
    if kind is None or (not kind.active and (record is None or record.absence_type_id != kind.id)):
        raise CareContractsError("absence_type_id", "Select the kind of absence")
    start, end = details.start_date, details.end_date
    if start is None:
        raise CareContractsError("start_date", "Enter the first day away")
    if end is not None and end <= start:
        raise CareContractsError("end_date", "The day they came back must be after the first day away")
    # lock the person (PostgreSQL) so two overlapping absences cannot be recorded at once by concurrent requests
    db.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
    overlapping = [PersonAbsence.person_id == person_id,
                   PersonAbsence.id != (record.id if record is not None else 0),
                   PersonAbsence.end_date.is_(None) | (PersonAbsence.end_date > start)]
    if end is not None:
        overlapping.append(PersonAbsence.start_date < end)
    clash = db.session.scalar(select(PersonAbsence).where(*overlapping).order_by(PersonAbsence.start_date).limit(1))
    if clash is not None:
        raise CareContractsError("start_date", f"This overlaps the {_describe_absence(clash)}: a person cannot "
                                               "have two absences at once. Change that absence instead")
    if details.service_ids is None:
        chosen = list(record.services) if record is not None else default_absence_services(person_id, start, end)
    else:
        own = {service.id: service for service in services_of_person(person_id)}
        for service_id in details.service_ids:
            if service_id not in own:
                raise CareContractsError("service_ids", "Select only this person's own services")
        chosen = [own[service_id] for service_id in dict.fromkeys(details.service_ids)]
    absence = record or PersonAbsence(person_id=person_id)
    before = set(record.services) if record is not None else set()
    with db.session.no_autoflush:
        absence.absence_type_id, absence.start_date, absence.end_date = kind.id, start, end
        absence.notes = (details.notes or "").strip()[:500]
        state = inspect(absence)
        charging_changed = record is None or any(
            state.attrs[name].history.has_changes() for name in ("absence_type_id", "start_date", "end_date"))
        links_changed = before != set(chosen)
        if links_changed:
            absence.services = chosen
            if record is not None and not state.attrs["notes"].history.has_changes():
                flag_modified(absence, "notes")  # a change of links alone is a new version too
    db.session.add(absence)
    db.session.flush()
    # a service's charge changes when the absence's dates or type change, or when it is linked or unlinked
    affected = (before | set(chosen)) if charging_changed else (before ^ set(chosen))
    reason = "absence recorded" if record is None else "absence changed"
    for service in sorted(affected, key=lambda s: s.id):
        _charging_changed(service, reason)
    return absence


def remove_absence(absence: PersonAbsence) -> None:
    """Remove an absence recorded in error; the services it was linked to are charged again without it."""
    authorize(WRITE)
    open_person(absence.person_id)
    linked = sorted(absence.services, key=lambda s: s.id)
    db.session.delete(absence)
    db.session.flush()
    for service in linked:
        _charging_changed(service, "absence removed")


# --- a person's timeline and merges ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """Something on a person's timeline: when, a stable kind, a title, a summary and the record it is about."""

    when: date | datetime
    kind: str
    title: str
    summary: str
    contract_id: int | None = None
    service_id: int | None = None
    absence_id: int | None = None


def timeline_of(person_id: int) -> list[TimelineEvent]:
    """A person's contracts, the start and end of their services, and their absences, for the person's timeline;
    nothing for staff who may not see care contracts."""
    if not can(VIEW):
        return []
    events = []
    for contract in contracts_of(person_id):
        events.append(TimelineEvent(
            contract.start_date, "contract_started", f"Care contract with {contract.establishment.name}",
            f"{contract.contract_scheme.name}{', ' + contract.reference if contract.reference else ''}",
            contract_id=contract.id))
        for service in contract.services:
            what = service.contract_service.name + (
                ": service user's contribution" if service.kind == "contribution" else "")
            status = dict(SERVICE_STATUSES)[service.status].split(" (")[0]
            events.append(TimelineEvent(service.start_at, "service_started", f"{what} started", status,
                                        service_id=service.id))
            if service.end_at is not None:
                reason = service.end_reason.name if service.end_reason else ""
                events.append(TimelineEvent(service.end_at, "service_ended", f"{what} ended", reason,
                                            service_id=service.id))
    for absence in db.session.scalars(select(PersonAbsence).where(PersonAbsence.person_id == person_id)):
        back = f"Back on {_day(absence.end_date)}" if absence.end_date else "Still away"
        events.append(TimelineEvent(absence.start_date, "absence", f"Absence: {absence.absence_type.name.lower()}",
                                    back, absence_id=absence.id))
    return events


def move_person(target_id: int, source_id: int) -> None:
    """After two person records are merged, the duplicate's contracts, absences, and what they were charged and
    invoiced as a service user belong to the record kept (the same person: invoices keep their numbers, lines and
    totals)."""
    for model in (PersonContract, PersonAbsence, FinanceTransaction, FinanceInvoice):
        db.session.execute(update(model).where(model.person_id == source_id).values(person_id=target_id))
    db.session.flush()


def london_today() -> date:
    """Today's date in Europe/London."""
    return london_now().date()


# --- finance: the transactions and invoicing jobs ----------------------------------------------------------------


def _one_runner_at_a_time(key: int) -> None:
    """Serialise runs of a finance job on PostgreSQL (SQLite serialises writers anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


TRANSACTIONS_LOCK = 72_7001
INVOICING_LOCK = 72_7002


@dataclass
class _Loaded:
    """What the transactions job reads for a chunk of services, in a handful of queries."""

    rates: dict[int, list[ServiceRate]]
    visits: dict[int, list[PlannedVisit]]
    #: plain (start_date, end_date, absence_type_id) rows of the person absences linked to each service
    absences: dict[int, list[Any]]
    steps: dict[int, tuple[tuple[int, int], ...]]
    existing: dict[tuple[int, str, date], int]
    first_existing: dict[int, date]


def _grouped(model, ids: list[int]) -> dict[int, list]:
    # a range of ids (the chunk is sorted) rather than thousands of parameters; rows outside the chunk are dropped
    wanted = set(ids)
    grouped: dict[int, list] = {}
    column = model.person_contract_service_id
    for row in db.session.scalars(select(model).where(column.between(ids[0], ids[-1]))):
        if row.person_contract_service_id in wanted:
            grouped.setdefault(row.person_contract_service_id, []).append(row)
    return grouped


def _load(ids: list[int], steps: dict[int, tuple[tuple[int, int], ...]]) -> _Loaded:
    wanted = set(ids)
    existing: dict[tuple[int, str, date], int] = {}
    first_existing: dict[int, date] = {}
    sums = db.session.execute(
        select(FinanceTransaction.person_contract_service_id, FinanceTransaction.debtor_kind,
               FinanceTransaction.period_start, func.sum(FinanceTransaction.amount_pence))
        .where(FinanceTransaction.person_contract_service_id.between(ids[0], ids[-1]))
        .group_by(FinanceTransaction.person_contract_service_id, FinanceTransaction.debtor_kind,
                  FinanceTransaction.period_start))
    for service_id, debtor, period_start, total in sums:
        if service_id not in wanted:
            continue
        existing[(service_id, debtor, period_start)] = int(total)
        first_existing[service_id] = min(period_start, first_existing.get(service_id, period_start))
    return _Loaded(_grouped(ServiceRate, ids), _grouped(PlannedVisit, ids), _linked_absences(ids), steps,
                   existing, first_existing)


def _linked_absences(ids: list[int]) -> dict[int, list[Any]]:
    # one query through the link table for the whole chunk, as _grouped does for rates and visits
    wanted = set(ids)
    link = person_absence_service.c
    rows = db.session.execute(
        select(link.person_contract_service_id, PersonAbsence.start_date, PersonAbsence.end_date,
               PersonAbsence.absence_type_id)
        .join(PersonAbsence, PersonAbsence.id == link.person_absence_id)
        .where(link.person_contract_service_id.between(ids[0], ids[-1])))
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        if row.person_contract_service_id in wanted:
            grouped.setdefault(row.person_contract_service_id, []).append(row)
    return grouped


def _job_query():
    """The plain columns the transactions job needs of each service: one query per chunk, no ORM objects."""
    pcs = PersonContractService
    return (
        select(pcs.id, pcs.kind, pcs.status, pcs.start_at, pcs.end_at, pcs.override_rate_pence, pcs.frequency_weeks,
               pcs.funder_id, pcs.finance_code, pcs.account_code, pcs.charged_until, PersonContract.person_id,
               PersonContract.establishment_id, Funder.establishment_id.label("funder_establishment_id"),
               ContractScheme.billing_period, ContractScheme.period_anchor, ContractScheme.charge_contribution,
               ContractService.name.label("contract_service_name"), ContractService.standard_rate_pence,
               RateUnit.kind.label("unit"), EndReason.extra_days_charged)
        .join(PersonContract, PersonContract.id == pcs.person_contract_id)
        .join(Funder, Funder.id == pcs.funder_id)
        .join(ContractScheme, ContractScheme.id == pcs.contract_scheme_id)
        .join(ContractService, ContractService.id == pcs.contract_service_id)
        .join(RateUnit, RateUnit.id == pcs.rate_unit_id)
        .outerjoin(EndReason, EndReason.id == pcs.end_reason_id)
    )


def _terms(row: Any, loaded: _Loaded) -> charging.Terms:
    rates = tuple(charging.Rate(r.start_date, r.end_date, r.rate_pence, r.weekdays, r.time_band_start,
                                r.time_band_end, r.bank_holiday_rate_pence, r.id)
                  for r in loaded.rates.get(row.id, ()))
    visits = tuple(charging.Visit(v.week_number, v.weekday, v.start_time, v.end_time)
                   for v in loaded.visits.get(row.id, ()))
    absences = tuple(charging.Absence(a.start_date, a.end_date, loaded.steps.get(a.absence_type_id, ((1, 100),)))
                     for a in loaded.absences.get(row.id, ()))
    end = None
    if row.end_at is not None:
        end = row.end_at.astimezone(LONDON).date() + timedelta(days=row.extra_days_charged or 0)
    return charging.Terms(
        unit=row.unit, start=row.start_at.astimezone(LONDON).date(), end=end, standard_pence=row.standard_rate_pence,
        override_pence=row.override_rate_pence, rates=rates, visits=visits, frequency_weeks=row.frequency_weeks,
        absences=absences)


def _debtors(row: Any, charge: int) -> dict[str, int]:
    """Who owes what for a service's period charge: the funder, or the person for private care and contributions."""
    if row.kind == "contribution":
        owed = {"funder": -charge}  # deducted from the funder's charge: the funder is invoiced net
        if row.charge_contribution:
            owed["person"] = charge
        return owed
    private = row.funder_establishment_id == row.establishment_id
    return {"person": charge} if private else {"funder": charge}


def _service_rows(row: Any, loaded: _Loaded, recheck: bool, ended_until: date, holidays: frozenset[date],
                  now: datetime) -> list[dict[str, Any]]:
    terms = _terms(row, loaded)
    kind, anchor = row.billing_period, row.period_anchor
    if recheck:
        first = charging.period_containing(kind, anchor, terms.start)[0]
        first = min(first, loaded.first_existing.get(row.id, first))
        last = ended_until
    else:
        first = row.charged_until or charging.period_containing(kind, anchor, terms.start)[0]
        last = ended_until if terms.end is None else min(ended_until, terms.end + timedelta(days=31))
    rows = []
    for period_start, period_end in charging.periods_between(kind, anchor, first, last):
        if period_end > ended_until:
            break
        charge = 0 if row.status == "cancelled" else charging.period_charge(
            terms, period_start, period_end, holidays, explain=False).pence
        for debtor, due in _debtors(row, charge).items():
            key = (row.id, debtor, period_start)
            difference = due - loaded.existing.get(key, 0)
            if difference == 0:
                continue
            rows.append({
                "person_contract_service_id": row.id, "kind": "adjustment" if key in loaded.existing else "charge",
                "debtor_kind": debtor, "funder_id": row.funder_id if debtor == "funder" else None,
                "person_id": row.person_id if debtor == "person" else None,
                "period_start": period_start, "period_end": period_end, "amount_pence": difference,
                "finance_code": row.finance_code, "account_code": row.account_code,
                "description": _description(row.contract_service_name, row.kind, period_start, period_end),
                "created_at": now,
            })
    return rows


@functools.lru_cache(maxsize=4096)
def _description(name: str, kind: str, start: date, end: date) -> str:
    last = end - timedelta(days=1)
    what = name + (" – service user's contribution" if kind == "contribution" else "")
    return f"{what}, {start:%d/%m/%Y} to {last:%d/%m/%Y}"[:200]


def _id_in(column, ids: list[int]):
    """column IN ids; on PostgreSQL as one array parameter, so thousands of ids make neither a huge statement nor a
    new one to compile each time."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=postgresql.ARRAY(Integer)))
    return column.in_(ids)


TRANSACTION_COLUMNS = ("person_contract_service_id", "kind", "debtor_kind", "funder_id", "person_id", "period_start",
                       "period_end", "amount_pence", "finance_code", "account_code", "description", "created_at")


def insert_transactions(rows: list[dict[str, Any]]) -> None:
    """Write a batch of finance transactions at once: COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(FinanceTransaction), rows)
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY care_contracts_finance_transaction ({', '.join(TRANSACTION_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[column] for column in TRANSACTION_COLUMNS))


def run_transactions(as_of: date | None = None, chunk_size: int = 2000) -> dict[str, int]:
    """The transactions job: charge every ended billing period of Completed services, idempotently.

    Services with pending triggers are worked out again from their first period, and any difference from what was
    already charged is written as an adjustment; other Completed services get their newly ended periods. Everything
    happens in the job's one transaction, so a killed worker leaves nothing half-written.
    """
    as_of = as_of or london_today()
    _one_runner_at_a_time(TRANSACTIONS_LOCK)
    now = utcnow()
    trigger_query = select(ChargeTrigger.id, ChargeTrigger.person_contract_service_id).where(
        ChargeTrigger.processed_at.is_(None))
    if db.session.get_bind().dialect.name == "postgresql":
        trigger_query = trigger_query.with_for_update(skip_locked=True)
    triggers = db.session.execute(trigger_query).all()
    recheck = {service_id for _, service_id in triggers}
    due = set(db.session.scalars(select(PersonContractService.id).where(
        PersonContractService.status == "completed",
        (PersonContractService.charged_until.is_(None)) | (PersonContractService.charged_until < as_of))))
    ids = sorted(recheck | due)
    steps = {kind.id: tuple((s.from_day, s.percent) for s in kind.steps)
             for kind in db.session.scalars(select(AbsenceType))}
    division = module_system().settings("care_contracts").bank_holiday_division
    counts = {"services": 0, "transactions": 0, "adjustments": 0, "triggers": len(triggers)}
    #: the end of the last ended billing period, per (billing period, anchor)
    period_ends: dict[tuple[str, date], date] = {}
    for offset in range(0, len(ids), chunk_size):
        chunk = ids[offset:offset + chunk_size]
        wanted = set(chunk)
        query = _job_query().where(PersonContractService.id.between(chunk[0], chunk[-1]))
        records = [row for row in db.session.execute(query) if row.id in wanted and row.status != "draft"]
        if not records:
            continue
        loaded = _load(chunk, steps)
        earliest = min([r.start_at.astimezone(LONDON).date() for r in records] + list(loaded.first_existing.values()))
        holidays = frozenset(calendar.bank_holidays_between(earliest - timedelta(days=31), as_of, division))
        rows: list[dict[str, Any]] = []
        marks: dict[date, list[int]] = {}
        for record in records:
            scheme = (record.billing_period, record.period_anchor)
            if scheme not in period_ends:
                period_ends[scheme] = charging.period_containing(*scheme, as_of)[0]
            ended_until = period_ends[scheme]
            rows.extend(_service_rows(record, loaded, record.id in recheck, ended_until, holidays, now))
            if record.charged_until != ended_until:
                marks.setdefault(ended_until, []).append(record.id)
        insert_transactions(rows)
        table = PersonContractService.__table__
        for until, marked in marks.items():
            # the job's own bookmark, one statement per period end: no version bump, so it never clashes with
            # someone editing the service
            db.session.execute(update(table).where(_id_in(table.c.id, marked)).values(charged_until=until))
        counts["services"] += len(records)
        counts["transactions"] += sum(1 for row in rows if row["kind"] == "charge")
        counts["adjustments"] += sum(1 for row in rows if row["kind"] == "adjustment")
    trigger_ids = [trigger_id for trigger_id, _ in triggers]
    for offset in range(0, len(trigger_ids), 10_000):  # SQLite and PostgreSQL limit the parameters of a statement
        db.session.execute(update(ChargeTrigger).where(_id_in(ChargeTrigger.id, trigger_ids[offset:offset + 10_000]))
                           .values(processed_at=now))
    db.session.flush()
    return counts


def transactions_of(service: PersonContractService) -> list[FinanceTransaction]:
    """The service's Finance Transactions tab, in the order they were written."""
    return list(db.session.scalars(
        select(FinanceTransaction).where(FinanceTransaction.person_contract_service_id == service.id)
        .order_by(FinanceTransaction.period_start, FinanceTransaction.id)))


def run_invoicing() -> dict[str, int]:
    """The invoicing job: each debtor's uninvoiced transactions for a billing period become one numbered invoice.

    Numbers follow one unbroken sequence: they are given in the job's own transaction, one run at a time, so a run
    that fails gives none away. Transactions that add up to nothing (a charge cancelled before it was invoiced) are
    cleared without an invoice. A service user's transactions for a service whose debtor invoices are suspended
    wait, uninvoiced, until the suspension ends. Invoices and their transactions are never changed afterwards.
    """
    _one_runner_at_a_time(INVOICING_LOCK)
    prefix = module_system().settings("care_contracts").invoice_prefix
    rows = db.session.execute(
        select(FinanceTransaction.id, FinanceTransaction.debtor_kind, FinanceTransaction.funder_id,
               FinanceTransaction.person_id, FinanceTransaction.period_start, FinanceTransaction.period_end,
               FinanceTransaction.amount_pence, PersonContractService.suspend_debtor_invoices)
        .join(PersonContractService, PersonContractService.id == FinanceTransaction.person_contract_service_id)
        .where(FinanceTransaction.invoice_id.is_(None), FinanceTransaction.cleared_at.is_(None)))
    groups: dict[tuple, list] = {}
    held = 0
    for row in rows:
        if row.debtor_kind == "person" and row.suspend_debtor_invoices:
            held += 1
            continue
        key = (row.debtor_kind, row.funder_id or 0, row.person_id or 0, row.period_start, row.period_end)
        groups.setdefault(key, []).append(row)
    serial = db.session.scalar(select(func.coalesce(func.max(FinanceInvoice.serial), 0)))
    issued = cleared = 0
    now = utcnow()
    for (debtor, funder_id, person_id, start, end), items in sorted(groups.items()):
        ids = [item.id for item in items]
        total = sum(item.amount_pence for item in items)
        if total == 0:
            _mark_transactions(ids, cleared_at=now)
            cleared += 1
            continue
        serial += 1
        invoice = FinanceInvoice(serial=serial, number=f"{prefix}{serial:06d}", debtor_kind=debtor,
                                 funder_id=funder_id or None, person_id=person_id or None, period_start=start,
                                 period_end=end, total_pence=total, issued_at=now)
        db.session.add(invoice)
        db.session.flush()
        _mark_transactions(ids, invoice_id=invoice.id)
        issued += 1
    db.session.flush()
    return {"invoices": issued, "cleared_without_invoice": cleared, "held_for_suspended_debtors": held}


def _mark_transactions(ids: list[int], **values: Any) -> None:
    """Put uninvoiced transactions on an invoice, or clear them, a thousand at a time (statement parameter limits)."""
    for offset in range(0, len(ids), 1000):
        db.session.execute(update(FinanceTransaction).where(
            FinanceTransaction.id.in_(ids[offset:offset + 1000]), FinanceTransaction.invoice_id.is_(None),
            FinanceTransaction.cleared_at.is_(None)).values(**values))


def start_finance_job(name: str) -> Any:
    """Start the transactions or invoicing job from the screen; the job log shows the run."""
    authorize(FINANCE)
    if name not in (TRANSACTIONS_JOB, INVOICING_JOB):
        raise CareContractsError("job", "No such care finance job")
    return jobs.start_job(name)


TRANSACTIONS_JOB = "care_contracts.transactions"
INVOICING_JOB = "care_contracts.invoicing"


def finance_summary() -> dict[str, Any]:
    """What the finance screen shows: work waiting for each job and their last runs."""
    authorize(FINANCE)
    return {
        "pending_triggers": db.session.scalar(select(func.count()).select_from(ChargeTrigger)
                                              .where(ChargeTrigger.processed_at.is_(None))),
        "uninvoiced": db.session.scalar(select(func.count()).select_from(FinanceTransaction).where(
            FinanceTransaction.invoice_id.is_(None), FinanceTransaction.cleared_at.is_(None))),
        "last_transactions": jobs.last_run(TRANSACTIONS_JOB),
        "last_invoicing": jobs.last_run(INVOICING_JOB),
    }


def invoices(limit: int = 200) -> list[FinanceInvoice]:
    """The newest invoices."""
    authorize(INVOICES)
    return list(db.session.scalars(select(FinanceInvoice).order_by(FinanceInvoice.id.desc()).limit(limit)))


def get_invoice(invoice_id: int) -> FinanceInvoice:
    authorize(INVOICES)
    invoice = db.session.get(FinanceInvoice, invoice_id)
    if invoice is None:
        raise LookupError("No such invoice")
    return invoice


def invoice_lines(invoice: FinanceInvoice) -> list[FinanceTransaction]:
    authorize(INVOICES)
    return list(db.session.scalars(select(FinanceTransaction).where(FinanceTransaction.invoice_id == invoice.id)
                                   .order_by(FinanceTransaction.id)))


def service_users_on(invoice: FinanceInvoice) -> dict[int, str]:
    """The service user of each Person Contract Service on an invoice, by service id, in one query: a funder's
    invoice lists many people, and each line must say whose care it is."""
    authorize(INVOICES)
    rows = db.session.execute(
        select(PersonContractService.id, Person.first_names, Person.last_name)
        .join(PersonContract, PersonContract.id == PersonContractService.person_contract_id)
        .join(Person, Person.id == PersonContract.person_id)
        .where(PersonContractService.id.in_(select(FinanceTransaction.person_contract_service_id)
                                            .where(FinanceTransaction.invoice_id == invoice.id))))
    return {service_id: f"{first_names} {last_name}" for service_id, first_names, last_name in rows}


def debtor_name(invoice: FinanceInvoice | FinanceTransaction) -> str:
    if invoice.debtor_kind == "funder":
        return db.session.get(Funder, invoice.funder_id).name
    person = db.session.get(Person, invoice.person_id)
    return f"{person.first_names} {person.last_name}"


LEDGER_COLUMNS = ("invoice_number", "issued", "debtor", "debtor_kind", "period_start", "period_end", "finance_code",
                  "account_code", "service_user", "description", "kind", "amount")


def _safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def ledger_csv(invoice_ids: list[int] | None = None) -> str:
    """Invoiced transactions as CSV for the council's or provider's finance ledger; the export is audited."""
    authorize(INVOICES)
    # the service user of each line comes in the same query: one statement however long the ledger
    query = (select(FinanceTransaction, FinanceInvoice, Person.first_names, Person.last_name)
             .join(FinanceInvoice, FinanceInvoice.id == FinanceTransaction.invoice_id)
             .join(PersonContractService, PersonContractService.id == FinanceTransaction.person_contract_service_id)
             .join(PersonContract, PersonContract.id == PersonContractService.person_contract_id)
             .join(Person, Person.id == PersonContract.person_id)
             .order_by(FinanceInvoice.id, FinanceTransaction.id))
    if invoice_ids is not None:
        query = query.where(FinanceInvoice.id.in_(invoice_ids))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_COLUMNS)
    count = 0
    debtors: dict[int, str] = {}
    for line, invoice, first_names, last_name in db.session.execute(query):
        if invoice.id not in debtors:
            debtors[invoice.id] = debtor_name(invoice)
        writer.writerow([_safe(value) for value in (
            invoice.number, invoice.issued_at.astimezone(LONDON).date().isoformat(), debtors[invoice.id],
            invoice.debtor_kind, line.period_start.isoformat(), (line.period_end - timedelta(days=1)).isoformat(),
            line.finance_code or "", line.account_code, f"{first_names} {last_name}", line.description,
            line.kind)] + [f"{line.amount_pence / 100:.2f}"])
        count += 1
    audit.record_export("care_contracts.ledger", "csv", details={"rows": count})
    return out.getvalue()


def invoice_pdf(invoice: FinanceInvoice, html: str) -> bytes:
    """An invoice as PDF from its (table-only) HTML; the export is audited."""
    from xhtml2pdf import pisa  # noqa: PLC0415  (only the PDF screen needs it)

    authorize(INVOICES)
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"Invoice {invoice.number} could not be drawn as PDF")
    audit.record_export("care_contracts.invoice", "pdf", person_id=invoice.person_id,
                        details={"invoice": invoice.number})
    return out.getvalue()
