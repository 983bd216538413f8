"""Recording activities on cases, each made of one or more tasks: type, staff member, person involved, when, how long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import select

from core.activities.models import Activity, Task
from core.cases import configuration
from core.cases.configuration import TypeChangeError
from core.cases.models import Case
from core.cases.services import london_today
from core.extensions import db
from core.permissions import acting_user, authorize, can
from core.plugins import TimelineEntry
from core.security.models import User

EDIT = "activities.edit"
VIEW = "cases.view"


class ActivityError(ValueError):
    """An activity was refused; ``field`` names the form field at fault (``tasks-<n>-<field>`` for a task)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TaskInput:
    """One task as a form or a module gives it."""

    task_type_id: int | None
    staff_id: int | None
    person_id: int | None
    #: when the task started (timezone-aware)
    started_at: datetime | None
    minutes: int | None
    note: str = ""


def activities_for_case(case: Case) -> list[Activity]:
    """A case's activities, most recent first."""
    authorize(VIEW)
    return list(
        db.session.scalars(
            select(Activity).where(Activity.case_id == case.id).order_by(Activity.occurred_on.desc(), Activity.id.desc())
        )
    )


def get_activity(activity_id: int) -> Activity | None:
    authorize(VIEW)
    return db.session.get(Activity, activity_id)


def add_activity(case: Case, title: str, occurred_on: date | None, tasks: list[TaskInput]) -> Activity:
    """Record an activity with its tasks; each task's person must be one of the case's people."""
    authorize(EDIT)
    actor = acting_user()
    if not case.is_open:
        raise ActivityError("title", "This case is closed: reopen it to record an activity")
    title = (title or "").strip()
    if not title:
        raise ActivityError("title", "Enter what the activity was")
    if occurred_on is None:
        raise ActivityError("occurred_on", "Enter the date of the activity")
    if occurred_on > london_today():
        raise ActivityError("occurred_on", "The date of the activity must be today or in the past")
    if not tasks:
        raise ActivityError("tasks-0-task_type_id", "Add at least one task")
    activity = Activity(case=case, case_id=case.id, title=title, occurred_on=occurred_on,
                        recorded_by_id=actor.id if actor else None)
    for index, given in enumerate(tasks):
        activity.tasks.append(_task(case, index, given))
    db.session.add(activity)
    db.session.flush()
    return activity


def _task(case: Case, index: int, given: TaskInput) -> Task:
    prefix = f"tasks-{index}-"
    try:
        task_type = configuration.usable("task-types", given.task_type_id, case.department, prefix + "task_type_id")
    except TypeChangeError as exc:
        raise ActivityError(exc.field, str(exc)) from exc
    staff = db.session.get(User, given.staff_id) if given.staff_id else None
    if staff is None or not staff.active:
        raise ActivityError(prefix + "staff_id", "Select the member of staff who did the task")
    if given.person_id not in case.person_ids():
        raise ActivityError(prefix + "person_id", "Select one of the case's people")
    if given.started_at is None:
        raise ActivityError(prefix + "start_time", "Enter the time the task started, such as 14:30")
    if given.started_at.tzinfo is None:
        raise ValueError("a task's start time must be timezone-aware")
    if given.minutes is None or given.minutes <= 0:
        raise ActivityError(prefix + "minutes", "Enter how many minutes the task took, as a whole number above 0")
    return Task(task_type=task_type, task_type_id=task_type.id, staff_id=staff.id, person_id=given.person_id,
                started_at=given.started_at, minutes=given.minutes, note=(given.note or "").strip())


# --- the person's side ---------------------------------------------------------------------------------------------


def timeline_entries(person_id: int) -> list[TimelineEntry]:
    """One entry per activity with tasks involving the person, at its first such task's start, for the timeline."""
    if not can(VIEW):
        return []
    tasks = db.session.scalars(select(Task).where(Task.person_id == person_id).order_by(Task.started_at))
    by_activity: dict[int, list[Task]] = {}
    for task in tasks:
        by_activity.setdefault(task.activity_id, []).append(task)
    entries = []
    for involved in by_activity.values():
        activity = involved[0].activity
        summary = "; ".join(f"{task.task_type.label} with {task.staff.name} ({task.minutes} minutes)" for task in involved)
        entries.append(TimelineEntry(
            involved[0].started_at, "activities", "activity", f"{activity.title} (case {activity.case.reference})",
            url_for("cases.show", case_id=activity.case_id), summary,
        ))
    return entries


def move_person(target_id: int, source_id: int) -> None:
    """After a merge, tasks that involved the source involve the target."""
    for task in db.session.scalars(select(Task).where(Task.person_id == source_id)):
        task.person_id = target_id
    db.session.flush()
