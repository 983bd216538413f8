"""Recording an activity, with one or more tasks, on a case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.activities import services
from core.activities.blueprint import bp
from core.activities.forms import ActivityForm, london_start
from core.cases import configuration
from core.cases import services as cases
from core.extensions import db
from core.permissions import acting_user, require_permission


def _set_choices(form: ActivityForm, case) -> None:
    task_types = [("", "Select the task")] + configuration.choices("task-types", case.department)
    staff = [("", "Select who did the task")] + cases.staff_choices()
    people = [("", "Select the person involved")] + [(link.person_id, link.person.display_name) for link in case.people]
    for entry in form.tasks:
        entry.form.task_type_id.choices = task_types
        entry.form.staff_id.choices = staff
        entry.form.person_id.choices = people


def _show_error(form: ActivityForm, name: str, message: str) -> None:
    if name.startswith("tasks-"):
        _, index, field = name.split("-", 2)
        getattr(form.tasks[int(index)].form, field).errors.append(message)
        # the list keeps a copy of its tasks' errors from validation, so refresh it for the error summary
        form.tasks.errors = [entry.errors for entry in form.tasks.entries]
    else:
        getattr(form, name).errors.append(message)


@bp.route("/<int:case_id>/activities/new", methods=["GET", "POST"])
@require_permission(services.VIEW, services.EDIT)
def new(case_id: int):
    case = cases.get_case(case_id) or abort(404)
    form = ActivityForm()
    if request.method == "GET":
        form.tasks[0].form.staff_id.data = acting_user().id
        if len(case.people) == 1:
            form.tasks[0].form.person_id.data = case.people[0].person_id
    if form.add_task.data:  # the "add another" pattern: one more empty task, nothing checked yet
        form.tasks.append_entry()
        _set_choices(form, case)
        return render_template("activities/new.html", case=case, form=form)
    _set_choices(form, case)
    if form.validate_on_submit():
        tasks = [
            services.TaskInput(
                task_type_id=entry.form.task_type_id.data,
                staff_id=entry.form.staff_id.data,
                person_id=entry.form.person_id.data,
                started_at=london_start(form.occurred_on.data, entry.form.start_time.data),
                minutes=entry.form.minutes.data,
                note=entry.form.note.data or "",
            )
            for entry in form.tasks
        ]
        try:
            activity = services.add_activity(case, form.title.data, form.occurred_on.data, tasks)
        except services.ActivityError as exc:
            _show_error(form, exc.field, str(exc))
        else:
            db.session.commit()
            flash(f"Recorded “{activity.title}” with {len(activity.tasks)} "
                  f"{'task' if len(activity.tasks) == 1 else 'tasks'} ({activity.total_minutes} minutes).", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("activities/new.html", case=case, form=form), 400 if form.errors else 200
