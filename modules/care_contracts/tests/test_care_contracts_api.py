"""/api/v1/care_contracts: the same rules as the screens, as problem+json naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from core.api.testing import ApiCaller
from core.people.testing import make_person
from modules.care_contracts import services
from modules.care_contracts.testing import make_care_setup

pytestmark = pytest.mark.modules("care_contracts")

STAFF = ("people.view", "care_contracts.contract.view", "care_contracts.contract.write")


def new_service(setup, person_id, client, **changes):
    contract = client.post("/api/v1/care_contracts/contracts", json={
        "person_id": person_id, "establishment_id": setup.home_care_scheme.establishment_id,
        "contract_scheme_id": setup.home_care_scheme.id, "start_date": "2026-04-06"})
    assert contract.status_code == 201, contract.get_json()
    body = {"service_id": setup.home_care.id, "contract_service_id": setup.home_care_service.id,
            "start_at": "2026-04-06T09:00:00+01:00", "status": "completed", "frequency_weeks": 1,
            "suspend_debtor_invoices": False, **changes}
    return client.post(f"/api/v1/care_contracts/contracts/{contract.get_json()['id']}/services", json=body)


def test_create_a_service_and_its_rates_over_the_api(client, create_user, db):
    setup = make_care_setup()
    person = make_person("Edith", "Cavell")
    client = ApiCaller(client, create_user, *STAFF)

    response = new_service(setup, person.id, client)

    assert response.status_code == 201
    service = response.get_json()
    assert (service["funder_id"], service["rate_required"], service["finance_code"], service["charge_per_week"]) == (
        setup.council.id, True, "DOM-HSN-NCC", None)
    assert response.headers["ETag"] == f'"{service["version"]}"'
    rates = f"/api/v1/care_contracts/services/{service['id']}/rates"
    first = client.post(rates, json={"start_date": "2026-04-06", "rate": "20.00", "time_band_start": "08:00:00",
                                     "time_band_end": "18:00:00", "all_days": False, "weekdays": [0, 1, 2, 3, 4]})
    assert first.status_code == 201
    clash = client.post(rates, json={"start_date": "2026-05-01", "rate": "22.00", "time_band_start": "17:00:00",
                                     "all_days": False, "weekdays": [4]})
    assert clash.status_code == 422
    assert clash.mimetype == "application/problem+json"
    assert "£20.00 from 6 April 2026, Monday to Friday, 08:00 to 18:00" in clash.get_json()["errors"]["start_date"][0]
    assert [r["rate"] for r in client.get(rates).get_json()] == ["20.00"]


def test_rules_are_refused_naming_the_field(client, create_user, db):
    setup = make_care_setup()
    client = ApiCaller(client, create_user, *STAFF)
    response = new_service(setup, make_person().id, client, end_at="2026-05-01T00:00:00+01:00")
    assert response.status_code == 422
    assert "mandatory when an end date is recorded" in response.get_json()["errors"]["end_reason_id"][0]
    response = new_service(setup, make_person().id, client, frequency_weeks=10)
    assert response.status_code == 422 and "frequency_weeks" in response.get_json()["errors"]


def test_changes_need_if_match(client, create_user, db):
    setup = make_care_setup()
    client = ApiCaller(client, create_user, *STAFF)
    service = new_service(setup, make_person().id, client).get_json()
    url = f"/api/v1/care_contracts/services/{service['id']}"
    body = {key: service[key] for key in ("service_id", "contract_service_id", "start_at", "status",
                                          "frequency_weeks", "suspend_debtor_invoices")}
    body["account_code"] = "PO-99"
    assert client.put(url, json=body).status_code == 428
    assert client.put(url, json=body, headers={"If-Match": '"77"'}).status_code == 412
    changed = client.put(url, json=body, headers={"If-Match": f'"{service["version"]}"'})
    assert changed.status_code == 200 and changed.get_json()["account_code"] == "PO-99"


def test_finance_runs_and_invoices_over_the_api(client, create_user, act_as, db):
    setup = make_care_setup()
    act_as(*STAFF)
    contract = services.create_contract(make_person().id, setup.home.id, setup.residential_scheme.id, "",
                                        date(2025, 4, 7), None)
    services.save_service(contract, None, services.ServiceDetails(
        service_id=setup.residential.id, contract_service_id=setup.residential_service.id,
        start_at=services.datetime(2025, 4, 7, tzinfo=services.LONDON), status="completed"))
    client = ApiCaller(client, create_user, "care_contracts.finance.run", "care_contracts.invoice.view")

    for job in ("transactions", "invoicing"):
        run = client.post("/api/v1/care_contracts/finance/runs", json={"job": job})
        assert run.status_code == 202 and run.get_json()["status"] == "finished"
    invoices = client.get("/api/v1/care_contracts/invoices").get_json()
    assert invoices and invoices[-1]["number"].startswith("INV-")
    lines = client.get(f"/api/v1/care_contracts/invoices/{invoices[-1]['id']}/lines").get_json()
    assert sum(int(line["amount"].replace(".", "")) for line in lines) == int(invoices[-1]["total"].replace(".", ""))


def test_api_permissions_and_unknown_records(client, create_user):
    client = ApiCaller(client, create_user, "care_contracts.contract.view", "people.view")
    assert client.post("/api/v1/care_contracts/contracts", json={}).status_code == 403
    assert client.get("/api/v1/care_contracts/services/999").status_code == 404
    assert client.get("/api/v1/care_contracts/invoices").status_code == 403
