"""/api/v1/attendance: service users, sections and their registers, patterns and attendances, for integrators."""

from __future__ import annotations

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from core.access.services import can_see_sensitive
from core.api.conventions import (
    ETAG,
    MAX_ID,
    AnyPage,
    apply_sort,
    etag_headers,
    field_errors,
    get_or_404,
    invalid,
    not_found,
    sort_field,
    version_guard,
    versioned,
)
from core.api.schemas import Id, LookupRef, Text, UserRef
from core.audit import services as audit
from core.extensions import db
from core.people.models import Person
from core.permissions import require_login, require_permission

from . import services
from .models import (
    HALVES,
    MEETING_KINDS,
    NOT_ATTENDED,
    PAYMENT_METHODS,
    STATUSES,
    Attendance,
    Meeting,
    Pattern,
    ServiceUser,
)

blp = Blueprint(
    "attendance_api", __name__, url_prefix="/api/v1/attendance",
    description="Service users of the day service, sections and their registers, programme patterns and attendances.",
)


# --- schemas -----------------------------------------------------------------------------------------------------


class SectionRef(Schema):
    id = fields.Integer()
    name = fields.String()
    premises = fields.String(attribute="premises.name")


class SectionSchema(SectionRef):
    capacity = fields.Integer(metadata={"description": "Service users the section takes in one half-day."})
    manager = fields.Nested(UserRef, allow_none=True)
    opening_days = fields.Method("_days", metadata={"description": "Weekdays it opens, 0 Monday to 6 Sunday."})
    active = fields.Boolean()
    version = fields.Integer()

    def _days(self, section) -> list[int]:
        return sorted(section.opening_weekdays)


class ContactSchema(Schema):
    name = fields.String()
    relationship = fields.String(attribute="relationship_to")
    phone = fields.String()


class ServiceUserSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer(metadata={"description": "The core person record: /api/v1/people/{person_id}."})
    name = fields.String(attribute="person.full_name")
    referral_date = fields.Date()
    start_date = fields.Date(allow_none=True)
    funder = fields.Nested(LookupRef, allow_none=True)
    contract_reference = fields.String()
    key_worker = fields.Nested(UserRef, allow_none=True)
    payment_method = fields.String(metadata={"description": '"bacs" or "cash". Bank details are never sent.'})
    bank_details_warning = fields.Method("_bank_warning", allow_none=True, dump_only=True, metadata={
        "description": "Read only: when BACS details fail the bank's modulus check, a warning to check them with the "
                       "service user (naming only the account number's last four digits); null when none."})
    end_date = fields.Date(allow_none=True, metadata={"description": "The day they left, if they have."})
    move_on_outcome = fields.Nested(LookupRef, allow_none=True)
    move_on_date = fields.Date(allow_none=True)
    medical_conditions = fields.Method("_medical", allow_none=True, metadata={
        "description": "Sensitive: null unless you work with the service user (or hold people.sensitive.view)."})
    special_needs = fields.Method("_needs", allow_none=True, metadata={"description": "Sensitive, as "
                                                                                      "medical_conditions."})
    emergency_contacts = fields.List(fields.Nested(ContactSchema))
    version = fields.Integer()

    def _medical(self, service_user) -> str | None:
        return service_user.medical_conditions if can_see_sensitive(service_user.person_id) else None

    def _needs(self, service_user) -> str | None:
        return service_user.special_needs if can_see_sensitive(service_user.person_id) else None

    def _bank_warning(self, service_user) -> str | None:
        return services.bank_details_warning(service_user)


class NewServiceUserSchema(Schema):
    person_id = Id(required=True)
    referral_date = fields.Date(required=True)
    start_date = fields.Date(allow_none=True)
    funder_id = Id(allow_none=True, metadata={"description": "A value of the attendance.funder lookup list."})
    contract_reference = Text(100, load_default="")
    key_worker_id = Id(allow_none=True)
    payment_method = fields.String(load_default="cash", validate=validate.OneOf(PAYMENT_METHODS))
    bank_account_name = Text(100, load_default="")
    bank_sort_code = Text(8, load_default="", metadata={"description": "6 digits; dashes and spaces are dropped."})
    bank_account_number = Text(10, load_default="", metadata={"description": "8 digits."})


