"""The module system: what stops start-up (with one line naming the module and the fix), and what modules add."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import click
import flask_smorest
import pytest
from flask import Blueprint
from sqlalchemy import Integer, String
from sqlalchemy.orm import mapped_column

from core import create_app, module_system
from core.errors import RegistryFrozenError, StartupError
from core.extensions import db
from core.modules import ENTRY_POINT_GROUP
from core.permissions import require_permission
from core.plugins import (
    DashboardWidget,
    JobSpec,
    LookupSeed,
    MenuItem,
    ModuleInfo,
    Permission,
    ReportSpec,
    Tab,
    hookimpl,
)

ROOT = Path(__file__).resolve().parent.parent


def plugin(
    name: str, *, requires: tuple[str, ...] = (), settings: type | None = None, **hooks
) -> types.ModuleType:
    """A throwaway module: a plugin module object with MODULE and the given functions as hook implementations."""
    module = types.ModuleType(f"throwaway_{name}.plugin")
    module.MODULE = ModuleInfo(
        name=name, label=name.replace("_", " ").capitalize(), requires=requires, settings=settings
    )
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def startup_error(make_app, modules, extra) -> str:
    """The message of the StartupError that building an app with these modules raises."""
    with pytest.raises(StartupError) as caught:
        make_app(modules=modules, extra=extra)
    return str(caught.value)


def one_line(message: str) -> str:
    assert "\n" not in message, message
    return message


def blueprint_with_page(name: str, url_prefix: str, text: str = "page", rule: str = "/") -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    @bp.route(rule)
    @require_permission("admin.lookups.manage")
    def index():
        return text

    return bp


# --- plugins.toml and the ppp command -------------------------------------------------------------------------


def test_unknown_name_in_plugins_toml_stops_startup(tmp_path, test_config):
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('enabled = ["atendance"]\n')

    with pytest.raises(StartupError) as caught:
        create_app(config={**test_config, "PLUGINS_FILE": str(plugins_file)})

    message = one_line(str(caught.value))
    assert message.startswith('Module "atendance" in plugins.toml is not installed')
    assert "ppp modules list" in message


def test_plugins_toml_listing_a_module_twice_stops_startup(tmp_path, test_config):
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('enabled = ["rota", "rota"]\n')

    with pytest.raises(StartupError) as caught:
        create_app(
            config={
                **test_config,
                "PLUGINS_FILE": str(plugins_file),
                "PPP_EXTRA_MODULES": {"rota": plugin("rota")},
            }
        )

    assert one_line(str(caught.value)).endswith('module "rota" is listed twice in "enabled": remove one.')


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["serve", "--port", "0"]], ids=["db upgrade", "serve"]
)
def test_ppp_command_exits_with_one_line_naming_the_unknown_module(tmp_path, command):
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('enabled = ["atendance"]\n')
    env = {
        **os.environ,
        "PPP_PLUGINS_FILE": str(plugins_file),
        "PPP_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.sqlite3'}",
    }

    result = subprocess.run(
        [Path(sys.executable).parent / "ppp", *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith('Error: Module "atendance" in plugins.toml is not installed')
    assert not (tmp_path / "never-created.sqlite3").exists()


# --- requirements and load order -------------------------------------------------------------------------------


def test_missing_required_module_stops_startup(make_app):
    message = startup_error(make_app, ["arrears"], {"arrears": plugin("arrears", requires=("tenancies",))})

    assert one_line(message) == 'Module "arrears" needs "tenancies": add it to plugins.toml.'


def test_requirement_cycle_stops_startup(make_app):
    extra = {
        "arrears": plugin("arrears", requires=("tenancies",)),
        "tenancies": plugin("tenancies", requires=("arrears",)),
    }

    message = one_line(startup_error(make_app, ["arrears", "tenancies"], extra))

    assert "arrears -> tenancies -> arrears" in message
    assert message.endswith("remove one of those requirements.")


def test_load_order_follows_requires_whatever_the_order_in_plugins_toml(tmp_path, test_config):
    calls = []

    def menu(name):
        def register_menu_items():
            calls.append(name)
            return []

        return register_menu_items

    extra = {
        "charges": plugin("charges", requires=("tenancies", "arrears"), register_menu_items=menu("charges")),
        "arrears": plugin("arrears", requires=("tenancies",), register_menu_items=menu("arrears")),
        "tenancies": plugin("tenancies", register_menu_items=menu("tenancies")),
    }
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('enabled = ["charges", "arrears", "tenancies"]\n')

    app = create_app(config={**test_config, "PLUGINS_FILE": str(plugins_file), "PPP_EXTRA_MODULES": extra})

    assert [m.name for m in module_system(app).modules] == ["tenancies", "arrears", "charges"]
    assert calls == ["tenancies", "arrears", "charges"]
    # core areas come first, in their fixed order
    assert [m.name for m in module_system(app).loaded][:2] == ["web", "security"]


# --- importing and registering ---------------------------------------------------------------------------------


def test_module_that_fails_to_import_stops_startup(make_app, tmp_path, monkeypatch):
    package = tmp_path / "ppp_broken"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text("import ppp_library_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    message = one_line(startup_error(make_app, ["broken"], {"broken": "ppp_broken.plugin"}))

    assert message == (
        'Module "broken" failed to import (ModuleNotFoundError: No module named '
        "'ppp_library_that_is_not_installed'): fix or disable it."
    )


def test_plugin_without_module_info_stops_startup(make_app):
    bare = types.ModuleType("throwaway_bare.plugin")

    message = one_line(startup_error(make_app, ["bare"], {"bare": bare}))

    assert message.startswith('Module "bare":')
    assert message.endswith("has no MODULE = ModuleInfo(...): add one.")


def test_misspelt_hook_stops_startup(make_app):
    extra = {
        "arrears": plugin("arrears", register_permision=lambda: [Permission("arrears.view", "See arrears")])
    }

    message = one_line(startup_error(make_app, ["arrears"], extra))

    assert message == (
        'Module "arrears" implements "register_permision", which is not a PPP hook: '
        "check the spelling against docs/plugins.md."
    )


def test_hook_with_an_argument_the_spec_lacks_stops_startup(make_app):
    def register_commands(cli, app):
        return None

    message = one_line(
        startup_error(
            make_app, ["arrears"], {"arrears": plugin("arrears", register_commands=register_commands)}
        )
    )

    assert message.startswith('Module "arrears" hook "register_commands" takes app')
    assert "docs/plugins.md" in message


def test_module_may_not_take_a_reserved_name(make_app):
    message = one_line(startup_error(make_app, ["people"], {"people": plugin("people")}))

    assert message == 'Module "people" uses a name the core reserves: rename the module.'


# --- clashes between contributions -----------------------------------------------------------------------------


def test_same_permission_twice_stops_startup(make_app):
    twice = plugin(
        "arrears",
        register_permissions=lambda: [
            Permission("arrears.view", "See arrears"),
            Permission("arrears.view", "See arrears again"),
        ],
    )

    message = one_line(startup_error(make_app, ["arrears"], {"arrears": twice}))

    assert message == 'Module "arrears" registers the permission "arrears.view" twice: remove one.'


def test_permission_outside_the_module_namespace_stops_startup(make_app):
    # a module cannot claim another module's (or the core's) permission, so clashes between modules cannot happen
    thief = plugin("arrears", register_permissions=lambda: [Permission("admin.users.manage", "Manage users")])

    message = one_line(startup_error(make_app, ["arrears"], {"arrears": thief}))

    assert (
        message == 'Module "arrears" permission "admin.users.manage" must start with "arrears.": rename it.'
    )


def test_same_lookup_list_twice_stops_startup(make_app):
    seed = LookupSeed("arrears.stage", "Arrears stages", [("letter", "First letter")])
    twice = plugin("arrears", register_lookups=lambda: [seed, seed])

    message = one_line(startup_error(make_app, ["arrears"], {"arrears": twice}))

    assert message == 'Module "arrears" registers the lookup list "arrears.stage" twice: remove one.'


def test_lookup_list_outside_the_module_namespace_stops_startup(make_app):
    thief = plugin("arrears", register_lookups=lambda: [LookupSeed("people.contact_type", "Contact types")])

    message = one_line(startup_error(make_app, ["arrears"], {"arrears": thief}))

    assert (
        message == 'Module "arrears" lookup list "people.contact_type" must start with "arrears.": rename it.'
    )


def test_two_modules_registering_the_same_route_name_stops_startup(make_app):
    # "rent" may name a blueprint "rent_arrears", which is also the name a module called "rent_arrears" must use
    extra = {
        "rent": plugin(
            "rent", register_blueprints=lambda: [blueprint_with_page("rent_arrears", "/rent/arrears")]
        ),
        "rent_arrears": plugin(
            "rent_arrears", register_blueprints=lambda: [blueprint_with_page("rent_arrears", "/rent-arrears")]
        ),
    }

    message = one_line(startup_error(make_app, ["rent", "rent_arrears"], extra))

    assert (
        message
        == 'Modules "rent" and "rent_arrears" both register routes named "rent_arrears": rename one blueprint.'
    )


def test_blueprint_not_named_after_its_module_stops_startup(make_app):
    extra = {
        "arrears": plugin("arrears", register_blueprints=lambda: [blueprint_with_page("debts", "/debts")])
    }

    message = one_line(startup_error(make_app, ["arrears"], extra))

    assert message == 'Module "arrears" blueprint "debts" must be named "arrears": rename it.'


def test_two_modules_serving_the_same_url_stops_startup(make_app):
    extra = {
        "arrears": plugin("arrears", register_blueprints=lambda: [blueprint_with_page("arrears", "/money")]),
        "charges": plugin("charges", register_blueprints=lambda: [blueprint_with_page("charges", "/money")]),
    }

    message = one_line(startup_error(make_app, ["arrears", "charges"], extra))

    assert message == 'Modules "arrears" and "charges" both serve GET /money/: change one URL.'


def test_module_serving_a_core_url_stops_startup(make_app):
    extra = {
        "arrears": plugin(
            "arrears", register_blueprints=lambda: [blueprint_with_page("arrears", "/admin/lookups")]
        )
    }

    message = one_line(startup_error(make_app, ["arrears"], extra))

    assert message == 'Modules "lookups" and "arrears" both serve GET /admin/lookups/: change one URL.'


def test_api_blueprint_outside_its_prefix_stops_startup(make_app):
    api = flask_smorest.Blueprint("arrears_api", __name__, url_prefix="/api/v1/money")
    extra = {"arrears": plugin("arrears", register_api_blueprints=lambda: [api])}

    message = one_line(startup_error(make_app, ["arrears"], extra))

    assert (
        message
        == 'Module "arrears" API blueprint "arrears_api" must sit under /api/v1/arrears: set its url_prefix.'
    )


def test_menu_item_naming_an_unknown_permission_stops_startup(make_app):
    extra = {
        "arrears": plugin(
            "arrears",
            register_permissions=lambda: [Permission("arrears.case.view", "See arrears cases")],
            register_blueprints=lambda: [blueprint_with_page("arrears", "/arrears")],
            register_menu_items=lambda: [MenuItem("Arrears", "arrears.index", "arrears.cases.view")],
        )
    }

    message = one_line(startup_error(make_app, ["arrears"], extra))

    assert (
        message
        == 'The menu item "Arrears" needs permission "arrears.cases.view", which no module registers: fix the name.'
    )


def test_route_without_an_access_rule_stops_startup(make_app):
    def register_blueprints():
        bp = Blueprint("arrears", __name__, url_prefix="/arrears")
        bp.add_url_rule("/", "index", lambda: "open to anyone")
        return [bp]

    message = one_line(
        startup_error(
            make_app, ["arrears"], {"arrears": plugin("arrears", register_blueprints=register_blueprints)}
        )
    )

    assert message.startswith('Route "arrears.index" has no access rule')


# --- tables ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def misnamed_model():
    """A model in a throwaway module's package whose table lacks the module's prefix (a typo: sampel_)."""

    class MisnamedEntry(db.Model):
        __tablename__ = "sampel_entry"
        __module__ = "throwaway_sample.models"

        # plain columns: annotations would be resolved in the (fake) module named above
        id = mapped_column(Integer, primary_key=True)
        label = mapped_column(String(80))

        def __repr__(self) -> str:
            return f"<MisnamedEntry {self.id}>"

    yield MisnamedEntry
    db.metadata.remove(MisnamedEntry.__table__)


def test_table_without_the_module_prefix_stops_startup(make_app, misnamed_model):
    message = one_line(startup_error(make_app, ["sample"], {"sample": plugin("sample")}))

    assert (
        message
        == 'Module "sample" defines table "sampel_entry" without its "sample_" prefix: rename the table.'
    )


# --- settings --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrearsSettings:
    """Options for the throwaway arrears module."""

    #: days after a missed payment before the first letter goes
    first_letter_after_days: int = 14
    #: the team that handles cases, by code
    team: str = "income"
    send_letters: bool = True
    #: extra stages, in order
    stages: list[str] = field(default_factory=list)


def arrears_with_settings() -> dict:
    return {"arrears": plugin("arrears", settings=ArrearsSettings)}


def test_settings_default_from_the_dataclass(make_app):
    app = make_app(modules=["arrears"], extra=arrears_with_settings())

    assert module_system(app).settings("arrears") == ArrearsSettings(14, "income", True, [])


def test_settings_from_plugins_toml_override_defaults(tmp_path, test_config):
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text(
        'enabled = ["arrears"]\n\n[arrears]\nfirst_letter_after_days = 21\nstages = ["letter", "visit"]\n'
    )

    app = create_app(
        config={
            **test_config,
            "PLUGINS_FILE": str(plugins_file),
            "PPP_EXTRA_MODULES": arrears_with_settings(),
        }
    )

    settings = module_system(app).settings("arrears")
    assert settings.first_letter_after_days == 21
    assert settings.stages == ["letter", "visit"]
    assert settings.team == "income"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"first_leter_after_days": 21},
            'Module "arrears" has no setting "first_leter_after_days" (it has: first_letter_after_days, team, '
            "send_letters, stages): fix plugins.toml.",
        ),
        (
            {"first_letter_after_days": "21"},
            'Module "arrears" setting "first_letter_after_days" should be int, not \'21\': fix plugins.toml.',
        ),
        (
            {"first_letter_after_days": True},
            'Module "arrears" setting "first_letter_after_days" should be int, not True: fix plugins.toml.',
        ),
        (
            {"send_letters": "yes"},
            'Module "arrears" setting "send_letters" should be bool, not \'yes\': fix plugins.toml.',
        ),
        (
            {"stages": ["letter", 2]},
            'Module "arrears" setting "stages" should be list[str], not [\'letter\', 2]: fix plugins.toml.',
        ),
    ],
    ids=["unknown key", "string for int", "bool for int", "string for bool", "wrong list item"],
)
def test_bad_settings_stop_startup(make_app, table, expected):
    with pytest.raises(StartupError) as caught:
        make_app(modules=["arrears"], extra=arrears_with_settings(), PPP_MODULE_SETTINGS={"arrears": table})
    message = one_line(str(caught.value))

    assert message == expected


def test_settings_table_for_a_module_without_settings_stops_startup(make_app):
    with pytest.raises(StartupError) as caught:
        make_app(modules=["rota"], extra={"rota": plugin("rota")}, PPP_MODULE_SETTINGS={"rota": {"weeks": 4}})

    assert one_line(str(caught.value)) == (
        'Module "rota" has no settings, but plugins.toml has a [rota] table: remove it.'
    )


# --- discovery -------------------------------------------------------------------------------------------------


def test_installed_package_is_found_through_the_entry_point_group(make_app, monkeypatch):
    # what `pip install ppp-notes` does: the package's metadata names its plugin in the ppp.modules group
    installed = importlib.metadata.EntryPoint(
        name="notes", value="tests.example_module.plugin", group=ENTRY_POINT_GROUP
    )
    real_entry_points = importlib.metadata.entry_points

    def entry_points(**selection):
        if selection.get("group") == ENTRY_POINT_GROUP:
            return importlib.metadata.EntryPoints([installed])
        return real_entry_points(**selection)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)

    app = make_app(modules=["notes"])

    system = module_system(app)
    assert system.available["notes"].source == "entry point"
    assert [m.name for m in system.modules] == ["notes"]
    assert "notes.note.write" in system.permissions
    assert "/notes/" in {rule.rule for rule in app.url_map.iter_rules()}


def test_modules_list_shows_an_installed_module_and_whether_it_is_enabled(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli import cli

    installed = importlib.metadata.EntryPoint(
        name="notes", value="tests.example_module.plugin", group=ENTRY_POINT_GROUP
    )
    real_entry_points = importlib.metadata.entry_points
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda **selection: (
            importlib.metadata.EntryPoints([installed])
            if selection.get("group") == ENTRY_POINT_GROUP
            else real_entry_points(**selection)
        ),
    )
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('enabled = ["notes", "atendance"]\n')

    result = CliRunner().invoke(cli, ["modules", "list"], env={"PPP_PLUGINS_FILE": str(plugins_file)})

    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert lines["notes"][:4] == ["notes", "yes", "1.0.0", "entry"]
    assert lines["atendance"][:3] == ["atendance", "yes", "-"]
    assert "(not installed)" in " ".join(lines["atendance"])


# --- registries are frozen -------------------------------------------------------------------------------------


def test_registries_refuse_late_registrations(make_app):
    app = make_app()

    with pytest.raises(RegistryFrozenError) as caught:
        module_system(app).permissions.add("web", "web.late", Permission("web.late", "Too late"))

    assert "return it from the register_permissions hook instead" in str(caught.value)


# --- a disabled module contributes nothing ---------------------------------------------------------------------


def _rota_blueprint():
    bp = Blueprint("rota", __name__, url_prefix="/rota")

    @bp.route("/")
    @require_permission("rota.shift.view")
    def index():
        return "Shifts this week"

    return bp


def _rota_api():
    api = flask_smorest.Blueprint("rota_api", __name__, url_prefix="/api/v1/rota")

    @api.route("/shifts")
    @require_permission("rota.shift.view")
    def shifts():
        return {"shifts": []}

    return api


@click.group("rota")
def rota_cli():
    """Manage the rota."""


def publish_rota() -> dict:
    return {"published": 0}


ROTA = plugin(
    "rota",
    register_permissions=lambda: [
        Permission("rota.shift.view", "See the rota", default_roles=("caseworker",))
    ],
    register_lookups=lambda: [
        LookupSeed("rota.shift_type", "Shift types", [("early", "Early"), ("late", "Late")])
    ],
    register_blueprints=lambda: [_rota_blueprint()],
    register_api_blueprints=lambda: [_rota_api()],
    register_menu_items=lambda: [MenuItem("Rota", "rota.index", "rota.shift.view")],
    register_jobs=lambda: [
        JobSpec("rota.publish", publish_rota, "Publish next week's rota", cron="0 18 * * 5")
    ],
    register_reports=lambda: [ReportSpec("rota.hours", "Hours worked", "rota.shift.view", "rota.index")],
    register_tabs=lambda: [Tab("person", "rota.shifts", "Shifts", "rota.shift.view", lambda person: "")],
    register_dashboard_widgets=lambda: [
        DashboardWidget("rota.today", "On shift today", "rota.shift.view", lambda user: "")
    ],
    register_commands=lambda cli: cli.add_command(rota_cli),
)


def contributions(app) -> dict:
    """Everything an app has that a module could have added."""
    system = module_system(app)
    api_paths = app.extensions["ppp_api"].spec.to_dict()["paths"]
    return {
        "routes": {rule.rule for rule in app.url_map.iter_rules()},
        "blueprints": set(app.blueprints),
        "permissions": set(system.permissions),
        "lookups": set(system.lookups),
        "menu": {item.label for item in system.menu_items},
        "jobs": set(system.jobs),
        "schedules": {spec.name for spec in system.jobs.values() if spec.cron},
        "reports": set(system.reports),
        "tabs": {tab.name for tab in system.tabs},
        "widgets": {widget.name for widget in system.widgets},
        "api": set(api_paths),
        "commands": set(app.cli.commands),
    }


def test_disabled_module_contributes_nothing(make_app):
    enabled = contributions(make_app(modules=["rota"], extra={"rota": ROTA}))
    disabled = contributions(make_app(modules=[], extra={"rota": ROTA}))

    added = {kind: enabled[kind] - disabled[kind] for kind in enabled}
    assert added == {
        "routes": {"/rota/", "/api/v1/rota/shifts"},
        "blueprints": {"rota", "rota_api"},
        "permissions": {"rota.shift.view"},
        "lookups": {"rota.shift_type"},
        "menu": {"Rota"},
        "jobs": {"rota.publish"},
        "schedules": {"rota.publish"},
        "reports": {"rota.hours"},
        "tabs": {"rota.shifts"},
        "widgets": {"rota.today"},
        "api": {"/api/v1/rota/shifts"},
        "commands": {"rota"},
    }
    assert all(disabled[kind] <= enabled[kind] for kind in enabled)


@pytest.mark.app_config(PPP_EXTRA_MODULES={"rota": ROTA})
@pytest.mark.modules("rota")
def test_enabled_module_shows_its_menu_item_and_screen(client, login_as):
    login_as("rota.shift.view")

    assert '<a class="govuk-service-navigation__link" href="/rota/"' in client.get("/").get_data(as_text=True)
    assert client.get("/rota/").get_data(as_text=True) == "Shifts this week"


@pytest.mark.app_config(PPP_EXTRA_MODULES={"rota": ROTA})
def test_disabled_module_has_no_menu_item_screen_or_schedule(client, login_as):
    from core.jobs import services as jobs
    from core.types import utcnow

    login_as(roles=("administrator",))

    assert "/rota/" not in client.get("/").get_data(as_text=True)
    assert client.get("/rota/").status_code == 404
    assert client.get("/api/v1/rota/shifts").status_code == 404
    assert all(run.job_name != "rota.publish" for run in jobs.enqueue_due_schedules(utcnow()))
