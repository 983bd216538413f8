"""Find, check, order and register modules, then merge and freeze what they contribute.

``plugins.toml`` is the only list of enabled modules. Any problem stops start-up with one line naming the
module and what to do: a half-loaded app is worse than none.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
import tomllib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pluggy

from core import hookspecs
from core.errors import RegistryFrozenError, StartupError
from core.plugins import ModuleInfo

#: the core's own areas, registered before any module, in this order; they implement the same hooks
CORE_AREAS: tuple[str, ...] = (
    "core.web.plugin",
    "core.security.plugin",
    "core.audit.plugin",
    "core.access.plugin",
    "core.places.plugin",
    "core.people.plugin",
    "core.lookups.plugin",
    "core.calendar.plugin",
    "core.jobs.plugin",
    "core.api.plugin",
    "core.cases.plugin",
    "core.activities.plugin",
    "core.intentions.plugin",
    "core.conditions.plugin",
    "core.reports.plugin",
)

#: names a module may not take, because core areas, URLs or tables already use them
RESERVED_NAMES = frozenset(
    {
        "core",
        "admin",
        "api",
        "auth",
        "security",
        "static",
        "web",
        "lookup",
        "lookups",
        "jobs",
        "job",
        "user",
        "users",
        "audit",
        "reports",
        "people",
        "person",
        "places",
        "place",
        "cases",
        "case",
        "activities",
        "activity",
        "intentions",
        "intention",
        "conditions",
        "calendar",
        "search",
        "modules",
        "demo",
        "alembic",
    }
)

ENTRY_POINT_GROUP = "ppp.modules"
BUILTIN_PACKAGE = "modules"


@dataclass(frozen=True)
class AvailableModule:
    """A module that could be enabled: where its plugin lives and how it was found."""

    name: str
    #: the plugin's import path; tests may give a module object instead
    plugin_path: str | types.ModuleType
    source: str  # "built-in", "entry point" or "configured"


@dataclass
class LoadedModule:
    """An enabled module (or core area) after import, with its validated settings."""

    info: ModuleInfo
    plugin: types.ModuleType
    settings: Any
    is_core: bool

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def package(self) -> str:
        return self.plugin.__name__.rpartition(".")[0]


class Registry:
    """Contributions of one kind keyed by name, each remembering its owner; frozen after start-up."""

    def __init__(self, kind: str, hook: str) -> None:
        self.kind = kind
        self.hook = hook
        self._items: dict[str, Any] = {}
        self._owners: dict[str, str] = {}
        self._frozen = False

    def add(self, owner: str, key: str, item: Any) -> None:
        if self._frozen:
            raise RegistryFrozenError(
                f'Cannot register {self.kind} "{key}" after start-up: return it from the {self.hook} hook instead.'
            )
        if key in self._items and self._owners[key] == owner:
            raise StartupError(f'Module "{owner}" registers the {self.kind} "{key}" twice: remove one.')
        if key in self._items:
            raise StartupError(
                f'Modules "{self._owners[key]}" and "{owner}" both register the {self.kind} "{key}": '
                f"rename one of them."
            )
        self._items[key] = item
        self._owners[key] = owner

    def freeze(self) -> None:
        self._frozen = True
        self._items = MappingProxyType(self._items)  # type: ignore[assignment]

    def owner(self, key: str) -> str:
        return self._owners[key]

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()


@dataclass
class ModuleSystem:
    """Everything start-up learned about modules, kept in ``app.extensions["ppp"]``."""

    pm: pluggy.PluginManager
    available: dict[str, AvailableModule]
    loaded: list[LoadedModule] = field(default_factory=list)
    permissions: Registry = field(default_factory=lambda: Registry("permission", "register_permissions"))
    lookups: Registry = field(default_factory=lambda: Registry("lookup list", "register_lookups"))
    jobs: Registry = field(default_factory=lambda: Registry("job", "register_jobs"))
    reports: Registry = field(default_factory=lambda: Registry("report", "register_reports"))
    team_types: Registry = field(default_factory=lambda: Registry("team type", "register_team_types"))
    menu_items: list = field(default_factory=list)
    tabs: list = field(default_factory=list)
    widgets: list = field(default_factory=list)
    #: which module registered each blueprint, for clash messages
    blueprint_owners: dict[str, str] = field(default_factory=dict)

    @property
    def modules(self) -> list[LoadedModule]:
        """The enabled department modules in load order, without the core areas."""
        return [m for m in self.loaded if not m.is_core]

    def is_enabled(self, name: str) -> bool:
        return any(m.name == name for m in self.modules)

    def settings(self, name: str) -> Any:
        """The validated settings object of an enabled module."""
        for module in self.loaded:
            if module.name == name:
                return module.settings
        raise KeyError(f'Module "{name}" is not enabled.')

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook on every implementation in load order, returning (owner, result) pairs."""
        order = {m.name: index for index, m in enumerate(self.loaded)}
        caller = getattr(self.pm.hook, hook_name)
        results = []
        for impl in sorted(caller.get_hookimpls(), key=lambda impl: order.get(impl.plugin_name, len(order))):
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            results.append((impl.plugin_name, result))
        return results

    def freeze(self) -> None:
        for registry in (self.permissions, self.lookups, self.jobs, self.reports, self.team_types):
            registry.freeze()
        self.menu_items = tuple(sorted(self.menu_items, key=lambda item: (item.order, item.label)))
        self.tabs = tuple(sorted(self.tabs, key=lambda tab: (tab.order, tab.label)))
        self.widgets = tuple(sorted(self.widgets, key=lambda widget: (widget.order, widget.label)))