class ServiceUserChangeSchema(NewServiceUserSchema):
    person_id = Id(load_only=True, dump_default=None, metadata={"description": "Ignored: a profile stays with "
                                                                               "its person."})
    referral_date = fields.Date()


def _query_id(description: str) -> fields.Integer:
    """An id in a query string (Id is strict, so it refuses the text a query string carries)."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), metadata={"description": description})


class ServiceUserQuery(Schema):
    name = Text(200, load_default="")
    current = fields.Boolean(load_default=True, metadata={"description": "Only those who have not left (default)."})
    section_id = _query_id("Only those with a current or future pattern in this section.")


class SlotSchema(Schema):
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 Monday to 6 Sunday."})
    half = fields.String(required=True, validate=validate.OneOf(HALVES))


class PatternSchema(Schema):
    id = fields.Integer()
    service_user_id = fields.Integer()
    section = fields.Nested(SectionRef)
    start_date = fields.Date()
    end_date = fields.Date()
    slots = fields.List(fields.Nested(SlotSchema))
    version = fields.Integer()


class PatternInputSchema(Schema):
    section_id = Id(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True, validate=validate.Length(min=1))


class OverCapacitySchema(Schema):
    day = fields.Date()
    half = fields.String()
    expected = fields.Integer()
    capacity = fields.Integer(attribute="section.capacity")


class PatternSavedSchema(Schema):
    pattern = fields.Nested(PatternSchema)
    added = fields.Integer(metadata={"description": "Planned half-days added."})
    removed = fields.Integer(metadata={"description": "Future unmarked half-days removed before re-planning."})
    over_capacity = fields.List(fields.Nested(OverCapacitySchema), metadata={
        "description": "Half-days of this pattern when the section now expects more than its capacity."})


class NonAttendanceReasonRef(Schema):
    id = fields.Integer()
    code = fields.String()
    label = fields.String()
    paid = fields.Boolean(metadata={"description": "Whether a half-day missed for this reason is paid."})


class HalfDaySchema(Schema):
    id = fields.Integer()
    service_user_id = fields.Integer()
    name = fields.String(attribute="service_user.person.full_name")
    section = fields.Nested(SectionRef)
    day = fields.Date()
    half = fields.String()
    status = fields.String(metadata={"description": '"planned", "attended" or "not_attended".'})
    reason = fields.Nested(NonAttendanceReasonRef, allow_none=True)
    planned = fields.Boolean(metadata={"description": "False for unplanned attendance added on the register."})
    paid = fields.Boolean(attribute="is_paid")
    note = fields.String()
    marked_by = fields.Nested(UserRef, allow_none=True)
    marked_at = fields.DateTime(allow_none=True)


class AttendanceQuery(Schema):
    service_user_id = _query_id("Only this service user's half-days.")
    section_id = _query_id("Only this section's half-days.")
    start = fields.Date(data_key="from", metadata={"description": "First day, inclusive."})
    end = fields.Date(data_key="to", metadata={"description": "Last day, inclusive."})
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = sort_field(("day", "id"), "day")


class MarkSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason_code = Text(80, allow_none=True, metadata={"description": "Needed when status is not_attended."})
    note = Text(200, load_default="")

    @validates_schema
    def _reason(self, data, **kwargs):
        if data["status"] == NOT_ATTENDED and not data.get("reason_code"):
            raise SchemaError("Give the reason they did not attend", "reason_code")


class RegisterQuery(Schema):
    day = fields.Date(required=True)
    half = fields.String(required=True, validate=validate.OneOf(HALVES))


class MeetingActionSchema(Schema):
    intention_id = fields.Integer(metadata={"description": "The core intention that follows the action up."})
    note = fields.String(attribute="intention.note")
    assigned_user = fields.Nested(UserRef, attribute="intention.assigned_user", allow_none=True)
    due_on = fields.Date(attribute="intention.due_on")
    status = fields.String(attribute="intention.status", metadata={"description": '"open", "done" or "cancelled".'})


class MeetingSchema(Schema):
    id = fields.Integer()
    service_user_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(MEETING_KINDS))
    held_on = fields.Date()
    attendees = fields.String(metadata={"description": "Who attended, in the recorder's words."})
    notes = fields.String()
    next_review_on = fields.Date(allow_none=True)
    recorded_by = fields.Nested(UserRef, allow_none=True)
    recorded_at = fields.DateTime()
    actions = fields.List(fields.Nested(MeetingActionSchema))
    version = fields.Integer()


class AgreedActionSchema(Schema):
    description = Text(2000, required=True, min_length=1)
    assigned_user_id = Id(required=True, metadata={"description": "The member of staff who will do it."})
    due_on = fields.Date(required=True)


class MeetingInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    held_on = fields.Date(required=True, metadata={"description": "Today or in the past."})
    attendees = Text(5000, load_default="")
    notes = Text(20000, load_default="")
    next_review_on = fields.Date(allow_none=True, load_default=None, metadata={"description": "After held_on."})
    actions = fields.List(fields.Nested(AgreedActionSchema), load_default=list, validate=validate.Length(max=20),
                          metadata={"description": "Agreed actions, each made a core intention for its owner; when "
                                                   "changing a meeting these are added to the ones agreed before."})


# --- helpers -----------------------------------------------------------------------------------------------------


def _details(data: dict, current: ServiceUser | None = None) -> services.ServiceUserDetails:
    def pick(name, default=None):
        return data[name] if name in data else (getattr(current, name) if current is not None else default)

    return services.ServiceUserDetails(
        referral_date=pick("referral_date"), start_date=pick("start_date"), funder_id=pick("funder_id"),
        contract_reference=pick("contract_reference", ""), key_worker_id=pick("key_worker_id"),
        payment_method=pick("payment_method", "cash"), bank_account_name=pick("bank_account_name", ""),
        bank_sort_code=pick("bank_sort_code", ""), bank_account_number=pick("bank_account_number", ""),
    )


def _service_user_or_404(service_user_id: int) -> ServiceUser:
    return get_or_404(ServiceUser, service_user_id, "service user")


# --- service users -----------------------------------------------------------------------------------------------


@blp.route("/service-users")
@require_login
class ServiceUsers(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.arguments(ServiceUserQuery, location="query")
    @blp.response(200, ServiceUserSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Service users by family name."""
        return services.list_service_users(name=query["name"], current_only=query["current"],
                                           section_id=query.get("section_id"))

    @require_permission(services.VIEW_USERS, services.MANAGE_USERS)
    @blp.arguments(NewServiceUserSchema)
    @blp.response(201, ServiceUserSchema, headers={"ETag": ETAG})
    def post(self, data):
        """Make a core person a service user."""
        with field_errors(services.AttendanceError):
            service_user = services.create_service_user(data["person_id"], _details(data))
        db.session.commit()
        return service_user, {**etag_headers(service_user),
                                        "Location": f"/api/v1/attendance/service-users/{service_user.id}"}


