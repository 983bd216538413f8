"""Care contracts screens: parse, check permission, call a service, render."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for

from core.extensions import db
from core.lookups import services as lookups
from core.permissions import require_permission
from core.types import LONDON
from core.web.conflict import StaleEdit, conflict_page, ensure_current

from . import charging, forms, services
from .blueprint import bp
from .models import (
    SERVICE_STATUSES,
    WEEKDAY_NAMES,
    AbsenceType,
    ContractScheme,
    ContractService,
    EndReason,
    Establishment,
    Service,
    ServiceDetail,
)

#: the form for each configuration kind
CONFIG_FORMS = {
    "establishments": forms.EstablishmentForm,
    "locations": forms.LocationForm,
    "sub_locations": forms.SubLocationForm,
    "rooms": forms.RoomForm,
    "beds": forms.BedForm,
    "funders": forms.FunderForm,
    "schemes": forms.ContractSchemeForm,
    "services": forms.ServiceForm,
    "service_details": forms.ServiceDetailForm,
    "rate_units": forms.RateUnitForm,
    "contract_services": forms.ContractServiceForm,
    "end_reasons": forms.EndReasonForm,
    "absence_types": forms.AbsenceTypeForm,
    "finance_codes": forms.FinanceCodeMappingForm,
}


def _kind_or_404(slug: str) -> services.ConfigKind:
    try:
        return services.config_kind(slug)
    except KeyError:
        abort(404)


def _form_values(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name not in ("submit", "csrf_token")}


#: the absence type form's boxes for each step the service names
_STEP_FIELDS = {"steps": "first_percent", "steps.0.from_day": "first_percent", "steps.0.percent": "first_percent",
                "steps.1.from_day": "second_from_day", "steps.1.percent": "second_percent",
                "steps.2.from_day": "third_from_day", "steps.2.percent": "third_percent"}


def _config_values(slug: str, form) -> dict:
    """The form's values as save_config takes them: an absence type's boxes become its list of steps."""
    values = _form_values(form)
    if slug == "absence_types":
        values["steps"] = services.absence_steps_from(values)
    return values


@bp.route("/configuration/")
@require_permission(services.CONFIGURE)
def configuration():
    return render_template("care_contracts/configuration.html", kinds=services.CONFIG_KINDS.values())


@bp.route("/configuration/<slug>/")
@require_permission(services.CONFIGURE)
def config_list(slug: str):
    kind = _kind_or_404(slug)
    return render_template("care_contracts/config_list.html", kind=kind, records=services.config_records(slug))


@bp.route("/configuration/<slug>/new", methods=["GET", "POST"])
@bp.route("/configuration/<slug>/<int:record_id>/edit", methods=["GET", "POST"], endpoint="config_edit")
@require_permission(services.CONFIGURE)
def config_new(slug: str, record_id: int | None = None):
    kind = _kind_or_404(slug)
    record = None
    if record_id is not None:
        record = db.session.get(kind.model, record_id)
        if record is None:
            abort(404)
    data = services.absence_step_values(record) if slug == "absence_types" and record is not None else None
    form = CONFIG_FORMS[slug](obj=record, data=data)
    for field_name, model in kind.parents:
        field = getattr(form, field_name)
        field.choices = [("", "Select one")] + services.options(model, getattr(record, field_name, None))
    if form.validate_on_submit():
        try:
            saved = services.save_config(slug, record, _config_values(slug, form))
        except services.CareContractsError as exc:
            getattr(form, _STEP_FIELDS.get(exc.field, exc.field)).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Saved the {kind.singular} {getattr(saved, 'name', None) or saved.finance_code}.", "success")
            return redirect(url_for("care_contracts.config_list", slug=slug))
    return render_template("care_contracts/config_form.html", kind=kind, form=form, record=record), (
        400 if form.errors else 200)


# --- person contracts and services -------------------------------------------------------------------------------

#: service errors name model fields; the form names some differently
_FORM_FIELD = {"start_at": "start_date", "end_at": "end_date", "expected_end_at": "expected_end_date"}


def _or_404(fetch, record_id: int):
    try:
        return fetch(record_id)
    except LookupError:
        abort(404)


def _at(day, clock):
    """A London date and optional time as an aware datetime."""
    if day is None:
        return None
    return datetime.combine(day, clock or time(0, 0)).replace(tzinfo=LONDON)


def _london(moment):
    return (None, None) if moment is None else (moment.astimezone(LONDON).date(), moment.astimezone(LONDON).time())


@bp.route("/people/<int:person_id>/contracts/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def contract_new(person_id: int):
    person = services.open_person(person_id)
    form = forms.PersonContractForm()
    form.establishment_id.choices = [("", "Select one")] + services.options(Establishment)
    form.contract_scheme_id.choices = [("", "Select one")] + services.options(ContractScheme)
    if form.validate_on_submit():
        try:
            contract = services.create_contract(person.id, form.establishment_id.data, form.contract_scheme_id.data,
                                                form.reference.data, form.start_date.data, form.end_date.data)
        except services.CareContractsError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Contract with {contract.establishment.name} saved.", "success")
            return redirect(url_for("care_contracts.contract", contract_id=contract.id))
    return render_template("care_contracts/contract_new.html", person=person, form=form), 400 if form.errors else 200


@bp.route("/contracts/<int:contract_id>")
@require_permission(services.VIEW, services.PEOPLE_VIEW)
def contract(contract_id: int):
    record = _or_404(services.get_contract, contract_id)
    return render_template("care_contracts/contract.html", contract=record)


def _service_form(contract, record=None):
    form = forms.PersonContractServiceForm(data=_service_data(record))

    def current(name):
        return getattr(record, name, None)

    form.service_id.choices = [("", "Select one")] + services.options(Service, current("service_id"))
    form.service_detail_id.choices = [("", "None")] + services.options(ServiceDetail, current("service_detail_id"))
    form.contract_service_id.choices = [("", "Select one")] + [
        choice for choice in services.options(ContractService, current("contract_service_id"))
        if db.session.get(ContractService, choice[0]).contract_scheme_id == contract.contract_scheme_id
    ]
    form.end_reason_id.choices = [("", "None")] + services.options(EndReason, current("end_reason_id"))
    form.status.choices = list(SERVICE_STATUSES)
    form.suspend_reason_id.choices = [("", "None")] + lookups.choices(services.SUSPEND_REASONS,
                                                                       current("suspend_reason_id"))
    if not contract.contract_scheme.finance_code_updateable:
        del form.update_finance_code  # the seed: only active where the scheme allows it
    return form


def _service_data(record) -> dict | None:
    if record is None:
        return {"status": "draft", "suspend_debtor_invoices": "no", "frequency_weeks": 1}
    start, end, expected = _london(record.start_at), _london(record.end_at), _london(record.expected_end_at)
    plain = ("service_id", "service_detail_id", "contract_service_id", "update_finance_code", "finance_code",
             "account_code", "end_reason_id", "status", "frequency_weeks", "override_rate_pence", "rate_verified",
             "suspend_reason_id")
    return {**{name: getattr(record, name) for name in plain}, "start_date": start[0], "start_time": start[1], "end_date": end[0], "end_time": end[1],
            "expected_end_date": expected[0], "expected_end_time": expected[1],
            "suspend_debtor_invoices": "yes" if record.suspend_debtor_invoices else "no"}


def _details(form) -> services.ServiceDetails:
    update = getattr(form, "update_finance_code", None)
    return services.ServiceDetails(
        service_id=form.service_id.data, service_detail_id=form.service_detail_id.data,
        contract_service_id=form.contract_service_id.data, update_finance_code=bool(update and update.data),
        finance_code=form.finance_code.data, account_code=form.account_code.data,
        start_at=_at(form.start_date.data, form.start_time.data), end_at=_at(form.end_date.data, form.end_time.data),
        expected_end_at=_at(form.expected_end_date.data, form.expected_end_time.data),
        end_reason_id=form.end_reason_id.data, status=form.status.data, frequency_weeks=form.frequency_weeks.data,
        override_rate_pence=form.override_rate_pence.data, rate_verified=form.rate_verified.data,
        suspend_debtor_invoices={"yes": True, "no": False}.get(form.suspend_debtor_invoices.data),
        suspend_reason_id=form.suspend_reason_id.data,
    )


@bp.route("/contracts/<int:contract_id>/services/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"], endpoint="service_edit")
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def service_new(contract_id: int | None = None, service_id: int | None = None):
    record = _or_404(services.get_service, service_id) if service_id else None
    contract = record.person_contract if record else _or_404(services.get_contract, contract_id)
    form = _service_form(contract, record)
    if form.validate_on_submit():
        try:
            saved = services.save_service(contract, record, _details(form))
        except services.CareContractsError as exc:
            field = getattr(form, _FORM_FIELD.get(exc.field, exc.field), None) or form.service_id
            field.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{saved.contract_service.name} saved.", "success")
            return redirect(url_for("care_contracts.service", service_id=saved.id))
    return render_template("care_contracts/service_form.html", contract=contract, record=record, form=form), (
        400 if form.errors else 200)


def _page(record, tab: str = "details", status: int = 200, form=None, **overrides):
    """The service page with one section shown; ``overrides`` replace a section's empty form after a refusal."""
    bed_form = forms.BedAllocationForm()
    bed_form.bed_id.choices = [("", "Select one")] + services.bed_choices(record)
    visit_form = forms.VisitForm()
    visit_form.week_number.choices = [(week, f"Week {week}") for week in range(1, record.frequency_weeks + 1)]
    context = {
        "contribution_form": forms.ContributionForm(), "bed_form": bed_form,
        "visit_form": visit_form, "end_form": forms.EndAllocationForm(),
    }
    context.update(overrides)
    return render_template(
        "care_contracts/service.html", service=record, tab=tab, form=form,
        history=services.charge_history(record), contributions=services.contributions_of(record),
        rates=services.rates_of(record), visits=services.visits_of(record), beds=services.beds_of(record),
        absences=services.absences_of(record), transactions=services.transactions_of(record), weekdays=WEEKDAY_NAMES, describe_weekdays=charging.describe_weekdays,
        describe_steps=lambda steps: services.describe_steps([(s.from_day, s.percent) for s in steps]),
        **context), status


