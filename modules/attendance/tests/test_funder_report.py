"""The quarterly report to funders, worked by hand for 2026/27 Q2 (1 July to 30 September 2026) and the NHS funder.

Five NHS-funded service users were with the provider in the quarter:

=======  ==========  ===  ======  ==================  ====================  =====  ==========  =========================
name     born        age  gender  ethnic group        disability            area   started     left
=======  ==========  ===  ======  ==================  ====================  =====  ==========  =========================
Amira    15 03 2004  22   Female  Asian Pakistani     limited a little      TE1    2 02 2026   -
Ben      30 09 1990  36   Male    White British       no                    TE1    6 07 2026   - (referred 1 06: 35 days)
Chloe    1 10 1996   29   Female  White British       limited a lot         TE2    1 12 2025   28 08 2026, paid employment
Daniel   20 05 1970  56   Male    Black African       no                    TE2    20 07 2026  25 09 2026, training
Eve      11 02 1958  68   Female  (not recorded)      prefers not to say    TE10   1 10 2025   10 09 2026, no outcome
=======  ==========  ===  ======  ==================  ====================  =====  ==========  =========================

Ben turns 36 on the quarter's last day; Chloe turns 30 the day after it. Daniel was referred on 1 July and started
19 days later. Eve moved from TE3 to TE10 on 16 August; Daniel moved to TE9 after he left, which does not count.
Farid was referred on 14 September and has not started; Grace left on 30 June; Harry is funded by the council.

Half-days in the quarter: 40 planned (26 in Woodwork, 14 in Horticulture), 30 attended, 3 missed for a paid reason,
5 for an unpaid reason, 2 not yet marked, and 1 attended without being planned: a 75.0% attendance rate, 82.5%
counting paid non-attendance. Three reviews fell due (Amira 31 July, Ben 31 August, Daniel 18 September; Chloe's 10
September review does not count as she left first); Amira's and Daniel's were held on time: 2 of 3.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask import g
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core.api.testing import bearer, make_token
from core.audit.models import AuditEvent
from core.extensions import db as _db
from core.lookups import services as lookups
from core.people.models import Person, PersonAddress
from core.places.models import Place
from modules.attendance import reports
from modules.attendance.models import (
    ATTENDED,
    CONSULTATION,
    NOT_ATTENDED,
    PLANNED,
    REVIEW,
    Attendance,
    Meeting,
    NonAttendanceReason,
    Premises,
    Section,
    ServiceUser,
)

pytestmark = pytest.mark.modules("attendance")

SCREEN = "reports.view"
RUN = reports.PERMISSION
PDF = "attendance.funder_quarterly.export.pdf"
XLSX = "attendance.funder_quarterly.export.xlsx"
URL = "/reports/attendance.funder_quarterly"
QUERY = "quarter=2026%2F27+Q2&funder=nhs_icb"
API = "/api/v1/attendance/reports/funder-quarterly"


def _lookup(list_code: str, code: str | None) -> int | None:
    return lookups.value(list_code, code).id if code else None


class Cohort:
    """Builds the worked example's people, addresses, attendances and meetings with real rows."""

    def __init__(self) -> None:
        premises = Premises(name="Riverside Centre", assembly_point="Car park by the main gate")
        self.woodwork = Section(premises=premises, name="Woodwork", capacity=12)
        self.horticulture = Section(premises=premises, name="Horticulture", capacity=12)
        _db.session.add_all([premises, self.woodwork, self.horticulture])
        self.reasons = {reason.code: reason for reason in _db.session.scalars(select(NonAttendanceReason))}
        self.day = date(2026, 7, 1).toordinal()

    def person(self, first, last, born=None, gender=None, ethnicity=None, disability=None, homes=()):
        person = Person(
            first_names=first, last_name=last, search_name=f"{first} {last}".lower(), date_of_birth=born,
            gender_id=_lookup("people.gender", gender), ethnicity_id=_lookup("people.ethnicity", ethnicity),
            disability_id=_lookup("people.disability", disability),
        )
        _db.session.add(person)
        _db.session.flush()
        for postcode, start, end in homes:
            place = Place(postcode=postcode, display_address=f"1 Mill Lane, Testbury, {postcode}")
            _db.session.add(place)
            _db.session.flush()
            _db.session.add(PersonAddress(person_id=person.id, place_id=place.id, start_date=start, end_date=end,
                                          address_type_id=_lookup("people.address_type", "home")))
        return person

    def service_user(self, person, referred, started=None, left=None, outcome=None, funder="nhs_icb"):
        service_user = ServiceUser(
            person=person, referral_date=referred, start_date=started, end_date=left,
            move_on_outcome_id=_lookup("attendance.move_on_outcome", outcome),
            move_on_date=left if outcome else None, funder_id=_lookup("attendance.funder", funder),
        )
        _db.session.add(service_user)
        _db.session.flush()
        return service_user

    def half_days(self, service_user, section, status, count, reason=None, planned=True, on=None):
        """``count`` half-days on successive days of the quarter (or on the day ``on``)."""
        for _ in range(count):
            if on is None:
                self.day += 1
            _db.session.add(Attendance(
                service_user_id=service_user.id, section_id=section.id,
                day=on or date.fromordinal(self.day), half="AM", status=status, planned=planned,
                reason_id=self.reasons[reason].id if reason else None,
            ))

    def meeting(self, service_user, kind, held_on, next_review_on):
        _db.session.add(Meeting(service_user_id=service_user.id, kind=kind, held_on=held_on,
                                next_review_on=next_review_on))


