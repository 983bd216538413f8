"""Programmes: planned attendances from patterns, across bank holidays and closures, re-planned only in the future."""

from datetime import date

import pytest
from sqlalchemy import select

from modules.attendance import services
from modules.attendance.models import ATTENDED, NOT_ATTENDED, PLANNED, Attendance, Pattern, PatternSlot

pytestmark = pytest.mark.modules("attendance")

MON, TUE, FRI = 0, 1, 4


def rows_of(db, service_user):
    return [
        (row.day, row.half, row.status)
        for row in db.session.scalars(
            select(Attendance).where(Attendance.service_user_id == service_user.id)
            .order_by(Attendance.day, Attendance.half)
        )
    ]


def test_programme_skips_bank_holidays_and_a_closure(all_permissions, db, act_as, make_section, make_service_user):
    # Monday mornings and Friday afternoons from Monday 14 December 2026 to Friday 8 January 2027.
    # Bank holidays: Friday 25 December, Monday 28 December (Boxing Day substitute), Friday 1 January.
    # The section is closed for staff training on Monday 4 and Tuesday 5 January.
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    ada = make_service_user("Ada", "Jones")
    services.add_closure(woodwork, date(2027, 1, 4), date(2027, 1, 5), "Staff training")

    saved = services.save_pattern(ada, woodwork.id, date(2026, 12, 14), date(2027, 1, 8), [(MON, "AM"), (FRI, "PM")])

    assert saved.added == 4
    assert rows_of(db, ada) == [
        (date(2026, 12, 14), "AM", PLANNED),
        (date(2026, 12, 18), "PM", PLANNED),
        (date(2026, 12, 21), "AM", PLANNED),
        (date(2027, 1, 8), "PM", PLANNED),
    ]


def test_generator_takes_the_holidays_it_is_given(all_permissions, db, act_as, make_section, make_service_user):
    # a set of holidays passed in replaces the calendar's: here Monday 14 December is one, and Christmas is not
    act_as(*all_permissions)
    garden = make_section("Garden")
    ada = make_service_user()
    services.add_closure(garden, date(2026, 12, 21), date(2026, 12, 21), "Burst pipe")

    saved = services.save_pattern(ada, garden.id, date(2026, 12, 7), date(2026, 12, 28), [(MON, "AM")],
                                  holidays={date(2026, 12, 14)})

    assert saved.added == 2
    assert rows_of(db, ada) == [(date(2026, 12, 7), "AM", PLANNED), (date(2026, 12, 28), "AM", PLANNED)]


def test_generator_leaves_half_days_already_taken_and_days_the_section_is_shut(
        all_permissions, db, act_as, make_section, make_service_user):
    act_as(*all_permissions)
    garden, woodwork = make_section("Garden"), make_section("Woodwork", opening_days="0123")  # shut on Fridays
    ada = make_service_user()
    services.save_pattern(ada, garden.id, date(2026, 12, 7), date(2026, 12, 14), [(MON, "AM")])
    # a pattern the screens would refuse (it clashes with Garden and asks for Fridays), to test the generator alone
    pattern = Pattern(service_user=ada, section=woodwork, start_date=date(2026, 12, 7), end_date=date(2026, 12, 18),
                      slots=[PatternSlot(weekday=MON, half="AM"), PatternSlot(weekday=FRI, half="AM")])
    db.session.add(pattern)
    db.session.flush()

    assert services.generate([pattern], holidays=set()) == 0
    woodwork.opening_days = "01234"
    db.session.flush()
    assert services.generate([pattern], holidays=set()) == 2
    assert [(row[0], row[1]) for row in rows_of(db, ada)] == [
        (date(2026, 12, 7), "AM"), (date(2026, 12, 11), "AM"), (date(2026, 12, 14), "AM"), (date(2026, 12, 18), "AM")]


