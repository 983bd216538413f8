"""Recording a system condition on a case, and the counts managers use to see what most often gets in the way."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from core.activities.models import Activity, Task
from core.cases import configuration
from core.cases import services as cases
from core.conditions import services
from core.conditions.blueprint import bp
from core.conditions.forms import ConditionForm, CountsForm
from core.extensions import db
from core.permissions import require_permission


def _targets(case) -> dict[str, tuple[str, object]]:
    """Radio value -> (label, record) for the case, each of its activities and each of their tasks."""
    from core.activities.services import activities_for_case

    targets = {"case": ("The case as a whole", None)}
    for activity in activities_for_case(case):
        targets[f"activity-{activity.id}"] = (f"Activity on {activity.occurred_on:%d/%m/%Y}: {activity.title}", activity)
        for task in activity.tasks:
            targets[f"task-{task.id}"] = (
                f"Task in “{activity.title}”: {task.task_type.label} with {task.person.display_name}", task
            )
    return targets


@bp.route("/cases/<int:case_id>/conditions/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.RECORD)
def new(case_id: int):
    case = cases.get_case(case_id) or abort(404)
    targets = _targets(case)
    form = ConditionForm()
    form.condition_type_id.choices = [("", "Select what got in the way")] + configuration.choices(
        "condition-types", case.department
    )
    form.target.choices = [(value, label) for value, (label, _) in targets.items()]
    if request.method == "GET":
        form.target.data = request.args.get("target", "case")
    if form.validate_on_submit():
        record = targets[form.target.data][1]
        try:
            condition = services.record_condition(
                form.condition_type_id.data,
                form.note.data or "",
                case=case if record is None else None,
                activity=record if isinstance(record, Activity) else None,
                task=record if isinstance(record, Task) else None,
            )
        except services.ConditionError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Recorded “{condition.condition_type.label}”.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("conditions/new.html", case=case, form=form), 400 if form.errors else 200


def _counts_form() -> CountsForm:
    today = cases.london_today()
    # without a query the last 30 days are shown; the date boxes then show them as if typed
    form = CountsForm(request.args or None, data={"start": today - timedelta(days=29), "end": today})
    form.department.choices = [("", "All departments")] + configuration.departments()
    return form


@bp.route("/conditions/counts")
@require_permission(services.REPORT)
def counts():
    form = _counts_form()
    result = None
    if not request.args or form.validate():
        result = services.condition_counts(form.start.data, form.end.data, form.department.data or None)
    return render_template(
        "conditions/counts.html", form=form, result=result, department_label=configuration.department_label
    ), 400 if form.errors else 200


@bp.route("/conditions/counts.json")
@require_permission(services.REPORT)
def counts_json():
    """The same counts as plain numbers for a chart: ?start=2026-01-01&end=2026-01-31&department=general."""
    today = cases.london_today()
    try:
        start = date.fromisoformat(request.args.get("start") or (today - timedelta(days=29)).isoformat())
        end = date.fromisoformat(request.args.get("end") or today.isoformat())
    except ValueError:
        abort(400, "Give start and end as dates such as 2026-01-31.")
    return jsonify(services.condition_counts(start, end, request.args.get("department") or None).as_chart())
