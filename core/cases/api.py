"""/api/v1/cases: cases with their people, place, demands and end-to-end time; opening, changing, closing, reopening.

A demand is part of its case: it has no version of its own, so changing one needs the case's ETag as If-Match and
moves the case's version on. A restricted person on a case the caller may not open shows with their id and no name.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, select

from core.api.conventions import (
    ETAG,
    MAX_ID,
    AnyPage,
    abort,
    apply_sort,
    etag_headers,
    get_or_404,
    invalid,
    not_found,
    sort_field,
    sort_list,
    version_guard,
    versioned,
)
from core.api.schemas import Id, LookupRef, Text, UserRef
from core.cases import configuration, services
from core.cases.models import CLOSED, OPEN, Case, CasePerson, Demand
from core.extensions import db
from core.lookups import services as lookups
from core.people.api import may_open
from core.people.models import Person
from core.permissions import require_login, require_permission
from core.types import LONDON

VIEW, EDIT, CLOSE = services.VIEW, services.EDIT, services.CLOSE

blp = Blueprint(
    "api_cases", __name__, url_prefix="/api/v1/cases",
    description="Cases of value and failure demand about people: open one with its first demand, record more "
                "demands, close and reopen it (cases.view to read; cases.edit to open and change; cases.close).",
)

HEADERS = {"ETag": ETAG}


# --- references other areas' resources share ------------------------------------------------------------------


def id_filter(description: str = "") -> fields.Integer:
    """A record id given as a query parameter (text in a URL, so not strict like Id in a body)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": description})


def person_name(person: Person | None) -> str | None:
    """The person's name, or None for a restricted record the caller may not open."""
    return None if person is None or not may_open(person) else person.display_name


class PersonNameRef(Schema):
    """A person, as cases, tasks and intentions refer to them; the name is null for a restricted record you cannot
    open."""

    id = fields.Integer()
    name = fields.Function(person_name, allow_none=True, metadata={"type": "string"})


class TeamNameRef(Schema):
    """A team, as records refer to it."""

    id = fields.Integer()
    name = fields.String()


class CasePlaceRef(Schema):
    """A place, as a case refers to it."""

    id = fields.Integer()
    uprn = fields.Integer(allow_none=True)
    address = fields.String(attribute="label")
    postcode = fields.String(allow_none=True)


class CaseRef(Schema):
    """A case, as activities, intentions and conditions refer to it."""

    id = fields.Integer()
    reference = fields.String(metadata={"description": "The number staff quote, e.g. CAS-000123."})
    department = fields.String()


class ConfiguredTypeRef(Schema):
    """A configured type (demand, task, intention or condition type), as records refer to it."""

    id = fields.Integer()
    code = fields.String()
    label = fields.String()


class CaseCategoryRef(ConfiguredTypeRef):
    """A demand or task category, named apart in the OpenAPI document."""


class ConfiguredTypeSchema(Schema):
    """A configured type of a department."""

    id = fields.Integer()
    department = fields.String(metadata={"description": '"general", or the module whose department uses it.'})
    code = fields.String(metadata={"description": "Stable within the department; never changes."})
    label = fields.String()
    description = fields.String()
    active = fields.Boolean(metadata={"description": "Retired types stay on old records but cannot be chosen."})


class ConfiguredTypeQuery(Schema):
    department = Text(80, metadata={"description": 'Only this department\'s types ("general" for the shared ones).'})
    active = fields.Boolean(metadata={"description": "Only active (true) or only retired (false) types."})
    sort = sort_field(("department", "label", "code", "id"), "department,label")


def list_types(slug: str, query: dict) -> list:
    """A configured list's types, filtered and sorted as a type query asks."""
    rows = configuration.list_types(slug, query.get("department") or None)
    if "active" in query:
        rows = [row for row in rows if row.active == query["active"]]
    keys = {name: (lambda row, name=name: getattr(row, name)) for name in ("department", "label", "code", "id")}
    return sort_list(rows, query["sort"], keys)


