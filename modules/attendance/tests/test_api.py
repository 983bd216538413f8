"""/api/v1/attendance: service users, patterns, sections, registers and attendances through the API."""

from datetime import date

import pytest

from core.api.testing import bearer, make_token
from core.people.models import Person
from modules.attendance import services

pytestmark = pytest.mark.modules("attendance")


@pytest.fixture
def api(client, create_user, all_permissions):
    """A client calling the API with a token of a user holding every attendance permission."""
    user = create_user(*all_permissions, name="Api Caller")
    headers = bearer(make_token(user))

    class Caller:
        def get(self, url, **kw):
            return client.get(url, headers={**headers, **kw.pop("headers", {})}, **kw)

        def post(self, url, json, **kw):
            return client.post(url, json=json, headers={**headers, **kw.pop("headers", {})}, **kw)

        def patch(self, url, json, **kw):
            return client.patch(url, json=json, headers={**headers, **kw.pop("headers", {})}, **kw)

        def put(self, url, json, **kw):
            return client.put(url, json=json, headers={**headers, **kw.pop("headers", {})}, **kw)

    caller = Caller()
    caller.user = user
    return caller


def test_service_user_made_and_read_without_sensitive_fields(api, db, make_service_user):
    person = Person(first_names="Cara", last_name="Hill", search_name="cara hill")
    db.session.add(person)
    db.session.flush()

    made = api.post("/api/v1/attendance/service-users", json={
        "person_id": person.id, "referral_date": "2026-10-01", "payment_method": "bacs",
        "bank_account_name": "C Hill", "bank_sort_code": "20-00-00", "bank_account_number": "55779911"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["name"], body["payment_method"], body["medical_conditions"]) == ("Cara Hill", "bacs", None)
    assert "bank_sort_code" not in body

    ada = make_service_user("Ada", "Jones", medical_conditions="Epilepsy")
    read = api.get(f"/api/v1/attendance/service-users/{ada.id}").get_json()
    assert read["medical_conditions"] is None
    ada.key_worker_id = api.user.id
    db.session.flush()
    assert api.get(f"/api/v1/attendance/service-users/{ada.id}").get_json()["medical_conditions"] == "Epilepsy"


def test_a_modulus_check_failure_is_saved_and_warned_of(api, db):
    person = Person(first_names="Cara", last_name="Hill", search_name="cara hill")
    db.session.add(person)
    db.session.flush()
    warning = ("The sort code and the account number ending 4959 fail the bank's modulus check: check both with the "
               "service user before they are paid by BACS")

    made = api.post("/api/v1/attendance/service-users", json={
        "person_id": person.id, "referral_date": "2026-10-01", "payment_method": "bacs",
        "bank_account_name": "C Hill", "bank_sort_code": "08-99-99", "bank_account_number": "66374959"})

    assert made.status_code == 201, made.get_json()
    assert made.get_json()["bank_details_warning"] == warning
    url = made.headers["Location"]
    assert api.get(url).get_json()["bank_details_warning"] == warning
    listed = api.get("/api/v1/attendance/service-users?name=hill").get_json()
    assert [row["bank_details_warning"] for row in listed] == [warning]

    corrected = api.patch(url, json={"bank_account_number": "66374958", "bank_details_warning": "ignored"},
                          headers={"If-Match": made.headers["ETag"]})
    assert corrected.status_code == 422  # read only: an integrator cannot send it
    corrected = api.patch(url, json={"bank_account_number": "66374958"}, headers={"If-Match": made.headers["ETag"]})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["bank_details_warning"] is None


def test_bad_profile_names_the_field(api, db):
    person = Person(first_names="Dan", last_name="Cole", search_name="dan cole")
    db.session.add(person)
    db.session.flush()

    refused = api.post("/api/v1/attendance/service-users", json={
        "person_id": person.id, "referral_date": "2026-10-01", "payment_method": "bacs", "bank_account_name": "D",
        "bank_sort_code": "2000", "bank_account_number": "55779911"})

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == {"bank_sort_code": ["Enter a sort code of 6 digits, like 309430"]}


def test_pattern_register_and_marking_through_the_api(api, db, make_section, make_service_user, reason, on_day):
    woodwork = make_section("Woodwork", capacity=1)
    ann, ben = make_service_user("Ann", "Smith"), make_service_user("Ben", "Smith")
    on_day(date(2026, 12, 7))
    slots = [{"weekday": 0, "half": "AM"}]
    first = api.post(f"/api/v1/attendance/service-users/{ann.id}/patterns", json={
        "section_id": woodwork.id, "start_date": "2026-12-07", "end_date": "2026-12-14", "slots": slots})
    second = api.post(f"/api/v1/attendance/service-users/{ben.id}/patterns", json={
        "section_id": woodwork.id, "start_date": "2026-12-07", "end_date": "2026-12-14", "slots": slots})

    assert first.status_code == 201 and first.get_json()["added"] == 2
    assert second.get_json()["over_capacity"] == [
        {"day": "2026-12-07", "half": "AM", "expected": 2, "capacity": 1},
        {"day": "2026-12-14", "half": "AM", "expected": 2, "capacity": 1},
    ]

    register = api.get(f"/api/v1/attendance/sections/{woodwork.id}/register?day=2026-12-07&half=AM").get_json()
    assert [(row["name"], row["status"]) for row in register] == [("Ann Smith", "planned"), ("Ben Smith", "planned")]

    no_reason = api.patch(f"/api/v1/attendance/attendances/{register[1]['id']}", json={"status": "not_attended"})
    assert no_reason.status_code == 422 and "reason_code" in no_reason.get_json()["errors"]
    marked = api.patch(f"/api/v1/attendance/attendances/{register[1]['id']}",
                       json={"status": "not_attended", "reason_code": "medical_appointment"})
    assert marked.status_code == 200
    assert (marked.get_json()["reason"]["label"], marked.get_json()["paid"]) == ("Medical or therapy appointment", True)

    listed = api.get(f"/api/v1/attendance/attendances?service_user_id={ben.id}&from=2026-12-01&to=2026-12-31")
    assert listed.status_code == 200, listed.get_json()
    assert [(row["day"], row["status"]) for row in listed.get_json()] == [
        ("2026-12-07", "not_attended"), ("2026-12-14", "planned")]


def test_changing_a_pattern_needs_if_match(api, db, act_as, all_permissions, make_section, make_service_user,
                                           on_day):
    act_as(*all_permissions)
    garden = make_section("Garden")
    ann = make_service_user("Ann", "Smith")
    on_day(date(2026, 12, 7))
    pattern = services.save_pattern(ann, garden.id, date(2026, 12, 7), date(2026, 12, 18), [(0, "AM")]).pattern
    change = {"section_id": garden.id, "start_date": "2026-12-07", "end_date": "2026-12-18",
              "slots": [{"weekday": 1, "half": "PM"}]}

    assert api.put(f"/api/v1/attendance/patterns/{pattern.id}", json=change).status_code == 428
    etag = api.get(f"/api/v1/attendance/patterns/{pattern.id}").headers["ETag"]
    changed = api.put(f"/api/v1/attendance/patterns/{pattern.id}", json=change, headers={"If-Match": etag})

    assert changed.status_code == 200
    assert changed.get_json()["pattern"]["slots"] == [{"weekday": 1, "half": "PM"}]
    assert (changed.get_json()["removed"], changed.get_json()["added"]) == (2, 2)


def test_sections_listed(api, make_section):
    make_section("Woodwork", capacity=12)

    body = api.get("/api/v1/attendance/sections").get_json()

    assert [(s["name"], s["premises"], s["capacity"], s["opening_days"]) for s in body] == [
        ("Woodwork", "Riverside Centre", 12, [0, 1, 2, 3, 4])]
