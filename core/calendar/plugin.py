"""Hook implementations of the calendar area."""

from __future__ import annotations

# imported for its side effect: start-up checks the area's tables, and migrations compare them
from core.calendar import models  # noqa: F401
from core.extensions import hookimpl
from core.plugins import JobSpec, MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="calendar",
    label="Bank holidays",
    description="Bank holidays per nation, seeded offline and amended by administrators.",
)


@hookimpl
def register_permissions():
    return [Permission("admin.bank_holidays.manage", "Add, deactivate and reactivate bank holidays")]


@hookimpl
def register_blueprints():
    from core.calendar import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.calendar.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Bank holidays", "calendar.index", "admin.bank_holidays.manage", order=905, section="admin")]


@hookimpl
def register_jobs():
    from core.calendar import jobs

    return [
        JobSpec(
            "calendar.refresh_from_govuk",
            jobs.refresh_from_govuk,
            "Add bank holidays announced on GOV.UK (www.gov.uk/bank-holidays.json) that are not listed yet",
            cron="15 6 * * 1",  # Mondays at 6:15am, London time
        )
    ]


@hookimpl
def register_commands(cli):
    from core.calendar.cli import calendar

    cli.add_command(calendar)


@hookimpl
def startup(app):
    from core.calendar.services import DIVISIONS
    from core.errors import StartupError

    division = app.config.get("BANK_HOLIDAY_DIVISION")
    if division not in DIVISIONS:
        raise StartupError(
            f'BANK_HOLIDAY_DIVISION is "{division}": set it to one of {", ".join(DIVISIONS)}.'
        )