def london_start(day: date) -> datetime:
    """Midnight at the start of a day in Europe/London, for "from" and "to" date filters."""
    return datetime.combine(day, time(0), tzinfo=LONDON)


def between(query: Select, column, start: date | None, end: date | None, start_field: str, end_field: str) -> Select:
    """Filter a select to times on or after the start day and on or before the end day (Europe/London)."""
    if start and end and end < start:
        invalid(end_field, f"Give a date on or after {start_field}.")
    if start:
        query = query.where(column >= london_start(start))
    if end:
        query = query.where(column < london_start(end + timedelta(days=1)))
    return query


# --- schemas -----------------------------------------------------------------------------------------------------


class DemandTypeRef(ConfiguredTypeRef):
    kind = fields.String(metadata={"description": "value or failure"})


class DemandTypeSchema(ConfiguredTypeSchema):
    category = fields.Nested(CaseCategoryRef)
    kind = fields.String(metadata={"description": "value (what the customer wants) or failure (caused by a failure "
                                                  "to do something or do it right)"})


class DemandSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    demand_type = fields.Nested(DemandTypeRef)
    kind = fields.String(metadata={"description": "value or failure, as the type was classed when it was recorded"})
    kind_label = fields.String(metadata={"description": "Value demand or Failure demand"})
    note = fields.String(metadata={"description": "What the customer said."})
    received_on = fields.Date()
    recorded_at = fields.DateTime()
    recorded_by = fields.Nested(UserRef, allow_none=True)


class CasePersonSchema(Schema):
    person = fields.Nested(PersonNameRef)
    role = fields.Nested(LookupRef, metadata={"description": "A cases.person_role value: subject, caller, ..."})
    added_at = fields.DateTime()


class StatusChangeSchema(Schema):
    action = fields.String(metadata={"description": "opened, closed or reopened"})
    reason = fields.String()
    at = fields.DateTime()
    by = fields.Nested(UserRef, allow_none=True)


def _end_to_end_seconds(case: Case) -> int:
    return int(case.end_to_end().total_seconds())


class CaseSummarySchema(Schema):
    id = fields.Integer()
    reference = fields.String(metadata={"description": "The number staff quote, e.g. CAS-000123."})
    department = fields.String(metadata={"description": '"general", or the module whose department works the case.'})
    summary = fields.String()
    status = fields.String(metadata={"description": "open or closed"})
    owner = fields.Nested(UserRef)
    team = fields.Nested(TeamNameRef, allow_none=True)
    place = fields.Nested(CasePlaceRef, allow_none=True)
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True, metadata={"description": "When it last closed; null while open."})
    end_to_end_seconds = fields.Function(
        _end_to_end_seconds, metadata={"type": "integer",
                                       "description": "Opening to closing; for an open case, the time so far."})
    end_to_end = fields.Function(lambda case: services.days_and_hours(case.end_to_end()),
                                 metadata={"type": "string", "description": 'As staff read it: "3 days 4 hours".'})
    version = fields.Integer()


class CaseSchema(CaseSummarySchema):
    people = fields.List(fields.Nested(CasePersonSchema))
    demands = fields.List(fields.Nested(DemandSchema), metadata={"description": "Oldest first; the first opened it."})
    opened_by = fields.Nested(UserRef, allow_none=True)
    close_reason = fields.Nested(LookupRef, allow_none=True, metadata={"description": "A cases.close_reason value."})
    close_note = fields.String()
    history = fields.List(fields.Nested(StatusChangeSchema), attribute="status_changes",
                          metadata={"description": "Every opening, closing and reopening, oldest first."})


class CaseQuery(Schema):
    department = Text(80, metadata={"description": '"general" or a module\'s name.'})
    status = fields.String(validate=validate.OneOf((OPEN, CLOSED)))
    person_id = id_filter("Only cases about this person.")
    owner_id = id_filter("Only cases this member of staff owns.")
    team_id = id_filter("Only cases of this team.")
    opened_from = fields.Date(metadata={"description": "Opened on or after this day (Europe/London)."})
    opened_to = fields.Date(metadata={"description": "Opened on or before this day (Europe/London)."})
    sort = sort_field(("opened_at", "closed_at", "id", "department", "status"), "-opened_at")