@pytest.fixture
def cohort(db):
    make = Cohort()
    amira = make.service_user(
        make.person("Amira", "Hussain", date(2004, 3, 15), "female", "asian_pakistani", "limited_a_little",
                    [("TE1 2AB", date(2019, 5, 1), None)]),
        date(2026, 1, 10), date(2026, 2, 2))
    ben = make.service_user(
        make.person("Ben", "Carter", date(1990, 9, 30), "male", "white_british", "no",
                    [("TE1 5XY", None, None)]),
        date(2026, 6, 1), date(2026, 7, 6))
    chloe = make.service_user(
        make.person("Chloe", "Davies", date(1996, 10, 1), "female", "white_british", "limited_a_lot",
                    [("TE2 7QP", date(2020, 1, 1), None)]),
        date(2025, 11, 3), date(2025, 12, 1), date(2026, 8, 28), "paid_employment")
    daniel = make.service_user(
        make.person("Daniel", "Okafor", date(1970, 5, 20), "male", "black_african", "no",
                    [("TE2 1AA", date(2015, 1, 1), date(2026, 9, 27)), ("TE9 4HQ", date(2026, 9, 28), None)]),
        date(2026, 7, 1), date(2026, 7, 20), date(2026, 9, 25), "training_or_education")
    eve = make.service_user(
        make.person("Eve", "Thompson", date(1958, 2, 11), "female", None, "not_stated",
                    [("TE3 4BB", date(2001, 1, 1), date(2026, 8, 15)), ("TE10 9ZZ", date(2026, 8, 16), None)]),
        date(2025, 9, 1), date(2025, 10, 1), date(2026, 9, 10))
    make.service_user(make.person("Farid", "Rahman"), date(2026, 9, 14))
    grace = make.service_user(make.person("Grace", "Lee", date(1980, 1, 1), "female"),
                              date(2025, 1, 6), date(2025, 2, 3), date(2026, 6, 30), "volunteering")
    harry = make.service_user(
        make.person("Harry", "Wood", date(1981, 1, 1), "male", "white_british", "no", [("TE5 1AB", None, None)]),
        date(2026, 2, 1), date(2026, 3, 1), funder="local_authority")

    make.half_days(amira, make.woodwork, ATTENDED, 9)
    make.half_days(amira, make.woodwork, NOT_ATTENDED, 2, "medical_appointment")  # paid
    make.half_days(amira, make.woodwork, NOT_ATTENDED, 1, "sick")  # unpaid
    make.half_days(amira, make.horticulture, ATTENDED, 1, planned=False)
    make.half_days(amira, make.woodwork, ATTENDED, 1, on=date(2026, 6, 30))  # the quarter before
    make.half_days(amira, make.woodwork, PLANNED, 1, on=date(2026, 10, 1))  # the quarter after
    make.half_days(ben, make.woodwork, ATTENDED, 8)
    make.half_days(ben, make.woodwork, NOT_ATTENDED, 1, "job_interview")  # paid
    make.half_days(ben, make.woodwork, NOT_ATTENDED, 1, "no_reason")  # unpaid
    make.half_days(chloe, make.horticulture, ATTENDED, 7)
    make.half_days(chloe, make.horticulture, NOT_ATTENDED, 1, "holiday")  # unpaid
    make.half_days(daniel, make.horticulture, ATTENDED, 4)
    make.half_days(daniel, make.horticulture, PLANNED, 2)  # register not taken
    make.half_days(eve, make.woodwork, ATTENDED, 2)
    make.half_days(eve, make.woodwork, NOT_ATTENDED, 2, "sick")
    make.half_days(grace, make.woodwork, ATTENDED, 1, on=date(2026, 6, 29))
    make.half_days(harry, make.woodwork, ATTENDED, 4)

    make.meeting(amira, REVIEW, date(2026, 5, 1), date(2026, 7, 31))
    make.meeting(amira, REVIEW, date(2026, 7, 28), date(2026, 10, 30))  # on time
    make.meeting(ben, CONSULTATION, date(2026, 6, 15), date(2026, 8, 31))
    make.meeting(ben, REVIEW, date(2026, 9, 7), date(2026, 12, 7))  # a week late
    make.meeting(chloe, REVIEW, date(2026, 6, 10), date(2026, 9, 10))  # she left on 28 August
    make.meeting(daniel, CONSULTATION, date(2026, 7, 2), date(2026, 9, 18))
    make.meeting(daniel, REVIEW, date(2026, 9, 18), None)  # on the day: on time
    _db.session.flush()
    return make


