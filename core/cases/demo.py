"""Demo case work for the general department: its demand, task, intention and system condition types, and a few
open and closed cases in the fictional town of Testbury with activities, intentions (some overdue) and conditions.
Re-running adds nothing that is already there."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time, timedelta

from flask import g
from sqlalchemy import select

from core.access import services as access
from core.access.models import Team
from core.activities import services as activities
from core.cases import configuration, services
from core.cases.configuration import GENERAL
from core.cases.models import Case
from core.conditions import services as conditions
from core.extensions import db
from core.intentions import services as intentions
from core.intentions.models import Intention, IntentionRule
from core.lookups import services as lookups
from core.people import services as people
from core.people.models import Person
from core.places.models import Place
from core.security import services as security
from core.types import LONDON

DEMAND_CATEGORIES = (
    ("waste", "Waste and recycling"),
    ("council_tax", "Council tax"),
    ("repairs", "Housing repairs"),
)
#: (category, code, label, value or failure)
DEMAND_TYPES = (
    ("waste", "missed_bin_report", "Report a missed bin collection", "value"),
    ("waste", "missed_bin_chase", "Chasing a missed bin collection", "failure"),
    ("waste", "new_bin_request", "Ask for a new or replacement bin", "value"),
    ("waste", "new_bin_chase", "Chasing a bin that has not been delivered", "failure"),
    ("council_tax", "moving_home", "Tell us about moving home", "value"),
    ("council_tax", "wrong_bill", "Query a bill that is wrong", "failure"),
    ("repairs", "repair_report", "Report a repair", "value"),
    ("repairs", "repair_chase", "Chasing a repair", "failure"),
)
TASK_CATEGORIES = (("contact", "Contact"), ("visits", "Visits"), ("admin", "Admin"))
TASK_TYPES = (
    ("contact", "phone_call", "Phone call"),
    ("contact", "letter", "Email or letter"),
    ("visits", "home_visit", "Home visit"),
    ("visits", "site_inspection", "Site inspection"),
    ("admin", "back_office_update", "Update the back-office system"),
    ("admin", "referral", "Referral to another service"),
)
#: (code, label, [(demand type code, days after opening)])
INTENTION_TYPES = (
    ("check_collection", "Check the bin was collected", [("missed_bin_report", 2)]),
    ("call_back", "Call the customer back", [("missed_bin_chase", 1), ("repair_chase", 1)]),
    ("book_inspection", "Book a repair inspection", [("repair_report", 5)]),
    ("review_case", "Review the case", []),
)
CONDITION_TYPES = (
    ("waiting_other_department", "Waiting for another department"),
    ("it_system_down", "IT system down"),
    ("no_access", "No access to the property"),
    ("missing_information", "Information missing from the referral"),
    ("no_crew", "No crew or vehicle available"),
)

#: the demo cases, found again by their summary: (summary, person (first, last), postcode of the place or None,
#: demand type, days ago opened, days open before closing or None, [(task type, minutes)], condition type,
#: a later failure demand or None)
CASES = (
    ("Missed bin, Mill Lane", ("Margaret Ann", "Holloway"), "TE1 2AB", "missed_bin_report", 16, 2,
     [("phone_call", 10), ("back_office_update", 5)], "it_system_down", None),
    ("Missed bin again, Mill Lane", ("Margaret Ann", "Holloway"), "TE1 2AB", "missed_bin_chase", 8, None,
     [("phone_call", 15)], "waiting_other_department", "missed_bin_chase"),
    ("Damp in the back bedroom", ("Amir", "Hussain"), "TE2 7LP", "repair_report", 3, None,
     [("phone_call", 20), ("home_visit", 45)], "no_access", None),
    ("Moving out of Orchard Close", ("Grace", "Mensah"), "TE2 9RS", "moving_home", 20, 5,
     [("letter", 15)], "missing_information", None),
    ("Boiler repair not done", ("Winston", "Clarke"), "TE1 1AA", "repair_chase", 1, None,
     [("phone_call", 25)], "waiting_other_department", None),
    ("Replacement recycling box", ("Tomasz", "Nowak"), "TE3 5DN", "new_bin_request", 30, 9,
     [("phone_call", 5), ("site_inspection", 30)], "no_crew", "new_bin_chase"),
)


@contextmanager
def _as(email: str):
    # services check permissions and record who acted: the demo acts as a named demo user
    previous = g.get("ppp_actor")
    g.ppp_actor = security.get_user_by_email(email)
    try:
        yield g.ppp_actor
    finally:
        g.ppp_actor = previous


def _type(slug: str, code: str):
    model = configuration.kind(slug).model
    return db.session.scalar(select(model).where(model.department == GENERAL, model.code == code))


def _add(slug: str, code: str, label: str, **fields):
    return _type(slug, code) or configuration.add_type(slug, code=code, label=label, department=GENERAL, **fields)


def load_demo_configuration() -> None:
    """The general department's demand, task, intention and system condition types, with automatic intentions."""
    for code, label in DEMAND_CATEGORIES:
        _add("demand-categories", code, label)
    for category, code, label, kind in DEMAND_TYPES:
        _add("demand-types", code, label, category_id=_type("demand-categories", category).id, demand_kind=kind)
    for code, label in TASK_CATEGORIES:
        _add("task-categories", code, label)
    for category, code, label in TASK_TYPES:
        _add("task-types", code, label, category_id=_type("task-categories", category).id)
    for code, label, rules in INTENTION_TYPES:
        intention_type = _add("intention-types", code, label)
        for demand_code, days in rules:
            demand_type = _type("demand-types", demand_code)
            if not any(rule.demand_type_id == demand_type.id for rule in intention_type.rules):
                intentions.add_rule(intention_type, demand_type.id, days)
    for code, label in CONDITION_TYPES:
        _add("condition-types", code, label)


