"""Hook implementations of the cases area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import LookupSeed, MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="cases",
    label="Cases",
    description="Cases of value and failure demand about people, with their end-to-end time, and the case types "
    "each department configures.",
)

STAFF = ("caseworker", "section_manager")


@hookimpl
def register_permissions():
    return [
        Permission("cases.view", "See cases, their people and demands", default_roles=(*STAFF, "read_only")),
        Permission("cases.edit", "Open cases, record demands and add people to cases", default_roles=STAFF),
        Permission("cases.close", "Close and reopen cases", default_roles=STAFF),
        Permission("admin.case_types.manage", "Set up demand, task, intention and system condition types"),
    ]


@hookimpl
def register_lookups():
    return [
        LookupSeed(
            "cases.person_role",
            "Role of a person in a case",
            [("subject", "Subject"), ("caller", "Caller"), ("representative", "Representative"),
             ("household_member", "Household member")],
            "How each person is involved in a case.",
        ),
        LookupSeed(
            "cases.close_reason",
            "Reason a case closed",
            [("resolved", "Resolved"), ("no_further_action", "No further action"), ("withdrawn", "Withdrawn by the customer"),
             ("referred", "Referred to another organisation"), ("duplicate", "Duplicate of another case")],
            "Offered when staff close a case.",
        ),
    ]


@hookimpl
def register_blueprints():
    from core.cases import admin_views, views  # noqa: F401  (routes attach to the blueprints on import)
    from core.cases.blueprint import admin_bp, bp

    return [bp, admin_bp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("Cases", "cases.index", "cases.view", order=20),
        MenuItem("Case set-up", "case_types.index", "admin.case_types.manage", order=870, section="admin"),
    ]


@hookimpl
def startup(app):
    from core.cases import configuration
    from core.cases.services import days_and_hours

    # checked now so a bad seed stops start-up naming its module, rather than failing later in ppp db upgrade
    app.extensions["ppp_case_types"] = configuration.seeds_by_department(app.extensions["ppp"])
    app.add_template_filter(days_and_hours)


@hookimpl
def load_demo_data():
    from core.cases.demo import load_demo_cases

    load_demo_cases()


@hookimpl
def timeline_entries(person_id):
    from core.cases.services import timeline_entries as entries

    return entries(person_id)


@hookimpl
def person_merged(target, source):
    from core.cases.services import move_person

    move_person(target.id, source.id)


@hookimpl
def register_api_blueprints():
    from core.cases.api import blp

    return [blp]
