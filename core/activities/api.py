"""/api/v1/activities: what staff did on cases, each activity made of tasks with who, whom, when and how long."""

from __future__ import annotations

import re

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.activities import services
from core.activities.models import Activity, Task
from core.api.conventions import (
    ETAG,
    AnyPage,
    abort,
    apply_sort,
    etag_headers,
    get_or_404,
    invalid,
    not_found,
    sort_field,
)
from core.api.schemas import Id, Text, UserRef
from core.cases.api import (
    CaseCategoryRef,
    CaseRef,
    ConfiguredTypeQuery,
    ConfiguredTypeRef,
    ConfiguredTypeSchema,
    PersonNameRef,
    case_for_field,
    id_filter,
    list_types,
)
from core.extensions import db
from core.permissions import require_login, require_permission

VIEW, EDIT = services.VIEW, services.EDIT

blp = Blueprint(
    "api_activities", __name__, url_prefix="/api/v1/activities",
    description="Activities on cases and their tasks: the type of work, the member of staff, the person involved, "
                "when it started and how many minutes it took (cases.view to read; activities.edit to record).",
)


class TaskSchema(Schema):
    id = fields.Integer()
    activity_id = fields.Integer()
    task_type = fields.Nested(ConfiguredTypeRef)
    staff = fields.Nested(UserRef, metadata={"description": "Who did the task."})
    person = fields.Nested(PersonNameRef, metadata={"description": "Who it involved: one of the case's people."})
    started_at = fields.DateTime()
    minutes = fields.Integer()
    note = fields.String()


class ActivitySchema(Schema):
    id = fields.Integer()
    case = fields.Nested(CaseRef)
    title = fields.String()
    occurred_on = fields.Date()
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(UserRef, allow_none=True)
    total_minutes = fields.Integer(metadata={"description": "The minutes of all its tasks."})
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "In the order they started."})
    version = fields.Integer()


class TaskTypeSchema(ConfiguredTypeSchema):
    category = fields.Nested(CaseCategoryRef)


class ActivityQuery(Schema):
    case_id = id_filter("Only this case's activities.")
    staff_id = id_filter("Only activities with a task this member of staff did.")
    person_id = id_filter("Only activities with a task involving this person.")
    occurred_from = fields.Date(metadata={"description": "On or after this day."})
    occurred_to = fields.Date(metadata={"description": "On or before this day."})
    sort = sort_field(("occurred_on", "recorded_at", "id"), "-occurred_on")


class NewTaskSchema(Schema):
    task_type_id = Id(required=True, metadata={"description": "See /api/v1/activities/task-types."})
    staff_id = Id(required=True, metadata={"description": "The member of staff who did it."})
    person_id = Id(required=True, metadata={"description": "One of the case's people."})
    started_at = fields.AwareDateTime(required=True, default_timezone=None,
                                      metadata={"description": "With its offset, e.g. 2026-11-20T14:30:00+00:00."})
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=24 * 60))
    note = Text(5000, load_default="")


class NewActivitySchema(Schema):
    case_id = Id(required=True)
    title = Text(200, required=True, metadata={"description": 'What the activity was, e.g. "Home visit".'})
    occurred_on = fields.Date(required=True, metadata={"description": "The day it took place; not in the future."})
    tasks = fields.List(fields.Nested(NewTaskSchema), required=True, validate=validate.Length(min=1, max=100))


_TASK_FIELD = re.compile(r"^tasks-(\d+)-(\w+)$")


def api_field(field: str) -> str:
    """The service's form field name as a request body names it: "tasks-0-start_time" is "tasks.0.started_at"."""
    match = _TASK_FIELD.match(field)
    if not match:
        return field
    name = {"start_time": "started_at"}.get(match.group(2), match.group(2))
    return f"tasks.{match.group(1)}.{name}"


def activity_or_404(activity_id: int) -> Activity:
    return get_or_404(Activity, activity_id, "activity")


@blp.route("/")
@require_login
class Activities(MethodView):
    @require_permission(VIEW)
    @blp.arguments(ActivityQuery, location="query")
    @blp.response(200, ActivitySchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, filters):
        """Activities, most recent first, filtered by case, staff, person and the days they took place."""
        query = select(Activity)
        if filters.get("case_id"):
            query = query.where(Activity.case_id == filters["case_id"])
        for name, column in (("staff_id", Task.staff_id), ("person_id", Task.person_id)):
            if filters.get(name):
                query = query.where(Activity.id.in_(select(Task.activity_id).where(column == filters[name])))
        start, end = filters.get("occurred_from"), filters.get("occurred_to")
        if start and end and end < start:
            invalid("occurred_to", "Give a date on or after occurred_from.")
        if start:
            query = query.where(Activity.occurred_on >= start)
        if end:
            query = query.where(Activity.occurred_on <= end)
        columns = {"occurred_on": Activity.occurred_on, "recorded_at": Activity.recorded_at, "id": Activity.id}
        return apply_sort(query, filters["sort"], columns, Activity.id.desc())

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewActivitySchema)
    @blp.response(201, ActivitySchema, headers={"ETag": ETAG})
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Record an activity on an open case with its tasks (activities.edit)."""
        case = case_for_field(data["case_id"])
        if not case.is_open:
            abort(409, f"Case {case.reference} is closed: reopen it to record an activity.")
        tasks = [services.TaskInput(task["task_type_id"], task["staff_id"], task["person_id"], task["started_at"],
                                    task["minutes"], task["note"]) for task in data["tasks"]]
        try:
            activity = services.add_activity(case, data["title"], data["occurred_on"], tasks)
        except services.ActivityError as exc:
            db.session.rollback()
            invalid(api_field(exc.field), str(exc))
        db.session.commit()
        return activity, etag_headers(activity)


@blp.route("/<int:activity_id>")
@require_login
class ActivityResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, ActivitySchema, headers={"ETag": ETAG})
    def get(self, activity_id):
        """One activity with its tasks and their total minutes."""
        activity = activity_or_404(activity_id)
        return activity, etag_headers(activity)


@blp.route("/<int:activity_id>/tasks")
@require_login
class Tasks(MethodView):
    @require_permission(VIEW)
    @blp.response(200, TaskSchema(many=True))
    def get(self, activity_id):
        """An activity's tasks, in the order they started."""
        return activity_or_404(activity_id).tasks


@blp.route("/<int:activity_id>/tasks/<int:task_id>")
@require_login
class TaskResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, TaskSchema)
    def get(self, activity_id, task_id):
        """One task of an activity."""
        activity = activity_or_404(activity_id)
        task = get_or_404(Task, task_id, "task")
        if task.activity_id != activity.id:
            not_found("task")
        return task


@blp.route("/task-types")
@require_login
class TaskTypes(MethodView):
    @require_permission(VIEW)
    @blp.arguments(ConfiguredTypeQuery, location="query")
    @blp.response(200, TaskTypeSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Task types of every department (or one), to choose task_type_id from."""
        return list_types("task-types", query)
