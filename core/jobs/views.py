"""The job log: what ran, when, how long, how it ended; retry failed runs and start jobs by hand."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core import module_system
from core.extensions import db
from core.jobs import services
from core.jobs.blueprint import bp
from core.jobs.forms import ActionForm
from core.jobs.models import STATUSES, JobRun
from core.permissions import can, require_permission
from core.types import utcnow


@bp.route("/")
@require_permission(services.VIEW)
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    job_name = request.args.get("job") if request.args.get("job") in module_system().jobs else None
    now = utcnow()
    jobs = [
        {
            "spec": spec,
            "next_due": services.next_due(spec, now),
            "last_run": services.last_run(spec.name),
            "can_start": can(spec.permission),
        }
        for spec in module_system().jobs.values()
    ]
    return render_template(
        "jobs/index.html",
        runs=services.recent_runs(job_name, status),
        jobs=jobs,
        statuses=STATUSES,
        status=status,
        job_name=job_name,
        action_form=ActionForm(),
    )


@bp.route("/runs/<int:run_id>")
@require_permission(services.VIEW)
def show(run_id: int):
    run = db.session.get(JobRun, run_id) or abort(404)
    return render_template("jobs/show.html", run=run, action_form=ActionForm())


@bp.route("/runs/<int:run_id>/retry", methods=["POST"])
@require_permission(services.MANAGE)
def retry(run_id: int):
    run = db.session.get(JobRun, run_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            new_run = services.retry(run)
        except ValueError as exc:
            flash(str(exc))
            return redirect(url_for("jobs.show", run_id=run.id))
        db.session.commit()
        flash(f"Run {new_run.id} of {new_run.job_name} is {new_run.status}.", "success")
        return redirect(url_for("jobs.show", run_id=new_run.id))
    abort(400)


@bp.route("/<job_name>/start", methods=["POST"])
@require_permission(services.VIEW)
def start(job_name: str):
    if job_name not in module_system().jobs:
        abort(404)
    if ActionForm().validate_on_submit():
        run = services.start_job(job_name)
        db.session.commit()
        flash(f"Run {run.id} of {job_name} is {run.status}.", "success")
        return redirect(url_for("jobs.show", run_id=run.id))
    abort(400)
