"""Job functions for the job tests (module level, so a worker in another process can import them), and a small
plugin, ``jobsample``, that the ``ppp worker`` subprocess test enables through plugins.toml."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from core.extensions import db, hookimpl
from core.lookups.models import LookupValue
from core.plugins import JobSpec, ModuleInfo, Permission

#: the lookup list the jobs write to; job writes are visible rows that a rollback must remove
LIST = "jobtest.colour"


def add_colour(code: str, label: str, pause_ms: int = 0) -> dict:
    """Add a value to the test list, taking at least pause_ms."""
    time.sleep(pause_ms / 1000)
    db.session.add(LookupValue(list_code=LIST, code=code, label=label))
    db.session.flush()
    return {"added": code}


def add_colour_then_fail(code: str) -> dict:
    """Write a value, then fail as a real import does when its file is wrong."""
    db.session.add(LookupValue(list_code=LIST, code=code, label=code.title()))
    db.session.flush()
    raise ValueError("Funder file is missing the column 'amount'")


def import_colours(path: str) -> dict:
    """Add one value per line of a file; fails while the file is missing."""
    lines = Path(path).read_text().split()
    for code in lines:
        db.session.add(LookupValue(list_code=LIST, code=code, label=code.title()))
    db.session.flush()
    return {"imported": len(lines)}


def count_colours() -> dict:
    """Count the test list's values: a job with no arguments, as scheduled jobs are."""
    count = db.session.scalar(select(func.count()).select_from(LookupValue).where(LookupValue.list_code == LIST))
    return {"colours": count}


def where_am_i() -> dict:
    """Report the process and the database pool the job runs with."""
    db.session.execute(text("SELECT 1"))
    return {"pid": os.getpid(), "parent_pid": os.getppid(), "pool": id(db.engine.pool)}


# --- the jobsample plugin, enabled by name in a subprocess ----------------------------------------------------

MODULE = ModuleInfo(name="jobsample", label="Job sample", description="Jobs for the worker test.")


@hookimpl
def register_permissions():
    return [Permission("jobsample.run", "Run the sample jobs")]


@hookimpl
def register_jobs():
    return [
        JobSpec("jobsample.where_am_i", where_am_i, "Report the worker process", permission="jobsample.run"),
        JobSpec("jobsample.fail", add_colour_then_fail, "Fail after writing", permission="jobsample.run"),
    ]


@hookimpl
def before_fork():
    # leave a connection in the pool, as a scheduler thread would, and note which pool the worker holds
    db.session.execute(text("SELECT 1"))
    with (Path(current_app.instance_path) / "before_fork.log").open("a") as log:
        log.write(f"{os.getpid()} {id(db.engine.pool)}\n")
