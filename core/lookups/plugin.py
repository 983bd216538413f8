"""Hook implementations of the lookups area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="lookups", label="Lookup lists", description="Configurable lists administrators edit."
)


@hookimpl
def register_permissions():
    return [Permission("admin.lookups.manage", "Add, rename, reorder and deactivate lookup values")]


@hookimpl
def register_blueprints():
    from core.lookups import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.lookups.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Lookup lists", "lookups.index", "admin.lookups.manage", order=900, section="admin")]


@hookimpl
def register_commands(cli):
    from core.lookups.cli import lookups

    cli.add_command(lookups)
