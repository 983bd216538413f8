"""Builders shared by the tests of cases, activities, intentions and system conditions: a general department set up
with real types, people, and cases opened through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.activities.models import TaskCategory, TaskType
from core.cases import services as cases
from core.cases.models import Case, DemandCategory, DemandType
from core.conditions.models import ConditionType
from core.extensions import db
from core.intentions.models import IntentionRule, IntentionType
from core.people.models import Person
from core.people.services import refresh_search_name


@dataclass
class Setup:
    """The general department's types, as the tests use them."""

    missed_bin: DemandType  # value demand
    chasing_bin: DemandType  # failure demand
    new_bin: DemandType  # value demand with no automatic intention
    phone_call: TaskType
    home_visit: TaskType
    check_collection: IntentionType  # created 2 days after a missed-bin case opens
    call_back: IntentionType
    waiting: ConditionType
    it_down: ConditionType
    no_access: ConditionType


def add_type(model, code: str, label: str, department: str = "general", **fields):
    row = model(department=department, code=code, label=label, sort_order=10, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def general_setup() -> Setup:
    """Demand, task, intention and condition types of the general department, with one automatic intention."""
    waste = add_type(DemandCategory, "waste", "Waste and recycling")
    missed = add_type(DemandType, "missed_bin_report", "Report a missed bin collection", category=waste, kind="value")
    chasing = add_type(DemandType, "missed_bin_chase", "Chasing a missed bin collection", category=waste,
                       kind="failure")
    new_bin = add_type(DemandType, "new_bin", "Ask for a new bin", category=waste, kind="value")
    contact = add_type(TaskCategory, "contact", "Contact")
    visits = add_type(TaskCategory, "visits", "Visits")
    check = add_type(IntentionType, "check_collection", "Check the bin was collected")
    db.session.add(IntentionRule(intention_type=check, demand_type=missed, due_days=2))
    return Setup(
        missed_bin=missed,
        chasing_bin=chasing,
        new_bin=new_bin,
        phone_call=add_type(TaskType, "phone_call", "Phone call", category=contact),
        home_visit=add_type(TaskType, "home_visit", "Home visit", category=visits),
        check_collection=check,
        call_back=add_type(IntentionType, "call_back", "Call the customer back"),
        waiting=add_type(ConditionType, "waiting", "Waiting for another department"),
        it_down=add_type(ConditionType, "it_down", "IT system down"),
        no_access=add_type(ConditionType, "no_access", "No access to the property"),
    )


def make_person(first: str = "Margaret", last: str = "Holloway", born: date | None = date(1941, 3, 17)) -> Person:
    person = Person(first_names=first, last_name=last, date_of_birth=born)
    refresh_search_name(person)
    db.session.add(person)
    db.session.flush()
    return person


def open_case(demand_type: DemandType, *people: Person, department: str = "general", **fields) -> Case:
    """Open a case through the service as the acting user (who needs cases.edit), the first person the subject."""
    return cases.open_case(
        department=department,
        people=[(person.id, "subject" if index == 0 else "caller") for index, person in enumerate(people)],
        demand_type_id=demand_type.id,
        received_on=fields.pop("received_on", cases.london_today()),
        **fields,
    )


def as_staff(login_as, *permissions: str, **fields):
    """Log the test client in and make the test's own service calls as the same new user; returns the user."""
    from flask import g

    g.ppp_actor = login_as(*permissions, **fields)
    return g.ppp_actor
