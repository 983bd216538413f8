"""Opening, changing, closing and reopening cases, and recording their people and demands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from core.access.models import Team
from core.cases import configuration
from core.cases.configuration import TypeChangeError
from core.cases.models import CLOSED, OPEN, Case, CasePerson, CaseStatusChange, Demand
from core.extensions import db
from core.lookups import services as lookups
from core.lookups.models import LookupValue
from core.people.models import Person
from core.permissions import acting_user, authorize, can
from core.places.models import Place
from core.plugins import TimelineEntry
from core.security.models import User
from core.types import LONDON, utcnow

VIEW = "cases.view"
EDIT = "cases.edit"
CLOSE = "cases.close"
PERSON_ROLES = "cases.person_role"
CLOSE_REASONS = "cases.close_reason"
PAGE_SIZE = 25
REFERENCE_PREFIX = "CAS-"


class CaseError(ValueError):
    """A case change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CasePage:
    """One page of the case list."""

    cases: list[Case]
    total: int
    page: int
    pages: int


def _hook():
    return current_app.extensions["ppp"].pm.hook


def _actor_id() -> int | None:
    actor = acting_user()
    return actor.id if actor is not None else None


# --- reading -----------------------------------------------------------------------------------------------------


def get_case(case_id: int) -> Case | None:
    """A case by id, or None."""
    authorize(VIEW)
    return db.session.get(Case, case_id)


def case_by_reference(reference: str) -> Case | None:
    """A case by the number staff quote, such as CAS-000123 or just 123."""
    authorize(VIEW)
    digits = reference.strip().upper().removeprefix(REFERENCE_PREFIX)
    return db.session.get(Case, int(digits)) if digits.isdigit() else None


def list_cases(
    department: str | None = None, status: str | None = None, owner_id: int | None = None, page: int = 1
) -> CasePage:
    """Cases newest first, filtered by department, status and owner."""
    authorize(VIEW)
    query = select(Case)
    if department:
        query = query.where(Case.department == department)
    if status in (OPEN, CLOSED):
        query = query.where(Case.status == status)
    if owner_id:
        query = query.where(Case.owner_id == owner_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return CasePage(list(rows), total, page, pages)


def cases_for_person(person_id: int) -> list[Case]:
    """Every case that concerns the person, newest first."""
    authorize(VIEW)
    return list(
        db.session.scalars(
            select(Case).join(CasePerson).where(CasePerson.person_id == person_id).order_by(Case.opened_at.desc())
        )
    )


def staff_choices() -> list[tuple[int, str]]:
    """Active staff, for owner and assignee lists."""
    return [(user.id, user.name) for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))]


def team_choices() -> list[tuple[int, str]]:
    """Active teams, for case and intention forms."""
    return [(team.id, team.name) for team in db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name))]