class NewCasePersonSchema(Schema):
    person_id = Id(required=True)
    role = fields.String(load_default="subject", validate=validate.Length(max=80),
                         metadata={"description": "A cases.person_role code: subject (the default), caller, ..."})


class NewDemandSchema(Schema):
    demand_type_id = Id(required=True, metadata={"description": "See /api/v1/cases/demand-types."})
    received_on = fields.Date(required=True, metadata={"description": "The day the council received it."})
    note = Text(5000, load_default="", metadata={"description": "What the customer said, in their words."})


class DemandChangeSchema(Schema):
    demand_type_id = Id()
    received_on = fields.Date()
    note = Text(5000)


class NewCaseSchema(Schema):
    department = Text(80, required=True, metadata={"description": '"general" or a module\'s name.'})
    people = fields.List(fields.Nested(NewCasePersonSchema), required=True, validate=validate.Length(min=1, max=50),
                         metadata={"description": "Who the case is about; the first is usually the subject."})
    demand = fields.Nested(NewDemandSchema, required=True, metadata={"description": "The demand that opens it."})
    owner_id = Id(metadata={"description": "The responsible member of staff; you, when not given."})
    team_id = Id(allow_none=True)
    place_id = Id(allow_none=True)
    summary = Text(200, load_default="")


class CaseChangeSchema(Schema):
    summary = Text(200)
    owner_id = Id()
    team_id = Id(allow_none=True)
    place_id = Id(allow_none=True)


class AddCasePersonSchema(Schema):
    person_id = Id(required=True)
    role = fields.String(required=True, validate=validate.Length(max=80),
                         metadata={"description": "A cases.person_role code: subject, caller, ..."})


class CloseCaseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=80),
                           metadata={"description": "A cases.close_reason code: resolved, no_further_action, ..."})
    note = Text(2000, load_default="")


class ReopenCaseSchema(Schema):
    reason = Text(2000, required=True, min_length=1, metadata={"description": "Why the case is being reopened."})


# --- helpers -----------------------------------------------------------------------------------------------------


def case_or_404(case_id: int) -> Case:
    """The case, or 404."""
    return get_or_404(Case, case_id, "case")


def case_for_field(case_id: int | None, field: str = "case_id") -> Case:
    """The case a request body names, or a 422 naming the field."""
    case = db.session.get(Case, case_id) if case_id else None
    if case is None:
        invalid(field, "No case with that id, or you cannot see it.")
    return case


def _person_for(person_id: int, field: str) -> Person:
    """A person a request names, who the caller may open; anyone else is "not found", so nothing leaks."""
    person = db.session.get(Person, person_id)
    if person is None or person.merged_into_id is not None or not may_open(person):
        invalid(field, "No person with that id, or you cannot see them.")
    return person


def _role_code(code: str, field: str) -> str:
    try:
        lookups.value(services.PERSON_ROLES, code)
    except KeyError:
        invalid(field, f'"{code}" is not a cases.person_role code: see /api/v1/lookups/cases.person_role/values.')
    return code


def _refused(exc: services.CaseError, names: dict[str, str]) -> None:
    invalid(names.get(exc.field, exc.field), str(exc))


def _demand_or_404(case: Case, demand_id: int) -> Demand:
    demand = get_or_404(Demand, demand_id, "demand")
    if demand.case_id != case.id:
        not_found("demand")
    return demand


def case_query(filters: dict) -> Select:
    """Cases matching the list filters, sorted."""
    query = select(Case)
    if filters.get("department"):
        query = query.where(Case.department == filters["department"])
    if filters.get("status"):
        query = query.where(Case.status == filters["status"])
    if filters.get("owner_id"):
        query = query.where(Case.owner_id == filters["owner_id"])
    if filters.get("team_id"):
        query = query.where(Case.team_id == filters["team_id"])
    if filters.get("person_id"):
        query = query.where(Case.id.in_(select(CasePerson.case_id).where(CasePerson.person_id == filters["person_id"])))
    query = between(query, Case.opened_at, filters.get("opened_from"), filters.get("opened_to"),
                    "opened_from", "opened_to")
    columns = {"opened_at": Case.opened_at, "closed_at": Case.closed_at, "id": Case.id,
               "department": Case.department, "status": Case.status}
    return apply_sort(query, filters["sort"], columns, Case.id.desc())