def _rows(page: str, label: str) -> str:
    """The table row whose first cell is ``label``, as text, so a test can read the cells after it."""
    start = page.index(f'<th scope="row" class="govuk-table__header">{label}</th>')
    return page[start:page.index("</tr>", start)]


def _cells(row_html: str) -> list[str]:
    return re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row_html)


# --- quarters ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code", "start", "end"), [
    ("2026/27 Q2", "2026/27 Q2", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-27 q4", "2026/27 Q4", date(2027, 1, 1), date(2027, 3, 31)),
    ("2025/2026 Q1", "2025/26 Q1", date(2025, 4, 1), date(2025, 6, 30)),
    ("2026 Q3", "2026 Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("Q4 2026", "2026 Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-Q1", "2026 Q1", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_quarters_of_the_financial_and_the_calendar_year(text, code, start, end):
    quarter = reports.parse_quarter(text)

    assert (quarter.code, quarter.start, quarter.end) == (code, start, end)


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter a quarter, like 2026/27 Q2 or 2026 Q3"),
    ("2026 Q5", "Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)"),
    ("July 2026", "Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)"),
    ("2026/28 Q1", "A financial year is two years in a row, like 2026/27"),
    ("1999 Q1", "Enter a quarter between 2000 and 2099"),
    ("\u0662\u0660\u0662\u0666 Q3", "Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)"),
])
def test_quarters_that_cannot_be_read(text, message):
    with pytest.raises(reports.QuarterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        reports.parse_quarter(text)


def test_the_form_offers_the_last_complete_financial_quarter():
    assert reports.last_complete_quarter(date(2026, 11, 23)).code == "2026/27 Q2"
    assert reports.last_complete_quarter(date(2026, 4, 1)).code == "2025/26 Q4"
    assert reports.last_complete_quarter(date(2027, 1, 5)).code == "2026/27 Q3"


@pytest.mark.parametrize(("born", "band"), [
    (date(2010, 10, 1), "Under 16"),  # turns 16 the day after the quarter
    (date(2010, 9, 30), "16 to 24"),
    (date(2001, 10, 1), "16 to 24"),
    (date(2001, 9, 30), "25 to 34"),
    (date(1961, 10, 1), "50 to 64"),
    (date(1961, 9, 30), "65 and over"),
    (None, "Not recorded"),
])
def test_age_bands_take_the_age_on_the_quarters_last_day(born, band):
    assert reports.age_band(born, date(2026, 9, 30)) == band


# --- the figures --------------------------------------------------------------------------------------------------


def test_worked_example_figures(cohort):
    figures = reports.funder_quarter_figures(reports.parse_quarter("2026/27 Q2"),
                                             lookups.value("attendance.funder", "nhs_icb"), on=date(2026, 11, 23))

    assert (figures.active, figures.new, figures.left, figures.referred) == (5, 2, 3, 2)
    assert (figures.moved_to_employment, figures.moved_to_training) == (1, 1)
    assert sorted(figures.waits) == [19, 35]  # Daniel 1 to 20 July, Ben 1 June to 6 July
    attendance = figures.attendance
    assert (attendance.planned, attendance.attended, attendance.paid_absence, attendance.unpaid_absence,
            attendance.not_marked, attendance.unplanned) == (40, 30, 3, 5, 2, 1)
    assert attendance.rate == 0.75 and attendance.rate_with_paid_absence == 0.825
    assert figures.average_attended == 31 / 5
    assert (figures.reviews_due, figures.reviews_on_time) == (3, 2)


def test_a_quarter_still_running_counts_only_to_today(cohort):
    figures = reports.funder_quarter_figures(reports.parse_quarter("2026/27 Q2"), None, on=date(2026, 7, 11))

    # run on 11 July, it counts to 10 July: Amira's nine half-days attended from 2 July are all there is so far
    assert figures.counted_to == date(2026, 7, 10)
    assert figures.attendance.planned == 9
    assert figures.reviews_due == 0


# --- on screen ----------------------------------------------------------------------------------------------------


def test_the_report_is_listed_for_those_who_may_run_it(client, login_as):
    login_as(SCREEN)
    assert "Quarterly report to funders" not in client.get("/reports/").get_data(as_text=True)

    login_as(SCREEN, RUN)
    assert "Quarterly report to funders" in client.get("/reports/").get_data(as_text=True)


def test_first_visit_offers_the_last_complete_quarter_and_every_funder(client, login_as, monkeypatch):
    monkeypatch.setattr(reports, "today", lambda: date(2026, 11, 23))
    login_as(SCREEN, RUN)

    page = client.get(URL).get_data(as_text=True)

    assert 'value="2026/27 Q2"' in page
    assert "All funders" in page and "NHS integrated care board" in page
    assert "Key performance indicators" not in page


def test_the_worked_example_on_screen(client, login_as, cohort):
    login_as(SCREEN, RUN)

    response = client.get(f"{URL}?{QUERY}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2026/27 Q2: 1 July 2026 to 30 September 2026 (financial year April to March)" in page
    assert "NHS integrated care board" in page
    assert _cells(_rows(page, "Attendance rate: planned half-days attended")) == ["30", "40", "75.0%"]
    assert _cells(_rows(page, "Attendance rate counting paid non-attendance")) == ["33", "40", "82.5%"]
    assert _cells(_rows(page, "Leavers moving on to paid employment or training")) == ["2", "3", "66.7%"]
    assert _cells(_rows(page, "Reviews held on time")) == ["2", "3", "66.7%"]
    assert _cells(_rows(page, "Active in the quarter")) == ["5", "100.0%"]
    assert _cells(_rows(page, "New: started in the quarter")) == ["2", "40.0%"]
    assert _cells(_rows(page, "Left in the quarter")) == ["3", "60.0%"]
    assert _cells(_rows(page, "Moved on to paid employment")) == ["1", "20.0%"]
    assert _cells(_rows(page, "Moved on to further training or education")) == ["1", "20.0%"]
    assert _cells(_rows(page, "Referred in the quarter")) == ["2", ""]
    assert _cells(_rows(page, "Half-days attended per active service user")) == ["6.2"]
    assert _cells(_rows(page, "Days from referral to start, for new service users")) == ["27.0"]
    assert _cells(_rows(page, "Not attended, for a paid reason")) == ["3", "7.5%"]
    assert _cells(_rows(page, "Not attended, for an unpaid reason")) == ["5", "12.5%"]
    assert _cells(_rows(page, "Register not yet marked")) == ["2", "5.0%"]
    assert _cells(_rows(page, "Attended without being planned")) == ["1", ""]
    assert _cells(_rows(page, "Woodwork, Riverside Centre")) == ["26", "19", "3", "4", "0", "0", "73.1%"]
    assert _cells(_rows(page, "Horticulture, Riverside Centre")) == ["14", "11", "0", "1", "2", "1", "78.6%"]
    assert _cells(_rows(page, "Illness")) == ["No", "3", "7.5%"]
    assert _cells(_rows(page, "Medical or therapy appointment")) == ["Yes", "2", "5.0%"]
    assert _cells(_rows(page, "16 to 24")) == ["1", "20.0%", "0"]
    assert _cells(_rows(page, "35 to 49")) == ["1", "20.0%", "1"]
    assert _cells(_rows(page, "Female")) == ["3", "60.0%", "0"]
    assert _cells(_rows(page, "Male")) == ["2", "40.0%", "2"]
    assert _cells(_rows(page, "White: English, Welsh, Scottish, Northern Irish or British")) == ["2", "40.0%", "1"]
    assert _cells(_rows(page, "Yes, day-to-day activities limited a lot")) == ["1", "20.0%", "0"]
    assert _cells(_rows(page, "TE1")) == ["2", "40.0%", "1"]
    assert _cells(_rows(page, "TE2")) == ["2", "40.0%", "1"]
    assert _cells(_rows(page, "TE10")) == ["1", "20.0%", "0"]
    assert "TE3" not in page and "TE9" not in page and "TE5" not in page
    assert "Amira" not in page  # a report of numbers: nobody is named
    assert "Service users by funder" not in page


def test_all_funders_adds_the_council_funded_service_user(client, login_as, cohort):
    login_as(SCREEN, RUN)

    page = client.get(f"{URL}?quarter=2026+Q3&funder=").get_data(as_text=True)

    assert "2026 Q3: 1 July 2026 to 30 September 2026 (calendar year)" in page
    assert _cells(_rows(page, "Active in the quarter")) == ["6", "100.0%"]
    assert _cells(_rows(page, "Attendance rate: planned half-days attended")) == ["34", "44", "77.3%"]
    assert _cells(_rows(page, "NHS integrated care board")) == ["5", "2", "3"]
    assert _cells(_rows(page, "Local authority adult social care")) == ["1", "0", "0"]
    assert _cells(_rows(page, "TE5")) == ["1", "16.7%", "0"]


@pytest.mark.parametrize(("query", "message"), [
    ("quarter=2026+Q5&funder=", "Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)"),
    ("quarter=&funder=", "Enter a quarter, like 2026/27 Q2 or 2026 Q3"),
    ("quarter=2026%2F28+Q1&funder=", "A financial year is two years in a row, like 2026/27"),
    ("quarter=2026+Q3&funder=martian", "Choose a funder from the list, or All funders"),
])
def test_bad_parameters_show_an_error_summary(client, login_as, query, message):
    login_as(SCREEN, RUN)

    response = client.get(f"{URL}?{query}")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert message in page
    assert "Key performance indicators" not in page


def test_running_the_report_needs_its_permission(client, login_as):
    login_as(SCREEN)

    assert client.get(f"{URL}?{QUERY}").status_code == 403
    assert client.get(f"{URL}/export.xlsx?{QUERY}").status_code == 403


def test_a_run_on_screen_is_audited(client, login_as, cohort):
    login_as(SCREEN, RUN)

    client.get(f"{URL}?{QUERY}")

    event = _exports()[-1]
    assert event.details["format"] == "screen"
    assert event.details["parameters"] == {"quarter": "2026/27 Q2", "funder": "nhs_icb"}


def _exports() -> list[AuditEvent]:
    events = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id))
    return [event for event in events if event.details["what"] == reports.NAME]


