"""Intentions: adding them, the rules that create them when a case opens, the "my work" tray, done and cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import or_, select

from core.access.models import Team
from core.access.services import team_ids_of
from core.cases import configuration
from core.cases.configuration import TypeChangeError
from core.cases.models import Case, CasePerson, DemandType
from core.cases.services import london_today
from core.extensions import db
from core.intentions.models import CANCELLED, DONE, OPEN, Intention, IntentionRule, IntentionType
from core.people.models import Person
from core.permissions import acting_user, authorize, can
from core.plugins import TimelineEntry
from core.security.models import User
from core.types import LONDON, utcnow

MANAGE = "intentions.manage"
VIEW = "cases.view"


class IntentionError(ValueError):
    """An intention change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tray:
    """A user's open intentions, their own and their teams', overdue first, with counts."""

    items: list[Intention]
    today: date
    overdue: int
    due_today: int
    #: due from today to Sunday of this week, overdue ones not included
    due_this_week: int

    @property
    def total(self) -> int:
        return len(self.items)


def _actor_id() -> int | None:
    actor = acting_user()
    return actor.id if actor is not None else None


# --- reading -----------------------------------------------------------------------------------------------------


def my_work(user: User | None = None, today: date | None = None) -> Tray:
    """The user's open intentions plus those of every team they belong to: overdue first, then by due date."""
    authorize(MANAGE)
    user = user or acting_user()
    today = today or london_today()
    teams = team_ids_of(user)
    mine = Intention.assigned_user_id == user.id
    query = select(Intention).where(Intention.status == OPEN, or_(mine, Intention.team_id.in_(teams)) if teams else mine)
    items = sorted(db.session.scalars(query), key=lambda item: (not item.is_overdue(today), item.due_on, item.id))
    sunday = today + timedelta(days=6 - today.weekday())
    return Tray(
        items=items,
        today=today,
        overdue=sum(1 for item in items if item.due_on < today),
        due_today=sum(1 for item in items if item.due_on == today),
        due_this_week=sum(1 for item in items if today <= item.due_on <= sunday),
    )


def intentions_for_case(case: Case) -> list[Intention]:
    """A case's intentions: open ones first by due date, then the rest."""
    authorize(VIEW)
    rows = db.session.scalars(select(Intention).where(Intention.case_id == case.id))
    return sorted(rows, key=lambda item: (item.status != OPEN, item.due_on, item.id))


def get_intention(intention_id: int) -> Intention | None:
    authorize(MANAGE)
    return db.session.get(Intention, intention_id)


# --- changes -----------------------------------------------------------------------------------------------------


def add_intention(
    *,
    intention_type_id: int | None,
    due_on: date | None,
    assigned_user_id: int | None = None,
    team_id: int | None = None,
    note: str = "",
    case: Case | None = None,
    person_id: int | None = None,
    department: str | None = None,
) -> Intention:
    """Add something that needs doing, for a member of staff or a team (or both), about a case or a person; a module
    adding one about a person names its department so its own intention types are allowed."""
    authorize(MANAGE)
    if case is None and not person_id:
        raise IntentionError("person_id", "Link the intention to a case or a person")
    person = db.session.get(Person, person_id) if person_id else None
    if person_id and person is None:
        raise IntentionError("person_id", "Select a person")
    if case is not None and person is not None and person.id not in case.person_ids():
        raise IntentionError("person_id", "Select one of the case's people")
    department = case.department if case is not None else (department or configuration.GENERAL)
    try:
        intention_type = configuration.usable("intention-types", intention_type_id, department, "intention_type_id")
    except TypeChangeError as exc:
        raise IntentionError(exc.field, str(exc)) from exc
    if due_on is None:
        raise IntentionError("due_on", "Enter the date it is due")
    user = db.session.get(User, assigned_user_id) if assigned_user_id else None
    team = db.session.get(Team, team_id) if team_id else None
    if assigned_user_id and (user is None or not user.active):
        raise IntentionError("assigned_user_id", "Select a member of staff from the list")
    if team_id and (team is None or not team.active):
        raise IntentionError("team_id", "Select a team from the list")
    if user is None and team is None:
        raise IntentionError("assigned_user_id", "Assign it to a member of staff, a team, or both")
    intention = Intention(
        intention_type=intention_type, due_on=due_on, assigned_user=user, team=team, note=(note or "").strip(),
        case=case, person=person, status=OPEN, created_by_id=_actor_id(),
    )
    db.session.add(intention)
    db.session.flush()
    return intention


def create_automatic_intentions(case: Case) -> list[Intention]:
    """Create the intentions that active rules ask for when a case with these demand types opens.

    Each is due its rule's number of calendar days after the day the case opened (Europe/London), and goes to the
    rule's team or, without one, to the case owner. No permission is needed: it follows from opening the case.
    """
    demand_type_ids = {demand.demand_type_id for demand in case.demands}
    if not demand_type_ids:
        return []
    rules = db.session.scalars(
        select(IntentionRule)
        .join(IntentionType)
        .where(IntentionRule.demand_type_id.in_(demand_type_ids), IntentionRule.active.is_(True),
               IntentionType.active.is_(True))
        .order_by(IntentionRule.id)
    )
    opened_on = case.opened_at.astimezone(LONDON).date()
    created = []
    for rule in rules:
        intention = Intention(
            intention_type=rule.intention_type,
            due_on=opened_on + timedelta(days=rule.due_days),
            assigned_user_id=None if rule.team_id else case.owner_id,
            team_id=rule.team_id,
            case=case,
            status=OPEN,
            rule=rule,
            note=f"Created when the case opened with “{rule.demand_type.label}”.",
            created_by_id=_actor_id(),
        )
        db.session.add(intention)
        created.append(intention)
    db.session.flush()
    return created


