"""/api/v1/conditions: recording what got in the way against a case, an activity or a task, the list's filters, and
the counts by type that managers see; with the 403s, 404s and 422s naming the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import g

from core.activities import services as activities
from core.api.testing import bearer, make_token
from core.cases import services as cases
from core.conditions import services as conditions
from core.extensions import db
from core.types import LONDON, utcnow
from tests.casework import general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "activities.edit", "conditions.record")


@pytest.fixture
def setup(db):
    return general_setup()


@pytest.fixture
def staff(create_user):
    user = create_user(*STAFF, name="Priya Shah")
    g.ppp_actor = user
    return user, make_token(user)


def _visit(case, person, user, setup):
    start = datetime(2026, 11, 20, 10, tzinfo=LONDON)
    return activities.add_activity(case, "Home visit", date(2026, 11, 20),
                                   [activities.TaskInput(setup.home_visit.id, user.id, person.id, start, 30)])


def test_recording_against_a_case_an_activity_and_a_task(client, setup, staff):
    user, token = staff
    person = make_person()
    case = open_case(setup.missed_bin, person)
    visit = _visit(case, person, user, setup)

    on_case = client.post("/api/v1/conditions/", headers=bearer(token), json={
        "condition_type_id": setup.waiting.id, "case_id": case.id, "note": "Waiting for the depot to reply"})
    assert on_case.status_code == 201, on_case.get_json()
    body = on_case.get_json()
    assert body["condition_type"]["label"] == "Waiting for another department"
    assert (body["against"], body["case"]["reference"], body["note"]) == (
        "case", case.reference, "Waiting for the depot to reply")
    assert body["recorded_by"] == {"id": user.id, "name": "Priya Shah"}

    on_task = client.post("/api/v1/conditions/", headers=bearer(token), json={
        "condition_type_id": setup.no_access.id, "task_id": visit.tasks[0].id})
    assert on_task.status_code == 201
    assert (on_task.get_json()["against"], on_task.get_json()["task_id"]) == ("task", visit.tasks[0].id)
    assert on_task.get_json()["case"]["id"] == case.id
    on_activity = client.post("/api/v1/conditions/", headers=bearer(token), json={
        "condition_type_id": setup.it_down.id, "activity_id": visit.id})
    assert on_activity.get_json()["against"] == "activity"

    listed = client.get(f"/api/v1/conditions/?case_id={case.id}", headers=bearer(token)).get_json()
    assert [row["condition_type"]["code"] for row in listed] == ["it_down", "no_access", "waiting"]
    read = client.get(f"/api/v1/conditions/{body['id']}", headers=bearer(token))
    assert read.status_code == 200 and read.get_json() == body


def test_recording_refuses_bad_input_naming_the_field(client, setup, staff):
    user, token = staff
    person = make_person()
    case = open_case(setup.missed_bin, person)
    visit = _visit(case, person, user, setup)

    def errors(body):
        response = client.post("/api/v1/conditions/", headers=bearer(token), json=body)
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]

    none = errors({"condition_type_id": setup.waiting.id})
    assert none == {"case_id": ["Give exactly one of case_id, activity_id and task_id: what got in the way."]}
    assert list(errors({"condition_type_id": setup.waiting.id, "case_id": case.id, "task_id": visit.tasks[0].id})) == [
        "task_id"]
    assert errors({"condition_type_id": setup.waiting.id, "activity_id": 99999}) == {
        "activity_id": ["No activity with that id, or you cannot see it."]}
    assert errors({"condition_type_id": 99999, "case_id": case.id}) == {
        "condition_type_id": ["Select a system condition type from the list"]}
    assert conditions.conditions_for_case(case) == []


def test_reading_and_recording_need_their_permissions(client, setup, staff, create_user):
    _, token = staff
    case = open_case(setup.missed_bin, make_person())
    viewer = make_token(create_user("cases.view"))
    assert client.get("/api/v1/conditions/", headers=bearer(make_token(create_user()))).status_code == 403
    assert client.get("/api/v1/conditions/", headers=bearer(viewer)).status_code == 200
    refused = client.post("/api/v1/conditions/", headers=bearer(viewer),
                          json={"condition_type_id": setup.waiting.id, "case_id": case.id})
    assert refused.status_code == 403
    assert client.get("/api/v1/conditions/counts", headers=bearer(token)).status_code == 403
    missing = client.get("/api/v1/conditions/99999", headers=bearer(token))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_list_filters_by_type_department_and_day(client, setup, staff):
    _, token = staff
    first, second = open_case(setup.missed_bin, make_person()), open_case(setup.new_bin, make_person("Ada", "Jones"))
    old = conditions.record_condition(setup.it_down.id, "old", case=first)
    old.recorded_at = utcnow() - timedelta(days=20)
    conditions.record_condition(setup.waiting.id, "recent", case=second)
    conditions.record_condition(setup.it_down.id, "today", case=second)
    db.session.flush()

    def notes(query):
        response = client.get(f"/api/v1/conditions/?{query}", headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        return [row["note"] for row in response.get_json()]

    assert notes("") == ["today", "recent", "old"]
    assert notes(f"condition_type_id={setup.it_down.id}&sort=recorded_at") == ["old", "today"]
    assert notes(f"case_id={second.id}&department=general") == ["today", "recent"]
    since = (cases.london_today() - timedelta(days=5)).isoformat()
    assert notes(f"recorded_from={since}") == ["today", "recent"]
    assert notes(f"recorded_to={since}") == ["old"]


def test_managers_see_the_counts_by_type_most_frequent_first(client, setup, staff, create_user):
    _, token = staff
    case = open_case(setup.missed_bin, make_person())
    for _ in range(3):
        conditions.record_condition(setup.it_down.id, case=case)
    conditions.record_condition(setup.waiting.id, case=case)
    long_ago = conditions.record_condition(setup.waiting.id, case=case)
    long_ago.recorded_at = utcnow() - timedelta(days=60)
    db.session.flush()
    manager = make_token(create_user("conditions.report"))

    response = client.get("/api/v1/conditions/counts?department=general", headers=bearer(manager))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["end"] == cases.london_today().isoformat()
    assert body["start"] == (cases.london_today() - timedelta(days=29)).isoformat()
    assert body["total"] == 4
    assert [(row["label"], row["count"], row["share"]) for row in body["rows"]] == [
        ("IT system down", 3, 75), ("Waiting for another department", 1, 25)]
    longer = client.get(f"/api/v1/conditions/counts?start={(cases.london_today() - timedelta(days=90)).isoformat()}",
                        headers=bearer(manager)).get_json()
    assert longer["total"] == 5
    backwards = client.get("/api/v1/conditions/counts?start=2026-11-10&end=2026-11-01", headers=bearer(manager))
    assert backwards.status_code == 422 and list(backwards.get_json()["errors"]) == ["end"]


def test_condition_types_to_choose_from(client, setup, staff):
    _, token = staff
    rows = client.get("/api/v1/conditions/types?department=general&sort=label", headers=bearer(token)).get_json()
    assert [row["label"] for row in rows] == ["IT system down", "No access to the property",
                                              "Waiting for another department"]
