"""Hook implementations of the security area: its screens, permissions, commands and demo users."""

from __future__ import annotations

from core.extensions import db, hookimpl, login_manager
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="security", label="Security", description="User accounts, logging in, roles and permissions."
)


@login_manager.user_loader
def load_user(user_id: str):
    from core.security.models import User

    return db.session.get(User, int(user_id))


@hookimpl
def register_blueprints():
    from core.security import user_admin, views  # noqa: F401  (routes attach to the blueprint on import)
    from core.security.blueprint import bp

    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission("admin.users.manage", "Create, edit, deactivate and reactivate users"),
        Permission("admin.roles.manage", "Define roles and the permissions they hold"),
    ]


@hookimpl
def register_api_blueprints():
    from core.security.api import roles_blp, users_blp

    return [users_blp, roles_blp]


@hookimpl
def register_menu_items():
    return [MenuItem("Users", "security.users", "admin.users.manage", order=870, section="admin")]


@hookimpl
def startup(app):
    from core.security.views import end_stale_session

    # deactivated, idle and too-old sessions end on their next request
    app.before_request(end_stale_session)


@hookimpl
def register_commands(cli):
    from core.security.cli import users

    cli.add_command(users)


@hookimpl
def load_demo_data():
    from core.security.demo import load_demo_users

    load_demo_users()
