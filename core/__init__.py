"""PPP core: the app factory, and the Person, Place and Problem records every department module builds on."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.routing import IntegerConverter

from core.api.conventions import MAX_ID, PPPApi
from core.config import load_config
from core.database import configure_engine
from core.errors import StartupError
from core.extensions import csrf, db, login_manager
from core.modules import ModuleSystem, load_modules

__all__ = ["StartupError", "create_app", "module_system"]

API_PREFIX = "/api/v1"


def create_app(config: dict[str, Any] | None = None, modules: list[str] | None = None) -> Flask:
    """Build the app: config, extensions, modules, blueprints, registries; never touches the database.

    :param config: settings that override the instance file and environment (tests use this)
    :param modules: the enabled module names, instead of those in plugins.toml
    """
    instance_path = os.environ.get("PPP_INSTANCE_PATH") or str(Path.cwd() / "instance")
    app = Flask("core", instance_path=instance_path, instance_relative_config=True)
    load_config(app, config)
    logging.basicConfig(level=logging.INFO if app.config["PPP_ENV"] == "development" else logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    _init_extensions(app)
    configure_engine(app)
    system = load_modules(app, modules)
    app.extensions["ppp"] = system
    _register_blueprints(app, system)
    system.collect("register_commands", cli=app.cli)
    system.freeze()
    system.collect("startup", app=app)  # after the freeze, as the spec promises: startup reads, never registers
    return app


def module_system(app: Flask | None = None) -> ModuleSystem:
    """The module system of the given app, or of the current one."""
    from flask import current_app

    return (app or current_app).extensions["ppp"]


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in every route, screen and API: a number beyond the database's integer ids matches no route (a
    404, and a maximum in the OpenAPI document) instead of reaching a query that PostgreSQL refuses."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _init_extensions(app: Flask) -> None:
    app.url_map.converters["int"] = RecordIdConverter
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    WTFormsHelpers(app)
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined}
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(Path(app.root_path) / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.config.setdefault("API_TITLE", "PPP API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.extensions["ppp_api"] = PPPApi(app, spec_kwargs={"servers": [{"url": "/"}], "security": [{"bearerAuth": []}]})


def _register_blueprints(app: Flask, system: ModuleSystem) -> None:
    modules = {m.name: m for m in system.loaded}
    for owner, blueprints in system.collect("register_blueprints"):
        for blueprint in blueprints or []:
            module = modules[owner]
            if not module.is_core and blueprint.name != owner and not blueprint.name.startswith(f"{owner}_"):
                raise StartupError(
                    f'Module "{owner}" blueprint "{blueprint.name}" must be named "{owner}": rename it.'
                )
            if blueprint.name in app.blueprints:
                raise StartupError(
                    f'Modules "{_owner_of(app, blueprint.name)}" and "{owner}" both register routes named '
                    f'"{blueprint.name}": rename one blueprint.'
                )
            app.register_blueprint(blueprint)
            system.blueprint_owners[blueprint.name] = owner
    api = app.extensions["ppp_api"]
    for owner, blueprints in system.collect("register_api_blueprints"):
        for blueprint in blueprints or []:
            module = modules[owner]
            prefix = f"{API_PREFIX}/{owner}"
            if not module.is_core and not (blueprint.url_prefix or "").startswith(prefix):
                raise StartupError(
                    f'Module "{owner}" API blueprint "{blueprint.name}" must sit under {prefix}: set its url_prefix.'
                )
            if blueprint.name in app.blueprints:
                raise StartupError(
                    f'Modules "{_owner_of(app, blueprint.name)}" and "{owner}" both register routes named '
                    f'"{blueprint.name}": rename one blueprint.'
                )
            api.register_blueprint(blueprint)
            csrf.exempt(blueprint)
            system.blueprint_owners[blueprint.name] = owner
    _check_rule_clashes(app)


def _owner_of(app: Flask, blueprint_name: str) -> str:
    return app.extensions["ppp"].blueprint_owners.get(blueprint_name, "core")


def _check_rule_clashes(app: Flask) -> None:
    seen: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            if method in {"HEAD", "OPTIONS"}:
                continue
            key = (rule.rule, method)
            if key in seen and seen[key] != rule.endpoint:
                first = _owner_of(app, seen[key].partition(".")[0])
                second = _owner_of(app, rule.endpoint.partition(".")[0])
                raise StartupError(
                    f'Modules "{first}" and "{second}" both serve {method} {rule.rule}: change one URL.'
                )
            seen[key] = rule.endpoint