def test_changing_a_pattern_replans_only_the_future_and_keeps_marks(all_permissions, db, act_as, on_day, make_section,
                                                                     make_service_user, reason):
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    ada = make_service_user("Ada", "Jones")
    services.add_closure(woodwork, date(2027, 1, 4), date(2027, 1, 5), "Staff training")
    on_day(date(2026, 12, 14))
    pattern = services.save_pattern(ada, woodwork.id, date(2026, 12, 14), date(2027, 1, 8),
                                    [(MON, "AM"), (FRI, "PM")]).pattern
    # Monday 14th: she came. Monday 21st: a holiday booked in advance, marked already (unpaid).
    monday_14, monday_21 = (
        db.session.scalars(select(Attendance).where(Attendance.service_user_id == ada.id, Attendance.day == day)).one()
        for day in (date(2026, 12, 14), date(2026, 12, 21))
    )
    services.mark_register(woodwork, date(2026, 12, 14), "AM", [services.Mark(monday_14.id, ATTENDED)])
    services.mark_register(woodwork, date(2026, 12, 21), "AM",
                           [services.Mark(monday_21.id, NOT_ATTENDED, reason("holiday").id)])

    # on Wednesday 16th she swaps Monday mornings for Tuesday mornings
    on_day(date(2026, 12, 16))
    saved = services.save_pattern(ada, woodwork.id, date(2026, 12, 14), date(2027, 1, 8),
                                  [(TUE, "AM"), (FRI, "PM")], pattern=pattern)

    # unmarked future half-days re-planned: Fri 18 Dec and Fri 8 Jan removed and planned again, plus the new
    # Tuesdays 22 and 29 December (Tuesday 5 January is closed)
    assert (saved.removed, saved.added) == (2, 4)
    assert rows_of(db, ada) == [
        (date(2026, 12, 14), "AM", ATTENDED),
        (date(2026, 12, 18), "PM", PLANNED),
        (date(2026, 12, 21), "AM", NOT_ATTENDED),
        (date(2026, 12, 22), "AM", PLANNED),
        (date(2026, 12, 29), "AM", PLANNED),
        (date(2027, 1, 8), "PM", PLANNED),
    ]


def test_over_capacity_half_days_are_flagged_when_a_pattern_is_saved(all_permissions, db, act_as, make_section, make_service_user):
    act_as(*all_permissions)
    pottery = make_section("Pottery", capacity=2)
    first, second, third = (make_service_user(name, "Smith") for name in ("Ann", "Ben", "Cal"))
    for person in (first, second):
        assert services.save_pattern(person, pottery.id, date(2026, 12, 7), date(2026, 12, 18),
                                     [(MON, "AM")]).over_capacity == []

    saved = services.save_pattern(third, pottery.id, date(2026, 12, 7), date(2026, 12, 18), [(MON, "AM"), (TUE, "PM")])

    assert [(item.day, item.half, item.expected, item.over_by) for item in saved.over_capacity] == [
        (date(2026, 12, 7), "AM", 3, 1),
        (date(2026, 12, 14), "AM", 3, 1),
    ]


def test_a_slot_on_a_closed_weekday_or_taken_twice_is_refused(all_permissions, db, act_as, make_section, make_service_user):
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    garden = make_section("Garden")
    ada = make_service_user()

    with pytest.raises(services.AttendanceError, match="Woodwork does not open on Saturdays"):
        services.save_pattern(ada, woodwork.id, date(2026, 12, 7), date(2026, 12, 18), [(5, "AM")])
    services.save_pattern(ada, woodwork.id, date(2026, 12, 7), date(2026, 12, 18), [(MON, "AM")])
    with pytest.raises(services.AttendanceError, match="already has Monday morning in Woodwork"):
        services.save_pattern(ada, garden.id, date(2026, 12, 14), date(2026, 12, 31), [(MON, "AM")])


def test_pattern_screen_saves_and_warns_over_capacity(all_permissions, client, login_as, db, make_section, make_service_user):
    login_as(*all_permissions)
    pottery = make_section("Pottery", capacity=1)
    ann, ben = make_service_user("Ann", "Smith"), make_service_user("Ben", "Smith")
    for person in (ann, ben):
        response = client.post(f"/attendance/service-users/{person.id}/patterns/new", data={
            "section_id": pottery.id, "start_date": ["7", "12", "2026"], "end_date": ["18", "12", "2026"],
            "slots": ["0-AM"],
        })
        assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get(f"/attendance/service-users/{ben.id}").get_data(as_text=True)
    assert "Pattern saved: 2 half-days planned." in page
    assert "Pottery is over capacity on 2 half-days, the first on 7 December 2026 (morning): 2 expected for 1 places." in page


def test_pattern_screen_shows_errors(all_permissions, client, login_as, make_section, make_service_user):
    login_as(*all_permissions)
    woodwork = make_section("Woodwork")
    ada = make_service_user()

    response = client.post(f"/attendance/service-users/{ada.id}/patterns/new", data={
        "section_id": woodwork.id, "start_date": ["18", "12", "2026"], "end_date": ["7", "12", "2026"], "slots": [],
    })

    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in response.get_data(as_text=True)
