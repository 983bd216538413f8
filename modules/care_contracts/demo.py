"""Demo data for `ppp demo`: a care home and a home care branch, their funders, schemes and services, four people with
Completed services (a residential contribution, private care, an hourly schedule across time bands, a suspended
debtor), a bed for each resident, a hospital stay, and the transactions and invoices the finance jobs make of them.

Running it again adds nothing: every record is looked up by its code, or its person, before it is created.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time

from flask import g
from sqlalchemy import select

from core.extensions import db
from core.lookups import services as lookups
from core.people import services as people
from core.people.models import Person
from core.types import LONDON

from . import services
from .models import (
    AbsenceType,
    Bed,
    ContractScheme,
    ContractService,
    Establishment,
    FinanceCodeMapping,
    Funder,
    Location,
    PersonContract,
    RateUnit,
    Room,
    Service,
    ServiceDetail,
    SubLocation,
)

START = date(2026, 4, 6)


@contextmanager
def _as_demo_administrator():
    from core.security.services import get_user_by_email

    previous = g.get("ppp_actor")
    g.ppp_actor = get_user_by_email("admin@example.org")
    try:
        yield
    finally:
        g.ppp_actor = previous


def _one(model, code: str, **fields):
    """The configuration record with that code, created with these fields when missing."""
    record = db.session.scalar(select(model).where(model.code == code))
    if record is None:
        record = model(code=code, **fields)
        db.session.add(record)
        db.session.flush()
    return record


def _configuration() -> dict:
    unit = {u.code: u for u in db.session.scalars(select(RateUnit))}
    home = _one(Establishment, "oak_lodge", name="Oak Lodge Care Home")
    branch = _one(Establishment, "home_support_north", name="Home Support North")
    main = _one(Location, "oak_lodge_main", name="Main house", establishment_id=home.id)
    beds = []
    for floor_code, floor_name, rooms in (("oak_ground", "Ground floor", ("1", "2", "3")),
                                          ("oak_first", "First floor", ("11", "12"))):
        floor = _one(SubLocation, floor_code, name=floor_name, location_id=main.id)
        for number in rooms:
            room = _one(Room, f"oak_room_{number}", name=f"Room {number}", sub_location_id=floor.id)
            beds.append(_one(Bed, f"oak_room_{number}_bed", name="Bed", room_id=room.id))
    council = _one(Funder, "northshire_cc", name="Northshire County Council", kind="council")
    icb = _one(Funder, "north_icb", name="North Integrated Care Board", kind="nhs")
    private = _one(Funder, "oak_lodge_private", name="Oak Lodge (private residents)", kind="private",
                   establishment_id=home.id)
    residential = _one(Service, "residential", name="Residential care")
    _one(ServiceDetail, "residential_dementia", name="Dementia", service_id=residential.id)
    home_care = _one(Service, "home_care", name="Home care")
    council_residential = _one(
        ContractScheme, "northshire_residential", name="Northshire residential framework", establishment_id=home.id,
        funder_id=council.id, billing_period="four_weekly", period_anchor=START, finance_code_updateable=True,
        collect_contribution=True, charge_contribution=True)
    private_scheme = _one(ContractScheme, "oak_lodge_private", name="Oak Lodge private residents",
                          establishment_id=home.id, funder_id=private.id, billing_period="monthly",
                          period_anchor=date(2026, 4, 1))
    council_home_care = _one(ContractScheme, "northshire_home_care", name="Northshire home care framework",
                             establishment_id=branch.id, funder_id=council.id, billing_period="four_weekly",
                             period_anchor=START)
    contract_services = {
        "council_residential": _one(
            ContractService, "oak_residential_council", name="Residential care at Oak Lodge",
            contract_scheme_id=council_residential.id, service_id=residential.id, rate_unit_id=unit["per_week"].id,
            rooms_apply=True, standard_rate_pence=84000),
        "private_residential": _one(
            ContractService, "oak_residential_private", name="Private residential care at Oak Lodge",
            contract_scheme_id=private_scheme.id, service_id=residential.id, rate_unit_id=unit["per_week"].id,
            rooms_apply=True, standard_rate_pence=105000),
        "home_care": _one(
            ContractService, "home_care_hourly", name="Home care visits", contract_scheme_id=council_home_care.id,
            service_id=home_care.id, rate_unit_id=unit["per_hour"].id, negotiated_rates_apply=True,
            standard_rate_pence=2400),
    }
    # the ICB's Oak Lodge code is retired: its residents are now funded through the council's framework
    for establishment, service, funder, code, active in ((home, residential, council, "RES-OAK-NCC", True),
                                                         (home, residential, private, "RES-OAK-PRIV", True),
                                                         (branch, home_care, council, "DOM-HSN-NCC", True),
                                                         (home, residential, icb, "RES-OAK-ICB", False)):
        if services.finance_code_mapping(establishment.id, service.id, funder.id) is None:
            db.session.add(FinanceCodeMapping(establishment_id=establishment.id, service_id=service.id,
                                              funder_id=funder.id, finance_code=code, active=active))
    db.session.flush()
    return {"home": home, "branch": branch, "beds": beds, "schemes": {
        "council_residential": council_residential, "private": private_scheme, "home_care": council_home_care},
        "contract_services": contract_services}


#: (first names, last name, date of birth, scheme, contract service, what else)
PEOPLE = (
    ("Winifred", "Ashworth", date(1936, 2, 14), "council_residential", "council_residential", "contribution"),
    ("Harold", "Pemberton", date(1939, 9, 3), "private", "private_residential", "private"),
    ("Doris", "Okafor", date(1944, 6, 21), "home_care", "home_care", "schedule"),
    ("Arthur", "Lindqvist", date(1941, 11, 30), "council_residential", "council_residential", "suspended"),
)


def _person(first: str, last: str, born: date) -> Person:
    person = db.session.scalar(select(Person).where(Person.first_names == first, Person.last_name == last,
                                                    Person.date_of_birth == born))
    if person is None:
        person = people.create_person(people.PersonDetails(first_names=first, last_name=last, date_of_birth=born),
                                      confirmed=True)
    return person


def _at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def load_demo_care_contracts() -> None:
    """Add the demo configuration, people's contracts and services, then run the finance jobs over them."""
    with _as_demo_administrator():
        config = _configuration()
        hospital = db.session.scalar(select(AbsenceType).where(AbsenceType.code == "hospital"))
        for index, (first, last, born, scheme_key, service_key, extra) in enumerate(PEOPLE):
            person = _person(first, last, born)
            if db.session.scalar(select(PersonContract).where(PersonContract.person_id == person.id)) is not None:
                continue
            scheme = config["schemes"][scheme_key]
            contract_service = config["contract_services"][service_key]
            contract = services.create_contract(person.id, scheme.establishment_id, scheme.id,
                                                f"DEMO/{2026}/{index + 1:04d}", START, None)
            details = services.ServiceDetails(
                service_id=contract_service.service_id, contract_service_id=contract_service.id,
                start_at=_at(START, 14), status="completed", frequency_weeks=1, account_code=f"PO {4400 + index}")
            if extra == "suspended":
                details.suspend_debtor_invoices = True
                details.suspend_reason_id = lookups.value("care_contracts.suspend_reason", "deputyship").id
            service = services.save_service(contract, None, details)
            if contract_service.rooms_apply:
                services.allocate_bed(service, config["beds"][index].id, _at(START, 14), None)
            if extra in ("contribution", "suspended"):
                services.add_contribution(service, 21045 if extra == "contribution" else 18590)
            if extra == "contribution" and hospital is not None:
                # a person absence, linked by default to the services running then (not the contribution)
                services.save_absence(person.id, None, services.AbsenceDetails(
                    hospital.id, date(2026, 8, 3), date(2026, 9, 14), "Hip operation, Northshire General"))
            if extra == "schedule":
                weekdays = (0, 1, 2, 3, 4)
                services.save_rate(service, None, services.RateDetails(START, None, 2000, time(8), time(18), 4000,
                                                                       False, weekdays))
                services.save_rate(service, None, services.RateDetails(START, None, 2500, time(18), None, 4500,
                                                                       False, weekdays))
                services.save_rate(service, None, services.RateDetails(START, None, 2800, None, None, None, False,
                                                                       (5, 6)))
                for weekday, start, end in ((0, time(17), time(19)), (3, time(17, 50), time(18, 5)),
                                            (5, time(10), time(11))):
                    services.add_visit(service, 1, weekday, start, end)
        services.run_transactions()
        services.run_invoicing()