def recent_people(limit: int = 50) -> list[Person]:
    """The most recently added people, to choose from before searching; merged records hidden."""
    query = select(Person).where(Person.merged_into_id.is_(None)).order_by(Person.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def days_and_hours(span: timedelta) -> str:
    """A duration as staff read it: "3 days 4 hours", "1 day 0 hours", "0 days 2 hours"."""
    hours = max(int(span.total_seconds() // 3600), 0)
    days, hours = divmod(hours, 24)
    return f"{days} {'day' if days == 1 else 'days'} {hours} {'hour' if hours == 1 else 'hours'}"


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


# --- changes -----------------------------------------------------------------------------------------------------


def _role(code_or_id: str | int, field: str) -> LookupValue:
    if isinstance(code_or_id, int):
        row = db.session.get(LookupValue, code_or_id)
        if row is None or row.list_code != PERSON_ROLES or not row.active:
            raise CaseError(field, "Select the person's role in this case")
        return row
    try:
        return lookups.value(PERSON_ROLES, code_or_id)
    except KeyError as exc:
        raise CaseError(field, "Select the person's role in this case") from exc


def _person(person_id: int | None, field: str) -> Person:
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.merged_into_id is not None:
        raise CaseError(field, "Select a person")
    return person


def _staff(user_id: int | None, field: str, message: str) -> User:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise CaseError(field, message)
    return user


def _team(team_id: int | None, field: str) -> Team | None:
    if not team_id:
        return None
    team = db.session.get(Team, team_id)
    if team is None or not team.active:
        raise CaseError(field, "Select a team from the list")
    return team


def _place(place_id: int | None, field: str) -> Place | None:
    if not place_id:
        return None
    place = db.session.get(Place, place_id)
    if place is None:
        raise CaseError(field, "Select a place from the list")
    return place


def _new_demand(case: Case, demand_type_id: int | None, note: str, received_on: date | None, field: str) -> Demand:
    try:
        demand_type = configuration.usable("demand-types", demand_type_id, case.department, field)
    except TypeChangeError as exc:
        raise CaseError(exc.field, str(exc)) from exc
    if received_on is None:
        raise CaseError("received_on", "Enter the date the demand was received")
    if received_on > london_today():
        raise CaseError("received_on", "The date the demand was received must be today or in the past")
    return Demand(
        demand_type_id=demand_type.id,
        demand_type=demand_type,
        kind=demand_type.kind,
        note=(note or "").strip(),
        received_on=received_on,
        recorded_by_id=_actor_id(),
    )


def open_case(
    *,
    department: str,
    people: list[tuple[int, str | int]],
    demand_type_id: int | None,
    received_on: date | None,
    demand_note: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    place_id: int | None = None,
    summary: str = "",
) -> Case:
    """Open a case about one or more people with its first demand, then create its automatic intentions.

    :param people: (person id, role code or role lookup id) pairs; the first is usually the subject
    :param owner_id: the responsible member of staff; the acting user when not given
    """
    authorize(EDIT)
    if department not in dict(configuration.departments()):
        raise CaseError("department", "Select a department")
    if not people:
        raise CaseError("person_id", "Select a person")
    owner = _staff(owner_id or _actor_id(), "owner_id", "Select the case owner")
    team = _team(team_id, "team_id")
    case = Case(
        department=department,
        summary=(summary or "").strip(),
        owner=owner,
        team=team,
        place=_place(place_id, "place_id"),
        status=OPEN,
        opened_at=utcnow(),
        opened_by_id=_actor_id(),
    )
    seen: set[int] = set()
    for person_id, role in people:
        person = _person(person_id, "person_id")
        if person.id in seen:
            continue
        seen.add(person.id)
        case.people.append(CasePerson(person_id=person.id, role_id=_role(role, "role").id, added_by_id=_actor_id()))
    case.demands.append(_new_demand(case, demand_type_id, demand_note, received_on, "demand_type_id"))
    case.status_changes.append(CaseStatusChange(action="opened", at=case.opened_at, by_id=_actor_id()))
    db.session.add(case)
    db.session.flush()
    _hook().case_opened(case=case)
    db.session.flush()
    return case


def add_demand(case: Case, demand_type_id: int | None, note: str, received_on: date | None) -> Demand:
    """Record another demand on an open case; its value or failure class comes from its type."""
    authorize(EDIT)
    if not case.is_open:
        raise CaseError("demand_type_id", "This case is closed: reopen it to record another demand")
    demand = _new_demand(case, demand_type_id, note, received_on, "demand_type_id")
    case.demands.append(demand)
    db.session.flush()
    return demand


def update_demand(demand: Demand, demand_type_id: int | None, note: str, received_on: date | None) -> None:
    """Correct a demand on an open case; a demand is part of its case, so the case's version moves on too."""
    authorize(EDIT)
    case = demand.case
    if not case.is_open:
        raise CaseError("demand_type_id", "This case is closed: reopen it to change a demand")
    if demand_type_id != demand.demand_type_id:
        try:
            demand_type = configuration.usable("demand-types", demand_type_id, case.department, "demand_type_id")
        except TypeChangeError as exc:
            raise CaseError(exc.field, str(exc)) from exc
        demand.demand_type, demand.kind = demand_type, demand_type.kind
    if received_on is None:
        raise CaseError("received_on", "Enter the date the demand was received")
    if received_on > london_today():
        raise CaseError("received_on", "The date the demand was received must be today or in the past")
    demand.received_on = received_on
    demand.note = (note or "").strip()
    if db.session.is_modified(demand):
        flag_modified(case, "summary")  # an UPDATE of the case row, which moves its version on
    db.session.flush()


def add_person(case: Case, person_id: int | None, role: str | int) -> CasePerson:
    """Add another person to a case, in a role such as the caller."""
    authorize(EDIT)
    person = _person(person_id, "person_id")
    if person.id in case.person_ids():
        raise CaseError("person_id", f"{person.display_name} is already on this case")
    link = CasePerson(person_id=person.id, role_id=_role(role, "role").id, added_by_id=_actor_id())
    case.people.append(link)
    db.session.flush()
    return link


def update_case(case: Case, *, summary: str, owner_id: int | None, team_id: int | None,
                place_id: int | None) -> None:
    """Change a case's summary, owner, team or place."""
    authorize(EDIT)
    case.owner = _staff(owner_id, "owner_id", "Select the case owner")
    # a team retired since it was chosen may stay on the case, but cannot be newly chosen
    case.team = _team(team_id, "team_id") if team_id != case.team_id else case.team
    case.place = _place(place_id, "place_id")
    case.summary = (summary or "").strip()
    db.session.flush()


def close_case(case: Case, reason_id: int | None, note: str = "") -> None:
    """Close an open case with a reason, fixing its end-to-end time."""
    authorize(CLOSE)
    if not case.is_open:
        raise CaseError("reason_id", "This case is already closed")
    reason = db.session.get(LookupValue, reason_id) if reason_id else None
    if reason is None or reason.list_code != CLOSE_REASONS or not reason.active:
        raise CaseError("reason_id", "Select why the case is closing")
    case.status = CLOSED
    case.closed_at = utcnow()
    case.close_reason_id = reason.id
    case.close_reason = reason
    case.close_note = (note or "").strip()
    case.status_changes.append(
        CaseStatusChange(action="closed", reason=reason.label + (f": {case.close_note}" if case.close_note else ""),
                         at=case.closed_at, by_id=_actor_id())
    )
    db.session.flush()
    _hook().case_closed(case=case)
    db.session.flush()


def reopen_case(case: Case, reason: str) -> None:
    """Reopen a closed case; the reason is kept in its history and the change in the audit trail."""
    authorize(CLOSE)
    if case.is_open:
        raise CaseError("reason", "This case is already open")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("reason", "Enter why the case is being reopened")
    case.status = OPEN
    case.closed_at = None
    case.close_reason_id = None
    case.close_note = ""
    case.status_changes.append(CaseStatusChange(action="reopened", reason=reason, at=utcnow(), by_id=_actor_id()))
    db.session.flush()
    _hook().case_reopened(case=case)
    db.session.flush()


# --- the person's side ---------------------------------------------------------------------------------------------


def timeline_entries(person_id: int) -> list[TimelineEntry]:
    """Cases opened, closed and reopened for the person's timeline; nothing for users who may not see cases."""
    if not can(VIEW):
        return []
    entries = []
    for case in cases_for_person(person_id):
        url = url_for("cases.show", case_id=case.id)
        first = case.demands[0] if case.demands else None
        for change in case.status_changes:
            if change.action == "opened":
                title = f"Case {case.reference} opened" + (f": {first.demand_type.label}" if first else "")
                summary = f"{first.kind_label}. {case.summary}".strip() if first else case.summary
            elif change.action == "closed":
                title = f"Case {case.reference} closed after {days_and_hours(change.at - case.opened_at)}"
                summary = change.reason
            else:
                title, summary = f"Case {case.reference} reopened", change.reason
            entries.append(TimelineEntry(change.at, "cases", f"case_{change.action}", title, url, summary))
    return entries


def move_person(target_id: int, source_id: int) -> None:
    """After a merge, put the target where the source was on every case; a case with both keeps the target once."""
    for link in list(db.session.scalars(select(CasePerson).where(CasePerson.person_id == source_id))):
        if target_id in link.case.person_ids():
            link.case.people.remove(link)
        else:
            link.person_id = target_id
    db.session.flush()
