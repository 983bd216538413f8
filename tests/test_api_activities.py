"""/api/v1/activities: recording an activity with its tasks, reading it back with the total minutes, the list's
filters, task types, and the 403s, 404s, 409s and 422s naming the task field at fault."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from flask import g

from core.activities import services as activities
from core.api.testing import bearer, make_token
from core.cases import services as cases
from core.extensions import db
from core.types import LONDON
from tests.casework import general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "cases.close", "activities.edit")


@pytest.fixture
def setup(db):
    return general_setup()


@pytest.fixture
def staff(create_user):
    user = create_user(*STAFF, name="Priya Shah")
    g.ppp_actor = user
    return user, make_token(user)


def _visit(case, person, staff_id, setup, **changes):
    body = {
        "case_id": case.id,
        "title": "Home visit about the missed bin",
        "occurred_on": "2026-11-20",
        "tasks": [
            {"task_type_id": setup.home_visit.id, "staff_id": staff_id, "person_id": person.id,
             "started_at": "2026-11-20T10:00:00+00:00", "minutes": 45, "note": "Bin was round the back"},
            {"task_type_id": setup.phone_call.id, "staff_id": staff_id, "person_id": person.id,
             "started_at": "2026-11-20T14:30:00+00:00", "minutes": 10},
        ],
    }
    body.update(changes)
    return body


def test_recording_an_activity_with_its_tasks_and_reading_it_back(client, setup, staff):
    user, token = staff
    person = make_person()
    case = open_case(setup.missed_bin, person)

    response = client.post("/api/v1/activities/", headers=bearer(token), json=_visit(case, person, user.id, setup))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert body["case"] == {"id": case.id, "reference": case.reference, "department": "general"}
    assert body["total_minutes"] == 55
    assert [(task["task_type"]["label"], task["minutes"]) for task in body["tasks"]] == [
        ("Home visit", 45), ("Phone call", 10)]
    assert body["tasks"][0]["person"] == {"id": person.id, "name": "Margaret Holloway"}
    assert body["tasks"][0]["staff"] == {"id": user.id, "name": "Priya Shah"}
    assert body["tasks"][0]["started_at"] == "2026-11-20T10:00:00+00:00"
    assert body["recorded_by"]["name"] == "Priya Shah"

    read = client.get(f"/api/v1/activities/{body['id']}", headers=bearer(token))
    assert read.get_json() == body
    tasks = client.get(f"/api/v1/activities/{body['id']}/tasks", headers=bearer(token)).get_json()
    assert [task["note"] for task in tasks] == ["Bin was round the back", ""]
    task = client.get(f"/api/v1/activities/{body['id']}/tasks/{tasks[1]['id']}", headers=bearer(token))
    assert task.status_code == 200 and task.get_json()["minutes"] == 10


def test_bad_tasks_are_refused_naming_the_task_and_field(client, setup, staff):
    user, token = staff
    person, stranger = make_person(), make_person("Ada", "Jones")
    case = open_case(setup.missed_bin, person)

    def errors(**changes):
        response = client.post("/api/v1/activities/", headers=bearer(token),
                               json=_visit(case, person, user.id, setup, **changes))
        assert response.status_code == 422, response.get_json()
        return response.get_json()["errors"]

    good = _visit(case, person, user.id, setup)["tasks"]
    assert errors(tasks=[good[0], {**good[1], "person_id": stranger.id}]) == {
        "tasks.1.person_id": ["Select one of the case's people"]}
    assert errors(tasks=[{**good[0], "staff_id": 99999}]) == {
        "tasks.0.staff_id": ["Select the member of staff who did the task"]}
    assert list(errors(tasks=[{**good[0], "minutes": 0}])) == ["tasks.0.minutes"]
    assert list(errors(tasks=[{**good[0], "started_at": "2026-11-20T10:00:00"}])) == ["tasks.0.started_at"]
    assert list(errors(tasks=[])) == ["tasks"]
    assert errors(case_id=99999) == {"case_id": ["No case with that id, or you cannot see it."]}
    tomorrow = (cases.london_today() + timedelta(days=1)).isoformat()
    assert errors(occurred_on=tomorrow) == {"occurred_on": ["The date of the activity must be today or in the past"]}
    assert activities.activities_for_case(case) == []


def test_a_closed_case_takes_no_activity_and_readers_cannot_record(client, setup, staff, create_user):
    user, token = staff
    person = make_person()
    case = open_case(setup.missed_bin, person)
    reader = make_token(create_user("cases.view"))
    refused = client.post("/api/v1/activities/", headers=bearer(reader), json=_visit(case, person, user.id, setup))
    assert refused.status_code == 403
    assert client.get("/api/v1/activities/", headers=bearer(make_token(create_user()))).status_code == 403

    cases.close_case(case, cases.lookups.value(cases.CLOSE_REASONS, "resolved").id)
    db.session.flush()
    closed = client.post("/api/v1/activities/", headers=bearer(token), json=_visit(case, person, user.id, setup))
    assert closed.status_code == 409
    assert closed.get_json()["detail"] == f"Case {case.reference} is closed: reopen it to record an activity."


def test_the_list_filters_by_case_staff_person_and_day(client, setup, staff, create_user):
    user, token = staff
    colleague = create_user(name="Tom Reed")
    margaret, ada = make_person(), make_person("Ada", "Jones")
    first, second = open_case(setup.missed_bin, margaret), open_case(setup.new_bin, ada)

    def record(case, person, staff_id, day, title):
        start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON).replace(hour=9)
        activities.add_activity(case, title, day, [activities.TaskInput(setup.phone_call.id, staff_id, person.id,
                                                                        start, 5)])

    record(first, margaret, user.id, date(2026, 11, 2), "Rang Margaret")
    record(second, ada, colleague.id, date(2026, 11, 10), "Rang Ada")
    record(first, margaret, colleague.id, date(2026, 11, 18), "Rang Margaret again")

    def titles(query):
        response = client.get(f"/api/v1/activities/?{query}", headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        return [row["title"] for row in response.get_json()]

    assert titles("") == ["Rang Margaret again", "Rang Ada", "Rang Margaret"]
    assert titles(f"case_id={first.id}&sort=occurred_on") == ["Rang Margaret", "Rang Margaret again"]
    assert titles(f"staff_id={colleague.id}") == ["Rang Margaret again", "Rang Ada"]
    assert titles(f"person_id={ada.id}") == ["Rang Ada"]
    assert titles("occurred_from=2026-11-05&occurred_to=2026-11-18") == ["Rang Margaret again", "Rang Ada"]
    response = client.get("/api/v1/activities/?page_size=1", headers=bearer(token))
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    backwards = client.get("/api/v1/activities/?occurred_from=2026-11-05&occurred_to=2026-11-01", headers=bearer(token))
    assert backwards.status_code == 422 and list(backwards.get_json()["errors"]) == ["occurred_to"]


def test_unknown_activities_and_tasks_of_other_activities_are_not_found(client, setup, staff):
    user, token = staff
    person = make_person()
    case = open_case(setup.missed_bin, person)
    start = datetime(2026, 11, 20, 9, tzinfo=LONDON)
    one = activities.add_activity(case, "One", date(2026, 11, 20),
                                  [activities.TaskInput(setup.phone_call.id, user.id, person.id, start, 5)])
    two = activities.add_activity(case, "Two", date(2026, 11, 20),
                                  [activities.TaskInput(setup.phone_call.id, user.id, person.id, start, 5)])
    for url in ("/api/v1/activities/99999", f"/api/v1/activities/{one.id}/tasks/{two.tasks[0].id}",
                "/api/v1/activities/99999/tasks"):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 404 and response.mimetype == "application/problem+json", url


def test_task_types_to_choose_from(client, setup, staff):
    _, token = staff
    rows = client.get("/api/v1/activities/task-types?department=general", headers=bearer(token)).get_json()
    assert {row["code"]: row["category"]["label"] for row in rows} == {"phone_call": "Contact", "home_visit": "Visits"}