@bp.route("/services/<int:service_id>")
@require_permission(services.VIEW, services.PEOPLE_VIEW)
def service(service_id: int):
    record = _or_404(services.view_service, service_id)
    db.session.commit()  # the audited view
    return _page(record, request.args.get("tab", "details"))


def _refused(record, tab, form, exc, field_names=None):
    field = getattr(form, (field_names or {}).get(exc.field, exc.field), None)
    (field if field is not None else next(iter(form))).errors.append(str(exc))
    return _page(record, tab, 400, form=form, **{f"{tab_form(tab)}": form})


def tab_form(tab: str) -> str:
    return {"details": "contribution_form", "schedule": "visit_form", "beds": "bed_form"}[tab]


@bp.route("/services/<int:service_id>/contribution", methods=["POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def contribution_new(service_id: int):
    record = _or_404(services.get_service, service_id)
    form = forms.ContributionForm()
    if form.validate_on_submit():
        try:
            services.add_contribution(record, form.weekly_pence.data)
        except services.CareContractsError as exc:
            return _refused(record, "details", form, exc)
        db.session.commit()
        flash("The service user's contribution is recorded.", "success")
        return redirect(url_for("care_contracts.service", service_id=record.id))
    return _page(record, "details", 400, form=form, contribution_form=form)


@bp.route("/services/<int:service_id>/rates/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>/rates/<int:rate_id>/edit", methods=["GET", "POST"], endpoint="rate_edit")
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def rate_new(service_id: int, rate_id: int | None = None):
    record = _or_404(services.get_service, service_id)
    rate = None
    if rate_id is not None:
        rate = next((r for r in services.rates_of(record) if r.id == rate_id), None)
        if rate is None:
            abort(404)
    data = None if rate is None else {
        "all_days": "yes" if rate.all_days else "no",
        "weekdays": [day for day in range(7) if rate.weekdays & (1 << day)]}
    form = forms.RateForm(obj=rate, data=data)
    if rate is not None and request.method == "GET":
        form.all_days.data, form.weekdays.data = data["all_days"], data["weekdays"]
    if form.validate_on_submit():
        details = services.RateDetails(
            start_date=form.start_date.data, end_date=form.end_date.data, rate_pence=form.rate_pence.data,
            time_band_start=form.time_band_start.data, time_band_end=form.time_band_end.data,
            bank_holiday_rate_pence=form.bank_holiday_rate_pence.data, all_days=form.all_days.data == "yes",
            weekdays=tuple(form.weekdays.data or ()))
        try:
            services.save_rate(record, rate, details)
        except services.CareContractsError as exc:
            getattr(form, exc.field, form.start_date).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Rate saved.", "success")
            return redirect(url_for("care_contracts.service", service_id=record.id, tab="rates"))
    return render_template("care_contracts/rate_form.html", service=record, rate=rate, form=form), (
        400 if form.errors else 200)


@bp.route("/services/<int:service_id>/visits", methods=["POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def visit_new(service_id: int):
    record = _or_404(services.get_service, service_id)
    form = forms.VisitForm()
    form.week_number.choices = [(week, f"Week {week}") for week in range(1, record.frequency_weeks + 1)]
    if form.validate_on_submit():
        try:
            services.add_visit(record, form.week_number.data, form.weekday.data, form.start_time.data,
                               form.end_time.data)
        except services.CareContractsError as exc:
            return _refused(record, "schedule", form, exc)
        db.session.commit()
        flash("Visit added to the planned schedule.", "success")
        return redirect(url_for("care_contracts.service", service_id=record.id, tab="schedule"))
    return _page(record, "schedule", 400, form=form, visit_form=form)


@bp.route("/services/<int:service_id>/visits/<int:visit_id>/remove", methods=["POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def visit_remove(service_id: int, visit_id: int):
    record = _or_404(services.get_service, service_id)
    form = forms.ActionForm()
    if form.validate_on_submit():
        try:
            services.remove_visit(record, visit_id)
        except services.CareContractsError:
            abort(404)
        db.session.commit()
        flash("Visit removed from the planned schedule.", "success")
    return redirect(url_for("care_contracts.service", service_id=record.id, tab="schedule"))


@bp.route("/services/<int:service_id>/beds", methods=["POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def bed_new(service_id: int):
    record = _or_404(services.get_service, service_id)
    form = forms.BedAllocationForm()
    form.bed_id.choices = [("", "Select one")] + services.bed_choices(record)
    if form.validate_on_submit():
        try:
            services.allocate_bed(record, form.bed_id.data, _at(form.start_date.data, form.start_time.data),
                                  _at(form.end_date.data, form.end_time.data))
        except services.CareContractsError as exc:
            return _refused(record, "beds", form, exc, {"start_at": "start_date", "end_at": "end_date"})
        db.session.commit()
        flash("Bed allocated. The charge is unchanged.", "success")
        return redirect(url_for("care_contracts.service", service_id=record.id, tab="beds"))
    return _page(record, "beds", 400, form=form, bed_form=form)


@bp.route("/services/<int:service_id>/beds/<int:allocation_id>/end", methods=["POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def bed_end(service_id: int, allocation_id: int):
    record = _or_404(services.get_service, service_id)
    form = forms.EndAllocationForm()
    if form.validate_on_submit():
        try:
            services.end_bed_allocation(record, allocation_id, _at(form.end_date.data, form.end_time.data))
        except services.CareContractsError as exc:
            form.end_date.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Bed allocation ended.", "success")
            return redirect(url_for("care_contracts.service", service_id=record.id, tab="beds"))
    return _page(record, "beds", 400, form=form, end_form=form)


def person_tab(person) -> str:
    """The Care contracts tab on the person page."""
    return render_template("care_contracts/person_tab.html", person=person, contracts=services.contracts_of(person.id),
                           absences=services.person_absences(person.id))


# --- bed allocations: change and remove --------------------------------------------------------------------------


@bp.route("/services/<int:service_id>/beds/<int:allocation_id>/edit", methods=["GET", "POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def bed_edit(service_id: int, allocation_id: int):
    record = _or_404(services.get_service, service_id)
    allocation = _allocation_or_404(record, allocation_id)
    start, end = _london(allocation.start_at), _london(allocation.end_at)
    form = forms.BedAllocationForm(data={"bed_id": allocation.bed_id, "start_date": start[0], "start_time": start[1],
                                         "end_date": end[0], "end_time": end[1]})
    form.bed_id.choices = [("", "Select one")] + services.bed_choices(record)
    if allocation.bed_id not in dict(form.bed_id.choices):  # a bed since retired stays selectable on its allocation
        form.bed_id.choices.append((allocation.bed_id, f"{allocation.bed.room.name}, {allocation.bed.name}"))
    form.submit.label.text = "Save bed allocation"
    if form.validate_on_submit():
        try:
            services.change_bed_allocation(record, allocation, form.bed_id.data,
                                           _at(form.start_date.data, form.start_time.data),
                                           _at(form.end_date.data, form.end_time.data))
        except services.CareContractsError as exc:
            field = {"start_at": "start_date", "end_at": "end_date"}.get(exc.field, exc.field)
            getattr(form, field, form.bed_id).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Bed allocation changed. The charge is unchanged.", "success")
            return redirect(url_for("care_contracts.service", service_id=record.id, tab="beds"))
    return render_template("care_contracts/bed_form.html", service=record, allocation=allocation, form=form), (
        400 if form.errors else 200)


@bp.route("/services/<int:service_id>/beds/<int:allocation_id>/remove", methods=["GET", "POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def bed_remove(service_id: int, allocation_id: int):
    record = _or_404(services.get_service, service_id)
    allocation = _allocation_or_404(record, allocation_id)
    form = forms.ActionForm()
    back = url_for("care_contracts.service", service_id=record.id, tab="beds")
    if form.validate_on_submit():
        services.remove_bed_allocation(record, allocation)
        db.session.commit()
        flash("Bed allocation removed. The charge is unchanged.", "success")
        return redirect(back)
    bed = allocation.bed
    return render_template(
        "care_contracts/confirm_remove.html", form=form, back=back, heading="Remove this bed allocation?",
        caption=f"{record.contract_service.name} · {record.person_contract.person.full_name}",
        summary=f"{bed.room.sub_location.name}, {bed.room.name}, {bed.name}, from "
                f"{services._when(allocation.start_at)}{' to ' + services._when(allocation.end_at) if allocation.end_at else ''}",
        explanation="Remove an allocation only if it was recorded in error: to record a move, end it and allocate "
                    "the new bed. The service user's charge does not change.",
        button="Remove bed allocation")


def _allocation_or_404(record, allocation_id: int):
    try:
        return services.bed_allocation_of(record, allocation_id)
    except services.CareContractsError:
        abort(404)


# --- person absences ---------------------------------------------------------------------------------------------


def _service_label(service) -> str:
    start, end = service.start_at.astimezone(LONDON), service.end_at.astimezone(LONDON) if service.end_at else None
    what = service.contract_service.name + (": service user's contribution" if service.kind == "contribution" else "")
    dates = f"from {start.day} {start:%B %Y}" + (f" to {end.day} {end:%B %Y}" if end else "")
    status = dict(SERVICE_STATUSES)[service.status].split(" (")[0]
    return f"{what}, {dates} ({status})"


def _absence_form(person_id: int, record=None):
    data = None
    if record is not None:
        data = {"absence_type_id": record.absence_type_id, "start_date": record.start_date,
                "end_date": record.end_date, "notes": record.notes, "version": str(record.version),
                "service_ids": [service.id for service in record.services]}
    form = forms.AbsenceForm(data=data)
    form.absence_type_id.choices = [("", "Select one")] + services.options(
        AbsenceType, record.absence_type_id if record else None)
    form.service_ids.choices = [(service.id, _service_label(service))
                                for service in services.services_of_person(person_id)]
    if record is not None:
        form.service_ids.description = "Untick a service the absence does not affect."
    return form


def _save_absence(person, record, form):
    """Save the absence form; None when saved, else the response showing what was refused."""
    chosen = list(form.service_ids.data or [])
    details = services.AbsenceDetails(
        absence_type_id=form.absence_type_id.data, start_date=form.start_date.data, end_date=form.end_date.data,
        notes=form.notes.data or "",
        # a new absence with nothing ticked links the services running during it
        service_ids=chosen if record is not None or chosen else None)
    try:
        if record is not None:
            ensure_current(record, form.version.data, f"the absence of {person.full_name}", {
                "start_date": ("First day away", details.start_date),
                "end_date": ("Day they came back", details.end_date)})
        saved = services.save_absence(person.id, record, details)
    except services.CareContractsError as exc:
        getattr(form, exc.field, form.start_date).errors.append(str(exc))
        return None
    db.session.commit()
    return saved


@bp.route("/people/<int:person_id>/absences/new", methods=["GET", "POST"])
@bp.route("/absences/<int:absence_id>/edit", methods=["GET", "POST"], endpoint="absence_edit")
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def absence_new(person_id: int | None = None, absence_id: int | None = None):
    record = _or_404(services.get_absence, absence_id) if absence_id else None
    person = services.open_person(record.person_id if record else person_id)
    form = _absence_form(person.id, record)
    if form.validate_on_submit():
        try:
            saved = _save_absence(person, record, form)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("care_contracts.absence_edit", absence_id=record.id))
        if saved is not None:
            linked = ", ".join(service.contract_service.name for service in saved.services) or "no services"
            flash(f"{saved.absence_type.name} from {saved.start_date.day} {saved.start_date:%B %Y} saved, "
                  f"affecting {linked}.", "success")
            return redirect(url_for("people.show", person_id=person.id, module="care_contracts"))
    return render_template("care_contracts/absence_form.html", person=person, record=record, form=form), (
        400 if form.errors else 200)


@bp.route("/absences/<int:absence_id>/remove", methods=["GET", "POST"])
@require_permission(services.VIEW, services.WRITE, services.PEOPLE_VIEW)
def absence_remove(absence_id: int):
    record = _or_404(services.get_absence, absence_id)
    person = services.open_person(record.person_id)
    form = forms.ActionForm()
    back = url_for("people.show", person_id=person.id, module="care_contracts")
    if form.validate_on_submit():
        services.remove_absence(record)
        db.session.commit()
        flash("Absence removed. The services it affected will be charged again without it.", "success")
        return redirect(back)
    end = f" to {record.end_date.day} {record.end_date:%B %Y}" if record.end_date else " (still away)"
    return render_template(
        "care_contracts/confirm_remove.html", form=form, back=back, heading="Remove this absence?",
        caption=person.full_name,
        summary=f"{record.absence_type.name} from {record.start_date.day} {record.start_date:%B %Y}{end}",
        explanation="Remove an absence only if it was recorded in error. Each service it affected is charged again "
                    "without it, and any difference from what was already charged is written as an adjustment.",
        button="Remove absence")


@bp.app_template_filter("care_money")
def care_money(pence: int | None) -> str:
    """Pence as pounds for people, e.g. 84000 as £840.00; empty for None."""
    if pence is None:
        return ""
    return f"-£{-pence / 100:,.2f}" if pence < 0 else f"£{pence / 100:,.2f}"


# --- finance ------------------------------------------------------------------------------------------------------


@bp.route("/finance/")
@require_permission(services.FINANCE)
def finance():
    return render_template("care_contracts/finance.html", summary=services.finance_summary(),
                           form=None, action_form=forms.ActionForm())


@bp.route("/finance/run/<job>", methods=["POST"])
@require_permission(services.FINANCE)
def finance_run(job: str):
    names = {"transactions": services.TRANSACTIONS_JOB, "invoicing": services.INVOICING_JOB}
    if job not in names:
        abort(404)
    if forms.ActionForm().validate_on_submit():
        run = services.start_finance_job(names[job])
        db.session.commit()
        flash(f"The {job} job has started (run {run.id}); the job log shows how it went.", "success")
    return redirect(url_for("care_contracts.finance"))


@bp.route("/invoices/")
@require_permission(services.INVOICES)
def invoice_list():
    return render_template("care_contracts/invoices.html", invoices=services.invoices(), debtor=services.debtor_name)


@bp.route("/invoices/<int:invoice_id>")
@require_permission(services.INVOICES)
def invoice(invoice_id: int):
    record = _or_404(services.get_invoice, invoice_id)
    return render_template("care_contracts/invoice.html", invoice=record, lines=services.invoice_lines(record),
                           service_users=services.service_users_on(record),
                           debtor=services.debtor_name(record))


@bp.route("/invoices/<int:invoice_id>.pdf")
@require_permission(services.INVOICES)
def invoice_pdf(invoice_id: int):
    record = _or_404(services.get_invoice, invoice_id)
    html = render_template("care_contracts/invoice_pdf.html", invoice=record, lines=services.invoice_lines(record),
                           service_users=services.service_users_on(record),
                           debtor=services.debtor_name(record))
    pdf = services.invoice_pdf(record, html)
    db.session.commit()  # the audited export
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{record.number}.pdf"'})


@bp.route("/invoices/ledger.csv")
@require_permission(services.INVOICES)
def ledger():
    ids = request.args.get("invoice", type=int)
    data = services.ledger_csv([ids] if ids else None)
    db.session.commit()  # the audited export
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="care-ledger.csv"'})


@bp.app_context_processor
def _one_day():
    """Billing periods end the day before their stored end, which is the first day after them."""
    return {"one_day": timedelta(days=1)}
