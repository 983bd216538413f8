"""Activities and tasks: recorded on screen with one or more tasks, each with its type, staff member, person involved,
start time and minutes; the rules they follow, the timeline, and permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from core.activities import services as activities
from core.activities.forms import london_start
from core.activities.models import Activity, Task
from core.cases import services as cases
from core.lookups import services as lookups
from core.permissions import PermissionDenied
from tests.casework import as_staff, general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "cases.close", "activities.edit")


def test_an_activity_with_two_tasks_is_recorded_on_screen(client, login_as, create_user, db):
    setup = general_setup()
    worker = as_staff(login_as, *STAFF, name="Priya Shah")
    colleague = create_user(name="Tom Hughes")
    subject, caller = make_person(), make_person("Susan", "Carter")
    case = open_case(setup.missed_bin, subject, caller)
    db.session.commit()
    url = f"/cases/{case.id}/activities/new"

    first_task = {
        "title": "Visit about the missed bins", "occurred_on": ["15", "7", "2026"],
        "tasks-0-task_type_id": setup.phone_call.id, "tasks-0-staff_id": worker.id,
        "tasks-0-person_id": caller.id, "tasks-0-start_time": "9:05", "tasks-0-minutes": "10",
    }
    # "add another task" shows a second set of task fields, keeping what was typed and checking nothing yet
    more = client.post(url, data={**first_task, "add_task": "Add another task"})
    assert more.status_code == 200
    page = more.get_data(as_text=True)
    assert "Task 2" in page and 'value="9:05"' in page and "There is a problem" not in page

    response = client.post(url, data={
        **first_task,
        "tasks-1-task_type_id": setup.home_visit.id, "tasks-1-staff_id": colleague.id,
        "tasks-1-person_id": subject.id, "tasks-1-start_time": "14:30", "tasks-1-minutes": "45",
        "tasks-1-note": "Bins were behind the gate",
    })
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.case_id == case.id))
    assert (activity.title, activity.occurred_on, activity.recorded_by_id) == (
        "Visit about the missed bins", date(2026, 7, 15), worker.id)
    # 15 July is British Summer Time: 14:30 in London is 13:30 UTC
    assert [(t.task_type.code, t.staff_id, t.person_id, t.started_at, t.minutes) for t in activity.tasks] == [
        ("phone_call", worker.id, caller.id, datetime(2026, 7, 15, 8, 5, tzinfo=UTC), 10),
        ("home_visit", colleague.id, subject.id, datetime(2026, 7, 15, 13, 30, tzinfo=UTC), 45),
    ]
    assert activity.total_minutes == 55
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Visit about the missed bins (55 minutes)" in case_page
    assert "Bins were behind the gate" in case_page


def test_task_mistakes_are_shown_against_the_task(client, login_as, db):
    setup = general_setup()
    worker = as_staff(login_as, *STAFF)
    person = make_person()
    case = open_case(setup.missed_bin, person)
    db.session.commit()
    response = client.post(f"/cases/{case.id}/activities/new", data={
        "title": "Phone call", "occurred_on": ["15", "7", "2026"],
        "tasks-0-task_type_id": setup.phone_call.id, "tasks-0-staff_id": worker.id,
        "tasks-0-person_id": person.id, "tasks-0-start_time": "25:10", "tasks-0-minutes": "0",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a real time on the 24-hour clock, such as 14:30" in page
    assert "Enter how many minutes the task took, as a whole number above 0" in page
    assert 'href="#tasks-0-minutes"' in page
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_the_person_involved_must_be_one_of_the_cases_people(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    case = open_case(setup.missed_bin, make_person())
    stranger = make_person("Winston", "Clarke")
    with pytest.raises(activities.ActivityError) as refused:
        activities.add_activity(case, "Call", date(2026, 7, 15), [activities.TaskInput(
            setup.phone_call.id, worker.id, stranger.id, london_start(date(2026, 7, 15), "10:00"), 5)])
    assert refused.value.field == "tasks-0-person_id"


def test_minutes_must_be_a_positive_whole_number(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    person = make_person()
    case = open_case(setup.missed_bin, person)
    for minutes in (0, -15, None):
        with pytest.raises(activities.ActivityError) as refused:
            activities.add_activity(case, "Call", date(2026, 7, 15), [activities.TaskInput(
                setup.phone_call.id, worker.id, person.id, london_start(date(2026, 7, 15), "10:00"), minutes)])
        assert refused.value.field == "tasks-0-minutes"


def test_a_closed_case_takes_no_new_activities(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    person = make_person()
    case = open_case(setup.missed_bin, person)
    cases.close_case(case, lookups.value("cases.close_reason", "resolved").id)
    with pytest.raises(activities.ActivityError, match="This case is closed"):
        activities.add_activity(case, "Call", date(2026, 7, 15), [activities.TaskInput(
            setup.phone_call.id, worker.id, person.id, london_start(date(2026, 7, 15), "10:00"), 5)])


def test_the_timeline_shows_activities_involving_the_person(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    subject, caller = make_person(), make_person("Susan", "Carter")
    case = open_case(setup.missed_bin, subject, caller)
    day = date(2026, 7, 15)
    activities.add_activity(case, "Visit", day, [
        activities.TaskInput(setup.phone_call.id, worker.id, caller.id, london_start(day, "09:00"), 10),
        activities.TaskInput(setup.home_visit.id, worker.id, subject.id, london_start(day, "14:00"), 40),
    ])
    entries = activities.timeline_entries(subject.id)
    assert [(e.when, e.module, e.title) for e in entries] == [
        (datetime(2026, 7, 15, 13, 0, tzinfo=UTC), "activities", f"Visit (case {case.reference})")]
    assert entries[0].summary == f"Home visit with {worker.name} (40 minutes)"


def test_recording_an_activity_needs_the_permission(client, login_as, act_as, db):
    setup = general_setup()
    act_as("cases.edit")
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    login_as("cases.view", "cases.edit")
    assert client.get(f"/cases/{case.id}/activities/new").status_code == 403
    assert "Record an activity" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    act_as("cases.view")
    with pytest.raises(PermissionDenied):
        activities.add_activity(case, "Call", date(2026, 7, 15), [])
