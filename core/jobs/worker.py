"""The rq worker that runs PPP jobs inside an app built from the same plugins.toml, plus the schedule loop."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker, Worker

from core.extensions import db

log = logging.getLogger(__name__)

SCHEDULE_INTERVAL_SECONDS = 30


class AppContextMixin:
    """Runs every job inside the app's context and releases database connections around forks."""

    app: Flask

    def perform_job(self, job, queue):
        with self.app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()

    def fork_work_horse(self, job, queue):
        # a forked child must not share the parent's database sockets (ckan/ckan#3243): hand this context's
        # connection back to the pool first, so that dispose closes it rather than leaving it open across the fork
        with self.app.app_context():
            self.app.extensions["ppp"].pm.hook.before_fork()
            db.session.remove()
            db.engine.dispose()
        return super().fork_work_horse(job, queue)


class PPPWorker(AppContextMixin, Worker):
    """The production worker: forks a work horse per job."""


class PPPSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process without forking; used by tests and where fork is unavailable."""


def make_worker(app: Flask, simple: bool = False) -> Worker:
    """A worker listening on every enabled module's queue."""
    from rq import Queue

    from core.jobs.services import queue_name, redis_connection

    with app.app_context():
        connection = redis_connection()
        if connection is None:
            raise RuntimeError(
                "REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed."
            )
        names = sorted({"default"} | {spec.queue for spec in app.extensions["ppp"].jobs.values()})
        queues = [Queue(queue_name(name), connection=connection) for name in names]
    worker_class = PPPSimpleWorker if simple else PPPWorker
    worker = worker_class(queues, connection=connection)
    worker.app = app
    return worker


def run_schedule_loop(app: Flask, stop: threading.Event) -> None:
    """Queue due scheduled jobs every half minute until stopped."""
    from core.jobs.services import enqueue_due_schedules

    while not stop.is_set():
        with app.app_context():
            try:
                for run in enqueue_due_schedules():
                    log.info("scheduled %s for %s (run %s)", run.job_name, run.scheduled_for, run.id)
                db.session.commit()
            except Exception:  # a schedule failure must not stop the worker
                db.session.rollback()
                log.exception("checking job schedules failed")
            finally:
                db.session.remove()
        stop.wait(SCHEDULE_INTERVAL_SECONDS)
