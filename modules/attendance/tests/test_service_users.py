"""Service users: profile, sensitive needs, working relationships, meetings with actions, reviews, moving on."""

from datetime import date

import pytest
from sqlalchemy import select

from core.access import services as access
from core.intentions.models import Intention
from core.lookups import services as lookups
from core.people.models import Person
from modules.attendance import services
from modules.attendance.models import PLANNED, Attendance, ServiceUser

pytestmark = pytest.mark.modules("attendance")

VIEW = ("attendance.service_user.view", "people.view")


@pytest.fixture
def ada(db, make_service_user):
    service_user = make_service_user("Ada", "Jones", medical_conditions="Type 1 diabetes; carries glucose tablets",
                                     special_needs="Needs written instructions")
    return service_user


def test_sensitive_fields_are_hidden_without_a_working_relationship(client, login_as, ada):
    login_as(*VIEW, name="Priya Shah")

    page = client.get(f"/attendance/service-users/{ada.id}").get_data(as_text=True)

    assert "Type 1 diabetes" not in page
    assert "Needs written instructions" not in page
    assert page.count("Hidden: only staff working with this person can see this") == 2


def test_the_key_worker_sees_medical_conditions_and_special_needs(client, login_as, ada, db):
    priya = login_as(*VIEW, name="Priya Shah")
    ada.key_worker_id = priya.id
    db.session.flush()

    page = client.get(f"/attendance/service-users/{ada.id}").get_data(as_text=True)

    assert "Type 1 diabetes; carries glucose tablets" in page
    assert "Needs written instructions" in page


def test_section_staff_work_with_the_sections_service_users(db, act_as, all_permissions, ada, make_section,
                                                            create_user):
    act_as(*all_permissions, "admin.teams.manage")
    lee, sam, kim = create_user(name="Lee Green"), create_user(name="Sam Patel"), create_user(name="Kim Lowe")
    team = access.create_team("garden_staff", "Garden staff", "attendance.section_staff")
    access.add_member(team, lee)
    garden = make_section("Garden", manager=sam, staff_team=team)
    services.save_pattern(ada, garden.id, date(2026, 9, 14), date(2027, 3, 31), [(0, "AM")])

    assert access.has_working_relationship(ada.person_id, lee)
    assert access.has_working_relationship(ada.person_id, sam)
    assert access.can_see_sensitive(ada.person_id, lee)
    assert not access.has_working_relationship(ada.person_id, kim)


def test_person_page_has_an_attendance_tab(client, login_as, ada, db):
    login_as(*VIEW, "attendance.service_user.manage")
    someone = Person(first_names="Bob", last_name="Stone", search_name="bob stone")
    db.session.add(someone)
    db.session.flush()

    with_profile = client.get(f"/people/{ada.person_id}").get_data(as_text=True)
    without = client.get(f"/people/{someone.id}").get_data(as_text=True)

    assert "Service-user profile" in with_profile
    assert "Make Bob Stone a service user" in without


def test_making_a_service_user_checks_bank_details(client, login_as, db):
    login_as(*VIEW, "attendance.service_user.manage")
    person = Person(first_names="Cara", last_name="Hill", search_name="cara hill")
    db.session.add(person)
    db.session.flush()
    funder = lookups.value("attendance.funder", "nhs_icb")
    form = {"referral_date": ["1", "10", "2026"], "start_date": ["12", "10", "2026"], "funder_id": funder.id,
            "contract_reference": "ICB-2026-114", "payment_method": "bacs", "bank_account_name": "C Hill",
            "bank_sort_code": "20-00-0", "bank_account_number": "55779911"}

    refused = client.post(f"/attendance/service-users/new?person_id={person.id}", data=form)
    assert refused.status_code == 400
    assert "Enter a sort code of 6 digits, like 309430" in refused.get_data(as_text=True)

    saved = client.post(f"/attendance/service-users/new?person_id={person.id}",
                        data={**form, "bank_sort_code": "20-00-00"})
    assert saved.status_code == 302
    profile = db.session.scalars(select(ServiceUser).where(ServiceUser.person_id == person.id)).one()
    assert (profile.bank_sort_code, profile.bank_account_number, profile.funder.label) == (
        "200000", "55779911", "NHS integrated care board")


def test_bank_details_failing_the_modulus_check_are_saved_with_a_warning(client, login_as, db):
    # Vocalink's worked example 089999 66374958 passes; one digit off (…4959) fails its check
    login_as(*VIEW, "attendance.service_user.manage")
    person = Person(first_names="Cara", last_name="Hill", search_name="cara hill")
    db.session.add(person)
    db.session.flush()
    form = {"referral_date": ["1", "10", "2026"], "payment_method": "bacs", "bank_account_name": "C Hill",
            "bank_sort_code": "08-99-99", "bank_account_number": "6637 4959"}
    warning = ("The sort code and the account number ending 4959 fail the bank&#39;s modulus check: check both with "
               "the service user before they are paid by BACS.")

    saved = client.post(f"/attendance/service-users/new?person_id={person.id}", data=form)

    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Cara Hill is now a service user." in page
    assert warning in page and "govuk-notification-banner" in page
    profile = db.session.scalars(select(ServiceUser).where(ServiceUser.person_id == person.id)).one()
    assert (profile.bank_sort_code, profile.bank_account_number) == ("089999", "66374959")

    edit_url = f"/attendance/service-users/{profile.id}/edit"
    corrected = client.post(edit_url, data={**form, "version": str(profile.version),
                                            "bank_account_number": "66374958"})
    assert corrected.status_code == 302
    page = client.get(corrected.headers["Location"]).get_data(as_text=True)
    assert "Profile saved." in page
    assert "modulus check" not in page
    db.session.expire_all()
    assert db.session.get(ServiceUser, profile.id).bank_account_number == "66374958"


