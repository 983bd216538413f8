"""The "my work" tray, adding an intention to a case or a person, and administrators' automatic-creation rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.cases import configuration
from core.cases import services as cases
from core.extensions import db
from core.intentions import services
from core.intentions.blueprint import bp
from core.intentions.forms import IntentionForm, RuleForm, TrayActionForm
from core.intentions.models import IntentionRule
from core.people.models import Person
from core.permissions import acting_user, require_permission
from core.web.conflict import StaleEdit, conflict_page, ensure_current


@bp.route("/my-work")
@require_permission(services.MANAGE)
def tray():
    return render_template("intentions/tray.html", tray=services.my_work(), action_form=TrayActionForm(back="tray"))


@bp.route("/intentions/<int:intention_id>/<any(done, cancel):action>", methods=["POST"])
@require_permission(services.MANAGE)
def change(intention_id: int, action: str):
    intention = services.get_intention(intention_id) or abort(404)
    form = TrayActionForm()
    if form.validate_on_submit():
        try:
            (services.complete if action == "done" else services.cancel)(intention)
        except services.IntentionError as exc:
            flash(str(exc))
        else:
            db.session.commit()
            flash(f"“{intention.intention_type.label}” is {intention.status_label.lower()}.", "success")
    if form.back.data == "case" and intention.case_id:
        return redirect(url_for("cases.show", case_id=intention.case_id))
    return redirect(url_for("intentions.tray"))


@bp.route("/intentions/new", methods=["GET", "POST"])
@require_permission(services.MANAGE)
def new():
    case_id = request.args.get("case_id", type=int)
    case = cases.get_case(case_id) if case_id else None
    person = db.session.get(Person, request.args.get("person_id", type=int) or 0)
    if case is None and person is None:
        abort(404)
    department = case.department if case is not None else configuration.GENERAL
    form = IntentionForm()
    form.intention_type_id.choices = [("", "Select what needs doing")] + configuration.choices("intention-types", department)
    form.assigned_user_id.choices = [("", "No one in particular")] + cases.staff_choices()
    form.team_id.choices = [("", "No team")] + cases.team_choices()
    if case is not None:
        form.person_id.choices = [("", "The whole case")] + [(link.person_id, link.person.display_name) for link in case.people]
    else:
        del form.person_id
    if request.method == "GET":
        form.assigned_user_id.data = acting_user().id
    if form.validate_on_submit():
        try:
            intention = services.add_intention(
                intention_type_id=form.intention_type_id.data,
                due_on=form.due_on.data,
                assigned_user_id=form.assigned_user_id.data,
                team_id=form.team_id.data,
                note=form.note.data or "",
                case=case,
                person_id=form.person_id.data if case is not None else person.id,
            )
        except services.IntentionError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Added “{intention.intention_type.label}”, due {intention.due_on:%d/%m/%Y}.", "success")
            return redirect(url_for("cases.show", case_id=case.id) if case is not None else url_for("intentions.tray"))
    return render_template("intentions/new.html", form=form, case=case, person=person), 400 if form.errors else 200


# --- rules: administrators choose which intentions a new case gets -----------------------------------------------


def _rule_form(intention_type, rule: IntentionRule | None = None) -> RuleForm:
    form = RuleForm(obj=rule)
    form.demand_type_id.choices = [("", "Select a demand type")] + services.demand_type_choices(intention_type)
    form.team_id.choices = [("", "The case owner")] + cases.team_choices()
    if rule is not None:
        del form.demand_type_id
        if request.method == "GET":
            form.version.data = str(rule.version)
    return form


@bp.route("/admin/case-types/intention-types/<int:type_id>/rules/new", methods=["GET", "POST"])
@require_permission(configuration.MANAGE)
def new_rule(type_id: int):
    intention_type = configuration.get_type("intention-types", type_id) or abort(404)
    form = _rule_form(intention_type)
    if form.validate_on_submit():
        try:
            rule = services.add_rule(intention_type, form.demand_type_id.data, form.due_days.data, form.team_id.data)
        except services.IntentionError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"New cases with “{rule.demand_type.label}” will get “{intention_type.label}”.", "success")
            return redirect(url_for("case_types.edit", slug="intention-types", type_id=intention_type.id))
    return render_template("intentions/rule.html", form=form, intention_type=intention_type, rule=None), \
        400 if form.errors else 200


@bp.route("/admin/case-types/intention-rules/<int:rule_id>", methods=["GET", "POST"])
@require_permission(configuration.MANAGE)
def edit_rule(rule_id: int):
    rule = db.session.get(IntentionRule, rule_id) or abort(404)
    form = _rule_form(rule.intention_type, rule)
    if form.validate_on_submit():
        try:
            ensure_current(rule, form.version.data, f"the rule for “{rule.demand_type.label}”", {
                "due_days": ("Days", form.due_days.data), "team_id": ("Team", form.team_id.data),
            })
            services.update_rule(rule, form.due_days.data, form.team_id.data)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("intentions.edit_rule", rule_id=rule.id))
        except services.IntentionError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Saved the rule.", "success")
            return redirect(url_for("case_types.edit", slug="intention-types", type_id=rule.intention_type_id))
    return render_template("intentions/rule.html", form=form, intention_type=rule.intention_type, rule=rule), \
        400 if form.errors else 200


@bp.route("/admin/case-types/intention-rules/<int:rule_id>/<any(retire, reinstate):action>", methods=["POST"])
@require_permission(configuration.MANAGE)
def toggle_rule(rule_id: int, action: str):
    rule = db.session.get(IntentionRule, rule_id) or abort(404)
    if TrayActionForm().validate_on_submit():
        services.set_rule_active(rule, action == "reinstate")
        db.session.commit()
    return redirect(url_for("case_types.edit", slug="intention-types", type_id=rule.intention_type_id))