def discover_modules(configured: dict[str, str | types.ModuleType] | None = None) -> dict[str, AvailableModule]:
    """Every module that could be enabled: built-in folders, installed entry points, and configured extras."""
    found: dict[str, AvailableModule] = {}
    builtin_root = Path(__file__).resolve().parent.parent / BUILTIN_PACKAGE
    if builtin_root.is_dir():
        for folder in sorted(builtin_root.iterdir()):
            if (folder / "plugin.py").is_file():
                found[folder.name] = AvailableModule(
                    folder.name, f"{BUILTIN_PACKAGE}.{folder.name}.plugin", "built-in"
                )
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(
            entry_point.name, AvailableModule(entry_point.name, entry_point.value, "entry point")
        )
    for name, path in (configured or {}).items():
        found[name] = AvailableModule(name, path, "configured")
    return found


def read_plugins_file(path: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Return the enabled module names and each module's settings table from plugins.toml."""
    if not path.exists():
        return [], {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"{path} is not valid TOML ({exc}): fix the file.") from exc
    enabled = data.pop("enabled", [])
    if not isinstance(enabled, list) or not all(isinstance(name, str) for name in enabled):
        raise StartupError(
            f'{path}: "enabled" must be a list of module names, e.g. enabled = ["attendance"].'
        )
    for key, value in data.items():
        if not isinstance(value, dict):
            raise StartupError(f'{path}: "{key}" should be a [{key}] table of module settings, or removed.')
    if len(set(enabled)) != len(enabled):
        duplicate = next(name for name in enabled if enabled.count(name) > 1)
        raise StartupError(f'{path}: module "{duplicate}" is listed twice in "enabled": remove one.')
    return enabled, data


def import_plugin(name: str, plugin_path: str | types.ModuleType) -> types.ModuleType:
    """Import a module's plugin, turning any failure into a one-line start-up error."""
    try:
        plugin = plugin_path if isinstance(plugin_path, types.ModuleType) else importlib.import_module(plugin_path)
    except Exception as exc:  # any import failure must stop start-up with the module named
        raise StartupError(
            f'Module "{name}" failed to import ({type(exc).__name__}: {exc}): fix or disable it.'
        ) from exc
    info = getattr(plugin, "MODULE", None)
    if not isinstance(info, ModuleInfo):
        raise StartupError(f'Module "{name}": {plugin_path} has no MODULE = ModuleInfo(...): add one.')
    if info.name != name:
        raise StartupError(f'Module "{name}": its MODULE.name is "{info.name}": make them the same.')
    return plugin


def dependency_order(requested: list[str], infos: dict[str, ModuleInfo]) -> list[str]:
    """Order modules so each comes after those it requires, keeping plugins.toml order otherwise."""
    core_names = {"core"}
    for name in requested:
        for needed in infos[name].requires:
            if needed not in infos and needed not in core_names:
                raise StartupError(f'Module "{name}" needs "{needed}": add it to plugins.toml.')
    ordered: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name) :] + [name]
            raise StartupError(
                f"Modules {' -> '.join(cycle)} require each other in a cycle: remove one of those requirements."
            )
        visiting.append(name)
        for needed in infos[name].requires:
            if needed in infos:
                visit(needed)
        visiting.pop()
        ordered.append(name)

    for name in requested:
        visit(name)
    return ordered


