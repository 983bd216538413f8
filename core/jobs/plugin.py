"""Hook implementations of the jobs area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="jobs", label="Jobs", description="Background jobs, their schedules and the run log."
)


@hookimpl
def register_permissions():
    return [
        Permission("admin.jobs.view", "See background jobs and their runs"),
        Permission("admin.jobs.manage", "Retry failed job runs and start administrative jobs"),
    ]


@hookimpl
def register_blueprints():
    from core.jobs import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.jobs.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Jobs", "jobs.index", "admin.jobs.view", order=910, section="admin")]


@hookimpl
def register_commands(cli):
    from core.jobs.cli import jobs, worker

    cli.add_command(worker)
    cli.add_command(jobs)
