"""Administrators add, rename, reorder and deactivate lookup values."""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, render_template, url_for

from core import module_system
from core.extensions import db
from core.lookups import services
from core.lookups.blueprint import bp
from core.lookups.forms import ActionForm, AddValueForm, RenameValueForm
from core.lookups.models import LookupValue
from core.permissions import require_permission

MANAGE = services.MANAGE


def _list_or_404(list_code: str):
    try:
        return services.lookup_list(list_code)
    except KeyError:
        abort(404)


def _value_or_404(list_code: str, value_id: int) -> LookupValue:
    row = db.session.get(LookupValue, value_id)
    if row is None or row.list_code != list_code:
        abort(404)
    return row


@bp.route("/")
@require_permission(MANAGE)
def index():
    system = module_system()
    lists = sorted(system.lookups.values(), key=lambda seed: (system.lookups.owner(seed.code), seed.label))
    grouped = [
        (owner, list(seeds))
        for owner, seeds in groupby(lists, key=lambda seed: system.lookups.owner(seed.code))
    ]
    return render_template("lookups/index.html", grouped=grouped)


@bp.route("/<list_code>")
@require_permission(MANAGE)
def show(list_code: str):
    seed = _list_or_404(list_code)
    rows = services.values(list_code, include_inactive=True)
    return render_template("lookups/show.html", seed=seed, rows=rows, action_form=ActionForm())


@bp.route("/<list_code>/add", methods=["GET", "POST"])
@require_permission(MANAGE)
def add(list_code: str):
    seed = _list_or_404(list_code)
    form = AddValueForm()
    if form.validate_on_submit():
        try:
            row = services.add_value(list_code, form.code.data, form.label.data)
        except services.LookupChangeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f'Added "{row.label}".', "success")
            return redirect(url_for("lookups.show", list_code=list_code))
    return render_template("lookups/add.html", seed=seed, form=form), 400 if form.errors else 200


@bp.route("/<list_code>/<int:value_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def edit(list_code: str, value_id: int):
    seed = _list_or_404(list_code)
    row = _value_or_404(list_code, value_id)
    form = RenameValueForm(obj=row)
    if form.validate_on_submit():
        if str(row.version) != form.version.data:
            form.label.errors.append(
                f'Someone else changed this value to "{row.label}" while you were editing: check it and save again'
            )
            form.version.data = str(row.version)
        else:
            try:
                services.rename_value(row, form.label.data)
            except services.LookupChangeError as exc:
                form.label.errors.append(str(exc))
            else:
                db.session.commit()
                flash(f'Renamed to "{row.label}".', "success")
                return redirect(url_for("lookups.show", list_code=list_code))
    return render_template("lookups/edit.html", seed=seed, row=row, form=form), 400 if form.errors else 200


@bp.route("/<list_code>/<int:value_id>/<any(up, down):direction>", methods=["POST"])
@require_permission(MANAGE)
def move(list_code: str, value_id: int, direction: str):
    _list_or_404(list_code)
    row = _value_or_404(list_code, value_id)
    if ActionForm().validate_on_submit():
        services.move_value(row, -1 if direction == "up" else 1)
        db.session.commit()
    return redirect(url_for("lookups.show", list_code=list_code))


@bp.route("/<list_code>/<int:value_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@require_permission(MANAGE)
def toggle(list_code: str, value_id: int, action: str):
    _list_or_404(list_code)
    row = _value_or_404(list_code, value_id)
    if ActionForm().validate_on_submit():
        services.set_active(row, action == "reactivate")
        db.session.commit()
        flash(
            f'"{row.label}" is now {"in use" if row.active else "no longer offered for new records"}.',
            "success",
        )
    return redirect(url_for("lookups.show", list_code=list_code))
