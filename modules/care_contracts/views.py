"""Care contracts screens: parse, check permission, call a service, render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from core.extensions import db
from core.permissions import require_permission

from . import forms, services
from .blueprint import bp

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
            saved = services.save_config(slug, record, _form_values(form))
        except services.CareContractsError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Saved the {kind.singular} {getattr(saved, 'name', None) or saved.finance_code}.", "success")
            return redirect(url_for("care_contracts.config_list", slug=slug))
    return render_template("care_contracts/config_form.html", kind=kind, form=form, record=record), (
        400 if form.errors else 200)
