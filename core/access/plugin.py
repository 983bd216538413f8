"""Hook implementations of the access area."""

from __future__ import annotations

from markupsafe import Markup

from core.extensions import hookimpl
from core.plugins import DashboardWidget, MenuItem, ModuleInfo, Permission, TeamType

MODULE = ModuleInfo(
    name="access", label="Access", description="Roles, teams, working relationships and break-glass access."
)


@hookimpl
def register_permissions():
    return [
        Permission("admin.teams.manage", "Create teams and choose their members"),
        Permission("people.sensitive.view", "See sensitive fields of any person, without working with them"),
    ]


@hookimpl
def register_team_types():
    return [TeamType("general", "General team", "A team with no module-specific meaning.")]


@hookimpl
def register_blueprints():
    from core.access import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.access.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("Roles", "access.roles", "admin.roles.manage", order=880, section="admin"),
        MenuItem("Teams", "access.teams", "admin.teams.manage", order=885, section="admin"),
    ]


@hookimpl
def startup(app):
    from core.access.services import can_see_sensitive

    # templates show a sensitive field only when this says so; see core/templates/core/macros.html
    app.add_template_global(can_see_sensitive)


@hookimpl
def register_dashboard_widgets():
    return [
        DashboardWidget(
            "access.break_glass",
            "Break-glass access this week",
            "admin.audit.view",
            _break_glass_widget,
            order=10,
        )
    ]


def _break_glass_widget(user) -> Markup:
    from flask import render_template

    from core.access.services import recent_break_glass

    return Markup(render_template("access/_break_glass_widget.html", grants=recent_break_glass(days=7)))
