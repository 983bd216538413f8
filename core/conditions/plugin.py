"""Hook implementations of the system conditions area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import ModuleInfo, Permission

MODULE = ModuleInfo(
    name="conditions",
    label="System conditions",
    description="Things that get in the way of doing the job, recorded on cases and counted for managers.",
)


@hookimpl
def register_permissions():
    return [
        Permission("conditions.record", "Record system conditions on cases, activities and tasks",
                   default_roles=("caseworker", "section_manager")),
        Permission("conditions.report", "See counts of system conditions", default_roles=("section_manager",)),
    ]


@hookimpl
def register_blueprints():
    from core.conditions import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.conditions.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.conditions.api import blp

    return [blp]


@hookimpl
def render_slot(slot, context):
    if slot != "case.sections":
        return None
    from flask import render_template
    from markupsafe import Markup

    from core.conditions import services
    from core.permissions import can

    case = context["case"]
    return Markup(render_template(
        "conditions/_case_section.html", case=case, conditions=services.conditions_for_case(case),
        can_record=can(services.RECORD),
    ))
