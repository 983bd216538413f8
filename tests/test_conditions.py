"""System conditions: recorded on screen against a case, an activity or a task (exactly one), and counted over a date
range by department so managers see what most often gets in the way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core.activities import services as activities
from core.activities.forms import london_start
from core.conditions import services as conditions
from core.conditions.models import Condition
from core.permissions import PermissionDenied
from tests.casework import add_type, as_staff, general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "activities.edit", "conditions.record")


def case_with_activity(worker, setup):
    person = make_person()
    case = open_case(setup.missed_bin, person)
    day = date(2026, 7, 15)
    activity = activities.add_activity(case, "Visit", day, [
        activities.TaskInput(setup.home_visit.id, worker.id, person.id, london_start(day, "10:00"), 30)])
    return case, activity


def test_a_condition_is_recorded_on_screen_against_a_task(client, login_as, db):
    setup = general_setup()
    worker = as_staff(login_as, *STAFF)
    case, activity = case_with_activity(worker, setup)
    task = activity.tasks[0]
    db.session.commit()
    form = client.get(f"/cases/{case.id}/conditions/new").get_data(as_text=True)
    assert "The case as a whole" in form and "Activity on 15/07/2026: Visit" in form
    assert "Task in “Visit”: Home visit with Margaret Holloway" in form
    response = client.post(f"/cases/{case.id}/conditions/new", data={
        "condition_type_id": setup.no_access.id, "target": f"task-{task.id}", "note": "Nobody answered"})
    assert response.status_code == 302
    recorded = db.session.scalar(select(Condition))
    assert (recorded.task_id, recorded.activity_id, recorded.case_id) == (task.id, None, None)
    assert (recorded.department, recorded.recorded_by_id, recorded.note) == ("general", worker.id, "Nobody answered")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No access to the property" in page and "Task: Home visit" in page


def test_the_condition_form_asks_what_got_in_the_way(client, login_as, db):
    setup = general_setup()
    as_staff(login_as, *STAFF)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    response = client.post(f"/cases/{case.id}/conditions/new", data={"condition_type_id": "", "target": "case"})
    assert response.status_code == 400
    assert "Select what got in the way" in response.get_data(as_text=True)


def test_a_condition_belongs_to_exactly_one_of_case_activity_or_task(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    case, activity = case_with_activity(worker, setup)
    with pytest.raises(conditions.ConditionError):
        conditions.record_condition(setup.it_down.id, case=case, activity=activity)
    with pytest.raises(conditions.ConditionError):
        conditions.record_condition(setup.it_down.id)
    on_activity = conditions.record_condition(setup.it_down.id, "Laptop would not start", activity=activity)
    assert (on_activity.activity_id, on_activity.department) == (activity.id, "general")
    assert [c.id for c in conditions.conditions_for_case(case)] == [on_activity.id]
    # the database holds the same rule
    db.session.add(Condition(condition_type=setup.it_down, case=case, activity=activity, department="general"))
    with pytest.raises(Exception, match="(?i)check constraint|ck_condition_record_exactly_one_target"):
        db.session.flush()
    db.session.rollback()


def record_at(setup_type, case, when: datetime) -> Condition:
    condition = conditions.record_condition(setup_type.id, case=case)
    condition.recorded_at = when
    return condition


def test_counts_show_the_most_frequent_conditions_over_a_date_range(act_as, db):
    setup = general_setup()
    act_as(*STAFF, "conditions.report")
    case = open_case(setup.missed_bin, make_person())
    parking_type = add_type(type(setup.it_down), "meter_broken", "Pay machine broken", department="parking")
    parking_case = open_case(setup.missed_bin, make_person("Grace", "Mensah"))
    parking_case.department = "parking"
    # 1 November is GMT; the range is whole London days, 1 to 30 November inclusive
    record_at(setup.waiting, case, datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # before the range
    record_at(setup.waiting, case, datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    record_at(setup.waiting, case, datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    record_at(setup.waiting, case, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    record_at(setup.it_down, case, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    record_at(setup.it_down, parking_case, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    record_at(parking_type, parking_case, datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    record_at(setup.no_access, case, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # after the range
    db.session.flush()

    counts = conditions.condition_counts(date(2026, 11, 1), date(2026, 11, 30))
    assert [(row.label, row.count) for row in counts.rows] == [
        ("Waiting for another department", 3), ("IT system down", 2), ("Pay machine broken", 1)]
    assert counts.total == 6
    assert counts.share(counts.rows[0]) == 50

    general = conditions.condition_counts(date(2026, 11, 1), date(2026, 11, 30), department="general")
    assert [(row.code, row.count) for row in general.rows] == [("waiting", 3), ("it_down", 1)]
    assert general.as_chart() == {
        "start": "2026-11-01", "end": "2026-11-30", "department": "general",
        "labels": ["Waiting for another department", "IT system down"], "codes": ["waiting", "it_down"],
        "counts": [3, 1], "total": 4,
    }


def test_the_counts_screen_and_its_numbers_for_a_chart(client, login_as, act_as, db):
    setup = general_setup()
    act_as(*STAFF)
    case = open_case(setup.missed_bin, make_person())
    record_at(setup.it_down, case, datetime(2026, 7, 10, 12, 0, tzinfo=UTC))
    record_at(setup.it_down, case, datetime(2026, 7, 11, 12, 0, tzinfo=UTC))
    record_at(setup.waiting, case, datetime(2026, 7, 12, 12, 0, tzinfo=UTC))
    db.session.commit()
    login_as("conditions.report")
    response = client.get("/conditions/counts?start=1&start=7&start=2026&end=31&end=7&end=2026&department=general")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 system conditions from 1 July 2026 to 31 July 2026 in General" in page
    assert page.index("IT system down") < page.index("Waiting for another department")
    assert "67%" in page and "33%" in page
    numbers = client.get("/conditions/counts.json?start=2026-07-01&end=2026-07-31").get_json()
    assert (numbers["labels"], numbers["counts"]) == (["IT system down", "Waiting for another department"], [2, 1])
    bad = client.get("/conditions/counts?start=31&start=2&start=2026&end=1&end=3&end=2026")
    assert bad.status_code == 400 and "Enter a real date" in bad.get_data(as_text=True)


def test_condition_screens_need_their_permissions(client, login_as, act_as, db):
    setup = general_setup()
    act_as(*STAFF)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    login_as("cases.view", "conditions.record")
    assert client.get("/conditions/counts").status_code == 403
    assert client.get("/conditions/counts.json").status_code == 403
    login_as("cases.view")
    assert client.get(f"/cases/{case.id}/conditions/new").status_code == 403
    act_as("cases.view")
    with pytest.raises(PermissionDenied):
        conditions.record_condition(setup.it_down.id, case=case)
    with pytest.raises(PermissionDenied):
        conditions.condition_counts(date(2026, 1, 1), date(2026, 1, 31))
