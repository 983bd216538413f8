"""A person's care contracts on their timeline, and merging a duplicate person record keeps them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.people import services as people
from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import AbsenceType, EndReason, FinanceInvoice
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")


def at(day: date, hour: int = 14) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def residential_stay(setup, person, start=date(2026, 4, 6), **changes):
    contract = services.create_contract(person.id, setup.home.id, setup.residential_scheme.id, "NCC/2026/0412",
                                        start, None)
    values = {"service_id": setup.residential_service.service_id, "contract_service_id": setup.residential_service.id,
              "start_at": at(start), "status": "completed", "frequency_weeks": 1, **changes}
    return services.save_service(contract, None, services.ServiceDetails(**values))


def hospital_stay(person, start, end):
    hospital = services.db.session.scalar(select(AbsenceType.id).where(AbsenceType.code == "hospital"))
    return services.save_absence(person.id, None, services.AbsenceDetails(hospital, start, end, "Hip operation"))


def test_the_timeline_shows_contracts_services_and_absences(db, act_as, client, login_as):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    died = db.session.scalar(select(EndReason.id).where(EndReason.code == "died"))
    residential_stay(setup, ada, end_at=at(date(2026, 9, 14), 9), end_reason_id=died)
    hospital_stay(ada, date(2026, 8, 3), date(2026, 8, 17))
    db.session.commit()

    login_as(*STAFF)
    page = client.get(f"/people/{ada.id}?module=care_contracts").get_data(as_text=True)

    assert "Care contract with Oak Lodge Care Home" in page
    assert "Northshire residential framework, NCC/2026/0412" in page
    assert "Residential care at Oak Lodge started" in page
    assert "Residential care at Oak Lodge ended" in page and "Died" in page
    assert "Absence: hospital stay" in page and "Back on 17 August 2026" in page
    # newest first: the end of the service, then the absence, then the start
    assert page.index("Residential care at Oak Lodge ended") < page.index("Absence: hospital stay") < page.index(
        "Residential care at Oak Lodge started")


def test_the_timeline_leaves_care_contracts_out_for_staff_who_may_not_see_them(db, act_as, client, login_as):
    setup = make_care_setup()
    act_as(*STAFF)
    ada = make_person("Ada", "Lovelace")
    residential_stay(setup, ada)
    db.session.commit()

    login_as("people.view")
    page = client.get(f"/people/{ada.id}").get_data(as_text=True)

    assert page.count("Record created") == 1
    assert "Care contract with" not in page


def test_merging_a_duplicate_keeps_its_contracts_absences_and_invoices(db, act_as):
    setup = make_care_setup()
    act_as(*STAFF, "people.merge", "care_contracts.finance.run", "care_contracts.invoice.view")
    duplicate = make_person("Mary", "Seacole")
    kept = make_person("Mary", "Seacole")
    contract = services.save_service(
        services.create_contract(duplicate.id, setup.home.id, setup.private_scheme.id, "", date(2026, 4, 1), None),
        None, services.ServiceDetails(service_id=setup.private_service.service_id,
                                      contract_service_id=setup.private_service.id, start_at=at(date(2026, 4, 15)),
                                      status="completed", frequency_weeks=1)).person_contract
    absence = hospital_stay(duplicate, date(2026, 6, 1), None)
    services.run_transactions(as_of=date(2026, 5, 1))
    services.run_invoicing()

    people.merge_people(kept, duplicate)

    assert [c.id for c in services.contracts_of(kept.id)] == [contract.id]
    assert [a.id for a in services.person_absences(kept.id)] == [absence.id]
    invoice = db.session.scalar(select(FinanceInvoice))
    assert (invoice.person_id, invoice.number, invoice.total_pence) == (kept.id, "INV-000001", 240000)
    assert services.contracts_of(duplicate.id) == []