# --- exports ------------------------------------------------------------------------------------------------------


def test_export_links_follow_each_formats_permission(client, login_as, cohort):
    login_as(SCREEN, RUN, XLSX)

    page = client.get(f"{URL}?{QUERY}").get_data(as_text=True)

    assert "Download as Excel" in page and "Download as PDF" not in page
    assert client.get(f"{URL}/export.pdf?{QUERY}").status_code == 403
    assert client.get(f"{URL}/export.xlsx?{QUERY}").status_code == 200


def test_the_worked_example_in_excel(client, login_as, cohort):
    login_as(SCREEN, RUN, XLSX)

    response = client.get(f"{URL}/export.xlsx?{QUERY}")

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    about = workbook["About"]
    assert about["A1"].value == "Quarterly report to funders"
    assert [about["A3"].value, about["B3"].value] == [
        "Quarter", "2026/27 Q2: 1 July 2026 to 30 September 2026 (financial year April to March)"]
    assert [about["A4"].value, about["B4"].value] == ["Funder", "NHS integrated care board"]
    kpi = workbook["Key performance indicators"]
    assert [cell.value for cell in kpi[1]] == ["Indicator", "Number", "Out of", "Rate"]
    assert [cell.value for cell in kpi[2]] == ["Attendance rate: planned half-days attended", 30, 40, 0.75]
    assert [cell.value for cell in kpi[3]] == ["Attendance rate counting paid non-attendance", 33, 40, 0.825]
    assert kpi["D2"].number_format == "0.0%"
    people = workbook["Service users"]
    assert [[cell.value for cell in row] for row in people.iter_rows(min_row=2)] == [
        ["Active in the quarter", 5, 1.0],
        ["New: started in the quarter", 2, 0.4],
        ["Left in the quarter", 3, 0.6],
        ["Moved on to paid employment", 1, 0.2],
        ["Moved on to further training or education", 1, 0.2],
        ["Referred in the quarter", 2, None],
    ]
    outcomes = workbook["Move-on outcomes of leavers"]
    assert [[cell.value for cell in row] for row in outcomes.iter_rows(min_row=2)] == [
        ["Further training or education", 1, pytest.approx(1 / 3)],
        ["Paid employment", 1, pytest.approx(1 / 3)],
        ["Not recorded", 1, pytest.approx(1 / 3)],
        ["All leavers", 3, 1.0],
    ]
    attendance = workbook["Attendance"]
    assert [[cell.value for cell in row][:2] for row in attendance.iter_rows(min_row=2)] == [
        ["Planned", 40], ["Attended", 30], ["Not attended, for a paid reason", 3],
        ["Not attended, for an unpaid reason", 5], ["Register not yet marked", 2],
        ["Attended without being planned", 1],
    ]
    ages = workbook["Service users by age band"]
    assert [[cell.value for cell in row] for row in ages.iter_rows(min_row=2)] == [
        ["16 to 24", 1, 0.2, 0], ["25 to 34", 1, 0.2, 0], ["35 to 49", 1, 0.2, 1], ["50 to 64", 1, 0.2, 1],
        ["65 and over", 1, 0.2, 0], ["All service users", 5, 1.0, 2],
    ]
    ethnicity = workbook["Service users by ethnic group"]
    assert [row[0].value for row in ethnicity.iter_rows(min_row=2)][-2:] == ["Not recorded", "All service users"]
    areas = workbook["Service users by area (postcode"]
    assert [[cell.value for cell in row][:2] for row in areas.iter_rows(min_row=2)] == [
        ["TE1", 2], ["TE2", 2], ["TE10", 1], ["All service users", 5]]
    sections = workbook["Attendance by section"]
    assert [cell.value for cell in sections[4]] == ["All sections", 40, 30, 3, 5, 2, 1, 0.75]