# --- routes ------------------------------------------------------------------------------------------------------


@blp.route("/")
@require_login
class Cases(MethodView):
    @require_permission(VIEW)
    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CaseSummarySchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, filters):
        """Cases, newest first, filtered by department, status, person, owner, team and the days they opened."""
        return case_query(filters)

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewCaseSchema)
    @blp.response(201, CaseSchema, headers=HEADERS)
    def post(self, data):
        """Open a case about one or more people with its first demand (cases.edit); automatic intentions follow."""
        people = []
        for index, entry in enumerate(data["people"]):
            person = _person_for(entry["person_id"], f"people.{index}.person_id")
            people.append((person.id, _role_code(entry["role"], f"people.{index}.role")))
        demand = data["demand"]
        try:
            case = services.open_case(
                department=data["department"], people=people, demand_type_id=demand["demand_type_id"],
                received_on=demand["received_on"], demand_note=demand["note"], owner_id=data.get("owner_id"),
                team_id=data.get("team_id"), place_id=data.get("place_id"), summary=data["summary"],
            )
        except services.CaseError as exc:
            _refused(exc, {"demand_type_id": "demand.demand_type_id", "received_on": "demand.received_on",
                           "person_id": "people", "role": "people"})
        db.session.commit()
        return case, etag_headers(case)


@blp.route("/<int:case_id>")
@require_login
class CaseResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, CaseSchema, headers=HEADERS)
    def get(self, case_id):
        """One case with its people, place, demands, history and end-to-end time; its version as ETag."""
        case = case_or_404(case_id)
        return case, etag_headers(case)

    @require_permission(VIEW, EDIT)
    @blp.arguments(CaseChangeSchema)
    @blp.response(200, CaseSchema, headers=HEADERS)
    @versioned(blp)
    def patch(self, data, case_id):
        """Change a case's summary, owner, team or place (cases.edit); needs If-Match."""
        case = case_or_404(case_id)
        with version_guard(case):
            try:
                services.update_case(
                    case, summary=data.get("summary", case.summary), owner_id=data.get("owner_id", case.owner_id),
                    team_id=data.get("team_id", case.team_id), place_id=data.get("place_id", case.place_id),
                )
            except services.CaseError as exc:
                db.session.rollback()
                _refused(exc, {})
        db.session.commit()
        return case, etag_headers(case)


@blp.route("/<int:case_id>/close")
@require_login
class CloseCase(MethodView):
    @require_permission(VIEW, CLOSE)
    @blp.arguments(CloseCaseSchema)
    @blp.response(200, CaseSchema, headers=HEADERS)
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def post(self, data, case_id):
        """Close an open case with a cases.close_reason code (cases.close), fixing its end-to-end time; needs If-Match."""
        case = case_or_404(case_id)
        with version_guard(case):
            if not case.is_open:
                abort(409, f"Case {case.reference} is already closed.")
            try:
                reason = lookups.value(services.CLOSE_REASONS, data["reason"])
            except KeyError:
                invalid("reason", f'"{data["reason"]}" is not a cases.close_reason code: see '
                                  "/api/v1/lookups/cases.close_reason/values.")
            try:
                services.close_case(case, reason.id, data["note"])
            except services.CaseError as exc:
                db.session.rollback()
                _refused(exc, {"reason_id": "reason"})
        db.session.commit()
        return case, etag_headers(case)


