"""Hook implementations of the places area."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="places",
    label="Places",
    description="Properties keyed by UPRN, the gazetteer import that keeps them current, and address search.",
)


@hookimpl
def register_permissions():
    return [
        Permission(
            "places.view",
            "Search places and see their addresses, UPRNs and coordinates",
            default_roles=("caseworker", "section_manager", "finance_officer", "read_only"),
        ),
        Permission("places.edit", "Add places by hand and correct them", default_roles=("caseworker", "section_manager")),
        Permission("places.gazetteer.import", "Import the gazetteer and see the import history"),
    ]


@hookimpl
def register_blueprints():
    from core.places import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.places.blueprint import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from core.places.api import blp

    return [blp]


@hookimpl
def register_menu_items():
    return [
        MenuItem("Places", "places.search", "places.view", order=20),
        MenuItem("Gazetteer imports", "places.imports", "places.gazetteer.import", order=905, section="admin"),
    ]


@hookimpl
def register_commands(cli):
    from core.places.cli import gazetteer

    cli.add_command(gazetteer)
