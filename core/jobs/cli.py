"""``ppp worker`` and ``ppp jobs ...``."""

from __future__ import annotations

import json
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from core.extensions import db
from core.jobs import services


@click.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@click.option("--no-schedule", is_flag=True, help="Do not queue scheduled jobs from this worker.")
@with_appcontext
def worker(burst: bool, no_schedule: bool) -> None:
    """Run a job worker for the enabled modules' queues, with their schedules."""
    from core.jobs.worker import make_worker, run_schedule_loop

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed."
        )
    stop = threading.Event()
    if not no_schedule and not burst:
        threading.Thread(
            target=run_schedule_loop, args=(app, stop), daemon=True, name="ppp-schedules"
        ).start()
    try:
        make_worker(app).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


@click.group()
def jobs():
    """List and run background jobs."""


@jobs.command("list")
@with_appcontext
def list_jobs() -> None:
    """List the enabled modules' jobs and their schedules."""
    for spec in current_app.extensions["ppp"].jobs.values():
        click.echo(f"{spec.name:40} {spec.cron or 'on demand':16} {spec.description}")


@jobs.command("run")
@click.argument("name")
@click.option(
    "-a", "--argument", "arguments", multiple=True, metavar="KEY=VALUE",
    help="A keyword argument for the job; VALUE is read as JSON when it can be (42, true), else as text.",
)
@with_appcontext
def run_job(name: str, arguments: tuple[str, ...]) -> None:
    """Queue a job now (or run it in-process without Redis)."""
    try:
        run = services.enqueue(name, dict(_parse_argument(item) for item in arguments))
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from exc
    db.session.commit()
    click.echo(f"Run {run.id} of {name}: {run.status}.")
    if run.status == "failed":
        raise SystemExit(1)


def _parse_argument(item: str) -> tuple[str, object]:
    key, equals, value = item.partition("=")
    if not equals or not key.isidentifier():
        raise click.BadParameter(f'"{item}" should be KEY=VALUE, e.g. -a person_id=42', param_hint="--argument")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value
