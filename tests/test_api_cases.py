"""/api/v1/cases: opening a case with its first demand, reading it back with its people, place, demands and end-to-end
time, the list's filters, sorting and pages, safe updates (428, 412), closing and reopening, demands, 404s and 422s."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import select

from core.access import services as access
from core.api.testing import bearer, make_token
from core.cases import services as cases
from core.cases.models import Case
from core.extensions import db
from core.intentions.models import Intention
from core.places.models import Place
from core.types import utcnow
from tests.casework import general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "cases.close")


@pytest.fixture
def setup(db):
    return general_setup()


@pytest.fixture
def staff(create_user):
    """A caseworker (who also makes the test's own service calls) and their token."""
    user = create_user(*STAFF, name="Priya Shah")
    g.ppp_actor = user
    return user, make_token(user)


def _open(client, token, **body):
    return client.post("/api/v1/cases/", headers=bearer(token), json=body)


def test_opening_a_case_with_its_first_demand_and_reading_it_back(client, setup, staff):
    user, token = staff
    person = make_person()
    place = Place(uprn=100023336956, display_address="14 Mill Lane, Bury, BL9 0AA", postcode="BL9 0AA")
    db.session.add(place)
    db.session.flush()

    response = _open(client, token, department="general", people=[{"person_id": person.id}],
                     demand={"demand_type_id": setup.missed_bin.id, "received_on": "2026-11-20",
                             "note": "Bin missed on Tuesday"},
                     place_id=place.id, summary="Missed bin, Mill Lane")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["reference"] == f"CAS-{body['id']:06d}"
    assert body["status"] == "open" and body["closed_at"] is None
    assert body["owner"] == {"id": user.id, "name": "Priya Shah"}
    assert body["place"] == {"id": place.id, "uprn": 100023336956, "address": "14 Mill Lane, Bury, BL9 0AA",
                             "postcode": "BL9 0AA"}
    assert body["people"][0]["person"] == {"id": person.id, "name": "Margaret Holloway"}
    assert body["people"][0]["role"]["code"] == "subject"
    [demand] = body["demands"]
    assert demand["demand_type"]["code"] == "missed_bin_report"
    assert (demand["kind"], demand["kind_label"]) == ("value", "Value demand")
    assert demand["received_on"] == "2026-11-20" and demand["note"] == "Bin missed on Tuesday"
    assert [entry["action"] for entry in body["history"]] == ["opened"]
    assert body["end_to_end"] == "0 days 0 hours"
    # the automatic follow-up for a missed bin was created as on screen
    intention = db.session.scalar(select(Intention).where(Intention.case_id == body["id"]))
    assert intention.intention_type.code == "check_collection"

    again = client.get(f"/api/v1/cases/{body['id']}", headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["demands"] == body["demands"]
    assert again.headers["ETag"] == response.headers["ETag"]


def test_opening_refuses_bad_input_naming_the_field(client, setup, staff, app):
    _, token = staff
    person = make_person()
    good = {"department": "general", "people": [{"person_id": person.id}],
            "demand": {"demand_type_id": setup.missed_bin.id, "received_on": "2026-11-20"}}

    def errors(**changes):
        response = _open(client, token, **{**good, **changes})
        assert response.status_code == 422, response.get_json()
        assert response.mimetype == "application/problem+json"
        return response.get_json()["errors"]

    assert errors(demand={"received_on": "2026-11-20"}) == {"demand.demand_type_id": ["Missing data for required field."]}
    assert list(errors(people=[])) == ["people"]
    assert errors(people=[{"person_id": 99999}]) == {
        "people.0.person_id": ["No person with that id, or you cannot see them."]}
    assert list(errors(people=[{"person_id": person.id, "role": "landlord"}])) == ["people.0.role"]
    assert errors(department="nowhere") == {"department": ["Select a department"]}
    tomorrow = (cases.london_today() + timedelta(days=1)).isoformat()
    assert errors(demand={"demand_type_id": setup.missed_bin.id, "received_on": tomorrow}) == {
        "demand.received_on": ["The date the demand was received must be today or in the past"]}
    setup.new_bin.active = False
    db.session.flush()
    assert errors(demand={"demand_type_id": setup.new_bin.id, "received_on": "2026-11-20"}) == {
        "demand.demand_type_id": ["Select a demand type from the list"]}
    assert db.session.scalar(select(Case.id)) is None


def test_reading_needs_cases_view_and_opening_needs_cases_edit(client, setup, create_user, staff):
    person = make_person()
    case = open_case(setup.missed_bin, person)
    outsider = make_token(create_user())
    reader = make_token(create_user("cases.view"))

    assert client.get("/api/v1/cases/", headers=bearer(outsider)).status_code == 403
    assert client.get(f"/api/v1/cases/{case.id}", headers=bearer(outsider)).status_code == 403
    assert client.get(f"/api/v1/cases/{case.id}", headers=bearer(reader)).status_code == 200
    refused = _open(client, reader, department="general", people=[{"person_id": person.id}],
                    demand={"demand_type_id": setup.missed_bin.id, "received_on": "2026-11-20"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    closing = client.post(f"/api/v1/cases/{case.id}/close", headers={**bearer(reader), "If-Match": '"1"'},
                          json={"reason": "resolved"})
    assert closing.status_code == 403
    assert case.is_open


def test_unknown_cases_and_demands_of_other_cases_are_not_found(client, setup, staff):
    _, token = staff
    first = open_case(setup.missed_bin, make_person())
    second = open_case(setup.new_bin, make_person("Ada", "Jones"))
    for url in ("/api/v1/cases/0", "/api/v1/cases/99999999", "/api/v1/cases/99999999999",
                f"/api/v1/cases/{first.id}/demands/{second.demands[0].id}"):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/cases/{first.id}/demands/{first.demands[0].id}",
                      headers=bearer(token)).status_code == 200


def test_the_list_filters_sorts_and_pages(client, setup, staff, create_user):
    user, token = staff
    margaret, ada = make_person(), make_person("Ada", "Jones")
    other_owner = create_user(name="Tom Reed")
    old = open_case(setup.missed_bin, margaret, summary="old")
    old.opened_at = utcnow() - timedelta(days=40)
    middle = open_case(setup.new_bin, ada, summary="middle", owner_id=other_owner.id)
    middle.opened_at = utcnow() - timedelta(days=10)
    new = open_case(setup.chasing_bin, margaret, ada, summary="new")
    cases.close_case(new, cases.lookups.value(cases.CLOSE_REASONS, "resolved").id)
    db.session.flush()

    def summaries(query):
        response = client.get(f"/api/v1/cases/?{query}", headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        return [row["summary"] for row in response.get_json()]

    assert summaries("") == ["new", "middle", "old"]
    assert summaries("sort=opened_at") == ["old", "middle", "new"]
    assert summaries(f"person_id={margaret.id}") == ["new", "old"]
    assert summaries(f"person_id={ada.id}&status=open") == ["middle"]
    assert summaries("status=closed") == ["new"]
    assert summaries(f"owner_id={other_owner.id}") == ["middle"]
    assert summaries("department=general&sort=-id") == ["new", "middle", "old"]
    since = (cases.london_today() - timedelta(days=11)).isoformat()
    assert summaries(f"opened_from={since}") == ["new", "middle"]
    until = (cases.london_today() - timedelta(days=10)).isoformat()
    assert summaries(f"opened_from={since}&opened_to={until}") == ["middle"]

    page = client.get("/api/v1/cases/?page=2&page_size=2", headers=bearer(token))
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    assert [row["summary"] for row in page.get_json()] == ["old"]

    backwards = client.get(f"/api/v1/cases/?opened_from={until}&opened_to={since}", headers=bearer(token))
    assert backwards.status_code == 422 and list(backwards.get_json()["errors"]) == ["opened_to"]
    assert list(client.get("/api/v1/cases/?status=pending", headers=bearer(token)).get_json()["errors"]) == ["status"]
    assert list(client.get("/api/v1/cases/?sort=owner", headers=bearer(token)).get_json()["errors"]) == ["sort"]


def test_changing_a_case_needs_the_current_version(client, setup, staff, create_user):
    _, token = staff
    case = open_case(setup.missed_bin, make_person(), summary="Missed bin")
    new_owner = create_user(name="Tom Reed")
    url = f"/api/v1/cases/{case.id}"
    etag = client.get(url, headers=bearer(token)).headers["ETag"]

    missing = client.patch(url, headers=bearer(token), json={"summary": "Missed bins, twice"})
    assert missing.status_code == 428
    changed = client.patch(url, headers={**bearer(token), "If-Match": etag},
                           json={"summary": "Missed bins, twice", "owner_id": new_owner.id})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["owner"]["name"] == "Tom Reed"
    assert changed.headers["ETag"] != etag

    stale = client.patch(url, headers={**bearer(token), "If-Match": etag}, json={"summary": "Overwritten"})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == changed.headers["ETag"]
    assert client.get(url, headers=bearer(token)).get_json()["summary"] == "Missed bins, twice"

    bad = client.patch(url, headers={**bearer(token), "If-Match": changed.headers["ETag"]}, json={"owner_id": 99999})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"owner_id": ["Select the case owner"]}


def test_closing_fixes_the_end_to_end_time_and_reopening_clears_it(client, setup, staff):
    _, token = staff
    case = open_case(setup.missed_bin, make_person())
    case.opened_at = utcnow() - timedelta(days=3, hours=4, minutes=10)
    db.session.flush()
    url = f"/api/v1/cases/{case.id}"
    etag = client.get(url, headers=bearer(token)).headers["ETag"]

    unknown = client.post(f"{url}/close", headers={**bearer(token), "If-Match": etag}, json={"reason": "bored"})
    assert unknown.status_code == 422 and list(unknown.get_json()["errors"]) == ["reason"]
    closed = client.post(f"{url}/close", headers={**bearer(token), "If-Match": etag},
                         json={"reason": "resolved", "note": "Collected on Thursday"})
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["closed_at"] is not None
    assert body["close_reason"]["code"] == "resolved" and body["close_note"] == "Collected on Thursday"
    assert body["end_to_end"] == "3 days 4 hours"
    assert 3 * 86400 + 4 * 3600 <= body["end_to_end_seconds"] < 3 * 86400 + 5 * 3600
    assert body["history"][-1]["reason"] == "Resolved: Collected on Thursday"

    again = client.post(f"{url}/close", headers={**bearer(token), "If-Match": closed.headers["ETag"]},
                        json={"reason": "resolved"})
    assert again.status_code == 409
    stale = client.post(f"{url}/reopen", headers={**bearer(token), "If-Match": etag}, json={"reason": "Bin missed again"})
    assert stale.status_code == 412
    blank = client.post(f"{url}/reopen", headers={**bearer(token), "If-Match": closed.headers["ETag"]}, json={"reason": ""})
    assert blank.status_code == 422 and list(blank.get_json()["errors"]) == ["reason"]
    reopened = client.post(f"{url}/reopen", headers={**bearer(token), "If-Match": closed.headers["ETag"]},
                           json={"reason": "Bin missed again"})
    assert reopened.status_code == 200
    body = reopened.get_json()
    assert (body["status"], body["closed_at"], body["close_reason"]) == ("open", None, None)
    assert [(entry["action"], entry["reason"]) for entry in body["history"]][1:] == [
        ("closed", "Resolved: Collected on Thursday"), ("reopened", "Bin missed again")]


def test_demands_are_listed_added_and_corrected_with_the_cases_version(client, setup, staff):
    _, token = staff
    case = open_case(setup.missed_bin, make_person(), received_on=date(2026, 11, 16))
    url = f"/api/v1/cases/{case.id}/demands"

    added = client.post(url, headers=bearer(token),
                        json={"demand_type_id": setup.chasing_bin.id, "received_on": "2026-11-18", "note": "Still not"})
    assert added.status_code == 201, added.get_json()
    assert (added.get_json()["kind"], added.get_json()["kind_label"]) == ("failure", "Failure demand")
    listed = client.get(url, headers=bearer(token))
    assert [row["received_on"] for row in listed.get_json()] == ["2026-11-16", "2026-11-18"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2

    demand_url = f"{url}/{added.get_json()['id']}"
    etag = client.get(demand_url, headers=bearer(token)).headers["ETag"]
    assert etag == client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).headers["ETag"]
    corrected = client.patch(demand_url, headers={**bearer(token), "If-Match": etag},
                             json={"demand_type_id": setup.missed_bin.id, "note": "Reported, not chased"})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["kind"] == "value"
    assert corrected.get_json()["received_on"] == "2026-11-18"
    assert corrected.headers["ETag"] != etag
    assert client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).headers["ETag"] == corrected.headers["ETag"]

    stale = client.patch(demand_url, headers={**bearer(token), "If-Match": etag}, json={"note": "Overwritten"})
    assert stale.status_code == 412
    future = client.patch(demand_url, headers={**bearer(token), "If-Match": corrected.headers["ETag"]},
                          json={"received_on": (cases.london_today() + timedelta(days=2)).isoformat()})
    assert future.status_code == 422 and list(future.get_json()["errors"]) == ["received_on"]
    assert client.get(demand_url, headers=bearer(token)).get_json()["note"] == "Reported, not chased"

    cases.close_case(case, cases.lookups.value(cases.CLOSE_REASONS, "resolved").id)
    db.session.flush()
    closed = client.post(url, headers=bearer(token), json={"demand_type_id": setup.missed_bin.id,
                                                           "received_on": "2026-11-19"})
    assert closed.status_code == 409
    assert "reopen it" in closed.get_json()["detail"]


def test_adding_a_person_in_a_role(client, setup, staff):
    _, token = staff
    case = open_case(setup.missed_bin, make_person())
    ada = make_person("Ada", "Jones")
    added = client.post(f"/api/v1/cases/{case.id}/people", headers=bearer(token),
                        json={"person_id": ada.id, "role": "caller"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["role"]["label"] == "Caller"
    twice = client.post(f"/api/v1/cases/{case.id}/people", headers=bearer(token),
                        json={"person_id": ada.id, "role": "caller"})
    assert twice.status_code == 422
    assert twice.get_json()["errors"] == {"person_id": ["Ada Jones is already on this case"]}
    people = client.get(f"/api/v1/cases/{case.id}/people", headers=bearer(token)).get_json()
    assert [row["person"]["name"] for row in people] == ["Margaret Holloway", "Ada Jones"]


def test_a_restricted_person_on_a_case_shows_no_name_and_cannot_be_named(client, setup, staff, create_user):
    _, token = staff
    hidden = make_person("Jane", "Doe")
    hidden.restricted = True
    case = open_case(setup.missed_bin, hidden)
    db.session.flush()

    body = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).get_json()
    assert body["people"] == [{"person": {"id": hidden.id, "name": None}, "role": body["people"][0]["role"]}
                              | {"added_at": body["people"][0]["added_at"]}]
    refused = _open(client, token, department="general", people=[{"person_id": hidden.id}],
                    demand={"demand_type_id": setup.missed_bin.id, "received_on": "2026-11-20"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"people.0.person_id": ["No person with that id, or you cannot see them."]}

    access.break_glass(hidden.id, "Safeguarding referral from the police today")
    db.session.flush()
    body = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).get_json()
    assert body["people"][0]["person"]["name"] == "Jane Doe"


def test_demand_types_to_choose_from(client, setup, staff):
    _, token = staff
    response = client.get("/api/v1/cases/demand-types?department=general&sort=code", headers=bearer(token))
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.get_json()}
    assert rows["missed_bin_chase"]["kind"] == "failure"
    assert rows["missed_bin_chase"]["category"]["label"] == "Waste and recycling"
    assert rows["missed_bin_chase"]["id"] == setup.chasing_bin.id
