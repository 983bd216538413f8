"""docs/api.md stays true: its walk-through (token at the command line, a person with an NHS number, contact and
address, a case opened and read back, a safe update) works step by step, and every path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.extensions import db
from core.people.testing import seed_types
from core.places.models import Place
from core.testing.fixtures import builtin_modules
from tests.casework import general_setup

GUIDE = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
INTEGRATOR = ("api.tokens.create", "people.view", "people.create", "people.edit", "places.view", "cases.view",
              "cases.edit")


@pytest.mark.modules(*builtin_modules())  # the guide's examples include modules' resources
def test_every_api_path_the_guide_names_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    patterns = [re.compile("^" + re.sub(r"\\{\w+\\}", r"[^/]+", re.escape(path)) + "$") for path in paths]
    named = set(re.findall(r"(/api/v1/[\w./{}-]*)", GUIDE)) - {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/"}
    named = {path.rstrip(".") for path in named if not path.endswith("/...")}
    assert len(named) > 10
    missing = sorted(path for path in named if not any(pattern.match(path) for pattern in patterns))
    assert missing == []


def test_the_walk_through_works(app, create_user):
    seed_types()
    setup = general_setup()
    place = Place(display_address="14 Mill Lane, Testbury, TE1 2AB", postcode="TE1 2AB", uprn=100012345678)
    db.session.add(place)
    create_user(*INTEGRATOR, email="amara.integrator@example.gov.uk", name="Amara Integrator")

    # 1. a token, at the command line
    made = app.test_cli_runner().invoke(args=["users", "token", "amara.integrator@example.gov.uk",
                                              "--name", "CRM sync", "--days", "30"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    me = api.get("/api/v1/me", headers=headers).get_json()
    assert me["name"] == "Amara Integrator" and me["token"]["name"] == "CRM sync"

    # 2. a person with an NHS number, a mobile number and a home address
    created = api.post("/api/v1/people/", headers=headers, json={
        "first_names": "Sam", "last_name": "Taylor", "date_of_birth": "1984-03-09", "gender": "male",
        "identifier": {"type": "nhs_number", "value": "943 476 5919"}})
    assert created.status_code == 201, created.get_json()
    person_id = created.get_json()["id"]
    assert created.headers["Location"] == f"/api/v1/people/{person_id}" and created.headers["ETag"] == '"1"'
    assert created.get_json()["identifiers"][0]["display"] == "943 476 5919"
    mobile = api.post(f"/api/v1/people/{person_id}/contact-details", headers=headers,
                      json={"type": "mobile", "value": "07400 123456", "preferred": True})
    assert mobile.status_code == 201, mobile.get_json()
    [found] = api.get("/api/v1/places/", headers=headers, query_string={"postcode": "TE1 2AB"}).get_json()
    assert found["uprn"] == 100012345678
    home = api.post(f"/api/v1/people/{person_id}/addresses", headers=headers,
                    json={"place_id": found["id"], "type": "home", "start_date": "2024-05-01"})
    assert home.status_code == 201, home.get_json()

    # 3. a case about them, with its first demand
    types = api.get("/api/v1/cases/demand-types", headers=headers, query_string={"department": "general"}).get_json()
    demand_type = next(row for row in types if row["code"] == "missed_bin_report")
    assert demand_type["id"] == setup.missed_bin.id
    opened = api.post("/api/v1/cases/", headers=headers, json={
        "department": "general", "summary": "Bin missed twice", "people": [{"person_id": person_id, "role": "subject"}],
        "demand": {"demand_type_id": demand_type["id"], "received_on": "2026-11-23",
                   "note": "Not emptied on Tuesday again"}})
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()
    assert case["status"] == "open" and case["reference"] == f"CAS-{case['id']:06d}"

    # 4. read back
    read = api.get(f"/api/v1/cases/{case['id']}", headers=headers).get_json()
    assert [row["person"]["id"] for row in read["people"]] == [person_id]
    assert [row["note"] for row in read["demands"]] == ["Not emptied on Tuesday again"]
    listed = api.get("/api/v1/cases/", headers=headers, query_string={"person_id": person_id}).get_json()
    assert [row["id"] for row in listed] == [case["id"]]
    person = api.get(f"/api/v1/people/{person_id}", headers=headers).get_json()
    assert [row["display"] for row in person["contact_details"]] == ["07400 123456"]
    assert [row["place"]["uprn"] for row in person["addresses"]] == [100012345678]

    # 5. a safe change, and the same change again once stale
    changed = api.patch(f"/api/v1/people/{person_id}", headers={**headers, "If-Match": '"1"'},
                        json={"preferred_name": "Sammy"})
    assert changed.status_code == 200 and changed.get_json()["preferred_name"] == "Sammy"
    newer = changed.headers["ETag"]
    assert int(newer.strip('"')) > 1
    stale = api.patch(f"/api/v1/people/{person_id}", headers={**headers, "If-Match": '"1"'},
                      json={"preferred_name": "Sammy"})
    assert stale.status_code == 412 and stale.headers["ETag"] == newer
