"""/api/v1/care_contracts: person contracts, their services, rates, planned schedule and absences, finance
transactions, invoices, and the configuration (establishments down to beds, funders, schemes, charging rules, finance
codes).

Built on core/api/conventions.py: problem+json errors naming the field, pages, If-Match on changes. The same
services and permissions as the screens; a person the caller may not open answers 404. Configuration records have no
version column: their ETag is a fingerprint of their fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.access.services import BreakGlassRequired
from core.api.conventions import (
    MAX_ID,
    AnyPage,
    etag_headers,
    invalid,
    not_found,
    version_guard,
    versioned,
)
from core.api.schemas import Id, Pounds, Text
from core.extensions import db
from core.permissions import require_login, require_permission

from . import services
from .models import BILLING_PERIODS, FUNDER_KINDS, RATE_UNIT_KINDS, SERVICE_STATUSES, AbsenceType

blp = Blueprint(
    "care_contracts_api", __name__, url_prefix="/api/v1/care_contracts",
    description="Care contracts: person contracts and their services, rates and absences, finance transactions and "
                "funder invoices (care_contracts.contract.view to read, .contract.write to change, "
                ".finance.run to start the finance jobs, .invoice.view for invoices).",
)


#: service fields the API names differently (money in pounds)
_API_FIELD = {"standard_rate_pence": "standard_rate", "override_rate_pence": "override_rate", "rate_pence": "rate",
              "bank_holiday_rate_pence": "bank_holiday_rate"}


@contextmanager
def refusals() -> Iterator[None]:
    """A rule the service refuses answers 422 naming the API's field."""
    try:
        yield
    except services.CareContractsError as exc:
        invalid(_API_FIELD.get(exc.field, exc.field), str(exc))


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
    """A person absence and the Person Contract Services it affects."""

    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(dump_only=True)
    absence_type_id = Id(required=True)
    start_date = fields.Date(required=True, metadata={"description": "The first day away (day 1 of the charging "
                                                                     "steps)."})
    end_date = fields.Date(allow_none=True, load_default=None,
                           metadata={"description": "The day they came back, not a day away; null while away."})
    notes = Text(500, load_default="")
    service_ids = fields.List(
        Id(), allow_none=True, load_default=None,
        metadata={"description": "The person's Person Contract Services it affects. Omitted or null: on create, "
                                 "every service (not a residential contribution) running during the absence; on "
                                 "change, the links stay as they are."})
    charging = fields.Function(
        lambda a: services.describe_steps([(s.from_day, s.percent) for s in a.absence_type.steps]), dump_only=True,
        metadata={"description": "The absence type's charging steps in words."})
    version = fields.Integer(dump_only=True)


class CareBedAllocationSchema(Schema):
    """The seed's Bed Allocation (Occupancy): a bed of the establishment, from a moment until another."""

    id = fields.Integer(dump_only=True)
    person_contract_service_id = fields.Integer(dump_only=True)
    bed_id = Id(required=True)
    start_at = fields.AwareDateTime(required=True)
    end_at = fields.AwareDateTime(allow_none=True, load_default=None)
    version = fields.Integer(dump_only=True)


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
        with reachable("person"), refusals():
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
        with refusals():
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
        with version_guard(service), refusals():
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
        with refusals():
            rate = services.save_rate(service, None, details)
        db.session.commit()
        return rate


@blp.route("/services/<int:service_id>/absences")
@require_login
class ServiceAbsences(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareAbsenceSchema(many=True))
    def get(self, service_id):
        """The person absences linked to the service (record them under the person's absences)."""
        with reachable("person contract service"):
            return services.absences_of(services.get_service(service_id))


def _absence_details(data: dict) -> services.AbsenceDetails:
    return services.AbsenceDetails(absence_type_id=data["absence_type_id"], start_date=data["start_date"],
                                   end_date=data["end_date"], notes=data["notes"], service_ids=data["service_ids"])