@blp.route("/service-users/<int:service_user_id>")
@require_login
class ServiceUserResource(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.response(200, ServiceUserSchema, headers={"ETag": ETAG})
    def get(self, service_user_id):
        """One service user's profile; audited as a view of the person."""
        service_user = _service_user_or_404(service_user_id)
        audit.record_view("attendance_service_user", service_user.id, person_id=service_user.person_id)
        db.session.commit()
        return service_user, etag_headers(service_user)

    @require_permission(services.VIEW_USERS, services.MANAGE_USERS)
    @blp.arguments(ServiceUserChangeSchema)
    @blp.response(200, ServiceUserSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def patch(self, data, service_user_id):
        """Change a profile; only the fields sent change. Needs If-Match."""
        service_user = _service_user_or_404(service_user_id)
        with version_guard(service_user), field_errors(services.AttendanceError):
            services.update_service_user(service_user, _details(data, service_user))
        db.session.commit()
        return service_user, etag_headers(service_user)


@contextmanager
def meeting_refusals():
    """A meeting refusal as a 422 naming the API's field: the screen's actions-0-due_on is actions.0.due_on."""
    try:
        yield
    except services.AttendanceError as exc:
        invalid(exc.field.replace("-", "."), str(exc))


def _meeting_args(data: dict) -> tuple:
    actions = [services.AgreedAction(a["description"], a["assigned_user_id"], a["due_on"]) for a in data["actions"]]
    return (data["kind"], data["held_on"], data["attendees"], data["notes"], data["next_review_on"], actions)


@blp.route("/service-users/<int:service_user_id>/meetings")
@require_login
class Meetings(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.response(200, MeetingSchema(many=True))
    def get(self, service_user_id):
        """A service user's consultation and review meetings, newest first, with their agreed actions; audited as a
        view of the person."""
        service_user = _service_user_or_404(service_user_id)
        meetings = services.meetings_of(service_user)
        audit.record_view("attendance_service_user", service_user.id, person_id=service_user.person_id)
        db.session.commit()
        return meetings

    @require_permission(services.VIEW_USERS, services.RECORD_MEETINGS)
    @blp.arguments(MeetingInputSchema)
    @blp.response(201, MeetingSchema, headers={"ETag": ETAG})
    def post(self, data, service_user_id):
        """Record a meeting; each agreed action becomes an intention (needs intentions.manage as well)."""
        service_user = _service_user_or_404(service_user_id)
        with meeting_refusals():
            meeting = services.record_meeting(service_user, *_meeting_args(data))
        db.session.commit()
        return meeting, {**etag_headers(meeting), "Location": f"/api/v1/attendance/meetings/{meeting.id}"}


@blp.route("/meetings/<int:meeting_id>")
@require_login
class MeetingResource(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.response(200, MeetingSchema, headers={"ETag": ETAG})
    def get(self, meeting_id):
        """One meeting with its agreed actions, and its version as ETag; audited as a view of the person."""
        meeting = get_or_404(Meeting, meeting_id, "meeting")
        audit.record_view("attendance_meeting", meeting.id, person_id=meeting.service_user.person_id)
        db.session.commit()
        return meeting, etag_headers(meeting)

    @require_permission(services.VIEW_USERS, services.RECORD_MEETINGS)
    @blp.arguments(MeetingInputSchema)
    @blp.response(200, MeetingSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def put(self, data, meeting_id):
        """Change a meeting; actions sent are added to those agreed before, which stay as they are. Needs If-Match."""
        meeting = get_or_404(Meeting, meeting_id, "meeting")
        with version_guard(meeting), meeting_refusals():
            services.change_meeting(meeting, *_meeting_args(data))
        db.session.commit()
        return meeting, etag_headers(meeting)

    @require_permission(services.VIEW_USERS, services.RECORD_MEETINGS)
    @blp.response(204)
    @versioned(blp)
    def delete(self, meeting_id):
        """Remove a meeting recorded in error; its open agreed actions are cancelled. Needs If-Match."""
        meeting = get_or_404(Meeting, meeting_id, "meeting")
        with version_guard(meeting):
            services.remove_meeting(meeting)
        db.session.commit()


# --- patterns ----------------------------------------------------------------------------------------------------


@blp.route("/service-users/<int:service_user_id>/patterns")
@require_login
class Patterns(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.response(200, PatternSchema(many=True))
    def get(self, service_user_id):
        """A service user's patterns, latest first."""
        return services.patterns_of(_service_user_or_404(service_user_id))

    @require_permission(services.VIEW_USERS, services.MANAGE_PROGRAMMES)
    @blp.arguments(PatternInputSchema)
    @blp.response(201, PatternSavedSchema)
    def post(self, data, service_user_id):
        """Agree a pattern: plans its whole period at once and reports over-capacity half-days."""
        service_user = _service_user_or_404(service_user_id)
        with field_errors(services.AttendanceError):
            saved = services.save_pattern(service_user, data["section_id"], data["start_date"], data["end_date"],
                                          [(slot["weekday"], slot["half"]) for slot in data["slots"]])
        db.session.commit()
        return saved


@blp.route("/patterns/<int:pattern_id>")
@require_login
class PatternResource(MethodView):
    @require_permission(services.VIEW_USERS)
    @blp.response(200, PatternSchema, headers={"ETag": ETAG})
    def get(self, pattern_id):
        """One pattern, with its version as ETag."""
        pattern = get_or_404(Pattern, pattern_id, "pattern")
        return pattern, etag_headers(pattern)

    @require_permission(services.VIEW_USERS, services.MANAGE_PROGRAMMES)
    @blp.arguments(PatternInputSchema)
    @blp.response(200, PatternSavedSchema, headers={"ETag": ETAG})
    @versioned(blp)
    def put(self, data, pattern_id):
        """Change a pattern: re-plans from today only, keeping marked half-days. Needs If-Match."""
        pattern = get_or_404(Pattern, pattern_id, "pattern")
        with version_guard(pattern), field_errors(services.AttendanceError):
            saved = services.save_pattern(pattern.service_user, data["section_id"], data["start_date"],
                                          data["end_date"], [(s["weekday"], s["half"]) for s in data["slots"]],
                                          pattern=pattern)
        db.session.commit()
        return saved, etag_headers(pattern)


# --- sections and registers --------------------------------------------------------------------------------------


@blp.route("/sections")
@require_login
class Sections(MethodView):
    @require_permission(services.VIEW_SECTIONS)
    @blp.response(200, SectionSchema(many=True))
    def get(self):
        """Every section with its premises, capacity and opening days."""
        return services.list_sections()


@blp.route("/sections/<int:section_id>")
@require_login
class SectionResource(MethodView):
    @require_permission(services.VIEW_SECTIONS)
    @blp.response(200, SectionSchema, headers={"ETag": ETAG})
    def get(self, section_id):
        """One section."""
        section = services.get_section(section_id) or not_found("section")
        return section, etag_headers(section)


@blp.route("/sections/<int:section_id>/register")
@require_login
class Register(MethodView):
    @require_permission(services.VIEW_REGISTERS)
    @blp.arguments(RegisterQuery, location="query")
    @blp.response(200, HalfDaySchema(many=True))
    def get(self, query, section_id):
        """The register of a section for one half-day, by family name."""
        section = services.get_section(section_id) or not_found("section")
        return services.register(section, query["day"], query["half"])


# --- attendances -------------------------------------------------------------------------------------------------


@blp.route("/attendances")
@require_login
class Attendances(MethodView):
    @require_permission(services.VIEW_REGISTERS)
    @blp.arguments(AttendanceQuery, location="query")
    @blp.response(200, HalfDaySchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Planned and marked half-days, filtered by service user, section, dates and status."""
        found = select(Attendance).join(ServiceUser, Attendance.service_user_id == ServiceUser.id).join(
            Person, ServiceUser.person_id == Person.id)
        if query.get("service_user_id"):
            found = found.where(Attendance.service_user_id == query["service_user_id"])
        if query.get("section_id"):
            found = found.where(Attendance.section_id == query["section_id"])
        if query.get("start"):
            found = found.where(Attendance.day >= query["start"])
        if query.get("end"):
            found = found.where(Attendance.day <= query["end"])
        if query.get("status"):
            found = found.where(Attendance.status == query["status"])
        return apply_sort(found, query["sort"], {"day": Attendance.day, "id": Attendance.id}, Attendance.id)


@blp.route("/attendances/<int:attendance_id>")
@require_login
class AttendanceResource(MethodView):
    @require_permission(services.VIEW_REGISTERS)
    @blp.response(200, HalfDaySchema)
    def get(self, attendance_id):
        """One half-day."""
        return get_or_404(Attendance, attendance_id, "attendance")

    @require_permission(services.VIEW_REGISTERS, services.MARK_REGISTERS)
    @blp.arguments(MarkSchema)
    @blp.response(200, HalfDaySchema)
    def patch(self, data, attendance_id):
        """Mark a half-day attended or not attended (with a reason code), or back to planned."""
        row = get_or_404(Attendance, attendance_id, "attendance")
        reason_id = None
        if data["status"] == NOT_ATTENDED:
            reason = next((r for r in services.reasons(include_inactive=True) if r.code == data["reason_code"]), None)
            if reason is None:
                invalid("reason_code", f"No non-attendance reason has the code {data['reason_code']}")
            reason_id = reason.id
        with field_errors(services.AttendanceError):
            try:
                services.mark_register(row.section, row.day, row.half,
                                       [services.Mark(row.id, data["status"], reason_id, data["note"])])
            except services.AttendanceError as exc:
                # the screen's field names carry the row id; the API names its own fields
                exc.field = "reason_code" if exc.field.startswith("reason-") else "status"
                raise
        db.session.commit()
        return row

