"""Bank holidays: the offline seed, the lookups modules use, the admin screens and the GOV.UK feed parser."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from core.calendar import services
from core.calendar.models import BankHoliday
from core.errors import StartupError

MANAGE = "admin.bank_holidays.manage"


def test_session_seed_has_christmas_2026_and_substitute_days(app):
    # 26 December 2026 is a Saturday: GOV.UK lists Boxing Day on Monday 28th, not the Saturday
    assert services.is_bank_holiday(date(2026, 12, 25))
    assert services.is_bank_holiday(date(2026, 12, 28))
    assert not services.is_bank_holiday(date(2026, 12, 26))
    assert not services.is_bank_holiday(date(2026, 12, 24))
    # Battle of the Boyne, 12 July 2026, is a Sunday: taken on Monday 13th in Northern Ireland only
    assert services.is_bank_holiday(date(2026, 7, 13), "northern-ireland")
    assert not services.is_bank_holiday(date(2026, 7, 12), "northern-ireland")
    assert not services.is_bank_holiday(date(2026, 7, 13), "england-and-wales")


def test_nations_differ(app):
    assert services.is_bank_holiday(date(2026, 1, 2), "scotland")
    assert not services.is_bank_holiday(date(2026, 1, 2), "england-and-wales")
    assert services.is_bank_holiday(date(2026, 3, 17), "northern-ireland")
    assert services.is_bank_holiday(date(2026, 8, 3), "scotland")
    assert services.is_bank_holiday(date(2026, 8, 31), "england-and-wales")
    assert not services.is_bank_holiday(date(2026, 8, 31), "scotland")


def test_one_offs_are_seeded(app):
    assert services.is_bank_holiday(date(2022, 9, 19))  # state funeral of Queen Elizabeth II
    assert services.is_bank_holiday(date(2023, 5, 8))  # coronation of King Charles III
    assert services.is_bank_holiday(date(2011, 4, 29), "scotland")  # royal wedding


def test_unconfirmed_scottish_world_cup_holiday_is_not_seeded(app):
    assert not services.is_bank_holiday(date(2026, 6, 15), "scotland")
    assert ("scotland", date(2026, 6, 15)) not in {(d, day) for d, day, _ in services.seed_entries(2026, 2026)}


def test_england_and_wales_2026_matches_gov_uk(app):
    assert services.bank_holidays_between(date(2026, 1, 1), date(2026, 12, 31)) == {
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
        date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    }


def test_between_is_inclusive_and_excludes_deactivated(app, act_as, db):
    act_as(MANAGE)
    easter_monday = db.session.scalar(
        select(BankHoliday).where(BankHoliday.division == "england-and-wales", BankHoliday.day == date(2026, 4, 6))
    )
    assert services.bank_holidays_between(date(2026, 4, 3), date(2026, 4, 6)) == {date(2026, 4, 3), date(2026, 4, 6)}

    services.deactivate(easter_monday, "Test of a wrong entry")

    assert services.bank_holidays_between(date(2026, 4, 3), date(2026, 4, 6)) == {date(2026, 4, 3)}
    assert not services.is_bank_holiday(date(2026, 4, 6))


def test_default_division_follows_the_setting(make_app):
    make_app(BANK_HOLIDAY_DIVISION="scotland")
    assert services.is_bank_holiday(date(2026, 11, 30))  # St Andrew's Day
    assert not services.is_bank_holiday(date(2026, 4, 6))  # Easter Monday is not a Scottish bank holiday


def test_unknown_division_stops_start_up(make_app):
    with pytest.raises(StartupError, match="BANK_HOLIDAY_DIVISION"):
        make_app(BANK_HOLIDAY_DIVISION="wales")


def test_sync_keeps_deactivated_rows_and_adds_nothing_twice(app, act_as, db):
    act_as(MANAGE)
    row = db.session.scalar(
        select(BankHoliday).where(BankHoliday.division == "scotland", BankHoliday.day == date(2026, 1, 2))
    )
    services.deactivate(row, "Not in our contract")

    assert services.sync() == {"added": 0}
    assert not services.is_bank_holiday(date(2026, 1, 2), "scotland")


def test_sync_fills_a_gap(app, db):
    db.session.query(BankHoliday).filter(BankHoliday.day >= date(2030, 1, 1), BankHoliday.day <= date(2030, 12, 31)).delete()
    assert services.bank_holidays_between(date(2030, 1, 1), date(2030, 12, 31)) == set()

    added = services.sync(2030, 2030)["added"]

    assert added == 8 + 9 + 10  # England and Wales, Scotland, Northern Ireland
    assert date(2030, 12, 25) in services.bank_holidays_between(date(2030, 1, 1), date(2030, 12, 31))


GOVUK_SAMPLE = {
    "england-and-wales": {"division": "england-and-wales", "events": [
        {"title": "Christmas Day", "date": "2032-12-27", "notes": "Substitute day", "bunting": True},
        {"title": "Boxing Day", "date": "2032-12-28", "notes": "Substitute day", "bunting": True},
    ]},
    "scotland": {"division": "scotland", "events": [
        {"title": "St Andrew’s Day", "date": "2032-11-30", "notes": "", "bunting": True},
    ]},
    "northern-ireland": {"division": "northern-ireland", "events": [
        {"title": "Battle of the Boyne (Orangemen’s Day)", "date": "2032-07-12", "notes": "", "bunting": False},
    ]},
}


def test_gov_uk_feed_is_parsed_and_adds_missing_days(app, db):
    assert services.parse_govuk_feed(GOVUK_SAMPLE)[0] == (
        "england-and-wales", date(2032, 12, 27), "Christmas Day (substitute day)"
    )

    assert services.refresh_from_govuk(GOVUK_SAMPLE) == {"added": 4}
    assert services.refresh_from_govuk(GOVUK_SAMPLE) == {"added": 0}
    row = db.session.scalar(select(BankHoliday).where(BankHoliday.day == date(2032, 7, 12)))
    assert (row.division, row.source, row.title) == (
        "northern-ireland", "gov.uk", "Battle of the Boyne (Orangemen’s Day)"
    )


def test_malformed_gov_uk_feed_is_refused(app):
    with pytest.raises(ValueError, match="scotland"):
        services.parse_govuk_feed({"england-and-wales": {"events": []}})


def test_admin_lists_a_year_by_nation(client, login_as):
    login_as(MANAGE)

    page = client.get("/admin/bank-holidays/?year=2026&division=northern-ireland").get_data(as_text=True)

    assert "Northern Ireland, 2026" in page
    assert "Monday 13 July 2026" in page
    assert "Battle of the Boyne (substitute day)" in page
    assert "Tuesday 17 March 2026" in page


def test_admin_adds_a_one_off(client, login_as, db):
    ada = login_as(MANAGE, name="Ada Clerk")

    response = client.post("/admin/bank-holidays/add", data={
        "division": "england-and-wales", "day": ["3", "6", "2031"], "title": "Royal jubilee", "notes": "Announced",
    })

    assert response.status_code == 302
    assert services.is_bank_holiday(date(2031, 6, 3))
    row = db.session.scalar(select(BankHoliday).where(BankHoliday.day == date(2031, 6, 3)))
    assert (row.source, row.created_by_id) == ("admin", ada.id)
    assert "Royal jubilee" in client.get("/admin/bank-holidays/?year=2031").get_data(as_text=True)


def test_adding_a_day_that_is_already_listed_shows_an_error_summary(client, login_as):
    login_as(MANAGE)

    response = client.post("/admin/bank-holidays/add", data={
        "division": "england-and-wales", "day": ["25", "12", "2026"], "title": "Christmas again",
    })

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "England and Wales already has Christmas Day on this date" in page


def test_add_form_names_its_questions(client, login_as):
    login_as(MANAGE)

    page = client.get("/admin/bank-holidays/add?division=scotland").get_data(as_text=True)

    assert "Which nation is it a bank holiday in?" in page
    assert re.search(r"<legend[^>]*>\s*Date\s*</legend>", page)
    assert 'value="scotland" checked' in page


def test_admin_add_needs_a_real_date(client, login_as):
    login_as(MANAGE)

    response = client.post("/admin/bank-holidays/add", data={
        "division": "scotland", "day": ["31", "2", "2031"], "title": "Nonsense",
    })

    assert response.status_code == 400
    assert "Enter a real date" in response.get_data(as_text=True)


def test_admin_deactivates_then_reactivates(client, login_as, db):
    login_as(MANAGE)
    row = db.session.scalar(
        select(BankHoliday).where(BankHoliday.division == "england-and-wales", BankHoliday.day == date(2026, 5, 4))
    )

    missing_reason = client.post(f"/admin/bank-holidays/{row.id}/deactivate", data={"reason": ""})
    assert missing_reason.status_code == 400
    assert "Enter why this is not a bank holiday" in missing_reason.get_data(as_text=True)
    assert services.is_bank_holiday(date(2026, 5, 4))

    client.post(f"/admin/bank-holidays/{row.id}/deactivate", data={"reason": "Moved by proclamation"})
    assert not services.is_bank_holiday(date(2026, 5, 4))
    assert "Not a bank holiday" in client.get("/admin/bank-holidays/?year=2026").get_data(as_text=True)

    client.post(f"/admin/bank-holidays/{row.id}/reactivate")
    assert services.is_bank_holiday(date(2026, 5, 4))


def test_screens_need_the_permission(client, login_as, act_as):
    login_as("admin.lookups.manage")
    assert client.get("/admin/bank-holidays/").status_code == 403
    assert client.get("/admin/bank-holidays/add").status_code == 403


def test_amendments_need_the_permission_in_the_service(app, act_as):
    from core.permissions import PermissionDenied

    act_as("admin.lookups.manage")
    with pytest.raises(PermissionDenied):
        services.add_one_off("scotland", date(2031, 6, 3), "Jubilee")


def test_titles_between_name_each_day(app):
    assert services.bank_holiday_titles_between(date(2026, 12, 20), date(2026, 12, 31)) == {
        date(2026, 12, 25): "Christmas Day", date(2026, 12, 28): "Boxing Day (substitute day)",
    }


def test_weekly_job_adds_what_gov_uk_announces(app, db, monkeypatch):
    from core.calendar import jobs as calendar_jobs
    from core.jobs import services as jobs

    # the feed is read from a stored sample: tests never reach the network
    monkeypatch.setattr(calendar_jobs, "fetch_govuk_feed", lambda timeout=20: GOVUK_SAMPLE)

    run = jobs.enqueue("calendar.refresh_from_govuk")

    assert (run.status, run.result) == ("finished", {"added": 4})
    assert services.is_bank_holiday(date(2032, 11, 30), "scotland")
    assert jobs.job_spec("calendar.refresh_from_govuk").cron == "15 6 * * 1"


def test_weekly_job_fails_visibly_on_a_bad_feed(app, monkeypatch):
    from core.calendar import jobs as calendar_jobs
    from core.jobs import services as jobs

    monkeypatch.setattr(calendar_jobs, "fetch_govuk_feed", lambda timeout=20: {"england-and-wales": {}})

    run = jobs.enqueue("calendar.refresh_from_govuk")

    assert run.status == "failed"
    assert "no events" in run.error


def test_bank_holidays_are_on_the_administration_page(client, login_as):
    login_as(MANAGE)
    assert "/admin/bank-holidays/" in client.get("/admin/").get_data(as_text=True)


def test_working_days_skip_weekends_and_bank_holidays(app):
    # Monday 21 to Thursday 31 December 2026: 9 weekdays less Christmas Day and the Boxing Day substitute
    assert services.working_days_between(date(2026, 12, 21), date(2026, 12, 31)) == 7
    assert services.working_days_between(date(2026, 12, 31), date(2026, 12, 21)) == 0
    # in Scotland 2 January 2026 is also a bank holiday
    assert services.working_days_between(date(2025, 12, 29), date(2026, 1, 2)) == 4
    assert services.working_days_between(date(2025, 12, 29), date(2026, 1, 2), "scotland") == 3
    assert services.is_working_day(date(2026, 12, 24))
    assert not services.is_working_day(date(2026, 12, 28))
    assert not services.is_working_day(date(2026, 12, 27))


def test_add_working_days(app):
    # from Thursday 24 December 2026, one working day on is Tuesday 29th (25th, weekend and 28th are off)
    assert services.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert services.add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 24)
    assert services.add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 29)
    # ten working days after Thursday 2 April 2026: Good Friday and Easter Monday are off
    assert services.add_working_days(date(2026, 4, 2), 10) == date(2026, 4, 20)
    assert services.add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)
    with pytest.raises(ValueError):
        services.add_working_days(date(2026, 4, 3), -1)
