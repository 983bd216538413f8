"""Screens for finding, adding, reading, changing and merging people, and for the people area's types."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from core.access.services import BreakGlassRequired, can_see_sensitive, list_teams
from core.extensions import db
from core.lookups import services as lookups
from core.people import forms, services
from core.people.blueprint import bp
from core.people.models import VALIDATION_KINDS, Person, PersonIdentifierType, PersonRelationshipType
from core.permissions import can, require_permission
from core.web.conflict import StaleEdit, conflict_page, ensure_current

VIEW, CREATE, EDIT, MERGE = services.VIEW, services.CREATE, services.EDIT, services.MERGE
WORKERS = services.MANAGE_WORKERS


@bp.errorhandler(BreakGlassRequired)
def _break_glass(error: BreakGlassRequired):
    # after giving a reason the user comes back to the page they asked for (a form's page, not its POST)
    target = request.full_path if request.method == "GET" else url_for("people.show", person_id=error.person_id)
    return redirect(url_for("access.break_glass", person_id=error.person_id, next=target.rstrip("?")))


@bp.errorhandler(services.MergedRecord)
def _merged(error: services.MergedRecord):
    flash(f"Record {error.source.id} ({error.source.full_name}) was merged into this record.")
    return redirect(url_for("people.show", person_id=error.target_id))


def _status(form) -> int:
    return 400 if form.errors else 200


def _refuse(form, error: services.PeopleError) -> None:
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors.append(str(error))


def _applied(form, change: Callable[[], object]) -> bool:
    """Make the change a form asked for: True once committed, False with the refusal shown on the form."""
    try:
        change()
    except services.PeopleError as exc:
        _refuse(form, exc)
        return False
    db.session.commit()
    return True


def _back_to(person: Person, message: str, anchor: str | None = None):
    """Back to the person's page (at a tab), saying what was done."""
    flash(message, "success")
    return redirect(url_for("people.show", person_id=person.id, _anchor=anchor))


def _lookup_choices(field, list_code: str, empty: str = "Not known") -> None:
    field.choices = [("", empty), *lookups.choices(list_code, field.data if isinstance(field.data, int) else None)]


def _person_choices(form: forms.PersonForm) -> None:
    for attribute, list_code in services.DEMOGRAPHIC_LISTS.items():
        _lookup_choices(getattr(form, attribute), list_code)


def _details(form: forms.PersonForm) -> services.PersonDetails:
    return services.PersonDetails(
        first_names=form.first_names.data or "",
        last_name=form.last_name.data or "",
        title=form.title.data or "",
        preferred_name=form.preferred_name.data or "",
        date_of_birth=form.date_of_birth.data,
        date_of_death=form.date_of_death.data,
        **{attribute: getattr(form, attribute).data for attribute in services.DEMOGRAPHIC_LISTS},
        interpreter_required=bool(form.interpreter_required.data),
        restricted=bool(form.restricted.data),
    )


def _page(person: Person, title: str, form, fields: list[str], **context):
    """A small form about one person, such as adding a contact detail."""
    return render_template(
        "people/form.html", person=person, title=title, form=form, fields=fields, **context
    ), _status(form)


# --- search and create -----------------------------------------------------------------------------------------


@bp.route("/people/")
@require_permission(VIEW)
def search():
    form = forms.SearchForm(formdata=request.args or None)
    results = None
    if request.args and form.validate():
        criteria = services.SearchCriteria(
            name=form.name.data or "",
            date_of_birth=form.date_of_birth.data,
            identifier=form.identifier.data or "",
            postcode=form.postcode.data or "",
        )
        try:
            results = services.search_people(criteria, page=request.args.get("page", 1, type=int))
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()  # the audit of the search
    return render_template("people/search.html", form=form, results=results), _status(form)


