"""Search places, read a place, add or correct one by hand, and see the gazetteer import history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.extensions import db
from core.permissions import can, require_permission
from core.places import services
from core.places.blueprint import bp
from core.places.forms import PlaceForm
from core.places.gazetteer import FORMATS
from core.places.models import Place
from core.places.postcodes import normalise_postcode
from core.web.conflict import StaleEdit, conflict_page, ensure_current


@bp.route("/")
@require_permission(services.VIEW)
def search():
    query = request.args.get("q", "")
    criteria = services.interpret_query(query)
    results = services.search_places(**criteria, page=request.args.get("page", 1, type=int)) if criteria else None
    return render_template(
        "places/search.html",
        query=query,
        criteria=criteria,
        results=results,
        can_edit=can(services.EDIT),
        can_import=can(services.IMPORT),
    )


@bp.route("/<int:place_id>")
@require_permission(services.VIEW)
def show(place_id: int):
    place = services.get_place(place_id) or abort(404)
    parent, children = services.related_places(place)
    return render_template(
        "places/show.html",
        place=place,
        parent=parent,
        children=children,
        records=services.gazetteer_records(place),
        can_edit=can(services.EDIT),
    )


def _form(place: Place | None = None) -> PlaceForm:
    form = PlaceForm(obj=place)
    form.logical_status.choices = services.status_choices(place)
    if request.method == "GET":
        form.logical_status.data = place.logical_status if place is not None else "approved"
        if place is not None:
            form.version.data = str(place.version)
    return form


def _add_errors(form: PlaceForm, error: services.PlaceError) -> None:
    for name, message in error.errors.items():
        form[name].errors.append(message)


@bp.route("/new", methods=["GET", "POST"])
@require_permission(services.EDIT)
def new():
    form = _form()
    if form.validate_on_submit():
        try:
            place = services.create_place(form.values())
        except services.PlaceError as error:
            _add_errors(form, error)
        else:
            db.session.commit()
            flash(f"Added {place.label}.", "success")
            return redirect(url_for("places.show", place_id=place.id))
    return render_template("places/form.html", form=form, place=None), 400 if form.errors else 200


@bp.route("/<int:place_id>/edit", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def edit(place_id: int):
    place = services.get_place(place_id) or abort(404)
    form = _form(place)
    if form.validate_on_submit():
        values = form.values()
        try:
            ensure_current(
                place,
                form.version.data,
                f"the place {place.label}",
                {
                    **{name: (label, values[name].strip() or None) for name, (label, _) in services.TEXT_FIELDS.items()},
                    "postcode": ("Postcode", normalise_postcode(values["postcode"]) or None),
                    "logical_status": ("Status", values["logical_status"]),
                },
            )
            services.update_place(place, values)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("places.edit", place_id=place.id))
        except services.PlaceError as error:
            _add_errors(form, error)
        else:
            db.session.commit()
            flash(f"Saved {place.label}.", "success")
            return redirect(url_for("places.show", place_id=place.id))
    return render_template("places/form.html", form=form, place=place), 400 if form.errors else 200


@bp.route("/gazetteer/")
@require_permission(services.IMPORT)
def imports():
    return render_template("places/imports.html", runs=services.recent_imports(), formats=FORMATS)


@bp.route("/gazetteer/<int:run_id>")
@require_permission(services.IMPORT)
def import_run(run_id: int):
    run = services.get_import(run_id) or abort(404)
    return render_template("places/import.html", run=run, formats=FORMATS)
