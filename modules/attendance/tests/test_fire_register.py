"""Fire registers: everyone expected on site with an in/out column and emergency contacts, on screen and as PDF."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.access import services as access
from core.audit.models import AuditEvent
from modules.attendance import services
from modules.attendance.models import NOT_ATTENDED, Attendance

pytestmark = pytest.mark.modules("attendance")


@pytest.fixture
def tuesday(db, act_as, all_permissions, make_section, make_service_user, create_user, reason, on_day):
    """Woodwork on Tuesday 8 December 2026, morning: Ann and Ben planned, Cal marked ill, two staff."""
    act_as(*all_permissions, "admin.teams.manage")
    sam = create_user(name="Sam Patel")
    lee = create_user(name="Lee Green")
    team = access.create_team("woodwork_staff", "Woodwork staff", "attendance.section_staff")
    access.add_member(team, lee)
    woodwork = make_section("Woodwork", manager=sam, staff_team=team)
    ann, ben, cal = (make_service_user(first, "Smith") for first in ("Ann", "Ben", "Cal"))
    services.add_emergency_contact(ann, "Mary Smith", "Mother", "0113 496 0001")
    services.add_emergency_contact(ann, "Joe Smith", "Brother", "020 7946 0982")
    for person in (ann, ben, cal):
        services.save_pattern(person, woodwork.id, date(2026, 12, 8), date(2026, 12, 8), [(1, "AM")])
    on_day(date(2026, 12, 8))
    cal_row = db.session.scalars(select(Attendance).where(Attendance.service_user_id == cal.id)).one()
    services.mark_register(woodwork, date(2026, 12, 8), "AM",
                           [services.Mark(cal_row.id, NOT_ATTENDED, reason("sick").id)])
    return woodwork


def test_fire_register_lists_who_is_expected_with_contacts(db, tuesday):
    sheet = services.fire_register(tuesday, date(2026, 12, 8), "AM")

    assert [row.service_user.person.full_name for row in sheet.service_users] == ["Ann Smith", "Ben Smith"]
    assert [(c.name, c.phone) for c in sheet.service_users[0].service_user.emergency_contacts] == [
        ("Mary Smith", "0113 496 0001"), ("Joe Smith", "020 7946 0982")]
    assert [user.name for user in sheet.staff] == ["Sam Patel", "Lee Green"]
    assert sheet.total == 4


def test_fire_register_screen_and_pdf(db, tuesday, client, login_as):
    login_as("attendance.fire_register.view")

    page = client.get(f"/attendance/sections/{tuesday.id}/fire-register?day=2026-12-08&half=AM")
    pdf = client.get(f"/attendance/sections/{tuesday.id}/fire-register.pdf?day=2026-12-08&half=AM")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Fire register: Tuesday 8 December 2026, morning" in html
    assert "4 people expected on site: 2 service users and 2 staff." in html
    assert "Mary Smith (Mother): 0113 496 0001" in html
    assert "Cal Smith" not in html
    assert "Assembly point: <strong>Car park by the main gate</strong>" in html
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Fire register: Woodwork, Riverside Centre" in text
    assert "Ann Smith" in text and "Ben Smith" in text and "Cal Smith" not in text
    assert "Mary Smith (Mother): 0113 496 0001" in text
    assert "Sam Patel" in text and "Section manager" in text
    assert 'filename="fire-register-woodwork-2026-12-08-am.pdf"' in pdf.headers["Content-Disposition"]
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
    assert [event.details["format"] for event in exports] == ["screen", "pdf"]


def test_fire_register_of_a_section_of_100_lists_everyone_on_screen_and_in_the_pdf(
        db, act_as, all_permissions, make_section, make_service_user, client, login_as):
    # how long it takes is measured by bench/attendance_fire_register.py, not here
    act_as(*all_permissions)
    hall = make_section("Main hall", capacity=100)
    people = [make_service_user(f"Person{n:03d}", "Example") for n in range(100)]
    for person in people:
        services.add_emergency_contact(person, "Next of kin", "Parent", "0113 496 0001")
    for person in people:
        services.save_pattern(person, hall.id, date(2026, 12, 9), date(2026, 12, 9), [(2, "PM")])
    login_as("attendance.fire_register.view")

    page = client.get(f"/attendance/sections/{hall.id}/fire-register?day=2026-12-09&half=PM")
    pdf = client.get(f"/attendance/sections/{hall.id}/fire-register.pdf?day=2026-12-09&half=PM")

    assert page.get_data(as_text=True).count("Next of kin (Parent)") == 100
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert text.count("Next of kin (Parent): 0113 496 0001") == 100
    assert "Person000 Example" in text and "Person099 Example" in text
    assert "End of the fire register: 100 service users and 0 staff." in text
