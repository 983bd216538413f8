"""Cases and demands: opening on screen, value and failure demand, end-to-end time, closing and reopening, events,
case types set up on screen and from modules' code, the person's side, permissions and demo data."""

from __future__ import annotations

import re
import types
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import module_system
from core.audit.models import AuditEvent
from core.cases import configuration
from core.cases import services as cases
from core.cases.models import Case, Demand, DemandCategory, DemandType
from core.errors import StartupError
from core.intentions.models import Intention, IntentionRule, IntentionType
from core.lookups import services as lookups
from core.permissions import PermissionDenied
from core.plugins import (
    ConditionTypeSeed,
    DemandCategorySeed,
    DemandTypeSeed,
    IntentionTypeSeed,
    ModuleInfo,
    TaskCategorySeed,
    TaskTypeSeed,
    hookimpl,
)
from core.types import utcnow
from tests.casework import as_staff, general_setup, make_person, open_case

EVERYTHING = ("cases.view", "cases.edit", "cases.close", "intentions.manage", "activities.edit", "conditions.record")


def test_a_case_needs_an_owner(client, login_as, db):
    setup = general_setup()
    login_as(*EVERYTHING)
    person = make_person()
    response = client.post("/cases/new?department=general", data={
        "person_id": person.id, "role": lookups.value("cases.person_role", "subject").id,
        "demand_type_id": setup.missed_bin.id, "received_on": ["3", "11", "2026"], "owner_id": "",
    })
    assert response.status_code == 400
    assert "Select the case owner" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_opening_a_case_on_screen_records_the_person_demand_and_owner(client, login_as, db):
    setup = general_setup()
    worker = login_as(*EVERYTHING)
    person = make_person()
    response = client.post("/cases/new?department=general", data={
        "person_id": person.id, "role": lookups.value("cases.person_role", "subject").id,
        "demand_type_id": setup.missed_bin.id, "demand_note": "Bin missed on Tuesday",
        "received_on": ["3", "11", "2026"], "owner_id": worker.id, "team_id": "", "place_id": "",
        "summary": "Missed bin, Mill Lane",
    })
    assert response.status_code == 302
    case = db.session.scalar(select(Case).where(Case.summary == "Missed bin, Mill Lane"))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.reference == f"CAS-{case.id:06d}"
    assert case.status == "open" and case.owner_id == worker.id and case.department == "general"
    assert [(link.person_id, link.role.code) for link in case.people] == [(person.id, "subject")]
    assert [(d.demand_type.code, d.kind, d.received_on, d.note) for d in case.demands] == [
        ("missed_bin_report", "value", date(2026, 11, 3), "Bin missed on Tuesday")
    ]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"Case {case.reference}" in page
    assert "Margaret Holloway" in page
    assert "1 value demand, 0 failure demands" in page


