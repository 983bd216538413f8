"""Attendance screens: parse, check permission, call a service, render."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for

from core.access.services import can_see_sensitive
from core.audit import services as audit
from core.extensions import db
from core.lookups import services as lookups
from core.people.models import Person
from core.permissions import can, require_permission
from core.web.conflict import StaleEdit, conflict_page, ensure_current

from . import services
from .blueprint import bp
from .forms import (
    ClosureForm,
    CsrfForm,
    EmergencyContactForm,
    MeetingForm,
    MoveOnForm,
    NeedsForm,
    PatternForm,
    PremisesForm,
    ReasonForm,
    RemoveMeetingForm,
    SectionForm,
    ServiceUserForm,
    UnplannedForm,
    with_blank,
)
from .models import AM, ATTENDED, HALVES, NOT_ATTENDED, PLANNED, NonAttendanceReason, Premises, SectionClosure


def _fail(form, exc: services.AttendanceError) -> None:
    """Show a service's refusal against the form field it names (or the first field when the form lacks it)."""
    field = getattr(form, exc.field, None)
    if field is None:
        field = next(iter(form))
    field.errors = [*field.errors, str(exc)] if isinstance(field.errors, list) else [str(exc)]


def _status(form) -> int:
    return 400 if form.errors else 200


def _service_user_or_404(service_user_id: int):
    service_user = services.get_service_user(service_user_id)
    if service_user is None:
        abort(404)
    return service_user


def _section_or_404(section_id: int):
    section = services.get_section(section_id)
    if section is None:
        abort(404)
    return section


def _day_and_half() -> tuple[date, str]:
    """The half-day a register screen is for: ?day=YYYY-MM-DD&half=AM, defaulting to this morning."""
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else services.today()
    except ValueError:
        abort(404)
    half = request.args.get("half", AM).upper()
    if half not in HALVES:
        abort(404)
    return day, half


@bp.route("/")
@require_permission(services.VIEW_USERS)
def index():
    return render_template("attendance/index.html", reviews=services.reviews_due(), alerts=services.open_alerts())


# --- service users -----------------------------------------------------------------------------------------------


@bp.route("/service-users")
@require_permission(services.VIEW_USERS)
def service_users():
    name = request.args.get("name", "")
    current_only = request.args.get("all") != "1"
    return render_template("attendance/service_users.html", service_users=services.list_service_users(
        name=name, current_only=current_only), name=name, current_only=current_only)


def _fill_profile_choices(form: ServiceUserForm, service_user=None) -> None:
    form.funder_id.choices = with_blank(lookups.choices(services.FUNDERS, service_user.funder_id if service_user
                                                        else None), "No funder recorded")
    form.key_worker_id.choices = with_blank(services.staff_choices(), "No key worker yet")


def _details(form: ServiceUserForm) -> services.ServiceUserDetails:
    return services.ServiceUserDetails(
        referral_date=form.referral_date.data, start_date=form.start_date.data, funder_id=form.funder_id.data,
        contract_reference=form.contract_reference.data or "", key_worker_id=form.key_worker_id.data,
        payment_method=form.payment_method.data, bank_account_name=form.bank_account_name.data or "",
        bank_sort_code=form.bank_sort_code.data or "", bank_account_number=form.bank_account_number.data or "",
    )


def _flash_bank_warning(service_user) -> None:
    """Saved, but warn on the next page when the bank details fail the modulus check."""
    warning = services.bank_details_warning(service_user)
    if warning:
        flash(warning + ".", "warning")


@bp.route("/service-users/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_USERS)
def new_service_user():
    person = db.session.get(Person, request.args.get("person_id", type=int) or 0)
    if person is None:
        abort(404)
    existing = services.service_user_for_person(person.id)
    if existing is not None:
        return redirect(url_for("attendance.service_user", service_user_id=existing.id))
    form = ServiceUserForm()
    _fill_profile_choices(form)
    if request.method == "GET":
        form.payment_method.data = "cash"
    if form.validate_on_submit():
        try:
            service_user = services.create_service_user(person.id, _details(form))
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{person.display_name} is now a service user.", "success")
            _flash_bank_warning(service_user)
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/service_user_form.html", form=form, person=person,
                           service_user=None), _status(form)


