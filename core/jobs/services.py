"""Enqueue jobs, run them (on a worker, or in-process when there is no Redis), retry them and run schedules."""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from flask import Flask, current_app, g
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from core.extensions import db
from core.jobs.models import JobRun
from core.permissions import acting_user, authorize
from core.plugins import JobSpec
from core.types import LONDON, utcnow

log = logging.getLogger(__name__)

VIEW = "admin.jobs.view"
MANAGE = "admin.jobs.manage"


def job_spec(name: str) -> JobSpec:
    """A registered job, or KeyError naming it."""
    try:
        return current_app.extensions["ppp"].jobs[name]
    except KeyError:
        raise KeyError(f'No enabled module offers the job "{name}".') from None


def queue_name(queue: str) -> str:
    """The rq queue name for a module queue, with this deployment's prefix."""
    return f"{current_app.config['JOB_QUEUE_PREFIX']}-{queue}"


def redis_connection():
    """The Redis connection for the job queue, or None when jobs run in-process."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if "ppp_redis" not in current_app.extensions:
        from redis import Redis

        current_app.extensions["ppp_redis"] = Redis.from_url(url)
    return current_app.extensions["ppp_redis"]


def start_job(name: str, arguments: dict[str, Any] | None = None) -> JobRun:
    """Start a job on behalf of the acting user, who needs the job's permission."""
    spec = job_spec(name)
    authorize(spec.permission)
    actor = acting_user()
    return enqueue(name, arguments, triggered_by_id=actor.id if actor else None)


def enqueue(
    name: str,
    arguments: dict[str, Any] | None = None,
    *,
    triggered_by_id: int | None = None,
    scheduled_for: datetime | None = None,
    retry_of_id: int | None = None,
) -> JobRun:
    """Record a run and queue it once the current transaction commits; without Redis, run it now in-process."""
    spec = job_spec(name)
    run = JobRun(
        job_name=name,
        queue=spec.queue,
        status="queued",
        arguments=dict(arguments or {}),
        triggered_by_id=triggered_by_id,
        scheduled_for=scheduled_for,
        retry_of_id=retry_of_id,
        enqueued_at=utcnow(),
    )
    db.session.add(run)
    db.session.flush()
    if redis_connection() is None:
        _run_in_process(run, spec)
    else:
        _push_after_commit(run, spec.queue)
    return run


def retry(run: JobRun) -> JobRun:
    """Queue a failed run again with the same arguments, as a new run that points back to it."""
    authorize(MANAGE)
    if run.status != "failed":
        raise ValueError("Only failed runs can be retried")
    actor = acting_user()
    return enqueue(
        run.job_name, run.arguments, triggered_by_id=actor.id if actor else None, retry_of_id=run.id
    )


#: session.info key holding the runs to put on their queues when the session's outermost transaction commits
_PENDING_PUSHES = "ppp_jobs_pending_pushes"


@dataclass(frozen=True)
class _PendingPush:
    run_id: int
    rq_job_id: str
    queue: str
    #: the innermost transaction the run was written in; rolling back it or any enclosing one cancels the push
    transaction: SessionTransaction
    app: Flask


def rq_job_id(run: JobRun) -> str:
    """The rq job id of a run: the same run is never queued twice, and a recreated database cannot reuse one."""
    return f"{current_app.config['JOB_QUEUE_PREFIX']}-run-{run.id}-{run.enqueued_at:%Y%m%d%H%M%S%f}"


def _push_after_commit(run: JobRun, queue: str) -> None:
    # the worker must not look for the run before it is committed, nor run one that was rolled back;
    # releasing a savepoint is not a commit, and rolling one back cancels only the runs written inside it
    session = db.session()
    pending = session.info.get(_PENDING_PUSHES)
    if pending is None:
        pending = session.info[_PENDING_PUSHES] = []
        event.listen(session, "after_commit", _push_pending)
        event.listen(session, "after_soft_rollback", _forget_rolled_back)
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending.append(
        _PendingPush(run.id, rq_job_id(run), queue, transaction, current_app._get_current_object())
    )


def _push_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the outer transaction can still roll back
    pending = session.info.get(_PENDING_PUSHES, [])
    pushes, pending[:] = list(pending), []
    for push in pushes:
        with push.app.app_context():
            try:
                push_to_queue(push.run_id, push.queue, push.rq_job_id)
            except Exception:  # the data is committed; an unreachable Redis must not turn that into an error page
                log.exception("run %s is recorded but could not be queued", push.run_id)


