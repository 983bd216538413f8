"""/api/v1/intentions: things that need doing by a date, for a member of staff or a team, about a case or a person."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import or_, select

from core.access.services import team_ids_of
from core.api.conventions import (
    ETAG,
    AnyPage,
    abort,
    apply_sort,
    etag_headers,
    get_or_404,
    invalid,
    sort_field,
    version_guard,
    versioned,
)
from core.api.schemas import Id, Text, UserRef
from core.cases.api import (
    CaseRef,
    ConfiguredTypeQuery,
    ConfiguredTypeRef,
    ConfiguredTypeSchema,
    PersonNameRef,
    TeamNameRef,
    case_for_field,
    id_filter,
    list_types,
    may_open,
)
from core.cases.services import london_today
from core.extensions import db
from core.intentions import services
from core.intentions.models import OPEN, STATUSES, Intention
from core.people.models import Person
from core.permissions import acting_user, require_login, require_permission

MANAGE = services.MANAGE

blp = Blueprint(
    "api_intentions", __name__, url_prefix="/api/v1/intentions",
    description="Intentions: follow-ups due by a date, for a member of staff or a team, about a case or a person; "
                "some are created by themselves when a case opens (intentions.manage).",
)


class IntentionSchema(Schema):
    id = fields.Integer()
    intention_type = fields.Nested(ConfiguredTypeRef)
    due_on = fields.Date()
    overdue = fields.Function(lambda item: item.is_overdue(london_today()),
                              metadata={"type": "boolean", "description": "Open and due before today (Europe/London)."})
    assigned_user = fields.Nested(UserRef, allow_none=True)
    team = fields.Nested(TeamNameRef, allow_none=True)
    status = fields.String(metadata={"description": "open, done or cancelled"})
    status_changed_at = fields.DateTime(allow_none=True, metadata={"description": "When it was done or cancelled."})
    status_changed_by = fields.Nested(UserRef, allow_none=True)
    note = fields.String()
    case = fields.Nested(CaseRef, allow_none=True)
    person = fields.Nested(PersonNameRef, allow_none=True)
    automatic = fields.Function(lambda item: item.rule_id is not None,
                                metadata={"type": "boolean", "description": "Created by a rule when its case opened."})
    created_at = fields.DateTime()
    created_by = fields.Nested(UserRef, allow_none=True)
    version = fields.Integer()


class IntentionQuery(Schema):
    mine = fields.Boolean(metadata={"description": "true: yours and your teams' (the \"my work\" tray)."})
    assigned_user_id = id_filter("Only those for this member of staff.")
    team_id = id_filter("Only those for this team.")
    status = fields.String(validate=validate.OneOf([code for code, _ in STATUSES]))
    due_from = fields.Date(metadata={"description": "Due on or after this day."})
    due_to = fields.Date(metadata={"description": "Due on or before this day."})
    overdue = fields.Boolean(metadata={"description": "true: open and due before today; false: everything else."})
    case_id = id_filter("Only this case's.")
    person_id = id_filter("Only those about this person (not their cases').")
    intention_type_id = id_filter()
    sort = sort_field(("due_on", "created_at", "status", "id"), "due_on")


class NewIntentionSchema(Schema):
    intention_type_id = Id(required=True, metadata={"description": "See /api/v1/intentions/types."})
    due_on = fields.Date(required=True)
    assigned_user_id = Id(allow_none=True, metadata={"description": "A member of staff, a team, or both."})
    team_id = Id(allow_none=True)
    note = Text(5000, load_default="")
    case_id = Id(allow_none=True, metadata={"description": "The case it is about; or give person_id, or both."})
    person_id = Id(allow_none=True, metadata={"description": "The person it is about: one of the case's people."})


def intention_or_404(intention_id: int) -> Intention:
    return get_or_404(Intention, intention_id, "intention")


@blp.route("/")
@require_login
class Intentions(MethodView):
    @require_permission(MANAGE)
    @blp.arguments(IntentionQuery, location="query")
    @blp.response(200, IntentionSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, filters):
        """Intentions, soonest due first, filtered by who they are for, status, due dates, case and person."""
        query = select(Intention)
        if filters.get("mine"):
            user = acting_user()
            teams = team_ids_of(user)
            mine = Intention.assigned_user_id == user.id
            query = query.where(or_(mine, Intention.team_id.in_(teams)) if teams else mine)
        for name, column in (("assigned_user_id", Intention.assigned_user_id), ("team_id", Intention.team_id),
                             ("status", Intention.status), ("case_id", Intention.case_id),
                             ("person_id", Intention.person_id), ("intention_type_id", Intention.intention_type_id)):
            if filters.get(name):
                query = query.where(column == filters[name])
        start, end = filters.get("due_from"), filters.get("due_to")
        if start and end and end < start:
            invalid("due_to", "Give a date on or after due_from.")
        if start:
            query = query.where(Intention.due_on >= start)
        if end:
            query = query.where(Intention.due_on <= end)
        if "overdue" in filters:
            late = (Intention.status == OPEN) & (Intention.due_on < london_today())
            query = query.where(late if filters["overdue"] else ~late)
        columns = {"due_on": Intention.due_on, "created_at": Intention.created_at, "status": Intention.status,
                   "id": Intention.id}
        return apply_sort(query, filters["sort"], columns, Intention.id)

    @require_permission(MANAGE)
    @blp.arguments(NewIntentionSchema)
    @blp.response(201, IntentionSchema, headers={"ETag": ETAG})
    def post(self, data):
        """Add an intention for a member of staff or a team (or both), about a case or a person."""
        case = case_for_field(data["case_id"]) if data.get("case_id") else None
        if data.get("person_id"):
            person = db.session.get(Person, data["person_id"])
            if person is None or not may_open(person):
                invalid("person_id", "No person with that id, or you cannot see them.")
        try:
            intention = services.add_intention(
                intention_type_id=data["intention_type_id"], due_on=data["due_on"],
                assigned_user_id=data.get("assigned_user_id"), team_id=data.get("team_id"), note=data["note"],
                case=case, person_id=data.get("person_id"),
            )
        except services.IntentionError as exc:
            db.session.rollback()
            invalid(exc.field, str(exc))
        db.session.commit()
        return intention, etag_headers(intention)


@blp.route("/<int:intention_id>")
@require_login
class IntentionResource(MethodView):
    @require_permission(MANAGE)
    @blp.response(200, IntentionSchema, headers={"ETag": ETAG})
    def get(self, intention_id):
        """One intention, with its version as ETag."""
        intention = intention_or_404(intention_id)
        return intention, etag_headers(intention)


def _change(intention_id: int, action) -> tuple[Intention, dict]:
    intention = intention_or_404(intention_id)
    with version_guard(intention):
        if not intention.is_open:
            abort(409, f"This intention is already {intention.status_label.lower()}.")
        action(intention)
    db.session.commit()
    return intention, etag_headers(intention)


@blp.route("/<int:intention_id>/complete")
@require_login
class CompleteIntention(MethodView):
    @require_permission(MANAGE)
    @blp.response(200, IntentionSchema, headers={"ETag": ETAG})
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def post(self, intention_id):
        """Mark an open intention done, recording who and when; needs If-Match."""
        return _change(intention_id, services.complete)


@blp.route("/<int:intention_id>/cancel")
@require_login
class CancelIntention(MethodView):
    @require_permission(MANAGE)
    @blp.response(200, IntentionSchema, headers={"ETag": ETAG})
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def post(self, intention_id):
        """Cancel an open intention that no longer needs doing, recording who and when; needs If-Match."""
        return _change(intention_id, services.cancel)


@blp.route("/types")
@require_login
class IntentionTypes(MethodView):
    @require_permission(MANAGE)
    @blp.arguments(ConfiguredTypeQuery, location="query")
    @blp.response(200, ConfiguredTypeSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Intention types of every department (or one), to choose intention_type_id from."""
        return list_types("intention-types", query)
