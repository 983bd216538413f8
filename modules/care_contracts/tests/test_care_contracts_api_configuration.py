"""/api/v1/care_contracts/configuration and the planned schedule: the screens' rules, as problem+json naming the field."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from core.api.testing import ApiCaller, bearer, make_token, schemathesis_failures
from core.extensions import db as _db
from core.people.testing import make_person
from modules.care_contracts.models import AbsenceType, FinanceCodeMapping, PersonContractService, RateUnit
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

CONFIGURE = "care_contracts.config.manage"
STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")
API = "/api/v1/care_contracts/configuration"


@pytest.fixture
def admin(client, create_user):
    return ApiCaller(client, create_user, CONFIGURE)


def errors(response) -> dict:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json()["errors"]


def test_funders_are_created_listed_and_changed_with_if_match(admin, db):
    setup = make_care_setup()

    private = admin.post(f"{API}/funders", json={"code": "beech_private", "name": "Beech House (private)",
                                                 "kind": "private"})
    assert errors(private) == {"establishment_id": ["Select the establishment that charges its service users"]}
    duplicate = admin.post(f"{API}/funders", json={"code": "northshire", "name": "Another council", "kind": "council"})
    assert errors(duplicate) == {"code": ["The code northshire is already used by Northshire County Council"]}
    bad_code = admin.post(f"{API}/funders", json={"code": "South Shire", "name": "Southshire", "kind": "council"})
    assert errors(bad_code) == {"code": ["Code must use only lower-case letters, digits and _"]}

    created = admin.post(f"{API}/funders", json={"code": "southshire", "name": "Southshire Council", "kind": "council"})
    assert created.status_code == 201
    funder = created.get_json()
    assert (funder["kind"], funder["establishment_id"], funder["active"]) == ("council", None, True)
    assert created.headers["ETag"] == f'"{funder["version"]}"'

    listed = admin.get(f"{API}/funders", query_string={"page_size": 2})
    assert json.loads(listed.headers["X-Pagination"])["total"] == 4
    assert [row["name"] for row in listed.get_json()] == ["North Integrated Care Board", "Northshire County Council"]

    url = f"{API}/funders/{funder['id']}"
    read = admin.get(url)
    assert read.headers["ETag"] == created.headers["ETag"]
    body = {"code": "southshire", "name": "Southshire County Council", "kind": "council", "active": False}
    assert admin.put(url, json=body).status_code == 428
    changed = admin.put(url, json=body, headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200
    assert (changed.get_json()["name"], changed.get_json()["active"]) == ("Southshire County Council", False)
    assert changed.headers["ETag"] != read.headers["ETag"]
    stale = admin.put(url, json={**body, "name": "Southshire"}, headers={"If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == changed.headers["ETag"]
    assert admin.get(url).get_json()["name"] == "Southshire County Council"
    # retired records come last, as on the configuration screen
    names = [row["name"] for row in admin.get(f"{API}/funders").get_json()]
    assert names[-1] == "Southshire County Council"
    renamed_code = admin.put(url, json={**body, "code": "south"}, headers={"If-Match": changed.headers["ETag"]})
    assert errors(renamed_code) == {"code": ["The code cannot change once records may use it"]}
    private_ok = admin.post(f"{API}/funders", json={"code": "home_support_private", "name": "Home Support (private)",
                                                    "kind": "private", "establishment_id": setup.branch.id})
    assert private_ok.status_code == 201


def test_contract_schemes_follow_the_screens_rules(admin, db):
    setup = make_care_setup()
    base = {"code": "branch_private", "name": "Home Support private", "establishment_id": setup.branch.id,
            "funder_id": setup.home_private.id, "billing_period": "monthly", "period_anchor": "2026-04-01"}

    assert errors(admin.post(f"{API}/schemes", json=base)) == {
        "funder_id": ["A private funder must be the scheme's own establishment"]}
    assert errors(admin.post(f"{API}/schemes", json={**base, "funder_id": setup.council.id,
                                                     "charge_contribution": True})) == {
        "charge_contribution": ["Only a contribution the establishment collects can be charged to the service user"]}
    assert errors(admin.post(f"{API}/schemes", json={**base, "funder_id": 999_999})) == {
        "funder_id": ["Select one of the options"]}
    created = admin.post(f"{API}/schemes", json={**base, "funder_id": setup.council.id,
                                                 "finance_code_updateable": True})
    assert created.status_code == 201
    scheme = created.get_json()
    assert (scheme["billing_period"], scheme["period_anchor"], scheme["finance_code_updateable"],
            scheme["collect_contribution"]) == ("monthly", "2026-04-01", True, False)


def test_absence_types_take_their_steps_as_a_list(admin, client, login_as, db):
    steps = [{"from_day": 1, "percent": 100}, {"from_day": 15, "percent": 50}, {"from_day": 29, "percent": 0}]
    created = admin.post(f"{API}/absence_types", json={"code": "respite_hospital",
                                                        "name": "Hospital (respite residents)", "steps": steps})
    assert created.status_code == 201
    assert created.get_json()["steps"] == steps
    kind = db.session.scalar(select(AbsenceType).where(AbsenceType.code == "respite_hospital"))
    assert [(step.from_day, step.percent) for step in kind.steps] == [(1, 100), (15, 50), (29, 0)]

    url = f"{API}/absence_types/{kind.id}"
    etag = {"If-Match": created.headers["ETag"]}
    body = {"code": "respite_hospital", "name": "Hospital (respite residents)"}
    out_of_order = admin.put(url, json={**body, "steps": [steps[0], steps[2], {"from_day": 15, "percent": 0}]},
                             headers=etag)
    # the words the screen shows against its third step
    assert errors(out_of_order) == {"steps.2.from_day": ["Each step must start on a later day than the one before"]}
    late_start = admin.put(url, json={**body, "steps": [{"from_day": 2, "percent": 100}]}, headers=etag)
    assert errors(late_start) == {"steps.0.from_day": ["The first step starts on day 1, the first day away"]}
    too_many = admin.put(url, json={**body, "steps": [*steps, {"from_day": 60, "percent": 0}]}, headers=etag)
    assert errors(too_many) == {"steps": ["An absence type has at most 3 charging steps"]}
    assert errors(admin.put(url, json={**body, "steps": []}, headers=etag)) == {
        "steps": ["Enter the percentage charged from the first day away"]}
    assert "steps.1.percent" in errors(admin.put(url, json={**body, "steps": [steps[0], {"from_day": 8, "percent": 101}]},
                                                  headers=etag))

    changed = admin.put(url, json={**body, "steps": [steps[0], {"from_day": 15, "percent": 0}]}, headers=etag)
    assert changed.status_code == 200
    assert changed.get_json()["steps"] == [{"from_day": 1, "percent": 100}, {"from_day": 15, "percent": 0}]
    # a change to the steps alone changes the ETag, so an old read cannot overwrite it
    assert changed.headers["ETag"] != created.headers["ETag"]
    assert admin.put(url, json={**body, "steps": steps}, headers=etag).status_code == 412

    # the screen shows what the API saved, and still saves through the same service
    login_as(CONFIGURE)
    assert "100% for days 1 to 14, then 0%" in client.get(
        "/care-contracts/configuration/absence_types/").get_data(as_text=True)
    response = client.post(f"/care-contracts/configuration/absence_types/{kind.id}/edit", data={
        "code": "respite_hospital", "name": "Hospital (respite residents)", "first_percent": "100",
        "second_from_day": "22", "second_percent": "25"})
    assert response.status_code == 302
    assert admin.get(url).get_json()["steps"] == [{"from_day": 1, "percent": 100}, {"from_day": 22, "percent": 25}]


def test_contract_services_have_money_in_pounds(admin, db):
    setup = make_care_setup()
    per_week = db.session.scalar(select(RateUnit).where(RateUnit.code == "per_week"))
    detail = admin.post(f"{API}/service_details", json={"code": "home_care_night", "name": "Night sitting",
                                                        "service_id": setup.home_care.id})
    assert detail.status_code == 201
    body = {"code": "oak_nursing", "name": "Nursing care", "contract_scheme_id": setup.residential_scheme.id,
            "service_id": setup.residential.id, "rate_unit_id": per_week.id, "rooms_apply": True,
            "standard_rate": "1045.5"}

    assert errors(admin.post(f"{API}/contract_services", json={**body, "standard_rate": "10.505"})).keys() == {
        "standard_rate"}
    wrong_detail = admin.post(f"{API}/contract_services", json={**body, "service_detail_id": detail.get_json()["id"]})
    assert errors(wrong_detail) == {"service_detail_id": ["Select a service detail of the chosen service"]}
    created = admin.post(f"{API}/contract_services", json=body)
    assert created.status_code == 201
    record = created.get_json()
    assert (record["standard_rate"], record["rooms_apply"], record["negotiated_rates_apply"]) == ("1045.50", True, False)

    url = f"{API}/contract_services/{record['id']}"
    changed = admin.put(url, json={**body, "standard_rate": "1100.00"}, headers={"If-Match": created.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["standard_rate"] == "1100.00"
    assert admin.get(url).headers["ETag"] == changed.headers["ETag"]


def test_finance_code_mappings_refuse_a_clash(admin, db):
    setup = make_care_setup()
    body = {"establishment_id": setup.home.id, "service_id": setup.residential.id, "funder_id": setup.council.id,
            "finance_code": "RES-OTHER"}

    assert errors(admin.post(f"{API}/finance_codes", json=body)) == {
        "funder_id": ["RES-OAK-NCC is already the finance code for this establishment, service and funder"]}
    created = admin.post(f"{API}/finance_codes", json={**body, "funder_id": setup.nhs.id, "finance_code": "RES-OAK-CHC"})
    assert created.status_code == 201
    mapping = created.get_json()
    assert (mapping["finance_code"], mapping["funder_id"]) == ("RES-OAK-CHC", setup.nhs.id)
    codes = [row["finance_code"] for row in admin.get(f"{API}/finance_codes").get_json()]
    assert codes == ["DOM-HSN-NCC", "RES-OAK-CHC", "RES-OAK-NCC", "RES-OAK-PRIV"]

    url = f"{API}/finance_codes/{mapping['id']}"
    moved = admin.put(url, json={**body, "finance_code": "RES-OAK-CHC"}, headers={"If-Match": created.headers["ETag"]})
    assert "funder_id" in errors(moved)
    renamed = admin.put(url, json={**body, "funder_id": setup.nhs.id, "finance_code": "RES-OAK-ICB"},
                        headers={"If-Match": created.headers["ETag"]})
    assert renamed.status_code == 200 and renamed.get_json()["finance_code"] == "RES-OAK-ICB"


def test_a_retired_mapping_gives_new_services_no_code_and_existing_ones_keep_theirs(admin, client, create_user, db):
    setup = make_care_setup()
    staff = ApiCaller(client, create_user, *STAFF)
    contract = staff.post("/api/v1/care_contracts/contracts", json={
        "person_id": make_person().id, "establishment_id": setup.home.id,
        "contract_scheme_id": setup.residential_scheme.id, "start_date": "2026-04-06"}).get_json()
    service = {"service_id": setup.residential.id, "contract_service_id": setup.residential_service.id,
               "start_at": "2026-04-06T14:00:00+01:00", "status": "draft", "frequency_weeks": 1,
               "suspend_debtor_invoices": False}
    services_url = f"/api/v1/care_contracts/contracts/{contract['id']}/services"
    existing = staff.post(services_url, json=service)
    assert existing.get_json()["finance_code"] == "RES-OAK-NCC"

    mapping_id = db.session.scalar(select(FinanceCodeMapping.id).where(FinanceCodeMapping.finance_code == "RES-OAK-NCC"))
    url = f"{API}/finance_codes/{mapping_id}"
    read = admin.get(url)
    assert read.get_json()["active"] is True
    body = {"establishment_id": setup.home.id, "service_id": setup.residential.id, "funder_id": setup.council.id,
            "finance_code": "RES-OAK-NCC", "active": False}
    retired = admin.put(url, json=body, headers={"If-Match": read.headers["ETag"]})
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    assert retired.headers["ETag"] != read.headers["ETag"]

    new = staff.post(services_url, json=service)
    assert new.status_code == 201 and new.get_json()["finance_code"] is None
    existing_url = f"/api/v1/care_contracts/services/{existing.get_json()['id']}"
    kept = staff.put(existing_url, json={**service, "account_code": "PO 4471"},
                     headers={"If-Match": existing.headers["ETag"]})
    assert kept.status_code == 200, kept.get_json()
    assert (kept.get_json()["account_code"], kept.get_json()["finance_code"]) == ("PO 4471", "RES-OAK-NCC")

    clash = admin.post(f"{API}/finance_codes", json={**body, "finance_code": "RES-OAK-NEW", "active": True})
    assert errors(clash) == {"funder_id": [
        "RES-OAK-NCC is already the finance code for this establishment, service and funder, though retired: "
        "bring that mapping back into use, changing its code if needed"]}


def test_configuration_lists_filter_on_active(admin, db):
    setup = make_care_setup()
    setup.nhs.active = False
    db.session.scalar(select(FinanceCodeMapping).where(FinanceCodeMapping.finance_code == "DOM-HSN-NCC")).active = False
    db.session.flush()

    def names(kind, **query):
        response = admin.get(f"{API}/{kind}", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [row.get("name") or row["finance_code"] for row in response.get_json()]

    # in use first, as on the screens
    assert names("funders") == ["Northshire County Council", "Oak Lodge (private)", "North Integrated Care Board"]
    assert names("funders", active="true") == ["Northshire County Council", "Oak Lodge (private)"]
    assert names("funders", active="false") == ["North Integrated Care Board"]
    assert names("finance_codes") == ["RES-OAK-NCC", "RES-OAK-PRIV", "DOM-HSN-NCC"]
    assert names("finance_codes", active="false") == ["DOM-HSN-NCC"]
    assert names("establishments", active="false") == []
    assert errors(admin.get(f"{API}/funders", query_string={"active": "sometimes"})) == {"active": ["Not a valid boolean."]}


def test_configuration_needs_its_permission_and_unknown_records_are_404(admin, client, create_user, db):
    setup = make_care_setup()
    writer = ApiCaller(client, create_user, *STAFF)
    assert writer.get(f"{API}/funders").status_code == 403
    assert writer.get(f"{API}/funders/{setup.council.id}").status_code == 403
    refused = writer.post(f"{API}/funders", json={"code": "x", "name": "X", "kind": "council"})
    assert refused.status_code == 403 and CONFIGURE in refused.get_json()["detail"]
    assert writer.put(f"{API}/funders/{setup.council.id}", json={}, headers={"If-Match": '"1"'}).status_code == 403

    missing = admin.get(f"{API}/funders/999999")
    assert missing.status_code == 404
    assert missing.get_json()["detail"] == "No funder with that id, or you cannot see it."
    assert admin.get(f"{API}/dragons").status_code == 404
    assert admin.delete(f"{API}/funders/{setup.council.id}").status_code == 405


def new_home_care_service(setup, person_id, staff, frequency_weeks=1):
    contract = staff.post("/api/v1/care_contracts/contracts", json={
        "person_id": person_id, "establishment_id": setup.branch.id, "contract_scheme_id": setup.home_care_scheme.id,
        "start_date": "2026-04-06"})
    assert contract.status_code == 201, contract.get_json()
    service = staff.post(f"/api/v1/care_contracts/contracts/{contract.get_json()['id']}/services", json={
        "service_id": setup.home_care.id, "contract_service_id": setup.home_care_service.id,
        "start_at": "2026-04-06T09:00:00+01:00", "status": "completed", "frequency_weeks": frequency_weeks,
        "suspend_debtor_invoices": False})
    assert service.status_code == 201, service.get_json()
    return service.get_json()["id"]


def test_the_planned_schedule_over_the_api_and_the_weekly_charge_follows(client, create_user, db):
    setup = make_care_setup()  # home care: per hour, standard rate £24.00
    staff = ApiCaller(client, create_user, *STAFF)
    service_id = new_home_care_service(setup, make_person("Mary", "Seacole").id, staff)
    service_url = f"/api/v1/care_contracts/services/{service_id}"
    visits = f"{service_url}/visits"

    monday = staff.post(visits, json={"weekday": 0, "start_time": "17:00:00", "end_time": "19:00:00"})
    assert monday.status_code == 201
    assert monday.get_json() | {"id": 0} == {"id": 0, "week_number": 1, "weekday": 0, "start_time": "17:00:00",
                                            "end_time": "19:00:00"}
    thursday = staff.post(visits, json={"weekday": 3, "start_time": "10:00", "end_time": "10:30"})
    assert thursday.status_code == 201
    assert staff.get(service_url).get_json()["charge_per_week"] == "60.00"  # 2 h + 30 min at £24.00

    overlap = staff.post(visits, json={"weekday": 0, "start_time": "18:30:00", "end_time": "20:00:00"})
    assert errors(overlap) == {"start_time": ["This visit overlaps another visit on the same day"]}
    backwards = staff.post(visits, json={"weekday": 2, "start_time": "18:30:00", "end_time": "08:00:00"})
    assert errors(backwards) == {"end_time": ["The visit must end after it starts, on the same day"]}
    assert errors(staff.post(visits, json={"week_number": 2, "weekday": 2, "start_time": "09:00:00",
                                           "end_time": "10:00:00"})) == {"week_number": ["Select a week from 1 to 1"]}
    assert "start_time" in errors(staff.post(visits, json={"weekday": 2, "start_time": "09:00:00+01:00",
                                                           "end_time": "10:00:00"}))
    evening = staff.post(visits, json={"weekday": 5, "start_time": "23:00:00", "end_time": "00:00:00"})
    assert evening.status_code == 201  # midnight ends the day
    assert staff.get(service_url).get_json()["charge_per_week"] == "84.00"

    listed = staff.get(visits)
    assert [(v["weekday"], v["start_time"]) for v in listed.get_json()] == [(0, "17:00:00"), (3, "10:00:00"),
                                                                            (5, "23:00:00")]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 3

    assert staff.delete(f"{visits}/{monday.get_json()['id']}").status_code == 204
    assert staff.get(service_url).get_json()["charge_per_week"] == "36.00"
    assert staff.delete(f"{visits}/{monday.get_json()['id']}").status_code == 404
    assert [v["weekday"] for v in staff.get(visits).get_json()] == [3, 5]


def test_schedule_refusals_and_access(client, create_user, db):
    setup = make_care_setup()
    staff = ApiCaller(client, create_user, *STAFF)
    service_id = new_home_care_service(setup, make_person().id, staff)
    visits = f"/api/v1/care_contracts/services/{service_id}/visits"
    # a weekly residential service has no schedule
    contract = staff.post("/api/v1/care_contracts/contracts", json={
        "person_id": make_person().id, "establishment_id": setup.home.id,
        "contract_scheme_id": setup.residential_scheme.id, "start_date": "2026-04-06"}).get_json()
    residential = staff.post(f"/api/v1/care_contracts/contracts/{contract['id']}/services", json={
        "service_id": setup.residential.id, "contract_service_id": setup.residential_service.id,
        "start_at": "2026-04-06T00:00:00+01:00", "status": "draft", "frequency_weeks": 1,
        "suspend_debtor_invoices": False}).get_json()
    weekly = staff.post(f"/api/v1/care_contracts/services/{residential['id']}/visits",
                        json={"weekday": 1, "start_time": "09:00:00", "end_time": "10:00:00"})
    assert errors(weekly) == {"weekday": ["Per week services have no planned schedule"]}

    reader = ApiCaller(client, create_user, "people.view", "care_contracts.contract.view")
    assert reader.get(visits).status_code == 200
    assert reader.post(visits, json={"weekday": 1, "start_time": "09:00:00", "end_time": "10:00:00"}).status_code == 403
    assert staff.get("/api/v1/care_contracts/services/999999/visits").status_code == 404
    # a restricted person's service answers 404, like every other record the caller may not open
    hidden = make_person("Florence", "Nightingale")
    hidden_service = new_home_care_service(setup, hidden.id, staff)
    hidden.restricted = True
    _db.session.flush()
    hidden_visits = f"/api/v1/care_contracts/services/{hidden_service}/visits"
    assert staff.get(hidden_visits).status_code == 404
    assert staff.post(hidden_visits, json={"weekday": 1, "start_time": "09:00:00",
                                           "end_time": "10:00:00"}).status_code == 404
    assert staff.delete(f"{hidden_visits}/1").status_code == 404


def test_the_openapi_document_with_the_module_validates(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    funder = paths["/api/v1/care_contracts/configuration/funders/{record_id}"]
    assert {"If-Match"} <= {parameter.get("name") for parameter in funder["put"].get("parameters", [])}
    assert {"412", "428"} <= set(funder["put"]["responses"])
    for kind in ("funders", "finance_codes"):
        listing = paths[f"/api/v1/care_contracts/configuration/{kind}"]["get"]
        active = [parameter for parameter in listing["parameters"] if parameter["name"] == "active"]
        assert active[0]["in"] == "query" and active[0]["schema"]["type"] == "boolean"
    assert "active" in document["components"]["schemas"]["CareFinanceCodeMapping"]["properties"]
    steps = document["components"]["schemas"]["CareAbsenceType"]["properties"]["steps"]
    assert steps["type"] == "array"
    for path, operations in paths.items():
        if "/configuration/" in path or "/visits" in path:
            assert all(operation.get("summary") for method, operation in operations.items() if method != "parameters")


@pytest.mark.app_config(API_RATE_LIMIT_PER_MINUTE=0)
def test_schemathesis_finds_no_server_error_in_any_care_contracts_operation(app, create_user, db):
    # tests/test_api_schema.py runs with no module enabled: this covers the module's own operations
    setup = make_care_setup()
    everything = (*STAFF, CONFIGURE, "care_contracts.finance.run", "care_contracts.invoice.view")
    staff = ApiCaller(app.test_client(), create_user, *STAFF)
    person = make_person()
    service_id = new_home_care_service(setup, person.id, staff)
    contract_id = _db.session.get(PersonContractService, service_id).person_contract_id
    headers = bearer(make_token(create_user(*everything, name="Schema Admin")))
    known = {"service_id": service_id, "record_id": setup.council.id, "contract_id": contract_id,
             "person_id": person.id}
    operations, failures = schemathesis_failures(
        app, headers, known, wanted=lambda path: path.startswith("/api/v1/care_contracts/"))
    assert operations > 14 * 4 + 3
    assert failures == [], "\n\n".join(failures)