def _may_change(intention: Intention) -> None:
    if intention.status != OPEN:
        raise IntentionError("status", f"This intention is already {intention.status_label.lower()}")


def complete(intention: Intention) -> None:
    """Mark an open intention done, recording who and when."""
    authorize(MANAGE)
    _may_change(intention)
    intention.status = DONE
    intention.status_changed_at = utcnow()
    intention.status_changed_by_id = _actor_id()
    db.session.flush()
    current_app.extensions["ppp"].pm.hook.intention_completed(intention=intention)
    db.session.flush()


def cancel(intention: Intention) -> None:
    """Cancel an open intention that no longer needs doing, recording who and when."""
    authorize(MANAGE)
    _may_change(intention)
    intention.status = CANCELLED
    intention.status_changed_at = utcnow()
    intention.status_changed_by_id = _actor_id()
    db.session.flush()


# --- rules, set up by administrators -----------------------------------------------------------------------------


def _rule_fields(intention_type: IntentionType, demand_type_id: int | None, due_days: int | None,
                 team_id: int | None) -> tuple[DemandType, int, Team | None]:
    demand_type = db.session.get(DemandType, demand_type_id) if demand_type_id else None
    # a general intention type may follow any department's demand type; a department's, its own or general ones
    allowed = demand_type is not None and (
        intention_type.department == configuration.GENERAL
        or demand_type.department in {intention_type.department, configuration.GENERAL}
    )
    if not allowed:
        raise IntentionError("demand_type_id", "Select a demand type")
    if due_days is None or due_days < 0:
        raise IntentionError("due_days", "Enter the number of days, 0 or more")
    team = db.session.get(Team, team_id) if team_id else None
    if team_id and team is None:
        raise IntentionError("team_id", "Select a team from the list")
    return demand_type, due_days, team


def add_rule(intention_type: IntentionType, demand_type_id: int | None, due_days: int | None,
             team_id: int | None = None) -> IntentionRule:
    """Create this intention automatically when a case with the demand type opens, due the days later."""
    authorize(configuration.MANAGE)
    demand_type, due_days, team = _rule_fields(intention_type, demand_type_id, due_days, team_id)
    if any(rule.demand_type_id == demand_type.id for rule in intention_type.rules):
        raise IntentionError("demand_type_id", f"There is already a rule for “{demand_type.label}”: change that one")
    rule = IntentionRule(intention_type=intention_type, demand_type=demand_type, due_days=due_days, team=team)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule: IntentionRule, due_days: int | None, team_id: int | None) -> None:
    """Change when a rule's intentions are due and who they go to; intentions already created keep theirs."""
    authorize(configuration.MANAGE)
    _, due_days, team = _rule_fields(rule.intention_type, rule.demand_type_id, due_days, team_id)
    rule.due_days = due_days
    rule.team = team
    db.session.flush()


def set_rule_active(rule: IntentionRule, active: bool) -> None:
    """Stop a rule creating intentions, or start it again; rules are never deleted."""
    authorize(configuration.MANAGE)
    rule.active = active
    db.session.flush()


def demand_type_choices(intention_type: IntentionType) -> list[tuple[int, str]]:
    """Demand types a rule of this intention type may follow: its department's, or every one for a general type."""
    query = select(DemandType).where(DemandType.active.is_(True))
    if intention_type.department != configuration.GENERAL:
        query = query.where(DemandType.department.in_({intention_type.department, configuration.GENERAL}))
    rows = db.session.scalars(query.order_by(DemandType.department, DemandType.sort_order, DemandType.label))
    return [(row.id, f"{configuration.department_label(row.department)}: {row.label}") for row in rows]


# --- the person's side ---------------------------------------------------------------------------------------------


def timeline_entries(person_id: int) -> list[TimelineEntry]:
    """Intentions about the person, or on their cases: when each was added and when it was done or cancelled."""
    if not can(VIEW):
        return []
    on_their_cases = select(CasePerson.case_id).where(CasePerson.person_id == person_id)
    rows = db.session.scalars(
        select(Intention).where(or_(Intention.person_id == person_id, Intention.case_id.in_(on_their_cases)))
    )
    entries = []
    for item in rows:
        url = url_for("cases.show", case_id=item.case_id) if item.case_id else None
        about = f" (case {item.case.reference})" if item.case else ""
        entries.append(TimelineEntry(
            item.created_at, "intentions", "intention_added", f"Intention: {item.intention_type.label}{about}", url,
            f"Due {item.due_on:%d/%m/%Y}. {item.note}".strip(),
        ))
        if item.status != OPEN and item.status_changed_at is not None:
            who = f" by {item.status_changed_by.name}" if item.status_changed_by else ""
            entries.append(TimelineEntry(
                item.status_changed_at, "intentions", f"intention_{item.status}",
                f"Intention {item.status_label.lower()}: {item.intention_type.label}{about}", url,
                f"{item.status_label}{who}.",
            ))
    return entries


def move_person(target_id: int, source_id: int) -> None:
    """After a merge, intentions about the source are about the target."""
    for item in db.session.scalars(select(Intention).where(Intention.person_id == source_id)):
        item.person_id = target_id
    db.session.flush()
