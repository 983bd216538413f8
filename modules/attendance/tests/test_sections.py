"""Sections and closures, and the non-attendance reasons administrators keep."""

from datetime import date

import pytest
from sqlalchemy import select

from modules.attendance import services
from modules.attendance.models import NonAttendanceReason, Section

pytestmark = pytest.mark.modules("attendance")


def test_closing_a_section_removes_planned_half_days_and_reopening_plans_them_again(
        db, act_as, all_permissions, make_section, make_service_user, on_day):
    act_as(*all_permissions)
    on_day(date(2026, 12, 1))
    woodwork = make_section("Woodwork")
    ada = make_service_user()
    services.save_pattern(ada, woodwork.id, date(2026, 12, 7), date(2026, 12, 18), [(1, "AM"), (3, "AM")])

    closure, removed = services.add_closure(woodwork, date(2026, 12, 8), date(2026, 12, 10), "Boiler replaced")
    assert removed == 2  # Tuesday 8th and Thursday 10th
    assert [row.day for row in services.programme(ada, date(2026, 12, 1), date(2026, 12, 31))] == [
        date(2026, 12, 15), date(2026, 12, 17)]

    assert services.remove_closure(closure) == 2
    assert [row.day for row in services.programme(ada, date(2026, 12, 1), date(2026, 12, 31))] == [
        date(2026, 12, 8), date(2026, 12, 10), date(2026, 12, 15), date(2026, 12, 17)]


def test_section_screen_saves_and_refuses_a_bad_capacity(client, login_as, all_permissions, db, make_section):
    login_as(*all_permissions)
    existing = make_section("Woodwork")
    data = {"premises_id": existing.premises_id, "name": "Pottery", "capacity": "0", "opening_days": ["0", "2"],
            "active": "y"}

    refused = client.post("/attendance/sections/new", data=data)
    saved = client.post("/attendance/sections/new", data={**data, "capacity": "6"})

    assert refused.status_code == 400
    assert "Places per half-day must be 1 or more" in refused.get_data(as_text=True)
    assert saved.status_code == 302
    pottery = db.session.scalars(select(Section).where(Section.name == "Pottery")).one()
    assert (pottery.capacity, sorted(pottery.opening_weekdays)) == (6, [0, 2])


def test_administrator_adds_a_paid_reason_and_retires_one(client, login_as, db, reason):
    login_as("attendance.reason.manage")

    added = client.post("/attendance/reasons/new", data={"code": "court_hearing", "label": "Court hearing",
                                                          "paid": "y"})
    retired = client.post(f"/attendance/reasons/{reason('transport').id}",
                          data={"label": "Transport did not arrive", "paid": "y"})

    assert added.status_code == retired.status_code == 302
    court = db.session.scalars(select(NonAttendanceReason).where(NonAttendanceReason.code == "court_hearing")).one()
    assert (court.label, court.paid, court.active) == ("Court hearing", True, True)
    offered = [label for _id, label in services.reason_choices()]
    assert "Court hearing (paid)" in offered
    assert not any(label.startswith("Transport did not arrive") for label in offered)
    listing = client.get("/attendance/reasons").get_data(as_text=True)
    assert "Retired" in listing and "Court hearing" in listing