@blp.route("/<int:case_id>/reopen")
@require_login
class ReopenCase(MethodView):
    @require_permission(VIEW, CLOSE)
    @blp.arguments(ReopenCaseSchema)
    @blp.response(200, CaseSchema, headers=HEADERS)
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def post(self, data, case_id):
        """Reopen a closed case, giving the reason kept in its history (cases.close); needs If-Match."""
        case = case_or_404(case_id)
        with version_guard(case):
            if case.is_open:
                abort(409, f"Case {case.reference} is already open.")
            try:
                services.reopen_case(case, data["reason"])
            except services.CaseError as exc:
                db.session.rollback()
                _refused(exc, {})
        db.session.commit()
        return case, etag_headers(case)


@blp.route("/<int:case_id>/people")
@require_login
class CasePeople(MethodView):
    @require_permission(VIEW)
    @blp.response(200, CasePersonSchema(many=True))
    def get(self, case_id):
        """The people a case is about, with their roles."""
        return case_or_404(case_id).people

    @require_permission(VIEW, EDIT)
    @blp.arguments(AddCasePersonSchema)
    @blp.response(201, CasePersonSchema, headers=HEADERS)
    def post(self, data, case_id):
        """Add another person to a case in a role such as caller (cases.edit)."""
        case = case_or_404(case_id)
        person = _person_for(data["person_id"], "person_id")
        try:
            link = services.add_person(case, person.id, _role_code(data["role"], "role"))
        except services.CaseError as exc:
            db.session.rollback()
            _refused(exc, {})
        db.session.commit()
        return link, etag_headers(case)


@blp.route("/<int:case_id>/demands")
@require_login
class Demands(MethodView):
    @require_permission(VIEW)
    @blp.response(200, DemandSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, case_id):
        """A case's demands, oldest first."""
        return select(Demand).where(Demand.case_id == case_or_404(case_id).id).order_by(Demand.id)

    @require_permission(VIEW, EDIT)
    @blp.arguments(NewDemandSchema)
    @blp.response(201, DemandSchema, headers={"ETag": {**ETAG, "description": "The case's version."}})
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, case_id):
        """Record another demand on an open case (cases.edit); its value or failure class comes from its type."""
        case = case_or_404(case_id)
        if not case.is_open:
            abort(409, f"Case {case.reference} is closed: reopen it to record another demand.")
        try:
            demand = services.add_demand(case, data["demand_type_id"], data["note"], data["received_on"])
        except services.CaseError as exc:
            db.session.rollback()
            _refused(exc, {})
        db.session.commit()
        return demand, etag_headers(case)


@blp.route("/<int:case_id>/demands/<int:demand_id>")
@require_login
class DemandResource(MethodView):
    @require_permission(VIEW)
    @blp.response(200, DemandSchema, headers={"ETag": {**ETAG, "description": "The case's version."}})
    def get(self, case_id, demand_id):
        """One demand of a case; the ETag is the case's version, which a change to the demand needs."""
        case = case_or_404(case_id)
        return _demand_or_404(case, demand_id), etag_headers(case)

    @require_permission(VIEW, EDIT)
    @blp.arguments(DemandChangeSchema)
    @blp.response(200, DemandSchema, headers={"ETag": {**ETAG, "description": "The case's new version."}})
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def patch(self, data, case_id, demand_id):
        """Correct a demand's type, note or received date on an open case (cases.edit); If-Match is the case's ETag."""
        case = case_or_404(case_id)
        demand = _demand_or_404(case, demand_id)
        with version_guard(case):
            if not case.is_open:
                abort(409, f"Case {case.reference} is closed: reopen it to change a demand.")
            try:
                services.update_demand(
                    demand, data.get("demand_type_id", demand.demand_type_id), data.get("note", demand.note),
                    data.get("received_on", demand.received_on),
                )
            except services.CaseError as exc:
                db.session.rollback()
                _refused(exc, {})
        db.session.commit()
        return demand, etag_headers(case)


@blp.route("/demand-types")
@require_login
class DemandTypes(MethodView):
    @require_permission(VIEW)
    @blp.arguments(ConfiguredTypeQuery, location="query")
    @blp.response(200, DemandTypeSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Demand types of every department (or one), to choose demand_type_id from."""
        return list_types("demand-types", query)
