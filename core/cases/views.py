"""Case screens: the list, opening a case, the case page, and adding people and demands, closing and reopening."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.cases import configuration, services
from core.cases.blueprint import bp
from core.cases.forms import (
    ActionForm,
    AddPersonForm,
    CaseFilterForm,
    CloseCaseForm,
    DemandForm,
    DepartmentForm,
    EditCaseForm,
    OpenCaseForm,
    ReopenCaseForm,
)
from core.cases.models import Case
from core.extensions import db
from core.lookups import services as lookups
from core.people import services as people
from core.people.models import Person
from core.permissions import PermissionDenied, acting_user, require_permission
from core.places import services as places
from core.places.models import Place
from core.web.conflict import StaleEdit, conflict_page, ensure_current


def _case_or_404(case_id: int) -> Case:
    return services.get_case(case_id) or abort(404)


def _people_found(text: str) -> tuple[list[Person], str | None]:
    """People matching a search through the people area's search, or the most recently added; and any message."""
    if not text.strip():
        return services.recent_people(), None
    try:
        return people.search_people(people.SearchCriteria(name=text), per_page=50).people, None
    except people.PeopleError as exc:
        return [], str(exc)
    except PermissionDenied:
        return [], "You do not have permission to search people: choose from the recent people listed."


def _person_choices(found: list[Person], preselected: int | None = None, exclude: set[int] = frozenset()):
    found = list(found)
    if preselected and all(person.id != preselected for person in found):
        person = db.session.get(Person, preselected)
        if person is not None:
            found.insert(0, person)
    choices = [
        (person.id, person.display_name + (f", born {person.date_of_birth:%d/%m/%Y}" if person.date_of_birth else ""))
        for person in found
        if person.id not in exclude
    ]
    return [("", "Select a person")] + choices


def _place_choices(text: str, current: Place | None = None) -> tuple[list, str | None]:
    """(id, address) choices from a places search, keeping the current place; and any message."""
    found, message = [], None
    if text.strip():
        try:
            found = places.search_places(**places.interpret_query(text), per_page=50).items
        except PermissionDenied:
            message = "You do not have permission to search places."
        if not found and message is None:
            message = f"No places match “{text}”."
    if current is not None and all(place.id != current.id for place in found):
        found.insert(0, current)
    return [("", "No place")] + [(place.id, place.display_address or f"UPRN {place.uprn}") for place in found], message


def _role_choices():
    return [(row.id, row.label) for row in lookups.values(services.PERSON_ROLES)]


def _apply(form, error) -> None:
    field = getattr(form, error.field, None)
    if field is None:  # a rule about something the form does not show, such as a retired department
        abort(400, str(error))
    field.errors.append(str(error))


@bp.route("/")
@require_permission(services.VIEW)
def index():
    form = CaseFilterForm(request.args)
    form.department.choices = [("", "Any department")] + configuration.departments()
    form.owner_id.choices = [("", "Anyone")] + services.staff_choices()
    page = request.args.get("page", 1, type=int)
    result = services.list_cases(
        department=form.department.data or None,
        status=form.status.data or None,
        owner_id=form.owner_id.data,
        page=page,
    )
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "cases/index.html", filter_form=form, result=result, filters=filters,
        department_label=configuration.department_label,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def new():
    departments = configuration.departments()
    department = request.args.get("department") or (departments[0][0] if len(departments) == 1 else None)
    if department not in dict(departments):
        chooser = DepartmentForm()
        chooser.department.choices = departments
        if chooser.validate_on_submit():
            return redirect(url_for("cases.new", department=chooser.department.data,
                                    person_id=request.args.get("person_id")))
        return render_template("cases/department.html", form=chooser), 400 if chooser.errors else 200

    search, place_search = request.args.get("q", ""), request.args.get("place_q", "")
    preselected = request.args.get("person_id", type=int)
    found, people_message = _people_found(search)
    form = OpenCaseForm()
    form.person_id.choices = _person_choices(found, preselected)
    form.place_id.choices, place_message = _place_choices(place_search)
    form.role.choices = [("", "Select a role")] + _role_choices()
    form.demand_type_id.choices = [("", "Select a demand type")] + configuration.choices("demand-types", department)
    form.owner_id.choices = [("", "Select the case owner")] + services.staff_choices()
    form.team_id.choices = [("", "No team")] + services.team_choices()
    if request.method == "GET":
        form.owner_id.data = acting_user().id
        form.person_id.data = preselected
        subject = next((row for row in lookups.values(services.PERSON_ROLES) if row.code == "subject"), None)
        form.role.data = subject.id if subject else None
    if form.validate_on_submit():
        try:
            case = services.open_case(
                department=department,
                people=[(form.person_id.data, form.role.data)],
                demand_type_id=form.demand_type_id.data,
                demand_note=form.demand_note.data or "",
                received_on=form.received_on.data,
                owner_id=form.owner_id.data,
                team_id=form.team_id.data,
                place_id=form.place_id.data,
                summary=form.summary.data or "",
            )
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Opened case {case.reference}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/new.html", form=form, department=department, search=search, place_search=place_search,
        people_message=people_message, place_message=place_message, preselected=preselected,
        department_name=configuration.department_label(department),
    ), 400 if form.errors else 200


