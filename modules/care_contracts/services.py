"""Care contracts rules and writes; each checks the same permission as the screen, API or job that calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.permissions import authorize

from .models import (
    AbsenceChargeStep,
    AbsenceType,
    Bed,
    ContractScheme,
    ContractService,
    EndReason,
    Establishment,
    FinanceCodeMapping,
    Funder,
    Location,
    RateUnit,
    Room,
    Service,
    ServiceDetail,
    SubLocation,
)

VIEW = "care_contracts.contract.view"
WRITE = "care_contracts.contract.write"
CONFIGURE = "care_contracts.config.manage"
FINANCE = "care_contracts.finance.run"
INVOICES = "care_contracts.invoice.view"
SUSPEND_REASONS = "care_contracts.suspend_reason"


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


def _check_absence_type(record, values: dict[str, Any]) -> None:
    steps = absence_steps_from(values)
    days = [day for day, _ in steps]
    if days != sorted(set(days)):
        raise CareContractsError("third_from_day", "Each step must start on a later day than the one before")


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


def config_records(slug: str) -> list[Any]:
    """Every record of a configuration kind, in use first, then by name."""
    authorize(CONFIGURE)
    model = CONFIG_KINDS[slug].model
    if model is FinanceCodeMapping:
        return list(db.session.scalars(select(model).order_by(model.finance_code)))
    return list(db.session.scalars(select(model).order_by(model.active.desc(), model.name)))


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


def save_config(slug: str, record: Any | None, values: dict[str, Any]) -> Any:
    """Create (record None) or change a configuration record after checking the kind's rules."""
    authorize(CONFIGURE)
    kind = CONFIG_KINDS[slug]
    for field_name, model in kind.parents:
        chosen = values.get(field_name)
        if chosen is not None and db.session.get(model, chosen) is None:
            raise CareContractsError(field_name, "Select one of the options")
    if "code" in values:
        if record is not None and values["code"] != record.code:
            raise CareContractsError("code", "The code cannot change once records may use it")
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
        steps = absence_steps_from(values)
        if record.steps:  # the old steps go first, so a new step may reuse a day number
            record.steps.clear()
            db.session.flush()
        record.steps.extend(AbsenceChargeStep(from_day=day, percent=percent) for day, percent in steps)
    db.session.flush()
    return record