def _person(first: str, last: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.first_names == first, Person.last_name == last))
    if person is None:  # the people area's demo did not run: add just the name
        person = people.create_person(people.PersonDetails(first_names=first, last_name=last), confirmed=True)
    return person


def _team() -> Team:
    team = db.session.scalar(select(Team).where(Team.code == "waste_services"))
    if team is None:
        team = access.create_team("waste_services", "Waste services", "general", "Bin collections and recycling.")
        access.add_member(team, security.get_user_by_email("caseworker@example.org"))
    return team


def _backdate(case: Case, days_ago: int) -> datetime:
    """Move a just-opened case back in time, with its first demand and the intentions its rules created."""
    today = services.london_today()
    opened = datetime.combine(today - timedelta(days=days_ago), time(9, 30), tzinfo=LONDON)
    case.opened_at = opened
    case.status_changes[0].at = opened
    case.demands[0].received_on = opened.date()
    for item in db.session.scalars(select(Intention).where(Intention.case_id == case.id, Intention.rule_id.is_not(None))):
        item.due_on = opened.date() + timedelta(days=db.session.get(IntentionRule, item.rule_id).due_days)
    return opened


def load_demo_cases() -> None:
    """Add the demo set-up and the demo cases that are missing."""
    with _as("admin@example.org"):
        load_demo_configuration()
        team = _team()
    subject = lookups.value(services.PERSON_ROLES, "subject").id
    resolved = lookups.value(services.CLOSE_REASONS, "resolved").id
    with _as("caseworker@example.org") as worker:
        for summary, (first, last), postcode, demand, days_ago, days_open, tasks, condition, chase in CASES:
            if db.session.scalar(select(Case).where(Case.summary == summary)) is not None:
                continue
            person = _person(first, last)
            place = db.session.scalar(select(Place).where(Place.postcode == postcode).limit(1)) if postcode else None
            case = services.open_case(
                department=GENERAL, people=[(person.id, subject)], summary=summary,
                demand_type_id=_type("demand-types", demand).id, received_on=services.london_today(),
                demand_note=f"{person.display_name} called about this.", place_id=place.id if place else None,
            )
            opened = _backdate(case, days_ago)
            activity = activities.add_activity(case, "First contact", opened.date(), [
                activities.TaskInput(_type("task-types", code).id, worker.id, person.id,
                                     opened + timedelta(minutes=30 * index), minutes)
                for index, (code, minutes) in enumerate(tasks)
            ])
            target = {"task": activity.tasks[-1]} if condition == "no_access" else {"case": case}
            held_up = conditions.record_condition(_type("condition-types", condition).id, "Held up the case.", **target)
            held_up.recorded_at = opened + timedelta(hours=2)
            if chase:
                received = min(opened.date() + timedelta(days=2), services.london_today())
                services.add_demand(case, _type("demand-types", chase).id, "Called again: nothing has happened yet.",
                                    received)
            if days_open is None:
                intentions.add_intention(
                    intention_type_id=_type("intention-types", "review_case").id,
                    due_on=opened.date() + timedelta(days=7), team_id=team.id, case=case,
                    note="Team review of the open case.",
                )
            else:
                services.close_case(case, resolved, "Sorted for the customer.")
                case.closed_at = opened + timedelta(days=days_open, hours=3)
                case.status_changes[-1].at = case.closed_at
                for item in intentions.intentions_for_case(case):
                    if item.is_open:
                        intentions.complete(item)
                        item.status_changed_at = case.closed_at
    db.session.flush()
