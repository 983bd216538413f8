"""/api/v1/care_contracts: person contracts, their services, rates and absences, finance transactions, invoices.

Built on core/api/conventions.py: problem+json errors naming the field, pages, If-Match on changes. The same
services and permissions as the screens; a person the caller may not open answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.access.services import BreakGlassRequired
from core.api.conventions import AnyPage, etag_headers, field_errors, not_found, version_guard, versioned
from core.api.schemas import Id, Pounds, Text
from core.extensions import db
from core.permissions import require_login, require_permission

from . import services
from .models import SERVICE_STATUSES

blp = Blueprint(
    "care_contracts_api", __name__, url_prefix="/api/v1/care_contracts",
    description="Care contracts: person contracts and their services, rates and absences, finance transactions and "
                "funder invoices (care_contracts.contract.view to read, .contract.write to change, "
                ".finance.run to start the finance jobs, .invoice.view for invoices).",
)


@contextmanager
def reachable(kind: str) -> Iterator[None]:
    """A missing record, or a person the caller may not open, answers 404 without saying which."""
    try:
        yield
    except (LookupError, BreakGlassRequired):
        not_found(kind)


class CareContractSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = Id(required=True, load_only=True)
    establishment_id = Id(required=True)
    contract_scheme_id = Id(required=True)
    reference = Text(60, load_default="")
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)
    funder_id = fields.Function(lambda c: c.contract_scheme.funder_id, dump_only=True)
    version = fields.Integer(dump_only=True)


class CareServiceSchema(Schema):
    """A Person Contract Service: every field of the seed's screen."""

    id = fields.Integer(dump_only=True)
    person_contract_id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "service, or contribution (residential)."})
    contribution_of_id = fields.Integer(dump_only=True, allow_none=True)
    contract_scheme_id = fields.Integer(dump_only=True, metadata={"description": "From the person contract."})
    funder_id = fields.Integer(dump_only=True, metadata={"description": "From the establishment and scheme."})
    private_care = fields.Boolean(attribute="is_private", dump_only=True)
    service_id = Id(required=True)
    service_detail_id = Id(allow_none=True, load_default=None)
    contract_service_id = Id(required=True)
    update_finance_code = fields.Boolean(load_default=False)
    finance_code = Text(40, allow_none=True, load_default=None)
    finance_code_edited = fields.Boolean(dump_only=True)
    account_code = Text(60, load_default="")
    start_at = fields.AwareDateTime(required=True, default_timezone=None)
    end_at = fields.AwareDateTime(allow_none=True, load_default=None)
    expected_end_at = fields.AwareDateTime(allow_none=True, load_default=None)
    end_reason_id = Id(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf([code for code, _ in SERVICE_STATUSES]))
    charge_per_week = Pounds(attribute="charge_per_week_pence", dump_only=True, allow_none=True)
    rate_unit_id = fields.Integer(dump_only=True, metadata={"description": "From the contract service."})
    frequency_weeks = fields.Integer(required=True, validate=validate.Range(1, 9))
    rate_required = fields.Boolean(dump_only=True)
    override_rate = Pounds(attribute="override_rate_pence", data_key="override_rate", allow_none=True,
                           load_default=None)
    rate_verified = fields.Boolean(load_default=False)
    suspend_debtor_invoices = fields.Boolean(required=True)
    suspend_reason_id = Id(allow_none=True, load_default=None)
    version = fields.Integer(dump_only=True)


class CareRateSchema(Schema):
    id = fields.Integer(dump_only=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)
    rate = Pounds(attribute="rate_pence", required=True)
    time_band_start = fields.Time(allow_none=True, load_default=None)
    time_band_end = fields.Time(allow_none=True, load_default=None)
    bank_holiday_rate = Pounds(attribute="bank_holiday_rate_pence", allow_none=True, load_default=None)
    all_days = fields.Boolean(load_default=True)
    weekdays = fields.List(fields.Integer(validate=validate.Range(0, 6)), load_default=list,
                           metadata={"description": "0 Monday to 6 Sunday, when all_days is false."})


class CareRateOutSchema(CareRateSchema):
    weekdays = fields.Function(lambda r: [day for day in range(7) if r.weekdays & (1 << day)])
    rate_unit_id = fields.Integer()


class CareAbsenceSchema(Schema):
    id = fields.Integer(dump_only=True)
    absence_type_id = Id(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)
    notes = Text(500, load_default="")


