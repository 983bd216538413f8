"""/api/v1/jobs: background jobs and their run log, for administrators who watch them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core import module_system
from core.api.conventions import AnyPage, get_or_404, sort_field, sort_list
from core.api.schemas import UserRef
from core.jobs import services
from core.jobs.models import STATUSES, JobRun
from core.permissions import require_login, require_permission
from core.types import utcnow

blp = Blueprint("api_jobs", __name__, url_prefix="/api/v1/jobs",
                description="Background jobs, their schedules and every run (admin.jobs.view).")

#: the run log API pages through this many of the newest runs
RUN_WINDOW = 10_000


class JobSchema(Schema):
    name = fields.String()
    description = fields.String()
    queue = fields.String()
    cron = fields.String(allow_none=True, metadata={"description": "Five-field cron in Europe/London; null if on demand."})
    next_due = fields.DateTime(allow_none=True)


class RunSchema(Schema):
    id = fields.Integer()
    job_name = fields.String()
    status = fields.String(metadata={"description": "queued, started, finished or failed"})
    arguments = fields.Dict()
    triggered_by = fields.Nested(UserRef, allow_none=True)
    scheduled_for = fields.DateTime(allow_none=True)
    retry_of_id = fields.Integer(allow_none=True)
    enqueued_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)


class RunQuery(Schema):
    job = fields.String(validate=validate.Length(max=120), metadata={"description": "Only runs of this job."})
    status = fields.String(validate=validate.OneOf(STATUSES))


class JobQuery(Schema):
    sort = sort_field(("name", "queue"), "name")


@blp.route("/")
@require_login
class Jobs(MethodView):
    @require_permission(services.VIEW)
    @blp.arguments(JobQuery, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """The jobs the enabled modules offer, with when each is next due."""
        now = utcnow()
        rows = [
            {"name": spec.name, "description": spec.description, "queue": spec.queue, "cron": spec.cron,
             "next_due": services.next_due(spec, now)}
            for spec in module_system().jobs.values()
        ]
        return sort_list(rows, query["sort"], {"name": lambda row: row["name"], "queue": lambda row: row["queue"]})



@blp.route("/runs")
@require_login
class Runs(MethodView):
    @require_permission(services.VIEW)
    @blp.arguments(RunQuery, location="query")
    @blp.response(200, RunSchema(many=True))
    @blp.paginate(AnyPage)
    def get(self, query):
        """Job runs, newest first."""
        return services.recent_runs(query.get("job"), query.get("status"), limit=RUN_WINDOW)



@blp.route("/runs/<int:run_id>")
@require_login
class Run(MethodView):
    @require_permission(services.VIEW)
    @blp.response(200, RunSchema)
    def get(self, run_id):
        """One run, with its error if it failed."""
        return get_or_404(JobRun, run_id, "job run")

