"""Recording system conditions against a case, an activity or a task, and counting what most often gets in the way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from core.activities.models import Activity, Task
from core.cases import configuration
from core.cases.configuration import TypeChangeError
from core.cases.models import Case
from core.conditions.models import Condition, ConditionType
from core.extensions import db
from core.permissions import acting_user, authorize
from core.types import LONDON, utcnow

RECORD = "conditions.record"
REPORT = "conditions.report"
VIEW = "cases.view"


class ConditionError(ValueError):
    """A condition was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ConditionCount:
    """How many times one condition type was recorded in the period."""

    code: str
    label: str
    department: str
    count: int


@dataclass(frozen=True)
class ConditionCounts:
    """Condition types by how often they were recorded, most frequent first, for a table now and a chart later."""

    start: date
    end: date
    department: str | None
    rows: list[ConditionCount]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    def share(self, row: ConditionCount) -> int:
        """The row's share of all conditions in the period, as a whole percentage."""
        return round(100 * row.count / self.total) if self.total else 0

    def as_chart(self) -> dict:
        """Plain numbers a chart can draw: labels and counts in the same order."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "department": self.department,
            "labels": [row.label for row in self.rows],
            "codes": [row.code for row in self.rows],
            "counts": [row.count for row in self.rows],
            "total": self.total,
        }


def conditions_for_case(case: Case) -> list[Condition]:
    """Every condition recorded on the case, its activities or their tasks, newest first."""
    authorize(VIEW)
    activity_ids = select(Activity.id).where(Activity.case_id == case.id)
    task_ids = select(Task.id).where(Task.activity_id.in_(activity_ids))
    return list(
        db.session.scalars(
            select(Condition)
            .where(or_(Condition.case_id == case.id, Condition.activity_id.in_(activity_ids),
                       Condition.task_id.in_(task_ids)))
            .order_by(Condition.recorded_at.desc(), Condition.id.desc())
        )
    )


def record_condition(
    condition_type_id: int | None,
    note: str = "",
    *,
    case: Case | None = None,
    activity: Activity | None = None,
    task: Task | None = None,
) -> Condition:
    """Record that something got in the way, against exactly one of a case, an activity or a task."""
    authorize(RECORD)
    targets = [target for target in (case, activity, task) if target is not None]
    if len(targets) != 1:
        raise ConditionError("target", "Select what got in the way: the case, an activity or a task")
    owning_case = case or (activity.case if activity is not None else task.activity.case)
    try:
        condition_type = configuration.usable("condition-types", condition_type_id, owning_case.department,
                                              "condition_type_id")
    except TypeChangeError as exc:
        raise ConditionError(exc.field, str(exc)) from exc
    actor = acting_user()
    condition = Condition(
        condition_type=condition_type, note=(note or "").strip(), case=case, activity=activity, task=task,
        department=owning_case.department, recorded_at=utcnow(), recorded_by_id=actor.id if actor else None,
    )
    db.session.add(condition)
    db.session.flush()
    return condition


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def condition_counts(start: date, end: date, department: str | None = None) -> ConditionCounts:
    """How often each condition type was recorded between two dates (inclusive, Europe/London), most first."""
    authorize(REPORT)
    if end < start:
        start, end = end, start
    count = func.count(Condition.id)
    query = (
        select(ConditionType.code, ConditionType.label, ConditionType.department, count)
        .join(Condition, Condition.condition_type_id == ConditionType.id)
        .where(Condition.recorded_at >= _london_midnight(start),
               Condition.recorded_at < _london_midnight(end + timedelta(days=1)))
        .group_by(ConditionType.id, ConditionType.code, ConditionType.label, ConditionType.department)
        .order_by(count.desc(), ConditionType.label)
    )
    if department:
        query = query.where(Condition.department == department)
    rows = [ConditionCount(code, label, dept, total) for code, label, dept, total in db.session.execute(query)]
    return ConditionCounts(start, end, department or None, rows)
