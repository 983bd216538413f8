"""Intentions: created automatically when a case opens (with the right due date, only for their demand types), added
by staff, the "my work" tray with overdue first and team work included, done and cancelled, the dashboard widget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.access import services as access
from core.cases import services as cases
from core.extensions import db
from core.intentions import services as intentions
from core.intentions.models import Intention, IntentionRule
from core.permissions import PermissionDenied
from tests.casework import as_staff, general_setup, make_person, open_case

STAFF = ("cases.view", "cases.edit", "intentions.manage")


def case_intentions(case) -> list[Intention]:
    return list(db.session.scalars(select(Intention).where(Intention.case_id == case.id).order_by(Intention.id)))


def test_opening_a_case_creates_the_intentions_its_demand_type_asks_for(act_as, db):
    setup = general_setup()
    worker = act_as(*STAFF)
    case = open_case(setup.missed_bin, make_person())
    [created] = case_intentions(case)
    assert created.intention_type.code == "check_collection"
    assert created.due_on == cases.london_today() + timedelta(days=2)
    assert (created.assigned_user_id, created.team_id, created.status) == (worker.id, None, "open")
    assert created.rule.demand_type_id == setup.missed_bin.id
    # another demand type with no rule: nothing is created
    assert case_intentions(open_case(setup.new_bin, make_person("Grace", "Mensah"))) == []


def test_the_due_date_counts_calendar_days_from_the_london_day_the_case_opened(act_as, db):
    setup = general_setup()
    act_as(*STAFF)
    case = open_case(setup.new_bin, make_person())
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (British Summer Time)
    case.opened_at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    db.session.add(IntentionRule(intention_type=setup.call_back, demand_type=setup.new_bin, due_days=3))
    db.session.flush()
    [created] = intentions.create_automatic_intentions(case)
    assert created.due_on == date(2026, 7, 4)


def test_a_rule_with_a_team_assigns_the_team_and_a_retired_rule_creates_nothing(act_as, db):
    setup = general_setup()
    act_as(*STAFF, "admin.teams.manage", "admin.case_types.manage")
    crew = access.create_team("crew", "Collection crew", "general")
    rule = intentions.add_rule(setup.call_back, setup.chasing_bin.id, 1, crew.id)
    [created] = case_intentions(open_case(setup.chasing_bin, make_person()))
    assert (created.intention_type.code, created.assigned_user_id, created.team_id) == ("call_back", None, crew.id)
    assert created.due_on == cases.london_today() + timedelta(days=1)
    intentions.set_rule_active(rule, False)
    assert case_intentions(open_case(setup.chasing_bin, make_person("Grace", "Mensah"))) == []


def test_my_work_puts_overdue_first_and_includes_my_teams_work(act_as, create_user, db):
    setup = general_setup()
    me = act_as(*STAFF, "admin.teams.manage", name="Priya Shah")
    other = create_user(name="Tom Hughes")
    mine_team = access.create_team("crew", "Collection crew", "general")
    access.add_member(mine_team, me)
    not_mine = access.create_team("parks", "Parks team", "general")
    case = open_case(setup.new_bin, make_person())
    today = date(2026, 11, 18)  # a Wednesday

    def add(days: int, **who) -> Intention:
        return intentions.add_intention(intention_type_id=setup.call_back.id, due_on=today + timedelta(days=days),
                                        case=case, note=f"{days:+d}", **who)

    due_friday = add(2, assigned_user_id=me.id)
    team_overdue = add(-1, team_id=mine_team.id)
    due_today = add(0, assigned_user_id=me.id)
    mine_long_overdue = add(-9, assigned_user_id=me.id)
    next_week = add(7, team_id=mine_team.id)
    add(-5, assigned_user_id=other.id)  # someone else's
    add(-3, team_id=not_mine.id)  # a team I am not in
    finished = add(-4, assigned_user_id=me.id)
    intentions.complete(finished)

    tray = intentions.my_work(today=today)
    assert [item.id for item in tray.items] == [
        mine_long_overdue.id, team_overdue.id, due_today.id, due_friday.id, next_week.id]
    assert (tray.overdue, tray.due_today, tray.due_this_week, tray.total) == (2, 1, 2, 5)


def test_the_tray_screen_lists_overdue_first_and_marks_work_done_or_cancelled(client, login_as, db):
    setup = general_setup()
    me = as_staff(login_as, *STAFF)
    case = open_case(setup.new_bin, make_person())
    today = cases.london_today()
    later = intentions.add_intention(intention_type_id=setup.call_back.id, due_on=today + timedelta(days=10),
                                     assigned_user_id=me.id, case=case, note="Ring after the collection")
    overdue = intentions.add_intention(intention_type_id=setup.check_collection.id,
                                       due_on=today - timedelta(days=3), assigned_user_id=me.id, case=case)
    db.session.commit()
    page = client.get("/my-work").get_data(as_text=True)
    assert page.index("Check the bin was collected") < page.index("Call the customer back")
    assert "Overdue" in page and case.reference in page
    assert '<dd class="govuk-summary-list__value" id="count-overdue">1</dd>' in page

    assert client.post(f"/intentions/{overdue.id}/done", data={"back": "tray"}).status_code == 302
    assert client.post(f"/intentions/{later.id}/cancel", data={"back": "case"}).headers["Location"].endswith(
        f"/cases/{case.id}")
    db.session.refresh(overdue)
    db.session.refresh(later)
    assert (overdue.status, overdue.status_changed_by_id) == ("done", me.id)
    assert overdue.status_changed_at is not None and overdue.status_changed_at.tzinfo is not None
    assert later.status == "cancelled"
    assert "Nothing is waiting for you or your teams" in client.get("/my-work").get_data(as_text=True)
    # a second click does not change who finished it
    client.post(f"/intentions/{overdue.id}/cancel", data={"back": "tray"})
    db.session.refresh(overdue)
    assert overdue.status == "done"


def test_the_dashboard_shows_my_work_counts(client, login_as, db):
    setup = general_setup()
    me = as_staff(login_as, *STAFF)
    case = open_case(setup.new_bin, make_person())
    today = cases.london_today()
    for days in (-2, -1, 0):
        intentions.add_intention(intention_type_id=setup.call_back.id, due_on=today + timedelta(days=days),
                                 assigned_user_id=me.id, case=case)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "My work" in page
    assert "2 overdue" in page and "1 due this week" in page


def test_staff_add_an_intention_to_a_case_on_screen(client, login_as, create_user, db):
    setup = general_setup()
    me = as_staff(login_as, *STAFF)
    person = make_person()
    case = open_case(setup.new_bin, person)
    db.session.commit()
    url = f"/intentions/new?case_id={case.id}"
    nobody = client.post(url, data={"intention_type_id": setup.call_back.id, "due_on": ["1", "12", "2026"],
                                    "assigned_user_id": "", "team_id": "", "person_id": ""})
    assert nobody.status_code == 400
    assert "Assign it to a member of staff, a team, or both" in nobody.get_data(as_text=True)
    response = client.post(url, data={"intention_type_id": setup.call_back.id, "due_on": ["1", "12", "2026"],
                                      "assigned_user_id": me.id, "team_id": "", "person_id": person.id,
                                      "note": "After the new bin arrives"})
    assert response.status_code == 302
    [added] = case_intentions(case)
    assert (added.due_on, added.person_id, added.created_by_id, added.rule_id) == (date(2026, 12, 1), person.id,
                                                                                  me.id, None)


def test_an_intention_about_a_person_without_a_case(act_as, db):
    setup = general_setup()
    me = act_as(*STAFF)
    person = make_person()
    added = intentions.add_intention(intention_type_id=setup.call_back.id, due_on=date(2026, 12, 1),
                                     assigned_user_id=me.id, person_id=person.id)
    assert (added.case_id, added.person_id) == (None, person.id)
    with pytest.raises(intentions.IntentionError, match="Link the intention to a case or a person"):
        intentions.add_intention(intention_type_id=setup.call_back.id, due_on=date(2026, 12, 1),
                                 assigned_user_id=me.id)
    entries = intentions.timeline_entries(person.id)
    assert [(e.module, e.kind, e.title) for e in entries] == [
        ("intentions", "intention_added", "Intention: Call the customer back")]


def test_the_database_refuses_an_intention_for_nobody(act_as, db):
    setup = general_setup()
    act_as(*STAFF)
    case = open_case(setup.new_bin, make_person())
    db.session.add(Intention(intention_type=setup.call_back, due_on=date(2026, 12, 1), case=case, status="open"))
    with pytest.raises(Exception, match="(?i)check constraint|ck_intention_record_assigned"):
        db.session.flush()
    db.session.rollback()


def test_intention_screens_need_the_permission(client, login_as, act_as, db):
    setup = general_setup()
    act_as(*STAFF)
    case = open_case(setup.missed_bin, make_person())
    [created] = case_intentions(case)
    db.session.commit()
    login_as("cases.view")
    assert client.get("/my-work").status_code == 403
    assert client.post(f"/intentions/{created.id}/done", data={}).status_code == 403
    assert client.get(f"/intentions/new?case_id={case.id}").status_code == 403
    assert "My work" not in client.get("/").get_data(as_text=True)
    act_as("cases.view")
    with pytest.raises(PermissionDenied):
        intentions.complete(created)
    assert db.session.scalar(select(func.count()).select_from(Intention).where(Intention.status == "open")) == 1
