"""Hook implementations of the activities area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import ModuleInfo, Permission

MODULE = ModuleInfo(
    name="activities",
    label="Activities",
    description="What staff did on cases: activities made of tasks, with who, when and how long.",
)


@hookimpl
def register_permissions():
    return [
        Permission("activities.edit", "Record activities and their tasks on cases",
                   default_roles=("caseworker", "section_manager")),
    ]


@hookimpl
def register_blueprints():
    from core.activities import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.activities.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.activities.api import blp

    return [blp]


@hookimpl
def render_slot(slot, context):
    if slot != "case.sections":
        return None
    from flask import render_template
    from markupsafe import Markup

    from core.activities import services
    from core.permissions import can

    case = context["case"]
    return Markup(render_template(
        "activities/_case_section.html", case=case, activities=services.activities_for_case(case),
        can_edit=case.is_open and can(services.EDIT),
    ))


@hookimpl
def timeline_entries(person_id):
    from core.activities.services import timeline_entries as entries

    return entries(person_id)


@hookimpl
def person_merged(target, source):
    from core.activities.services import move_person

    move_person(target.id, source.id)
