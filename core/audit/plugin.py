"""Hook implementations of the audit area: its permissions, screens and the always-on change capture."""

from __future__ import annotations

from core.audit import capture, models  # noqa: F401  (the audit table is part of the core's metadata)
from core.extensions import hookimpl
from core.plugins import MenuItem, ModuleInfo, Permission

MODULE = ModuleInfo(
    name="audit",
    label="Audit",
    description="An append-only record of who viewed, changed, exported or broke glass on which record.",
)

# always on: the capture is attached when the core areas load, not left to configuration
capture.install()


@hookimpl
def register_permissions():
    return [
        Permission("admin.audit.view", "Search the audit trail"),
        Permission(
            "people.audit.view", "See who has viewed or changed a person's records", default_roles=("section_manager",)
        ),
    ]


@hookimpl
def register_blueprints():
    from core.audit import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.audit.blueprint import bp

    return [bp]


@hookimpl
def register_menu_items():
    return [MenuItem("Audit", "audit.search", "admin.audit.view", order=920, section="admin")]
