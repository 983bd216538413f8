"""Registers: marking attended or not (with paid and unpaid reasons), unplanned attendance, "register not taken"."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.jobs import services as jobs
from modules.attendance import services
from modules.attendance.models import ATTENDED, NOT_ATTENDED, PLANNED, Attendance, RegisterAlert

pytestmark = pytest.mark.modules("attendance")

MON, TUE = 0, 1


@pytest.fixture
def monday_group(db, act_as, all_permissions, make_section, make_service_user, create_user):
    """Woodwork, managed by Sam Patel, with Ann, Ben and Cal planned on Monday mornings in December 2026."""
    act_as(*all_permissions)
    sam = create_user("attendance.register.mark", name="Sam Patel")
    woodwork = make_section("Woodwork", manager=sam)
    people = [make_service_user(first, "Smith") for first in ("Ann", "Ben", "Cal")]
    for person in people:
        services.save_pattern(person, woodwork.id, date(2026, 12, 7), date(2026, 12, 21), [(MON, "AM")])
    return woodwork, people, sam


def row(db, service_user, day):
    return db.session.scalars(
        select(Attendance).where(Attendance.service_user_id == service_user.id, Attendance.day == day)
    ).one()


def test_paid_and_unpaid_non_attendance_are_recorded(db, monday_group, reason, on_day):
    woodwork, (ann, ben, cal), _ = monday_group
    on_day(date(2026, 12, 7))
    monday = date(2026, 12, 7)

    changed = services.mark_register(woodwork, monday, "AM", [
        services.Mark(row(db, ann, monday).id, ATTENDED),
        services.Mark(row(db, ben, monday).id, NOT_ATTENDED, reason("medical_appointment").id, "Dentist"),
        services.Mark(row(db, cal, monday).id, NOT_ATTENDED, reason("sick").id),
    ])

    assert changed == 3
    marked = {r.service_user_id: r for r in services.register(woodwork, monday, "AM")}
    assert (marked[ann.id].status, marked[ann.id].is_paid) == (ATTENDED, True)
    assert (marked[ben.id].status, marked[ben.id].reason.label, marked[ben.id].is_paid) == (
        NOT_ATTENDED, "Medical or therapy appointment", True)
    assert (marked[cal.id].reason.label, marked[cal.id].is_paid) == ("Illness", False)
    assert marked[ben.id].note == "Dentist"
    assert marked[ann.id].marked_at is not None


def test_not_attended_needs_a_reason_and_nothing_is_half_saved(db, monday_group, on_day):
    woodwork, (ann, ben, _cal), _ = monday_group
    on_day(date(2026, 12, 7))
    monday = date(2026, 12, 7)

    with pytest.raises(services.AttendanceError, match="Select why Ben Smith did not attend"):
        services.mark_register(woodwork, monday, "AM", [
            services.Mark(row(db, ann, monday).id, ATTENDED),
            services.Mark(row(db, ben, monday).id, NOT_ATTENDED, None),
        ])

    assert row(db, ann, monday).status == PLANNED


def test_attended_cannot_be_marked_before_the_day(db, monday_group, on_day):
    woodwork, (ann, _ben, _cal), _ = monday_group
    on_day(date(2026, 12, 10))

    with pytest.raises(services.AttendanceError, match="cannot have attended a day still to come"):
        services.mark_register(woodwork, date(2026, 12, 14), "AM",
                               [services.Mark(row(db, ann, date(2026, 12, 14)).id, ATTENDED)])


def test_unplanned_attendance_is_added_once(db, monday_group, make_service_user, on_day):
    woodwork, _people, _ = monday_group
    on_day(date(2026, 12, 8))
    dan = make_service_user("Dan", "Brown")

    added = services.add_unplanned(woodwork, date(2026, 12, 8), "PM", dan.id, "Came for the open afternoon")

    assert (added.status, added.planned, added.pattern_id) == (ATTENDED, False, None)
    with pytest.raises(services.AttendanceError, match="Dan Brown is already on this register"):
        services.add_unplanned(woodwork, date(2026, 12, 8), "PM", dan.id)


def test_register_screen_marks_and_shows_errors(client, login_as, all_permissions, db, make_section,
                                                make_service_user, reason, act_as):
    login_as(*all_permissions)
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    ann, ben = make_service_user("Ann", "Smith"), make_service_user("Ben", "Smith")
    for person in (ann, ben):
        services.save_pattern(person, woodwork.id, date(2026, 11, 2), date(2026, 11, 2), [(MON, "AM")])
    day = date(2026, 11, 2)
    ann_row, ben_row = row(db, ann, day), row(db, ben, day)
    url = f"/attendance/sections/{woodwork.id}/register?day=2026-11-02&half=AM"

    refused = client.post(url, data={f"mark-{ann_row.id}": "attended", f"mark-{ben_row.id}": "not_attended"})
    assert refused.status_code == 400
    assert "Select why Ben Smith did not attend" in refused.get_data(as_text=True)

    saved = client.post(url, data={f"mark-{ann_row.id}": "attended", f"mark-{ben_row.id}": "not_attended",
                                   f"reason-{ben_row.id}": reason("job_interview").id})
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Register saved: 2 marks changed." in page
    assert db.session.get(Attendance, ben_row.id).reason.code == "job_interview"


def test_register_not_taken_alert_is_raised_once_and_resolved_when_marked(db, monday_group, client, login_as,
                                                                          on_day):
    woodwork, (ann, ben, cal), sam = monday_group
    # Tuesday 8 December 2026, 9am: Monday morning's register was never taken
    now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

    first = services.raise_register_alerts(now=now)
    second = services.raise_register_alerts(now=now)

    assert first["raised"] == 1 and second["raised"] == 0
    alerts = db.session.scalars(select(RegisterAlert)).all()
    assert [(a.section_id, a.day, a.half, a.unmarked) for a in alerts] == [(woodwork.id, date(2026, 12, 7), "AM", 3)]
    assert services.open_alerts(manager=sam) == alerts

    on_day(date(2026, 12, 8))
    monday = date(2026, 12, 7)
    services.mark_register(woodwork, monday, "AM", [services.Mark(row(db, p, monday).id, ATTENDED)
                                                    for p in (ann, ben, cal)])

    assert alerts[0].resolved_at is not None
    assert services.open_alerts(manager=sam) == []


def test_manager_sees_registers_not_taken_on_the_home_page(db, monday_group, client):
    woodwork, _people, sam = monday_group
    services.raise_register_alerts(now=datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    with client.session_transaction() as session:
        session["_user_id"] = str(sam.id)

    page = client.get("/").get_data(as_text=True)

    assert "Registers not taken" in page
    assert "1 not taken" in page
    assert "Monday 7 December 2026 morning" in page


def test_register_alert_job_is_scheduled_and_runs(db, act_as, all_permissions, make_section, make_service_user,
                                                 run_jobs):
    act_as(*all_permissions)
    garden = make_section("Garden")
    ann = make_service_user("Ann", "Smith")
    today = services.today()
    # every weekday morning of the last two weeks, none of them marked
    services.save_pattern(ann, garden.id, today - timedelta(days=14), today - timedelta(days=1),
                          [(day, "AM") for day in range(5)])
    registers = {(r.day, r.half) for r in db.session.scalars(select(Attendance).where(Attendance.section_id == garden.id))}

    first = jobs.enqueue("attendance.register_alerts")
    run_jobs()
    again = jobs.enqueue("attendance.register_alerts")
    run_jobs()
    db.session.refresh(first)
    db.session.refresh(again)

    assert first.status == "finished" and first.result["raised"] == len(registers) > 0
    assert again.result["raised"] == 0
    alerts = db.session.scalars(select(RegisterAlert).where(RegisterAlert.section_id == garden.id)).all()
    assert {(a.day, a.half) for a in alerts} == registers
