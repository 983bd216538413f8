"""Screens for payment rates, runs (create, review, confirm), their downloads and payment settings."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for

from core.audit import services as audit
from core.extensions import db
from core.permissions import can, require_permission

from . import bacs, cash, services
from .blueprint import bp
from .forms import ActionForm, RateForm, RunForm, SettingsForm, parse_pounds
from .models import PaymentLine, PaymentRate, PaymentRun


@bp.context_processor
def _helpers():
    return {"pounds": services.pounds, "denomination": cash.label, "can": can}


def _run(run_id: int) -> PaymentRun:
    run = db.session.get(PaymentRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.route("/")
@require_permission(services.VIEW)
def index():
    return render_template("attendance/payments/index.html", runs=services.runs(), rate=services.rate_on_today())


@bp.route("/runs/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_RUNS)
def new_run():
    form = RunForm()
    if form.validate_on_submit():
        try:
            run = services.create_run(form.period_start.data, form.period_end.data, form.payment_date.data)
        except services.PaymentError as exc:
            getattr(form, exc.field, form.period_start).errors.append(str(exc))
        else:
            db.session.commit()
            flash("The run has been calculated: check it, then confirm it.", "success")
            return redirect(url_for("attendance_payments.run", run_id=run.id))
    return render_template("attendance/payments/run_form.html", form=form), 400 if form.errors else 200


@bp.route("/runs/<int:run_id>")
@require_permission(services.VIEW)
def run(run_id: int):
    payment_run = _run(run_id)
    lines = services.lines(payment_run)
    envelopes = services.envelopes(payment_run)
    order = cash.bank_order(envelope.pieces for envelope in envelopes)
    audit.record_view("attendance_payment_run", payment_run.id)
    db.session.commit()
    return render_template("attendance/payments/run.html", run=payment_run, lines=lines, envelopes=envelopes,
                           order=order, form=ActionForm(),
                           problems=sum(1 for line in lines if line.bank_problem),
                           warnings=sum(1 for line in lines if line.bank_warning))


@bp.route("/runs/<int:run_id>/lines/<int:line_id>")
@require_permission(services.VIEW)
def line(run_id: int, line_id: int):
    payment_run = _run(run_id)
    payment_line = db.session.get(PaymentLine, line_id)
    if payment_line is None or payment_line.run_id != payment_run.id:
        abort(404)
    audit.record_view("attendance_payment_line", payment_line.id, person_id=payment_line.service_user.person_id)
    db.session.commit()
    return render_template("attendance/payments/line.html", run=payment_run, line=payment_line,
                           items=services.items(payment_run, payment_line.service_user_id))


def _refused(run_id: int, exc: services.PaymentError):
    flash(str(exc), "error")
    return redirect(url_for("attendance_payments.run", run_id=run_id))


@bp.route("/runs/<int:run_id>/recalculate", methods=["POST"])
@require_permission(services.MANAGE_RUNS)
def recalculate(run_id: int):
    payment_run = _run(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.recalculate(payment_run)
    except services.PaymentError as exc:
        db.session.rollback()
        return _refused(run_id, exc)
    db.session.commit()
    flash("The run has been recalculated from the registers as they are now.", "success")
    return redirect(url_for("attendance_payments.run", run_id=run_id))


@bp.route("/runs/<int:run_id>/delete", methods=["POST"])
@require_permission(services.MANAGE_RUNS)
def delete(run_id: int):
    payment_run = _run(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_run(payment_run)
    except services.PaymentError as exc:
        db.session.rollback()
        return _refused(run_id, exc)
    db.session.commit()
    flash("The draft run has been deleted.", "success")
    return redirect(url_for("attendance_payments.index"))


@bp.route("/runs/<int:run_id>/confirm", methods=["GET", "POST"])
@require_permission(services.CONFIRM)
def confirm(run_id: int):
    payment_run = _run(run_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.confirm(payment_run)
        except services.PaymentError as exc:
            # a stale run was recalculated: keep that, so the officer reviews the new figures
            db.session.commit()
            return _refused(run_id, exc)
        db.session.commit()
        flash("The run is confirmed and locked. You can now download its payment files.", "success")
        return redirect(url_for("attendance_payments.run", run_id=run_id))
    return render_template("attendance/payments/confirm.html", run=payment_run, form=form)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "Cache-Control": "no-store"})


def _export(run_id: int, export, kind: str, extension: str, mimetype: str):
    payment_run = _run(run_id)
    try:
        data = export(payment_run)
    except services.PaymentError as exc:
        db.session.rollback()
        return _refused(run_id, exc)
    db.session.commit()
    return _download(data, services.file_name(payment_run, kind, extension), mimetype)


@bp.route("/runs/<int:run_id>/bank-upload.csv")
@require_permission(services.EXPORT_BANK_CSV)
def bank_csv(run_id: int):
    return _export(run_id, services.export_bank_csv, "bank-upload", "csv", "text/csv")


@bp.route("/runs/<int:run_id>/standard18.txt")
@require_permission(services.EXPORT_STANDARD18)
def standard18(run_id: int):
    return _export(run_id, services.export_standard18, "bacs-standard18", "txt", "text/plain")


@bp.route("/runs/<int:run_id>/cash.csv")
@require_permission(services.EXPORT_CASH)
def cash_csv(run_id: int):
    return _export(run_id, services.export_cash, "cash", "csv", "text/csv")


@bp.route("/runs/<int:run_id>/envelopes")
@require_permission(services.EXPORT_CASH)
def envelopes(run_id: int):
    payment_run = _run(run_id)
    try:
        services.record_envelopes_printed(payment_run)
    except services.PaymentError as exc:
        db.session.rollback()
        return _refused(run_id, exc)
    db.session.commit()
    made_up = services.envelopes(payment_run)
    return render_template("attendance/payments/envelopes.html", run=payment_run, envelopes=made_up,
                           order=cash.bank_order(envelope.pieces for envelope in made_up),
                           values=payment_run.denomination_values)


@bp.route("/rates")
@require_permission(services.VIEW)
def rates():
    return render_template("attendance/payments/rates.html", rates=services.rates(), form=ActionForm())


@bp.route("/rates/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_RATES)
def new_rate():
    form = RateForm()
    if form.validate_on_submit():
        amount = parse_pounds(form.amount.data)
        if amount is None:
            form.amount.errors.append("Enter the rate in pounds and pence, like 5.50")
        else:
            try:
                rate = services.add_rate(form.effective_from.data, amount, form.note.data or "")
            except services.PaymentError as exc:
                getattr(form, exc.field, form.effective_from).errors.append(str(exc))
            else:
                db.session.commit()
                flash(f"{services.pounds(rate.amount_pence)} per half-day applies from "
                      f"{services.long_date(rate.effective_from)}.", "success")
                return redirect(url_for("attendance_payments.rates"))
    return render_template("attendance/payments/rate_form.html", form=form), 400 if form.errors else 200


@bp.route("/rates/<int:rate_id>/remove", methods=["POST"])
@require_permission(services.MANAGE_RATES)
def remove_rate(rate_id: int):
    rate = db.session.get(PaymentRate, rate_id)
    if rate is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_rate(rate)
    except services.PaymentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("The rate has been removed.", "success")
    return redirect(url_for("attendance_payments.rates"))


@bp.route("/settings", methods=["GET", "POST"])
@require_permission(services.MANAGE_SETTINGS)
def settings():
    current = services.get_settings()
    form = SettingsForm()
    if not form.is_submitted():
        form.originator_sort_code.data = current.originator_sort_code
        form.originator_account_number.data = current.originator_account_number
        form.originator_name.data = current.originator_name
        form.reference_prefix.data = current.reference_prefix
        form.denominations.data = list(current.denomination_values)
        form.csv_columns.data = ", ".join(current.csv_columns.split(","))
        form.csv_header.data = current.csv_header
    elif form.validate():
        try:
            services.update_settings(
                originator_sort_code=form.originator_sort_code.data or "",
                originator_account_number=form.originator_account_number.data or "",
                originator_name=form.originator_name.data or "",
                reference_prefix=form.reference_prefix.data or "",
                denominations=" ".join(str(value) for value in form.denominations.data or []),
                csv_columns=[part.strip() for part in (form.csv_columns.data or "").split(",") if part.strip()],
                csv_header=form.csv_header.data,
            )
        except services.PaymentError as exc:
            getattr(form, exc.field, form.originator_sort_code).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Payment settings saved.", "success")
            return redirect(url_for("attendance_payments.settings"))
    return render_template("attendance/payments/settings.html", form=form, columns=bacs.CSV_COLUMNS), \
        400 if form.errors else 200
