"""/api/v1/attendance/payment-runs: payment runs and their lines to read, and confirming a reviewed run."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.api.conventions import ETAG, AnyPage, abort, etag_headers, get_or_404, version_guard, versioned
from core.audit import services as audit
from core.extensions import db
from core.permissions import require_login, require_permission

from . import services
from .models import RUN_STATUSES, PaymentRun

blp = Blueprint(
    "api_attendance_payment_runs", __name__, url_prefix="/api/v1/attendance/payment-runs",
    description="Attendance payment runs: what each service user is paid for a period, by BACS or in cash "
                "(attendance.payment.view to read; attendance.payment_run.confirm to confirm). Amounts are in pence.",
)

PENCE = {"description": "In pence: 550 is £5.50."}


class PaymentRunUser(Schema):
    id = fields.Integer()
    name = fields.String()


class PaymentRunSchema(Schema):
    id = fields.Integer()
    period_start = fields.Date(metadata={"description": "First day paid."})
    period_end = fields.Date(metadata={"description": "Last day paid, inclusive."})
    payment_date = fields.Date()
    status = fields.String(metadata={"description": "draft or confirmed; a confirmed run never changes"})
    half_days = fields.Integer(metadata={"description": "Paid half-days in the period, over every service user."})
    total_pence = fields.Integer(metadata=PENCE)
    bacs_total_pence = fields.Integer(metadata=PENCE)
    cash_total_pence = fields.Integer(metadata=PENCE)
    adjustment_total_pence = fields.Integer(metadata={
        "description": "In pence: corrections to periods already paid, included in the totals (negative to recover)."})
    reference = fields.String(metadata={"description": "What BACS payees' statements show."})
    denominations = fields.Method("_denominations", metadata={
        "description": "The notes and coins envelopes are made up from, in pence, largest first."})
    calculated_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    confirmed_by = fields.Nested(PaymentRunUser, allow_none=True)
    version = fields.Integer()

    def _denominations(self, run: PaymentRun) -> list[int]:
        return list(run.denomination_values)


class PaymentLineSchema(Schema):
    id = fields.Integer()
    service_user_id = fields.Integer()
    person_id = fields.Integer(attribute="service_user.person_id")
    name = fields.String(attribute="service_user.name")
    method = fields.String(metadata={"description": "bacs or cash"})
    half_days = fields.Integer(metadata={"description": "Paid half-days in the run's period."})
    amount_pence = fields.Integer(metadata=PENCE)
    adjustment_pence = fields.Integer(metadata=PENCE)
    total_pence = fields.Integer(metadata={"description": "In pence: what is paid, the amount plus the adjustment."})
    bank_problem = fields.String(metadata={"description": "Why the BACS payment cannot be made; empty if it can."})
    bank_warning = fields.String(metadata={"description": "A failed modulus check to look into; empty if none."})
    note = fields.String()


class PaymentRunQuery(Schema):
    status = fields.String(validate=validate.OneOf(RUN_STATUSES), metadata={"description": "draft or confirmed"})


@blp.route("/")
@require_login
class Runs(MethodView):
    @require_permission(services.VIEW)
    @blp.arguments(PaymentRunQuery, location="query")
    @blp.response(200, PaymentRunSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Payment runs, latest period first."""
        return services.runs_query(query.get("status"))


@blp.route("/<int:run_id>")
@require_login
class Run(MethodView):
    @require_permission(services.VIEW)
    @blp.response(200, PaymentRunSchema, headers={"ETag": ETAG})
    def get(self, run_id):
        """One payment run with its totals; its version as ETag."""
        run = get_or_404(PaymentRun, run_id, "payment run")
        return run, etag_headers(run)


@blp.route("/<int:run_id>/lines")
@require_login
class Lines(MethodView):
    @require_permission(services.VIEW)
    @blp.response(200, PaymentLineSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, run_id):
        """What each service user is paid in the run (no bank details: download the files for those)."""
        run = get_or_404(PaymentRun, run_id, "payment run")
        audit.record_view("attendance_payment_run", run.id)
        db.session.commit()
        return services.lines_query(run)


@blp.route("/<int:run_id>/confirm")
@require_login
class Confirm(MethodView):
    @require_permission(services.VIEW, services.CONFIRM)
    @blp.response(200, PaymentRunSchema, headers={"ETag": ETAG})
    @blp.alt_response(409, response="CONFLICT")
    @versioned(blp)
    def post(self, run_id):
        """Confirm a reviewed draft, locking it; refused (409) if it is confirmed already, pays days another run paid,
        has BACS payments that cannot be made, or the registers changed since it was calculated (it is then
        recalculated: read it again). Needs If-Match."""
        run = get_or_404(PaymentRun, run_id, "payment run")
        with version_guard(run):
            try:
                services.confirm(run)
            except services.PaymentError as exc:
                # a stale draft was recalculated: keep that, so the caller reads the new figures
                db.session.commit()
                abort(409, str(exc))
        db.session.commit()
        return run, etag_headers(run)