def test_the_bank_details_warning_is_one_rule(db, make_service_user):
    cara = make_service_user("Cara", "Hill", payment_method="bacs", bank_account_name="C Hill",
                             bank_sort_code="938063", bank_account_number="15764273")
    assert services.bank_details_warning(cara) == (
        "The sort code and the account number ending 4273 fail the bank's modulus check: check both with the service "
        "user before they are paid by BACS")

    cara.bank_account_number = "55065200"  # Vocalink's valid example for 938063
    assert services.bank_details_warning(cara) is None
    cara.payment_method, cara.bank_sort_code, cara.bank_account_number = "cash", "", ""
    assert services.bank_details_warning(cara) is None


def test_meeting_actions_become_intentions_and_set_the_next_review(db, act_as, all_permissions, ada, create_user,
                                                                   on_day):
    act_as(*all_permissions, "intentions.manage")
    priya = create_user("intentions.manage", name="Priya Shah")
    on_day(date(2026, 11, 20))

    meeting = services.record_meeting(
        ada, "review", date(2026, 11, 20), "Ada, Priya (key worker), Ada's mother", "Settled in well at Woodwork.",
        date(2027, 2, 19),
        [services.AgreedAction("Find a work-trial placement with a joinery firm", priya.id, date(2026, 12, 18)),
         services.AgreedAction("", None, None)],
    )

    intention = db.session.scalars(select(Intention).where(Intention.person_id == ada.person_id)).one()
    assert (intention.note, intention.assigned_user_id, intention.due_on) == (
        "Find a work-trial placement with a joinery firm", priya.id, date(2026, 12, 18))
    assert intention.intention_type.label == "Action agreed at a meeting"
    assert [action.intention_id for action in meeting.actions] == [intention.id]


def test_reviews_due_and_overdue(db, act_as, all_permissions, make_service_user, on_day):
    act_as(*all_permissions)
    on_day(date(2026, 11, 23))
    overdue, soon, later = (make_service_user(first, "Khan") for first in ("Amir", "Bilal", "Dina"))
    services.record_meeting(overdue, "review", date(2026, 8, 10), "", "", date(2026, 11, 9))
    services.record_meeting(soon, "consultation", date(2026, 9, 1), "", "", date(2026, 10, 1))
    services.record_meeting(soon, "review", date(2026, 10, 1), "", "", date(2026, 12, 1))  # the latest counts
    services.record_meeting(later, "review", date(2026, 11, 2), "", "", date(2027, 2, 1))

    due = services.reviews_due(within_days=14)

    assert [(item.service_user.person.first_names, item.due_on, item.overdue(date(2026, 11, 23))) for item in due] == [
        ("Amir", date(2026, 11, 9), True),
        ("Bilal", date(2026, 12, 1), False),
    ]


def test_moving_on_removes_planned_half_days_after_leaving(db, act_as, all_permissions, ada, make_section):
    act_as(*all_permissions)
    woodwork = make_section("Woodwork")
    pattern = services.save_pattern(ada, woodwork.id, date(2026, 12, 1), date(2026, 12, 31), [(1, "AM")]).pattern
    job = lookups.value("attendance.move_on_outcome", "paid_employment")

    removed = services.record_move_on(ada, date(2026, 12, 11), job.id, date(2026, 12, 14))

    # Tuesdays 15, 22 and 29 December go; 1 and 8 December stay
    assert removed == 3
    assert [row.day for row in db.session.scalars(
        select(Attendance).where(Attendance.service_user_id == ada.id, Attendance.status == PLANNED)
        .order_by(Attendance.day))] == [date(2026, 12, 1), date(2026, 12, 8)]
    assert pattern.end_date == date(2026, 12, 11)
    assert (ada.move_on_outcome.label, ada.move_on_date) == ("Paid employment", date(2026, 12, 14))


def test_timeline_and_merge(db, act_as, all_permissions, ada, app, on_day):
    from core import module_system

    act_as(*all_permissions)
    on_day(date(2026, 11, 20))
    services.record_meeting(ada, "review", date(2026, 11, 20), "", "", None)
    entries = [entry for owner, found in module_system(app).collect("timeline_entries", person_id=ada.person_id)
               if owner == "attendance" for entry in found]
    assert [(e.kind, e.title, e.summary) for e in entries] == [
        ("referred", "Referred to the day service", ""),
        ("started", "Started attending", ""),
        ("review_meeting", "Review meeting", "No actions agreed"),
    ]

    duplicate = Person(first_names="Ada", last_name="Jones", search_name="ada jones")
    db.session.add(duplicate)
    db.session.flush()
    module_system(app).pm.hook.person_merged(target=duplicate, source=ada.person)
    assert services.service_user_for_person(duplicate.id) is ada
