"""Administrators set up each department's case types on screen: add, rename, reorder, reclassify and retire."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.cases import configuration
from core.cases.blueprint import admin_bp
from core.cases.forms import ActionForm, TypeForm
from core.extensions import db
from core.permissions import require_permission
from core.web.conflict import StaleEdit, conflict_page, ensure_current

MANAGE = configuration.MANAGE


def _kind_or_404(slug: str) -> configuration.Kind:
    try:
        return configuration.kind(slug)
    except KeyError:
        abort(404)


def _row_or_404(found: configuration.Kind, type_id: int):
    return configuration.get_type(found.slug, type_id) or abort(404)


def _data(form: TypeForm, name: str):
    """A field's value, or None for a field this list's form does not have."""
    field = getattr(form, name, None)
    return field.data if field is not None else None


def _form(found: configuration.Kind, row=None) -> TypeForm:
    form = TypeForm(obj=row)
    if found.category:
        department = row.department if row is not None else None
        categories = configuration.list_types(found.category, department=department, include_inactive=False)
        form.category_id.label.text = configuration.kind(found.category).singular.capitalize()
        form.category_id.choices = [("", f"Select a {configuration.kind(found.category).singular}")] + [
            (category.id, f"{configuration.department_label(category.department)}: {category.label}"
             if row is None else category.label)
            for category in categories
        ]
        if row is not None and row.category_id not in dict(form.category_id.choices):
            form.category_id.choices.append((row.category_id, row.category.choice_label))
        del form.department
    else:
        del form.category_id
        form.department.choices = [("", "Select a department")] + configuration.departments()
    if found.slug != "demand-types":
        del form.kind
    if row is not None:
        del form.code
        if form.department is not None:
            del form.department
        if request.method == "GET":
            form.version.data = str(row.version)
    return form


@admin_bp.route("/")
@require_permission(MANAGE)
def index():
    counts = {
        found.slug: {
            department: sum(1 for row in configuration.list_types(found.slug, department) if row.active)
            for department, _ in configuration.departments()
        }
        for found in configuration.kinds().values()
    }
    return render_template(
        "cases/admin/index.html", kinds=configuration.kinds().values(), departments=configuration.departments(),
        counts=counts,
    )


@admin_bp.route("/<slug>/")
@require_permission(MANAGE)
def types(slug: str):
    found = _kind_or_404(slug)
    department = request.args.get("department") or None
    rows = configuration.list_types(slug, department=department)
    return render_template(
        "cases/admin/types.html", kind=found, rows=rows, department=department,
        departments=configuration.departments(), department_label=configuration.department_label,
        action_form=ActionForm(),
    )


@admin_bp.route("/<slug>/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def add(slug: str):
    found = _kind_or_404(slug)
    form = _form(found)
    if request.method == "GET" and form.department is not None:
        form.department.data = request.args.get("department", "")
    if form.validate_on_submit():
        try:
            row = configuration.add_type(
                slug,
                code=form.code.data,
                label=form.label.data,
                description=form.description.data or "",
                department=_data(form, "department"),
                category_id=_data(form, "category_id"),
                demand_kind=_data(form, "kind"),
            )
        except configuration.TypeChangeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Added the {found.singular} “{row.label}” to {configuration.department_label(row.department)}.",
                  "success")
            return redirect(url_for("case_types.types", slug=slug, department=row.department))
    return render_template("cases/admin/form.html", kind=found, form=form, row=None), 400 if form.errors else 200


@admin_bp.route("/<slug>/<int:type_id>", methods=["GET", "POST"])
@require_permission(MANAGE)
def edit(slug: str, type_id: int):
    found = _kind_or_404(slug)
    row = _row_or_404(found, type_id)
    form = _form(found, row)
    if form.validate_on_submit():
        submitted = {"label": ("Label", form.label.data), "description": ("Guidance", form.description.data or "")}
        if form.kind is not None:
            submitted["kind"] = ("Value or failure demand", form.kind.data)
        try:
            ensure_current(row, form.version.data, f"the {found.singular} “{row.label}”", submitted)
            configuration.update_type(
                row,
                label=form.label.data,
                description=form.description.data or "",
                category_id=_data(form, "category_id"),
                demand_kind=_data(form, "kind"),
            )
        except StaleEdit as stale:
            return conflict_page(stale, url_for("case_types.edit", slug=slug, type_id=row.id))
        except configuration.TypeChangeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Saved the {found.singular} “{row.label}”.", "success")
            return redirect(url_for("case_types.types", slug=slug, department=row.department))
    return render_template(
        "cases/admin/form.html", kind=found, form=form, row=row, action_form=ActionForm(),
        department_name=configuration.department_label(row.department),
    ), 400 if form.errors else 200


@admin_bp.route("/<slug>/<int:type_id>/<any(up, down):direction>", methods=["POST"])
@require_permission(MANAGE)
def move(slug: str, type_id: int, direction: str):
    found = _kind_or_404(slug)
    row = _row_or_404(found, type_id)
    if ActionForm().validate_on_submit():
        configuration.move_type(row, -1 if direction == "up" else 1)
        db.session.commit()
    return redirect(url_for("case_types.types", slug=slug, department=row.department))


@admin_bp.route("/<slug>/<int:type_id>/<any(retire, reinstate):action>", methods=["POST"])
@require_permission(MANAGE)
def toggle(slug: str, type_id: int, action: str):
    found = _kind_or_404(slug)
    row = _row_or_404(found, type_id)
    if ActionForm().validate_on_submit():
        configuration.set_active(row, action == "reinstate")
        db.session.commit()
        flash(f"“{row.label}” is {'in use again' if row.active else 'no longer offered for new records'}.", "success")
    return redirect(url_for("case_types.types", slug=slug, department=row.department))