class CareTransactionSchema(Schema):
    id = fields.Integer()
    person_contract_service_id = fields.Integer()
    kind = fields.String()
    debtor_kind = fields.String()
    funder_id = fields.Integer(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date(metadata={"description": "The first day after the billing period."})
    amount = Pounds(attribute="amount_pence", allow_negative=True)
    finance_code = fields.String(allow_none=True)
    account_code = fields.String()
    description = fields.String()
    invoice_id = fields.Integer(allow_none=True)


class CareInvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    debtor_kind = fields.String()
    funder_id = fields.Integer(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    total = Pounds(attribute="total_pence", allow_negative=True)
    issued_at = fields.DateTime()


class CareJobSchema(Schema):
    job = fields.String(required=True, validate=validate.OneOf(["transactions", "invoicing"]))


class CareRunSchema(Schema):
    id = fields.Integer()
    job_name = fields.String()
    status = fields.String()
    result = fields.Dict(allow_none=True)


def _details(data: dict) -> services.ServiceDetails:
    return services.ServiceDetails(**{name: data.get(name) for name in services.ServiceDetails.__dataclass_fields__})


@blp.route("/people/<int:person_id>/contracts")
@require_login
class PersonContracts(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareContractSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, person_id):
        """A person's care contracts, newest first."""
        with reachable("person"):
            services.open_person(person_id)
        return services.contracts_of(person_id)


@blp.route("/contracts")
@require_login
class Contracts(MethodView):
    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareContractSchema)
    @blp.response(201, CareContractSchema)
    def post(self, data):
        """Record a person contract (care_contracts.contract.write)."""
        with reachable("person"), field_errors(services.CareContractsError):
            contract = services.create_contract(data["person_id"], data["establishment_id"],
                                                data["contract_scheme_id"], data["reference"], data["start_date"],
                                                data["end_date"])
        db.session.commit()
        return contract


@blp.route("/contracts/<int:contract_id>/services")
@require_login
class ContractServices(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareServiceSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, contract_id):
        """The Person Contract Services of a contract."""
        with reachable("person contract"):
            return services.get_contract(contract_id).services

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareServiceSchema)
    @blp.response(201, CareServiceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, contract_id):
        """Create a Person Contract Service; the system fills scheme, funder, rate unit and finance code."""
        with reachable("person contract"):
            contract = services.get_contract(contract_id)
        with field_errors(services.CareContractsError):
            service = services.save_service(contract, None, _details(data))
        db.session.commit()
        return service, etag_headers(service)


@blp.route("/services/<int:service_id>")
@require_login
class ServiceResource(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareServiceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, service_id):
        """One Person Contract Service (the read is audited against the person)."""
        with reachable("person contract service"):
            service = services.view_service(service_id)
        db.session.commit()
        return service, etag_headers(service)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareServiceSchema)
    @blp.response(200, CareServiceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @versioned(blp)
    def put(self, data, service_id):
        """Replace a service's fields; needs If-Match. A change to a Completed service is charged again."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        with version_guard(service), field_errors(services.CareContractsError):
            services.save_service(service.person_contract, service, _details(data))
        db.session.commit()
        return service, etag_headers(service)


@blp.route("/services/<int:service_id>/rates")
@require_login
class Rates(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareRateOutSchema(many=True))
    def get(self, service_id):
        """The Rates tab."""
        with reachable("person contract service"):
            return services.rates_of(services.get_service(service_id))

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareRateSchema)
    @blp.response(201, CareRateOutSchema)
    def post(self, data, service_id):
        """Add a rate; 422 naming the clashing rate when two rates could apply at one moment of a day."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        details = services.RateDetails(
            start_date=data["start_date"], end_date=data["end_date"], rate_pence=data["rate_pence"],
            time_band_start=data["time_band_start"], time_band_end=data["time_band_end"],
            bank_holiday_rate_pence=data["bank_holiday_rate_pence"], all_days=data["all_days"],
            weekdays=tuple(data["weekdays"]))
        with field_errors(services.CareContractsError):
            rate = services.save_rate(service, None, details)
        db.session.commit()
        return rate


@blp.route("/services/<int:service_id>/absences")
@require_login
class Absences(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareAbsenceSchema(many=True))
    def get(self, service_id):
        """The service's absences."""
        with reachable("person contract service"):
            return services.absences_of(services.get_service(service_id))

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareAbsenceSchema)
    @blp.response(201, CareAbsenceSchema)
    def post(self, data, service_id):
        """Record an absence; its type's steps change the charge for the days away."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        with field_errors(services.CareContractsError):
            absence = services.record_absence(service, data["absence_type_id"], data["start_date"],
                                              data["end_date"], data["notes"])
        db.session.commit()
        return absence


@blp.route("/services/<int:service_id>/transactions")
@require_login
class Transactions(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareTransactionSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, service_id):
        """The service's finance transactions, never edited: changes appear as adjustments."""
        with reachable("person contract service"):
            return services.transactions_of(services.get_service(service_id))


@blp.route("/invoices")
@require_login
class Invoices(MethodView):
    @require_permission(services.INVOICES)
    @blp.response(200, CareInvoiceSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self):
        """Issued invoices, newest first."""
        return services.invoices()


@blp.route("/invoices/<int:invoice_id>/lines")
@require_login
class InvoiceLines(MethodView):
    @require_permission(services.INVOICES)
    @blp.response(200, CareTransactionSchema(many=True))
    def get(self, invoice_id):
        """The transactions an invoice is made of."""
        with reachable("invoice"):
            return services.invoice_lines(services.get_invoice(invoice_id))


@blp.route("/finance/runs")
@require_login
class FinanceRuns(MethodView):
    @require_permission(services.FINANCE)
    @blp.arguments(CareJobSchema)
    @blp.response(202, CareRunSchema)
    def post(self, data):
        """Start the transactions or invoicing job; the run is in the job log and /api/v1/jobs."""
        name = services.TRANSACTIONS_JOB if data["job"] == "transactions" else services.INVOICING_JOB
        run = services.start_finance_job(name)
        db.session.commit()
        return run
