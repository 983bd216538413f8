"""Every hook a module (or a core area) can implement, grouped by the phase in which the core calls it.

Call hooks with keyword arguments. A spec may gain arguments later; implementations may take fewer than the spec
offers. ``register_*`` hooks return plain data that the core merges, checks for clashes and freezes at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.extensions import hookspec

if TYPE_CHECKING:
    import click
    import flask
    import flask_smorest
    from markupsafe import Markup

    from core.plugins import (
        ConditionTypeSeed,
        DashboardWidget,
        DemandCategorySeed,
        DemandTypeSeed,
        IntentionTypeSeed,
        JobSpec,
        LookupSeed,
        MenuItem,
        Permission,
        ReportSpec,
        Tab,
        TaskCategorySeed,
        TaskTypeSeed,
        TeamType,
        TimelineEntry,
    )


# --- start-up: contributions, merged and checked once ---------------------------------------------------------


@hookspec
def register_permissions() -> list[Permission]:
    """Return the permissions this module contributes; names start with the module's name."""


@hookspec
def register_lookups() -> list[LookupSeed]:
    """Return the configurable lists this module contributes, with their default values."""


@hookspec
def register_blueprints() -> list[flask.Blueprint]:
    """Return the screen blueprints to register; a module's blueprint is named after the module."""


@hookspec
def register_api_blueprints() -> list[flask_smorest.Blueprint]:
    """Return flask-smorest blueprints to register under ``/api/v1/<module>``."""


@hookspec
def register_team_types() -> list[TeamType]:
    """Return the kinds of team this module needs; administrators then create teams of these types."""


@hookspec
def register_menu_items() -> list[MenuItem]:
    """Return main navigation links; each is shown only to users holding its permission."""


@hookspec
def register_jobs() -> list[JobSpec]:
    """Return the background jobs this module offers, with cron schedules where they run by themselves."""


@hookspec
def register_reports() -> list[ReportSpec]:
    """Return the reports this module offers on the reports screen."""


@hookspec
def register_tabs() -> list[Tab]:
    """Return tabs to add to core record pages, such as a tab on the person page."""


@hookspec
def register_dashboard_widgets() -> list[DashboardWidget]:
    """Return panels for the home dashboard."""


@hookspec
def register_case_types() -> list[
    DemandCategorySeed | DemandTypeSeed | TaskCategorySeed | TaskTypeSeed | IntentionTypeSeed | ConditionTypeSeed
]:
    """Return this department's default case types, which ``ppp db upgrade`` adds when missing and never deletes."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add command groups to the ``ppp`` command line, e.g. ``cli.add_command(my_group)``."""


@hookspec
def startup(app: flask.Flask) -> None:
    """Run once after every registry is frozen, inside the app factory, without touching the database."""


# --- while serving ---------------------------------------------------------------------------------------------


@hookspec
def render_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    """Return HTML for a named slot on a core page (slots are listed in docs/ARCHITECTURE.md), or None."""


@hookspec
def has_working_relationship(user: Any, person_id: int) -> bool | None:
    """Return True when the user works with the person (assigned worker, team, key worker); None if unknown here."""


@hookspec
def timeline_entries(person_id: int) -> list[TimelineEntry]:
    """Return this module's entries for a person's timeline (cases, visits, letters); the person page sorts them."""


@hookspec
def load_demo_data() -> None:
    """Add realistic demo records for this module; ``ppp demo`` calls it in load order and re-runs add no duplicates."""


# --- jobs -----------------------------------------------------------------------------------------------------


@hookspec
def before_fork() -> None:
    """Close connections this module holds before the job worker forks a work horse."""


# --- events: past tense, called inside the transaction that made the change -------------------------------------


@hookspec
def user_created(user: Any) -> None:
    """A user account was created."""


@hookspec
def job_finished(run: Any) -> None:
    """A background job run finished or failed; ``run.status`` says which."""


@hookspec
def person_created(person: Any) -> None:
    """A person record was created."""


@hookspec
def person_updated(person: Any) -> None:
    """A person's details (names, date of birth, demographics, restriction) were changed."""


@hookspec
def person_merged(target: Any, source: Any) -> None:
    """A duplicate person record was merged: re-point your records from ``source.id`` to ``target.id``."""


@hookspec
def case_opened(case: Any) -> None:
    """A case was opened with its first demand; automatic intentions for it already exist."""


@hookspec
def case_closed(case: Any) -> None:
    """A case was closed; ``case.closed_at`` and ``case.close_reason`` say when and why."""


@hookspec
def case_reopened(case: Any) -> None:
    """A closed case was reopened; its last ``status_changes`` entry holds the reason."""


@hookspec
def intention_completed(intention: Any) -> None:
    """An intention was marked done; ``intention.status_changed_by`` and ``status_changed_at`` say who and when."""