def test_the_open_case_form_explains_each_mistake(client, login_as, db):
    general_setup()
    worker = login_as(*EVERYTHING)
    person = make_person()
    response = client.post("/cases/new?department=general", data={
        "person_id": person.id, "role": lookups.value("cases.person_role", "subject").id,
        "demand_type_id": "", "received_on": ["31", "2", "2026"], "owner_id": worker.id,
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Select a demand type" in page
    assert "Enter a real date" in page
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_demand_cannot_be_received_in_the_future(act_as, db):
    setup = general_setup()
    act_as("cases.edit")
    with pytest.raises(cases.CaseError) as refused:
        open_case(setup.missed_bin, make_person(), received_on=cases.london_today() + timedelta(days=1))
    assert refused.value.field == "received_on"


def test_end_to_end_time_runs_from_opening_to_closing(client, login_as, db):
    setup = general_setup()
    as_staff(login_as, *EVERYTHING)
    case = open_case(setup.missed_bin, make_person())
    case.opened_at = utcnow() - timedelta(days=3, hours=4, minutes=20)
    db.session.commit()
    assert cases.days_and_hours(case.end_to_end()) == "3 days 4 hours"
    response = client.post(f"/cases/{case.id}/close", data={
        "reason_id": lookups.value("cases.close_reason", "resolved").id, "note": "Collected on Thursday",
        "version": case.version,
    })
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "closed" and case.closed_at is not None and case.closed_at.tzinfo is not None
    span = case.end_to_end()
    assert timedelta(days=3, hours=4, minutes=20) <= span < timedelta(days=3, hours=4, minutes=21)
    # closed means fixed: the time no longer grows
    assert case.end_to_end(now=utcnow() + timedelta(days=30)) == span
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "End-to-end time" in page and "3 days 4 hours" in page
    assert "Resolved" in page


def test_days_and_hours_reads_naturally():
    assert cases.days_and_hours(timedelta(hours=2, minutes=59)) == "0 days 2 hours"
    assert cases.days_and_hours(timedelta(days=1, hours=1)) == "1 day 1 hour"
    assert cases.days_and_hours(timedelta(days=12, hours=23, minutes=59)) == "12 days 23 hours"


def test_each_demand_keeps_the_value_or_failure_class_it_was_recorded_with(client, login_as, act_as, db):
    setup = general_setup()
    as_staff(login_as, *EVERYTHING)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    response = client.post(f"/cases/{case.id}/demands/new", data={
        "demand_type_id": setup.chasing_bin.id, "note": "Still not collected", "received_on": ["5", "11", "2026"],
    })
    assert response.status_code == 302
    db.session.refresh(case)
    assert [(d.demand_type.code, d.kind) for d in case.demands] == [
        ("missed_bin_report", "value"), ("missed_bin_chase", "failure"),
    ]
    # an administrator reclassifies the failure type later: the demand already recorded stays failure demand
    act_as("admin.case_types.manage")
    configuration.update_type(setup.chasing_bin, label=setup.chasing_bin.label, demand_kind="value")
    db.session.commit()
    assert [d.kind for d in db.session.scalars(select(Demand).where(Demand.case_id == case.id).order_by(Demand.id))] \
        == ["value", "failure"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "1 value demand, 1 failure demand" in page


def test_closing_and_reopening_keep_a_history_and_an_audit_trail(client, login_as, db):
    setup = general_setup()
    worker = as_staff(login_as, *EVERYTHING)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    client.post(f"/cases/{case.id}/close", data={
        "reason_id": lookups.value("cases.close_reason", "resolved").id, "version": case.version})
    db.session.refresh(case)

    refused = client.post(f"/cases/{case.id}/reopen", data={"reason": "", "version": case.version})
    assert refused.status_code == 400
    assert "Enter why the case is being reopened" in refused.get_data(as_text=True)

    response = client.post(f"/cases/{case.id}/reopen", data={
        "reason": "Customer says the bin is still there", "version": case.version})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "open" and case.closed_at is None and case.close_reason_id is None
    assert [(change.action, change.reason, change.by_id) for change in case.status_changes] == [
        ("opened", "", worker.id), ("closed", "Resolved", worker.id),
        ("reopened", "Customer says the bin is still there", worker.id),
    ]
    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "case_record", AuditEvent.entity_id == str(case.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in audited][-1] == "update"
    assert audited[-1].actor_id == worker.id
    assert "status" in audited[-1].changes


def test_a_stale_close_shows_the_conflict_page(client, login_as, db):
    setup = general_setup()
    as_staff(login_as, *EVERYTHING)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    opened_on = case.version
    cases.update_case(case, summary="Changed by a colleague", owner_id=case.owner_id, team_id=None, place_id=None)
    db.session.commit()
    response = client.post(f"/cases/{case.id}/edit", data={
        "summary": "My summary", "owner_id": case.owner_id, "team_id": "", "place_id": "", "version": opened_on})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "My summary" in page and "Changed by a colleague" in page
    db.session.refresh(case)
    assert case.summary == "Changed by a colleague"


def test_the_case_list_filters_by_department_status_and_owner(client, login_as, create_user, act_as, db):
    setup = general_setup()
    other = create_user("cases.edit", name="Tom Hughes")
    me = act_as("cases.edit", "cases.close", name="Priya Shah")
    mine_open = open_case(setup.missed_bin, make_person(), summary="Mine, open")
    mine_closed = open_case(setup.missed_bin, make_person("Derek", "Holloway"), summary="Mine, closed")
    cases.close_case(mine_closed, lookups.value("cases.close_reason", "resolved").id)
    open_case(setup.new_bin, make_person("Grace", "Mensah"), summary="Theirs, open", owner_id=other.id)
    db.session.commit()
    login_as("cases.view")
    page = client.get(f"/cases/?status=open&owner_id={me.id}").get_data(as_text=True)
    assert "Mine, open" in page and "Mine, closed" not in page and "Theirs, open" not in page
    page = client.get("/cases/?status=closed").get_data(as_text=True)
    assert "Mine, closed" in page and "Mine, open" not in page
    assert "1 case" in page
    assert "3 cases" in client.get("/cases/?department=general").get_data(as_text=True)
    assert "0 cases" in client.get("/cases/?department=parking").get_data(as_text=True)
    assert mine_open.reference in client.get("/cases/").get_data(as_text=True)


def test_people_are_added_in_a_role_once(client, login_as, db):
    setup = general_setup()
    as_staff(login_as, *EVERYTHING)
    subject, caller = make_person(), make_person("Susan", "Carter")
    case = open_case(setup.missed_bin, subject)
    db.session.commit()
    role = lookups.value("cases.person_role", "caller").id
    assert client.post(f"/cases/{case.id}/people/new", data={"person_id": caller.id, "role": role}).status_code == 302
    assert sorted((link.person.last_name, link.role.code) for link in db.session.get(Case, case.id).people) == [
        ("Carter", "caller"), ("Holloway", "subject")]
    with pytest.raises(cases.CaseError, match="already on this case"):
        cases.add_person(case, caller.id, "caller")


# --- events --------------------------------------------------------------------------------------------------------


def test_case_opened_and_case_closed_reach_a_module_inside_the_transaction(make_app, act_as, db):
    heard = []
    module = types.ModuleType("tracker_plugin")
    module.MODULE = ModuleInfo(name="tracker", label="Tracker")

    @hookimpl
    def case_opened(case):
        # the core's automatic intentions already exist when modules hear of the case
        count = db.session.scalar(select(func.count()).select_from(Intention).where(Intention.case_id == case.id))
        heard.append(("opened", case.reference, case.status, count))

    @hookimpl
    def case_closed(case):
        heard.append(("closed", case.reference, case.status, case.close_reason.code))

    module.case_opened, module.case_closed = case_opened, case_closed
    make_app(modules=["tracker"], extra={"tracker": module})
    setup = general_setup()
    act_as("cases.edit", "cases.close")
    case = open_case(setup.missed_bin, make_person())
    cases.close_case(case, lookups.value("cases.close_reason", "withdrawn").id)
    assert heard == [("opened", case.reference, "open", 1), ("closed", case.reference, "closed", "withdrawn")]


# --- case types: on screen, and from modules' code -------------------------------------------------------------------


def test_an_administrator_sets_up_a_department_on_screen_only(client, login_as, db):
    admin = login_as("admin.case_types.manage", *EVERYTHING)
    assert "Case set-up" in client.get("/admin/case-types/").get_data(as_text=True)

    def post(url, **data):
        response = client.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)

    post("/admin/case-types/demand-categories/new", label="Street cleaning", code="street_cleaning",
         department="general")
    category = db.session.scalar(select(DemandCategory).where(DemandCategory.code == "street_cleaning"))

    # every demand type must be classed: value demand or failure demand, with the two explained
    form = client.get("/admin/case-types/demand-types/new").get_data(as_text=True)
    assert "What the customer wants from the service" in form
    assert "Demand caused by a failure to do something or to do it right" in form
    missing = client.post("/admin/case-types/demand-types/new", data={
        "label": "Report fly-tipping", "code": "fly_tipping", "category_id": category.id})
    assert missing.status_code == 400
    assert "Select whether this is value demand or failure demand" in missing.get_data(as_text=True)

    post("/admin/case-types/demand-types/new", label="Report fly-tipping", code="fly_tipping",
         category_id=category.id, kind="value")
    post("/admin/case-types/demand-types/new", label="Chasing fly-tipping", code="fly_tipping_chase",
         category_id=category.id, kind="failure")
    post("/admin/case-types/task-categories/new", label="Clearances", code="clearances", department="general")
    task_category = db.session.scalar(select(configuration.kind("task-categories").model))
    post("/admin/case-types/task-types/new", label="Clear the waste", code="clear_waste",
         category_id=task_category.id)
    post("/admin/case-types/intention-types/new", label="Check the site is clear", code="check_site",
         department="general")
    post("/admin/case-types/condition-types/new", label="Crew off sick", code="crew_off_sick",
         department="general")
    value_type = db.session.scalar(select(DemandType).where(DemandType.code == "fly_tipping"))
    check = db.session.scalar(select(IntentionType).where(IntentionType.code == "check_site"))
    post(f"/admin/case-types/intention-types/{check.id}/rules/new", demand_type_id=value_type.id, due_days="3",
         team_id="")

    listing = client.get("/admin/case-types/demand-types/?department=general").get_data(as_text=True)
    assert "Report fly-tipping" in listing and "Value demand" in listing and "Failure demand" in listing
    rules = client.get(f"/admin/case-types/intention-types/{check.id}").get_data(as_text=True)
    assert "Report fly-tipping" in rules and "3 days later" in rules and "The case owner" in rules

    # staff can now use the department: opening a fly-tipping case creates the check, due 3 days later
    worker_form = client.get("/cases/new?department=general").get_data(as_text=True)
    assert "Street cleaning: Report fly-tipping (value demand)" in worker_form
    person = make_person()
    response = client.post("/cases/new?department=general", data={
        "person_id": person.id, "role": lookups.value("cases.person_role", "subject").id,
        "demand_type_id": value_type.id, "received_on": ["1", "11", "2026"],
        "owner_id": admin.id, "team_id": "", "place_id": "",
    })
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    intention = db.session.scalar(select(Intention).where(Intention.case_id == case.id))
    assert intention.intention_type.code == "check_site"
    assert intention.due_on == cases.london_today() + timedelta(days=3)
    assert intention.assigned_user_id == case.owner_id

    # retiring a type stops it being offered, but never deletes it
    response = client.post(f"/admin/case-types/demand-types/{value_type.id}/retire")
    assert response.status_code == 302
    assert "Street cleaning: Report fly-tipping" not in client.get("/cases/new?department=general").get_data(as_text=True)
    db.session.refresh(value_type)
    assert value_type.active is False and value_type.retired_at is not None
    assert "Report fly-tipping" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_type_code_is_unique_within_its_department(act_as, db):
    act_as("admin.case_types.manage")
    configuration.add_type("condition-types", code="it_down", label="IT system down", department="general")
    with pytest.raises(configuration.TypeChangeError) as refused:
        configuration.add_type("condition-types", code="it_down", label="Computers down", department="general")
    assert refused.value.field == "code"


def test_reordering_types_swaps_neighbours(act_as, db):
    act_as("admin.case_types.manage")
    first = configuration.add_type("condition-types", code="a_first", label="First", department="general")
    second = configuration.add_type("condition-types", code="b_second", label="Second", department="general")
    configuration.move_type(second, -1)
    assert [row.code for row in configuration.list_types("condition-types", "general")] == ["b_second", "a_first"]
    assert first.sort_order > second.sort_order


def waste_module(seeds):
    module = types.ModuleType("waste_plugin")
    module.MODULE = ModuleInfo(name="waste", label="Waste services")

    @hookimpl
    def register_case_types():
        return list(seeds)

    module.register_case_types = register_case_types
    return module


WASTE_SEEDS = [
    DemandCategorySeed("bins", "Bins"),
    DemandTypeSeed("missed", "Report a missed collection", "bins", "value"),
    DemandTypeSeed("missed_chase", "Chasing a missed collection", "bins", "failure"),
    TaskCategorySeed("crew", "Crew work"),
    TaskTypeSeed("return_visit", "Return to collect", "crew"),
    IntentionTypeSeed("check", "Check it was collected", created_for=("missed",), due_days=2),
    ConditionTypeSeed("no_crew", "No crew available"),
]


def test_a_module_contributes_default_types_to_its_own_department(make_app, act_as, db):
    make_app(modules=["waste"], extra={"waste": waste_module(WASTE_SEEDS)})  # building the test app syncs
    rows = db.session.scalars(select(DemandType).where(DemandType.department == "waste").order_by(DemandType.id))
    assert [(row.code, row.kind, row.category.code) for row in rows] == [
        ("missed", "value", "bins"), ("missed_chase", "failure", "bins")]
    rule = db.session.scalar(select(IntentionRule).join(IntentionType).where(IntentionType.department == "waste"))
    assert (rule.demand_type.code, rule.due_days, rule.team_id) == ("missed", 2, None)
    assert ("waste", "Waste services") in configuration.departments()

    # an administrator's label survives the next sync, retired types stay retired, and nothing is added twice
    act_as("admin.case_types.manage")
    missed = db.session.scalar(select(DemandType).where(DemandType.code == "missed"))
    configuration.update_type(missed, label="Missed bin", demand_kind="value")
    chase = db.session.scalar(select(DemandType).where(DemandType.code == "missed_chase"))
    configuration.set_active(chase, False)
    assert configuration.sync() == {"added": 0, "relabelled": 0}
    assert (missed.label, chase.active) == ("Missed bin", False)
    assert db.session.scalar(select(func.count()).select_from(IntentionRule)) == 1


def test_a_module_relabelling_its_seed_updates_only_labels_nobody_changed(make_app, act_as, db):
    make_app(modules=["waste"], extra={"waste": waste_module(WASTE_SEEDS)})
    act_as("admin.case_types.manage")
    missed = db.session.scalar(select(DemandType).where(DemandType.code == "missed"))
    configuration.update_type(missed, label="Missed bin", demand_kind="value")
    relabelled = [
        DemandTypeSeed("missed", "Report a missed bin collection", "bins", "value")
        if seed.code == "missed" else ConditionTypeSeed("no_crew", "No crew or vehicle")
        if seed.code == "no_crew" else seed
        for seed in WASTE_SEEDS
    ]
    make_app(modules=["waste"], extra={"waste": waste_module(relabelled)})
    model = configuration.kind("condition-types").model
    condition = db.session.scalar(select(model).where(model.department == "waste"))
    assert condition.label == "No crew or vehicle"
    assert db.session.scalar(select(DemandType.label).where(DemandType.code == "missed")) == "Missed bin"
    # a type the code stops offering stays, so old records still show it
    make_app(modules=["waste"], extra={"waste": waste_module(WASTE_SEEDS[:-1])})
    assert db.session.scalar(select(model.label).where(model.id == condition.id)) == "No crew or vehicle"


@pytest.mark.parametrize(("seeds", "message"), [
    ([DemandTypeSeed("missed", "Missed", "nowhere", "value")],
     'Module "waste" demand type "missed" names category "nowhere", which it does not register: add a DemandCategorySeed.'),
    ([DemandCategorySeed("bins", "Bins"), DemandTypeSeed("missed", "Missed", "bins", "urgent")],
     'Module "waste" demand type "missed" has kind "urgent": use "value" or "failure".'),
    ([IntentionTypeSeed("check", "Check", created_for=("missed",))],
     'Module "waste" intention type "check" is created for demand type "missed", which it does not register: fix the code.'),
])
def test_a_bad_case_type_seed_stops_start_up_naming_the_module(make_app, seeds, message):
    with pytest.raises(StartupError) as caught:
        make_app(modules=["waste"], extra={"waste": waste_module(seeds)})
    assert str(caught.value) == message


# --- the person's side -----------------------------------------------------------------------------------------------


def test_the_person_timeline_shows_cases_opened_and_closed(act_as, db):
    setup = general_setup()
    act_as("cases.view", "cases.edit", "cases.close")
    person = make_person()
    case = open_case(setup.missed_bin, person)
    cases.close_case(case, lookups.value("cases.close_reason", "resolved").id)
    entries = [entry for owner, found in module_system().collect("timeline_entries", person_id=person.id)
               if owner == "cases" for entry in found]
    assert [(entry.kind, entry.module) for entry in entries] == [("case_opened", "cases"), ("case_closed", "cases")]
    assert entries[0].title == f"Case {case.reference} opened: Report a missed bin collection"
    assert entries[0].url.endswith(f"/cases/{case.id}")
    assert entries[1].summary == "Resolved"


def test_the_timeline_leaves_cases_out_for_users_who_cannot_see_them(act_as, db):
    setup = general_setup()
    act_as("cases.edit")
    person = make_person()
    open_case(setup.missed_bin, person)
    assert cases.timeline_entries(person.id) == []


def test_merging_people_moves_their_cases_to_the_record_kept(act_as, db):
    setup = general_setup()
    act_as("cases.edit")
    kept, duplicate = make_person(), make_person("Peggy", "Holloway")
    both = open_case(setup.missed_bin, kept, duplicate)
    only_duplicate = open_case(setup.new_bin, duplicate)
    module_system().pm.hook.person_merged(target=kept, source=duplicate)
    assert [link.person_id for link in both.people] == [kept.id]
    assert [link.person_id for link in only_duplicate.people] == [kept.id]


# --- permissions and demo data ---------------------------------------------------------------------------------------


def test_case_screens_need_their_permissions(client, login_as, act_as, db):
    setup = general_setup()
    act_as("cases.edit")
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()
    login_as("cases.view")
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get("/cases/new").status_code == 403
    assert client.post(f"/cases/{case.id}/demands/new", data={}).status_code == 403
    assert client.post(f"/cases/{case.id}/close", data={}).status_code == 403
    assert client.get("/admin/case-types/").status_code == 403
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Close case" not in page and "Record a demand" not in page
    login_as()
    assert client.get("/cases/").status_code == 403


def test_services_check_the_same_permissions_as_the_screens(act_as, db):
    setup = general_setup()
    act_as("cases.view")
    with pytest.raises(PermissionDenied):
        open_case(setup.missed_bin, make_person())
    with pytest.raises(PermissionDenied):
        configuration.add_type("condition-types", code="x", label="X", department="general")


def test_demo_data_loads_twice_without_duplicates(app, db):
    from core.cases.demo import load_demo_cases
    from core.security.demo import load_demo_users

    load_demo_users()
    load_demo_cases()
    counted = [db.session.scalar(select(func.count()).select_from(model)) for model in (Case, Demand, Intention)]
    load_demo_cases()
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in (Case, Demand, Intention)] == counted
    statuses = {case.status for case in db.session.scalars(select(Case))}
    assert statuses == {"open", "closed"}
    kinds = {demand.kind for demand in db.session.scalars(select(Demand))}
    assert kinds == {"value", "failure"}
    today = cases.london_today()
    assert any(item.is_overdue(today) for item in db.session.scalars(select(Intention)))


def test_radio_questions_keep_their_question_as_the_legend(client, login_as, db):
    """govuk-frontend-wtf replaces a styled fieldset whole, so each legend must carry its question itself."""
    setup = general_setup()
    as_staff(login_as, *EVERYTHING)
    case = open_case(setup.missed_bin, make_person())
    db.session.commit()

    close = client.get(f"/cases/{case.id}/close").get_data(as_text=True)

    assert re.search(r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">\s*Why is the case closing\?', close)
