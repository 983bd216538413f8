"""/api/v1/conditions: system conditions (what got in the way) recorded on cases, activities and tasks, and the counts
by type that managers use to see what most often gets in the way."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema
from sqlalchemy import or_, select

from core.activities.models import Activity, Task
from core.api.conventions import AnyPage, abort, apply_sort, get_or_404, invalid, sort_field
from core.api.schemas import Id, Text, UserRef
from core.cases.api import (
    CaseRef,
    ConfiguredTypeQuery,
    ConfiguredTypeRef,
    ConfiguredTypeSchema,
    between,
    case_for_field,
    id_filter,
    list_types,
)
from core.cases.services import london_today
from core.conditions import services
from core.conditions.models import Condition
from core.extensions import db
from core.permissions import require_login, require_permission

VIEW, RECORD, REPORT = services.VIEW, services.RECORD, services.REPORT
TARGETS = ("case_id", "activity_id", "task_id")
#: the longest period the counts cover in one request
MAX_DAYS = 3660

blp = Blueprint(
    "api_conditions", __name__, url_prefix="/api/v1/conditions",
    description="System conditions: things that got in the way of doing the job, recorded against a case, an "
                "activity or a task (cases.view to read; conditions.record to record; conditions.report for counts).",
)


def _owning_case(condition: Condition):
    if condition.case is not None:
        return condition.case
    if condition.activity is not None:
        return condition.activity.case
    return condition.task.activity.case


class ConditionSchema(Schema):
    id = fields.Integer()
    condition_type = fields.Nested(ConfiguredTypeRef)
    note = fields.String()
    case = fields.Function(lambda row: CaseRef().dump(_owning_case(row)), metadata={
        "type": "object", "description": "The case it was recorded on, or whose activity or task it was recorded on."})
    activity_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    against = fields.Function(
        lambda row: "task" if row.task_id else "activity" if row.activity_id else "case",
        metadata={"type": "string", "description": "case, activity or task: what it got in the way of."},
    )
    department = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(UserRef, allow_none=True)


class ConditionQuery(Schema):
    case_id = id_filter("Only this case's, including those on its activities and tasks.")
    condition_type_id = id_filter()
    department = Text(80)
    recorded_from = fields.Date(metadata={"description": "Recorded on or after this day (Europe/London)."})
    recorded_to = fields.Date(metadata={"description": "Recorded on or before this day (Europe/London)."})
    sort = sort_field(("recorded_at", "id"), "-recorded_at")


class NewConditionSchema(Schema):
    condition_type_id = Id(required=True, metadata={"description": "See /api/v1/conditions/types."})
    note = Text(5000, load_default="")
    case_id = Id(metadata={"description": "Give exactly one of case_id, activity_id and task_id."})
    activity_id = Id()
    task_id = Id()

    @validates_schema
    def exactly_one_target(self, data, **kwargs):
        given = [name for name in TARGETS if data.get(name)]
        if len(given) != 1:
            raise ValidationError("Give exactly one of case_id, activity_id and task_id: what got in the way.",
                                  field_name=given[1] if len(given) > 1 else "case_id")


class CountsQuery(Schema):
    start = fields.Date(metadata={"description": "First day (Europe/London); 29 days before end if not given."})
    end = fields.Date(metadata={"description": "Last day, included; today if not given."})
    department = Text(80)


class ConditionCountSchema(Schema):
    code = fields.String()
    label = fields.String()
    department = fields.String()
    count = fields.Integer()
    share = fields.Integer(metadata={"description": "Of all conditions in the period, as a whole percentage."})


class ConditionCountsSchema(Schema):
    start = fields.Date()
    end = fields.Date()
    department = fields.String(allow_none=True)
    total = fields.Integer()
    rows = fields.List(fields.Nested(ConditionCountSchema), metadata={"description": "Most frequent first."})


def _target(data: dict) -> dict:
    """The case, activity or task a request names, as record_condition takes it; a 422 naming the field if unknown."""
    if data.get("case_id"):
        return {"case": case_for_field(data["case_id"])}
    model, name, field = (Activity, "activity", "activity_id") if data.get("activity_id") else (Task, "task", "task_id")
    record = db.session.get(model, data[field])
    if record is None:
        invalid(field, f"No {name} with that id, or you cannot see it.")
    return {name: record}


@blp.route("/")
@require_login
class Conditions(MethodView):
    @require_permission(VIEW)
    @blp.arguments(ConditionQuery, location="query")
    @blp.response(200, ConditionSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, filters):
        """System conditions, newest first, filtered by case, type, department and the days they were recorded."""
        query = select(Condition)
        if filters.get("case_id"):
            activity_ids = select(Activity.id).where(Activity.case_id == filters["case_id"])
            task_ids = select(Task.id).where(Task.activity_id.in_(activity_ids))
            query = query.where(or_(Condition.case_id == filters["case_id"], Condition.activity_id.in_(activity_ids),
                                    Condition.task_id.in_(task_ids)))
        if filters.get("condition_type_id"):
            query = query.where(Condition.condition_type_id == filters["condition_type_id"])
        if filters.get("department"):
            query = query.where(Condition.department == filters["department"])
        query = between(query, Condition.recorded_at, filters.get("recorded_from"), filters.get("recorded_to"),
                        "recorded_from", "recorded_to")
        columns = {"recorded_at": Condition.recorded_at, "id": Condition.id}
        return apply_sort(query, filters["sort"], columns, Condition.id.desc())

    @require_permission(VIEW, RECORD)
    @blp.arguments(NewConditionSchema)
    @blp.response(201, ConditionSchema)
    def post(self, data):
        """Record that something got in the way, against exactly one of a case, an activity or a task."""
        try:
            condition = services.record_condition(data["condition_type_id"], data["note"], **_target(data))
        except services.ConditionError as exc:
            db.session.rollback()
            invalid("case_id" if exc.field == "target" else exc.field, str(exc))
        db.session.commit()
        return condition


@blp.route("/<int:condition_id>")
@require_login
class ConditionResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, ConditionSchema)
    def get(self, condition_id):
        """One system condition."""
        return get_or_404(Condition, condition_id, "system condition")


@blp.route("/counts")
@require_login
class ConditionCounts(MethodView):
    @require_permission(REPORT)
    @blp.arguments(CountsQuery, location="query")
    @blp.response(200, ConditionCountsSchema)
    def get(self, query):
        """How often each condition type was recorded between two days, most first (conditions.report)."""
        end = query.get("end") or london_today()
        start = query.get("start") or end - timedelta(days=29)
        if end < start:
            invalid("end", "Give a day on or after start.")
        if (end - start).days > MAX_DAYS:
            abort(422, f"Ask for at most {MAX_DAYS} days at a time.", errors={"start": [f"Within {MAX_DAYS} days of end."]})
        counts = services.condition_counts(start, end, query.get("department") or None)
        rows = [{"code": row.code, "label": row.label, "department": row.department, "count": row.count,
                 "share": counts.share(row)} for row in counts.rows]
        return {"start": counts.start, "end": counts.end, "department": counts.department, "total": counts.total,
                "rows": rows}


@blp.route("/types")
@require_login
class ConditionTypes(MethodView):
    @require_permission(VIEW)
    @blp.arguments(ConfiguredTypeQuery, location="query")
    @blp.response(200, ConfiguredTypeSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """System condition types of every department (or one), to choose condition_type_id from."""
        return list_types("condition-types", query)
