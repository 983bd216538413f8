"""Hook implementations of the intentions area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import DashboardWidget, MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="intentions",
    label="Intentions",
    description="Things that need to be done by a date, the \"my work\" tray, and intentions created when cases open.",
)


@hookimpl
def register_permissions():
    return [
        Permission("intentions.manage", "See my work, add intentions, and mark them done or cancelled",
                   default_roles=("caseworker", "section_manager")),
    ]


@hookimpl
def register_blueprints():
    from core.intentions import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.intentions.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.intentions.api import blp

    return [blp]


@hookimpl
def register_menu_items():
    return [MenuItem("My work", "intentions.tray", "intentions.manage", order=10)]


@hookimpl
def register_dashboard_widgets():
    return [DashboardWidget("intentions.my_work", "My work", "intentions.manage", _my_work_widget, order=5)]


def _my_work_widget(user):
    from flask import render_template
    from markupsafe import Markup

    from core.intentions.services import my_work

    return Markup(render_template("intentions/_widget.html", tray=my_work(user)))


@hookimpl(tryfirst=True)
def case_opened(case):
    # first, so modules hearing of the case already see the intentions it started with
    from core.intentions.services import create_automatic_intentions

    create_automatic_intentions(case)


@hookimpl
def render_slot(slot, context):
    if slot != "case.sections":
        return None
    from flask import render_template
    from markupsafe import Markup

    from core.cases.services import london_today
    from core.intentions import services
    from core.intentions.forms import TrayActionForm
    from core.permissions import can

    case = context["case"]
    return Markup(render_template(
        "intentions/_case_section.html", case=case, intentions=services.intentions_for_case(case),
        can_manage=can(services.MANAGE), today=london_today(), action_form=TrayActionForm(),
    ))


@hookimpl
def timeline_entries(person_id):
    from core.intentions.services import timeline_entries as entries

    return entries(person_id)


@hookimpl
def person_merged(target, source):
    from core.intentions.services import move_person

    move_person(target.id, source.id)
