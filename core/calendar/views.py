"""Administrators list bank holidays by year and nation, add one-offs and deactivate wrong entries."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from core.calendar import services
from core.calendar.blueprint import bp
from core.calendar.forms import ActionForm, AddBankHolidayForm, DeactivateForm
from core.calendar.models import BankHoliday
from core.extensions import db
from core.permissions import require_permission

MANAGE = services.MANAGE


def _row_or_404(row_id: int) -> BankHoliday:
    row = db.session.get(BankHoliday, row_id)
    if row is None:
        abort(404)
    return row


def _back(row: BankHoliday):
    return redirect(url_for("calendar.index", year=row.day.year, division=row.division))


@bp.route("/")
@require_permission(MANAGE)
def index():
    year = request.args.get("year", type=int) or date.today().year
    if not 1900 <= year <= 2200:
        abort(404)
    division = request.args.get("division") or services.default_division()
    if division not in services.DIVISIONS:
        abort(404)
    rows = services.listed(year, division)
    return render_template(
        "calendar/index.html", rows=rows, year=year, division=division, divisions=services.DIVISIONS,
        default_division=services.default_division(), action_form=ActionForm(),
    )


@bp.route("/add", methods=["GET", "POST"])
@require_permission(MANAGE)
def add():
    form = AddBankHolidayForm()
    if request.method == "GET":
        form.division.data = request.args.get("division") or services.default_division()
    if form.validate_on_submit():
        try:
            row = services.add_one_off(form.division.data, form.day.data, form.title.data, form.notes.data)
        except services.BankHolidayError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Added {row.title} on {row.day:%-d %B %Y}.", "success")
            return _back(row)
    return render_template("calendar/add.html", form=form), 400 if form.errors else 200


@bp.route("/<int:row_id>/deactivate", methods=["GET", "POST"])
@require_permission(MANAGE)
def deactivate(row_id: int):
    row = _row_or_404(row_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        try:
            services.deactivate(row, form.reason.data)
        except services.BankHolidayError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{row.title} on {row.day:%-d %B %Y} is no longer treated as a bank holiday.", "success")
            return _back(row)
    return render_template(
        "calendar/deactivate.html", row=row, form=form, division_label=services.DIVISIONS[row.division]
    ), 400 if form.errors else 200


@bp.route("/<int:row_id>/reactivate", methods=["POST"])
@require_permission(MANAGE)
def reactivate(row_id: int):
    row = _row_or_404(row_id)
    if ActionForm().validate_on_submit():
        services.reactivate(row)
        db.session.commit()
        flash(f"{row.title} on {row.day:%-d %B %Y} is a bank holiday again.", "success")
    return _back(row)