@bp.route("/service-users/<int:service_user_id>")
@require_permission(services.VIEW_USERS)
def service_user(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    audit.record_view("attendance_service_user", service_user.id, person_id=service_user.person_id)
    start = services.today()
    page = render_template(
        "attendance/service_user.html", service_user=service_user,
        patterns=services.patterns_of(service_user), meetings=services.meetings_of(service_user),
        sections=services.sections_attended(service_user),
        upcoming=services.programme(service_user, start, start + timedelta(days=13)),
        counts=services.attendance_counts(service_user, start - timedelta(days=91), start),
        form=None, csrf_form=CsrfForm(),
    )
    db.session.commit()  # the audit of the view, after rendering: a commit expires what the page reads
    return page


@bp.route("/service-users/<int:service_user_id>/edit", methods=["GET", "POST"])
@require_permission(services.MANAGE_USERS)
def edit_service_user(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    form = ServiceUserForm(obj=service_user)
    _fill_profile_choices(form, service_user)
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            services.update_service_user(service_user, _details(form), expected_version=version)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash("Profile saved.", "success")
            _flash_bank_warning(service_user)
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/service_user_form.html", form=form, person=service_user.person,
                           service_user=service_user), _status(form)


@bp.route("/service-users/<int:service_user_id>/needs", methods=["GET", "POST"])
@require_permission(services.MANAGE_USERS)
def needs(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    if not can_see_sensitive(service_user.person_id):
        abort(403)
    form = NeedsForm(obj=service_user)
    if form.validate_on_submit():
        try:
            services.set_needs(service_user, form.medical_conditions.data, form.special_needs.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash("Medical conditions and special needs saved.", "success")
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/needs_form.html", form=form, service_user=service_user), _status(form)


@bp.route("/service-users/<int:service_user_id>/contacts/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_USERS)
def new_contact(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    form = EmergencyContactForm()
    if form.validate_on_submit():
        try:
            contact = services.add_emergency_contact(service_user, form.name.data, form.relationship_to.data,
                                                     form.phone.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{contact.name} added as an emergency contact.", "success")
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/contact_form.html", form=form, service_user=service_user), _status(form)


@bp.route("/service-users/<int:service_user_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@require_permission(services.MANAGE_USERS)
def remove_contact(service_user_id: int, contact_id: int):
    service_user = _service_user_or_404(service_user_id)
    if CsrfForm().validate_on_submit():
        services.remove_emergency_contact(service_user, contact_id)
        db.session.commit()
        flash("Emergency contact removed.", "success")
    return redirect(url_for("attendance.service_user", service_user_id=service_user.id))


@bp.route("/service-users/<int:service_user_id>/move-on", methods=["GET", "POST"])
@require_permission(services.MANAGE_USERS)
def move_on(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    form = MoveOnForm(obj=service_user)
    form.move_on_outcome_id.choices = with_blank(lookups.choices(services.OUTCOMES, service_user.move_on_outcome_id))
    if form.validate_on_submit():
        try:
            removed = services.record_move_on(service_user, form.end_date.data, form.move_on_outcome_id.data,
                                              form.move_on_date.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"Leaving recorded; {removed} planned half-days after they left were removed.", "success")
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/move_on_form.html", form=form, service_user=service_user), _status(form)


# --- patterns ----------------------------------------------------------------------------------------------------


def _pattern_form(service_user, pattern=None) -> PatternForm:
    form = PatternForm(obj=pattern)
    current = pattern.section_id if pattern else None
    choices = services.section_choices()
    if current and current not in dict(choices):
        choices.append((current, pattern.section.full_name))
    form.section_id.choices = with_blank(choices)
    if pattern is not None and request.method == "GET":
        form.slots.data = [f"{slot.weekday}-{slot.half}" for slot in pattern.slots]
    return form


def _save_pattern(service_user, pattern=None):
    form = _pattern_form(service_user, pattern)
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            saved = services.save_pattern(service_user, form.section_id.data, form.start_date.data,
                                          form.end_date.data, form.slot_pairs(), pattern=pattern,
                                          expected_version=version)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            message = f"Pattern saved: {saved.added} half-days planned"
            if saved.removed:
                message += f", {saved.removed} future unmarked half-days re-planned"
            flash(message + ".", "success")
            if saved.over_capacity:
                first = saved.over_capacity[0]
                flash(
                    f"{saved.pattern.section.name} is over capacity on {len(saved.over_capacity)} half-days, the "
                    f"first on {first.day.day} {first.day:%B %Y} ({services.half_label(first.half)}): "
                    f"{first.expected} expected for {first.section.capacity} places.",
                    "warning",
                )
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/pattern_form.html", form=form, service_user=service_user,
                           pattern=pattern), _status(form)


@bp.route("/service-users/<int:service_user_id>/patterns/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_PROGRAMMES)
def new_pattern(service_user_id: int):
    return _save_pattern(_service_user_or_404(service_user_id))


@bp.route("/service-users/<int:service_user_id>/patterns/<int:pattern_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_PROGRAMMES)
def edit_pattern(service_user_id: int, pattern_id: int):
    service_user = _service_user_or_404(service_user_id)
    pattern = services.get_pattern(pattern_id)
    if pattern is None or pattern.service_user_id != service_user.id:
        abort(404)
    return _save_pattern(service_user, pattern)


# --- meetings ----------------------------------------------------------------------------------------------------


def _meeting_form(meeting=None) -> MeetingForm:
    """The meeting form, prefilled from a meeting being changed (its agreed actions are not: those rows add more)."""
    if meeting is None:
        form = MeetingForm()
    else:
        form = MeetingForm(kind=meeting.kind, held_on=meeting.held_on, attendees=meeting.attendees,
                           notes=meeting.notes, next_review_on=meeting.next_review_on)
        if request.method == "GET":
            form.version.data = str(meeting.version)
    staff = with_blank(services.staff_choices())
    for entry in form.actions:
        entry.form.assigned_user_id.choices = staff
    return form


def _agreed_actions(form: MeetingForm) -> list[services.AgreedAction]:
    return [
        services.AgreedAction(entry.form.description.data or "", entry.form.assigned_user_id.data, entry.form.due_on.data)
        for entry in form.actions
    ]


def _meeting_refused(form: MeetingForm, exc: services.AttendanceError) -> None:
    """Show a refusal against its field; an agreed action's field is named like actions-0-due_on."""
    if exc.field.startswith("actions-"):
        _, index, name = exc.field.split("-", 2)
        entry = form.actions[int(index)].form
        getattr(entry, name, entry.description).errors.append(str(exc))
    else:
        _fail(form, exc)


def _meeting_or_404(service_user, meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    if meeting is None or meeting.service_user_id != service_user.id:
        abort(404)
    return meeting


def _meeting_label(meeting) -> str:
    return f"the {meeting.kind} meeting of {meeting.held_on.day} {meeting.held_on:%B %Y}"


@bp.route("/service-users/<int:service_user_id>/meetings/new", methods=["GET", "POST"])
@require_permission(services.RECORD_MEETINGS)
def new_meeting(service_user_id: int):
    service_user = _service_user_or_404(service_user_id)
    form = _meeting_form()
    if form.validate_on_submit():
        try:
            meeting = services.record_meeting(service_user, form.kind.data, form.held_on.data, form.attendees.data,
                                              form.notes.data, form.next_review_on.data, _agreed_actions(form))
        except services.AttendanceError as exc:
            _meeting_refused(form, exc)
        else:
            db.session.commit()
            flash(f"Meeting saved with {len(meeting.actions)} agreed actions.", "success")
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/meeting_form.html", form=form, service_user=service_user,
                           meeting=None), _status(form)


@bp.route("/service-users/<int:service_user_id>/meetings/<int:meeting_id>/change", methods=["GET", "POST"])
@require_permission(services.RECORD_MEETINGS)
def change_meeting(service_user_id: int, meeting_id: int):
    service_user = _service_user_or_404(service_user_id)
    meeting = _meeting_or_404(service_user, meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        try:
            ensure_current(meeting, form.version.data, _meeting_label(meeting), {
                "kind": ("Kind of meeting", form.kind.data),
                "held_on": ("Date of the meeting", form.held_on.data),
                "attendees": ("Who attended", (form.attendees.data or "").strip()),
                "notes": ("Notes", (form.notes.data or "").strip()),
                "next_review_on": ("Next review", form.next_review_on.data),
            })
            added = len(meeting.actions)
            services.change_meeting(meeting, form.kind.data, form.held_on.data, form.attendees.data,
                                    form.notes.data, form.next_review_on.data, _agreed_actions(form))
        except StaleEdit as stale:
            return conflict_page(stale, url_for("attendance.change_meeting", service_user_id=service_user.id,
                                                meeting_id=meeting.id))
        except services.AttendanceError as exc:
            _meeting_refused(form, exc)
        else:
            added = len(meeting.actions) - added
            db.session.commit()
            further = f" and {added} further agreed action{'' if added == 1 else 's'} added" if added else ""
            flash(f"Meeting changed{further}.", "success")
            return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/meeting_form.html", form=form, service_user=service_user,
                           meeting=meeting), _status(form)


@bp.route("/service-users/<int:service_user_id>/meetings/<int:meeting_id>/remove", methods=["GET", "POST"])
@require_permission(services.RECORD_MEETINGS)
def remove_meeting(service_user_id: int, meeting_id: int):
    service_user = _service_user_or_404(service_user_id)
    meeting = _meeting_or_404(service_user, meeting_id)
    form = RemoveMeetingForm()
    if request.method == "GET":
        form.version.data = str(meeting.version)
    if form.validate_on_submit():
        label = _meeting_label(meeting)
        try:
            # a page showing an older version is refused: the meeting may have been corrected since
            ensure_current(meeting, form.version.data, label, {})
        except StaleEdit as stale:
            return conflict_page(stale, url_for("attendance.remove_meeting", service_user_id=service_user.id,
                                                meeting_id=meeting.id))
        cancelled = services.remove_meeting(meeting)
        db.session.commit()
        flash(f"Removed {label}; {cancelled} open agreed action{'' if cancelled == 1 else 's'} cancelled.", "success")
        return redirect(url_for("attendance.service_user", service_user_id=service_user.id))
    return render_template("attendance/meeting_remove.html", form=form, service_user=service_user, meeting=meeting,
                           still_open=services.open_actions(meeting)), _status(form)


@bp.route("/reviews")
@require_permission(services.VIEW_USERS)
def reviews():
    return render_template("attendance/reviews.html", reviews=services.reviews_due(within_days=28),
                           today=services.today())


# --- premises and sections ---------------------------------------------------------------------------------------


@bp.route("/sections")
@require_permission(services.VIEW_SECTIONS)
def sections():
    return render_template("attendance/sections.html", premises=services.list_premises())


@bp.route("/premises/new", methods=["GET", "POST"])
@bp.route("/premises/<int:premises_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_SECTIONS)
def premises_form(premises_id: int | None = None):
    premises = db.session.get(Premises, premises_id) if premises_id else None
    if premises_id and premises is None:
        abort(404)
    form = PremisesForm(obj=premises)
    if form.validate_on_submit():
        try:
            premises = services.save_premises(form.name.data, form.assembly_point.data, premises, form.active.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{premises.name} saved.", "success")
            return redirect(url_for("attendance.sections"))
    return render_template("attendance/premises_form.html", form=form, premises=premises), _status(form)


@bp.route("/sections/new", methods=["GET", "POST"])
@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@require_permission(services.MANAGE_SECTIONS)
def section_form(section_id: int | None = None):
    section = _section_or_404(section_id) if section_id else None
    form = SectionForm(obj=section)
    form.premises_id.choices = with_blank(services.premises_choices())
    form.manager_id.choices = with_blank(services.staff_choices(), "No manager yet")
    form.staff_team_id.choices = with_blank(services.staff_team_choices(), "No staff team")
    if section is not None and request.method == "GET":
        form.opening_days.data = sorted(section.opening_weekdays)
    if form.validate_on_submit():
        details = services.SectionDetails(
            premises_id=form.premises_id.data, name=form.name.data, capacity=form.capacity.data,
            manager_id=form.manager_id.data, staff_team_id=form.staff_team_id.data,
            opening_days=form.opening_days.data or [], active=form.active.data,
        )
        try:
            section = services.save_section(details, section)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{section.name} saved.", "success")
            return redirect(url_for("attendance.section", section_id=section.id))
    return render_template("attendance/section_form.html", form=form, section=section), _status(form)


@bp.route("/sections/<int:section_id>")
@require_permission(services.VIEW_SECTIONS)
def section(section_id: int):
    section = _section_or_404(section_id)
    start = services.today()
    return render_template(
        "attendance/section.html", section=section, closures=services.closures(section, from_day=start),
        crowded=services.over_capacity(section, start, start + timedelta(days=55)),
        service_users=services.list_service_users(section_id=section.id) if can(services.VIEW_USERS) else [],
        today=start, csrf_form=CsrfForm(),
    )


@bp.route("/sections/<int:section_id>/closures/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_SECTIONS)
def new_closure(section_id: int):
    section = _section_or_404(section_id)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            _, removed = services.add_closure(section, form.start_date.data, form.end_date.data, form.reason.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"Closure added; {removed} planned half-days on those days were removed.", "success")
            return redirect(url_for("attendance.section", section_id=section.id))
    return render_template("attendance/closure_form.html", form=form, section=section), _status(form)


@bp.route("/sections/<int:section_id>/closures/<int:closure_id>/remove", methods=["POST"])
@require_permission(services.MANAGE_SECTIONS)
def remove_closure(section_id: int, closure_id: int):
    closure = db.session.get(SectionClosure, closure_id)
    if closure is None or closure.section_id != section_id:
        abort(404)
    if CsrfForm().validate_on_submit():
        added = services.remove_closure(closure)
        db.session.commit()
        flash(f"Closure removed; {added} half-days planned again.", "success")
    return redirect(url_for("attendance.section", section_id=section_id))


# --- registers ---------------------------------------------------------------------------------------------------


@bp.route("/sections/<int:section_id>/register", methods=["GET", "POST"])
@require_permission(services.VIEW_REGISTERS)
def register(section_id: int):
    section = _section_or_404(section_id)
    day, half = _day_and_half()
    csrf_form, errors = CsrfForm(), []
    if request.method == "POST":
        if not can(services.MARK_REGISTERS):
            abort(403)
        if csrf_form.validate_on_submit():
            marks = []
            for row in services.register(section, day, half):
                status = request.form.get(f"mark-{row.id}")
                if status is None:
                    continue
                reason = request.form.get(f"reason-{row.id}", type=int)
                marks.append(services.Mark(row.id, status, reason, request.form.get(f"note-{row.id}", "")))
            try:
                changed = services.mark_register(section, day, half, marks)
            except services.AttendanceError as exc:
                db.session.rollback()
                errors.append({"text": str(exc), "href": f"#{exc.field}"})
            else:
                db.session.commit()
                flash(f"Register saved: {changed} marks changed.", "success")
                return redirect(url_for("attendance.register", section_id=section.id, day=day.isoformat(), half=half))
    unplanned = UnplannedForm(formdata=None)
    unplanned.service_user_id.choices = with_blank(services.service_user_choices())
    return render_template(
        "attendance/register.html", section=section, day=day, half=half, rows=services.register(section, day, half),
        reasons=services.reasons(), csrf_form=csrf_form, unplanned=unplanned, errors=errors,
        previous=day - timedelta(days=1), next=day + timedelta(days=1),
        statuses={PLANNED: "Not marked", ATTENDED: "Attended", NOT_ATTENDED: "Did not attend"},
        submitted=request.form if errors else None,
    ), 400 if errors else 200


@bp.route("/sections/<int:section_id>/register/unplanned", methods=["POST"])
@require_permission(services.MARK_REGISTERS)
def add_unplanned(section_id: int):
    section = _section_or_404(section_id)
    day, half = _day_and_half()
    form = UnplannedForm()
    form.service_user_id.choices = with_blank(services.service_user_choices())
    if form.validate_on_submit():
        try:
            row = services.add_unplanned(section, day, half, form.service_user_id.data, form.note.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{row.service_user.name} added to the register as attended.", "success")
            return redirect(url_for("attendance.register", section_id=section.id, day=day.isoformat(), half=half))
    return render_template("attendance/unplanned_form.html", form=form, section=section, day=day, half=half), 400


@bp.route("/registers/not-taken")
@require_permission(services.VIEW_REGISTERS)
def not_taken():
    return render_template("attendance/not_taken.html", alerts=services.open_alerts())


@bp.route("/sections/<int:section_id>/fire-register")
@require_permission(services.FIRE_REGISTER)
def fire_register(section_id: int):
    section = _section_or_404(section_id)
    day, half = _day_and_half()
    sheet = services.fire_register(section, day, half)
    page = render_template("attendance/fire_register.html", sheet=sheet)
    db.session.commit()  # the audit of the export, after rendering: a commit expires what the page reads
    return page


@bp.route("/sections/<int:section_id>/fire-register.pdf")
@require_permission(services.FIRE_REGISTER)
def fire_register_pdf(section_id: int):
    section = _section_or_404(section_id)
    day, half = _day_and_half()
    sheet = services.fire_register(section, day, half, audit_format="pdf")
    pdf = services.fire_register_pdf(sheet, render_template("attendance/fire_register_pdf.html", sheet=sheet))
    db.session.commit()
    name = f"fire-register-{section.name.lower().replace(' ', '-')}-{day.isoformat()}-{half.lower()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


# --- non-attendance reasons --------------------------------------------------------------------------------------


@bp.route("/reasons")
@require_permission(services.MANAGE_REASONS)
def reasons():
    return render_template("attendance/reasons.html", reasons=services.reasons(include_inactive=True))


@bp.route("/reasons/new", methods=["GET", "POST"])
@bp.route("/reasons/<int:reason_id>", methods=["GET", "POST"])
@require_permission(services.MANAGE_REASONS)
def reason_form(reason_id: int | None = None):
    reason = db.session.get(NonAttendanceReason, reason_id) if reason_id else None
    if reason_id and reason is None:
        abort(404)
    form = ReasonForm(obj=reason)
    if form.validate_on_submit():
        try:
            if reason is None:
                reason = services.add_reason(form.code.data, form.label.data, form.paid.data)
            else:
                services.update_reason(reason, form.label.data, form.paid.data, form.active.data)
        except services.AttendanceError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(f"{reason.label} saved.", "success")
            return redirect(url_for("attendance.reasons"))
    return render_template("attendance/reason_form.html", form=form, reason=reason), _status(form)