@bp.route("/<int:case_id>")
@require_permission(services.VIEW)
def show(case_id: int):
    case = _case_or_404(case_id)
    return render_template(
        "cases/show.html", case=case, action_form=ActionForm(), days_and_hours=services.days_and_hours,
        department_name=configuration.department_label(case.department),
    )


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def edit(case_id: int):
    case = _case_or_404(case_id)
    place_search = request.args.get("place_q", "")
    form = EditCaseForm(obj=case)
    form.place_id.choices, place_message = _place_choices(place_search, case.place)
    form.owner_id.choices = [("", "Select the case owner")] + services.staff_choices()
    form.team_id.choices = [("", "No team")] + services.team_choices()
    if case.team is not None and case.team_id not in dict(form.team_id.choices):
        form.team_id.choices.append((case.team_id, f"{case.team.name} (no longer active)"))
    if request.method == "GET":
        form.version.data = str(case.version)
    if form.validate_on_submit():
        try:
            ensure_current(case, form.version.data, f"case {case.reference}", {
                "summary": ("Summary", form.summary.data or ""),
                "owner_id": ("Case owner", form.owner_id.data),
                "team_id": ("Team", form.team_id.data),
                "place_id": ("Place", form.place_id.data),
            })
            services.update_case(case, summary=form.summary.data or "", owner_id=form.owner_id.data,
                                 team_id=form.team_id.data, place_id=form.place_id.data)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("cases.edit", case_id=case.id))
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Saved case {case.reference}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/edit.html", case=case, form=form, place_search=place_search, place_message=place_message
    ), 400 if form.errors else 200


@bp.route("/<int:case_id>/demands/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def add_demand(case_id: int):
    case = _case_or_404(case_id)
    form = DemandForm()
    form.demand_type_id.choices = [("", "Select a demand type")] + configuration.choices("demand-types", case.department)
    if form.validate_on_submit():
        try:
            demand = services.add_demand(case, form.demand_type_id.data, form.note.data or "", form.received_on.data)
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Recorded {demand.kind_label.lower()}: {demand.demand_type.label}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/demand.html", case=case, form=form), 400 if form.errors else 200


@bp.route("/<int:case_id>/people/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def add_person(case_id: int):
    case = _case_or_404(case_id)
    search = request.args.get("q", "")
    found, people_message = _people_found(search)
    form = AddPersonForm()
    form.person_id.choices = _person_choices(found, request.args.get("person_id", type=int), case.person_ids())
    form.role.choices = [("", "Select a role")] + _role_choices()
    if form.validate_on_submit():
        try:
            link = services.add_person(case, form.person_id.data, form.role.data)
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Added {link.person.display_name} as {link.role.label.lower()}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/person.html", case=case, form=form, search=search, people_message=people_message
    ), 400 if form.errors else 200


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@require_permission(services.VIEW, services.CLOSE)
def close(case_id: int):
    case = _case_or_404(case_id)
    form = CloseCaseForm()
    form.reason_id.choices = [(row.id, row.label) for row in lookups.values(services.CLOSE_REASONS)]
    if request.method == "GET":
        form.version.data = str(case.version)
    if form.validate_on_submit():
        try:
            ensure_current(case, form.version.data, f"case {case.reference}", {"status": ("Status", "open")})
            services.close_case(case, form.reason_id.data, form.note.data or "")
        except StaleEdit as stale:
            return conflict_page(stale, url_for("cases.show", case_id=case.id))
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Closed case {case.reference} after {services.days_and_hours(case.end_to_end())}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/close.html", case=case, form=form), 400 if form.errors else 200


@bp.route("/<int:case_id>/reopen", methods=["GET", "POST"])
@require_permission(services.VIEW, services.CLOSE)
def reopen(case_id: int):
    case = _case_or_404(case_id)
    form = ReopenCaseForm()
    if request.method == "GET":
        form.version.data = str(case.version)
    if form.validate_on_submit():
        try:
            ensure_current(case, form.version.data, f"case {case.reference}", {"status": ("Status", "closed")})
            services.reopen_case(case, form.reason.data)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("cases.show", case_id=case.id))
        except services.CaseError as exc:
            _apply(form, exc)
        else:
            db.session.commit()
            flash(f"Reopened case {case.reference}.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/reopen.html", case=case, form=form), 400 if form.errors else 200

