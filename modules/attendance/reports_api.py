"""/api/v1/attendance/reports: the quarterly funder report's figures as JSON, for a funder's or the provider's tools."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.api.conventions import invalid
from core.api.schemas import LookupRef
from core.audit import services as audit
from core.extensions import db
from core.permissions import authorize, require_login, require_permission

from . import reports

blp = Blueprint(
    "api_attendance_reports", __name__, url_prefix="/api/v1/attendance/reports",
    description="Attendance reports' figures: the quarterly report to funders (attendance.funder_report.view).",
)

RATE = {"description": "A fraction from 0 to 1 (0.8 is 80%), to four decimal places; null when there is nothing to "
                       "divide by."}


class FunderQuarterlyQuery(Schema):
    quarter = fields.String(
        required=True, validate=validate.Length(max=40),
        metadata={"description": "A financial-year quarter (April to March) such as `2026/27 Q2` (July to September "
                                 "2026), or a calendar quarter such as `2026 Q3`.", "example": "2026/27 Q2"},
    )
    funder = fields.String(
        load_default=None, validate=validate.Length(max=80),
        metadata={"description": "A code of /api/v1/lookups/attendance.funder/values; leave out for all funders.",
                  "example": "nhs_icb"},
    )


class QuarterSchema(Schema):
    code = fields.String(metadata={"example": "2026/27 Q2"})
    start = fields.Date()
    end = fields.Date()
    basis = fields.String(metadata={"description": "`financial` (April to March) or `calendar`."})
    counted_to = fields.Date(metadata={"description": "The last day counted: the quarter's end, or yesterday while "
                                                      "it runs."})


class ServiceUserCountsSchema(Schema):
    active = fields.Integer(metadata={"description": "Started on or before the quarter's end, not left before its "
                                                     "start."})
    new = fields.Integer(metadata={"description": "Started in the quarter."})
    left = fields.Integer(metadata={"description": "Left in the quarter."})
    moved_on_to_paid_employment = fields.Integer()
    moved_on_to_training_or_education = fields.Integer()
    referred = fields.Integer(metadata={"description": "Referred in the quarter."})
    average_half_days_attended = fields.Float(allow_none=True, metadata={
        "description": "Half-days attended, planned or not, per active service user, to one decimal place."})
    average_days_referral_to_start = fields.Float(allow_none=True, metadata={
        "description": "For service users who started in the quarter, to one decimal place."})


class OutcomeRef(Schema):
    code = fields.String(metadata={"description": "Stable machine name; never changes."})
    label = fields.String()


class OutcomeSchema(Schema):
    outcome = fields.Nested(OutcomeRef, allow_none=True,
                            metadata={"description": "A value of attendance.move_on_outcome; null when none was "
                                                     "recorded."})
    leavers = fields.Integer()


class AttendanceSchema(Schema):
    section = fields.String(metadata={"description": "The section and its premises; \"All sections\" for the "
                                                     "total."})
    planned = fields.Integer(metadata={"description": "Planned half-days in the quarter, up to counted_to."})
    attended = fields.Integer()
    not_attended_paid = fields.Integer(metadata={"description": "Missed for a reason the provider pays."})
    not_attended_unpaid = fields.Integer()
    not_marked = fields.Integer(metadata={"description": "Registers not yet marked."})
    unplanned_attended = fields.Integer(metadata={"description": "Attended without being planned; not in the rate."})
    attendance_rate = fields.Float(allow_none=True, metadata=RATE)
    attendance_rate_with_paid_absence = fields.Float(allow_none=True, metadata=RATE)


class ReasonSchema(Schema):
    reason = fields.String()
    paid = fields.Boolean()
    half_days = fields.Integer()


class ReviewsSchema(Schema):
    due = fields.Integer(metadata={"description": "Review dates in the quarter, up to counted_to."})
    held_on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True, metadata=RATE)


class GroupSchema(Schema):
    group = fields.String(metadata={"description": "The group's label, or \"Not recorded\"."})
    active = fields.Integer()
    new = fields.Integer()


class DemographicsSchema(Schema):
    age_band = fields.List(fields.Nested(GroupSchema), metadata={"description": "Ages on the quarter's last day."})
    gender = fields.List(fields.Nested(GroupSchema))
    ethnicity = fields.List(fields.Nested(GroupSchema))
    disability = fields.List(fields.Nested(GroupSchema))
    area = fields.List(fields.Nested(GroupSchema), metadata={
        "description": "Postcode districts of the home address on the quarter's last day, or the day they left."})


class FunderQuarterlySchema(Schema):
    quarter = fields.Nested(QuarterSchema)
    funder = fields.Nested(LookupRef, allow_none=True, metadata={"description": "null for all funders."})
    service_users = fields.Nested(ServiceUserCountsSchema)
    move_on_outcomes = fields.List(fields.Nested(OutcomeSchema))
    attendance = fields.Nested(AttendanceSchema, metadata={"description": "Over every section."})
    sections = fields.List(fields.Nested(AttendanceSchema))
    non_attendance_reasons = fields.List(fields.Nested(ReasonSchema))
    reviews = fields.Nested(ReviewsSchema)
    demographics = fields.Nested(DemographicsSchema)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _one_place(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _attendance(row: reports.SectionAttendance) -> dict:
    return {
        "section": row.section, "planned": row.planned, "attended": row.attended,
        "not_attended_paid": row.paid_absence, "not_attended_unpaid": row.unpaid_absence,
        "not_marked": row.not_marked, "unplanned_attended": row.unplanned, "attendance_rate": _rate(row.rate),
        "attendance_rate_with_paid_absence": _rate(row.rate_with_paid_absence),
    }


def figures_as_json(figures: reports.FunderQuarterFigures) -> dict:
    """The figures in the API's shape (FunderQuarterlySchema)."""
    quarter = figures.quarter
    keys = {"Age band": "age_band", "Gender": "gender", "Ethnic group": "ethnicity", "Disability": "disability",
            "Area (postcode district)": "area"}
    return {
        "quarter": {"code": quarter.code, "start": quarter.start, "end": quarter.end,
                    "basis": "financial" if quarter.financial else "calendar", "counted_to": figures.counted_to},
        "funder": figures.funder,
        "service_users": {
            "active": figures.active, "new": figures.new, "left": figures.left,
            "moved_on_to_paid_employment": figures.moved_to_employment,
            "moved_on_to_training_or_education": figures.moved_to_training,
            "referred": figures.referred,
            "average_half_days_attended": _one_place(figures.average_attended),
            "average_days_referral_to_start": _one_place(figures.average_wait),
        },
        "move_on_outcomes": [
            {"outcome": {"code": code, "label": label} if code else None, "leavers": count}
            for (code, label), count in figures.outcomes.items()
        ],
        "attendance": _attendance(figures.attendance),
        "sections": [_attendance(row) for row in figures.sections],
        "non_attendance_reasons": [{"reason": label, "paid": paid, "half_days": count}
                                   for label, paid, count in figures.reasons],
        "reviews": {"due": figures.reviews_due, "held_on_time": figures.reviews_on_time,
                    "on_time_rate": _rate(reports._fraction(figures.reviews_on_time, figures.reviews_due))},
        "demographics": {
            keys[breakdown.title]: [{"group": group, "active": active, "new": new}
                                    for group, active, new in breakdown.groups]
            for breakdown in figures.breakdowns
        },
    }


@blp.route("/funder-quarterly")
@require_login
class FunderQuarterly(MethodView):
    @require_permission(reports.PERMISSION)
    @blp.arguments(FunderQuarterlyQuery, location="query")
    @blp.response(200, FunderQuarterlySchema)
    def get(self, query):
        """The quarterly report to funders for a quarter and a funder (or all): demographics, starters, leavers and
        move-on outcomes, attendance and reviews; audited as an export."""
        authorize(reports.PERMISSION)
        try:
            quarter = reports.check_started(reports.parse_quarter(query["quarter"]))
        except reports.QuarterError as exc:
            invalid("quarter", str(exc))
        try:
            funder = reports.find_funder(query.get("funder"))
        except KeyError:
            invalid("funder", "Use a code of /api/v1/lookups/attendance.funder/values, or leave it out for all "
                              "funders.")
        figures = reports.funder_quarter_figures(quarter, funder)
        audit.record_export(reports.NAME, "api", details={
            "parameters": {"quarter": quarter.code, "funder": funder.code if funder else None},
            "active_service_users": figures.active,
        })
        db.session.commit()  # the audit of the export
        return figures_as_json(figures)