def build_settings(info: ModuleInfo, raw: dict[str, Any]) -> Any:
    """Check a module's plugins.toml table against its settings dataclass and return the settings object."""
    if info.settings is None:
        if raw:
            raise StartupError(
                f'Module "{info.name}" has no settings, but plugins.toml has a [{info.name}] table: remove it.'
            )
        return None
    declared = {f.name: f for f in dataclasses.fields(info.settings)}
    hints = typing.get_type_hints(info.settings)
    for key, value in raw.items():
        if key not in declared:
            raise StartupError(
                f'Module "{info.name}" has no setting "{key}" (it has: {", ".join(declared) or "none"}): '
                f"fix plugins.toml."
            )
        if not _matches(value, hints[key]):
            raise StartupError(
                f'Module "{info.name}" setting "{key}" should be {_describe(hints[key])}, not {value!r}: fix plugins.toml.'
            )
    try:
        return info.settings(**raw)
    except (TypeError, ValueError) as exc:
        raise StartupError(f'Module "{info.name}" settings are invalid ({exc}): fix plugins.toml.') from exc


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        (item_type, *_) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(_matches(item, item_type) for item in value)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(hint))
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is not None:  # list[str], int | None: the name alone would hide the item type
        return str(hint).replace("typing.", "")
    return getattr(hint, "__name__", None) or str(hint)


def load_modules(app, enabled: list[str] | None) -> ModuleSystem:
    """Register core areas and the enabled modules on a fresh plugin manager, then check and merge contributions."""
    available = discover_modules(app.config.get("PPP_EXTRA_MODULES"))
    settings_tables: dict[str, dict[str, Any]] = {}
    if enabled is None:
        plugins_file = Path(app.config["PLUGINS_FILE"])
        enabled, settings_tables = read_plugins_file(plugins_file)
    else:
        settings_tables = dict(app.config.get("PPP_MODULE_SETTINGS", {}))

    for name in enabled:
        if name not in available:
            raise StartupError(
                f'Module "{name}" in plugins.toml is not installed: check the spelling '
                f"(ppp modules list shows what is available) or pip install the package that provides it."
            )
        if name in RESERVED_NAMES:
            raise StartupError(f'Module "{name}" uses a name the core reserves: rename the module.')

    pm = pluggy.PluginManager("ppp")
    pm.add_hookspecs(hookspecs)
    system = ModuleSystem(pm=pm, available=available)

    for plugin_path in CORE_AREAS:
        plugin = importlib.import_module(plugin_path)
        system.loaded.append(LoadedModule(plugin.MODULE, plugin, None, is_core=True))

    plugins = {name: import_plugin(name, available[name].plugin_path) for name in enabled}
    order = dependency_order(enabled, {name: plugin.MODULE for name, plugin in plugins.items()})
    for name in order:
        info = plugins[name].MODULE
        system.loaded.append(
            LoadedModule(info, plugins[name], build_settings(info, settings_tables.get(name, {})), False)
        )

    for module in system.loaded:
        try:
            pm.register(module.plugin, name=module.name)
        except pluggy.PluginValidationError as exc:
            raise StartupError(f'Module "{module.name}" {_signature_problem(module.plugin, exc)}') from exc
        for caller in pm.get_hookcallers(module.plugin) or []:
            if caller.spec is None:
                raise StartupError(
                    f'Module "{module.name}" implements "{caller.name}", which is not a PPP hook: '
                    f"check the spelling against docs/plugins.md."
                )
    pm.check_pending()

    _check_tables(system)
    _merge_contributions(system)
    return system


def _signature_problem(plugin: types.ModuleType, error: pluggy.PluginValidationError) -> str:
    """Say which hook implementation takes an argument its spec does not offer, in one line."""
    for name in dir(plugin):
        function = getattr(plugin, name)
        spec = getattr(hookspecs, name, None)
        if not hasattr(spec, "ppp_spec") or not hasattr(function, "ppp_impl"):
            continue
        offered = list(inspect.signature(spec).parameters)
        unknown = [arg for arg in inspect.signature(function).parameters if arg not in offered]
        if unknown:
            return (
                f'hook "{name}" takes {", ".join(unknown)}, which its spec does not offer '
                f'(it offers: {", ".join(offered) or "nothing"}): fix the signature as in docs/plugins.md.'
            )
    return f"has a hook implementation that does not match its spec ({' '.join(str(error).split())})."