def test_excel_needs_its_own_permission(client, login_as, cohort):
    login_as(SCREEN, RUN, PDF)

    assert client.get(f"{URL}/export.xlsx?{QUERY}").status_code == 403
    assert client.get(f"{URL}/export.pdf?{QUERY}").status_code == 200


def test_the_worked_example_as_pdf(client, login_as, cohort):
    login_as(SCREEN, RUN, PDF, name="Priya Shah")

    response = client.get(f"{URL}/export.pdf?{QUERY}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Quarterly report to funders" in text
    assert "75.0%" in text and "82.5%" in text
    assert "Priya Shah" in text
    assert _exports()[-1].details["format"] == "pdf"


def test_an_export_with_a_bad_quarter_goes_back_to_the_form(client, login_as):
    login_as(SCREEN, RUN, PDF)

    response = client.get(f"{URL}/export.pdf?quarter=2026+Q9&funder=")

    assert response.status_code == 302
    assert f"{URL}?" in response.headers["Location"]


# --- the API ------------------------------------------------------------------------------------------------------


@pytest.fixture
def token(create_user):
    user = create_user(RUN, name="Priya Shah")
    g.ppp_actor = user
    return make_token(user)


def test_the_worked_example_through_the_api(client, cohort, token):
    response = client.get(API, query_string={"quarter": "2026/27 Q2", "funder": "nhs_icb"}, headers=bearer(token))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["quarter"] == {"code": "2026/27 Q2", "start": "2026-07-01", "end": "2026-09-30",
                               "basis": "financial", "counted_to": "2026-09-30"}
    assert body["funder"]["code"] == "nhs_icb"
    assert body["service_users"] == {
        "active": 5, "new": 2, "left": 3, "moved_on_to_paid_employment": 1, "moved_on_to_training_or_education": 1,
        "referred": 2, "average_half_days_attended": 6.2, "average_days_referral_to_start": 27.0,
    }
    assert body["move_on_outcomes"] == [
        {"outcome": {"code": "training_or_education", "label": "Further training or education"}, "leavers": 1},
        {"outcome": {"code": "paid_employment", "label": "Paid employment"}, "leavers": 1},
        {"outcome": None, "leavers": 1},
    ]
    assert body["attendance"] == {
        "section": "All sections", "planned": 40, "attended": 30, "not_attended_paid": 3, "not_attended_unpaid": 5,
        "not_marked": 2, "unplanned_attended": 1, "attendance_rate": 0.75, "attendance_rate_with_paid_absence": 0.825,
    }
    assert [(row["section"], row["planned"], row["attendance_rate"]) for row in body["sections"]] == [
        ("Horticulture, Riverside Centre", 14, 0.7857), ("Woodwork, Riverside Centre", 26, 0.7308)]
    assert body["non_attendance_reasons"] == [
        {"reason": "Illness", "paid": False, "half_days": 3},
        {"reason": "Medical or therapy appointment", "paid": True, "half_days": 2},
        {"reason": "Job interview or work trial", "paid": True, "half_days": 1},
        {"reason": "Holiday", "paid": False, "half_days": 1},
        {"reason": "No reason given", "paid": False, "half_days": 1},
    ]
    assert body["reviews"] == {"due": 3, "held_on_time": 2, "on_time_rate": 0.6667}
    demographics = body["demographics"]
    assert [(row["group"], row["active"], row["new"]) for row in demographics["age_band"]] == [
        ("16 to 24", 1, 0), ("25 to 34", 1, 0), ("35 to 49", 1, 1), ("50 to 64", 1, 1), ("65 and over", 1, 0)]
    assert [(row["group"], row["active"]) for row in demographics["gender"]] == [("Female", 3), ("Male", 2)]
    assert [(row["group"], row["active"]) for row in demographics["disability"]] == [
        ("Yes, day-to-day activities limited a lot", 1), ("Yes, day-to-day activities limited a little", 1),
        ("No", 2), ("Prefers not to say", 1)]
    assert ("Not recorded", 1) in [(row["group"], row["active"]) for row in demographics["ethnicity"]]
    assert [(row["group"], row["active"]) for row in demographics["area"]] == [("TE1", 2), ("TE2", 2), ("TE10", 1)]
    event = _exports()[-1]
    assert event.details["format"] == "api"
    assert event.details["parameters"] == {"quarter": "2026/27 Q2", "funder": "nhs_icb"}


def test_the_api_covers_all_funders_when_none_is_named(client, cohort, token):
    body = client.get(API, query_string={"quarter": "2026 Q3"}, headers=bearer(token)).get_json()

    assert body["funder"] is None
    assert body["quarter"]["basis"] == "calendar"
    assert body["service_users"]["active"] == 6
    assert body["attendance"]["planned"] == 44


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"quarter": "2026 Q5"}, "quarter", "Enter a quarter like 2026/27 Q2 (financial year) or 2026 Q3 (calendar year)"),
    ({"quarter": "2026/28 Q1"}, "quarter", "A financial year is two years in a row, like 2026/27"),
    ({}, "quarter", "Missing data for required field."),
    ({"quarter": "2026 Q3", "funder": "martian"}, "funder",
     "Use a code of /api/v1/lookups/attendance.funder/values, or leave it out for all funders."),
])
def test_the_api_refuses_a_bad_parameter_naming_it(client, token, query, field, message):
    response = client.get(API, query_string=query, headers=bearer(token))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {field: [message]}


def test_the_api_needs_the_reports_permission(client, create_user):
    user = create_user(SCREEN, PDF, XLSX)
    g.ppp_actor = user

    response = client.get(API, query_string={"quarter": "2026 Q3"}, headers=bearer(make_token(user)))

    assert response.status_code == 403
    assert client.get(API, query_string={"quarter": "2026 Q3"}).status_code == 401


def test_a_quarter_still_to_come_is_refused_on_screen_and_in_the_api(client, login_as, token, monkeypatch):
    monkeypatch.setattr(reports, "today", lambda: date(2026, 11, 23))
    login_as(SCREEN, RUN)

    page = client.get(f"{URL}?quarter=2026%2F27+Q4&funder=")
    answer = client.get(API, query_string={"quarter": "2026/27 Q4"}, headers=bearer(token))

    assert page.status_code == 400
    assert "2026/27 Q4 has not started yet: choose a quarter that has" in page.get_data(as_text=True)
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"quarter": ["2026/27 Q4 has not started yet: choose a quarter that has"]}
    # the quarter running on 23 November 2026 is counted to the day before
    running = client.get(API, query_string={"quarter": "2026/27 Q3"}, headers=bearer(token)).get_json()
    assert running["quarter"]["counted_to"] == "2026-11-22"
