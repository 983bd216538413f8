"""Hook implementations of the screen shell."""

from __future__ import annotations

from core.extensions import hookimpl
from core.plugins import ModuleInfo

MODULE = ModuleInfo(name="web", label="Home", description="Home dashboard, navigation and error pages.")


@hookimpl
def register_blueprints():
    from core.web import views  # noqa: F401  (routes attach to the blueprint on import)
    from core.web.blueprint import bp

    return [bp]


@hookimpl
def startup(app):
    from core.web.shell import check_access_rules, init_shell

    init_shell(app)
    check_access_rules(app)