def _check_tables(system: ModuleSystem) -> None:
    from core.extensions import db

    core_tables = {
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__.startswith("core.")
    }
    for module in system.modules:
        prefix = f"{module.name}_"
        for table in core_tables:
            if table.startswith(prefix):
                raise StartupError(
                    f'Module "{module.name}" would own core table "{table}" by its prefix: rename the module.'
                )
        for mapper in db.Model.registry.mappers:
            owner_module = mapper.class_.__module__
            if owner_module == module.package or owner_module.startswith(module.package + "."):
                table = mapper.local_table.name
                if not table.startswith(prefix):
                    raise StartupError(
                        f'Module "{module.name}" defines table "{table}" without its "{prefix}" prefix: rename the table.'
                    )


def _namespace_ok(module: LoadedModule, name: str) -> bool:
    return module.is_core or name.startswith(f"{module.name}.")


def _add_export_permissions(system: ModuleSystem, owner: str, report: Any) -> None:
    """Check how a report is shown, and register a permission per export format unless the module declared it."""
    from core.plugins import REPORT_FORMATS, Permission

    if (report.run is None) == (report.endpoint is None):
        raise StartupError(
            f'Module "{owner}" report "{report.name}" needs either run (the core shows it) or endpoint (its own '
            f"screen), not both or neither: fix its ReportSpec."
        )
    if report.run is None:
        return
    for format in report.formats:
        if format not in REPORT_FORMATS:
            raise StartupError(
                f'Module "{owner}" report "{report.name}" offers the format "{format}": use {", ".join(REPORT_FORMATS)}.'
            )
        name = report.export_permission(format)
        if name not in system.permissions:
            description = f'Export the "{report.label}" report as {REPORT_FORMATS[format]}'
            system.permissions.add(owner, name, Permission(name, description))


def _merge_contributions(system: ModuleSystem) -> None:
    modules = {m.name: m for m in system.loaded}
    for owner, permissions in system.collect("register_permissions"):
        for permission in permissions or []:
            if not _namespace_ok(modules[owner], permission.name):
                raise StartupError(
                    f'Module "{owner}" permission "{permission.name}" must start with "{owner}.": rename it.'
                )
            system.permissions.add(owner, permission.name, permission)
    for owner, seeds in system.collect("register_lookups"):
        for seed in seeds or []:
            if not _namespace_ok(modules[owner], seed.code):
                raise StartupError(
                    f'Module "{owner}" lookup list "{seed.code}" must start with "{owner}.": rename it.'
                )
            system.lookups.add(owner, seed.code, seed)
    for owner, jobs in system.collect("register_jobs"):
        for job in jobs or []:
            if not _namespace_ok(modules[owner], job.name):
                raise StartupError(
                    f'Module "{owner}" job "{job.name}" must start with "{owner}.": rename it.'
                )
            system.jobs.add(owner, job.name, job)
    for owner, team_types in system.collect("register_team_types"):
        for team_type in team_types or []:
            if not _namespace_ok(modules[owner], team_type.code):
                raise StartupError(f'Module "{owner}" team type "{team_type.code}" must start with "{owner}.": rename it.')
            system.team_types.add(owner, team_type.code, team_type)
    for owner, reports in system.collect("register_reports"):
        for report in reports or []:
            if not _namespace_ok(modules[owner], report.name):
                raise StartupError(f'Module "{owner}" report "{report.name}" must start with "{owner}.": rename it.')
            system.reports.add(owner, report.name, report)
            _add_export_permissions(system, owner, report)
    for _owner, items in system.collect("register_menu_items"):
        system.menu_items.extend(items or [])
    for _owner, tabs in system.collect("register_tabs"):
        system.tabs.extend(tabs or [])
    for _owner, widgets in system.collect("register_dashboard_widgets"):
        system.widgets.extend(widgets or [])

    # every permission a contribution names must exist, so a typo cannot open or hide a screen by accident
    named = [(item.permission, f'menu item "{item.label}"') for item in system.menu_items]
    named += [(job.permission, f'job "{job.name}"') for job in system.jobs.values()]
    named += [(report.permission, f'report "{report.name}"') for report in system.reports.values()]
    named += [(tab.permission, f'tab "{tab.name}"') for tab in system.tabs]
    named += [(widget.permission, f'dashboard widget "{widget.name}"') for widget in system.widgets]
    for permission, what in named:
        if permission not in system.permissions:
            raise StartupError(
                f'The {what} needs permission "{permission}", which no module registers: fix the name.'
            )