def _fingerprint(form: forms.NewPersonForm) -> str:
    """What the user confirmed as not a duplicate; changing any of it means looking again."""
    parts = [
        services.normalise_name(form.first_names.data),
        services.normalise_name(form.last_name.data),
        str(form.date_of_birth.data or ""),
        str(form.identifier_type_id.data or ""),
        (form.identifier_value.data or "").strip().upper(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@bp.route("/people/new", methods=["GET", "POST"])
@require_permission(VIEW, CREATE)
def new():
    form = forms.NewPersonForm()
    _person_choices(form)
    form.identifier_type_id.choices = [("", "None")] + [
        (kind.id, kind.label) for kind in services.identifier_types(include_inactive=False)
    ]
    matches = None
    if form.validate_on_submit():
        fingerprint = _fingerprint(form)
        try:
            person = services.create_person(
                _details(form),
                (form.identifier_type_id.data, form.identifier_value.data or ""),
                confirmed=form.confirmed.data == fingerprint,
                # nobody works with a new person yet, so only holders of people.sensitive.view may write notes
                safeguarding_notes=(form.safeguarding_notes.data or "") if can("people.sensitive.view") else "",
            )
        except services.PossibleDuplicates as found:
            matches = found.matches
            form.confirmed.data = fingerprint
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(f"Added {person.full_name} (record {person.id}).", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/new.html", form=form, matches=matches), _status(form)


# --- the person page ---------------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>")
@require_permission(VIEW)
def show(person_id: int):
    page = services.person_page(person_id, module=request.args.get("module") or None)
    db.session.commit()  # the audit of the view
    return render_template(
        "people/show.html",
        page=page,
        person=page.person,
        action_form=forms.ActionForm(),
        today=services.today(),
        display_contact=services.display_contact,
        display_identifier=services.display_identifier,
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def edit(person_id: int):
    person = services.get_person(person_id)
    form = forms.EditPersonForm(obj=person)
    _person_choices(form)
    if request.method == "GET":
        form.version.data = str(person.version)
    if form.validate_on_submit():
        details = _details(form)
        try:
            ensure_current(
                person,
                form.version.data,
                f"the record of {person.full_name}",
                {
                    "first_names": ("First names", details.first_names),
                    "last_name": ("Last name", details.last_name),
                    "preferred_name": ("Preferred name", details.preferred_name or None),
                    "date_of_birth": ("Date of birth", details.date_of_birth),
                    "restricted": ("Restricted record", details.restricted),
                },
            )
            services.update_person(person, details, keep_old_name=bool(form.keep_old_name.data))
        except StaleEdit as stale:
            return conflict_page(stale, url_for("people.edit", person_id=person.id))
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash("Saved the changes.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/edit.html", form=form, person=person), _status(form)


@bp.route("/people/<int:person_id>/safeguarding", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def safeguarding(person_id: int):
    person = services.get_person(person_id)
    if not can_see_sensitive(person.id):
        abort(403)
    form = forms.SafeguardingForm(obj=person)
    if request.method == "GET":
        form.version.data = str(person.version)
    if form.validate_on_submit():
        try:
            ensure_current(
                person,
                form.version.data,
                f"the safeguarding notes of {person.full_name}",
                {"safeguarding_notes": ("Safeguarding notes", (form.safeguarding_notes.data or "").strip())},
            )
            services.set_safeguarding_notes(person, form.safeguarding_notes.data or "")
        except StaleEdit as stale:
            return conflict_page(stale, url_for("people.safeguarding", person_id=person.id))
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash("Saved the safeguarding notes.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return _page(person, "Safeguarding notes", form, ["version", "safeguarding_notes"])


@bp.route("/people/<int:person_id>/previous-names/new", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def add_previous_name(person_id: int):
    person = services.get_person(person_id)
    form = forms.PreviousNameForm()
    if form.validate_on_submit() and _applied(form, lambda: services.add_previous_name(
            person, form.first_names.data, form.last_name.data, form.used_from.data, form.used_until.data,
            form.reason.data or "",
        )):
        return _back_to(person, "Added the previous name.")
    return _page(person, "Add a previous name", form, ["first_names", "last_name", "used_from", "used_until", "reason"])


# --- contact details and reference numbers -------------------------------------------------------------------


@bp.route("/people/<int:person_id>/contact-details/new", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def add_contact_detail(person_id: int):
    person = services.get_person(person_id)
    form = forms.ContactDetailForm()
    _lookup_choices(form.contact_type_id, "people.contact_type", "Select a type")
    if form.validate_on_submit() and _applied(form, lambda: services.add_contact_detail(
            person, form.contact_type_id.data, form.value.data, bool(form.preferred.data), form.note.data or ""
        )):
        return _back_to(person, "Added the contact detail.", "details")
    return _page(person, "Add a contact detail", form, ["contact_type_id", "value", "preferred", "note"])


@bp.route("/people/<int:person_id>/contact-details/<int:detail_id>/remove", methods=["POST"])
@require_permission(VIEW, EDIT)
def remove_contact_detail(person_id: int, detail_id: int):
    person = services.get_person(person_id)
    if forms.ActionForm().validate_on_submit():
        services.remove_contact_detail(person, detail_id)
        db.session.commit()
        flash("Removed the contact detail.", "success")
    return redirect(url_for("people.show", person_id=person.id, _anchor="details"))


@bp.route("/people/<int:person_id>/reference-numbers/new", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def add_identifier(person_id: int):
    person = services.get_person(person_id)
    form = forms.IdentifierForm()
    form.identifier_type_id.choices = [("", "Select a type")] + [
        (kind.id, kind.label) for kind in services.identifier_types(include_inactive=False)
    ]
    if form.validate_on_submit() and _applied(
        form, lambda: services.add_identifier(person, form.identifier_type_id.data, form.value.data)
    ):
        return _back_to(person, "Added the reference number.", "details")
    return _page(person, "Add a reference number", form, ["identifier_type_id", "value"])


@bp.route("/people/<int:person_id>/reference-numbers/<int:identifier_id>/remove", methods=["POST"])
@require_permission(VIEW, EDIT)
def remove_identifier(person_id: int, identifier_id: int):
    person = services.get_person(person_id)
    if forms.ActionForm().validate_on_submit():
        services.remove_identifier(person, identifier_id)
        db.session.commit()
        flash("Removed the reference number.", "success")
    return redirect(url_for("people.show", person_id=person.id, _anchor="details"))


# --- addresses -------------------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/addresses/new", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def add_address(person_id: int):
    person = services.get_person(person_id)
    query = (request.values.get("q") or "").strip()
    places = services.find_places(query) if query else []
    form = forms.AddressForm()
    form.place_id.choices = [(place.id, place.label) for place in places]
    _lookup_choices(form.address_type_id, "people.address_type", "Select a type")
    if request.method == "POST" and form.validate():
        try:
            services.add_address(
                person, form.place_id.data, form.address_type_id.data, form.start_date.data, form.end_date.data,
                form.note.data or "", replaces_home=bool(form.replaces_home.data),
            )
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash("Added the address.", "success")
            return redirect(url_for("people.show", person_id=person.id, _anchor="addresses"))
    return render_template(
        "people/address_new.html", person=person, form=form, query=query, places=places
    ), _status(form)


@bp.route("/people/<int:person_id>/addresses/<int:address_id>/end", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def end_address(person_id: int, address_id: int):
    person = services.get_person(person_id)
    form = forms.EndDateForm()
    if form.validate_on_submit() and _applied(
        form, lambda: services.end_address(person, address_id, form.end_date.data)
    ):
        return _back_to(person, "Saved the end date.", "addresses")
    return _page(person, "When did this address stop applying?", form, ["end_date"])


# --- relationships -------------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/relationships/new", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def add_relationship(person_id: int):
    person = services.get_person(person_id)
    form = forms.RelationshipForm()
    choices = [("", "Select a relationship")]
    for kind in services.relationship_types(include_inactive=False):
        choices.append((f"{kind.id}:a", kind.label_a))
        if kind.label_b != kind.label_a:
            choices.append((f"{kind.id}:b", kind.label_b))
    form.relationship.choices = choices
    if form.validate_on_submit():
        type_id, _, side = (form.relationship.data or "").partition(":")
        try:
            services.add_relationship(
                person, form.other_id.data, int(type_id) if type_id.isdigit() else None, side != "b",
                form.start_date.data, form.end_date.data, form.note.data or "",
            )
        except services.PeopleError as exc:
            _refuse(form, exc if exc.field != "relationship_type_id" else services.PeopleError("relationship", str(exc)))
        else:
            db.session.commit()
            flash("Added the relationship.", "success")
            return redirect(url_for("people.show", person_id=person.id, _anchor="relationships"))
    return _page(
        person, "Add a relationship", form, ["relationship", "other_id", "start_date", "end_date", "note"]
    )


@bp.route("/people/<int:person_id>/relationships/<int:relationship_id>/end", methods=["GET", "POST"])
@require_permission(VIEW, EDIT)
def end_relationship(person_id: int, relationship_id: int):
    person = services.get_person(person_id)
    form = forms.EndDateForm()
    if form.validate_on_submit() and _applied(
        form, lambda: services.end_relationship(person, relationship_id, form.end_date.data)
    ):
        return _back_to(person, "Saved the end date.", "relationships")
    return _page(person, "When did the relationship end?", form, ["end_date"])


# --- workers and teams ---------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/workers/new", methods=["GET", "POST"])
@require_permission(VIEW, WORKERS)
def assign_worker(person_id: int):
    person = services.get_person(person_id)
    form = forms.WorkerForm()
    form.user_id.choices = [("", "Select a member of staff")] + [
        (user.id, user.name) for user in services.assignable_users()
    ]
    _lookup_choices(form.role_id, "people.worker_role", "Select a role")
    if form.validate_on_submit() and _applied(form, lambda: services.assign_worker(
            person, form.user_id.data, form.role_id.data, form.start_date.data, form.end_date.data
        )):
        return _back_to(person, "Assigned the worker.", "workers")
    return _page(person, "Assign a worker", form, ["user_id", "role_id", "start_date", "end_date"])


@bp.route("/people/<int:person_id>/workers/<int:worker_id>/end", methods=["POST"])
@require_permission(VIEW, WORKERS)
def end_worker(person_id: int, worker_id: int):
    person = services.get_person(person_id)
    if forms.ActionForm().validate_on_submit():
        services.end_worker(person, worker_id, None)
        db.session.commit()
        flash("The worker's assignment ends today.", "success")
    return redirect(url_for("people.show", person_id=person.id, _anchor="workers"))


@bp.route("/people/<int:person_id>/teams/new", methods=["GET", "POST"])
@require_permission(VIEW, WORKERS)
def add_team(person_id: int):
    person = services.get_person(person_id)
    form = forms.TeamLinkForm()
    form.team_id.choices = [("", "Select a team")] + [
        (team.id, team.name) for team in list_teams(include_inactive=False)
    ]
    if form.validate_on_submit() and _applied(form, lambda: services.add_team(
            person, form.team_id.data, form.start_date.data, form.end_date.data
        )):
        return _back_to(person, "Added the team.", "workers")
    return _page(person, "Add a team working with this person", form, ["team_id", "start_date", "end_date"])


@bp.route("/people/<int:person_id>/teams/<int:link_id>/end", methods=["POST"])
@require_permission(VIEW, WORKERS)
def end_team(person_id: int, link_id: int):
    person = services.get_person(person_id)
    if forms.ActionForm().validate_on_submit():
        services.end_team(person, link_id, None)
        db.session.commit()
        flash("The team stops working with this person today.", "success")
    return redirect(url_for("people.show", person_id=person.id, _anchor="workers"))


# --- merging ---------------------------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/merge", methods=["GET", "POST"])
@require_permission(VIEW, MERGE)
def merge(person_id: int):
    person = services.get_person(person_id)
    form = forms.MergeForm()
    if form.validate_on_submit():
        return redirect(url_for("people.merge_confirm", person_id=person.id, source_id=form.source_id.data))
    return _page(person, "Merge a duplicate into this record", form, ["source_id"])


@bp.route("/people/<int:person_id>/merge/<int:source_id>", methods=["GET", "POST"])
@require_permission(VIEW, MERGE)
def merge_confirm(person_id: int, source_id: int):
    target = services.get_person(person_id)
    try:
        source = services.get_person(source_id)
    except services.MergedRecord as merged:
        flash(f"Record {source_id} was already merged into record {merged.target_id}.")
        return redirect(url_for("people.merge", person_id=target.id))
    except NotFound:
        flash(f"There is no record {source_id}.")
        return redirect(url_for("people.merge", person_id=target.id))
    form = forms.ActionForm()
    if form.validate_on_submit():
        try:
            services.merge_people(target, source)
        except services.PeopleError as exc:
            flash(str(exc))
            return redirect(url_for("people.merge", person_id=target.id))
        db.session.commit()
        flash(f"Merged record {source.id} into this record.", "success")
        return redirect(url_for("people.show", person_id=target.id))
    return render_template("people/merge_confirm.html", person=target, source=source, form=form)


# --- administration: reference number and relationship types ---------------------------------------------------


@bp.route("/admin/people/reference-number-types/")
@require_permission(services.MANAGE_IDENTIFIER_TYPES)
def identifier_types():
    return render_template(
        "people/identifier_types.html", kinds=services.identifier_types(), validation_kinds=VALIDATION_KINDS
    )


@bp.route("/admin/people/reference-number-types/new", methods=["GET", "POST"])
@bp.route("/admin/people/reference-number-types/<int:type_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_IDENTIFIER_TYPES)
def identifier_type(type_id: int | None = None):
    kind = db.session.get(PersonIdentifierType, type_id) or abort(404) if type_id else None
    form = forms.IdentifierTypeForm(obj=kind)
    if kind is not None and request.method == "GET":
        form.version.data = str(kind.version)
    if form.validate_on_submit():
        values = (form.label.data, form.validation.data, form.pattern.data or "", bool(form.unique.data),
                  bool(form.active.data))
        try:
            if kind is None:
                kind = services.create_identifier_type(form.code.data or "", *values)
            else:
                ensure_current(kind, form.version.data, f"the reference number type {kind.label}", {
                    "label": ("Name", form.label.data), "unique": ("Unique", bool(form.unique.data)),
                    "active": ("Active", bool(form.active.data)),
                })
                services.update_identifier_type(kind, *values)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("people.identifier_type", type_id=kind.id))
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(f"Saved {kind.label}.", "success")
            return redirect(url_for("people.identifier_types"))
    return render_template("people/type_form.html", form=form, kind=kind, what="reference number type",
                           back=url_for("people.identifier_types"),
                           fields=["version", "label", *([] if kind else ["code"]), "validation", "pattern", "unique",
                                   "active"]), _status(form)


@bp.route("/admin/people/relationship-types/")
@require_permission(services.MANAGE_RELATIONSHIP_TYPES)
def relationship_types():
    return render_template("people/relationship_types.html", kinds=services.relationship_types())


@bp.route("/admin/people/relationship-types/new", methods=["GET", "POST"])
@bp.route("/admin/people/relationship-types/<int:type_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_RELATIONSHIP_TYPES)
def relationship_type(type_id: int | None = None):
    kind = db.session.get(PersonRelationshipType, type_id) or abort(404) if type_id else None
    form = forms.RelationshipTypeForm(obj=kind)
    if kind is not None and request.method == "GET":
        form.version.data = str(kind.version)
    if form.validate_on_submit():
        try:
            if kind is None:
                kind = services.create_relationship_type(
                    form.code.data or "", form.label_a.data, form.label_b.data, bool(form.active.data)
                )
            else:
                ensure_current(kind, form.version.data, f"the relationship type {kind.label_a}", {
                    "label_a": ("First side", form.label_a.data), "label_b": ("Second side", form.label_b.data),
                    "active": ("Active", bool(form.active.data)),
                })
                services.update_relationship_type(kind, form.label_a.data, form.label_b.data, bool(form.active.data))
        except StaleEdit as stale:
            return conflict_page(stale, url_for("people.relationship_type", type_id=kind.id))
        except services.PeopleError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(f'Saved "{kind.label_a} / {kind.label_b}".', "success")
            return redirect(url_for("people.relationship_types"))
    return render_template("people/type_form.html", form=form, kind=kind, what="relationship type",
                           back=url_for("people.relationship_types"),
                           fields=["version", "label_a", "label_b", *([] if kind else ["code"]), "active"]), _status(form)