def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    pending = session.info.get(_PENDING_PUSHES, [])
    pending[:] = [push for push in pending if not _within(push.transaction, rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def push_to_queue(run_id: int, queue: str, job_id: str) -> None:
    """Put a recorded run on its rq queue; a second push of the same run is ignored."""
    from rq import Queue
    from rq.exceptions import DuplicateJobError

    rq_queue = Queue(queue_name(queue), connection=redis_connection())
    try:
        rq_queue.enqueue(
            "core.jobs.services.perform",
            run_id,
            job_id=job_id,
            unique=True,
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except DuplicateJobError:
        log.info("run %s is already queued", run_id)


def perform(run_id: int) -> None:
    """Entry point rq calls on the worker: run one recorded job run, committing its outcome."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.status in ("finished", "failed"):
        return  # a duplicate delivery of a run that already ended
    run.status = "started"
    run.started_at = utcnow()
    db.session.commit()
    clock = time.perf_counter()
    try:
        spec = job_spec(run.job_name)
    except KeyError as exc:  # the worker runs a different plugins.toml from the app that queued the run
        _finish(run, "failed", clock, error=f"{exc.args[0]} Enable its module on the worker, then retry.")
        db.session.commit()
        return
    g.ppp_actor = run.triggered_by
    try:
        result = spec.func(**run.arguments)
        db.session.commit()
    except Exception:  # any failure is recorded on the run, which is what administrators look at
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        _finish(run, "failed", clock, error=traceback.format_exc())
    else:
        _finish(run, "finished", clock, result=result)
    finally:
        g.pop("ppp_actor", None)
    db.session.commit()


def _run_in_process(run: JobRun, spec: JobSpec) -> None:
    run.status = "started"
    run.started_at = utcnow()
    clock = time.perf_counter()
    previous_actor = g.get("ppp_actor")
    g.ppp_actor = run.triggered_by
    try:
        with db.session.begin_nested():  # a failing job undoes only its own writes
            result = spec.func(**run.arguments)
    except Exception:  # recorded on the run, as on a worker
        _finish(run, "failed", clock, error=traceback.format_exc())
    else:
        _finish(run, "finished", clock, result=result)
    finally:
        g.ppp_actor = previous_actor


def _finish(run: JobRun, status: str, clock: float, result: Any = None, error: str | None = None) -> None:
    run.status = status
    run.finished_at = utcnow()
    run.duration_ms = int((time.perf_counter() - clock) * 1000)
    run.result = result if isinstance(result, dict) else None
    run.error = error
    if error:
        log.error("job %s (run %s) failed:\n%s", run.job_name, run.id, error)
    db.session.flush()
    current_app.extensions["ppp"].pm.hook.job_finished(run=run)


def next_due(spec: JobSpec, after: datetime) -> datetime | None:
    """The next time a scheduled job is due after the given moment (cron is read in Europe/London time)."""
    if not spec.cron:
        return None
    return croniter(spec.cron, after.astimezone(LONDON)).get_next(datetime)


def last_due(spec: JobSpec, now: datetime) -> datetime | None:
    """The most recent cron time at or before now."""
    if not spec.cron:
        return None
    return croniter(spec.cron, (now + timedelta(seconds=1)).astimezone(LONDON)).get_prev(datetime)


def enqueue_due_schedules(now: datetime | None = None) -> list[JobRun]:
    """Queue each scheduled job whose latest cron time has no run yet; safe to call from several workers."""
    now = now or utcnow()
    queued = []
    for spec in current_app.extensions["ppp"].jobs.values():
        due = last_due(spec, now)
        if due is None:
            continue
        newer = db.session.scalar(
            select(JobRun.id).where(JobRun.job_name == spec.name, JobRun.scheduled_for >= due).limit(1)
        )
        if newer is not None:
            continue
        try:
            with db.session.begin_nested():
                queued.append(enqueue(spec.name, scheduled_for=due))
        except IntegrityError:
            continue  # another worker's scheduler queued it first
    return queued


def recent_runs(job_name: str | None = None, status: str | None = None, limit: int = 100) -> list[JobRun]:
    """The newest runs, optionally of one job or one status."""
    authorize(VIEW)
    query = select(JobRun).order_by(JobRun.enqueued_at.desc(), JobRun.id.desc()).limit(limit)
    if job_name:
        query = query.where(JobRun.job_name == job_name)
    if status:
        query = query.where(JobRun.status == status)
    return list(db.session.scalars(query))


def last_run(job_name: str) -> JobRun | None:
    return db.session.scalar(
        select(JobRun)
        .where(JobRun.job_name == job_name)
        .order_by(JobRun.enqueued_at.desc(), JobRun.id.desc())
        .limit(1)
    )
