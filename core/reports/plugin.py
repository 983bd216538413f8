"""Hook implementations of the reports area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="reports",
    label="Reports",
    description="The reports screen, with each report's parameters, result table, PDF and Excel exports.",
)


@hookimpl
def register_permissions():
    return [
        Permission(
            "reports.view", "See the reports screen; each report needs its own permission too",
            default_roles=("caseworker", "section_manager", "finance_officer", "read_only"),
        ),
        Permission(
            "cases.report.view", "Run the casework report: demand by type and kind, end-to-end time by department",
            default_roles=("section_manager",),
        ),
    ]


@hookimpl
def register_blueprints():
    from core.reports import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.reports.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Reports", "reports.index", "reports.view", order=800)]


@hookimpl
def register_reports():
    from core.reports.casework import CASES_BY_DEMAND

    return [CASES_BY_DEMAND]
