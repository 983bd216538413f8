"""Configuration screens: establishments and their beds, funders, schemes, services, charging rules, finance codes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.people.testing import make_person
from core.types import LONDON
from modules.care_contracts import services
from modules.care_contracts.models import (
    AbsenceType,
    Bed,
    ContractScheme,
    EndReason,
    Establishment,
    FinanceCodeMapping,
    Funder,
    Location,
    RateUnit,
    Room,
    SubLocation,
)
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

CONFIGURE = "care_contracts.config.manage"


def test_seeded_rate_units_end_reasons_and_absence_types(db):
    units = {unit.code: (unit.kind, unit.time_and_days) for unit in db.session.scalars(select(RateUnit))}
    assert units == {"per_week": ("week", False), "per_day": ("day", False), "per_hour": ("hour", True),
                     "per_session": ("session", True)}
    died = db.session.scalar(select(EndReason).where(EndReason.code == "died"))
    assert died.extra_days_charged == 3
    hospital = db.session.scalar(select(AbsenceType).where(AbsenceType.code == "hospital"))
    assert [(step.from_day, step.percent) for step in hospital.steps] == [(1, 100), (29, 0)]
    assert services.describe_steps([(1, 100), (29, 0)]) == "100% for days 1 to 28, then 0%"


def test_administrator_builds_an_establishment_down_to_a_bed(client, login_as, db):
    login_as(CONFIGURE)
    response = client.post("/care-contracts/configuration/establishments/new",
                           data={"code": "oak_lodge", "name": "Oak Lodge Care Home", "active": "y"})
    assert response.status_code == 302
    home = db.session.scalar(select(Establishment).where(Establishment.code == "oak_lodge"))
    client.post("/care-contracts/configuration/locations/new",
                data={"code": "oak_main", "name": "Main house", "establishment_id": home.id, "active": "y"})
    location = db.session.scalar(select(Location))
    client.post("/care-contracts/configuration/sub_locations/new",
                data={"code": "oak_first", "name": "First floor", "location_id": location.id, "active": "y"})
    floor = db.session.scalar(select(SubLocation))
    client.post("/care-contracts/configuration/rooms/new",
                data={"code": "oak_room_12", "name": "Room 12", "sub_location_id": floor.id, "active": "y"})
    room = db.session.scalar(select(Room))
    response = client.post("/care-contracts/configuration/beds/new",
                           data={"code": "oak_room_12_a", "name": "Bed A", "room_id": room.id, "active": "y"})
    assert response.status_code == 302
    page = client.get("/care-contracts/configuration/beds/").get_data(as_text=True)
    assert "Bed A" in page and "Room 12" in page
    assert db.session.scalar(select(Bed)).room.sub_location.location.establishment.name == "Oak Lodge Care Home"


def test_codes_are_unique_and_fixed(client, login_as, db):
    login_as(CONFIGURE)
    client.post("/care-contracts/configuration/establishments/new", data={"code": "oak_lodge", "name": "Oak Lodge"})
    response = client.post("/care-contracts/configuration/establishments/new",
                           data={"code": "oak_lodge", "name": "Another home"})
    assert response.status_code == 400
    assert "The code oak_lodge is already used by Oak Lodge" in response.get_data(as_text=True)
    home = db.session.scalar(select(Establishment))
    response = client.post(f"/care-contracts/configuration/establishments/{home.id}/edit",
                           data={"code": "oak", "name": "Oak Lodge"})
    assert "The code cannot change once records may use it" in response.get_data(as_text=True)


def test_private_funder_is_an_establishment(client, login_as, db):
    login_as(CONFIGURE)
    response = client.post("/care-contracts/configuration/funders/new",
                           data={"code": "oak_private", "name": "Oak Lodge (private)", "kind": "private"})
    assert response.status_code == 400
    assert "Select the establishment that charges its service users" in response.get_data(as_text=True)
    response = client.post("/care-contracts/configuration/funders/new",
                           data={"code": "ncc", "name": "Northshire County Council", "kind": "council"})
    assert response.status_code == 302
    assert db.session.scalar(select(Funder)).kind == "council"


def test_scheme_rules(client, login_as, db):
    setup = make_care_setup()
    login_as(CONFIGURE)
    base = {"code": "branch_private", "name": "Home Support private", "establishment_id": setup.branch.id,
            "funder_id": setup.home_private.id, "billing_period": "monthly", "period_anchor": ["1", "4", "2026"]}
    response = client.post("/care-contracts/configuration/schemes/new", data=base)
    assert "A private funder must be the scheme&#39;s own establishment" in response.get_data(as_text=True)
    response = client.post("/care-contracts/configuration/schemes/new",
                           data={**base, "funder_id": setup.council.id, "charge_contribution": "y"})
    assert "Only a contribution the establishment collects can be charged" in response.get_data(as_text=True)
    response = client.post("/care-contracts/configuration/schemes/new",
                           data={**base, "funder_id": setup.council.id, "finance_code_updateable": "y"})
    assert response.status_code == 302
    scheme = db.session.scalar(select(ContractScheme).where(ContractScheme.code == "branch_private"))
    assert (scheme.billing_period, scheme.finance_code_updateable, scheme.period_anchor.isoformat()) == (
        "monthly", True, "2026-04-01")


def test_contract_service_money_and_detail(client, login_as, db):
    setup = make_care_setup()
    login_as(CONFIGURE)
    per_week = db.session.scalar(select(RateUnit).where(RateUnit.code == "per_week"))
    data = {"code": "oak_nursing", "name": "Nursing care", "contract_scheme_id": setup.residential_scheme.id,
            "service_id": setup.residential.id, "rate_unit_id": per_week.id, "rooms_apply": "y",
            "standard_rate_pence": "£1,045.5"}
    response = client.post("/care-contracts/configuration/contract_services/new", data=data)
    assert response.status_code == 302
    page = client.get("/care-contracts/configuration/contract_services/").get_data(as_text=True)
    assert "£1,045.50" in page
    response = client.post("/care-contracts/configuration/contract_services/new",
                           data={**data, "code": "bad", "standard_rate_pence": "10.505"})
    assert "must be an amount in pounds and pence" in response.get_data(as_text=True)


def test_absence_type_with_stepped_charging(client, login_as, db):
    login_as(CONFIGURE)
    response = client.post("/care-contracts/configuration/absence_types/new", data={
        "code": "respite_hospital", "name": "Hospital (respite residents)", "first_percent": "100",
        "second_from_day": "15", "second_percent": "50", "third_from_day": "29", "third_percent": "0"})
    assert response.status_code == 302
    kind = db.session.scalar(select(AbsenceType).where(AbsenceType.code == "respite_hospital"))
    assert [(s.from_day, s.percent) for s in kind.steps] == [(1, 100), (15, 50), (29, 0)]
    assert "100% for days 1 to 14, then 50% for days 15 to 28, then 0%" in client.get(
        "/care-contracts/configuration/absence_types/").get_data(as_text=True)
    # change it: the steps are replaced, and a step out of order is refused
    response = client.post(f"/care-contracts/configuration/absence_types/{kind.id}/edit", data={
        "code": "respite_hospital", "name": "Hospital (respite residents)", "first_percent": "100",
        "second_from_day": "29", "second_percent": "0", "third_from_day": "15", "third_percent": "0"})
    assert "Each step must start on a later day than the one before" in response.get_data(as_text=True)
    response = client.post(f"/care-contracts/configuration/absence_types/{kind.id}/edit", data={
        "code": "respite_hospital", "name": "Hospital (respite residents)", "first_percent": "100",
        "second_from_day": "15", "second_percent": "0", "third_from_day": "", "third_percent": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(s.from_day, s.percent) for s in kind.steps] == [(1, 100), (15, 0)]


def test_finance_code_mapping_is_unique_per_establishment_service_and_funder(client, login_as, db):
    setup = make_care_setup()
    login_as(CONFIGURE)
    response = client.post("/care-contracts/configuration/finance_codes/new", data={
        "establishment_id": setup.home.id, "service_id": setup.residential.id, "funder_id": setup.council.id,
        "finance_code": "RES-OTHER"})
    assert response.status_code == 400
    assert "RES-OAK-NCC is already the finance code" in response.get_data(as_text=True)
    response = client.post("/care-contracts/configuration/finance_codes/new", data={
        "establishment_id": setup.home.id, "service_id": setup.residential.id, "funder_id": setup.nhs.id,
        "finance_code": "RES-OAK-CHC"})
    assert response.status_code == 302
    codes = {m.finance_code for m in db.session.scalars(select(FinanceCodeMapping))}
    assert codes == {"RES-OAK-NCC", "RES-OAK-PRIV", "DOM-HSN-NCC", "RES-OAK-CHC"}


def _residential(setup, **changes) -> services.ServiceDetails:
    values = {"service_id": setup.residential.id, "contract_service_id": setup.residential_service.id,
              "start_at": datetime(2026, 4, 6, 14, tzinfo=LONDON), "status": "draft", "frequency_weeks": 1}
    return services.ServiceDetails(**{**values, **changes})


def test_finance_officer_retires_a_mapping_on_screen(client, login_as, act_as, db):
    setup = make_care_setup(finance_code_updateable=True)
    act_as("people.view", "care_contracts.contract.view", "care_contracts.contract.write")
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2026, 4, 6), None)
    existing = services.save_service(contract, None, _residential(setup))
    typed = services.save_service(contract, None, _residential(setup, update_finance_code=True,
                                                               finance_code="RES-OAK-SPECIAL"))
    assert (existing.finance_code, typed.finance_code) == ("RES-OAK-NCC", "RES-OAK-SPECIAL")
    mapping = db.session.scalar(select(FinanceCodeMapping).where(FinanceCodeMapping.finance_code == "RES-OAK-NCC"))
    edit = f"/care-contracts/configuration/finance_codes/{mapping.id}/edit"
    fields = {"establishment_id": setup.home.id, "service_id": setup.residential.id, "funder_id": setup.council.id,
              "finance_code": "RES-OAK-NCC"}

    login_as(CONFIGURE)
    form = client.get(edit).get_data(as_text=True)
    assert "In use (given to new services)" in form and "checked" in form
    response = client.post(edit, data=fields)  # the In use box left unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert mapping.active is False
    page = client.get("/care-contracts/configuration/finance_codes/").get_data(as_text=True)
    page = page[page.index("<tbody"):]  # the table, not the "Saved" banner above it
    # in use first; the retired mapping is last and says so
    assert page.index("DOM-HSN-NCC") < page.index("RES-OAK-PRIV") < page.index("RES-OAK-NCC")
    retired_row = page[page.index("RES-OAK-NCC"):].split("</tr>")[0]
    assert retired_row.endswith('<td class="govuk-table__cell">No</td>\n    ')

    # a new service gets no code; existing services keep theirs, whether mapped or typed
    new = services.save_service(contract, None, _residential(setup))
    services.save_service(contract, existing, _residential(setup, account_code="PO 4471"))
    services.save_service(contract, typed, _residential(setup, account_code="PO 4471"))
    assert (new.finance_code, existing.finance_code, typed.finance_code) == (None, "RES-OAK-NCC", "RES-OAK-SPECIAL")
    assert services.mapped_finance_code(setup.home.id, setup.residential.id, setup.council.id) is None

    # the establishment, service and funder stay taken: the officer is told to bring the mapping back instead
    response = client.post("/care-contracts/configuration/finance_codes/new",
                           data={**fields, "finance_code": "RES-OAK-NCC-2", "active": "y"})
    assert response.status_code == 400
    assert ("RES-OAK-NCC is already the finance code for this establishment, service and funder, though retired: "
            "bring that mapping back into use, changing its code if needed") in response.get_data(as_text=True)
    response = client.post(edit, data={**fields, "finance_code": "RES-OAK-NCC-2", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    services.save_service(contract, new, _residential(setup))
    assert (new.finance_code, mapping.active) == ("RES-OAK-NCC-2", True)


def test_configuration_needs_its_permission(client, login_as):
    login_as("care_contracts.contract.write")
    assert client.get("/care-contracts/configuration/").status_code == 403
    assert client.get("/care-contracts/configuration/funders/new").status_code == 403


@pytest.mark.modules()
def test_disabled_module_serves_nothing(client, login_as):
    login_as()
    assert client.get("/care-contracts/configuration/").status_code == 404