@blp.route("/people/<int:person_id>/absences")
@require_login
class PersonAbsences(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareAbsenceSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, person_id):
        """A person's absences, the latest first."""
        with reachable("person"):
            return services.person_absences(person_id)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareAbsenceSchema)
    @blp.response(201, CareAbsenceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, person_id):
        """Record an absence; 422 naming the other absence when they overlap. Linked Completed services are
        charged again."""
        with reachable("person"):
            services.open_person(person_id)
        with refusals():
            absence = services.save_absence(person_id, None, _absence_details(data))
        db.session.commit()
        return absence, etag_headers(absence)


@blp.route("/absences/<int:absence_id>")
@require_login
class AbsenceResource(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareAbsenceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, absence_id):
        """One person absence."""
        with reachable("absence"):
            absence = services.get_absence(absence_id)
        return absence, etag_headers(absence)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareAbsenceSchema)
    @blp.response(200, CareAbsenceSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @versioned(blp)
    def put(self, data, absence_id):
        """Change an absence's type, dates, notes or services; needs If-Match. Services it affects, before or
        after, are charged again."""
        with reachable("absence"):
            absence = services.get_absence(absence_id)
        with version_guard(absence), refusals():
            services.save_absence(absence.person_id, absence, _absence_details(data))
        db.session.commit()
        return absence, etag_headers(absence)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.response(204)
    @versioned(blp)
    def delete(self, absence_id):
        """Remove an absence recorded in error; needs If-Match. The services it affected are charged again."""
        with reachable("absence"):
            absence = services.get_absence(absence_id)
        with version_guard(absence):
            services.remove_absence(absence)
        db.session.commit()


@blp.route("/services/<int:service_id>/beds")
@require_login
class BedAllocations(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareBedAllocationSchema(many=True))
    def get(self, service_id):
        """The service's Bed Allocation (Occupancy), by start."""
        with reachable("person contract service"):
            return services.beds_of(services.get_service(service_id))

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareBedAllocationSchema)
    @blp.response(201, CareBedAllocationSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def post(self, data, service_id):
        """Allocate a bed of the establishment; 422 naming the clash when the bed is taken. The charge is
        unchanged."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        with refusals():
            allocation = services.allocate_bed(service, data["bed_id"], data["start_at"], data["end_at"])
        db.session.commit()
        return allocation, etag_headers(allocation)


@blp.route("/beds/<int:allocation_id>")
@require_login
class BedAllocationResource(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareBedAllocationSchema, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, allocation_id):
        """One bed allocation."""
        with reachable("bed allocation"):
            allocation = services.get_bed_allocation(allocation_id)
        return allocation, etag_headers(allocation)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareBedAllocationSchema)
    @blp.response(200, CareBedAllocationSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @versioned(blp)
    def put(self, data, allocation_id):
        """Correct a bed allocation's bed, start or end; needs If-Match. The charge is unchanged."""
        with reachable("bed allocation"):
            allocation = services.get_bed_allocation(allocation_id)
            service = services.get_service(allocation.person_contract_service_id)
        with version_guard(allocation), refusals():
            services.change_bed_allocation(service, allocation, data["bed_id"], data["start_at"], data["end_at"])
        db.session.commit()
        return allocation, etag_headers(allocation)

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.response(204)
    @versioned(blp)
    def delete(self, allocation_id):
        """Remove a bed allocation recorded in error; needs If-Match. The charge is unchanged."""
        with reachable("bed allocation"):
            allocation = services.get_bed_allocation(allocation_id)
            service = services.get_service(allocation.person_contract_service_id)
        with version_guard(allocation):
            services.remove_bed_allocation(service, allocation)
        db.session.commit()


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


# --- configuration: establishments down to beds, funders, schemes, services, charging rules, finance codes --------
# Configuration tables have no version column, so a record's ETag is a fingerprint of its fields (and, for an absence
# type, its steps); a change is checked against it under a row lock, and the same conventions give 428 and 412.


def fingerprint(record) -> str:
    """A record's ETag value: a hash of every field but when it was created, which never changes."""
    values = [(name, getattr(record, name)) for name in sorted(record.__table__.columns.keys()) if name != "created_at"]
    if isinstance(record, AbsenceType):
        values.append(("steps", [(step.from_day, step.percent) for step in record.steps]))
    return hashlib.sha256(repr(values).encode()).hexdigest()[:20]


class _Fingerprinted:
    """What the version conventions read of a record: its fingerprint, as ``version``."""

    def __init__(self, record) -> None:
        self.version = fingerprint(record)


VERSION = fields.Function(fingerprint, dump_only=True, metadata={
    "type": "string", "description": "A fingerprint of the record's fields, also its ETag; it changes whenever the "
                                     "record does. Send it back as If-Match to change the record."})


class ConfigSchema(Schema):
    """Fields every configuration record has."""

    id = fields.Integer(dump_only=True)
    code = Text(40, required=True, metadata={"description": "Lower-case letters, digits and _; cannot change later."})
    name = Text(200, min_length=1, required=True)
    active = fields.Boolean(load_default=True, metadata={
        "description": "In use (offered for new contracts); false retires the record, which stays on old ones."})
    version = VERSION


class CareEstablishmentSchema(ConfigSchema):
    """A care home, day centre or domiciliary branch."""


class CareLocationSchema(ConfigSchema):
    establishment_id = Id(required=True)


class CareSubLocationSchema(ConfigSchema):
    location_id = Id(required=True)


class CareRoomSchema(ConfigSchema):
    sub_location_id = Id(required=True)


class CareBedSchema(ConfigSchema):
    room_id = Id(required=True)


class CareFunderSchema(ConfigSchema):
    kind = fields.String(required=True, validate=validate.OneOf([code for code, _ in FUNDER_KINDS]),
                         metadata={"description": "council, nhs, or private (the service user pays)."})
    establishment_id = Id(allow_none=True, load_default=None, metadata={
        "description": "Private funders only: the establishment that charges its service users."})


class CareContractSchemeSchema(ConfigSchema):
    establishment_id = Id(required=True)
    funder_id = Id(required=True)
    billing_period = fields.String(required=True, validate=validate.OneOf([code for code, _ in BILLING_PERIODS]))
    period_anchor = fields.Date(required=True, metadata={
        "description": "The first day of a billing period; weekly and four-weekly periods are counted from it."})
    finance_code_updateable = fields.Boolean(load_default=False, metadata={
        "description": "Updateable on Person Contract Service?: services may replace the mapped finance code."})
    collect_contribution = fields.Boolean(load_default=False, metadata={
        "description": "The funder asks the establishment to collect the service user's contribution."})
    charge_contribution = fields.Boolean(load_default=False, metadata={
        "description": "Charge the collected contribution to the service user automatically."})


class CareServiceTypeSchema(ConfigSchema):
    """A kind of care provided, e.g. Residential care."""


class CareServiceDetailSchema(ConfigSchema):
    service_id = Id(required=True)


class CareRateUnitSchema(ConfigSchema):
    kind = fields.String(required=True, validate=validate.OneOf([code for code, _ in RATE_UNIT_KINDS]),
                         metadata={"description": "How it charges: week, day, hour or session."})
    time_and_days = fields.Boolean(load_default=False, metadata={
        "description": "Time and Days?: rates in this unit have time bands and days of the week."})


class CareContractServiceSchema(ConfigSchema):
    contract_scheme_id = Id(required=True)
    service_id = Id(required=True)
    service_detail_id = Id(allow_none=True, load_default=None)
    rate_unit_id = Id(required=True)
    negotiated_rates_apply = fields.Boolean(load_default=False, metadata={
        "description": "Negotiated Rates Apply?: each person's service records its own rates."})
    rooms_apply = fields.Boolean(load_default=False, metadata={
        "description": "Rooms Apply?: residential, the service user is allocated a bed."})
    standard_rate = Pounds(attribute="standard_rate_pence", required=True,
                           validate=validate.Range(max=MAX_ID, error="Enter a standard rate up to £21,474,836.47."),
                           metadata={"description": "In pounds per rate unit."})


class CareEndReasonSchema(ConfigSchema):
    extra_days_charged = fields.Integer(strict=True, required=True, validate=validate.Range(
        0, 90, error="Days still charged must be between 0 and 90"), metadata={
        "description": "Days still charged after the end date, e.g. 3 after a death while the room is cleared."})


class CareAbsenceStepSchema(Schema):
    from_day = fields.Integer(strict=True, required=True, validate=validate.Range(1, services.MAX_ABSENCE_DAY),
                              metadata={"description": "The day of the absence the step starts on; day 1 is the first "
                                                       "day away. The first step starts on day 1."})
    percent = fields.Integer(strict=True, required=True, validate=validate.Range(
        0, 100, error="Percentages must be between 0 and 100"),
        metadata={"description": "Percentage of the usual charge made for each day of the step."})


class CareAbsenceTypeSchema(ConfigSchema):
    steps = fields.List(fields.Nested(CareAbsenceStepSchema), required=True, metadata={
        "description": f"The stepped charging rule, up to {services.MAX_ABSENCE_STEPS} steps, each starting later: "
                       'e.g. [{"from_day": 1, "percent": 100}, {"from_day": 29, "percent": 0}].'})


class CareFinanceCodeMappingSchema(Schema):
    id = fields.Integer(dump_only=True)
    establishment_id = Id(required=True)
    service_id = Id(required=True)
    funder_id = Id(required=True)
    finance_code = Text(40, min_length=1, required=True, metadata={"description": "The ledger code, e.g. RES-OAK-NCC."})
    active = fields.Boolean(load_default=True, metadata={
        "description": "In use (given to new services); false retires the mapping: services that took its code keep "
                       "it, new ones get none. A retired mapping still holds its establishment, service and funder."})
    version = VERSION


class ConfigQuery(Schema):
    """Which records of a configuration kind to list."""

    active = fields.Boolean(metadata={"description": "Only records in use (true) or only retired ones (false)."})


#: the schema of each configuration kind, by its slug in services.CONFIG_KINDS (and in the URL)
CONFIG_SCHEMAS: dict[str, type[Schema]] = {
    "establishments": CareEstablishmentSchema,
    "locations": CareLocationSchema,
    "sub_locations": CareSubLocationSchema,
    "rooms": CareRoomSchema,
    "beds": CareBedSchema,
    "funders": CareFunderSchema,
    "schemes": CareContractSchemeSchema,
    "services": CareServiceTypeSchema,
    "service_details": CareServiceDetailSchema,
    "rate_units": CareRateUnitSchema,
    "contract_services": CareContractServiceSchema,
    "end_reasons": CareEndReasonSchema,
    "absence_types": CareAbsenceTypeSchema,
    "finance_codes": CareFinanceCodeMappingSchema,
}


def _config_values(data: dict) -> dict:
    """The body as save_config takes it: an absence type's steps as (from day, percent) pairs."""
    if "steps" in data:
        data = {**data, "steps": [(step["from_day"], step["percent"]) for step in data["steps"]]}
    return data


def _config_etag(record) -> dict[str, str]:
    return etag_headers(_Fingerprinted(record))


def _documented(text: str):
    """Give a generated view method its docstring, which becomes the operation's summary in the reference."""

    def decorator(func):
        func.__doc__ = text
        return func

    return decorator


ETAG_HEADER = {"ETag": {"schema": {"type": "string"}}}


def _config_resources(slug: str, schema: type[Schema]) -> None:
    """Register the list, create, read and change operations of one configuration kind."""
    kind = services.CONFIG_KINDS[slug]

    class Records(MethodView):
        @require_permission(services.CONFIGURE)
        @blp.arguments(ConfigQuery, location="query")
        @blp.response(200, schema(many=True))
        @blp.paginate(AnyPage)
        @_documented(f"Every {kind.singular}, those in use first; active=true or false lists only those in use or "
                     f"only retired ones (care_contracts.config.manage).")
        def get(self, query):
            return services.config_records(slug, query.get("active"))

        @require_permission(services.CONFIGURE)
        @blp.arguments(schema)
        @blp.response(201, schema, headers=ETAG_HEADER)
        @_documented(f"Add a {kind.singular}; refused with 422 naming the field, as on screen.")
        def post(self, data):
            with refusals():
                record = services.save_config(slug, None, _config_values(data))
            db.session.commit()
            return record, _config_etag(record)

    class Record(MethodView):
        @require_permission(services.CONFIGURE)
        @blp.response(200, schema, headers=ETAG_HEADER)
        @_documented(f"One {kind.singular}, with its fingerprint as ETag.")
        def get(self, record_id):
            with reachable(kind.singular):
                record = services.get_config(slug, record_id)
            return record, _config_etag(record)

        @require_permission(services.CONFIGURE)
        @blp.arguments(schema)
        @blp.response(200, schema, headers=ETAG_HEADER)
        @versioned(blp)
        @_documented(f"Change a {kind.singular}: send every field (If-Match); active false retires it.")
        def put(self, data, record_id):
            with reachable(kind.singular):
                record = services.get_config(slug, record_id, for_update=True)
            with version_guard(_Fingerprinted(record)), refusals():
                services.save_config(slug, record, _config_values(data))
            db.session.commit()
            return record, _config_etag(record)

    blp.route(f"/configuration/{slug}", endpoint=f"config_{slug}")(require_login(Records))
    blp.route(f"/configuration/{slug}/<int:record_id>", endpoint=f"config_{slug}_record")(require_login(Record))


for _slug, _schema in CONFIG_SCHEMAS.items():
    _config_resources(_slug, _schema)


# --- the planned weekly schedule of hourly and sessional services ---------------------------------------------


class LocalTime(fields.Time):
    """A time of day in Europe/London, without an offset."""

    default_error_messages = {"offset": "Give a time of day without an offset, like 17:00:00 (Europe/London)."}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            raise self.make_error("offset")
        return moment


class CareVisitSchema(Schema):
    id = fields.Integer(dump_only=True)
    week_number = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 9), metadata={
        "description": "The week of the cycle, 1 to the service's frequency_weeks."})
    weekday = fields.Integer(strict=True, required=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 Monday to 6 Sunday."})
    start_time = LocalTime(required=True)
    end_time = LocalTime(required=True, metadata={"description": "Later than start_time; 00:00:00 is midnight at the "
                                                                 "end of the day."})


@blp.route("/services/<int:service_id>/visits")
@require_login
class Visits(MethodView):
    @require_permission(services.VIEW, services.PEOPLE_VIEW)
    @blp.response(200, CareVisitSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, service_id):
        """The planned weekly schedule, by week of the cycle, day and time."""
        with reachable("person contract service"):
            return services.visits_of(services.get_service(service_id))

    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.arguments(CareVisitSchema)
    @blp.response(201, CareVisitSchema)
    def post(self, data, service_id):
        """Add a visit to an hourly or sessional service's schedule; its Charge Per Week follows."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        with refusals():
            visit = services.add_visit(service, data["week_number"], data["weekday"], data["start_time"],
                                       data["end_time"])
        db.session.commit()
        return visit


@blp.route("/services/<int:service_id>/visits/<int:visit_id>")
@require_login
class Visit(MethodView):
    @require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
    @blp.response(204)
    def delete(self, service_id, visit_id):
        """Take a visit off the schedule; its Charge Per Week follows."""
        with reachable("person contract service"):
            service = services.get_service(service_id)
        try:
            services.remove_visit(service, visit_id)
        except services.CareContractsError:
            not_found("planned visit")
        db.session.commit()
